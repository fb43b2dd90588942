"""What the learned words (``faq/learned_words.py``) are worth on sets they never saw.

Each set in ``bench/sets`` is held out in turn: the table is learned from the other sets
(with any message of the held-out set removed) and the held-out set is decided with it,
then without any table. The shipped table has read every set, so only this figure is fair.
Run: ``.venv/bin/python bench/learned_words_loso.py``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from quality import MAIN_LANGUAGES, _scorer

from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts
from faq.learned_words import LearnedWords, examples_from_sets, learn, set_directories
from faq.loader import load_faq_dir
from faq.matcher import Featuriser
from handlers.escalation_model import DEFAULT_TRAINING_SETS

ROOT = Path(__file__).resolve().parent.parent


def _decisions(parts: DecisionParts, directory: Path, items: list[dict]) -> list[dict]:
    faq_dir = directory / "faq" if (directory / "faq").is_dir() else DEFAULT_FAQ_DIR
    faq = load_faq_dir(faq_dir).faq
    assert faq is not None
    decider = parts.decider(faq)
    decisions = [(item["id"], decider.decide(item["text"])) for item in items]
    return [{"id": i, "decision": d.kind.value, "faq_id": d.faq_id} for i, d in decisions]


def main() -> None:
    scorer = _scorer()
    parts = DecisionParts.load()
    plain = Featuriser(parts.lexicon)
    default_faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert default_faq is not None
    directories = set_directories([DEFAULT_TRAINING_SETS])
    totals = {"without": Counter(), "learned": Counter()}
    languages = {name: {lang: Counter() for lang in MAIN_LANGUAGES} for name in totals}
    print(f"{'set':16} {'without: wrong cover':>22} {'learned: wrong cover':>22}")
    for held_out in directories:
        path = held_out / "questions.jsonl"
        items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        texts = {item["text"] for item in items}
        others = [d for d in directories if d != held_out]
        examples = [
            e for e in examples_from_sets(others, plain, default_faq) if e.text not in texts
        ]
        variants = {
            "without": LearnedWords(),
            "learned": learn(examples),
        }
        row = []
        for name, table in variants.items():
            variant = replace(parts, featuriser=Featuriser(parts.lexicon, table))
            result, _ = scorer.score(items, _decisions(variant, held_out, items))
            faq_count = sum(item["kind"] == "faq" for item in items)
            totals[name].update(
                n=result["n"],
                wrong=round(result["wrong"] * result["n"]),
                faq=faq_count,
                covered=round(result["coverage"] * faq_count),
            )
            for lang in MAIN_LANGUAGES:
                lang_items = [i for i in items if i["lang"] == lang]
                lang_faq = sum(i["kind"] == "faq" for i in lang_items)
                figures = result["per_lang"].get(lang)
                if figures:
                    languages[name][lang].update(
                        n=len(lang_items),
                        wrong=round(figures["wrong"] * len(lang_items)),
                        faq=lang_faq,
                        covered=round(figures["coverage"] * lang_faq),
                    )
            row.append(f"{result['wrong']:10.3f} {result['coverage']:10.3f}")
        print(f"{held_out.name:16} {row[0]:>22} {row[1]:>22}", flush=True)
    for name, total in totals.items():
        per_language = "  ".join(
            f"{lang} {c['wrong'] / c['n']:.3f}/{c['covered'] / c['faq']:.3f}"
            for lang, c in languages[name].items()
        )
        print(
            f"{name:8} all sets: wrong {total['wrong']}/{total['n']} "
            f"({total['wrong'] / total['n']:.4f}), coverage {total['covered']}/{total['faq']} "
            f"({total['covered'] / total['faq']:.4f});  {per_language}"
        )


if __name__ == "__main__":
    main()
