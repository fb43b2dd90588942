"""FAQ text is folded word by word through a cache; that must read exactly like folding
the whole text at once, for any text content staff might paste."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faq.normalise import (
    _WORD,
    _with_minutes_spelled_out,
    fold,
    normalise,
    visible_text,
    without_links,
    words_of,
)


def _folding_the_whole_text(raw: str) -> tuple[str, ...]:
    return _with_minutes_spelled_out(tuple(_WORD.findall(fold(without_links(visible_text(raw))))))


@given(st.text())
def test_word_by_word_folding_reads_like_whole_text_folding(raw: str) -> None:
    assert words_of(raw) == _folding_the_whole_text(raw)


def test_accents_ligatures_and_scripts_fold_alike() -> None:
    for raw in ("Wypłata ŁÓDŹ", "Straße ﬁnance", "a\u0301b\u0327c", "ёлка Їжак", "İstanbul"):
        assert words_of(raw) == _folding_the_whole_text(raw), raw


def test_minutes_after_a_number_are_not_min_for_minimum() -> None:
    assert normalise("paid 15 min ago").words == ("paid", "15", "minutes", "ago")
    assert normalise("vor 10min eingezahlt").words == ("vor", "10", "minutes", "eingezahlt")
    assert normalise("min deposit?").words == ("min", "deposit")
    assert words_of("Card payments arrive within 5 mins") == (
        "card",
        "payments",
        "arrive",
        "within",
        "5",
        "minutes",
    )


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("used the code SPIN50 on my deposit", ("used", "the", "code", "on", "my", "deposit")),
        ("wpisałem kod ZIMA przy wpłacie", ("wpisalem", "kod", "przy", "wplacie")),
        ("промокод FREESPINS не работает", ("промокод", "не", "работает")),
        (
            "do I need a code for the bonus",
            ("do", "i", "need", "a", "code", "for", "the", "bonus"),
        ),
    ],
)
def test_a_promo_codes_name_is_not_read_as_words(raw: str, words: tuple[str, ...]) -> None:
    """ "code SPIN50" names a code: its "spin" must not make a missing bonus a free-spins
    question. An ordinary word after "code" stays."""
    assert normalise(raw).words == words


def test_sentence_starts_follow_stops_but_not_the_stop_inside_a_number() -> None:
    """A negation's reach ends with its sentence; "12.5" and the "4.6." of a date are one
    number and one date, not two sentences each."""
    norm = normalise("seit dem 4.6. warte ich, 12.5 Tage! Wie lange noch? ok")
    assert [norm.words[i] for i in sorted(norm.sentence_starts)] == ["warte", "wie", "ok"]
