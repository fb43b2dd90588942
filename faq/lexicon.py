"""Domain vocabulary: player words across languages mapped to shared concepts.

``faq/lexicon.yaml`` says that ``wypłata``, ``вывод``, ``vyvod``, ``Auszahlung``,
``retrait`` and ``cashout`` are all the concept ``withdrawal``. It is applied to the
FAQ's questions and to player messages alike, so one Polish example question helps a
German player, and no rule is tied to a particular FAQ entry.

Term syntax (matched on transliterated word keys, so Cyrillic and Latin spellings meet):
``word`` exact word, ``stem*`` word prefix, ``two words`` consecutive words,
``/regex/`` a full-word regular expression, ``word@de`` an exact word only in a text of
that language (or of none detected): a false friend, such as the German "Land" (a country)
that an English player writes for money arriving ("when will it land?"), or the French
"pays" (a country) in "how fast it pays out".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz.distance import OSA

from faq.normalise import ascii_key, fold
from faq.yaml_lines import LineDict, LineList, line_of, parse_yaml

DEFAULT_LEXICON = Path(__file__).with_name("lexicon.yaml")
MIN_FUZZY_LEN = 5
MIN_FUZZY_PREFIX_LEN = 6
MIN_COMPOUND_TAIL = 4
COMMON_WORDS_FILE = "common_words.txt"
"""Beside the lexicon file: everyday words never read as typos (``faq.common_words``)."""
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


class PhraseHit(NamedTuple):
    index: int
    """The word's position in the text."""
    concept: str
    whole: bool
    """The phrase replaces the word's own concepts (``age limit!``)."""


NEGATION_CONCEPT = "negation"
"""The concept of the words ("not", "nie", "не", "nicht", "pas") that the lexicon's
``negated`` mapping looks behind."""

_ONE_WORD = re.compile(r"[^\s*/@]+")
"""A ``word@xx`` term's word: no space, prefix star, pattern slash or second @."""


@dataclass
class Lexicon:
    exact: dict[str, set[str]] = field(default_factory=dict)
    prefixes: dict[str, set[str]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    whole_phrases: set[tuple[str, ...]] = field(default_factory=set)
    """Phrases (``age limit!``) whose words mean something else alone: the phrase's concepts
    replace its words' own, where an ordinary phrase adds to those of its concept words."""
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    in_language: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """Word key -> language -> concepts: the ``word@xx`` terms, which one language's
    texts read as a concept and the others' as an ordinary word."""
    concepts: tuple[str, ...] = ()
    intents: frozenset[str] = frozenset()
    """Concepts that name what a question asks (how long, why) rather than what it is
    about: the matcher weighs them more (see ``faq.matcher.INTENT_BOOST``)."""
    topics: frozenset[str] = frozenset()
    """Concepts that name what a message is about (a deposit, verification, a bonus): an
    entry that never names one the message names is a worse fit for it (see
    ``faq.matcher.TOPIC_MISS_PENALTY``)."""
    problems: frozenset[str] = frozenset()
    """Concepts that report a problem (something missing) rather than ask about a feature:
    an entry whose questions never report one loses to a sibling whose questions do (see
    ``faq.matcher.PROBLEM_MISS_PENALTY``)."""
    courtesy: frozenset[str] = frozenset()
    """Concepts that are only courtesy (a letter's "Dear Sir or Madam", "Kind regards"):
    the matcher drops them, and the name signed after them (see ``faq.matcher.Featuriser``)."""
    units: frozenset[str] = frozenset()
    """Concepts that state a quantity right after a number ("17 euro") instead of naming
    what a message is about (see ``faq.matcher.Featuriser``)."""
    negated: dict[str, str] = field(default_factory=dict)
    """Concept -> what it means right after a ``NEGATION_CONCEPT`` word: an arrival denied
    ("didn't receive") is something missing (see ``faq.matcher.Featuriser``)."""
    plain_words: frozenset[str] = frozenset()
    """Words never read as a typo of a term (``stuff`` is not ``staff``): the lexicon's own
    list and the everyday words of ``faq.common_words``."""
    _phrases_by_first: dict[str, list[tuple[tuple[str, ...], frozenset[str], bool]]] = field(
        default_factory=dict
    )
    _typo_candidates: dict[tuple[str, int], list[tuple[str, bool]]] = field(default_factory=dict)
    _typo_prefixes: dict[tuple[str, int], list[tuple[str, bool]]] = field(default_factory=dict)
    """Prefix terms alone, which a longer word is compared with by its opening letters."""
    _phrase_openings: frozenset[tuple[str, ...]] = frozenset()
    """The first two words of every phrase (a phrase has two words at least)."""

    def build_indexes(self) -> None:
        """Index phrases by first word and typo candidates by (first letter, length), so a
        message costs hashed lookups, not a scan of the whole lexicon."""
        for phrase, concepts in self.phrases.items():
            entry = (phrase, frozenset(concepts), phrase in self.whole_phrases)
            self._phrases_by_first.setdefault(phrase[0], []).append(entry)
        self._phrase_openings = frozenset(phrase[:2] for phrase in self.phrases)
        for key in self.exact:
            if len(key) >= MIN_FUZZY_LEN:
                for length in (len(key) - 1, len(key), len(key) + 1):
                    self._typo_candidates.setdefault((key[0], length), []).append((key, False))
        for key in self.prefixes:
            if len(key) >= MIN_FUZZY_PREFIX_LEN:
                self._typo_candidates.setdefault((key[0], len(key)), []).append((key, True))
                self._typo_prefixes.setdefault((key[0], len(key)), []).append((key, True))
        self._concepts_of_word = lru_cache(maxsize=131072)(self._concepts_of_word_uncached)

    def concepts_of_word(self, key: str, lang: str | None = None) -> frozenset[str]:
        """Concepts of one transliterated word in a text of ``lang`` (None: not known, so
        every language's ``word@xx`` terms count)."""
        found = self._concepts_of_word(key)
        by_language = self.in_language.get(key)
        if by_language is None:
            return found
        if lang is None:
            return found.union(*by_language.values())
        return found | by_language.get(lang, frozenset())

    def _concepts_of_word_uncached(self, key: str) -> frozenset[str]:
        """Concepts of one transliterated word: exact, then prefix, then one typo away."""
        if not key:
            return frozenset()
        found = self._known_concepts(key)
        if found or len(key) < MIN_FUZZY_LEN or key in self.plain_words:
            return found
        if key in self.in_language:
            return found  # a term of another language is that word, not a typo of a term
        return self._nearest_typo(key)

    def typo_of(self, key: str) -> frozenset[str]:
        """Concepts ``key`` would get only as a typo of a term (none when it is a term)."""
        if not key or self._known_concepts(key):
            return frozenset()
        return self._nearest_typo(key)

    def _known_concepts(self, key: str) -> frozenset[str]:
        """Concepts of ``key`` as a term: exact, under a prefix (with a compound's tail), or
        matching a pattern."""
        found, end = self._whole_term_concepts(key, shortest_prefix=3)
        if end is not None:
            found |= self._compound_tail(key[end:])
        for pattern, concept in self.patterns:
            if pattern.fullmatch(key):
                found.add(concept)
        return frozenset(found)

    def _compound_tail(self, rest: str) -> frozenset[str]:
        """Concepts of a known word inside what follows a known stem: German joins nouns
        ("Auszahlungsgebühren" is a withdrawal and a fee; the suffix and linking "s" in
        between are skipped). Only whole terms of four letters or more count (no typos),
        so an ordinary inflection never reads as a second word."""
        for start in range(len(rest) - MIN_COMPOUND_TAIL + 1):
            found, _ = self._whole_term_concepts(rest[start:], shortest_prefix=MIN_COMPOUND_TAIL)
            if found:
                return frozenset(found)
        return frozenset()

    def _whole_term_concepts(self, key: str, shortest_prefix: int) -> tuple[set[str], int | None]:
        """Concepts of ``key`` as an exact term and under its longest prefix term (of
        ``shortest_prefix`` letters or more), and where that prefix ends (None: none)."""
        found = set(self.exact.get(key, ()))
        for end in range(len(key), shortest_prefix - 1, -1):
            hit = self.prefixes.get(key[:end])
            if hit:
                return found | hit, end
        return found, None

    def _nearest_typo(self, key: str) -> frozenset[str]:
        """The single closest term one edit away (a swap of two letters counts as one).

        One edit, one winner: looser matching turned ordinary words ("dlaczego",
        "werden") into domain concepts and did more harm than the typos it caught.
        """
        best: tuple[int, str, bool] | None = None
        candidates = list(self._typo_candidates.get((key[0], len(key)), ()))
        for length in range(MIN_FUZZY_PREFIX_LEN, len(key)):
            candidates += self._typo_prefixes.get((key[0], length), ())
        for term, is_prefix in candidates:
            compared = key[: len(term)] if is_prefix else key
            distance = OSA.distance(term, compared, score_cutoff=1)
            if distance <= 1 and (best is None or (distance, term) < best[:2]):
                best = (distance, term, is_prefix)
        if best is None:
            return frozenset()
        _, term, is_prefix = best
        return frozenset(self.prefixes[term] if is_prefix else self.exact[term])

    def phrase_concepts(self, keys: tuple[str, ...]) -> list[PhraseHit]:
        """A hit for every word of the lexicon phrases in ``keys`` and each concept of its
        phrase: the phrase explains each of its words, so none of them adds its own stem as
        well (nor, in a whole phrase, its own concepts)."""
        hits: list[PhraseHit] = []
        if self._phrase_openings.isdisjoint(itertools.pairwise(keys)):
            return hits  # most texts: set operations in C instead of a lookup per word
        for index, key in enumerate(keys):
            for phrase, concepts, whole in self._phrases_by_first.get(key, ()):
                if keys[index : index + len(phrase)] == phrase:
                    covered = range(index, index + len(phrase))
                    hits.extend(PhraseHit(i, c, whole) for i in covered for c in concepts)
        return hits


class LexiconError(ValueError):
    pass


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Lexicon:
    """Read the lexicon; raise LexiconError naming ``path:line`` on bad content."""
    document = parse_yaml(path.read_text(encoding="utf-8"))
    concepts = document.get("concepts") if isinstance(document, LineDict) else None
    if not isinstance(concepts, LineDict):
        raise LexiconError(f"{path}:1: expected 'concepts:' mapping concept names to terms")
    lexicon = Lexicon(concepts=tuple(concepts))
    for concept, terms in concepts.items():
        if not isinstance(terms, LineList):
            raise LexiconError(f"{path}:{line_of(concepts, concept)}: '{concept}' needs a list")
        for index, term in enumerate(terms):
            where = f"{path}:{line_of(terms, index)}"
            _add_term(lexicon, str(concept), _word(term, str(concept), where), where)
    lexicon.intents = _concept_list(document, "intents", concepts, path)
    lexicon.topics = _concept_list(document, "topics", concepts, path)
    lexicon.problems = _concept_list(document, "problems", concepts, path)
    lexicon.units = _concept_list(document, "units", concepts, path)
    lexicon.courtesy = _concept_list(document, "courtesy", concepts, path)
    lexicon.negated = _negated(document, concepts, path)
    lexicon.plain_words = _plain_words(document, path) | load_common_words(
        path.with_name(COMMON_WORDS_FILE)
    )
    lexicon.build_indexes()
    return lexicon


def load_common_words(path: Path) -> frozenset[str]:
    """The everyday words ``faq.common_words`` derives (none when the file is missing)."""
    if not path.exists():
        return frozenset()
    return frozenset(path.read_text(encoding="utf-8").split())


def save_common_words(words: list[str], path: Path) -> None:
    """One word per line: a rewrite's diff reads word by word."""
    path.write_text("".join(f"{word}\n" for word in words), encoding="utf-8")


def _concept_list(document: LineDict, key: str, concepts: LineDict, path: Path) -> frozenset[str]:
    """A top-level list of concept names (``intents``, ``topics``, ``problems``, ``units``,
    ``courtesy``), each checked to exist."""
    names = document.get(key, LineList())
    if not isinstance(names, LineList):
        raise LexiconError(f"{path}:{line_of(document, key)}: '{key}' needs a list")
    for index, name in enumerate(names):
        if str(name) not in concepts:
            where = f"{path}:{line_of(names, index)}"
            raise LexiconError(f"{where}: '{name}' in {key} is not a concept")
    return frozenset(str(name) for name in names)


def _negated(document: LineDict, concepts: LineDict, path: Path) -> dict[str, str]:
    negated = document.get("negated", LineDict())
    if not isinstance(negated, LineDict):
        raise LexiconError(f"{path}:{line_of(document, 'negated')}: 'negated' needs a mapping")
    if negated and NEGATION_CONCEPT not in concepts:
        where = f"{path}:{line_of(document, 'negated')}"
        raise LexiconError(f"{where}: 'negated' needs a '{NEGATION_CONCEPT}' concept")
    for said, meant in negated.items():
        if str(said) not in concepts or str(meant) not in concepts:
            where = f"{path}:{line_of(negated, said)}"
            raise LexiconError(f"{where}: '{said}: {meant}' in negated must name two concepts")
    return {str(said): str(meant) for said, meant in negated.items()}


def _plain_words(document: LineDict, path: Path) -> frozenset[str]:
    words = document.get("plain_words", LineList())
    if not isinstance(words, LineList):
        raise LexiconError(
            f"{path}:{line_of(document, 'plain_words')}: 'plain_words' needs a list"
        )
    return frozenset(
        ascii_key(fold(_word(word, "plain_words", f"{path}:{line_of(words, index)}")))
        for index, word in enumerate(words)
    )


def _word(value: object, listed_in: str, where: str) -> str:
    """A list item as the word it was written as. YAML reads a bare no, yes, on or off as
    true/false, and the word is lost ("no" had silently left the negations)."""
    if isinstance(value, bool):
        raise LexiconError(f"{where}: '{listed_in}' has a yes/no value; quote the word")
    return str(value).strip()


def _add_term(lexicon: Lexicon, concept: str, term: str, where: str) -> None:
    if len(term) > 2 and term.startswith("/") and term.endswith("/"):
        try:
            lexicon.patterns.append((re.compile(term[1:-1]), concept))
        except re.error as exc:
            raise LexiconError(f"{where}: bad pattern {term}: {exc}") from exc
        return
    if "@" in term:
        _add_language_term(lexicon, concept, term, where)
        return
    whole = term.endswith("!")
    term = term.removesuffix("!")
    is_prefix = term.endswith("*")
    words = [ascii_key(w) for w in fold(term.rstrip("*")).split()]
    words = [w for w in words if w]
    if not words:
        raise LexiconError(f"{where}: empty term for '{concept}'")
    if whole and (len(words) < 2 or is_prefix):
        raise LexiconError(f"{where}: '{term}!' - only a phrase of whole words can end in '!'")
    if len(words) > 1:
        lexicon.phrases.setdefault(tuple(words), set()).add(concept)
        if whole:
            lexicon.whole_phrases.add(tuple(words))
    elif is_prefix:
        if len(words[0]) < 3:
            raise LexiconError(f"{where}: prefix '{term}' is too short (3 letters at least)")
        lexicon.prefixes.setdefault(words[0], set()).add(concept)
    else:
        lexicon.exact.setdefault(words[0], set()).add(concept)


def _add_language_term(lexicon: Lexicon, concept: str, term: str, where: str) -> None:
    """``word@xx``: one exact word, a concept only in texts of language ``xx``."""
    word, _, lang = term.partition("@")
    if not _LANGUAGE_CODE.fullmatch(lang) or not _ONE_WORD.fullmatch(word):
        raise LexiconError(
            f"{where}: '{term}' must be one word and a two-letter language code, as 'land@de'"
        )
    lexicon.in_language.setdefault(ascii_key(fold(word)), {}).setdefault(lang, set()).add(concept)
