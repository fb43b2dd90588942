"""The one decision for a message: greet, answer, clarify or escalate.

Pure and synchronous, so the live service and ``croupier faq batch`` run exactly the
same code and a content editor's workbench shows exactly what the bot would do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from faq.langid import LanguageGuess, LanguageIdentifier
from faq.matcher import Candidate, FaqIndex
from faq.model import FALLBACK_LANGUAGE
from faq.normalise import Normalised, ascii_key, fold, normalise
from faq.vocabulary import VocabularyVote, ranked
from faq.yaml_lines import LineDict, parse_yaml
from handlers.escalation_model import EscalationModel
from handlers.triage import Triage

DEFAULT_SMALLTALK = Path(__file__).with_name("smalltalk.yaml")
_QUESTION_WORDS = {
    "en": r"how|what|whats|when|where|which|why|is|are|can|do|does|will",
    "de": r"wie|was|wann|wo|welche\w*|warum|gibt|kann",
    "pl": r"jak\w*|ile|kiedy|gdzie|czy|dlaczego",
    "ru": r"как\w*|сколько|когда|где|почему|можно|есть",
    "fr": r"comment|combien|quand|où|ou|quel\w*|pourquoi|est-ce|puis",
}
_QUESTION_WORD = "|".join(_QUESTION_WORDS.values())
_CONJUNCTIONS = {
    "en": "and(?: also)?|also",
    "de": "und(?: auch)?",
    "pl": "i|oraz|a",
    "ru": "и|а",
    "fr": "et",
}
_CONTRASTS = {"en": "but", "de": "aber", "pl": "ale", "ru": "но", "fr": "mais"}
_SENTENCE_END = re.compile(
    r"(?<=[?!.;])\s+|\n+"
    # Each language's question words after its own conjunction or "but" (the Polish "i"
    # before "can" is the English "I"): "…, and how long does it take?" opens a second
    # question; in "got the bonus fine, but where are the spins?" what comes before the
    # "but" is told, not asked (even typed "fine,but where", where "and" needs its space).
    # Every such split starts at a space, comma or semicolon: the lookahead in front
    # spares trying ten alternatives at every other character (splitting 2.4 times as
    # fast, the same splits of 30,081 labelled messages).
    + r"|(?i:(?=[\s,;])(?:"
    + "|".join(
        rf"\s*[,;]?\s+(?:{_CONJUNCTIONS[lang]})\s+(?=(?:{words})\b)"
        rf"|(?:\s*[,;]\s*|\s+)(?:{_CONTRASTS[lang]})\s+(?=(?:{words})\b)"
        for lang, words in _QUESTION_WORDS.items()
    )
    + "))"
)


def _could_ask(part: str) -> bool:
    """Two words or more: a lone "ok," or "hi." asks nothing."""
    return len(part.split()) >= 2


def sentences_of(text: str) -> list[str]:
    """The sentences of ``text`` that could each be a question."""
    return [part for part in _SENTENCE_END.split(text) if _could_ask(part)]


_OPENS_QUESTION = re.compile(
    rf"(?i:\W*(?:(?:{'|'.join(_CONJUNCTIONS.values())})\s+)?(?:{_QUESTION_WORD})\b)"
)
"""A question word opens the sentence, or follows its conjunction ("and how long...?")."""


_OPENS_QUESTION_IN = {
    lang: re.compile(rf"(?i:\W*(?:(?:{_CONJUNCTIONS[lang]})\s+)?(?:{words})\b)")
    for lang, words in _QUESTION_WORDS.items()
}
"""Each language's own question words: the German "will" ("will einzahlen") and "was", the
English "was" and "will", open a statement in one language and a question in the other."""


def _is_question(sentence: str, lang: str | None = None) -> bool:
    """Asked rather than told: a story ("sent it an hour ago, nothing yet") leans to
    whatever entry shares its words, a question to the entry it asks for. ``lang``: the
    language the detector is sure of (None: any language's question words count)."""
    opens = _OPENS_QUESTION_IN.get(lang or "", _OPENS_QUESTION)
    return sentence.rstrip().endswith("?") or opens.match(sentence) is not None


_TOLD_BEFORE_COMMA = re.compile(rf"(?i:(?=[\s,])\s*,\s*(?=(?:{_QUESTION_WORD})\b))")
"""A comma before a question word may close a told clause: "uploaded my id and a selfie
yesterday, how long does the check take?" asks the time, and the papers are the story.
Only the story is split off this way, never a second question: in "Gibt's ein Limit, wie
viel ich auszahlen kann?" both halves ask, and neither alone is the question."""


def _asked_amid_story(sentences: list[str], lang: str | None = None) -> list[str]:
    """The question sentences (or clauses) of a message that also tells a story around
    them (none when it only asks or only tells). ``sentences``: ``sentences_of`` it."""
    parts = [
        clause
        for sentence in sentences
        for clause in _TOLD_BEFORE_COMMA.split(sentence)
        if _could_ask(clause)
    ]
    asked = [part for part in parts if _is_question(part, lang)]
    return asked if len(asked) < len(parts) else []


FLAGGED = "flagged"
"""The escalation reason when the model flags a message without being sure why."""
CONFIDENT_LANGUAGE = 0.55
"""At or above this lingua confidence the detector decides alone."""
LANGUAGE_VOTE_SIMILARITY = 50.0
"""An FAQ example must look at least this much like the message (rapidfuzz ratio) to vote."""
STRONG_LANGUAGE_VOTE = 80.0
"""A look-alike this close overrides even a sure detector that names a language the FAQ
lacks (translit Russian read as Czech); a Spanish message merely near a French example
keeps its Spanish reading and gets English."""
WORDS_VOTE_SHARE = 0.4
WORDS_VOTE_MARGIN = 0.15
"""The FAQ's vocabulary settles a Latin-script message's language (see ``faq.vocabulary``)
when this share of its words are one FAQ language's, this far ahead of any other's."""
WORDS_OVERRIDE_SHARE = 0.6
"""...and overrides a detector sure of another language at this share."""
EXAMPLE_LANGUAGE_VOTE = 0.2
"""Below it, the language of the closest FAQ example adds this much to its language's
confidence (0.2): it rescues transliterated Russian (which detectors read as Dutch or Czech)
without letting a German example outvote a clearly English sentence."""


LIKELY_REASON_CONFIDENCE = 0.6
"""A message the escalation model flags is filed under the reason its second head names
when that head is this sure (so a self-exclusion plea gets the harm holding reply);
otherwise under ``flagged``."""


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
    clarify_lead: float = 0.06
    """A close call is answered after all when the message leans at least this far to the
    top entry (``FaqIndex.lead``): it names what sets that entry apart from its sibling..."""
    clarify_other_share: float = 0.6
    """...and at most this share as much of what sets the other entry apart. Both chosen
    leaving each labelled set out (``bench/clarify_lead.py``)."""
    clear_lead_ratio: float = 0.7
    """A top entry whose runner-up scores at most this share of it leads clearly, and is
    answered at ``clear_lead_share`` of the threshold: a chatty message dilutes every
    entry's score alike, so a low top that stands alone is still the one meant."""
    clear_lead_share: float = 0.95
    """A share of the threshold rather than a score of its own, so the one knob moves it."""
    decisive_lead_ratio: float = 0.45
    """A runner-up at most this share of the top leaves the top alone in the field: it is
    answered at ``decisive_lead_share`` of the threshold, in a language the FAQ has and
    without a link. Long, polite messages ("sorry, all of this is new to me…") dilute every
    score, and a lone top under the threshold was escalated though nothing else came close.
    Leaving each of 49 sets out: coverage 88.7 % -> 89.0 %, wrong answers 93 -> 93; six
    unread sets 89.7 % -> 90.0 %, 13 -> 13 (0.5 answered two off-topic messages)."""
    decisive_lead_share: float = 0.8
    """Like ``clear_lead_share``, a share of the threshold, so the one knob moves it."""
    foreign_language_bonus: float = 0.1
    """Extra confidence required to answer (in English) a language the FAQ lacks."""
    escalation_threshold: float = 0.5
    """A message the escalation model (``handlers.escalation_model``) gives at least this
    probability of needing a person is escalated instead of answered; 1 switches it off.
    0.7 until session 17 (chosen on 15 sets). Most wrong answers on a set seen for the
    first time are escalations no rule knew yet, so 0.7 -> 0.5: on five sets scored with
    the model that had not seen them, wrong answers 24 -> 19 of 1,403 for 0.2 points of
    coverage; leaving each of 50 sets out, 93 -> 89 of 13,926 for 0.2 points (23 -> about
    45 FAQ questions flagged); eight unread sets 16 -> 15 of 2,223, coverage unchanged. On
    the dev set it turns one annoyed French question about a wait into an escalation."""

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
    also_faq_ids: tuple[str, ...] = ()
    """Further entries answered together with ``faq_id`` (one per question asked)."""
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

    def record(self) -> dict[str, object]:
        """The decision as ``faq batch`` prints it and the store keeps it for analytics."""
        return {
            "decision": self.kind.value,
            "faq_id": self.faq_id,
            "also_faq_ids": list(self.also_faq_ids),
            "lang": self.lang,
            "detected_lang": self.detected_lang,
            "reason": self.reason,
            "score": self.score,
            "runner_up": self.candidates[1].entry_id if len(self.candidates) > 1 else None,
            "options": list(self.options),
            "evidence": self.evidence,
        }


_SIGNED_NAME = re.compile(r"[,!.\n]\s*((?:[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ][\w'-]*\s*){1,2})[.!]?\s*$")


def _signed_name(text: str) -> list[str]:
    """The one or two capitalised words a message is signed with after its last comma,
    stop or line ("Vielen Dank, Ingrid", "Спасибо! Нина Петровна"), else none."""
    found = _SIGNED_NAME.search(text)
    return found.group(1).split() if found else []


@dataclass(frozen=True)
class SmallTalk:
    words: dict[str, frozenset[str]]
    """Each kind's words, any language."""
    languages: dict[str, frozenset[str]]
    """Each language's words, any kind: "moin" or "privet" alone is too short for a
    detector, yet the lists say which language it is."""

    @classmethod
    def load(cls, path: Path = DEFAULT_SMALLTALK) -> SmallTalk:
        document = parse_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(document, LineDict):
            raise ValueError(f"{path}:1: expected a mapping of small-talk kinds")
        words: dict[str, set[str]] = {}
        languages: dict[str, set[str]] = {}
        for kind, by_lang in document.items():
            for lang, lang_words in by_lang.items():
                keys = {k for w in lang_words if (k := ascii_key(fold(str(w))))}
                words.setdefault(kind, set()).update(keys)
                languages.setdefault(lang, set()).update(keys)
        return cls(
            {kind: frozenset(keys) for kind, keys in words.items()},
            {lang: frozenset(keys) for lang, keys in languages.items()},
        )

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        """Every small-talk word: built once, not for every message."""
        return frozenset().union(*self.words.values())

    def classify(
        self, norm: Normalised, names_something: Callable[[str], bool] = lambda key: False
    ) -> str | None:
        """``greeting``, ``thanks`` or None; ``names_something(key)``: whether a word is a
        term of the lexicon, so "Danke, Auszahlung" is not read as signed "Auszahlung"."""
        keys = [k for k in (ascii_key(w) for w in norm.words) if k]
        signed = [ascii_key(word) for word in _signed_name(norm.text)]
        if signed and len(keys) > len(signed) and not any(map(names_something, signed)):
            unsigned = keys[: len(keys) - len(signed)]  # "Danke für die Hilfe! Ingrid"
            if not self.words.get("thanks", frozenset()).isdisjoint(unsigned):
                keys = unsigned
        if not keys:
            return "greeting" if norm.emoji or norm.mentions else None
        if any(k not in self._vocabulary for k in keys):
            return None
        greeting, thanks = self.words.get("greeting", frozenset()), self.words.get("thanks", ())
        if any(k in thanks and k not in greeting for k in keys):
            return "thanks"
        if any(k not in greeting and k not in thanks for k in keys):
            return None  # a with_thanks word without a thank-you: "help!" is not courtesy
        return "greeting"

    def language_of(self, norm: Normalised) -> str | None:
        """The one language whose lists hold the most of the message's words, if any."""
        keys = [k for k in (ascii_key(w) for w in norm.words) if k]
        counts = ranked(keys, self.languages)
        if not counts or counts[0][0] == 0 or (len(counts) > 1 and counts[1][0] == counts[0][0]):
            return None
        return counts[0][1]


class Decider:
    def __init__(
        self,
        index: FaqIndex,
        triage: Triage,
        language_identifier: LanguageIdentifier,
        smalltalk: SmallTalk,
        settings: MatchSettings | None = None,
        escalation_model: EscalationModel | None = None,
    ) -> None:
        self.index = index
        self._triage = triage
        self._languages = language_identifier
        self._smalltalk = smalltalk
        self.settings = settings or MatchSettings()
        self._escalation_model = escalation_model

    def decide(
        self,
        text: str,
        *,
        has_attachment: bool = False,
        language_hint: str | None = None,
        choosing: bool = False,
    ) -> Decision:
        """``choosing``: the player is replying to a clarify question ("I mean the card
        photo, front and back"), naming an FAQ topic by its details; the escalation model
        reads such details (photo, card, payment) as a player's own case, so it stays out.
        The triage rules still apply."""
        norm = normalise(text)
        guess = self._languages.guess(norm.plain)
        words = None if norm.has_cyrillic else self.index.vocabulary.vote(norm.ascii.split())
        triage = self._triage.check(norm, has_attachment=has_attachment)
        if triage is not None:
            detected, lang = self._language(guess, words, None, language_hint)
            return Decision(
                DecisionKind.ESCALATE,
                lang,
                detected,
                reason=triage.reason,
                evidence=triage.evidence,
            )
        smalltalk = self._smalltalk.classify(norm, self.index.featuriser.names_a_concept)
        if smalltalk is not None:
            said_in = self._smalltalk.language_of(norm)
            if said_in in self.index.faq.languages:
                detected = lang = said_in
            else:
                detected, lang = self._language(guess, words, None, language_hint)
            return Decision(DecisionKind.GREETING, lang, detected, smalltalk=smalltalk)
        if not norm.words:
            detected, lang = self._language(guess, words, None, language_hint)
            return Decision(DecisionKind.ESCALATE, lang, detected, reason="no_text")
        stem_lang = guess.lang if guess and guess.confidence >= CONFIDENT_LANGUAGE else None
        sentences = sentences_of(norm.text)
        asked = _asked_amid_story(sentences, stem_lang)
        focus = normalise(" ".join(asked)) if asked else None
        candidates = tuple(self.index.rank(norm, stem_lang or language_hint, focus=focus))
        if (
            guess is not None
            and guess.quick
            and candidates
            and self._contradicts(guess, candidates[0])
        ):
            guess = self._languages.guess(norm.plain, thorough=True)
        detected, lang = self._language(
            guess, words, candidates[0] if candidates else None, language_hint
        )
        decision = self._choose(candidates, lang, detected, has_link=bool(norm.urls))
        flagged = None if choosing else self._flagged(norm, decision)
        if decision.kind not in (DecisionKind.CLARIFY, DecisionKind.ANSWER):
            # Escalated anyway, but a reason the model is sure of ("one more spin" is harm)
            # picks the holding reply and the queue better than "no match".
            if flagged is not None and flagged.reason != FLAGGED:
                return flagged
            return decision
        if flagged is not None:
            return flagged
        # the story is context, not one more thing to answer
        parts = asked or sentences
        decision = self._answer_each_question(parts, stem_lang or language_hint, decision)
        if decision.kind is DecisionKind.CLARIFY:
            return self._settled(decision, norm, stem_lang or language_hint, focus)
        return decision

    def _flagged(self, norm: Normalised, decision: Decision) -> Decision | None:
        """The escalation model's second opinion on a message the triage rules let through,
        yet reads like those that needed a person: it stops an answer or a clarify, and
        names the reason of a message escalated for want of a match."""
        model = self._escalation_model
        if model is None or self.settings.escalation_threshold >= 1:
            return None
        probability = model.probability(norm, decision.detected_lang)
        if probability < self.settings.escalation_threshold:
            return None
        words = ", ".join(model.telling_words(norm, decision.detected_lang))
        evidence = f"escalation model {probability:.2f}"
        reason = FLAGGED
        likely = model.likely_reason(norm, decision.detected_lang)
        if likely is not None:
            evidence += f", {likely[0]} {likely[1]:.2f}"
            if likely[1] >= LIKELY_REASON_CONFIDENCE:
                reason = likely[0]
        return replace(
            decision,
            kind=DecisionKind.ESCALATE,
            faq_id=None,
            options=(),
            reason=reason,
            evidence=evidence + (f": {words}" if words else ""),
        )

    def _answer_each_question(
        self, parts: list[str], stem_lang: str | None, whole: Decision
    ) -> Decision:
        """Two close entries may mean two questions in one message ("how long is KYC? and
        the minimum deposit?"): when each sentence alone is answered, by different
        entries, answer them all instead of asking which one was meant. A clear answer
        gets its companions too when every sentence is a question ("how long does a
        payout take, and is there a fee?" asks two things even when one entry leads);
        a story before the question is context, not a second question. ``parts``: the
        question sentences when a story surrounds them, else every sentence."""
        if len(parts) < 2:
            return whole
        answered: list[str] = []
        leaned: list[str] = []
        all_questions = all(_is_question(part, stem_lang) for part in parts)
        offered = whole.options
        if whole.kind is DecisionKind.ANSWER:
            if not all_questions:
                return whole
            offered = (str(whole.faq_id),)
        for part in parts:
            part_norm = normalise(part)
            candidates = tuple(self.index.rank(part_norm, stem_lang))
            part_decision = self._choose(
                candidates, whole.lang, whole.detected_lang, has_link=bool(part_norm.urls)
            )
            if part_decision.kind is DecisionKind.ANSWER:
                answered.append(str(part_decision.faq_id))
            elif all_questions and (lean := self._leaning(candidates, offered)) is not None:
                leaned.append(lean)
            else:
                return whole
        # the sure answers come first; a whole-message answer, read with all its context, leads
        lead = [str(whole.faq_id)] if whole.kind is DecisionKind.ANSWER else []
        entry_ids = list(dict.fromkeys(lead + answered + leaned))
        if not answered or len(entry_ids) < 2 or not set(lead) <= {*answered, *leaned}:
            return whole
        return replace(
            whole,
            kind=DecisionKind.ANSWER,
            faq_id=entry_ids[0],
            also_faq_ids=tuple(entry_ids[1:]),
            options=(),
        )

    def _leaning(self, candidates: tuple[Candidate, ...], offered: tuple[str, ...]) -> str | None:
        """The entry an unsure sentence leans to among those the whole message pointed at:
        "how long is a payout, and is there a fee?" - the fee question alone is too short
        to answer, but among its close candidates is the entry the other sentence is not."""
        if not candidates or candidates[0].score < self.settings.clarify_floor:
            return None
        close = self.settings.clarify_ratio * candidates[0].score
        return next(
            (c.entry_id for c in candidates if c.score >= close and c.entry_id in offered), None
        )

    def _settled(
        self,
        clarify: Decision,
        norm: Normalised,
        stem_lang: str | None,
        focus: Normalised | None = None,
    ) -> Decision:
        """The top entry of a close call, when the message itself settles it: against every
        entry close behind, it names what sets the top entry apart and little of what sets
        the other apart (``FaqIndex.lead``). Asked after the one-answer-per-sentence reading,
        which a two-question message ("how long is a payout, and is there a fee?") needs."""
        settings = self.settings
        top, *others = clarify.candidates
        if top.score < self._threshold(clarify.detected_lang):
            return clarify
        close = settings.clarify_ratio * top.score
        for other in others:
            if other.score < close:
                continue
            lead = self.index.lead(norm, stem_lang, top, other, focus)
            if lead.net < settings.clarify_lead or (
                lead.toward_other > settings.clarify_other_share * lead.toward_top
            ):
                return clarify
        return replace(clarify, kind=DecisionKind.ANSWER, faq_id=top.entry_id, options=())

    def _lead_share(
        self, top: Candidate, runner_up: Candidate | None, detected: str, *, has_link: bool
    ) -> float:
        """The share of the threshold a top entry needs: less the further it leads. Not the
        decisive share for a link (spam's mark) or a language the FAQ lacks."""
        settings = self.settings
        runner_up_score = runner_up.score if runner_up is not None else 0.0
        if (
            runner_up_score <= settings.decisive_lead_ratio * top.score
            and not has_link
            and detected in self.index.faq.languages
        ):
            return settings.decisive_lead_share
        if runner_up_score <= settings.clear_lead_ratio * top.score:
            return settings.clear_lead_share
        return 1.0

    def _threshold(self, detected: str) -> float:
        """The answer threshold, raised for a language the FAQ lacks (answered in English)."""
        bonus = self.settings.foreign_language_bonus
        return self.settings.answer_threshold + (
            0.0 if detected in self.index.faq.languages else bonus
        )

    def _choose(
        self, candidates: tuple[Candidate, ...], lang: str, detected: str, *, has_link: bool
    ) -> Decision:
        settings = self.settings
        if not candidates:
            return self._escalate_unmatched(candidates, lang, detected, has_link=has_link)
        top = candidates[0]
        runner_up = candidates[1] if len(candidates) > 1 else None
        if (
            runner_up is not None
            and runner_up.score >= settings.clarify_floor
            and runner_up.score >= settings.clarify_ratio * top.score
        ):
            return Decision(
                DecisionKind.CLARIFY,
                lang,
                detected,
                options=(top.entry_id, runner_up.entry_id),
                candidates=candidates,
            )
        share = self._lead_share(top, runner_up, detected, has_link=has_link)
        if top.score >= self._threshold(detected) * share:
            return Decision(
                DecisionKind.ANSWER, lang, detected, faq_id=top.entry_id, candidates=candidates
            )
        if top.score < settings.clarify_floor:
            return self._escalate_unmatched(candidates, lang, detected, has_link=has_link)
        return Decision(
            DecisionKind.ESCALATE, lang, detected, reason="low_confidence", candidates=candidates
        )

    @staticmethod
    def _escalate_unmatched(
        candidates: tuple[Candidate, ...], lang: str, detected: str, *, has_link: bool
    ) -> Decision:
        reason = "spam" if has_link else "no_match"
        return Decision(
            DecisionKind.ESCALATE, lang, detected, reason=reason, candidates=candidates
        )

    @staticmethod
    def _contradicts(guess: LanguageGuess, top: Candidate) -> bool:
        """The FAQ example most like the message is in another language than the quick
        models named: look again with the full models before the vote in ``_language``."""
        return top.example_lang_similarity >= LANGUAGE_VOTE_SIMILARITY and (
            top.example_lang != guess.lang
        )

    def _language(
        self,
        guess: LanguageGuess | None,
        words: VocabularyVote | None,
        top: Candidate | None,
        hint: str | None,
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
        words_decide = (
            words is not None
            and words.share >= WORDS_VOTE_SHARE
            and words.margin >= WORDS_VOTE_MARGIN
            and (guess is None or not sure or words.share >= WORDS_OVERRIDE_SHARE)
        )
        if words_decide and words is not None:
            detected = words.lang
        elif sure and guess is not None and guess.lang in available:
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
