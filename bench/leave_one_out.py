"""Answer quality on sets the product never learned from, message by message.

The shipped learned words and escalation model have read every set in ``bench/sets``, so
their figures there flatter us. Here each set is held out in turn: both are rebuilt from the
other sets (without any message of the held-out one) before it is decided. Sets named with
``--unseen`` (``bench/unread``, a fresh helper's set) are in no training at all and are
decided with the shipped words and model.

Training the model takes most of the time (about 40 s a set; all 79 sets on two cores,
half an hour), so each held-out model is kept under ``--cache``, named by the messages it
was trained on; a later run decides all sets in about six minutes. The cache cannot see a
change to the model's own features (``handlers/escalation_model.feature_ids``), to the
normaliser, or to the triage rules its reason head learns from: pass ``--retrain`` then.

``--out`` writes one line per message (its set, labels and decision); ``--against`` an
earlier such file prints the messages whose outcome changed, which is how a matcher change
is judged: fewer wrong answers, more right ones, no escalation lost.

Run: ``.venv/bin/python bench/leave_one_out.py [--jobs 2] [--out A.jsonl] [--against B.jsonl]
[--only SET ...] [--unseen DIR ...]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from dataclasses import replace
from pathlib import Path

from held_out import Tally, faq_of, held_out_set, items_of, outcome

from croupier.decisions import DecisionParts
from faq.learned_words import set_directories
from faq.matcher import Featuriser
from faq.model import Faq
from handlers.escalation_model import (
    DEFAULT_TRAINING_SETS,
    EscalationModel,
    fingerprint,
    labelled_messages,
    question_files,
    train,
    with_rule_reasons,
)


def _held_out_model(
    parts: DecisionParts, others: list[Path], texts: set[str], cache: Path, retrain: bool
) -> EscalationModel:
    files = question_files(d / "questions.jsonl" for d in others)
    messages = [m for m in labelled_messages(files) if m.text not in texts]
    path = cache / f"{fingerprint(messages)[:16]}.npz"
    if path.is_file() and not retrain:
        return EscalationModel.load(path)
    model = train(with_rule_reasons(messages, parts.triage))
    cache.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model


def _decide(
    parts: DecisionParts, faq: Faq, set_name: str, items: list[dict], unread: bool = False
) -> list[dict]:
    decider = parts.decider(faq)
    rows = []
    for item in items:
        decision = decider.decide(item["text"])
        rows.append(
            {
                "set": set_name,
                "unread": unread,
                "id": item["id"],
                "lang": item["lang"],
                "kind": item["kind"],
                "gold": item["gold"],
                "text": item["text"],
                "decision": decision.kind.value,
                "faq_id": decision.faq_id,
                "reason": decision.reason,
                "score": round(decision.score, 3),
                "evidence": decision.evidence,
                "outcome": outcome(item, decision.kind.value, decision.faq_id),
            }
        )
    return rows


def held_out_rows(
    held_out: Path, directories: list[Path], cache: Path, retrain: bool
) -> list[dict]:
    """``held_out`` decided with words and a model learned from the other sets only."""
    parts = DecisionParts.load()
    held = held_out_set(held_out, directories, parts.lexicon)
    others = [d for d in directories if d != held_out]
    texts = {item["text"] for item in held.items}
    variant = replace(
        parts,
        featuriser=Featuriser(parts.lexicon, held.learned),
        escalation_model=_held_out_model(parts, others, texts, cache, retrain),
    )
    return _decide(variant, held.faq, held_out.name, held.items)


def unseen_rows(directory: Path) -> list[dict]:
    return _decide(
        DecisionParts.load(), faq_of(directory), directory.name, items_of(directory), unread=True
    )


def summary(rows: list[dict]) -> str:
    """``rows``' outcomes, overall and per language group."""
    tally = Tally()
    for row in rows:
        tally.add(row["lang"], row["kind"], row["outcome"])
    return tally.report()


def changes(rows: list[dict], earlier: list[dict]) -> list[str]:
    """The messages whose outcome differs from an earlier run's, on the sets both hold;
    an unread set's messages are counted, never shown (``bench/unread/README.md``)."""
    before = {(r["set"], r["id"]): r for r in earlier}
    lines = []
    for row in rows:
        old = before.get((row["set"], row["id"]))
        if (
            old is None
            or row["unread"]
            or (old["outcome"], old["faq_id"]) == (row["outcome"], row["faq_id"])
        ):
            continue
        lines.append(
            f"{old['outcome']:>9} -> {row['outcome']:9} {row['set']}/{row['id']} {row['lang']} "
            f"gold {row['gold']}: {old['faq_id']} -> {row['faq_id']} | {row['text'][:110]!r}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="held-out set names to run")
    parser.add_argument("--unseen", nargs="*", default=[], type=Path, help="sets in no training")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/croupier-held-out-models"))
    parser.add_argument("--retrain", action="store_true", help="ignore cached models")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write one JSON line per message")
    parser.add_argument("--against", type=Path, help="an earlier --out file to compare with")
    args = parser.parse_args()

    directories = set_directories([DEFAULT_TRAINING_SETS])
    held_out = [d for d in directories if args.only is None or d.name in args.only]
    unseen = set_directories(args.unseen)
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        held = pool.starmap(
            held_out_rows, [(d, directories, args.cache, args.retrain) for d in held_out]
        )
        fresh = pool.map(unseen_rows, unseen)
    rows = [row for part in (*held, *fresh) for row in part]
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    if args.against:
        earlier = [json.loads(line) for line in args.against.read_text().splitlines()]
        for line in changes(rows, earlier):
            print(line)
        both = {(r["set"], r["id"]) for r in rows} & {(r["set"], r["id"]) for r in earlier}
        for title, source in (("before", earlier), ("after", rows)):
            print(
                f"{title}, sets both hold:",
                summary([r for r in source if (r["set"], r["id"]) in both]),
            )
    for title, part in (("held out", held), ("unseen", fresh)):
        if part:
            print(f"{title}:", summary([row for p in part for row in p]))


if __name__ == "__main__":
    main()
