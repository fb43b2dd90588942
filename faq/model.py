"""What a loaded FAQ is: entries with approved answers per language, and load problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "pl", "ru", "de", "fr")
FALLBACK_LANGUAGE = "en"


class Severity(StrEnum):
    ERROR = "error"
    """The FAQ cannot go live with this (the last good FAQ stays)."""
    WARNING = "warning"
    """It loads, but content staff should fix it (``faq check`` still fails)."""


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class FaqEntry:
    """One approved answer and the ways players ask for it."""

    id: str
    questions: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    public_answer: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    source: str = ""
    """``path:line`` of the entry, for reports."""

    def display_title(self, lang: str) -> str:
        """A title for clarify options: the entry's title or its first question in ``lang``."""
        questions = self.questions.get(lang) or self.questions.get(FALLBACK_LANGUAGE)
        if questions:
            return questions[0].rstrip("?!. ") + "?"
        return self.title or self.id

    def answer_in(self, lang: str) -> tuple[str, str]:
        """The approved answer in ``lang``, else English, else any; with the language used."""
        return _pick(self.answer, lang)

    def public_answer_in(self, lang: str) -> tuple[str, str] | None:
        if not self.public_answer:
            return None
        return _pick(self.public_answer, lang)


def _pick(texts: dict[str, str], lang: str) -> tuple[str, str]:
    if lang in texts:
        return texts[lang], lang
    if FALLBACK_LANGUAGE in texts:
        return texts[FALLBACK_LANGUAGE], FALLBACK_LANGUAGE
    first = next(iter(texts))
    return texts[first], first


@dataclass(frozen=True)
class Faq:
    entries: tuple[FaqEntry, ...]
    languages: tuple[str, ...]
    """Languages present in the content (what we can answer in)."""

    def get(self, entry_id: str) -> FaqEntry | None:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None


@dataclass(frozen=True)
class LoadResult:
    faq: Faq | None
    """None when any ERROR problem was found."""
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]
