"""Rank FAQ entries for a message. Pure: no I/O, no clock, no global state.

A message becomes a bag of features: domain concepts from the lexicon (shared by
all languages) and stemmed words (Snowball, per language). Each entry is described
by all its example questions in every language plus, more weakly, its approved
answer. The score blends the cosine to the entry's centroid, the cosine to its
closest example, and a rapidfuzz surface similarity to that example, so that both
"same meaning, other words" and "same words, typos" count.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from itertools import chain
from typing import NamedTuple

import numpy as np
import Stemmer
from rapidfuzz import fuzz, process

from faq.function_words import function_word_keys
from faq.learned_words import LEARNED_WEIGHT, LearnedWords
from faq.lexicon import NEGATION_CONCEPT, Lexicon, PhraseHit
from faq.model import Faq
from faq.normalise import Normalised, ascii_key, words_of
from faq.vocabulary import LanguageVocabulary

STEMMER_NAMES = {
    "en": "english",
    "pl": "polish",
    "ru": "russian",
    "uk": "russian",
    "de": "german",
    "fr": "french",
    "it": "italian",
    "es": "spanish",
    "pt": "portuguese",
    "nl": "dutch",
    "cs": "czech",
    "tr": "turkish",
    "ro": "romanian",
    "hu": "hungarian",
}
ANSWER_WEIGHT = 1.4
"""How much an entry's answers describe it, next to the mean of its example questions, for
an entry with one question per language; with n per language, ANSWER_WEIGHT / n. A terse
FAQ ("Bonus not received") says most of what an entry covers (promo codes, opt-in, expiry)
only in its answer; an entry with fourteen phrasings needs its answer little, and its
answer's details ("upload your documents" in the verification-time answer) would blur it
with its siblings. Chosen leaving each labelled set out and on two fresh sets: a flat 0.25
before; 1.4 / sqrt(n) clarified "which documents for verification?" on the shipped FAQ."""
CONCEPT_BOOST = 1.5
"""Concepts carry meaning across languages; plain words mostly within one."""
TOPIC_MISS_PENALTY = 0.3
"""An entry loses up to this share of its similarity when it never names (in questions or
answers) the lexicon ``topics`` a message names, in proportion to their weight there: in
"what is the minimum withdrawal?" the withdrawal is what is asked, and the deposit entry
whose question says "minimum deposit" must not win on the detail. Leaving each of 37
labelled sets out: 0.2 -> 0.3 gave wrong answers 75 -> 73 of 10,312 and coverage 0.876 ->
0.879 (0.4: 76 wrong, 0.879)."""
OTHER_TOPIC_PENALTY = 0.3
"""An entry that names none of the message's topics (in questions or answers) while its
questions ask about another loses this share more than TOPIC_MISS_PENALTY takes: "minimum
withdrawal and fees?" matched "What is the minimum deposit and are there fees?" word for
word but the topic. Leaving each of 75 sets out: wrong answers 136 -> 130 of 20,858,
coverage +0.18 points, one more escalation missed (7 -> 8 of 6,641); 0.5: 135 wrong."""
INTENT_MISS_PENALTY = 0.2
"""An entry loses this share of its similarity when the message asks how long, why or
without what (the lexicon's ``intents``), its own questions never ask that, and a sibling's
do: a sibling being a shortlisted entry that shares a topic the message names and scores at
least INTENT_SIBLING_SHARE of it. "How many days do you need to check my documents?" names
the documents entry's words but asks the verification-time entry's question. Leaving each
labelled set out: wrong answers 76 -> 72 of 8,928, coverage 0.853 -> 0.859 (0.1 and 0.3
were worse; without the sibling conditions 70 wrong but 45 right answers lost to an
escalation, the penalty pushing them under the threshold with no sibling to take over)."""
INTENT_SIBLING_SHARE = 0.6
"""How close an asking sibling must score (as a share of the entry's own similarity) before
the entry that does not ask loses INTENT_MISS_PENALTY; a far-off sibling takes nothing over."""
UNASKED_INTENT_PENALTY = 0.2
"""The other way round: an entry loses this share when most of its questions ask how long,
why or without what (ASKING_SHARE), the message asks none of that, and a sibling that seldom
asks (at most PLAIN_SHARE of its questions) scores at least INTENT_SIBLING_SHARE of it.
"Which documents for verification?" names the words of "I sent my documents, how long does
verification take?" but asks the documents entry's question. Leaving each of 64 sets out:
wrong answers 113 -> 110 of 17,810, coverage +0.16 points; twelve unread sets the same 23
wrong, coverage +0.34 points (all of an entry's questions asking, 0.99 and 0: 115 wrong)."""
ASKING_SHARE = 0.6
PLAIN_SHARE = 0.2
PROBLEM_MISS_PENALTY = 0.4
"""An entry loses this share when the message reports a problem (the lexicon's
``problems``: something missing) that none of the entry's questions report, and a sibling
whose questions do (at least PROBLEM_SHARE of them), and name a topic the message and the
entry share, scores at least PROBLEM_SIBLING_SHARE of it. "Made my first deposit but the
welcome bonus never showed up" shares "first deposit" and "welcome" with the welcome-offer
entry, but reports what the missing-bonus entry is for. Only a problem the message states
counts (not one its learned words suggest), and only the sibling's question topics (its
answer may name the registration a registration problem is about). Leaving each of 64 sets
out: wrong answers 108 -> 106 of 17,810, coverage +0.09 points (12 clarify questions
answered); twelve unread sets 23 -> 22, eight fresh ones 22 -> 19."""
PROBLEM_SHARE = 0.3
PROBLEM_SIBLING_SHARE = 0.4
FUNCTION_WORD_SHARE = 0.15
"""A function word the FAQ uses counts as used by at least this share of its entries (see
faq.function_words). Leaving each labelled set out: wrong answers 72 -> 69 of 8,928,
coverage 0.859 -> 0.864 (against the brand-voice FAQ, harbor-heron, 0.695 -> 0.707). 0.25
and 0.5 answered more (0.867, 0.870) but wrongly too (76 and 87 wrong)."""
INTENT_BOOST = 1.25
"""On top of CONCEPT_BOOST for the lexicon's ``intents`` (how long, why): in "how long
until a payout reaches my card?" the question is the time, the card a detail. (1.4 raised
coverage on the read sets by 0.3 points, but on five fresh unread sets it only traded one
message for another: kept at 1.25.)"""
NEGATION_REACH = 3
"""A negation reaches this many words ahead ("didn't get the bonus": "didn", "t", "get")."""
NEGATION_BACK_REACH = 1
"""...and this many back: "der Bonus kam nicht an", "got nothing"."""
SIGNATURE_WORDS = 3
"""At most this many words after a closing courtesy ("Z poważaniem, Jan Kowalski") are
read as the name signed, and dropped when no concept explains them."""
PROBLEM_SUBJECT_REACH = 3
"""How far from a stated problem ("didn't get", "fehlt") a topic word may stand to be what
the problem is about, a ``p:<topic>`` feature: "бонус не начислили после депа" is a bonus
missing, not a deposit, though it names both. Leaving each of 72 sets out: wrong answers
136 -> 128 of 20,025, coverage +0.14 points (weighing it 2x or 0.5x a plain word: worse on
the first 16 and 47 sets)."""
FUZZY_SHORTLIST = 6
FAQ_TEXT_CACHE_SIZE = 200_000
WORD_FEATURE_CACHE_SIZE = 200_000
CENTROID_WEIGHT = 0.75
"""Share of the entry-as-a-whole similarity in the score, against the closest example: one
example naming a rare detail ("how long for a crypto deposit to arrive?") otherwise carries
its entry to a message that only shares the detail ("can I deposit in usdt?"). 0.5 -> 0.75:
the dev messages against 34 other sets' FAQs, wrong answers 20 -> 10 of 2,618 and coverage
0.901 -> 0.909; six sets nobody has read, wrong 22 -> 19 of 1,672 and coverage 0.864 ->
0.875; leaving each of 37 labelled sets out, wrong 70 -> 71 of 10,312, coverage 0.880 ->
0.880 and missed escalations 8 -> 5 (0.6 to 0.8 were alike there; 0.9 and 1.0 lost
coverage, and the shipped FAQ a dev answer)."""
CONTEXT_WEIGHT = 0.5
"""Weight of what only a message's story names, next to what its question names: in "I
deposited with paysafecard, where does my payout go?" the deposit is how the player got
here, the payout is what they ask about. Only when the question itself names a lexicon
topic: "...nothing arrived. is that normal?" asks about the story."""
ANSWER_FREQUENCY_SHARE = 0.35
"""How much an answer naming a feature counts toward the feature's document frequency,
next to a question naming it (1). A terse FAQ ("Setting play limits") would otherwise give
"play" the weight of a word only one entry uses, though half the answers say it, and
"from what age can I play?" would go to the limits entry rather than registration."""
UNKNOWN_WORD_SHARE = 0.5
"""A word the FAQ never uses weighs this share of the rarest known word: it says the
message may be about something else, without drowning what it shares with an entry."""

_stemmers = threading.local()


def snowball(name: str) -> Stemmer.Stemmer:
    """The Snowball stemmer ``name`` of this thread: a reload indexes in a worker thread
    while the event loop keeps deciding, and a stemmer must not be shared between threads."""
    stemmers: dict[str, Stemmer.Stemmer] = _stemmers.__dict__.setdefault("stemmers", {})
    stemmer = stemmers.get(name)
    if stemmer is None:
        stemmer = stemmers[name] = Stemmer.Stemmer(name)
    return stemmer


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    centroid_similarity: float
    example_similarity: float
    surface_similarity: float
    example_lang: str
    """Language of the closest example question: a vote for the message's language."""
    example_lang_similarity: float = 0.0
    """How much that example looks like the message (rapidfuzz ratio, 0-100), for the
    top candidate: a weak look-alike casts no language vote."""


class Lead(NamedTuple):
    """A message measured along the difference of two entries' centroids (unit length):
    how much of it points to what only the top entry has, and to what only the other
    has. A message that names what sets the top entry apart and little of the other's
    means the top one, however close their scores."""

    toward_top: float
    toward_other: float

    @property
    def net(self) -> float:
        return self.toward_top - self.toward_other


class Featuriser:
    """Features of a text: lexicon concepts plus stems of the words no concept explains.

    One featuriser lives as long as the lexicon and remembers the FAQ texts and the words
    it has seen, so a reload after a content edit only reads the texts that changed, and
    a large FAQ's new texts mostly cost dictionary lookups.
    """

    def __init__(self, lexicon: Lexicon, learned: LearnedWords | None = None) -> None:
        self._lexicon = lexicon
        self._learned = learned or LearnedWords()
        self._units = frozenset("c:" + unit for unit in lexicon.units)
        self._courtesy = frozenset("c:" + concept for concept in lexicon.courtesy)
        self._problems = frozenset("c:" + concept for concept in lexicon.problems)
        self._topics = frozenset("c:" + concept for concept in lexicon.topics)
        self._intents = frozenset("c:" + concept for concept in lexicon.intents)
        self._negation = "c:" + NEGATION_CONCEPT if lexicon.negated else ""
        self._negated = {"c:" + said: "c:" + meant for said, meant in lexicon.negated.items()}
        self._function_words = function_word_keys(STEMMER_NAMES)
        self._faq_text_cache: dict[tuple[str, str], tuple[tuple[int, ...], str]] = {}
        self._words: dict[str, dict[str, _WordFeatures]] = {}
        """Per language: each word's key and features."""
        self.lock = threading.Lock()
        self._feature_ids: dict[str, int] = {}
        self._feature_names: list[str] = []
        """FAQ texts are remembered as feature ids, which an index stacks into numpy
        arrays without touching a string; ids live as long as the text cache."""

    def features(
        self,
        words: tuple[str, ...],
        lang: str | None,
        sentence_starts: frozenset[int] = frozenset(),
    ) -> set[str]:
        return self._features_and_keys(words, lang, sentence_starts)[0]

    def learned_concepts(
        self, features: set[str], words: tuple[str, ...], known: dict[str, int]
    ) -> tuple[set[str], set[str]]:
        """(from words, from word pairs): the concepts a message's words unknown to an FAQ
        and its word pairs go with (see faq.learned_words), those the FAQ has: one it lacks
        would only dilute."""
        from_words, from_pairs = self._learned.concepts_for(features, words, known)
        return {c for c in from_words if c in known}, {c for c in from_pairs if c in known}

    def _features_and_keys(
        self,
        words: tuple[str, ...],
        lang: str | None,
        sentence_starts: frozenset[int] = frozenset(),
    ) -> tuple[set[str], tuple[str, ...]]:
        known = self._words.get(lang or "")
        if known is None or len(known) >= WORD_FEATURE_CACHE_SIZE:
            known = self._words[lang or ""] = {}
        infos = [known.get(w) or self._learn(w, lang, known) for w in words]
        if self._units and any(map(str.isdigit, words)):
            infos = self._without_stated_quantities(words, infos)
        keys = tuple([info[0] for info in infos])
        phrase_hits = self._lexicon.phrase_concepts(keys)
        features = self._with_phrases(infos, phrase_hits)
        if not self._courtesy.isdisjoint(features):
            infos = self._without_signature(infos, phrase_hits)
            features = self._with_phrases(infos, phrase_hits) - self._courtesy
        if self._negation in features:
            features.update(self._negated_concepts(infos, phrase_hits, sentence_starts))
        if PROBLEM_SUBJECT_REACH and not self._problems.isdisjoint(features):
            features.update(self._problem_subjects(infos, phrase_hits, sentence_starts))
        return features, keys

    def _with_phrases(self, infos: list[_WordFeatures], phrase_hits: list[PhraseHit]) -> set[str]:
        if not phrase_hits:
            return set().union(*[info[1] for info in infos])
        features: set[str] = set()
        features.update("c:" + hit.concept for hit in phrase_hits)
        in_phrase = {hit.index for hit in phrase_hits}
        in_whole_phrase = {hit.index for hit in phrase_hits if hit.whole}
        for index, info in enumerate(infos):
            # a phrase explains its words, and a whole phrase their concepts too
            if index not in in_phrase or (info.is_concept and index not in in_whole_phrase):
                features.update(info.features)
        return features

    def _negated_concepts(
        self,
        infos: list[_WordFeatures],
        phrase_hits: list[PhraseHit],
        sentence_starts: frozenset[int],
    ) -> set[str]:
        """What a concept means when a negation comes just before it (the lexicon's
        ``negated``): "didn't receive", "nie doszły", "pas reçu" say something is missing,
        and so does a phrase's concept ("didnt show up"). Within the negation's sentence."""
        named_at = _named_at(infos, phrase_hits)
        found: set[str] = set()
        for index, info in enumerate(infos):
            if self._negation in info.features:
                first, end = _sentence_around(index, sentence_starts, len(infos))
                start = max(index - NEGATION_BACK_REACH, first)
                for near in (
                    named_at[start:index]
                    + named_at[index + 1 : min(index + 1 + NEGATION_REACH, end)]
                ):
                    found.update(self._negated[f] for f in near if f in self._negated)
        return found

    def _problem_subjects(
        self,
        infos: list[_WordFeatures],
        phrase_hits: list[PhraseHit],
        sentence_starts: frozenset[int],
    ) -> set[str]:
        """What each stated problem is about, as ``p:<topic>`` features: the topic words
        inside it ("nie dostałem bonusu"), else the nearest ones within PROBLEM_SUBJECT_REACH
        and those joined to them ("the welcome bonus never came"). A problem is a problem
        word or phrase ("fehlt", "didnt get") or a negation and the arrival it denies."""
        named_at = _named_at(infos, phrase_hits)
        subject_topics = self._topics - self._problems
        topics_at = [{f[2:] for f in named & subject_topics} for named in named_at]
        subjects: set[str] = set()
        for first, last in self._problem_spans(named_at, sentence_starts):
            inside = set().union(*topics_at[first : last + 1])
            subjects |= inside or _nearest_run(topics_at, first, last, PROBLEM_SUBJECT_REACH)
        return {"p:" + topic for topic in subjects}

    def _problem_spans(
        self, named_at: list[set[str]], sentence_starts: frozenset[int]
    ) -> list[tuple[int, int]]:
        """(first, last) word of each stated problem: a problem word, or a negation up to
        the arrival it denies within NEGATION_REACH ("didn't really get") in its sentence."""
        spans: list[tuple[int, int]] = []
        for index, named in enumerate(named_at):
            if not self._problems.isdisjoint(named):
                spans.append((index, index))
            if self._negation in named:
                end = _sentence_around(index, sentence_starts, len(named_at))[1]
                ahead = named_at[index + 1 : min(index + 1 + NEGATION_REACH, end)]
                for offset, near in enumerate(ahead, start=1):
                    if any(self._negated.get(f) in self._problems for f in near):
                        spans.append((index, index + offset))
                        break
        return spans

    def _without_signature(
        self, infos: list[_WordFeatures], phrase_hits: list[PhraseHit]
    ) -> list[_WordFeatures]:
        """A letter's last words after its sign-off ("Kind regards, Harold", "С уважением,
        Евгений Павлович") are a name: words no FAQ knows, which would dilute every score.
        Only a sign-off among the last SIGNATURE_WORDS + 1 words counts."""
        tail_start = max(len(infos) - SIGNATURE_WORDS - 1, 0)
        courteous = [
            index
            for index in range(tail_start, len(infos))
            if not self._courtesy.isdisjoint(infos[index].features)
        ] + [
            hit.index
            for hit in phrase_hits
            if hit.index >= tail_start and "c:" + hit.concept in self._courtesy
        ]
        if not courteous:
            return infos
        last = max(courteous)
        return infos[: last + 1] + [
            info if info.is_concept else info._replace(features=()) for info in infos[last + 1 :]
        ]

    def _without_stated_quantities(
        self, words: tuple[str, ...], infos: list[_WordFeatures]
    ) -> list[_WordFeatures]:
        """ "mam 17 euro na koncie" states what the player has: it asks neither about
        currencies nor, with "18", about age (the lexicon's ``units``)."""
        units = self._units
        stated = list(infos)
        for index in range(len(words) - 1):
            unit = infos[index + 1]
            if words[index].isdigit() and not units.isdisjoint(unit.features):
                stated[index] = infos[index]._replace(features=())
                kept = tuple(f for f in unit.features if f not in units)
                stated[index + 1] = unit._replace(features=kept)
        return stated

    def _learn(
        self, word: str, lang: str | None, known: dict[str, _WordFeatures]
    ) -> _WordFeatures:
        """A word's concept features, or else its stem: they depend on nothing around it
        but the text's language."""
        key = ascii_key(word)
        concepts = tuple("c:" + c for c in sorted(self._lexicon.concepts_of_word(key, lang)))
        latin_stemmer = STEMMER_NAMES.get(lang or "", "")
        if concepts or word.isdigit() or len(key) < 2:
            info = _WordFeatures(key, concepts, True)
        else:
            if "\u0400" <= word[0] <= "\u04ff":
                stem = snowball("russian").stemWord(word)
            elif latin_stemmer:
                stem = snowball(latin_stemmer).stemWord(word)
            else:
                stem = word
            stem_key = ascii_key(stem)
            info = _WordFeatures(key, ("w:" + stem_key,) if stem_key else (), False)
        known[word] = info
        return info

    def faq_text(self, text: str, lang: str) -> tuple[tuple[int, ...], str]:
        """(feature ids, transliterated text) of an FAQ question or answer, remembered."""
        cache_key = (text, lang)
        cached = self._faq_text_cache.get(cache_key)
        if cached is None:
            features, keys = self._features_and_keys(words_of(text), lang)
            ordered = sorted(features)  # ids, so sums, must not depend on the hash seed
            ids = self._feature_ids
            for feature in ordered:
                if feature not in ids:
                    ids[feature] = len(self._feature_names)
                    self._feature_names.append(feature)
            cached = (tuple(map(ids.__getitem__, ordered)), " ".join(filter(None, keys)))
            self._faq_text_cache[cache_key] = cached
        return cached

    def trim(self) -> None:
        """Forget every remembered text once there are too many (content staff may have
        replaced the whole FAQ many times). Called before an index reads any text, never
        during, so the ids an index holds stay valid for it."""
        if len(self._faq_text_cache) >= FAQ_TEXT_CACHE_SIZE:
            self._faq_text_cache.clear()
            self._feature_ids.clear()
            self._feature_names.clear()

    def boost(self, feature: str) -> float:
        """How much more than a plain word a feature weighs, whatever its rarity."""
        if not feature.startswith("c:"):
            return 1.0
        return CONCEPT_BOOST * (INTENT_BOOST if feature in self._intents else 1.0)

    def names_a_concept(self, key: str) -> bool:
        """Whether a transliterated word is a lexicon term (or a typo of one)."""
        return bool(self._lexicon.concepts_of_word(key))

    def is_function_word(self, feature: str) -> bool:
        return feature.startswith("w:") and feature[2:] in self._function_words

    def is_intent(self, feature: str) -> bool:
        return feature in self._intents

    def is_topic(self, feature: str) -> bool:
        return feature in self._topics

    def is_problem(self, feature: str) -> bool:
        return feature in self._problems

    def feature_names(self, ids: np.ndarray) -> list[str]:
        names = self._feature_names
        return [names[i] for i in ids.tolist()]


def _sentence_around(index: int, sentence_starts: frozenset[int], length: int) -> tuple[int, int]:
    """(first word, end) of the sentence holding word ``index``."""
    if not sentence_starts:
        return 0, length
    first = max((start for start in sentence_starts if start <= index), default=0)
    end = min((start for start in sentence_starts if start > index), default=length)
    return first, end


def _named_at(infos: list[_WordFeatures], phrase_hits: list[PhraseHit]) -> list[set[str]]:
    """Each word's features with the concepts of the phrases it belongs to."""
    named_at = [set(info.features) for info in infos]
    for hit in phrase_hits:
        named_at[hit.index].add("c:" + hit.concept)
    return named_at


def _nearest_run(topics_at: list[set[str]], first: int, last: int, reach: int) -> set[str]:
    """The topics of the nearest words around ``first..last`` that name any (within
    ``reach``; both sides when equally near), with the topic words joined to them."""
    for distance in range(1, reach + 1):
        found: set[str] = set()
        for position, step in ((first - distance, -1), (last + distance, 1)):
            while 0 <= position < len(topics_at) and topics_at[position]:
                found |= topics_at[position]
                position += step
        if found:
            return found
    return set()


class _WordFeatures(NamedTuple):
    key: str
    features: tuple[str, ...]
    is_concept: bool
    """``features`` are lexicon concepts (else the word's stem, or nothing)."""


class _Postings:
    """For each feature, the rows (examples or entries) that have it and its weight there:
    scoring a message touches only its own features' rows. The lists lie end to end in two
    flat arrays, so a message costs a few numpy calls whatever its number of features."""

    def __init__(
        self, rows: np.ndarray, columns: np.ndarray, weights: np.ndarray, size: int, width: int
    ) -> None:
        order = np.argsort(columns, kind="stable")
        self._rows = rows[order]
        self._weights = weights[order]
        self._offsets: list[int] = [0, *np.cumsum(np.bincount(columns, minlength=width)).tolist()]
        self.size = size

    def scores(self, query: list[tuple[int, float]]) -> np.ndarray:
        rows, weights, counts = [], [], []
        for column, _ in query:
            start, end = self._offsets[column], self._offsets[column + 1]
            rows.append(self._rows[start:end])
            weights.append(self._weights[start:end])
            counts.append(end - start)
        query_weights = np.repeat(np.fromiter((w for _, w in query), np.float64), counts)
        return np.bincount(
            np.concatenate(rows),
            weights=np.concatenate(weights) * query_weights,
            minlength=self.size,
        )


def _unit_rows(rows: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """``weights`` scaled so that each row's vector has length 1."""
    norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=size))
    norms[norms == 0] = 1.0
    return weights / norms[rows]


def _answer_columns(
    answers: list[tuple[int, tuple[int, ...], int]], known_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(answer index, column) of every answer feature that has a column in this index."""
    lengths = np.fromiter((len(ids) for _, ids, _ in answers), np.int64, len(answers))
    answer_of = np.repeat(np.arange(len(answers)), lengths)
    ids = np.fromiter(chain.from_iterable(ids for _, ids, _ in answers), np.int64)
    columns = np.minimum(np.searchsorted(known_ids, ids), max(len(known_ids) - 1, 0))
    known = known_ids[columns] == ids if len(known_ids) else np.zeros(len(ids), bool)
    return answer_of[known], columns[known]


def _columns_per_entry(
    entries: np.ndarray, columns: np.ndarray, entry_count: int
) -> list[set[int]]:
    """Each entry's set of columns, from parallel arrays of (entry, column) pairs."""
    per_entry: list[set[int]] = [set() for _ in range(entry_count)]
    for entry, column in zip(entries.tolist(), columns.tolist(), strict=True):
        per_entry[entry].add(column)
    return per_entry


def _share_of_questions(
    rows: np.ndarray, entry_of_example: np.ndarray, examples_per_entry: np.ndarray
) -> np.ndarray:
    """Per entry, the share of its example questions among ``rows`` (rows may repeat)."""
    counts = np.bincount(entry_of_example[np.unique(rows)], minlength=len(examples_per_entry))
    return counts / np.maximum(examples_per_entry, 1)


def _entries_per_column(entries: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """How many distinct entries have each column, from (entry, column) pairs."""
    pairs = np.unique(entries * width + columns)
    return np.bincount(pairs % width, minlength=width)


def _summed(
    rows: np.ndarray, columns: np.ndarray, weights: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum the weights of repeated (row, column) pairs: (rows, columns, weights), unique."""
    keys, inverse = np.unique(rows * width + columns, return_inverse=True)
    return keys // width, keys % width, np.bincount(inverse, weights=weights)


class FaqIndex:
    """Everything the matcher needs about one FAQ version, built once per load.

    Built with numpy over (row, feature) pairs rather than a dict per example: a
    2,000-entry FAQ has ~80,000 example questions and a million such pairs."""

    def __init__(self, faq: Faq, featuriser: Featuriser) -> None:
        self.faq = faq
        self.featuriser = featuriser
        # Ids are handed out while texts are read; one index reads at a time so that
        # two reloads (a file watcher and a startup load) never share out one id twice.
        with featuriser.lock:
            featuriser.trim()
            entry_count = len(faq.entries)
            example_ids: list[tuple[int, ...]] = []
            self._example_lang: list[str] = []
            self._example_text: list[str] = []
            entry_starts: list[int] = []
            answers: list[tuple[int, tuple[int, ...], int]] = []
            question_languages: list[int] = []
            vocabulary_texts: list[tuple[str, str]] = []
            for entry_index, entry in enumerate(faq.entries):
                entry_starts.append(len(self._example_lang))
                question_languages.append(max(sum(map(bool, entry.questions.values())), 1))
                for lang, questions in entry.questions.items():
                    for question in questions:
                        ids, ascii_text = featuriser.faq_text(question, lang)
                        example_ids.append(ids)
                        self._example_lang.append(lang)
                        self._example_text.append(ascii_text)
                        vocabulary_texts.append((lang, ascii_text))
                if len(self._example_lang) == entry_starts[-1]:
                    example_ids.append(())  # an entry with answers only keeps a slot
                    self._example_lang.append("")
                    self._example_text.append("")
                for lang, answer in entry.answer.items():
                    answer_ids, answer_text = featuriser.faq_text(answer, lang)
                    answers.append((entry_index, answer_ids, len(entry.answer)))
                    vocabulary_texts.append((lang, answer_text))
            self.vocabulary = LanguageVocabulary(vocabulary_texts, faq.languages)
            example_count = len(example_ids)
            lengths = np.fromiter(map(len, example_ids), np.int64, example_count)
            rows = np.repeat(np.arange(example_count), lengths)
            global_ids = np.fromiter(
                chain.from_iterable(example_ids), np.int64, int(lengths.sum())
            )
            # Columns: the features the questions use, plus concepts only answers name
            # (an age, a phone line, a document type): numbered from 0 for this index.
            question_ids = np.unique(global_ids)
            answer_only = self._answer_only_concepts(answers, question_ids)
            known_ids = np.sort(np.concatenate([question_ids, answer_only]))
            columns = np.searchsorted(known_ids, global_ids)
            width = len(known_ids)
            names = featuriser.feature_names(known_ids)
        starts = np.asarray(entry_starts, dtype=np.int64)
        examples_per_entry = np.diff(np.append(starts, example_count))
        entry_of_example = np.repeat(np.arange(entry_count), examples_per_entry)
        entry_of_row = entry_of_example[rows]
        # Document frequency counts entries, not questions: a word in every entry ("how",
        # "jak", "wie") says nothing about which entry is meant, whatever its language.
        # Entries whose answers alone name a feature count ANSWER_FREQUENCY_SHARE each.
        answer_of, answer_columns = _answer_columns(answers, known_ids)
        answer_entries = np.fromiter((entry for entry, _, _ in answers), np.int64, len(answers))
        question_frequency = _entries_per_column(entry_of_row, columns, width)
        either_frequency = _entries_per_column(
            np.concatenate([entry_of_row, answer_entries[answer_of]]),
            np.concatenate([columns, answer_columns]),
            width,
        )
        document_frequency = question_frequency + ANSWER_FREQUENCY_SHARE * (
            either_frequency - question_frequency
        )
        # A concept only answers name counts the entries whose answers name it in full:
        # "18" in one answer makes an age question point there rather than dilute as unknown.
        document_frequency = np.where(
            np.isin(known_ids, answer_only), either_frequency, document_frequency
        )
        # "does" in one entry's question is no sign of that entry (FUNCTION_WORD_SHARE).
        is_function_word = np.fromiter(map(featuriser.is_function_word, names), bool, width)
        document_frequency = np.where(
            is_function_word,
            np.maximum(document_frequency, FUNCTION_WORD_SHARE * entry_count),
            document_frequency,
        )
        idf = np.log((entry_count + 1) / (document_frequency + 0.5))
        weight_of = idf * np.fromiter(map(self.featuriser.boost, names), np.float64, width)
        self._unknown_idf = math.log((entry_count + 1) / 0.5) * UNKNOWN_WORD_SHARE
        example_weights = _unit_rows(rows, weight_of[columns], example_count)
        # An entry as a whole: the mean of its examples, plus its answers (only words the
        # questions use, each answer a unit vector) weighing ANSWER_WEIGHT / (questions per
        # language) together.
        centroid_rows = [entry_of_row]
        centroid_columns = [columns]
        centroid_weights = [example_weights / examples_per_entry[entry_of_row]]
        answer_weights = _unit_rows(answer_of, weight_of[answer_columns], len(answers))
        answer_counts = np.fromiter((n for _, _, n in answers), np.float64, len(answers))
        questions_per_language = examples_per_entry / np.asarray(question_languages, np.float64)
        answer_share = ANSWER_WEIGHT / np.maximum(questions_per_language, 1.0)
        answer_weights *= answer_share[answer_entries[answer_of]] / answer_counts[answer_of]
        centroid_rows.append(answer_entries[answer_of])
        centroid_columns.append(answer_columns)
        centroid_weights.append(answer_weights)
        c_rows, c_columns, c_weights = _summed(
            np.concatenate(centroid_rows),
            np.concatenate(centroid_columns),
            np.concatenate(centroid_weights),
            width,
        )
        c_weights = _unit_rows(c_rows, c_weights, entry_count)
        # Each entry's centroid, rows end to end (``_summed`` sorts by row, then column).
        self._centroid_offsets = np.searchsorted(c_rows, np.arange(entry_count + 1))
        self._centroid_columns = c_columns
        self._centroid_weights = c_weights
        self._entry_similarities: dict[tuple[int, int], float] = {}
        self._columns = dict(zip(names, range(width), strict=True))
        self._column_weights: list[float] = weight_of.tolist()
        # Examples and entries share one postings list (entries after the examples), so a
        # message costs one pass over its features' postings, not two.
        self._example_count = example_count
        self._postings = _Postings(
            np.concatenate([rows, c_rows + example_count]),
            np.concatenate([columns, c_columns]),
            np.concatenate([example_weights, c_weights]),
            example_count + entry_count,
            width,
        )
        self._is_topic = np.fromiter(map(featuriser.is_topic, names), bool, width)
        on_topic = self._is_topic[c_columns]
        self._entry_topics = _columns_per_entry(c_rows[on_topic], c_columns[on_topic], entry_count)
        # What each entry's questions (not its answers) ask: how long, why, without what.
        self._is_intent = np.fromiter(map(featuriser.is_intent, names), bool, width)
        asked = self._is_intent[columns]
        self._entry_intents = _columns_per_entry(entry_of_row[asked], columns[asked], entry_count)
        self._asking_share = _share_of_questions(rows[asked], entry_of_example, examples_per_entry)
        on_topic = self._is_topic[columns]
        self._entry_question_topics = _columns_per_entry(
            entry_of_row[on_topic], columns[on_topic], entry_count
        )
        # What each entry's questions report as a problem (something missing).
        self._is_problem = np.fromiter(map(featuriser.is_problem, names), bool, width)
        reporting = self._is_problem[columns]
        self._reporting_share = _share_of_questions(
            rows[reporting], entry_of_example, examples_per_entry
        )
        self._entry_starts = starts
        self._entry_ends = np.append(starts[1:], example_count)
        self._entry_index = {entry.id: index for index, entry in enumerate(faq.entries)}

    def lead(
        self,
        norm: Normalised,
        lang: str | None,
        top: Candidate,
        other: Candidate,
        focus: Normalised | None = None,
    ) -> Lead:
        """How far the message leans to ``top`` rather than ``other`` (see ``Lead``).

        Siblings ("how long does verification take" and "which documents for
        verification") share most of their words, so a message naming what sets one apart
        still scores both alike: the gap is small because the entries are close, not
        because the message is unclear. Measured along the difference of the two
        entries' centroids, the gap says which one the message means."""
        a, b = self._entry_index[top.entry_id], self._entry_index[other.entry_id]
        key = (a, b) if a < b else (b, a)
        similarity = self._entry_similarities.get(key)
        if similarity is None:
            similarity = self._entry_similarities[key] = self._centroid_dot(*key)
        distance = math.sqrt(max(2.0 - 2.0 * similarity, 0.0))
        query = self._message_query(norm, lang, focus)
        if distance < 1e-9 or not query:
            return Lead(0.0, 0.0)
        columns = np.fromiter((column for column, _ in query), np.int64, len(query))
        weights = np.fromiter((weight for _, weight in query), np.float64, len(query))
        difference = self._centroid_at(a, columns) - self._centroid_at(b, columns)
        along = weights * difference / distance
        return Lead(float(along[along > 0].sum()), float(-along[along < 0].sum()))

    def _centroid_at(self, entry: int, columns: np.ndarray) -> np.ndarray:
        """Entry ``entry``'s centroid weights at ``columns`` (0 where it lacks one)."""
        start, end = self._centroid_offsets[entry], self._centroid_offsets[entry + 1]
        if end == start:
            return np.zeros(len(columns))
        own_columns = self._centroid_columns[start:end]
        positions = np.minimum(np.searchsorted(own_columns, columns), end - start - 1)
        found = own_columns[positions] == columns
        return np.where(found, self._centroid_weights[start:end][positions], 0.0)

    def _centroid_dot(self, a: int, b: int) -> float:
        offsets = self._centroid_offsets
        a_slice = slice(offsets[a], offsets[a + 1])
        b_slice = slice(offsets[b], offsets[b + 1])
        _, in_a, in_b = np.intersect1d(
            self._centroid_columns[a_slice],
            self._centroid_columns[b_slice],
            assume_unique=True,
            return_indices=True,
        )
        return float(self._centroid_weights[a_slice][in_a] @ self._centroid_weights[b_slice][in_b])

    def _answer_only_concepts(
        self, answers: list[tuple[int, tuple[int, ...], int]], question_ids: np.ndarray
    ) -> np.ndarray:
        """Ids of concepts that answers name and no question does. Only concepts: a plain
        word of an answer ("click", "within") says little about what a player asks."""
        ids = np.unique(np.fromiter(chain.from_iterable(a for _, a, _ in answers), np.int64))
        ids = np.setdiff1d(ids, question_ids, assume_unique=True)
        names = self.featuriser.feature_names(ids)
        return ids[np.fromiter((n.startswith("c:") for n in names), bool, len(ids))]

    def _query(
        self,
        features: set[str],
        from_words: set[str],
        from_pairs: set[str],
        context: frozenset[str] | set[str] = frozenset(),
    ) -> list[tuple[int, float]]:
        """(column, weight) of the message's features this FAQ has, as a unit vector in
        which the words it lacks count too: they say the message may be about something
        else. Concepts learned from words weigh LEARNED_WEIGHT of the same concept named
        outright; from word pairs, that times the share of the message the FAQ does not
        know (its unknown words' share of the squared weight), so a clear question stays
        as it reads and a chatty one gains most.
        ``context``: features only the story around the message's question names; they
        weigh CONTEXT_WEIGHT.
        Features are taken in sorted order: in a set's order, which follows the process's
        hash seed, float sums differed in the last bit, and two equally close example
        questions swapped places, so a restart could change a score by 0.05."""
        columns, column_weights = self._columns, self._column_weights
        boost, unknown_idf = self.featuriser.boost, self._unknown_idf
        query: list[tuple[int, float]] = []
        square_sum = unknown_sum = 0.0
        for feature in sorted(features):
            column = columns.get(feature)
            weight = unknown_idf * boost(feature) if column is None else column_weights[column]
            if feature in context:
                weight *= CONTEXT_WEIGHT
            square_sum += weight * weight
            if column is not None:
                query.append((column, weight))
            else:
                unknown_sum += weight * weight
        unknown_share = unknown_sum / square_sum if square_sum else 0.0
        for learned, share in ((from_words, 1.0), (from_pairs, unknown_share)):
            if not share:
                continue  # a zero weight would only cost postings work
            for feature in sorted(learned):
                column = columns[feature]
                weight = column_weights[column] * LEARNED_WEIGHT * share
                square_sum += weight * weight
                query.append((column, weight))
        norm = math.sqrt(square_sum)
        return [(column, weight / norm) for column, weight in query] if norm else []

    def _message_query(
        self, norm: Normalised, lang: str | None, focus: Normalised | None = None
    ) -> list[tuple[int, float]]:
        return self._message_features_and_query(norm, lang, focus)[1]

    def _message_features_and_query(
        self, norm: Normalised, lang: str | None, focus: Normalised | None
    ) -> tuple[set[str], list[tuple[int, float]]]:
        """The features the message states itself, and its weighted query (those plus what
        its learned words and pairs suggest)."""
        features = self.featuriser.features(norm.words, lang, norm.sentence_starts)
        learned = self.featuriser.learned_concepts(features, norm.words, self._columns)
        context: set[str] = set()
        if focus is not None:
            asked = self.featuriser.features(focus.words, lang, focus.sentence_starts)
            if any(map(self.featuriser.is_topic, asked)):
                context = features - asked
        return features, self._query(features, *learned, context)

    def _missing_the_intent(
        self,
        intents: set[int],
        shortlist: list[int],
        named: set[int],
        blended: np.ndarray,
    ) -> set[int]:
        """Shortlisted entries that lose INTENT_MISS_PENALTY: their questions never ask what
        the message asks (how long, why…), while a sibling's do: a shortlisted entry whose
        questions ask it, that shares a topic the message names, and that scores at least
        INTENT_SIBLING_SHARE of theirs. ``intents``: the message's intent columns."""
        if not intents:
            return set()
        asking = [e for e in shortlist if not intents.isdisjoint(self._entry_intents[e])]
        return self._outscored_by_siblings(
            [e for e in shortlist if e not in asking],
            asking,
            named,
            blended,
            INTENT_SIBLING_SHARE,
            self._entry_topics,
        )

    def _unasked(
        self,
        intents: set[int],
        shortlist: list[int],
        named: set[int],
        blended: np.ndarray,
    ) -> set[int]:
        """Shortlisted entries that lose UNASKED_INTENT_PENALTY: their questions mostly ask
        how long, why… while the message asks none of it, and a sibling that seldom asks
        shares a topic the message names and scores at least INTENT_SIBLING_SHARE of theirs."""
        if intents:
            return set()
        share = self._asking_share
        return self._outscored_by_siblings(
            [e for e in shortlist if share[e] >= ASKING_SHARE],
            [e for e in shortlist if share[e] <= PLAIN_SHARE],
            named,
            blended,
            INTENT_SIBLING_SHARE,
            self._entry_topics,
        )

    def _without_the_problem(
        self,
        reports_problem: bool,
        shortlist: list[int],
        named: set[int],
        blended: np.ndarray,
    ) -> set[int]:
        """Shortlisted entries that lose PROBLEM_MISS_PENALTY: the message states a problem
        (``reports_problem``: in its own features, not learned ones) that their questions
        never report, while a sibling's questions do and name a topic the message names
        besides."""
        if not reports_problem:
            return set()
        share = self._reporting_share
        problems = {column for column in named if self._is_problem[column]}
        return self._outscored_by_siblings(
            [e for e in shortlist if share[e] == 0],
            [e for e in shortlist if share[e] >= PROBLEM_SHARE],
            named - problems,
            blended,
            PROBLEM_SIBLING_SHARE,
            self._entry_question_topics,
        )

    def _outscored_by_siblings(
        self,
        entries: list[int],
        siblings: list[int],
        named: set[int],
        blended: np.ndarray,
        share: float,
        sibling_topics: list[set[int]],
    ) -> set[int]:
        """Those of ``entries`` with a sibling that shares a topic of ``named`` with them
        (the sibling's own topics being ``sibling_topics``) and scores ``share`` of theirs."""
        return {
            entry
            for entry in entries
            if any(
                not (sibling_topics[sibling] & named).isdisjoint(self._entry_topics[entry])
                and blended[sibling] >= share * blended[entry]
                for sibling in siblings
                if sibling != entry
            )
        }

    def rank(
        self,
        norm: Normalised,
        lang: str | None,
        limit: int = 3,
        focus: Normalised | None = None,
    ) -> list[Candidate]:
        """Best entries for ``norm``, highest score first (empty when nothing overlaps)."""
        stated, query = self._message_features_and_query(norm, lang, focus)
        if not query:
            return []
        scores = self._postings.scores(query)
        example_scores = scores[: self._example_count]
        centroid_scores = scores[self._example_count :]
        best_example = np.maximum.reduceat(example_scores, self._entry_starts)
        blended = CENTROID_WEIGHT * centroid_scores + (1 - CENTROID_WEIGHT) * best_example
        count = min(FUZZY_SHORTLIST, len(blended))
        shortlist = np.argpartition(-blended, count - 1)[:count]
        scored: list[tuple[float, int, int, float]] = []
        topic_weights = [(column, w * w) for column, w in query if self._is_topic[column]]
        topic_total = sum(w for _, w in topic_weights)
        shortlisted = shortlist.tolist()
        message_topics = {column for column, _ in topic_weights}
        intents = {column for column, _ in query if self._is_intent[column]}
        missing_intent = self._missing_the_intent(intents, shortlisted, message_topics, blended)
        # A stated problem asks "why" by itself ("the bonus never came"): no unasked intent.
        reports_problem = any(map(self.featuriser.is_problem, stated))
        unasked = (
            set()
            if reports_problem
            else self._unasked(intents, shortlisted, message_topics, blended)
        )
        unreported = self._without_the_problem(
            reports_problem, shortlisted, message_topics, blended
        )
        for entry_index in shortlisted:
            similarity = float(blended[entry_index])
            if entry_index in missing_intent:
                similarity *= 1 - INTENT_MISS_PENALTY
            if entry_index in unasked:
                similarity *= 1 - UNASKED_INTENT_PENALTY
            if entry_index in unreported:
                similarity *= 1 - PROBLEM_MISS_PENALTY
            if topic_total:
                named = self._entry_topics[entry_index]
                missed = sum(w for column, w in topic_weights if column not in named)
                similarity *= 1 - TOPIC_MISS_PENALTY * missed / topic_total
                if (
                    OTHER_TOPIC_PENALTY
                    and named.isdisjoint(message_topics)
                    and not self._entry_question_topics[entry_index] <= message_topics
                ):
                    similarity *= 1 - OTHER_TOPIC_PENALTY
            if similarity <= 0:
                continue
            start, end = int(self._entry_starts[entry_index]), int(self._entry_ends[entry_index])
            example_index = start + int(np.argmax(example_scores[start:end]))
            surface = fuzz.token_set_ratio(norm.ascii, self._example_text[example_index]) / 100.0
            score = 0.8 * similarity + 0.2 * surface * similarity**0.5
            scored.append((score, entry_index, example_index, surface))
        scored.sort(reverse=True)
        candidates = [
            Candidate(
                entry_id=self.faq.entries[entry_index].id,
                score=round(score, 4),
                centroid_similarity=round(float(centroid_scores[entry_index]), 4),
                example_similarity=round(float(best_example[entry_index]), 4),
                surface_similarity=round(surface, 4),
                example_lang=self._example_lang[example_index],
            )
            for score, entry_index, example_index, surface in scored[:limit]
        ]
        if candidates:
            candidates[0] = self._with_surface_language(candidates[0], norm.ascii)
        return candidates

    def _with_surface_language(self, candidate: Candidate, ascii_query: str) -> Candidate:
        """Re-vote the language by spelling: the top entry's example that *looks* most like
        the message. Meaning-based closeness crosses languages through the lexicon (a
        transliterated Russian question is "close" to a German one); spelling does not."""
        entry_index = self._entry_index[candidate.entry_id]
        start, end = int(self._entry_starts[entry_index]), int(self._entry_ends[entry_index])
        best = process.extractOne(ascii_query, self._example_text[start:end], scorer=fuzz.ratio)
        if best is None:
            return candidate
        return replace(
            candidate,
            example_lang=self._example_lang[start + best[2]],
            example_lang_similarity=round(best[1], 1),
        )
