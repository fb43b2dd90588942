"""Each labelled set in ``bench/sets`` held out in turn, with a learned-words table that
never saw it: the shipped table has read every set, so only these figures are fair.
Shared by the benches that compare decision variants this way."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from quality import MAIN_LANGUAGES

from croupier.config import DEFAULT_FAQ_DIR
from faq.learned_words import LearnedWords, examples_from_sets, learn, set_directories
from faq.lexicon import Lexicon
from faq.loader import load_faq_dir
from faq.matcher import Featuriser
from faq.model import Faq
from handlers.decide import Decider
from handlers.escalation_model import DEFAULT_TRAINING_SETS


@dataclass(frozen=True)
class HeldOut:
    name: str
    faq: Faq
    items: list[dict]
    learned: LearnedWords
    """Learned from the other sets, without any text of this one."""


def held_out_sets(lexicon: Lexicon) -> Iterator[HeldOut]:
    directories = set_directories([DEFAULT_TRAINING_SETS])
    for held_out in directories:
        yield held_out_set(held_out, directories, lexicon)


def held_out_set(held_out: Path, directories: list[Path], lexicon: Lexicon) -> HeldOut:
    """``held_out``'s messages and FAQ, with words learned from the other ``directories``."""
    plain = Featuriser(lexicon)
    default_faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert default_faq is not None
    items = items_of(held_out)
    texts = {item["text"] for item in items}
    others = [d for d in directories if d != held_out]
    examples = [e for e in examples_from_sets(others, plain, default_faq) if e.text not in texts]
    return HeldOut(held_out.name, faq_of(held_out), items, learn(examples))


def items_of(directory: Path) -> list[dict]:
    """A set's labelled messages, as ``score.py`` reads them."""
    path = directory / "questions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def faq_of(directory: Path) -> Faq:
    """A set's own FAQ (``faq/`` beside its messages), else the shipped one."""
    faq_dir = directory / "faq" if (directory / "faq").is_dir() else DEFAULT_FAQ_DIR
    faq = load_faq_dir(faq_dir).faq
    assert faq is not None, faq_dir
    return faq


def decisions(decider: Decider, items: list[dict]) -> list[dict]:
    """``faq batch``'s fields that ``score.py`` reads."""
    decided = [(item["id"], decider.decide(item["text"])) for item in items]
    return [{"id": i, "decision": d.kind.value, "faq_id": d.faq_id} for i, d in decided]


@dataclass
class Tally:
    """Wrong answers and coverage summed over sets, overall and per main language."""

    total: Counter = field(default_factory=Counter)
    languages: dict[str, Counter] = field(
        default_factory=lambda: {lang: Counter() for lang in MAIN_LANGUAGES}
    )

    def add(self, items: list[dict], result: dict) -> None:
        """``result``: ``score.py``'s figures for ``items``."""
        self._add(self.total, len(items), sum(i["kind"] == "faq" for i in items), result)
        for lang, counter in self.languages.items():
            figures = result["per_lang"].get(lang)
            if figures:
                lang_items = [i for i in items if i["lang"] == lang]
                lang_faq = sum(i["kind"] == "faq" for i in lang_items)
                self._add(counter, len(lang_items), lang_faq, figures)

    @staticmethod
    def _add(counter: Counter, n: int, faq: int, figures: dict) -> None:
        counter.update(
            n=n,
            wrong=round(figures["wrong"] * n),
            faq=faq,
            covered=round(figures["coverage"] * faq),
        )

    def summary(self) -> str:
        total = self.total
        per_language = "  ".join(
            f"{lang} {c['wrong'] / c['n']:.3f}/{c['covered'] / c['faq']:.3f}"
            for lang, c in self.languages.items()
        )
        return (
            f"wrong {total['wrong']}/{total['n']} ({total['wrong'] / total['n']:.4f}), "
            f"coverage {total['covered']}/{total['faq']} ({total['covered'] / total['faq']:.4f});"
            f"  {per_language}"
        )
