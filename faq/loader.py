"""Load and validate a directory of FAQ files.

A file is a YAML list of entries, or a mapping with ``entries:``. Every problem is
reported as ``path:line: message``; errors keep the FAQ from going live, warnings
(a missing language, an unknown field) do not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from faq.model import DEFAULT_LANGUAGES, Faq, FaqEntry, LoadResult, Problem, Severity
from faq.yaml_lines import LineDict, LineList, YamlSyntaxError, line_of, parse_yaml

KNOWN_FIELDS = frozenset({"id", "title", "questions", "answer", "public_answer"})
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
LANG_PATTERN = re.compile(r"^[a-z]{2,3}$")
MAX_ANSWER_CHARS = 4000


def faq_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_faq_dir(
    directory: Path, required_languages: tuple[str, ...] = DEFAULT_LANGUAGES
) -> LoadResult:
    """Read every ``*.yaml`` in ``directory``; never raises for bad content."""
    problems: list[Problem] = []
    if not directory.is_dir():
        return LoadResult(None, (Problem(str(directory), 1, "FAQ directory not found"),))
    files = faq_files(directory)
    if not files:
        problems.append(Problem(str(directory), 1, "no *.yaml FAQ files in this directory"))
    entries: list[FaqEntry] = []
    first_seen: dict[str, str] = {}
    for path in files:
        for entry in _load_file(path, required_languages, problems):
            if entry.id in first_seen:
                problems.append(
                    Problem(
                        str(path),
                        int(entry.source.rsplit(":", 1)[1]),
                        f"duplicate id '{entry.id}' (first defined at {first_seen[entry.id]})",
                    )
                )
                continue
            first_seen[entry.id] = entry.source
            entries.append(entry)
    if files and not entries and not any(p.severity is Severity.ERROR for p in problems):
        problems.append(Problem(str(directory), 1, "no FAQ entries found"))
    languages = tuple(sorted({lang for e in entries for lang in e.answer}))
    has_errors = any(p.severity is Severity.ERROR for p in problems)
    faq = None if has_errors else Faq(tuple(entries), languages)
    return LoadResult(faq, tuple(problems))


def _load_file(
    path: Path, required_languages: tuple[str, ...], problems: list[Problem]
) -> list[FaqEntry]:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(where, 1, f"cannot read file: {exc}"))
        return []
    try:
        document = parse_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(where, exc.line, exc.message))
        return []
    if document is None:
        problems.append(Problem(where, 1, "file is empty", Severity.WARNING))
        return []
    if isinstance(document, LineDict):
        _report_duplicate_keys(where, document, problems)
        if "entries" not in document:
            problems.append(
                Problem(where, document.line, "expected a list of entries or 'entries:'")
            )
            return []
        document_list = document["entries"]
    else:
        document_list = document
    if not isinstance(document_list, LineList):
        problems.append(Problem(where, 1, "expected a list of FAQ entries"))
        return []
    entries = []
    for index, raw in enumerate(document_list):
        line = line_of(document_list, index)
        entry = _build_entry(where, line, raw, required_languages, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _report_duplicate_keys(where: str, mapping: LineDict, problems: list[Problem]) -> None:
    for key, line in mapping.duplicate_keys:
        problems.append(Problem(where, line, f"key '{key}' appears twice; the first is lost"))


def _build_entry(
    where: str,
    line: int,
    raw: Any,
    required_languages: tuple[str, ...],
    problems: list[Problem],
) -> FaqEntry | None:
    if not isinstance(raw, LineDict):
        problems.append(
            Problem(where, line, "an FAQ entry must be a mapping with id/questions/answer")
        )
        return None
    _report_duplicate_keys(where, raw, problems)
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        problems.append(
            Problem(where, line_of(raw, "id"), f"entry has a missing or invalid id: {entry_id!r}")
        )
        return None
    label = f"entry '{entry_id}'"
    for key in raw:
        if key not in KNOWN_FIELDS:
            problems.append(
                Problem(
                    where,
                    line_of(raw, key),
                    f"{label} has unknown field '{key}'",
                    Severity.WARNING,
                )
            )
    questions = _language_map(where, raw, "questions", label, problems, is_list=True)
    answer = _language_map(where, raw, "answer", label, problems, is_list=False)
    public_answer = _language_map(where, raw, "public_answer", label, problems, is_list=False)
    if "answer" not in raw:
        problems.append(Problem(where, line, f"{label} has no 'answer'"))
        return None
    if "questions" not in raw:
        problems.append(Problem(where, line, f"{label} has no 'questions'"))
        return None
    if not answer:
        problems.append(Problem(where, line_of(raw, "answer"), f"{label} has no usable answer"))
        return None
    for lang in required_languages:
        for field_name, texts in (("questions", questions), ("answer", answer)):
            if lang not in texts and field_name in raw:
                problems.append(
                    Problem(
                        where,
                        line_of(raw, field_name),
                        f"{label} has no '{lang}' {field_name}",
                        Severity.WARNING,
                    )
                )
    if public_answer:
        for lang in answer:
            if lang not in public_answer:
                problems.append(
                    Problem(
                        where,
                        line_of(raw, "public_answer"),
                        f"{label} has no '{lang}' public_answer (public replies fall back to "
                        "a private-message invite)",
                        Severity.WARNING,
                    )
                )
    title = raw.get("title")
    return FaqEntry(
        id=entry_id,
        title=title if isinstance(title, str) and title.strip() else None,
        questions={lang: tuple(qs) for lang, qs in questions.items()},
        answer=answer,
        public_answer=public_answer,
        source=f"{where}:{line}",
    )


def _language_map(
    where: str,
    raw: LineDict,
    field_name: str,
    label: str,
    problems: list[Problem],
    *,
    is_list: bool,
) -> dict[str, Any]:
    """Read ``{lang: text}`` or ``{lang: [text…]}``; report and drop what is unusable."""
    if field_name not in raw:
        return {}
    value = raw[field_name]
    field_line = line_of(raw, field_name)
    if not isinstance(value, LineDict):
        problems.append(
            Problem(where, field_line, f"{label}: '{field_name}' must map languages to texts")
        )
        return {}
    _report_duplicate_keys(where, value, problems)
    result: dict[str, Any] = {}
    for lang, texts in value.items():
        lang_line = line_of(value, lang)
        if not isinstance(lang, str) or not LANG_PATTERN.match(lang):
            problems.append(
                Problem(where, lang_line, f"{label}: '{lang}' is not a language code like 'en'")
            )
            continue
        if is_list:
            items = texts if isinstance(texts, list) else [texts]
            cleaned = [str(q).strip() for q in items if q is not None and str(q).strip()]
            if not cleaned:
                problems.append(
                    Problem(
                        where, lang_line, f"{label} has no '{lang}' questions", Severity.WARNING
                    )
                )
                continue
            result[lang] = cleaned
        else:
            text = str(texts).strip() if texts is not None else ""
            if not text:
                problems.append(
                    Problem(
                        where,
                        lang_line,
                        f"{label} has an empty '{lang}' {field_name}",
                        Severity.WARNING,
                    )
                )
                continue
            if len(text) > MAX_ANSWER_CHARS:
                problems.append(
                    Problem(
                        where,
                        lang_line,
                        f"{label}: '{lang}' {field_name} is over {MAX_ANSWER_CHARS} characters",
                        Severity.WARNING,
                    )
                )
            result[lang] = text
    return result
