"""Which of the FAQ's languages uses a message's words: a language vote from the FAQ itself.

Detectors read Russian typed in Latin letters ("kak bystro prihodit vyvod") as Czech,
Polish or Italian, sometimes with full confidence. The FAQ's own Russian questions and
answers, transliterated the same way as the message, share most of its words ("kak",
"vyvod", "dengi", "posle"), while a real Czech or Polish message shares few. Built from
whatever the content team wrote, so a new language or entry votes with no table to edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_KEY_LENGTH = 2
"""One-letter words ("a", "i", "u", "w") belong to too many languages to vote."""

WORDS_PER_LANGUAGE = 20_000
"""A language's everyday words ("kak", "posle", "dengi") recur every few texts: the first
20,000 words (the whole of a 100-entry FAQ) hold them. Past that a large FAQ adds words
of one entry each (game and product names), and reading all of a 2,000-entry FAQ's
texts took 0.2 s of its load."""


def ranked(keys: list[str], words: Mapping[str, frozenset[str]]) -> list[tuple[int, str]]:
    """(how many of ``keys`` a language's words hold, language), most first."""
    return sorted(
        ((sum(key in held for key in keys), lang) for lang, held in words.items()), reverse=True
    )


@dataclass(frozen=True)
class VocabularyVote:
    lang: str
    share: float
    """Share of the message's words this language's FAQ text uses."""
    margin: float
    """How far ahead of the next language's share."""


class LanguageVocabulary:
    def __init__(self, texts: Iterable[tuple[str, str]], languages: Iterable[str]) -> None:
        """``texts``: (language, transliterated text) of FAQ questions and answers, entry
        by entry; each of ``languages`` reads them until it has ``WORDS_PER_LANGUAGE``."""
        read: dict[str, list[str]] = {lang: [] for lang in languages}
        budget = dict.fromkeys(read, WORDS_PER_LANGUAGE)
        for lang, text in texts:
            if budget.get(lang, 0) > 0:
                read[lang].append(text)
                budget[lang] -= text.count(" ") + 1
                if not any(left > 0 for left in budget.values()):
                    break
        # one join and split per language instead of a set update per text
        self._words = {lang: frozenset(" ".join(found).split()) for lang, found in read.items()}

    def vote(self, keys: Iterable[str]) -> VocabularyVote | None:
        """The language whose FAQ text uses most of ``keys`` (transliterated words)."""
        voting = [k for k in keys if len(k) >= MIN_KEY_LENGTH and not k.isdigit()]
        if not voting or not self._words:
            return None
        counts = ranked(voting, self._words)
        share, lang = counts[0][0] / len(voting), counts[0][1]
        runner_up = counts[1][0] / len(voting) if len(counts) > 1 else 0.0
        return VocabularyVote(lang, share, share - runner_up)
