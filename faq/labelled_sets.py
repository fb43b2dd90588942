"""The labelled-set format (``questions.jsonl``, one message per line), read once here.

The learned words and the escalation model both learn from these files, and a broken line
must stop either with the same message: the file and line, not a KeyError from deep inside
training.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError


class SetMessage(BaseModel):
    """One player message and what should happen to it."""

    model_config = ConfigDict(frozen=True)

    text: str
    kind: Literal["faq", "escalate", "greeting"]
    lang: str | None = None
    gold: str | None = None
    """The FAQ entry id for ``faq``; ``escalate`` otherwise."""


def read_set_messages(path: Path) -> Iterator[SetMessage]:
    """The message on each non-blank line of a set's ``questions.jsonl``.

    Raises ValueError naming the file and line of a line that is not a labelled message."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield SetMessage.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"]))
            detail = f"{where}: {first['msg']}" if where else first["msg"]
            raise ValueError(f"{path}:{number}: not a labelled message ({detail})") from None
