"""The X (Twitter) adapter's own configuration section.

The runtime fills it from ``CROUPIER_X_*`` variables. Every credential is a
:class:`~pydantic.SecretStr` so that no ``repr`` or log line of the settings shows it; the
adapter reads the secret values only where it signs a request or a webhook answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

ENV_PREFIX = "CROUPIER_X_"
DEFAULT_API_BASE_URL = "https://api.twitter.com"
"""Where tweepy sends every request (its host is fixed); ``api.x.com`` serves the same API."""


class XSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    consumer_key: SecretStr
    """The app's API key (OAuth 1.0a); with the access token it signs every call we make."""
    consumer_secret: SecretStr
    """The app's API key secret: signs requests, and the webhook's CRC and signatures."""
    access_token: SecretStr
    """OAuth 1.0a access token of the support account (read, write and Direct Messages)."""
    access_token_secret: SecretStr
    bearer_token: SecretStr | None = None
    """App-only token: when set, mentions are read with it (the app's own rate limit)."""
    account_id: str
    """Numeric id of the support account: whose mentions we read, and whose words are ours."""
    account_username: str | None = None
    """The support account's handle, without ``@``; only for people reading logs and docs."""
    mode: Literal["polling", "webhook"] = "polling"
    """``polling``: mentions and DM events by the v2 API (Basic tier and up).
    ``webhook``: Account Activity API pushes to ``/x/webhook`` (Enterprise tier)."""
    poll_interval_seconds: float = Field(90.0, ge=1)
    """Pause between two polls. Basic tier allows 10 mention reads per 15 minutes per user."""
    first_poll_lookback_minutes: float = Field(60.0, ge=0)
    """On the very first poll (no cursor stored yet) only mentions and DMs younger than this
    are answered; older ones just mark where to start. Keeps a new deployment from
    answering a month of DMs the team already handled by hand."""
    request_timeout_seconds: float = Field(20.0, gt=0)
    """Below the outbox's own send timeout, so a slow X call becomes a retry, not a hang."""
    api_base_url: str = DEFAULT_API_BASE_URL
    """Scheme, host and port of the API. Only tests (a local fake X) should change it:
    requests stay signed for tweepy's fixed host."""

    @field_validator("account_id")
    @classmethod
    def _numeric_id(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError("must be the account's numeric id, not its @handle")
        return value

    @field_validator("account_username")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.strip().lstrip("@") or None if value else None

    @field_validator("api_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local fake)")
        return value


def x_settings_from(values: Mapping[str, str]) -> XSettings | None:
    """Build the section from ``CROUPIER_X_*`` keys (environment or secrets file).

    No ``CROUPIER_X_*`` value at all means the channel is off (``None``). Once any is set, a
    missing or bad one is a :class:`ValueError` naming the variable: a half-configured X
    channel fails start-up rather than coming up deaf.
    """
    raw = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in values.items()
        if key.startswith(ENV_PREFIX) and value != ""
    }
    if not raw:
        return None
    unknown = sorted(set(raw) - set(XSettings.model_fields))
    if unknown:
        names = ", ".join(ENV_PREFIX + name.upper() for name in unknown)
        raise ValueError(f"invalid configuration: unknown setting {names}")
    try:
        return XSettings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ValueError(f"invalid configuration: {problems}") from exc
