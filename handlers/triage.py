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
from dataclasses import dataclass, field
from pathlib import Path

from faq.normalise import Normalised, without_diacritics
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
    """A reason's rules, indexed by the words their matches must contain.

    Nearly every rule needs some word with known opening letters (``\\b(police|cops)``,
    ``\\bmy (\\w+ )?addiction``, or inside a lookahead, ``^(?=.*\\b(payout|withdrawal))``):
    it can only fire if the message has a word opening with one of them, so a message is
    searched with the few rules its words allow plus the rules no index can describe,
    instead of all of them. (Joined into one alternation they were slower still: ``re``
    loses each pattern's literal fast path.) Reading lookaheads took the rules searched on
    every message from 37 to 16 (session 21).
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
        for start in word_starts & self.by_word_start.keys():
            candidates.update(self.by_word_start[start])
        for index in sorted(candidates):  # file order: the first rule that fires is named
            if self.rules[index].pattern.search(text):
                return self.rules[index]
        return None


WORD_START = 3
_WORD = re.compile(r"\w+")


def word_starts(text: str) -> frozenset[str]:
    return frozenset(word[:WORD_START] for word in _WORD.findall(text))


def _word_starts_of(pattern: str) -> frozenset[str] | None:
    """Word openings (three letters) one of which every match of ``pattern`` contains, read
    from Python's own parse of the regex; None when no such set can be proven.

    The openings need not begin the match: ``\\bi (can.?t|cannot) stop (gambling|playing)``
    needs a word starting ``sto``. Of the sets a pattern proves, the smallest is used."""
    try:
        items = list(sre_parser.parse(pattern))
    except (re.error, RecursionError):  # pragma: no cover - compiled fine just before
        return None
    return _required_starts(items, aligned=False)


def _required_starts(
    items: list[tuple[object, object]], *, aligned: bool
) -> frozenset[str] | None:
    """Walk a sequence keeping ``run``: the word letters read since a point where a word
    must begin ("" right at such a point, None when unknown). Three letters, or a shorter
    word that visibly ends ("my "), make a proven opening; groups, alternations and
    repeats that must occur prove sets of their own."""
    proven: list[frozenset[str]] = []
    run: str | None = "" if aligned else None
    for op, argument in items:
        if op is sre_constants.AT:
            if argument in (sre_constants.AT_BOUNDARY, sre_constants.AT_BEGINNING):
                if run:
                    proven.append(frozenset({run}))  # \b after letters: the word ends here
                run = ""
            continue
        if _is_separator(op, argument):
            if run:
                proven.append(frozenset({run}))  # a short word, whole
            run = ""  # the next letter, if any, begins a word
            continue
        if op is sre_constants.ASSERT and argument[0] == 1:  # type: ignore[index]
            # a lookahead, "^(?=.*\b(withdrawal|payout))": what it needs, the text holds;
            # it reads no text, so the run goes on past it
            found = _required_starts(list(argument[1]), aligned=run == "")  # type: ignore[index]
            if found is not None:
                proven.append(found)
            continue
        if op is sre_constants.LITERAL:  # a letter
            if run is not None:
                run += chr(argument)  # type: ignore[arg-type]
                if len(run) == WORD_START:
                    proven.append(frozenset({run}))
                    run = None
            continue
        # Past the construct a word begins only if it surely ends with a separator (an
        # optional "(\w+ )?" keeps the alignment it started with).
        found: frozenset[str] | None = None
        ends_aligned = _ends_with_separator([(op, argument)])
        if op is sre_constants.SUBPATTERN:
            found = _required_starts(list(argument[3]), aligned=run == "")  # type: ignore[index]
        elif op is sre_constants.BRANCH:
            found = _union_of_branches(argument[1], aligned=run == "")  # type: ignore[index]
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _high, inner = argument  # type: ignore[misc]
            if low >= 1:
                found = _required_starts(list(inner), aligned=run == "")
            ends_aligned = _ends_with_separator(list(inner)) and (low >= 1 or run == "")
        if found is not None:
            proven.append(found)
        run = "" if ends_aligned else None
    return min(proven, key=len) if proven else None


def _is_separator(op: object, argument: object) -> bool:
    """A single character that is never a letter: a literal space, or a class of such."""
    if op is sre_constants.LITERAL:
        return not _WORD.fullmatch(chr(argument))  # type: ignore[arg-type]
    return op is sre_constants.IN and all(
        kind is sre_constants.LITERAL and not _WORD.fullmatch(chr(value))  # type: ignore[arg-type]
        for kind, value in argument  # type: ignore[attr-defined]
    )


def _ends_with_separator(items: list[tuple[object, object]]) -> bool:
    """Whether every match of ``items`` ends with a non-letter (so a word may begin next)."""
    if not items:
        return False
    op, argument = items[-1]
    if _is_separator(op, argument):
        return True
    if op is sre_constants.SUBPATTERN:
        return _ends_with_separator(list(argument[3]))  # type: ignore[index]
    if op is sre_constants.BRANCH:
        return all(_ends_with_separator(list(b)) for b in argument[1])  # type: ignore[index]
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, _high, inner = argument  # type: ignore[misc]
        skipped_ends = low >= 1 or (len(items) > 1 and _ends_with_separator(items[:-1]))
        return skipped_ends and _ends_with_separator(list(inner))
    return False


def _union_of_branches(branches: object, *, aligned: bool) -> frozenset[str] | None:
    union: set[str] = set()
    for branch in branches:  # type: ignore[attr-defined]
        found = _required_starts(list(branch), aligned=aligned)
        if found is None:
            return None
        union |= found
    return frozenset(union)


@dataclass(frozen=True)
class TriageRules:
    patterns: dict[str, _RuleGroup]
    guards: dict[str, _RuleGroup]
    with_link: dict[str, _RuleGroup] = field(default_factory=dict)
    """Rules that fire only when the message carries a link: "free spins, claim now" is
    a question without one and phishing with one."""


class TriageRulesError(ValueError):
    pass


def load_triage_rules(path: Path = DEFAULT_RULES) -> TriageRules:
    document = parse_yaml(path.read_text(encoding="utf-8"))
    reasons = document.get("reasons") if isinstance(document, LineDict) else None
    if not isinstance(reasons, LineDict):
        raise TriageRulesError(f"{path}:1: expected 'reasons:' mapping")
    _refuse_duplicate_keys(path, reasons)
    pieces = _shared_pieces(path, document)
    patterns: dict[str, _RuleGroup] = {}
    guards: dict[str, _RuleGroup] = {}
    with_link: dict[str, _RuleGroup] = {}
    for reason, spec in reasons.items():
        if reason not in REASON_PRIORITY:
            raise TriageRulesError(
                f"{path}:{line_of(reasons, reason)}: unknown reason '{reason}' "
                f"(known: {', '.join(REASON_PRIORITY)})"
            )
        if not isinstance(spec, LineDict):
            raise TriageRulesError(f"{path}:{line_of(reasons, reason)}: '{reason}' needs patterns")
        _refuse_duplicate_keys(path, spec)
        unknown = set(spec) - {"patterns", "unless", "with_link"}
        if unknown:
            key = sorted(unknown)[0]
            raise TriageRulesError(
                f"{path}:{line_of(spec, key)}: unknown key '{key}' under '{reason}' "
                "(known: patterns, unless, with_link)"
            )
        patterns[reason] = _RuleGroup.of(_compile_group(path, spec, "patterns", pieces))
        guards[reason] = _RuleGroup.of(_compile_group(path, spec, "unless", pieces))
        with_link[reason] = _RuleGroup.of(_compile_group(path, spec, "with_link", pieces))
    return TriageRules(patterns, guards, with_link)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")
"""``{amount}`` in a rule: a piece from ``shared``. (Regex repeat counts are digits only.)"""


def _shared_pieces(path: Path, document: LineDict) -> dict[str, str]:
    """Patterns several rules use (a money amount in any currency), written once."""
    shared = document.get("shared")
    if shared is None:
        return {}
    if not isinstance(shared, LineDict):
        raise TriageRulesError(
            f"{path}:{line_of(document, 'shared')}: 'shared' maps names to patterns"
        )
    _refuse_duplicate_keys(path, shared)
    pieces = {str(name): without_diacritics(str(piece)) for name, piece in shared.items()}
    for name, piece in pieces.items():
        try:
            re.compile(piece)
        except re.error as exc:
            raise TriageRulesError(
                f"{path}:{line_of(shared, name)}: bad pattern {piece!r}: {exc}"
            ) from exc
    return pieces


def _with_pieces(source: str, pieces: dict[str, str], where: str) -> str:
    def piece(match: re.Match[str]) -> str:
        if match[1] not in pieces:
            known = ", ".join(sorted(pieces)) or "none"
            raise TriageRulesError(f"{where}: unknown piece {{{match[1]}}} (shared: {known})")
        return f"(?:{pieces[match[1]]})"

    return _PLACEHOLDER.sub(piece, source)


def _compile_group(
    path: Path, spec: LineDict, key: str, pieces: dict[str, str]
) -> tuple[_Rule, ...]:
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
                # a rule written with "й" or "ł" must still meet the folded text
                pattern = _with_pieces(without_diacritics(str(source)), pieces, where)
                rules.append(_Rule(re.compile(pattern), where))
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
        # Link rules also read the links, which normalising took out of the text: phishing
        # hides its bait in the address, and a bare messenger invite is the spam itself.
        linked = f"{text}{' '.join(norm.urls).lower()} " if norm.urls else text
        linked_starts = word_starts(linked) if norm.urls else starts
        fired: dict[str, str] = {}
        for reason in REASON_PRIORITY:
            group = self._rules.patterns.get(reason)
            rule = group.first_match(text, starts) if group else None
            if rule is None and norm.urls and reason in self._rules.with_link:
                rule = self._rules.with_link[reason].first_match(linked, linked_starts)
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
