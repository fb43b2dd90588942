"""Logging that never writes a player's card number, IBAN, e-mail or phone, nor a token."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping

_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d[\d ()./-]{6,}\d|(?!\d{4}-\d\d-\d\d)\d(?:[ ()./-]?\d){8,14})\b"
)
_BOT_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return f"[card ****{digits[-4:]}]"
    return match.group(0)


def mask_pii(text: str) -> str:
    """Mask personal data in a log line (cards only when they pass the Luhn check)."""
    text = _BOT_TOKEN.sub("[token]", text)
    text = _EMAIL.sub("[email]", text)
    text = _IBAN.sub("[iban]", text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub("[phone]", text)


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


SECRET_NAME_PARTS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


def secret_values(environment: Mapping[str, str]) -> list[str]:
    """Values of ``CROUPIER_*`` settings whose names say they are credentials."""
    return [
        value
        for name, value in environment.items()
        if name.startswith("CROUPIER_") and any(part in name for part in SECRET_NAME_PARTS)
    ]


def configure_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        PiiMaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "httpx", "telegram", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
