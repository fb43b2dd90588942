"""Logging that never writes a player's card number, IBAN, e-mail or phone, nor a token.

The personal-data patterns live in :mod:`handlers.personal_data`, shared with the handlers
that hide public comments exposing the same data; only the secret (token) pattern is here.
"""

from __future__ import annotations

import logging
import re
import sys

from croupier.log_context import ContextFilter, JsonFormatter
from handlers.personal_data import mask_personal_data

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_BOT_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")


def mask_pii(text: str) -> str:
    """Mask personal data in a log line (cards only when they pass the Luhn check)."""
    return mask_personal_data(_BOT_TOKEN.sub("[token]", text))


class PiiMaskingFormatter(logging.Formatter):
    """Masks the message and any traceback, not the timestamp and logger name."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = mask_pii(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:  # type: ignore[no-untyped-def]
        return mask_pii(super().formatException(ei))


def configure_logging(level: str = "INFO", json_lines: bool = False) -> None:
    """Text lines for a terminal, or JSON lines (``CROUPIER_LOG_FORMAT=json``) for a log
    shipper; both masked, both carrying the request/event/outbox ids when there are any."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter(PiiMaskingFormatter("%(message)s")))
    else:
        handler.setFormatter(PiiMaskingFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "httpx", "telegram", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
