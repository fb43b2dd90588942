"""The bot's own phrases (greeting, clarify prompt, holding replies…), per language.

They live in a content file beside the FAQ so content staff edit and check them the
same way; the code only names the keys it needs.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from faq.model import DEFAULT_LANGUAGES, FALLBACK_LANGUAGE, Problem, Severity
from faq.yaml_lines import LineDict, YamlSyntaxError, line_of, parse_yaml

REQUIRED_PHRASES: dict[str, frozenset[str]] = {
    "greeting": frozenset(),
    "thanks_reply": frozenset(),
    "clarify_prompt": frozenset({"options"}),
    "clarify_option": frozenset({"number", "title"}),
    "holding_reply": frozenset(),
    "holding_reply_harm": frozenset(),
    "holding_reply_minor": frozenset(),
    "holding_followup": frozenset(),
    "public_private_invite": frozenset(),
    "public_contact_hint": frozenset(),
    "feedback_question": frozenset(),
    "feedback_thanks": frozenset(),
    "feedback_yes": frozenset(),
    "feedback_no": frozenset(),
    "message_truncated": frozenset(),
    "empty_message": frozenset(),
    "media_not_read": frozenset(),
    "moderator_closed": frozenset(),
    "attachment_received": frozenset(),
    "personal_data_hidden": frozenset(),
    "personal_data_public": frozenset(),
}


@dataclass(frozen=True)
class BotTexts:
    phrases: dict[str, dict[str, str]]

    def get(self, key: str, lang: str, **values: str | int) -> str:
        by_lang = self.phrases[key]
        template = (
            by_lang.get(lang) or by_lang.get(FALLBACK_LANGUAGE) or next(iter(by_lang.values()))
        )
        return template.format(**values) if values else template


def load_bot_texts(
    path: Path, required_languages: tuple[str, ...] = DEFAULT_LANGUAGES
) -> tuple[BotTexts | None, list[Problem]]:
    where = str(path)
    problems: list[Problem] = []
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [Problem(where, 1, f"cannot read file: {exc}")]
    except YamlSyntaxError as exc:
        return None, [Problem(where, exc.line, exc.message)]
    if not isinstance(document, LineDict):
        return None, [Problem(where, 1, "expected a mapping of phrase keys to {language: text}")]
    phrases: dict[str, dict[str, str]] = {}
    for key, required_fields in REQUIRED_PHRASES.items():
        raw = document.get(key)
        if not isinstance(raw, LineDict):
            problems.append(Problem(where, document.line, f"phrase '{key}' is missing"))
            continue
        texts: dict[str, str] = {}
        for lang, text in raw.items():
            line = line_of(raw, lang)
            text = str(text or "").strip()
            if not text:
                problems.append(Problem(where, line, f"phrase '{key}' has an empty '{lang}' text"))
                continue
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            if fields != required_fields:
                problems.append(
                    Problem(
                        where,
                        line,
                        f"phrase '{key}' ({lang}) must use placeholders "
                        f"{sorted(required_fields) or 'none'}, found {sorted(fields) or 'none'}",
                    )
                )
                continue
            texts[str(lang)] = text
        for lang in required_languages:
            if lang not in texts:
                problems.append(
                    Problem(
                        where,
                        line_of(document, key),
                        f"phrase '{key}' has no '{lang}' text",
                        Severity.WARNING,
                    )
                )
        if texts:
            phrases[key] = texts
        else:
            problems.append(Problem(where, line_of(document, key), f"phrase '{key}' has no texts"))
    for key in document:
        if key not in REQUIRED_PHRASES:
            problems.append(
                Problem(where, line_of(document, key), f"unknown phrase '{key}'", Severity.WARNING)
            )
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    return BotTexts(phrases), problems
