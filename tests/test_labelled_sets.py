"""The labelled-set reader both learners share: a bad line is named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.labelled_sets import SetMessage, read_set_messages


def test_reads_each_message_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(
        '{"id": "a", "lang": "pl", "text": "ile trwa wypłata?", "gold": "withdrawal-time",'
        ' "accept": ["withdrawal-time"], "kind": "faq", "why": "extra fields are fine"}\n'
        "\n"
        '{"text": "give me a human", "kind": "escalate"}\n',
        encoding="utf-8",
    )
    assert list(read_set_messages(path)) == [
        SetMessage(text="ile trwa wypłata?", kind="faq", lang="pl", gold="withdrawal-time"),
        SetMessage(text="give me a human", kind="escalate"),
    ]


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("{not json", "Invalid JSON"),
        ('{"text": "hi"}', "kind: Field required"),
        ('{"text": "hi", "kind": "faq?"}', "kind: Input should be"),
        ('["hi", "faq"]', "Input should be an object"),
    ],
)
def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path, line: str, complaint: str) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text('{"text": "hi", "kind": "greeting"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=rf"questions.jsonl:2: not a labelled message \(.*{complaint}"
    ):
        list(read_set_messages(path))
