"""Configuration of the Meta (Facebook Page + Instagram) channel.

Every credential is a :class:`SecretStr` so that a ``repr`` or a log line of the settings
never shows it; the adapter reads the secret value only where it signs or sends.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr

ENV_PREFIX = "CROUPIER_META_"


class MetaSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    app_secret: SecretStr
    """Signs every webhook delivery (``X-Hub-Signature-256``) and our ``appsecret_proof``."""
    verify_token: SecretStr
    """Our own string, typed into the App Dashboard; Meta echoes it when subscribing."""
    page_access_token: SecretStr
    """Page token with pages_messaging, pages_manage_engagement, instagram_manage_* scopes."""
    page_id: str
    instagram_account_id: str | None = None
    """The Instagram professional account linked to the Page, if Instagram is served."""
    graph_base_url: str = "https://graph.facebook.com"
    graph_version: str = "v21.0"
    request_timeout_seconds: float = Field(20.0, gt=0)
    """Below the outbox's own send timeout, so a slow Graph call becomes a retry, not a hang."""

    @property
    def own_account_ids(self) -> frozenset[str]:
        """Ids that speak for us: what they say is an echo, never a player's message."""
        ids = {self.page_id}
        if self.instagram_account_id:
            ids.add(self.instagram_account_id)
        return frozenset(ids)

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], prefix: str = ENV_PREFIX
    ) -> MetaSettings | None:
        """Build from ``CROUPIER_META_*`` values; None when the channel is not configured.

        The channel counts as configured when ``CROUPIER_META_PAGE_ID`` is set; then a missing
        secret is a pydantic ``ValidationError`` naming the field, not a silent half-setup.
        """
        values = {
            key[len(prefix) :].lower(): value
            for key, value in environ.items()
            if key.startswith(prefix) and key[len(prefix) :].lower() in cls.model_fields
        }
        if not values.get("page_id"):
            return None
        return cls.model_validate(values)
