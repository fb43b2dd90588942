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
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import Stemmer
from rapidfuzz import fuzz, process

from faq.lexicon import Lexicon
from faq.model import Faq
from faq.normalise import Normalised, ascii_key, ascii_text_of, words_of

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
FAQ_TEXT_CACHE_SIZE = 200_000
CENTROID_WEIGHT = 0.5
"""Share of the entry-as-a-whole similarity in the score, against the closest example."""
UNKNOWN_WORD_SHARE = 0.5
"""A word the FAQ never uses weighs this share of the rarest known word: it says the
message may be about something else, without drowning what it shares with an entry."""

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
    example_lang_similarity: float = 0.0
    """How much that example looks like the message (rapidfuzz ratio, 0-100), for the
    top candidate: a weak look-alike casts no language vote."""


class Featuriser:
    """Features of a text: lexicon concepts plus stems of the words no concept explains.

    One featuriser lives as long as the lexicon and remembers the FAQ texts it has seen,
    so a reload after a content edit only reads the texts that changed.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._local = threading.local()
        """Stemmers per thread: a reload indexes in a worker thread while the event loop
        keeps deciding, and a Snowball stemmer must not be shared between threads."""
        self._faq_text_cache: dict[tuple[str, str], tuple[frozenset[str], str]] = {}

    def _stemmer(self, name: str) -> Stemmer.Stemmer:
        stemmers: dict[str, Stemmer.Stemmer] = self._local.__dict__.setdefault("stemmers", {})
        stemmer = stemmers.get(name)
        if stemmer is None:
            stemmer = stemmers[name] = Stemmer.Stemmer(name)
        return stemmer

    def features(self, words: tuple[str, ...], lang: str | None) -> set[str]:
        keys = [ascii_key(w) for w in words]
        features: set[str] = set()
        explained: set[int] = set()
        for index, concept in self._lexicon.concepts_of(tuple(keys)):
            features.add("c:" + concept)
            explained.add(index)
        latin: list[str] = []
        cyrillic: list[str] = []
        for index, word in enumerate(words):
            if index in explained or word.isdigit() or len(keys[index]) < 2:
                continue
            (cyrillic if "\u0400" <= word[0] <= "\u04ff" else latin).append(word)
        stems: list[str] = list(self._stemmer("russian").stemWords(cyrillic)) if cyrillic else []
        latin_stemmer = STEMMER_NAMES.get(lang or "", "")
        if latin and latin_stemmer:
            stems += self._stemmer(latin_stemmer).stemWords(latin)
        else:
            stems += latin
        features.update("w:" + k for k in map(ascii_key, stems) if k)
        return features

    def faq_text(self, text: str, lang: str) -> tuple[frozenset[str], str]:
        """(features, transliterated text) of an FAQ question or answer, remembered."""
        key = (text, lang)
        cached = self._faq_text_cache.get(key)
        if cached is None:
            words = words_of(text)
            cached = (frozenset(self.features(words, lang)), ascii_text_of(words))
            if len(self._faq_text_cache) >= FAQ_TEXT_CACHE_SIZE:
                self._faq_text_cache.clear()
            self._faq_text_cache[key] = cached
        return cached


def _normalise_vector(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


class _Postings:
    """For each feature, the rows (examples or entries) that have it and its weight there:
    scoring a message touches only its own features' rows, vectorised with numpy."""

    def __init__(self, rows: list[Vector], columns: dict[str, int]) -> None:
        collected: list[tuple[list[int], list[float]]] = [([], []) for _ in columns]
        for row_index, row in enumerate(rows):
            for feature, weight in row.items():
                indices, weights = collected[columns[feature]]
                indices.append(row_index)
                weights.append(weight)
        self.indices = [np.asarray(i, dtype=np.int32) for i, _ in collected]
        self.weights = [np.asarray(w, dtype=np.float64) for _, w in collected]
        self.size = len(rows)

    def scores(self, query: list[tuple[int, float]]) -> np.ndarray:
        totals = np.zeros(self.size)
        for column, weight in query:
            totals[self.indices[column]] += weight * self.weights[column]
        return totals


class FaqIndex:
    """Everything the matcher needs about one FAQ version, built once per load."""

    def __init__(self, faq: Faq, featuriser: Featuriser) -> None:
        self.faq = faq
        self.featuriser = featuriser
        entry_count = len(faq.entries)
        examples_by_entry: list[list[tuple[str, set[str], str]]] = []
        entry_df: dict[str, int] = defaultdict(int)
        for entry in faq.entries:
            examples = []
            for lang, questions in entry.questions.items():
                for question in questions:
                    features, ascii_text = self.featuriser.faq_text(question, lang)
                    examples.append((lang, set(features), ascii_text))
            examples_by_entry.append(examples)
            for feature in set().union(*(feats for _, feats, _ in examples)):
                entry_df[feature] += 1
        # Document frequency counts entries, not questions: a word in every entry ("how",
        # "jak", "wie") says nothing about which entry is meant, whatever its language.
        self._idf = {f: math.log((entry_count + 1) / (df + 0.5)) for f, df in entry_df.items()}
        self._unknown_idf = math.log((entry_count + 1) / 0.5) * UNKNOWN_WORD_SHARE
        example_vectors: list[Vector] = []
        self._example_lang: list[str] = []
        self._example_text: list[str] = []
        entry_starts: list[int] = []
        centroids: list[Vector] = []
        for entry, examples in zip(faq.entries, examples_by_entry, strict=True):
            entry_starts.append(len(example_vectors))
            centroid: Vector = defaultdict(float)
            for lang, feats, ascii_text in examples:
                vector = self._vector(feats)
                example_vectors.append(vector)
                self._example_lang.append(lang)
                self._example_text.append(ascii_text)
                for k, v in vector.items():
                    centroid[k] += v / len(examples)
            if not examples:  # an entry with answers only still needs its slot
                example_vectors.append({})
                self._example_lang.append("")
                self._example_text.append("")
            for lang, answer in entry.answer.items():
                answer_features = set(self.featuriser.faq_text(answer, lang)[0])
                vector = self._vector(answer_features, known_only=True)
                for k, v in vector.items():
                    centroid[k] += ANSWER_WEIGHT * v / len(entry.answer)
            centroids.append(_normalise_vector(centroid))
        self._columns = {f: i for i, f in enumerate(sorted(self._idf))}
        self._examples = _Postings(example_vectors, self._columns)
        self._centroids = _Postings(centroids, self._columns)
        self._entry_starts = np.asarray(entry_starts, dtype=np.int64)
        self._entry_ends = np.append(self._entry_starts[1:], len(example_vectors))
        self._entry_index = {entry.id: index for index, entry in enumerate(faq.entries)}

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
        vector = self._vector(self.featuriser.features(norm.words, lang))
        query = [(self._columns[f], w) for f, w in vector.items() if f in self._columns]
        if not query:
            return []
        centroid_scores = self._centroids.scores(query)
        example_scores = self._examples.scores(query)
        best_example = np.maximum.reduceat(example_scores, self._entry_starts)
        blended = CENTROID_WEIGHT * centroid_scores + (1 - CENTROID_WEIGHT) * best_example
        count = min(FUZZY_SHORTLIST, len(blended))
        shortlist = np.argpartition(-blended, count - 1)[:count]
        candidates = []
        for entry_index in shortlist.tolist():
            if blended[entry_index] <= 0:
                continue
            start, end = int(self._entry_starts[entry_index]), int(self._entry_ends[entry_index])
            example_index = start + int(np.argmax(example_scores[start:end]))
            surface = fuzz.token_set_ratio(norm.ascii, self._example_text[example_index]) / 100.0
            score = 0.8 * blended[entry_index] + 0.2 * surface * blended[entry_index] ** 0.5
            candidates.append(
                Candidate(
                    entry_id=self.faq.entries[entry_index].id,
                    score=round(float(score), 4),
                    centroid_similarity=round(float(centroid_scores[entry_index]), 4),
                    example_similarity=round(float(best_example[entry_index]), 4),
                    surface_similarity=round(surface, 4),
                    example_lang=self._example_lang[example_index],
                )
            )
        candidates.sort(key=lambda c: c.score, reverse=True)
        if candidates:
            candidates[0] = self._with_surface_language(candidates[0], norm.ascii)
        return candidates[:limit]

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
