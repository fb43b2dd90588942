"""A learned second opinion on "does this message need a person?".

Triage rules catch the phrasings they were written for. A player who words a dispute, a
plea or a threat in a way no rule foresaw ("five weeks and the money is still not
there, I'm done being patient") reads like an ordinary question and would get an FAQ
answer. Scored on message sets no rule was ever written from, the rules reached 92-97 %
of the messages that needed a person; the misses are what this model is for.

It is a logistic regression over hashed features that hold in every language without a
hand-made table: Snowball stems, character 3-5-grams of the transliterated words (they
survive typos, inflection and the Cyrillic/Latin split), word pairs, and a few shapes
(an amount, a long reference number, shouting). It is trained on labelled messages
(``croupier triage train``, by default ``bench/sets``) and only ever turns an answer into
an escalation, never the reverse: its mistakes cost a moderator's minute, not a player's
trust. It knows nothing of the FAQ or the lexicon, so content edits never stale it.

A second, smaller head names the likely reason (self-exclusion, a minor, a dispute…), so
a plea the rules missed still gets the harm or minor holding reply and a moderator sees
what it is about. It learns from the triage rules' own reasons on the labelled messages
they catch, and carries that judgement over to wordings they do not.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer

from faq.labelled_sets import read_set_messages
from faq.matcher import STEMMER_NAMES, snowball
from faq.normalise import Normalised, ascii_key, normalise
from handlers.triage import Triage

DEFAULT_MODEL = Path(__file__).with_name("escalation_model.npz")
DEFAULT_TRAINING_SETS = Path(__file__).parents[1] / "bench" / "sets"
"""Where a source checkout keeps its labelled sets (``croupier triage train``'s default)."""
FEATURE_BITS = 18
"""2**18 hashed features: collisions cost nothing measurable next to 2**20 (left-out-set
recall 0.878 vs 0.876 at the same false-alarm rate) and the model is 4x smaller."""
_DIMENSION = 1 << FEATURE_BITS
REASON_BITS = 14
"""The reason head folds the same features into 2**14 buckets: ten reasons over 2,000
messages need far fewer weights than the yes/no question over 5,400."""
_REASON_DIMENSION = 1 << REASON_BITS
_NGRAM_SIZES = (3, 4, 5)
_WORD_MARGIN_CACHE_SIZE = 200_000
_AMOUNT = re.compile(
    r"(?i)\d[\d.,]*\s*(?:€|eur\w*|z[lł]\w*|pln|usd|\$|£|gbp|rub\w*|руб\w*|₽|k)(?!\w)"
    r"|[€$£]\s*\d"
)
_DIGIT = re.compile(r"\d")
_REFERENCE = re.compile(r"\d{5,}|\b[A-Z]{2,}-?\d{3,}")


class ModelFileError(ValueError):
    """The escalation model file cannot be read (named with its path)."""


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    lang: str | None
    needs_person: bool
    reason: str | None = None
    """Why it needs a person, where known (the triage rule that catches it)."""


@dataclass(frozen=True)
class TrainingSettings:
    l2: float = 1e-4
    """Chosen by leaving each of 15 sets out in turn: 1e-3 and 1e-5 caught fewer of the
    left-out set's escalations at the same false-alarm rate."""
    epochs: int = 300
    learning_rate: float = 0.05


def _stemmer(lang: str | None, word: str) -> Stemmer.Stemmer | None:
    name = "russian" if "\u0400" <= word[0] <= "\u04ff" else STEMMER_NAMES.get(lang or "")
    return snowball(name) if name else None


def _hash(feature: str) -> int:
    """crc32, not ``hash()``: Python salts string hashes per process."""
    return zlib.crc32(feature.encode()) & (_DIMENSION - 1)


@lru_cache(maxsize=65536)
def _word_features(word: str, lang: str | None) -> tuple[int, ...]:
    """A word's stem and character n-grams: they depend on nothing around it, and players
    reuse the same few thousand words, so each is worked out once."""
    key = ascii_key(word)
    if not key:
        return ()
    stemmer = _stemmer(lang, word)
    stem = ascii_key(stemmer.stemWord(word)) if stemmer else key
    features = {"w:" + stem}
    marked = f"<{key}>"
    for size in _NGRAM_SIZES:
        features.update(f"{size}:{marked[i : i + size]}" for i in range(len(marked) - size + 1))
    return tuple(sorted({_hash(f) for f in features}))


@lru_cache(maxsize=65536)
def _pair_feature(first: str, second: str) -> int:
    return _hash(f"b:{first}_{second}")


def _shape_features(norm: Normalised, word_count: int) -> list[str]:
    shapes = [f"len:{min(word_count // 5, 8)}", f"excl:{min(norm.exclamations, 3)}", "bias"]
    if _DIGIT.search(norm.text):  # amounts and references have digits: most texts stop here
        shapes.append("digit")
        if _AMOUNT.search(norm.text):
            shapes.append("amount")
        if _REFERENCE.search(norm.text):
            shapes.append("reference")
    if norm.upper_ratio > 0.5:
        shapes.append("shouting")
    if "?" in norm.text:
        shapes.append("question_mark")
    if norm.urls:
        shapes.append("url")
    if norm.mentions:
        shapes.append("mention")
    return shapes


def _context_ids(norm: Normalised) -> list[int]:
    """Word pairs and shapes: what no single word says."""
    keys = [k for k in map(ascii_key, norm.words) if k]
    ids = list(itertools.starmap(_pair_feature, itertools.pairwise(keys)))
    ids.extend(_hash("s:" + shape) for shape in _shape_features(norm, len(keys)))
    return ids


def feature_ids(norm: Normalised, lang: str | None) -> np.ndarray:
    """The message's hashed features, a word's as often as the word occurs: a bag, so a
    message's margin is the sum of its words' margins (cached per word) plus its context."""
    ids = [i for word in norm.words for i in _word_features(word, lang)]
    ids.extend(_context_ids(norm))
    return np.array(ids, dtype=np.int64)


def fingerprint(messages: Sequence[LabelledMessage]) -> str:
    """What a model was trained on, so a test can tell it was not retrained after the
    labelled sets changed."""
    lines = sorted(f"{int(m.needs_person)}\t{m.lang}\t{m.text}" for m in messages)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True)
class EscalationModel:
    weights: np.ndarray
    """One float32 weight per hashed feature (2**FEATURE_BITS)."""
    trained_on: dict[str, object]
    """Message counts and the training data's fingerprint."""
    reasons: tuple[str, ...] = ()
    reason_weights: np.ndarray | None = None
    """One row of 2**REASON_BITS float32 weights per reason."""
    _word_margins: dict[tuple[str, str | None], float] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Each word's summed weights: the hot path adds a few floats per message."""

    def probability(self, norm: Normalised, lang: str | None) -> float:
        """How likely this message needs a person, 0..1."""
        if len(self._word_margins) >= _WORD_MARGIN_CACHE_SIZE:
            self._word_margins.clear()
        margin = sum(self._word_margin(word, lang) for word in norm.words)
        margin += float(self.weights[_context_ids(norm)].sum())
        return 1.0 / (1.0 + math.exp(-margin)) if margin > -30 else 0.0

    def _word_margin(self, word: str, lang: str | None) -> float:
        """A word's summed weights, worked out once per word and language."""
        margin = self._word_margins.get((word, lang))
        if margin is None:
            margin = float(self.weights[list(_word_features(word, lang))].sum())
            self._word_margins[(word, lang)] = margin
        return margin

    def likely_reason(self, norm: Normalised, lang: str | None) -> tuple[str, float] | None:
        """The most likely escalation reason and its probability, if the model has a head."""
        if self.reason_weights is None or not self.reasons:
            return None
        ids = feature_ids(norm, lang) & (_REASON_DIMENSION - 1)
        margins = self.reason_weights[:, ids].sum(axis=1, dtype=np.float64)
        chances = np.exp(margins - margins.max())
        best = int(np.argmax(chances))
        return self.reasons[best], float(chances[best] / chances.sum())

    def telling_words(self, norm: Normalised, lang: str | None, count: int = 3) -> list[str]:
        """The words that pushed hardest towards a person, for the moderator's evidence."""
        pushes = {w: self._word_margin(w, lang) for w in norm.words}
        ranked = sorted((p, w) for w, p in pushes.items() if p > 0)
        return [w for _, w in reversed(ranked[-count:])]

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> EscalationModel:
        """Raises ModelFileError naming the file when it is missing, damaged or from
        another version of the features."""
        try:
            with np.load(path) as stored:
                weights = np.zeros(_DIMENSION, dtype=np.float32)
                weights[stored["ids"]] = stored["weights"]
                trained_on = json.loads(str(stored["trained_on"]))
                reasons = tuple(trained_on.get("reasons", ()))
                reason_weights = None
                if reasons:
                    flat = np.zeros(len(reasons) * _REASON_DIMENSION, dtype=np.float32)
                    flat[stored["reason_ids"]] = stored["reason_weights"]
                    reason_weights = flat.reshape(len(reasons), _REASON_DIMENSION)
        except (OSError, KeyError, IndexError, ValueError, zipfile.BadZipFile) as exc:
            raise ModelFileError(f"{path}: not a readable escalation model ({exc})") from None
        if trained_on.get("feature_bits") != FEATURE_BITS:
            raise ModelFileError(f"{path}: trained with other features; run croupier triage train")
        return cls(weights, trained_on, reasons, reason_weights)

    def save(self, path: Path) -> None:
        ids = np.flatnonzero(self.weights).astype(np.uint32)
        flat_reasons = (
            self.reason_weights.ravel()
            if self.reason_weights is not None
            else np.zeros(0, dtype=np.float32)
        )
        reason_ids = np.flatnonzero(flat_reasons).astype(np.uint32)
        with path.open("wb") as out:
            np.savez_compressed(
                out,
                ids=ids,
                weights=self.weights[ids],
                reason_ids=reason_ids,
                reason_weights=flat_reasons[reason_ids],
                trained_on=np.array(json.dumps(self.trained_on, sort_keys=True)),
            )


def _adam(
    gradient_of: Callable[[np.ndarray], np.ndarray],
    shape: tuple[int, ...],
    settings: TrainingSettings,
) -> np.ndarray:
    """Full-batch Adam from zero weights: deterministic (same data, same model)."""
    weights = np.zeros(shape)
    first_moment = np.zeros(shape)
    second_moment = np.zeros(shape)
    for step in range(1, settings.epochs + 1):
        gradient = gradient_of(weights) + settings.l2 * weights
        first_moment = 0.9 * first_moment + 0.1 * gradient
        second_moment = 0.999 * second_moment + 0.001 * gradient * gradient
        weights -= (
            settings.learning_rate
            * (first_moment / (1 - 0.9**step))
            / (np.sqrt(second_moment / (1 - 0.999**step)) + 1e-8)
        )
    return weights


def train(
    messages: Sequence[LabelledMessage], settings: TrainingSettings | None = None
) -> EscalationModel:
    """Fit both heads on the L2-regularised log loss: a few seconds for thousands of
    messages."""
    settings = settings or TrainingSettings()
    rows = [feature_ids(normalise(m.text), m.lang) for m in messages]
    columns, starts, row_of_column = _stacked(rows)
    labels = np.array([m.needs_person for m in messages], dtype=np.float64)

    def log_loss_gradient(weights: np.ndarray) -> np.ndarray:
        margins = np.add.reduceat(weights[columns], starts)
        residuals = (1.0 / (1.0 + np.exp(-margins)) - labels) / len(labels)
        return np.bincount(columns, residuals[row_of_column], _DIMENSION)

    weights = _adam(log_loss_gradient, (_DIMENSION,), settings)
    reasons, reason_weights = _train_reasons(messages, rows, settings)
    trained_on = {
        "messages": len(messages),
        "needs_person": int(labels.sum()),
        "fingerprint": fingerprint(messages),
        "feature_bits": FEATURE_BITS,
        "l2": settings.l2,
        "epochs": settings.epochs,
        "reasons": list(reasons),
    }
    return EscalationModel(weights.astype(np.float32), trained_on, reasons, reason_weights)


def _stacked(rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(every row's feature ids end to end, where each row starts, the row of each id)."""
    lengths = np.array([len(r) for r in rows])
    columns = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return columns, starts, np.repeat(np.arange(len(rows)), lengths)


def _train_reasons(
    messages: Sequence[LabelledMessage], rows: Sequence[np.ndarray], settings: TrainingSettings
) -> tuple[tuple[str, ...], np.ndarray | None]:
    """Softmax regression over the messages that carry a reason."""
    reasoned = [(m.reason, r) for m, r in zip(messages, rows, strict=True) if m.reason]
    reasons = tuple(sorted({str(reason) for reason, _ in reasoned}))
    if len(reasons) < 2:
        return (), None
    columns, starts, row_of_column = _stacked([r & (_REASON_DIMENSION - 1) for _, r in reasoned])
    targets = np.zeros((len(reasons), len(reasoned)))
    targets[[reasons.index(str(reason)) for reason, _ in reasoned], np.arange(len(reasoned))] = 1

    def softmax_gradient(weights: np.ndarray) -> np.ndarray:
        margins = np.add.reduceat(weights[:, columns], starts, axis=1)
        chances = np.exp(margins - margins.max(axis=0))
        chances /= chances.sum(axis=0)
        residuals = (chances - targets) / len(reasoned)
        return np.stack(
            [np.bincount(columns, row[row_of_column], _REASON_DIMENSION) for row in residuals]
        )

    weights = _adam(softmax_gradient, (len(reasons), _REASON_DIMENSION), settings)
    return reasons, weights.astype(np.float32)


def question_files(paths: Iterable[Path]) -> list[Path]:
    """The question files named: a file itself, or each ``*/questions.jsonl`` in a folder of
    sets. The stale-model test reads exactly what ``croupier triage train`` reads."""
    return [
        file
        for path in paths
        for file in ([path] if path.is_file() else sorted(path.glob("*/questions.jsonl")))
    ]


def labelled_messages(question_files: Iterable[Path]) -> list[LabelledMessage]:
    """Messages from question sets in the shared format (``kind`` escalate / faq /
    greeting); each distinct text once, in file order."""
    seen: set[str] = set()
    messages = []
    for path in question_files:
        for item in read_set_messages(path):
            if item.text not in seen:
                seen.add(item.text)
                messages.append(LabelledMessage(item.text, item.lang, item.kind == "escalate"))
    return messages


def with_rule_reasons(
    messages: Sequence[LabelledMessage], triage: Triage
) -> list[LabelledMessage]:
    """Each message needing a person, with the reason the triage rules give it (if any):
    the reason head learns the rules' judgement and applies it to wordings they miss."""
    labelled = []
    for message in messages:
        result = triage.check(normalise(message.text)) if message.needs_person else None
        labelled.append(replace(message, reason=result.reason) if result else message)
    return labelled
