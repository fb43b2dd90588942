"""Player words and word pairs the lexicon lacks, read as the concepts they go with.

Players write "proof", "ugh how long does the ID check take", "wanna take it out": words
a terse FAQ never uses, and pairs that mean more than their words. The matcher weighs an
unknown word as noise, so a long, chatty message scores low against every entry, and the
right entry, though ranked first, falls below the answer threshold. Across thousands of
labelled messages some words and adjacent word pairs reliably go with FAQ entries about
one topic ("proof" with documents and verification, "take out" with withdrawals). This
table, learned from labelled sets (``croupier faq learn``, by default ``bench/sets``), lets
them add those lexicon concepts at ``LEARNED_WEIGHT`` of their usual weight: a word only
when the FAQ being matched never uses it itself; a pair (an FAQ has none) in proportion to
how much of the message the FAQ does not know. A clear question ("how long does
verification take? and what is the minimum deposit?") is left as it reads: pairs such as
"what is" learned spurious concepts and, added at full weight, turned such questions into
clarify questions or wrong second answers.

It maps words to lexicon concepts, never to FAQ entries: a content editor's new entry
gains from it exactly as the shipped ones do, and a casino's own FAQ too. Leaving each of
the 21 sets in ``bench/sets`` out of learning in turn and matching it with the rest's
table (``bench/learned_words_loso.py``): coverage 0.770 -> 0.812, English 0.690 -> 0.763,
wrong answers 66 -> 49 of 5,886 messages (words alone: 0.792 and 59; pairs at full weight:
0.838 and 43, but see above). Many learned words are chatty ones ("ugh",
"wanna"); leaving out every stop word (the ``stop-words`` lists) kept more wrong answers
and half the coverage gained, so they stay.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from faq.labelled_sets import read_set_messages
from faq.loader import load_faq_dir
from faq.model import Faq, FaqEntry
from faq.normalise import ascii_key, normalise, words_of

if TYPE_CHECKING:  # the matcher reads this table: a runtime import would be circular
    from faq.matcher import Featuriser

DEFAULT_LEARNED_WORDS = Path(__file__).with_name("learned_words.json")
LEARNED_WEIGHT = 0.7
"""A learned concept weighs this share of the same concept named outright: the word only
goes with the topic, it does not name it (for words alone, 1.0 let more look-alike
entries through: 71 wrong answers against 56 when leaving each set out; 0.5 gained less
coverage)."""


class LearnedWordsError(ValueError):
    """The learned-words file cannot be read (named with its path)."""


@dataclass(frozen=True)
class LearningSettings:
    """Chosen by leaving each of the 21 sets out in turn: stricter thresholds (5 or 6
    messages, 85 %, lift 3) kept more wrong answers and gave back a third to half of the
    coverage gained."""

    min_messages: int = 3
    """A word (or pair) must occur in this many labelled messages."""
    min_share: float = 0.6
    """... and this share of them must have the concept in their entry, where the message
    did not name it itself."""
    min_lift: float = 2.0
    """... which must be this many times the share of all messages whose entry has it."""
    concepts_per_word: int = 3
    """The concepts most particular to the word (highest lift) are kept."""
    max_words: int = 30
    """Only messages of at most this many words teach: in a long one most words have nothing
    to do with its entry (a story, a greeting, an apology), and each would be counted as
    going with it. Leaving each of 62 sets out: wrong answers 111 -> 107 of 17,253, coverage
    +0.16 points; twelve unread sets 27 -> 23 of 3,315 (25 words: 24, 40 and 60: 27)."""


@dataclass(frozen=True)
class Example:
    """A labelled message: its features and word pairs, and the concepts its entry's
    questions name (none for a message that needed a person)."""

    text: str
    features: frozenset[str]
    entry_concepts: frozenset[str]


@dataclass(frozen=True)
class LearnedWords:
    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A word or pair feature ("w:proof", "p:take_out") -> the concept features it adds
    ("c:document", …)."""
    trained_on: dict[str, object] = field(default_factory=dict)

    def concepts_for(
        self, features: set[str], words: Sequence[str], known: Container[str]
    ) -> tuple[set[str], set[str]]:
        """(concepts the message's words unknown to this FAQ add, concepts its word pairs
        add besides), neither holding a concept the message names itself."""
        from_words: set[str] = set()
        for feature in features:
            learned = self.concepts.get(feature)
            if learned and feature not in known:
                from_words.update(learned)
        from_pairs: set[str] = set()
        for pair in pairs_of(words):
            from_pairs.update(self.concepts.get(pair, ()))
        from_words -= features
        return from_words, from_pairs - features - from_words

    @classmethod
    def load(cls, path: Path = DEFAULT_LEARNED_WORDS) -> LearnedWords:
        """Raises LearnedWordsError naming the file when it is missing or damaged."""
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            concepts = {
                str(word): tuple(map(str, learned)) for word, learned in stored["words"].items()
            }
            trained_on = dict(stored["trained_on"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LearnedWordsError(f"{path}: not a readable learned-words file ({exc})") from None
        return cls(concepts, trained_on)

    def save(self, path: Path) -> None:
        """Sorted, one word a line: learning twice from the same sets writes the same
        bytes, and a relearn's diff reads word by word."""
        words = ",\n".join(
            f"  {json.dumps(word, ensure_ascii=False)}: {json.dumps(list(concepts))}"
            for word, concepts in sorted(self.concepts.items())
        )
        trained_on = json.dumps(self.trained_on, sort_keys=True)
        path.write_text(
            f'{{\n "trained_on": {trained_on},\n "words": {{\n{words}\n }}\n}}\n',
            encoding="utf-8",
        )


def learn(examples: Sequence[Example], settings: LearningSettings | None = None) -> LearnedWords:
    settings = settings or LearningSettings()
    messages_with: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    entries_with: Counter[str] = Counter()
    teaching = [e for e in examples if len(e.text.split()) <= settings.max_words]
    for example in teaching:
        entries_with.update(example.entry_concepts)
        for word in example.features:
            if not word.startswith(("w:", "p:")):
                continue
            messages_with[word] += 1
            together.update(
                (word, concept)
                for concept in example.entry_concepts
                if concept not in example.features  # named outright, the word added nothing
            )
    ranked: dict[str, list[tuple[float, str]]] = {}
    for (word, concept), count in together.items():
        share = count / messages_with[word]
        lift = share * len(teaching) / entries_with[concept]
        if (
            messages_with[word] >= settings.min_messages
            and share >= settings.min_share
            and lift >= settings.min_lift
        ):
            ranked.setdefault(word, []).append((lift, concept))
    concepts = {
        word: tuple(
            sorted(c for _, c in sorted(found, reverse=True)[: settings.concepts_per_word])
        )
        for word, found in sorted(ranked.items())
    }
    trained_on = {
        "examples": len(examples),
        "fingerprint": fingerprint(examples),
        "settings": vars(settings),
    }
    return LearnedWords(concepts, trained_on)


def pairs_of(words: Sequence[str]) -> set[str]:
    """Adjacent word pairs as features ("p:take_out"), by transliterated key."""
    keys = [key for key in map(ascii_key, words) if key]
    return {f"p:{first}_{second}" for first, second in itertools.pairwise(keys)}


def fingerprint(examples: Iterable[Example]) -> str:
    """What the table was learned from, as features: an edit of a set, of a set's FAQ or
    of the lexicon (which decides what counts as a word) changes it."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(" ".join(sorted(example.features)).encode())
        digest.update(b"|")
        digest.update(" ".join(sorted(example.entry_concepts)).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def set_directories(paths: Iterable[Path]) -> list[Path]:
    """Each labelled set named: a directory holding ``questions.jsonl``, or a folder of them."""
    found = []
    for path in paths:
        if (path / "questions.jsonl").is_file():
            found.append(path)
        else:
            found.extend(sorted(q.parent for q in path.glob("*/questions.jsonl")))
    return found


def examples_from_sets(
    directories: Iterable[Path], featuriser: Featuriser, default_faq: Faq
) -> list[Example]:
    """The FAQ questions of labelled sets, each distinct text once, matched to the concepts
    of its entry in the set's own FAQ (``faq/`` beside it, else ``default_faq``), and the
    messages that needed a person, matched to none (leaving each set out, with pairs at full
    weight: 26 more answers, 2 fewer wrong and 2 more escalations than without them).

    Raises ValueError naming the file and line of a bad message or a broken FAQ."""
    seen: set[str] = set()
    examples = []
    for directory in directories:
        faq = _faq_of(directory, default_faq)
        entry_concepts = {entry.id: _concepts_of(entry, featuriser) for entry in faq.entries}
        for item in read_set_messages(directory / "questions.jsonl"):
            if item.text in seen or not (item.kind == "escalate" or item.gold in entry_concepts):
                continue
            seen.add(item.text)
            norm = normalise(item.text)
            words = norm.words
            stated = featuriser.features(words, item.lang, norm.sentence_starts)
            features = stated | pairs_of(words)
            # a message that needed a person has no entry: a pair typical of disputes
            # ("still not", "was rejected") must not come to mean a topic
            concepts = entry_concepts[item.gold] if item.kind == "faq" else frozenset()
            examples.append(Example(item.text, frozenset(features), concepts))
    return examples


def _faq_of(directory: Path, default_faq: Faq) -> Faq:
    if not (directory / "faq").is_dir():
        return default_faq
    result = load_faq_dir(directory / "faq")
    if result.faq is None:
        raise ValueError("\n".join(str(problem) for problem in result.errors))
    return result.faq


def _concepts_of(entry: FaqEntry, featuriser: Featuriser) -> frozenset[str]:
    concepts: set[str] = set()
    for lang, questions in entry.questions.items():
        for question in questions:
            concepts.update(
                f for f in featuriser.features(words_of(question), lang) if f.startswith("c:")
            )
    return frozenset(concepts)
