"""Calibrate the one answer threshold without touching the dev set.

Two curves from data the project owns:
- FAQ folds: each entry's example questions are split in five; every fifth is held out,
  the index is built from the rest, and the held-out questions are decided. Coverage =
  answered with their own entry; wrong = answered with another one.
- Messages that need a person (the positive cases of tests/test_triage.py), decided with
  triage switched off: the share the matcher would answer if a triage rule ever missed.
  This is the safety margin the threshold adds on top of triage.
Run: ``.venv/bin/python bench/calibrate.py``.
"""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts
from faq.loader import load_faq_dir
from faq.model import Faq
from handlers.decide import DecisionKind, MatchSettings
from handlers.triage import Triage, TriageRules

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = [t / 100 for t in range(16, 56, 3)]
FOLDS = 5


class _Collector:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            name = getattr(item, "originalname", item.name)
            params = getattr(getattr(item, "callspec", None), "params", {})
            if "escalate" in name and "not" not in name and isinstance(params.get("text"), str):
                self.texts.append(params["text"])


def needs_a_person() -> list[str]:
    collector = _Collector()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(
            [
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                str(ROOT / "tests" / "test_triage.py"),
            ],
            plugins=[collector],
        )
    return collector.texts


def fold(faq: Faq, index: int) -> tuple[Faq, list[tuple[str, str]]]:
    kept, held_out = [], []
    for entry in faq.entries:
        questions = {}
        for lang, texts in entry.questions.items():
            questions[lang] = tuple(q for i, q in enumerate(texts) if i % FOLDS != index)
            held_out += [(entry.id, q) for i, q in enumerate(texts) if i % FOLDS == index]
        kept.append(replace(entry, questions=questions))
    return Faq(tuple(kept), faq.languages), held_out


def main() -> None:
    parts = DecisionParts.load()
    faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert faq is not None
    counts = {t: [0, 0, 0] for t in THRESHOLDS}  # covered, wrong, clarified
    total = 0
    for index in range(FOLDS):
        training, held_out = fold(faq, index)
        decider = parts.decider(training)
        total += len(held_out)
        for threshold in THRESHOLDS:
            decider.settings = MatchSettings(answer_threshold=threshold)
            for entry_id, question in held_out:
                decision = decider.decide(question)
                if decision.kind is DecisionKind.ANSWER:
                    counts[threshold][0 if decision.faq_id == entry_id else 1] += 1
                elif decision.kind is DecisionKind.CLARIFY:
                    counts[threshold][2] += 1
    negatives = needs_a_person()
    no_triage = parts.decider(faq)
    no_triage._triage = Triage(TriageRules({}, {}))  # the safety net alone
    default = MatchSettings().answer_threshold
    print(f"FAQ folds: {total} held-out questions; needs-a-person messages: {len(negatives)}")
    print(
        f"{'threshold':>9}  {'coverage':>8}  {'wrong':>6}  {'clarify':>7}  {'answered if triage missed':>26}"
    )
    for threshold in THRESHOLDS:
        no_triage.settings = MatchSettings(answer_threshold=threshold)
        answered = sum(
            1 for text in negatives if no_triage.decide(text).kind is DecisionKind.ANSWER
        )
        covered, wrong, clarified = counts[threshold]
        marker = "  <- default" if abs(threshold - default) < 1e-9 else ""
        print(
            f"{threshold:9.2f}  {covered / total:8.3f}  {wrong / total:6.3f}  "
            f"{clarified / total:7.3f}  {answered / max(len(negatives), 1):26.3f}{marker}"
        )


if __name__ == "__main__":
    sys.exit(main())
