"""The triage rule index (rules filed under the three letters their matches begin with)
must decide exactly as searching every rule would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faq.loader import load_faq_dir
from faq.normalise import normalise
from handlers.triage import (
    REASON_PRIORITY,
    Triage,
    TriageRules,
    _word_starts_of,
    load_triage_rules,
    word_starts,
)

FAQ_DIR = Path(__file__).resolve().parents[1] / "faq" / "content"
OWN_SENTENCES = [
    "I want to speak to a manager right now",
    "mój syn ma 16 lat i gra na waszej stronie",
    "я подам в суд на ваше казино",
    "Betrüger! Ihr habt mein Geld gestohlen!!!",
    "je vous ai envoyé ma pièce d'identité hier",
    "ticket #48213 still not answered, withdrawal cancelled again",
    "earn 500$ per day with crypto, DM me",
    "what are the odds for PSG vs Lyon?",
    "how long does a withdrawal take?",
]


@pytest.mark.parametrize(
    ("pattern", "starts"),
    [
        (r"\b(police|cops|fraud squad)\b", {"pol", "cop", "fra"}),
        (r"\bchce (sie )?samowyklucz\w*", {"chc"}),
        (r" (?:please )?(self.?exclude) me", {"sel"}),
        (r"\bmy (gambling |betting )?addiction\b", {"my"}),
        (r"\bя (\w+ )?(стал |стала )?(зависим\w*|игроман\w*)", {"я"}),
        (r"^ (\w+ )?(human|agent)( please)? ?[!.]* $", {"hum", "age"}),
        (r"\bi (am|was) (1[0-7])", {"i"}),
        (r"\bi(.?m| am) (1[0-7])", None),
        (r"\bj.?ai (seulement )?(1[0-7])", None),
        (r"samowyklucz", None),
        # a lookahead's words must be in the text too; a negative one proves nothing
        (r"^(?=.*\b(withdrawal|payout)s?\b)(?=.*\d)", {"wit", "pay"}),
        (r"^(?!.*\bhow\b).*\bscam\b", {"sca"}),
    ],
)
def test_rules_are_indexed_only_by_openings_every_match_must_have(
    pattern: str, starts: set[str] | None
) -> None:
    found = _word_starts_of(pattern)
    assert (set(found) if found is not None else None) == starts


def test_every_string_a_rule_matches_has_one_of_its_openings() -> None:
    """The index's promise, checked rule by rule on strings hypothesis builds from each
    regex (anything around the match included): a rule is never skipped for a text it
    would have matched."""
    rules = load_triage_rules()
    for group in [*rules.patterns.values(), *rules.guards.values()]:
        for rule in group.rules:
            openings = _word_starts_of(rule.pattern.pattern)
            if openings is not None:
                _check_openings(rule.pattern, openings)


def _check_openings(pattern: re.Pattern[str], openings: frozenset[str]) -> None:
    @settings(
        max_examples=5,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.from_regex(pattern))
    def matched_text_has_an_opening(text: str) -> None:
        assert pattern.search(text)
        assert openings & word_starts(text), (pattern.pattern, text)

    matched_text_has_an_opening()


def _searching_every_rule(rules: TriageRules, text: str) -> str | None:
    padded = f" {normalise(text).folded} "
    for reason in REASON_PRIORITY:
        group = rules.patterns.get(reason)
        if group is None or not any(r.pattern.search(padded) for r in group.rules):
            continue
        guard = rules.guards.get(reason)
        if guard is not None and any(r.pattern.search(padded) for r in guard.rules):
            continue
        return reason
    return None


def test_index_decides_like_searching_every_rule() -> None:
    rules = load_triage_rules()
    triage = Triage(rules)
    faq = load_faq_dir(FAQ_DIR).faq
    assert faq is not None
    texts = [q for e in faq.entries for qs in e.questions.values() for q in qs]
    texts += [a for e in faq.entries for a in e.answer.values()] + OWN_SENTENCES
    for text in texts:
        result = triage.check(normalise(text))
        expected = _searching_every_rule(rules, text)
        if result is not None and result.evidence in ("shouting", "angry emoji"):
            continue  # signals, not rules
        assert (result.reason if result else None) == expected, text
