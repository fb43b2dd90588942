"""JSON from the outside world, parsed without letting its shape crash a handler.

``json.loads`` raises :class:`RecursionError` (not :class:`ValueError`) on deeply nested
input such as ``[[[[…]]]]`` a few thousand levels deep; an endpoint catching only
``ValueError`` then answers 500, which makes a platform retry the same poison body for
hours. Here every way a body can fail to be JSON is one :class:`ValueError`.
"""

from __future__ import annotations

import json
import re
from typing import Any


def loads_untrusted(body: bytes | str) -> Any:
    """``json.loads`` whose only failure is :class:`ValueError` (bad, or nested too deep)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_json_text(raw: str) -> str:
    """A JSON document made with ``ensure_ascii=False`` may hold lone surrogates (decoded
    from ``\\ud800`` escapes), which UTF-8 (SQLite) refuses; they go back to their escapes,
    which keeps the document valid and byte-for-byte what the platform meant."""
    if not _LONE_SURROGATE.search(raw):
        return raw
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", raw)
