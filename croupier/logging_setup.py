"""Logging that never writes a player's card number, IBAN, e-mail or phone, nor a token.

The personal-data patterns live in :mod:`handlers.personal_data`, shared with the handlers
that hide public comments exposing the same data; only the secret (token) pattern is here,
plus the configured credential values themselves, redacted wherever they appear.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from croupier.log_context import ContextFilter, JsonFormatter
from handlers.personal_data import mask_personal_data

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_BOT_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")
SECRET_NAME_PARTS = ("TOKEN", "SECRET", "PASSWORD", "KEY")
URL_SETTINGS = ("CROUPIER_STORE", "CROUPIER_STREAM")
"""Settings holding a server URL, whose password part is a secret too."""


def mask_pii(text: str) -> str:
    """Mask personal data in a log line (cards only when they pass the Luhn check)."""
    return mask_personal_data(_BOT_TOKEN.sub("[token]", text))


def secret_values(environment: Mapping[str, str]) -> list[str]:
    """Values of ``CROUPIER_*`` settings whose names say they are credentials, and the
    passwords inside the store and stream URLs."""
    values = [
        value
        for name, value in environment.items()
        if name.startswith("CROUPIER_") and any(part in name for part in SECRET_NAME_PARTS)
    ]
    for name in URL_SETTINGS:
        password = urlsplit(environment.get(name, "")).password
        if password:
            values.append(password)
    return values


class PiiMaskingFormatter(logging.Formatter):
    """Masks the message and any traceback, not the timestamp and logger name.

    ``secrets``: the configured credential values, redacted wherever they appear (a
    library's error message may quote a token: PTB's InvalidToken does)."""

    def __init__(self, fmt: str | None = None, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is redacted whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        return mask_pii(text)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = self._redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:  # type: ignore[no-untyped-def]
        return self._redact(super().formatException(ei))


def configure_logging(
    level: str = "INFO", secrets: Iterable[str] = (), json_lines: bool = False
) -> None:
    """Text lines for a terminal, or JSON lines (``CROUPIER_LOG_FORMAT=json``) for a log
    shipper; both masked and redacted, both carrying the request/event/outbox ids."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter(PiiMaskingFormatter("%(message)s", secrets)))
    else:
        handler.setFormatter(PiiMaskingFormatter(TEXT_FORMAT, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "httpx", "telegram", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
