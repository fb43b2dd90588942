"""Build the decision code from files: the one place the live service, ``faq batch``
and the workbench get their :class:`Decider` from, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faq.langid import LanguageIdentifier
from faq.learned_words import DEFAULT_LEARNED_WORDS, LearnedWords
from faq.lexicon import Lexicon, load_lexicon
from faq.loader import load_faq_dir
from faq.matcher import FaqIndex, Featuriser
from faq.model import DEFAULT_LANGUAGES, Faq, Problem
from handlers.decide import Decider, MatchSettings, SmallTalk
from handlers.escalation_model import DEFAULT_MODEL, EscalationModel
from handlers.feedback import FeedbackWords
from handlers.triage import Triage, load_triage_rules


@dataclass(frozen=True)
class DecisionParts:
    """What does not change when content staff edit the FAQ (built once per process)."""

    lexicon: Lexicon
    featuriser: Featuriser
    triage: Triage
    smalltalk: SmallTalk
    languages: LanguageIdentifier
    feedback_words: FeedbackWords
    escalation_model: EscalationModel

    @classmethod
    def load(
        cls,
        escalation_model: Path = DEFAULT_MODEL,
        learned_words: Path = DEFAULT_LEARNED_WORDS,
    ) -> DecisionParts:
        lexicon = load_lexicon()
        return cls(
            lexicon=lexicon,
            featuriser=Featuriser(lexicon, LearnedWords.load(learned_words)),
            triage=Triage(load_triage_rules()),
            smalltalk=SmallTalk.load(),
            languages=LanguageIdentifier(),
            feedback_words=FeedbackWords.load(),
            escalation_model=EscalationModel.load(escalation_model),
        )

    def decider(self, faq: Faq, settings: MatchSettings | None = None) -> Decider:
        return Decider(
            FaqIndex(faq, self.featuriser),
            self.triage,
            self.languages,
            self.smalltalk,
            settings,
            self.escalation_model,
        )


class FaqLoadFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def build_decider(
    faq_dir: Path,
    parts: DecisionParts | None = None,
    settings: MatchSettings | None = None,
    required_languages: tuple[str, ...] = DEFAULT_LANGUAGES,
) -> tuple[Decider, list[Problem]]:
    result = load_faq_dir(faq_dir, required_languages)
    if result.faq is None:
        raise FaqLoadFailed(result.errors)
    parts = parts or DecisionParts.load()
    return parts.decider(result.faq, settings), list(result.problems)
