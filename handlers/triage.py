"""Triage: does this message need a person before any FAQ matching?

Rules live in ``handlers/triage_rules.yaml`` as regular expressions over the folded
text (lower case, no diacritics, script kept), grouped by escalation reason. A rule
fires on what a player *states or asks for* ("close my account"), and each reason may
carry ``unless`` guards for questions that merely mention the topic ("how do I set a
deposit limit?"). Rules of every language apply to every message: players mix them.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # Python's own regex parser, to index the rules
import re._parser as sre_parser
from dataclasses import dataclass
from pathlib import Path

from faq.normalise import Normalised
from faq.yaml_lines import LineDict, LineList, line_of, parse_yaml

DEFAULT_RULES = Path(__file__).with_name("triage_rules.yaml")

REASON_PRIORITY: tuple[str, ...] = (
    "gambling_harm",
    "minor",
    "legal_threat",
    "fraud",
    "documents",
    "account_dispute",
    "anger",
    "human_request",
    "spam",
    "off_topic",
)
"""When several reasons fire, the first here names the ticket: it decides who must see it."""

ANGRY_EMOJI = frozenset("🤬😡😠👎💩🖕")


@dataclass(frozen=True)
class TriageResult:
    reason: str
    evidence: str
    """What fired (a rule's source line or a signal), for the workbench and logs."""


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    source: str


@dataclass(frozen=True)
class _RuleGroup:
    """A reason's rules, indexed by how their matches must begin.

    Most rules start at a word with known letters (``\\b(police|cops)``): such a rule can
    only fire if the message has a word starting with those three letters, so a message
    is searched with the few rules its words allow plus the rules no index can describe,
    instead of all of them. (Joined into one alternation they were slower still: ``re``
    loses each pattern's literal fast path.)
    """

    rules: tuple[_Rule, ...]
    by_word_start: dict[str, tuple[int, ...]]
    unindexed: tuple[int, ...]

    @classmethod
    def of(cls, rules: tuple[_Rule, ...]) -> _RuleGroup:
        by_word_start: dict[str, list[int]] = {}
        unindexed = []
        for index, rule in enumerate(rules):
            starts = _word_starts_of(rule.pattern.pattern)
            if starts is None:
                unindexed.append(index)
                continue
            for start in starts:
                by_word_start.setdefault(start, []).append(index)
        return cls(rules, {k: tuple(v) for k, v in by_word_start.items()}, tuple(unindexed))

    def first_match(self, text: str, word_starts: frozenset[str]) -> _Rule | None:
        candidates = set(self.unindexed)
        for start in word_starts:
            candidates.update(self.by_word_start.get(start, ()))
        for index in sorted(candidates):  # file order: the first rule that fires is named
            if self.rules[index].pattern.search(text):
                return self.rules[index]
        return None


WORD_START = 3
_WORD = re.compile(r"\w+")


def word_starts(text: str) -> frozenset[str]:
    return frozenset(word[:WORD_START] for word in _WORD.findall(text))


def _word_starts_of(pattern: str) -> frozenset[str] | None:
    """The first three letters of the word every match of ``pattern`` begins with (one per
    alternative), read from Python's own parse of the regex; None when a match may begin
    mid-word or with something other than known letters."""
    try:
        items = list(sre_parser.parse(pattern))
    except (re.error, RecursionError):  # pragma: no cover - compiled fine just before
        return None
    return _starts(items, aligned=False)


def _starts(items: list[tuple[object, object]], *, aligned: bool) -> frozenset[str] | None:
    run = ""
    for op, argument in items:
        if op is sre_constants.AT and not run:
            aligned = aligned or argument in (
                sre_constants.AT_BOUNDARY,
                sre_constants.AT_BEGINNING,
            )
            continue
        if op is sre_constants.LITERAL:
            char = chr(argument)  # type: ignore[arg-type]
            if not run and char == " ":
                aligned = True  # the text is padded and single-spaced: a word starts here
                continue
            run += char
            if len(run) == WORD_START:
                break
            continue
        if not run and op is sre_constants.SUBPATTERN:
            inner = list(argument[3])  # type: ignore[index]
            if len(inner) == 1 and inner[0][0] is sre_constants.BRANCH:
                starts: set[str] = set()
                for branch in inner[0][1][1]:  # type: ignore[index]
                    found = _starts(list(branch), aligned=aligned)
                    if found is None:
                        return None
                    starts |= found
                return frozenset(starts)
            return _starts(inner, aligned=aligned)
        break
    if aligned and len(run) == WORD_START and _WORD.fullmatch(run):
        return frozenset({run})
    return None


@dataclass(frozen=True)
class TriageRules:
    patterns: dict[str, _RuleGroup]
    guards: dict[str, _RuleGroup]


class TriageRulesError(ValueError):
    pass


def load_triage_rules(path: Path = DEFAULT_RULES) -> TriageRules:
    document = parse_yaml(path.read_text(encoding="utf-8"))
    reasons = document.get("reasons") if isinstance(document, LineDict) else None
    if not isinstance(reasons, LineDict):
        raise TriageRulesError(f"{path}:1: expected 'reasons:' mapping")
    _refuse_duplicate_keys(path, reasons)
    patterns: dict[str, _RuleGroup] = {}
    guards: dict[str, _RuleGroup] = {}
    for reason, spec in reasons.items():
        if reason not in REASON_PRIORITY:
            raise TriageRulesError(
                f"{path}:{line_of(reasons, reason)}: unknown reason '{reason}' "
                f"(known: {', '.join(REASON_PRIORITY)})"
            )
        if not isinstance(spec, LineDict):
            raise TriageRulesError(f"{path}:{line_of(reasons, reason)}: '{reason}' needs patterns")
        _refuse_duplicate_keys(path, spec)
        patterns[reason] = _RuleGroup.of(_compile_group(path, spec, "patterns"))
        guards[reason] = _RuleGroup.of(_compile_group(path, spec, "unless"))
    return TriageRules(patterns, guards)


def _compile_group(path: Path, spec: LineDict, key: str) -> tuple[_Rule, ...]:
    group = spec.get(key)
    if group is None:
        return ()
    if not isinstance(group, LineDict):
        raise TriageRulesError(f"{path}:{line_of(spec, key)}: '{key}' maps languages to lists")
    _refuse_duplicate_keys(path, group)
    rules = []
    for lang, items in group.items():
        if not isinstance(items, LineList):
            raise TriageRulesError(f"{path}:{line_of(group, lang)}: '{lang}' needs a list")
        for index, source in enumerate(items):
            where = f"{path}:{line_of(items, index)}"
            try:
                rules.append(_Rule(re.compile(str(source)), where))
            except re.error as exc:
                raise TriageRulesError(f"{where}: bad pattern {source!r}: {exc}") from exc
    return tuple(rules)


def _refuse_duplicate_keys(path: Path, mapping: LineDict) -> None:
    """A repeated key would silently replace the rules above it."""
    for key, line in mapping.duplicate_keys:
        raise TriageRulesError(f"{path}:{line}: '{key}' appears twice; merge the two lists")


class Triage:
    def __init__(self, rules: TriageRules) -> None:
        self._rules = rules

    def check(self, norm: Normalised, *, has_attachment: bool = False) -> TriageResult | None:
        """The reason this message needs a person, or None to let the FAQ try."""
        if has_attachment:
            return TriageResult("documents", "attachment")
        text = f" {norm.folded} "
        starts = word_starts(text)
        fired: dict[str, str] = {}
        for reason in REASON_PRIORITY:
            group = self._rules.patterns.get(reason)
            rule = group.first_match(text, starts) if group else None
            if rule is None:
                continue
            guard = self._rules.guards.get(reason)
            if guard is not None and guard.first_match(text, starts) is not None:
                continue
            fired[reason] = rule.source
        if "anger" not in fired:
            signal = _shouting_signal(norm)
            if signal:
                fired["anger"] = signal
        for reason in REASON_PRIORITY:
            if reason in fired:
                return TriageResult(reason, fired[reason])
        return None


def _shouting_signal(norm: Normalised) -> str | None:
    angry_emoji = sum(1 for e in norm.emoji if e in ANGRY_EMOJI)
    if angry_emoji >= 2:
        return "angry emoji"
    if norm.upper_ratio >= 0.6 and norm.exclamations >= 2:
        return "shouting"
    if norm.exclamations >= 4 and (norm.upper_ratio >= 0.3 or angry_emoji):
        return "shouting"
    return None
