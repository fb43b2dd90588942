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
    "it",
    "es",
)
"""Our markets' languages and the neighbours their players also write. Each extra candidate
steals confidence from short English messages (Dutch above all) and costs lingua time on
every message (Slovak and Portuguese were dropped: no dev or proxy figure moved, and
detection got ~20 % faster), so only languages players really write in."""


CYRILLIC_LANGUAGES = frozenset({"ru", "uk"})


def _mostly_cyrillic(text: str) -> bool:
    """A third of the letters in Cyrillic: Russian and Ukrainian players write brand and
    payment names in Latin letters; players of Latin-script languages rarely type Cyrillic."""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return cyrillic >= 3 and cyrillic * 3 >= len(letters)


DETECTION_CHARS = 64
"""Lingua's time grows with the text. About ten words are plenty to tell a language (no
figure of bench/quality.py moved between 48, 64 and 96), a rambling message's opening is as
telling as its end, and a huge hostile message costs no more than a short one."""


def _opening(text: str) -> str:
    if len(text) <= DETECTION_CHARS:
        return text
    cut = text.rfind(" ", 0, DETECTION_CHARS)
    return text[: cut if cut > 0 else DETECTION_CHARS]


QUICK_SURE = 0.99
"""lingua's low-accuracy mode (trigrams only) is three times faster and, when it is this sure,
names the same language as the full models on all but 0.3 % of our sets' messages (12 of
3,992), nearly all of them translit Russian read as Polish or Czech. Only the messages it is
unsure of (about one in eight) pay for the full models at once; the others only when the
FAQ example they resemble most is in another language (``LanguageGuess.quick``)."""


RUSSIAN_ONLY_LETTERS = frozenset("ыэъё")
UKRAINIAN_ONLY_LETTERS = frozenset("іїєґ")


def _by_alphabet(lowered: str) -> LanguageGuess | None:
    """Russian and Ukrainian each have letters the other lacks: a message with only one
    side's letters is that language, without asking lingua (whose time is the largest
    part of a decision)."""
    letters = set(lowered)
    russian = not RUSSIAN_ONLY_LETTERS.isdisjoint(letters)
    ukrainian = not UKRAINIAN_ONLY_LETTERS.isdisjoint(letters)
    if russian == ukrainian:
        return None
    lang, other = ("ru", "uk") if russian else ("uk", "ru")
    return LanguageGuess(lang, 1.0, other, ((lang, 1.0), (other, 0.0)))


def _renormalised(scores: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    total = sum(v for _, v in scores)
    if total <= 0:
        return tuple((code, 1.0 / len(scores)) for code, _ in scores)
    return tuple(sorted(((code, v / total) for code, v in scores), key=lambda x: -x[1]))


@dataclass(frozen=True)
class LanguageGuess:
    lang: str
    confidence: float
    runner_up: str | None = None
    scores: tuple[tuple[str, float], ...] = ()
    """Every candidate's confidence, best first (they sum to 1)."""
    quick: bool = False
    """Named by the quick models alone: worth a second, thorough look if the FAQ example
    the message resembles most is in another language (translit Russian fools them)."""

    def confidence_of(self, lang: str) -> float:
        return next((value for code, value in self.scores if code == lang), 0.0)


class LanguageIdentifier:
    def __init__(self, candidates: tuple[str, ...] = CANDIDATE_LANGUAGES) -> None:
        self._candidates = candidates

    @cached_property
    def _detector(self):  # type: ignore[no-untyped-def]
        return _detector_of(self._candidates)

    @cached_property
    def _quick_detector(self):  # type: ignore[no-untyped-def]
        return _detector_of(self._candidates, quick=True)

    @cached_property
    def _cyrillic_detector(self):  # type: ignore[no-untyped-def]
        """The script rules out the other alphabet's languages, and lingua's time grows
        with each candidate it scores: a message is scored for its script's languages."""
        return _detector_of(tuple(c for c in self._candidates if c in CYRILLIC_LANGUAGES))

    def warm_up(self) -> None:
        """Load models now rather than on the first player's message."""
        for sample in (
            "hello, how long does a withdrawal take",
            "jak długo trwa wypłata",
            "сколько идет вывод",
            "wie lange",
            "combien",
        ):
            self.guess(sample)
            self.guess(sample, thorough=True)

    def guess(self, text: str, *, thorough: bool = False) -> LanguageGuess | None:
        """The quick trigram models first; the full models when they are unsure or when
        ``thorough`` (the caller saw the quick answer contradicted, see ``QUICK_SURE``)."""
        if not any(c.isalpha() for c in text):
            return None
        cyrillic = _mostly_cyrillic(text)
        if cyrillic and (by_alphabet := _by_alphabet(text.lower())) is not None:
            return by_alphabet
        opening = _opening(text)
        if not cyrillic and not thorough:
            values = self._quick_detector.compute_language_confidence_values(opening)
            if values and values[0].value >= QUICK_SURE:
                return _guess_of(values, quick=True)
        detector = self._cyrillic_detector if cyrillic else self._detector
        values = detector.compute_language_confidence_values(opening)
        if not values:
            return None
        if cyrillic:
            # Brand names ("Apple Pay", "Skrill") would pull lingua towards English; the
            # script itself says which languages are possible.
            scores = _renormalised(
                [(_code(v), v.value) for v in values if _code(v) in CYRILLIC_LANGUAGES]
            )
            runner_up = scores[1][0] if len(scores) > 1 else None
            return LanguageGuess(scores[0][0], scores[0][1], runner_up, scores)
        return _guess_of(values)


def _code(value) -> str:  # type: ignore[no-untyped-def]
    return value.language.iso_code_639_1.name.lower()


def _guess_of(values, *, quick: bool = False) -> LanguageGuess:  # type: ignore[no-untyped-def]
    scores = tuple((_code(v), v.value) for v in values)
    runner_up = scores[1][0] if len(scores) > 1 else None
    return LanguageGuess(scores[0][0], scores[0][1], runner_up, scores, quick)


def _detector_of(codes: tuple[str, ...], *, quick: bool = False):  # type: ignore[no-untyped-def]
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if quick else builder).build()
