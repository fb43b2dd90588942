"""The Telegram adapter's own configuration section.

The runtime fills it from ``CROUPIER_TELEGRAM_*`` variables; the token and the webhook
secret are :class:`~pydantic.SecretStr` so that no ``repr`` or log line shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_PREFIX = "CROUPIER_TELEGRAM_"

_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""What Telegram accepts as ``secret_token`` (setWebhook)."""


class TelegramSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    bot_token: SecretStr
    mode: Literal["webhook", "polling"] = "polling"
    webhook_url: str | None = None
    """Public HTTPS address Telegram posts updates to, ending in ``/telegram/webhook``."""
    webhook_secret: SecretStr | None = None
    """Telegram echoes it in ``X-Telegram-Bot-Api-Secret-Token``; other posts are refused."""
    bot_username: str | None = None
    """Used for @mentions and the ``t.me`` deep link; taken from getMe when not set."""
    api_base_url: str = "https://api.telegram.org/bot"
    """Bot API address; the token is appended. Tests point it at a local fake server."""
    poll_timeout: int = Field(30, ge=0, le=50)
    """Long-polling wait in seconds (getUpdates ``timeout``)."""
    poll_retry_seconds: float = Field(5.0, ge=0)
    """Pause after a failed poll or a failed accept before asking again."""
    private_chat_interval: float = Field(1.0, ge=0)
    """Minimum seconds between two messages to one private chat (Telegram: ~1/s)."""
    group_chat_interval: float = Field(1.0, ge=0)
    """Minimum seconds between two messages to one group or channel discussion."""
    group_messages_per_minute: int = Field(20, ge=0)
    """At most this many messages to one group in any 60 seconds (Telegram: 20); 0: no
    window, only the interval."""
    global_messages_per_second: float = Field(30.0, gt=0)
    """Bot-wide send rate (Telegram's broadcast limit is about 30 messages a second)."""

    @field_validator("bot_username")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") or None if value else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramSettings:
        if self.mode == "webhook" and (not self.webhook_url or self.webhook_secret is None):
            raise ValueError("webhook mode needs webhook_url and webhook_secret")
        return self

    @property
    def api_file_base_url(self) -> str:
        """File downloads live beside the API: ``…/bot`` becomes ``…/file/bot``."""
        base = self.api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"


def telegram_settings_from(values: Mapping[str, str]) -> TelegramSettings | None:
    """Build the section from ``CROUPIER_TELEGRAM_*`` keys (environment or secrets file).

    No ``CROUPIER_TELEGRAM_BOT_TOKEN`` means the channel is off (``None``). A bad value is
    a :class:`ValueError` naming the variable, for the runtime to report as a config error.
    """
    raw = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in values.items()
        if key.startswith(ENV_PREFIX)
    }
    if not raw.get("bot_token"):
        return None
    unknown = sorted(set(raw) - set(TelegramSettings.model_fields))
    if unknown:
        names = ", ".join(ENV_PREFIX + name.upper() for name in unknown)
        raise ValueError(f"invalid configuration: unknown setting {names}")
    try:
        return TelegramSettings(**raw)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(p) for p in e['loc']).upper() or 'MODE'}: {e['msg']}"
            for e in exc.errors()
        )
        raise ValueError(f"invalid configuration: {problems}") from exc
