"""The one seam through which the Meta adapter talks to the Graph API.

Every call goes through :meth:`GraphClient.call`, which turns Meta's answers into three
outcomes the outbox understands: a JSON body (success), :class:`DeliveryError` (wait and
retry: throttling, 5xx, timeouts), :class:`ChannelAuthError` (the token is refused: the
outbox holds every Meta reply until it works again), or :class:`GraphRejected` (no retry
can help: closed messaging window, blocked user, bad id).

The access token travels as the ``access_token`` query parameter with its
``appsecret_proof``; neither is ever put in a log line or an exception message, which is
why exceptions from aiohttp are reduced to their type name here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError

from bots.channel import ChannelDown, DeliveryError
from bots.social.meta.settings import MetaSettings

RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613})
"""App, user, page and custom throttling (Graph API "Handling Errors")."""
BUSINESS_RATE_LIMIT_CODES = range(80000, 80015)
TRANSIENT_CODES = frozenset({1, 2})
"""Unknown error and service unavailable: Meta says wait and retry."""
RATE_LIMIT_BACKOFF_SECONDS = 60.0
AUTH_FAILURE_RETRY_SECONDS = 900.0
"""How long the outbox holds Meta replies before trying the token again (a renewed token
normally arrives with a restart, which tries at once)."""
OUTSIDE_WINDOW = "meta: outside the 24-hour messaging window"
RECIPIENT_UNAVAILABLE = "meta: this person isn't available right now"


class ChannelAuthError(ChannelDown):
    """The Page access token was refused (code 190): nothing will send until a person
    renews it. A :class:`ChannelDown`, so queued replies wait for the new token instead of
    being dead-lettered one by one; the outbox reports the outage once."""


class GraphRejected(Exception):
    """Meta refused the request for a reason no retry can fix; ``reason`` is for people."""

    def __init__(self, reason: str, code: int | None = None, subcode: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.subcode = subcode


class GraphErrorDetail(BaseModel):
    """The ``error`` object of a failed Graph API call."""

    model_config = ConfigDict(extra="ignore")

    message: str = ""
    type: str | None = None
    code: int | None = None
    error_subcode: int | None = None
    is_transient: bool = False
    fbtrace_id: str | None = None


class GraphClient:
    """Authenticated JSON calls to ``{graph_base_url}/{graph_version}/…``.

    Takes a shared :class:`aiohttp.ClientSession` from the composition root, or opens its
    own on first use and closes it in :meth:`close`.
    """

    def __init__(
        self, settings: MetaSettings, session: aiohttp.ClientSession | None = None
    ) -> None:
        self._settings = settings
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=settings.request_timeout_seconds)
        token = settings.page_access_token.get_secret_value()
        proof = hmac.new(
            settings.app_secret.get_secret_value().encode(), token.encode(), hashlib.sha256
        ).hexdigest()
        self._auth_params = {"access_token": token, "appsecret_proof": proof}

    async def call(
        self,
        method: str,
        path_segments: tuple[str, ...],
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One Graph API request; the decoded body on success, an exception otherwise."""
        path = "/".join(quote(segment, safe="") for segment in path_segments)
        url = f"{self._settings.graph_base_url.rstrip('/')}/{self._settings.graph_version}/{path}"
        session = self._open_session()
        try:
            async with session.request(
                method,
                url,
                params={**(params or {}), **self._auth_params},
                json=json_body,
                timeout=self._timeout,
            ) as response:
                status = response.status
                headers = response.headers
                body_text = await response.text()
        except TimeoutError:
            raise DeliveryError(f"meta: Graph API timed out ({method} /{path})") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(
                f"meta: Graph API unreachable ({method} /{path}): {type(exc).__name__}"
            ) from None
        body = _decode(body_text)
        if status < 400 and "error" not in body:
            return body
        raise classify_failure(status, body, headers)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._owns_session = True
        return self._session


def classify_failure(
    status: int, body: dict[str, Any], headers: Mapping[str, str]
) -> DeliveryError | GraphRejected:
    """Map a failed response to retry-later, token-refused or give-up (pure, for tests too)."""
    try:
        detail = GraphErrorDetail.model_validate(body.get("error") or {})
    except ValidationError:
        detail = GraphErrorDetail()
    code, subcode = detail.code, detail.error_subcode
    described = f"{detail.message or f'HTTP {status}'} (code {code}, subcode {subcode})"
    if code == 190:
        return ChannelAuthError(
            f"meta: page access token rejected: {described}; "
            "renew CROUPIER_META_PAGE_ACCESS_TOKEN and restart",
            retry_after=AUTH_FAILURE_RETRY_SECONDS,
        )
    if status == 429 or code in RATE_LIMIT_CODES or (code in BUSINESS_RATE_LIMIT_CODES):
        wait = _retry_after(headers) or RATE_LIMIT_BACKOFF_SECONDS
        return DeliveryError(f"meta: rate limited: {described}", retry_after=wait)
    if status >= 500 or code in TRANSIENT_CODES or detail.is_transient:
        return DeliveryError(
            f"meta: Graph API error: {described}", retry_after=_retry_after(headers)
        )
    if code == 10 and subcode == 2018278:
        return GraphRejected(OUTSIDE_WINDOW, code, subcode)
    if code == 551 or "isn't available right now" in detail.message:
        return GraphRejected(RECIPIENT_UNAVAILABLE, code, subcode)
    return GraphRejected(f"meta: {described}", code, subcode)


def _decode(body_text: str) -> dict[str, Any]:
    try:
        decoded = json.loads(body_text) if body_text else {}
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` (seconds or HTTP date), else Meta's business-use-case estimate."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
    usage = headers.get("X-Business-Use-Case-Usage")
    if usage:
        try:
            minutes = [
                float(limit.get("estimated_time_to_regain_access") or 0)
                for limits in json.loads(usage).values()
                for limit in limits
            ]
        except (ValueError, AttributeError, TypeError):
            minutes = []
        if minutes and max(minutes) > 0:
            return max(minutes) * 60
    return None
