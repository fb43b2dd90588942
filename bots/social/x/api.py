"""The one seam through which the X adapter talks to the X API: tweepy's ``AsyncClient``.

tweepy builds every URL on a fixed host (``https://api.twitter.com``). To let tests play X
with a local server, the client gets a session of ours that sends tweepy's requests to
``settings.api_base_url`` instead: tweepy still builds, signs and sends each request and
reads each answer, so tests run the production code path. With the default base URL the
session is used as is.

Every call turns X's answers into three outcomes the outbox understands: the decoded JSON
(success), :class:`DeliveryError` (wait and retry: 429, 5xx, timeouts; :class:`XAuthError`
when the credentials are refused), or :class:`XRejected` (no retry can help: blocked,
protected account, duplicate text, DMs closed). Exception texts never carry credentials:
tweepy's messages hold only status and X's error text, aiohttp's are reduced to a type name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import tweepy
from tweepy.asynchronous import AsyncClient
from yarl import URL

from bots.channel import DeliveryError
from bots.social.x.payloads import DmEventsPage, MentionsPage
from bots.social.x.settings import DEFAULT_API_BASE_URL, XSettings

log = logging.getLogger(__name__)

TWEEPY_ORIGIN = "https://api.twitter.com"
"""What tweepy 4.x puts in front of every path (``AsyncBaseClient.request``)."""
RATE_LIMIT_FALLBACK_SECONDS = 60.0
"""When a 429 comes without ``x-rate-limit-reset``."""
AUTH_FAILURE_RETRY_SECONDS = 3600.0
"""Long enough for a person to renew the keys before the outbox gives up on the reply."""
MAX_RESULTS = 100

TWEET_FIELDS = [
    "author_id",
    "conversation_id",
    "created_at",
    "in_reply_to_user_id",
    "referenced_tweets",
    "attachments",
    "lang",
]
USER_FIELDS = ["name", "username"]
MEDIA_FIELDS = ["media_key", "type", "url"]
MENTION_EXPANSIONS = ["author_id", "referenced_tweets.id", "attachments.media_keys"]
DM_EVENT_FIELDS = [
    "id",
    "event_type",
    "text",
    "sender_id",
    "dm_conversation_id",
    "created_at",
    "attachments",
    "participant_ids",
]
DM_EXPANSIONS = ["sender_id", "attachments.media_keys"]


class _NoCredentialDumps(logging.Filter):
    """Two libraries under tweepy log credentials at DEBUG: tweepy each request's headers
    (``Authorization: Bearer …``), oauthlib the parameters it signs (``oauth_token``).
    Those records are dropped, so that no log level ever shows a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "tweepy.asynchronous.client":
            return not str(record.msg).startswith("Making API request")
        return record.levelno > logging.DEBUG


_CREDENTIAL_LOGGERS = ("tweepy.asynchronous.client", "oauthlib.oauth1.rfc5849")


def _silence_credential_dumps() -> None:
    for name in _CREDENTIAL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoCredentialDumps) for f in logger.filters):
            logger.addFilter(_NoCredentialDumps())


class XAuthError(DeliveryError):
    """X refused our keys (401): nothing will send until a person renews them.

    A :class:`DeliveryError` with a long ``retry_after`` so queued replies wait for the new
    keys instead of being dead-lettered one by one.
    """


class XRejected(Exception):
    """X refused the request for a reason no retry can fix; ``reason`` is for people."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _RebasedSession:
    """Duck-types the one ``aiohttp.ClientSession`` method tweepy uses, moving its requests
    from tweepy's fixed origin to ours (same path, same query, same signed headers)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")

    def request(self, method: str, url: str | URL, **kwargs: Any) -> Any:
        return self._session.request(method, self._rebase(url), **kwargs)

    def _rebase(self, url: str | URL) -> str | URL:
        text = str(url)
        if not text.startswith(TWEEPY_ORIGIN + "/"):
            # A tweepy release that moved hosts: fail loudly rather than reach the real X
            # from a test (or a proxy setup) that meant to go elsewhere.
            raise RuntimeError(f"x: tweepy sent a request outside {TWEEPY_ORIGIN}")
        moved = self._base_url + text[len(TWEEPY_ORIGIN) :]
        # tweepy passes signed (OAuth 1.0a) URLs already percent-encoded: keep them so.
        return URL(moved, encoded=True) if isinstance(url, URL) else moved


class XApi:
    """The v2 calls the adapter makes, each returning validated models or plain ids."""

    def __init__(self, settings: XSettings, clock: Callable[[], float] = time.time) -> None:
        _silence_credential_dumps()
        self._settings = settings
        self._clock = clock
        self._client = AsyncClient(
            bearer_token=settings.bearer_token.get_secret_value()
            if settings.bearer_token
            else None,
            consumer_key=settings.consumer_key.get_secret_value(),
            consumer_secret=settings.consumer_secret.get_secret_value(),
            access_token=settings.access_token.get_secret_value(),
            access_token_secret=settings.access_token_secret.get_secret_value(),
            return_type=dict,
        )
        self._session: aiohttp.ClientSession | None = None
        self._auth_failure_reported = False

    async def mentions(
        self, since_id: str | None, pagination_token: str | None = None
    ) -> MentionsPage:
        """GET /2/users/:id/mentions, newest first; app-only when a bearer token is set."""
        body = await self._call(
            "GET /2/users/:id/mentions",
            lambda client: client.get_users_mentions(
                self._settings.account_id,
                since_id=since_id,
                pagination_token=pagination_token,
                max_results=MAX_RESULTS,
                expansions=MENTION_EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_auth=self._settings.bearer_token is None,
            ),
        )
        return MentionsPage.model_validate(body)

    async def dm_events(self, pagination_token: str | None = None) -> DmEventsPage:
        """GET /2/dm_events: the account's DMs of the last 30 days, sent and received."""
        body = await self._call(
            "GET /2/dm_events",
            lambda client: client.get_direct_message_events(
                event_types="MessageCreate",
                dm_event_fields=DM_EVENT_FIELDS,
                expansions=DM_EXPANSIONS,
                user_fields=USER_FIELDS,
                media_fields=MEDIA_FIELDS,
                max_results=MAX_RESULTS,
                pagination_token=pagination_token,
                user_auth=True,
            ),
        )
        return DmEventsPage.model_validate(body)

    async def post_reply(self, text: str, in_reply_to_tweet_id: str) -> str | None:
        """POST /2/tweets as a reply; the new tweet's id."""
        body = await self._call(
            "POST /2/tweets",
            lambda client: client.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, user_auth=True
            ),
        )
        return _str_or_none(_data(body).get("id"))

    async def send_direct_message(self, participant_id: str, text: str) -> str | None:
        """POST /2/dm_conversations/with/:participant_id/messages; the DM event's id."""
        body = await self._call(
            "POST /2/dm_conversations/with/:id/messages",
            lambda client: client.create_direct_message(
                participant_id=participant_id, text=text, user_auth=True
            ),
        )
        return _str_or_none(_data(body).get("dm_event_id"))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self, what: str, request: Callable[[AsyncClient], Awaitable[Any]]
    ) -> dict[str, Any]:
        self._open_session()
        try:
            body = await request(self._client)
        except tweepy.HTTPException as exc:
            failure = classify_failure(exc, self._clock())
            if isinstance(failure, XAuthError):
                self._report_auth_failure(str(failure))
            raise failure from None
        except TimeoutError:
            raise DeliveryError(f"x: {what} timed out", code="timeout") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(
                f"x: {what} failed: {type(exc).__name__}", code="connection"
            ) from None
        self._auth_failure_reported = False
        return body if isinstance(body, dict) else {}

    def _open_session(self) -> None:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._settings.request_timeout_seconds)
            self._session = aiohttp.ClientSession(timeout=timeout)
            base_url = self._settings.api_base_url
            self._client.session = (
                self._session
                if base_url == DEFAULT_API_BASE_URL
                else _RebasedSession(self._session, base_url)
            )

    def _report_auth_failure(self, message: str) -> None:
        """Once per outage, loudly: every queued reply and every poll hits the same wall."""
        if not self._auth_failure_reported:
            self._auth_failure_reported = True
            log.error(
                "%s: X is held until CROUPIER_X_CONSUMER_KEY/_SECRET and "
                "CROUPIER_X_ACCESS_TOKEN/_SECRET (or _BEARER_TOKEN) are renewed",
                message,
            )


def classify_failure(exc: tweepy.HTTPException, now: float) -> DeliveryError | XRejected:
    """Map a failed call to retry-later, keys-refused or give-up (pure, for tests too)."""
    status = _status_of(exc)
    reason = "; ".join(str(m) for m in exc.api_messages) or f"HTTP {status}"
    if isinstance(exc, tweepy.TooManyRequests):
        reset = getattr(exc, "reset_time", None) or _reset_header(exc)
        wait = max(1.0, reset - now) if reset else RATE_LIMIT_FALLBACK_SECONDS
        return DeliveryError(
            f"x: rate limited, retry in {wait:.0f}s", retry_after=wait, code="429"
        )
    if isinstance(exc, tweepy.Unauthorized):
        return XAuthError(
            f"x: credentials refused (401): {reason}",
            retry_after=AUTH_FAILURE_RETRY_SECONDS,
            code="401",
        )
    if isinstance(exc, tweepy.TwitterServerError):
        return DeliveryError(f"x: server error {status}: {reason}", code=str(status))
    if isinstance(exc, tweepy.Forbidden | tweepy.BadRequest | tweepy.NotFound):
        return XRejected(f"x: {reason}", status)
    return DeliveryError(f"x: HTTP {status}: {reason}", code=str(status))


def _status_of(exc: tweepy.HTTPException) -> int:
    response = exc.response
    return int(getattr(response, "status", None) or getattr(response, "status_code", 0) or 0)


def _reset_header(exc: tweepy.HTTPException) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("x-rate-limit-reset")
    return float(value) if value and value.isdigit() else None


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
