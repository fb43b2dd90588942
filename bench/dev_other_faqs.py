"""The dev set read against every other FAQ at hand: the closest stand-in for the
held-out set, whose messages are of the dev set's kind but whose FAQ is worded otherwise.

FAQs: the shipped one, every set in ``bench/sets`` that has one, and any extra set
directories given. Wrong answers and coverage are summed over all FAQs, per language.
The learned words and the escalation model have read the sets' messages (never the dev
set's), so a set's FAQ is not unseen vocabulary: treat the figures as a trend, and check
them against a set nobody has read.
Run: ``.venv/bin/python bench/dev_other_faqs.py [SET_DIR ...]``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from quality import MAIN_LANGUAGES, SHARED_EVAL, _scorer

from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts
from faq.loader import load_faq_dir
from handlers.escalation_model import DEFAULT_TRAINING_SETS


def _faq_dirs(extra: list[Path]) -> list[Path]:
    sets = sorted(DEFAULT_TRAINING_SETS.iterdir()) + extra
    return [DEFAULT_FAQ_DIR] + [d / "faq" for d in sets if (d / "faq").is_dir()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="more set directories with a faq/")
    args = parser.parse_args()
    items = _scorer().load(SHARED_EVAL / "dev-questions.jsonl")
    parts = DecisionParts.load()
    wrong, covered, faq_kind, total = Counter(), Counter(), Counter(), Counter()
    faq_dirs = _faq_dirs(args.sets)
    for faq_dir in faq_dirs:
        faq = load_faq_dir(faq_dir).faq
        assert faq is not None, faq_dir
        decider = parts.decider(faq)
        for item in items:
            decision = decider.decide(item["text"])
            answered = decision.kind.value == "answer"
            right = answered and decision.faq_id in item["accept"]
            lang = item["lang"] if item["lang"] in MAIN_LANGUAGES else "other"
            total[lang] += 1
            wrong[lang] += answered and not right
            if item["kind"] == "faq":
                faq_kind[lang] += 1
                covered[lang] += right
    n = sum(total.values())
    print(
        f"{len(faq_dirs)} FAQs x {len(items)} messages: wrong {sum(wrong.values())} "
        f"({sum(wrong.values()) / n:.4f}), coverage {sum(covered.values()) / sum(faq_kind.values()):.4f}"
    )
    for lang in (*MAIN_LANGUAGES, "other"):
        if total[lang]:
            print(
                f"  {lang:5} wrong {wrong[lang]:3d} ({wrong[lang] / total[lang]:.3f})  "
                f"coverage {covered[lang] / max(faq_kind[lang], 1):.3f}"
            )


if __name__ == "__main__":
    main()
