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
from pathlib import Path

from held_out import Tally, decisions
from quality import SHARED_EVAL, _scorer

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
    scorer = _scorer()
    items = scorer.load(SHARED_EVAL / "dev-questions.jsonl")
    parts = DecisionParts.load()
    tally = Tally()
    faq_dirs = _faq_dirs(args.sets)
    for faq_dir in faq_dirs:
        faq = load_faq_dir(faq_dir).faq
        assert faq is not None, faq_dir
        tally.add_decisions(items, decisions(parts.decider(faq), items))
    print(f"{len(faq_dirs)} FAQs x {len(items)} messages: {tally.summary()}")


if __name__ == "__main__":
    main()
