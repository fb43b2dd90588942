"""Language identification: lingua for most text, the alphabet where it settles the question."""

from __future__ import annotations

import pytest

from faq.langid import DETECTION_CHARS, LanguageIdentifier


@pytest.fixture(scope="module")
def languages() -> LanguageIdentifier:
    return LanguageIdentifier()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("когда придёт мой вывод?", "ru"),  # ё and ы exist only in Russian
        ("скільки часу триває перевірка?", "uk"),  # і exists only in Ukrainian
        ("Вывод на Skrill быстрый?", "ru"),
    ],
)
def test_letters_only_one_cyrillic_alphabet_has_decide_alone(
    languages: LanguageIdentifier, text: str, lang: str
) -> None:
    guess = languages.guess(text)
    assert guess is not None and (guess.lang, guess.confidence) == (lang, 1.0)


def test_cyrillic_without_telltale_letters_is_left_to_lingua(
    languages: LanguageIdentifier,
) -> None:
    guess = languages.guess("привет, как дела у вас")
    assert guess is not None and guess.lang == "ru" and 0 < guess.confidence < 1.0


def test_a_huge_message_is_read_by_its_opening(languages: LanguageIdentifier) -> None:
    opening = "Hallo zusammen, wie lange dauert eine Auszahlung bei euch"
    text = opening + " " + "xq " * 5000
    assert len(opening) < DETECTION_CHARS < len(text)
    guess = languages.guess(text)
    assert guess is not None and guess.lang == "de"


def test_a_plain_sentence_is_named_by_the_quick_models(languages: LanguageIdentifier) -> None:
    quick = languages.guess("how long does it take for my money to reach the card?")
    assert quick is not None and (quick.lang, quick.quick) == ("en", True)
    thorough = languages.guess(
        "how long does it take for my money to reach the card?", thorough=True
    )
    assert thorough is not None and (thorough.lang, thorough.quick) == ("en", False)
