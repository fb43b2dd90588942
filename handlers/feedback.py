"""Reading the player's verdict on an FAQ answer ("did this help?")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faq.normalise import Normalised, ascii_key, fold
from faq.yaml_lines import LineDict, parse_yaml

DEFAULT_FEEDBACK_WORDS = Path(__file__).with_name("feedback_words.yaml")
YES_OPTION, NO_OPTION = 1, 2
MAX_VERDICT_WORDS = 8


@dataclass(frozen=True)
class FeedbackWords:
    yes: frozenset[str]
    no: frozenset[str]
    filler: frozenset[str]

    @classmethod
    def load(cls, path: Path = DEFAULT_FEEDBACK_WORDS) -> FeedbackWords:
        document = parse_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(document, LineDict) or not {"yes", "no", "filler"} <= set(document):
            raise ValueError(f"{path}:1: expected 'yes', 'no' and 'filler' word lists")

        def keys(kind: str) -> frozenset[str]:
            words = [w for by_lang in document[kind].values() for w in by_lang]
            if not all(isinstance(w, str) for w in words):
                # YAML reads a bare yes/no/on/off as a boolean: such words must be quoted.
                raise ValueError(f"{path}: quote every word in '{kind}' (found {words!r:.80})")
            return frozenset(k for k in (ascii_key(fold(w)) for w in words) if k)

        return cls(keys("yes"), keys("no"), keys("filler"))

    def verdict(self, norm: Normalised, picked_option: int | None) -> str | None:
        """``yes``, ``no``, or None when the message is something else (a new question)."""
        if picked_option == YES_OPTION:
            return "yes"
        if picked_option == NO_OPTION:
            return "no"
        keys = [k for k in (ascii_key(w) for w in norm.words) if k]
        if not keys or len(keys) > MAX_VERDICT_WORDS:
            return None
        if any(k not in self.yes and k not in self.no and k not in self.filler for k in keys):
            return None
        if any(k in self.no for k in keys):
            return "no"
        if any(k in self.yes for k in keys):
            return "yes"
        return None
