"""``croupier faq check`` and the loader: every problem as path:line, any FAQ directory loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from croupier.cli import main
from faq.loader import load_faq_dir
from faq.model import Severity

GOOD_ENTRY = """\
- id: opening-hours
  questions:
    en: ["when are you open?"]
  answer:
    en: "We are open 24/7."
"""


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_faq_and_bot_texts_have_no_problems(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["faq", "check"]) == 0
    assert capsys.readouterr().out == ""


def test_shipped_faq_has_the_sixteen_taxonomy_topics() -> None:
    result = load_faq_dir(Path(__file__).resolve().parent.parent / "faq" / "content")
    assert result.faq is not None
    assert {e.id for e in result.faq.entries} == {
        "account-registration",
        "account-password-reset",
        "verification-documents",
        "verification-time",
        "deposit-methods",
        "deposit-not-credited",
        "withdrawal-time",
        "withdrawal-first-verification",
        "withdrawal-methods-limits",
        "bonus-welcome",
        "bonus-wagering",
        "bonus-not-credited",
        "free-spins",
        "tournaments",
        "support-contact",
        "responsible-gambling-limits",
    }
    for entry in result.faq.entries:
        for lang in ("en", "pl", "ru", "de", "fr"):
            assert len(entry.questions[lang]) >= 8, (entry.id, lang)
            assert entry.answer[lang] and entry.public_answer[lang]


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "broken.yaml", GOOD_ENTRY + "- id: [unclosed\n")
    assert main(["faq", "check", str(tmp_path), "--texts", ""]) == 1
    assert f"{path}:6: invalid YAML" in capsys.readouterr().out


def test_every_kind_of_problem_is_reported_as_path_line_message(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    first = _write(tmp_path, "a.yaml", GOOD_ENTRY)
    second = _write(
        tmp_path,
        "b.yaml",
        """\
entries:
  - id: opening-hours
    questions: {en: ["open?"]}
    answer: {en: "Always."}
  - id: vip-club
    colour: gold
    questions:
      en: ["how do I join the VIP club?"]
    answer:
      en: ""
      pl: "Zaproszenie wysyłamy e-mailem."
""",
    )
    assert main(["faq", "check", str(tmp_path), "--texts", "", "--languages", "en,pl"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{second}:2: duplicate id 'opening-hours' (first defined at {first}:1)" in out
    assert f"{second}:6: entry 'vip-club' has unknown field 'colour'" in out
    assert f"{second}:10: entry 'vip-club' has an empty 'en' answer" in out
    assert f"{second}:7: entry 'vip-club' has no 'pl' questions" in out
    assert f"{first}:2: entry 'opening-hours' has no 'pl' questions" in out


def test_directory_with_fewer_languages_loads_with_warnings(tmp_path: Path) -> None:
    _write(tmp_path, "faq.yaml", GOOD_ENTRY)
    result = load_faq_dir(tmp_path)
    assert result.faq is not None and result.faq.languages == ("en",)
    assert result.problems and all(p.severity is Severity.WARNING for p in result.problems)


def test_faq_batch_prints_one_decision_per_line_for_any_faq_dir(tmp_path: Path) -> None:
    faq_dir = tmp_path / "other-casino"
    _write(
        faq_dir,
        "faq.yaml",
        """\
- id: cashout-speed
  questions:
    en: ["how fast is a cashout?", "when will my withdrawal arrive?"]
    de: ["wie schnell ist die auszahlung?"]
  answer:
    en: "Within a day."
- id: signup
  questions:
    en: ["how do I create an account?", "registration help"]
  answer:
    en: "Click Join."
""",
    )
    questions = _write(
        tmp_path,
        "q.jsonl",
        '{"id": "a", "text": "how long until my withdrawal arrives?"}\n'
        '{"id": "b", "text": "I want to speak to a human"}\n'
        "not json\n",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "croupier.cli",
            "faq",
            "batch",
            "--faq",
            str(faq_dir),
            str(questions),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = [__import__("json").loads(line) for line in run.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["decision"] == "answer" and lines[0]["faq_id"] == "cashout-speed"
    assert lines[1]["decision"] == "escalate" and lines[1]["reason"] == "human_request"
    assert f"{questions}:3: invalid JSON" in run.stderr
    assert run.returncode == 1
