"""Ids that follow one event through the logs: from the webhook request that brought it,
through its decision, to each send of its replies.

They live in context variables, so every log line written while handling a request or
an event carries them without being passed around; asyncio copies the context into each
task, so concurrent events never see each other's ids.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from aiohttp import web

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
event_id: ContextVar[int | None] = ContextVar("event_id", default=None)
outbox_id: ContextVar[int | None] = ContextVar("outbox_id", default=None)

_FIELDS = {"request_id": request_id, "event_id": event_id, "outbox_id": outbox_id}
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_HEADER = "X-Request-Id"


class ContextFilter(logging.Filter):
    """Copies the current ids onto each record (``%(event_id)s`` works in any format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, variable in _FIELDS.items():
            if getattr(record, name, None) is None:  # ``extra=`` given by the caller wins
                setattr(record, name, variable.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers; the message is formatted (and masked)
    by ``message_formatter`` first, so JSON logs hide exactly what text logs hide."""

    def __init__(self, message_formatter: logging.Formatter) -> None:
        super().__init__()
        self._message_formatter = message_formatter

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._message_formatter.format(record),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        return json.dumps(line, ensure_ascii=False)


@web.middleware
async def request_id_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Take the caller's ``X-Request-Id`` when it is a sane token (a proxy's id then links
    its logs to ours), else make one; echo it on the response."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    rid = given if _SAFE_REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    token = request_id.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = rid
        raise
    finally:
        request_id.reset(token)
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = rid
    return response
