"""Each labelled set in ``bench/sets`` held out in turn, with a learned-words table that
never saw it: the shipped table has read every set, so only these figures are fair.
Shared by the benches that compare decision variants this way."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
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


def outcome(item: dict, decision: str, faq_id: str | None) -> str:
    """What ``score.py`` counts this decision as: a right or wrong answer, a clarify, an
    escalation kept or missed, or nothing it counts (a greeting answered as one). An
    escalation answered is "wrong"; ``Tally`` counts it among the missed escalations too."""
    if decision == "answer":
        if faq_id not in item["accept"]:
            return "wrong"
        return "right" if item["kind"] == "faq" else "other"
    if item["kind"] == "escalate":
        return "escalated" if decision == "escalate" else "missed"
    if decision == "clarify" and item["kind"] == "faq":
        return "clarify"
    return "other"


GROUPS = (*MAIN_LANGUAGES, "other")
"""The languages figures are given for; every other language counts as "other"."""


@dataclass
class Tally:
    """Outcomes counted message by message, overall and per language: ``score.py``'s
    figures summed over any number of sets and FAQs."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, lang: str, kind: str, result: str) -> None:
        """``result``: the message's ``outcome``."""
        for group in ("all", lang if lang in MAIN_LANGUAGES else "other"):
            self.counts[group][kind, result] += 1

    def add_decisions(self, items: list[dict], decided: list[dict]) -> None:
        """``decided``: ``decisions``' output for ``items``, in the same order."""
        for item, decision in zip(items, decided, strict=True):
            result = outcome(item, decision["decision"], decision["faq_id"])
            self.add(item["lang"], item["kind"], result)

    def figures(self, group: str = "all") -> Counter:
        """n, wrong, faq, right, clarify, escalate, missed (every escalation not escalated)."""
        counts = self.counts.get(group, Counter())
        figures: Counter = Counter()
        for (kind, result), count in counts.items():
            figures.update({"n": count, kind: count, result: count})
        figures["missed"] = figures["escalate"] - counts["escalate", "escalated"]
        return figures

    def rates(self, group: str = "all") -> tuple[float, float]:
        """Wrong answers per message, and right answers per FAQ question (coverage)."""
        f = self.figures(group)
        return f["wrong"] / max(f["n"], 1), f["right"] / max(f["faq"], 1)

    def line(self, group: str = "all") -> str:
        f, (wrong, coverage) = self.figures(group), self.rates(group)
        return (
            f"wrong {f['wrong']}/{f['n']} ({wrong:.4f}), "
            f"coverage {f['right']}/{f['faq']} ({coverage:.4f}), "
            f"clarify {f['clarify']}, missed {f['missed']}/{f['escalate']}"
        )

    def summary(self) -> str:
        """One line: the totals, then wrong / coverage per main language."""
        per_language = "  ".join(
            "{} {:.3f}/{:.3f}".format(lang, *self.rates(lang))
            for lang in MAIN_LANGUAGES
            if lang in self.counts
        )
        return f"{self.line()};  {per_language}"

    def report(self) -> str:
        """The totals, then a line per language group."""
        lines = [self.line()]
        for group in GROUPS:
            if group in self.counts:
                f = self.figures(group)
                lines.append(
                    f"  {group:5} wrong {f['wrong']:3}/{f['n']:5}  coverage "
                    f"{self.rates(group)[1]:.3f}  missed {f['missed']}"
                )
        return "\n".join(lines)
