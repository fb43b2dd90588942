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
)
"""Our markets' languages and their neighbours. Each extra candidate steals confidence from
short English messages (Dutch above all), so only languages players really write in."""


@dataclass(frozen=True)
class LanguageGuess:
    lang: str
    confidence: float
    runner_up: str | None = None
    scores: tuple[tuple[str, float], ...] = ()
    """Every candidate's confidence, best first (they sum to 1)."""

    def confidence_of(self, lang: str) -> float:
        return next((value for code, value in self.scores if code == lang), 0.0)


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
        scores = tuple((v.language.iso_code_639_1.name.lower(), v.value) for v in values)
        runner_up = scores[1][0] if len(scores) > 1 else None
        return LanguageGuess(scores[0][0], scores[0][1], runner_up, scores)
