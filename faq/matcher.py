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
from collections import defaultdict
from dataclasses import dataclass

import Stemmer
from rapidfuzz import fuzz

from faq.lexicon import Lexicon
from faq.model import Faq
from faq.normalise import Normalised, ascii_key, normalise

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
ANSWER_WEIGHT = 0.25
"""How much an entry's answer text describes it, next to its example questions."""
CONCEPT_BOOST = 1.5
"""Concepts carry meaning across languages; plain words mostly within one."""
FUZZY_SHORTLIST = 6

Vector = dict[str, float]


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    centroid_similarity: float
    example_similarity: float
    surface_similarity: float
    example_lang: str
    """Language of the closest example question: a vote for the message's language."""


@dataclass(frozen=True)
class _Example:
    entry_index: int
    lang: str
    vector: Vector
    ascii_text: str


class Featuriser:
    """Features of a text: lexicon concepts plus stems of the words no concept explains."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._stemmers: dict[str, Stemmer.Stemmer] = {}

    def _stem(self, word: str, lang: str | None, is_cyrillic: bool) -> str:
        name = "russian" if is_cyrillic else STEMMER_NAMES.get(lang or "", "")
        if not name:
            return word
        stemmer = self._stemmers.get(name)
        if stemmer is None:
            stemmer = self._stemmers[name] = Stemmer.Stemmer(name)
        return stemmer.stemWord(word)

    def features(self, norm: Normalised, lang: str | None) -> set[str]:
        keys = tuple(ascii_key(w) for w in norm.words)
        features: set[str] = set()
        explained: set[int] = set()
        for index, concept in self._lexicon.concepts_of(keys):
            features.add("c:" + concept)
            explained.add(index)
        for index, word in enumerate(norm.words):
            if index in explained or word.isdigit() or len(keys[index]) < 2:
                continue
            is_cyrillic = "\u0400" <= word[0] <= "\u04ff"
            stem_key = ascii_key(self._stem(word, lang, is_cyrillic))
            if stem_key:
                features.add("w:" + stem_key)
        return features


def _normalise_vector(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


class FaqIndex:
    """Everything the matcher needs about one FAQ version, built once per load."""

    def __init__(self, faq: Faq, lexicon: Lexicon) -> None:
        self.faq = faq
        self.featuriser = Featuriser(lexicon)
        entry_count = len(faq.entries)
        question_features: list[list[tuple[str, set[str], str]]] = []
        entry_df: dict[str, int] = defaultdict(int)
        for entry in faq.entries:
            examples = []
            for lang, questions in entry.questions.items():
                for question in questions:
                    norm = normalise(question)
                    examples.append((lang, self.featuriser.features(norm, lang), norm.ascii))
            question_features.append(examples)
            for f in set().union(*(feats for _, feats, _ in examples)):
                entry_df[f] += 1
        # Document frequency counts entries, not questions: a word in every entry ("how",
        # "jak", "wie") says nothing about which entry is meant, whatever its language.
        self._idf = {f: math.log((entry_count + 1) / (df + 0.5)) for f, df in entry_df.items()}
        self._unknown_idf = math.log((entry_count + 1) / 0.5) * 0.5
        self._examples: list[_Example] = []
        self._centroids: list[Vector] = []
        for entry_index, (entry, examples) in enumerate(
            zip(faq.entries, question_features, strict=True)
        ):
            centroid: Vector = defaultdict(float)
            for lang, feats, ascii_text in examples:
                vector = self._vector(feats)
                self._examples.append(_Example(entry_index, lang, vector, ascii_text))
                for k, v in vector.items():
                    centroid[k] += v / len(examples)
            for lang, answer in entry.answer.items():
                vector = self._vector(
                    self.featuriser.features(normalise(answer), lang), known_only=True
                )
                for k, v in vector.items():
                    centroid[k] += ANSWER_WEIGHT * v / len(entry.answer)
            self._centroids.append(_normalise_vector(centroid))
        self._postings: dict[str, list[int]] = defaultdict(list)
        for example_index, example in enumerate(self._examples):
            for feature in example.vector:
                self._postings[feature].append(example_index)
        self._centroid_postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, centroid in enumerate(self._centroids):
            for feature in centroid:
                self._centroid_postings[feature].append(entry_index)

    def _weight(self, feature: str, known_only: bool = False) -> float:
        idf = self._idf.get(feature)
        if idf is None:
            idf = 0.0 if known_only else self._unknown_idf
        return idf * (CONCEPT_BOOST if feature.startswith("c:") else 1.0)

    def _vector(self, features: set[str], known_only: bool = False) -> Vector:
        return _normalise_vector(
            {f: w for f in features if (w := self._weight(f, known_only)) > 0}
        )

    def rank(self, norm: Normalised, lang: str | None, limit: int = 3) -> list[Candidate]:
        """Best entries for ``norm``, highest score first (empty when nothing overlaps)."""
        query = self._vector(self.featuriser.features(norm, lang))
        if not query:
            return []
        centroid_scores: dict[int, float] = defaultdict(float)
        for feature, weight in query.items():
            for entry_index in self._centroid_postings.get(feature, ()):
                centroid_scores[entry_index] += weight * self._centroids[entry_index][feature]
        example_scores: dict[int, float] = defaultdict(float)
        for feature, weight in query.items():
            for example_index in self._postings.get(feature, ()):
                example_scores[example_index] += (
                    weight * self._examples[example_index].vector[feature]
                )
        best_example: dict[int, tuple[float, int]] = {}
        for example_index, score in example_scores.items():
            entry_index = self._examples[example_index].entry_index
            if score > best_example.get(entry_index, (-1.0, -1))[0]:
                best_example[entry_index] = (score, example_index)
        blended = {
            entry_index: 0.5 * centroid_scores.get(entry_index, 0.0)
            + 0.5 * best_example.get(entry_index, (0.0, -1))[0]
            for entry_index in set(centroid_scores) | set(best_example)
        }
        shortlist = sorted(blended, key=blended.__getitem__, reverse=True)[:FUZZY_SHORTLIST]
        candidates = []
        for entry_index in shortlist:
            example_score, example_index = best_example.get(entry_index, (0.0, -1))
            surface = 0.0
            example_lang = ""
            if example_index >= 0:
                example = self._examples[example_index]
                surface = fuzz.token_set_ratio(norm.ascii, example.ascii_text) / 100.0
                example_lang = example.lang
            score = 0.8 * blended[entry_index] + 0.2 * surface * blended[entry_index] ** 0.5
            candidates.append(
                Candidate(
                    entry_id=self.faq.entries[entry_index].id,
                    score=round(score, 4),
                    centroid_similarity=round(centroid_scores.get(entry_index, 0.0), 4),
                    example_similarity=round(example_score, 4),
                    surface_similarity=round(surface, 4),
                    example_lang=example_lang,
                )
            )
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates[:limit]
