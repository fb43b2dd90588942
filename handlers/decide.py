"""The one decision for a message: greet, answer, clarify or escalate.

Pure and synchronous, so the live service and ``croupier faq batch`` run exactly the
same code and a content editor's workbench shows exactly what the bot would do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from faq.langid import LanguageGuess, LanguageIdentifier
from faq.matcher import Candidate, FaqIndex
from faq.model import FALLBACK_LANGUAGE
from faq.normalise import Normalised, ascii_key, fold, normalise
from faq.yaml_lines import LineDict, parse_yaml
from handlers.triage import Triage

DEFAULT_SMALLTALK = Path(__file__).with_name("smalltalk.yaml")

CONFIDENT_LANGUAGE = 0.55
"""At or above this lingua confidence the detector decides alone."""
LANGUAGE_VOTE_SIMILARITY = 50.0
"""An FAQ example must look at least this much like the message (rapidfuzz ratio) to vote."""
STRONG_LANGUAGE_VOTE = 80.0
"""A look-alike this close overrides even a sure detector that names a language the FAQ
lacks (translit Russian read as Czech); a Spanish message merely near a French example
keeps its Spanish reading and gets English."""
EXAMPLE_LANGUAGE_VOTE = 0.2
"""Below it, the language of the closest FAQ example adds this much to its language's
confidence (0.2): it rescues transliterated Russian (which detectors read as Dutch or Czech)
without letting a German example outvote a clearly English sentence."""


class DecisionKind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"
    GREETING = "greeting"


@dataclass(frozen=True)
class MatchSettings:
    answer_threshold: float = 0.3
    """The one confidence knob: raise it for fewer wrong answers, lower it for coverage."""
    clarify_ratio: float = 0.8
    """When the runner-up scores at least this share of the top entry, both are offered
    (clarify) instead of guessing. Relative, not absolute: 0.40 vs 0.30 is a clear lead,
    0.80 vs 0.70 is not."""
    foreign_language_bonus: float = 0.1
    """Extra confidence required to answer (in English) a language the FAQ lacks."""

    @property
    def clarify_floor(self) -> float:
        return self.answer_threshold * 0.9


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    lang: str
    """Language to reply in: one the FAQ has, else English."""
    detected_lang: str
    faq_id: str | None = None
    reason: str | None = None
    options: tuple[str, ...] = ()
    """Entry ids offered when clarifying, in display order."""
    candidates: tuple[Candidate, ...] = ()
    evidence: str = ""
    smalltalk: str | None = None
    """``greeting`` or ``thanks`` for GREETING decisions."""

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True)
class SmallTalk:
    words: dict[str, frozenset[str]]

    @classmethod
    def load(cls, path: Path = DEFAULT_SMALLTALK) -> SmallTalk:
        document = parse_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(document, LineDict):
            raise ValueError(f"{path}:1: expected a mapping of small-talk kinds")
        words: dict[str, frozenset[str]] = {}
        for kind, by_lang in document.items():
            keys = {ascii_key(fold(str(w))) for lang_words in by_lang.values() for w in lang_words}
            words[kind] = frozenset(k for k in keys if k)
        return cls(words)

    def classify(self, norm: Normalised) -> str | None:
        keys = [k for k in (ascii_key(w) for w in norm.words) if k]
        if not keys:
            return "greeting" if norm.emoji or norm.mentions else None
        vocabulary = frozenset().union(*self.words.values())
        if any(k not in vocabulary for k in keys):
            return None
        if any(
            k in self.words.get("thanks", ()) and k not in self.words.get("greeting", ())
            for k in keys
        ):
            return "thanks"
        return "greeting"


class Decider:
    def __init__(
        self,
        index: FaqIndex,
        triage: Triage,
        language_identifier: LanguageIdentifier,
        smalltalk: SmallTalk,
        settings: MatchSettings | None = None,
    ) -> None:
        self.index = index
        self._triage = triage
        self._languages = language_identifier
        self._smalltalk = smalltalk
        self.settings = settings or MatchSettings()

    def decide(
        self, text: str, *, has_attachment: bool = False, language_hint: str | None = None
    ) -> Decision:
        norm = normalise(text)
        guess = self._languages.guess(norm.plain)
        triage = self._triage.check(norm, has_attachment=has_attachment)
        if triage is not None:
            detected, lang = self._language(guess, None, language_hint)
            return Decision(
                DecisionKind.ESCALATE,
                lang,
                detected,
                reason=triage.reason,
                evidence=triage.evidence,
            )
        smalltalk = self._smalltalk.classify(norm)
        if smalltalk is not None:
            detected, lang = self._language(guess, None, language_hint)
            return Decision(DecisionKind.GREETING, lang, detected, smalltalk=smalltalk)
        if not norm.words:
            detected, lang = self._language(guess, None, language_hint)
            return Decision(DecisionKind.ESCALATE, lang, detected, reason="no_text")
        stem_lang = guess.lang if guess and guess.confidence >= CONFIDENT_LANGUAGE else None
        candidates = tuple(self.index.rank(norm, stem_lang or language_hint))
        detected, lang = self._language(
            guess, candidates[0] if candidates else None, language_hint
        )
        return self._choose(candidates, lang, detected, has_link=bool(norm.urls))

    def _choose(
        self, candidates: tuple[Candidate, ...], lang: str, detected: str, *, has_link: bool
    ) -> Decision:
        settings = self.settings
        threshold = settings.answer_threshold
        if detected not in self.index.faq.languages:
            threshold += settings.foreign_language_bonus
        if not candidates or candidates[0].score < settings.clarify_floor:
            reason = "spam" if has_link else "no_match"
            return Decision(
                DecisionKind.ESCALATE, lang, detected, reason=reason, candidates=candidates
            )
        top = candidates[0]
        runner_up = candidates[1] if len(candidates) > 1 else None
        close_call = (
            runner_up is not None
            and runner_up.score >= settings.clarify_floor
            and runner_up.score >= settings.clarify_ratio * top.score
        )
        if close_call and runner_up is not None:
            return Decision(
                DecisionKind.CLARIFY,
                lang,
                detected,
                options=(top.entry_id, runner_up.entry_id),
                candidates=candidates,
            )
        if top.score >= threshold:
            return Decision(
                DecisionKind.ANSWER, lang, detected, faq_id=top.entry_id, candidates=candidates
            )
        return Decision(
            DecisionKind.ESCALATE, lang, detected, reason="low_confidence", candidates=candidates
        )

    def _language(
        self, guess: LanguageGuess | None, top: Candidate | None, hint: str | None
    ) -> tuple[str, str]:
        """(detected language, language to reply in: one the FAQ has, else English).

        lingua decides when it is sure of a language the FAQ has. Otherwise the FAQ example
        that looks most like the message votes: transliterated Russian reads as Czech or
        Dutch to every detector, yet looks just like the FAQ's translit examples.
        """
        available = self.index.faq.languages
        vote = None
        if top is not None and top.example_lang_similarity >= LANGUAGE_VOTE_SIMILARITY:
            vote = top.example_lang
        vote_is_strong = top is not None and top.example_lang_similarity >= STRONG_LANGUAGE_VOTE
        sure = guess is not None and guess.confidence >= CONFIDENT_LANGUAGE
        if guess is not None and sure and guess.lang in available:
            detected = guess.lang
        elif vote is not None and (
            guess is None
            or (guess.lang not in available and (not sure or vote_is_strong))
            or guess.confidence_of(vote) + EXAMPLE_LANGUAGE_VOTE >= guess.confidence
        ):
            detected = vote
        elif guess is not None:
            detected = guess.lang
        else:
            detected = hint or FALLBACK_LANGUAGE
        if detected in available:
            return detected, detected
        return detected, FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in available else available[0]
