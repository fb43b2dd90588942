"""The FAQ-vocabulary language vote, on small FAQ texts written for these tests."""

from __future__ import annotations

import pytest

from faq.normalise import normalise
from faq.vocabulary import LanguageVocabulary, VocabularyVote

FAQ_TEXTS = [
    ("ru", "kak bystro prikhodyat dengi posle vyvoda"),  # how Cyrillic FAQ text transliterates
    ("ru", "vyvod na kartu zanimaet do treh dnei"),
    ("pl", "jak dlugo trwa wyplata na karte"),
    ("pl", "wyplata trwa do trzech dni"),
    ("en", "how long does a withdrawal take"),
]


def _vote(vocabulary: LanguageVocabulary, text: str) -> VocabularyVote | None:
    return vocabulary.vote(normalise(text).ascii.split())


def test_translit_russian_shares_its_words_with_the_russian_faq_text() -> None:
    vote = _vote(
        LanguageVocabulary(FAQ_TEXTS, ["ru", "pl", "en"]), "kak dolgo idet vyvod na kartu"
    )
    assert vote is not None and vote.lang == "ru"
    # kak, vyvod, na, kartu are Russian FAQ words; only "na" is also Polish
    assert vote.share == pytest.approx(4 / 6) and vote.margin == pytest.approx(3 / 6)


def test_one_letter_words_and_numbers_do_not_vote() -> None:
    vocabulary = LanguageVocabulary([("pl", "w a i 100"), ("en", "a i")], ["pl", "en"])
    assert _vote(vocabulary, "w 100 a i") is None


def test_each_language_reads_only_its_word_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("faq.vocabulary.WORDS_PER_LANGUAGE", 3)
    vocabulary = LanguageVocabulary(
        [("en", "how long does"), ("en", "withdrawal take"), ("pl", "jak dlugo")], ["en", "pl"]
    )
    vote = _vote(vocabulary, "withdrawal take")
    assert vote is not None and vote.share == 0.0
