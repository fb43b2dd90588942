"""Which language a player wrote in, with lingua (a maintained detector good on short text).

The detector only chooses among languages players of our markets write in, which
keeps short messages from being read as Dutch or Latvian. Translit (Russian in
Latin letters) fools every detector; the matcher's vote breaks those ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

CANDIDATE_LANGUAGES: tuple[str, ...] = (
    "en",
    "pl",
    "ru",
    "de",
    "fr",
    "uk",
    "cs",
    "sk",
    "it",
    "es",
    "pt",
    "nl",
    "tr",
    "ro",
    "hu",
)


@dataclass(frozen=True)
class LanguageGuess:
    lang: str
    confidence: float
    runner_up: str | None = None


class LanguageIdentifier:
    def __init__(self, candidates: tuple[str, ...] = CANDIDATE_LANGUAGES) -> None:
        self._candidates = candidates

    @cached_property
    def _detector(self):  # type: ignore[no-untyped-def]
        languages = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
            for code in self._candidates
        ]
        return LanguageDetectorBuilder.from_languages(*languages).build()

    def warm_up(self) -> None:
        """Load models now rather than on the first player's message."""
        self.guess("hello, how long does a withdrawal take")
        for sample in ("jak długo trwa wypłata", "сколько идет вывод", "wie lange", "combien"):
            self.guess(sample)

    def guess(self, text: str) -> LanguageGuess | None:
        if not any(c.isalpha() for c in text):
            return None
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None
        best = values[0]
        runner_up = values[1].language.iso_code_639_1.name.lower() if len(values) > 1 else None
        return LanguageGuess(best.language.iso_code_639_1.name.lower(), best.value, runner_up)
