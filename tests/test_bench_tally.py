"""The benches' per-message tally (``bench/held_out.Tally``) must count what the shared
``score.py`` counts: its figures are the ones quoted in closing notes, summed over many
sets, and a tally that drifted from the scorer would make them incomparable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from held_out import Tally, decisions, faq_of, items_of, outcome  # noqa: E402
from quality import SHARED_EVAL, _scorer  # noqa: E402

from croupier.decisions import DecisionParts  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (SHARED_EVAL / "score.py").is_file(), reason="../shared/eval/score.py is beside CI"
)


def test_a_set_decided_by_the_shipped_code_tallies_as_score_py_scores_it() -> None:
    set_dir = ROOT / "bench" / "sets" / "triage-polite"  # both kinds, five languages and more
    items = items_of(set_dir)
    decided = decisions(DecisionParts.load().decider(faq_of(set_dir)), items)
    result, _ = _scorer().score(items, decided)
    tally = Tally()
    tally.add_decisions(items, decided)

    figures = tally.figures()
    assert figures["n"] == result["n"] == len(items)
    assert figures["wrong"] / figures["n"] == pytest.approx(result["wrong"])
    assert figures["right"] / figures["faq"] == pytest.approx(result["coverage"])
    assert figures["clarify"] / figures["faq"] == pytest.approx(result["clarify"])
    escalated = figures["escalate"] - figures["missed"]
    assert escalated / figures["escalate"] == pytest.approx(result["esc_recall"])
    for lang in ("en", "pl", "ru", "de", "fr"):
        per_lang, scored = tally.figures(lang), result["per_lang"][lang]
        assert per_lang["wrong"] / per_lang["n"] == pytest.approx(scored["wrong"])
        assert per_lang["right"] / per_lang["faq"] == pytest.approx(scored["coverage"])


def test_an_answered_escalation_is_a_wrong_answer_and_a_missed_escalation() -> None:
    needs_a_person = {"kind": "escalate", "accept": ["escalate"], "lang": "uk"}
    answered = outcome(needs_a_person, "answer", "withdrawal-time")
    clarified = outcome(needs_a_person, "clarify", None)
    tally = Tally()
    tally.add("uk", "escalate", answered)
    tally.add("uk", "escalate", clarified)
    tally.add("uk", "escalate", outcome(needs_a_person, "escalate", None))

    assert (answered, clarified) == ("wrong", "missed")
    for group in ("all", "other"):
        figures = tally.figures(group)
        assert (figures["wrong"], figures["missed"], figures["escalate"]) == (1, 2, 3)
