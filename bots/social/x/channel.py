"""X adapter: mentions and DMs in by polling (or Account Activity webhook), replies out.

Ingress, polling (the default, X API Basic tier): every ``poll_interval_seconds`` the
mentions timeline is read from the stored ``since_id`` and the DM events down to the newest
id already seen. Each batch is handed to the runtime's ``accept`` oldest first, and only
then is the cursor stored: a crash in between fetches the batch again, and the runtime's
de-duplication key ``(channel, platform_message_id)`` drops what was already stored, so a
restart neither loses nor repeats anything.

Ingress, webhook (Account Activity API, Enterprise tier): ``GET /x/webhook`` answers X's
challenge-response check, ``POST /x/webhook`` is verified against
``x-twitter-webhooks-signature`` before anything is parsed, and X gets its 200 only after
every item of the delivery was accepted.

Egress is :meth:`XChannel.deliver`: a public reply is one tweet (≤ 280) under the
player's; its ``private_followup`` (the full answer) goes first by DM, and if the player
does not accept our DMs the tweet says how to reach us instead. A DM reply is a DM, with
options as numbered lines.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web
from pydantic import ValidationError

from bots.channel import AcceptEvent, CursorStore, DeliveryError, DeliveryResult
from bots.events import Reply
from bots.json_input import loads_untrusted
from bots.social.x.api import XApi, XRejected
from bots.social.x.convert import (
    CHANNEL_NAME,
    DirectThread,
    IncomingItem,
    TweetThread,
    activity_items,
    dm_items,
    mention_items,
    parse_conversation_key,
)
from bots.social.x.outgoing import (
    CONTACT_HINT,
    fit_tweet,
    options_block,
    split_direct_message,
)
from bots.social.x.payloads import ActivityPayload, DmEvent, Tweet
from bots.social.x.settings import XSettings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/x/webhook"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
MENTIONS_CURSOR = "x:mentions_since_id"
DM_CURSOR = "x:dm_newest_id"
MAX_PAGES_PER_POLL = 5
"""Pages (of 100) read per source per poll once a cursor exists; a first start reads one."""
_REMEMBERED_TWEETS = 50_000
_Dated = TypeVar("_Dated", Tweet, DmEvent)
_REMEMBERED_DELIVERIES = 10_000


@dataclass
class _DeliveryProgress:
    """What of one outbox row already reached X, so a retry does not say it twice."""

    dm_parts_sent: int = 0
    dm_refused: bool = False
    last_dm_id: str | None = None


class XChannel:
    """The ``x`` channel: build it from settings, ``start()`` it, register it."""

    name = CHANNEL_NAME

    def __init__(
        self,
        settings: XSettings,
        accept: AcceptEvent,
        cursors: CursorStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._accept = accept
        self._cursors = cursors
        self._clock = clock
        self._api = XApi(settings, clock)
        self._thread_roots: OrderedDict[str, str] = OrderedDict()
        """Tweet id → its thread's root, for tweets we received or posted (webhook mode)."""
        self._latest_tweet: OrderedDict[str, str] = OrderedDict()
        """Conversation key → the player's newest tweet there, for replies without a target."""
        self._progress: OrderedDict[int, _DeliveryProgress] = OrderedDict()
        self._resume_at: dict[str, float] = {}
        """Poll source → when X allows it again (after a 429 or refused keys)."""
        self._poller: asyncio.Task[None] | None = None

    # -- life cycle ---------------------------------------------------------------------

    async def start(self, ingress: bool = True) -> None:
        """Start polling (polling mode); in webhook mode X calls us and there is nothing to
        do, nor for a worker of a scaled deployment (``ingress=False``), which only sends."""
        if ingress and self._settings.mode == "polling" and self._poller is None:
            self._poller = asyncio.create_task(self._poll_forever(), name="x-poll")

    async def stop(self) -> None:
        """Stop polling (cursors are already stored) and close the HTTP session."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self._api.close()

    # -- webhook ingress ------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(WEBHOOK_PATH, self.answer_crc)
        app.router.add_post(WEBHOOK_PATH, self.receive_webhook)

    async def answer_crc(self, request: web.Request) -> web.Response:
        """X's challenge-response check: prove we hold the consumer secret."""
        token = request.query.get("crc_token")
        if not token:
            return web.json_response({"error": "crc_token missing"}, status=400)
        return web.json_response({"response_token": crc_response_token(self._secret, token)})

    async def receive_webhook(self, request: web.Request) -> web.Response:
        """Verify, then accept every item; only a fully accepted delivery gets its 200.

        403 (bad signature) and 400 (not an Account Activity payload) are final; 500 makes
        X deliver again.
        """
        body = await request.read()
        if not signature_matches(self._secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("x webhook: bad or missing %s; delivery refused", SIGNATURE_HEADER)
            return web.json_response({"error": "bad signature"}, status=403)
        try:
            payload = ActivityPayload.model_validate(loads_untrusted(body))
        except (ValueError, ValidationError):
            return web.json_response({"error": "not an Account Activity payload"}, status=400)
        items = activity_items(payload, self._settings.account_id, self._thread_roots)
        try:
            await self._accept_all(items)
        except Exception:
            log.exception("x webhook: accept failed; X will deliver again")
            return web.json_response({"error": "try again"}, status=500)
        return web.json_response({"ok": True})

    @property
    def _secret(self) -> bytes:
        return self._settings.consumer_secret.get_secret_value().encode()

    # -- polling ingress ------------------------------------------------------------------

    async def poll_once(self) -> None:
        """One round: mentions, then DMs. A source X throttled waits for its reset time."""
        for source, poll in (("mentions", self._poll_mentions), ("dms", self._poll_dms)):
            if self._clock() < self._resume_at.get(source, 0.0):
                continue
            try:
                await poll()
            except DeliveryError as exc:
                log.warning("x: polling %s failed: %s", source, exc)
                if exc.retry_after:
                    self._resume_at[source] = self._clock() + exc.retry_after
            except XRejected as exc:
                log.error("x: polling %s refused by X: %s", source, exc.reason)
            except Exception:
                log.exception("x: could not store polled %s; fetching them again", source)

    async def _poll_forever(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(self._settings.poll_interval_seconds)

    async def _poll_mentions(self) -> None:
        """Mentions newer than the stored ``since_id``; the cursor moves once all are stored."""
        since_id = await self._cursors.get_cursor(MENTIONS_CURSOR)
        items: list[IncomingItem] = []
        newest = int(since_id) if since_id else None
        token: str | None = None
        for page_number in range(1, MAX_PAGES_PER_POLL + 1):
            page = await self._api.mentions(since_id, token)
            newest = _max_id(newest, [tweet.id for tweet in page.data])
            if since_id is None:
                page = page.model_copy(update={"data": self._recent(page.data)})
            items.extend(mention_items(page, self._settings.account_id))
            token = page.meta.next_token
            if not token or since_id is None:
                break
            if page_number == MAX_PAGES_PER_POLL:
                # Pages run newest to oldest: what is left is older than all we read.
                log.warning(
                    "x: over %d pages of new mentions; the oldest are skipped", page_number
                )
        await self._accept_all(sorted(items, key=lambda item: item.sort_key))
        if newest is not None and str(newest) != since_id:
            await self._cursors.set_cursor(MENTIONS_CURSOR, str(newest))

    async def _poll_dms(self) -> None:
        """DM events newer than the newest id seen (``/2/dm_events`` has no ``since_id``)."""
        stored = await self._cursors.get_cursor(DM_CURSOR)
        seen_up_to = int(stored) if stored else None
        items: list[IncomingItem] = []
        newest = seen_up_to
        token: str | None = None
        for _ in range(MAX_PAGES_PER_POLL):
            page = await self._api.dm_events(token)
            ids = [event.id for event in page.data]
            if seen_up_to is None:
                page = page.model_copy(update={"data": self._recent(page.data)})
            items.extend(dm_items(page, self._settings.account_id, seen_up_to))
            newest = _max_id(newest, ids)
            token = page.meta.next_token
            reached_seen = seen_up_to is not None and any(int(i) <= seen_up_to for i in ids)
            if not token or seen_up_to is None or reached_seen:
                break
        await self._accept_all(sorted(items, key=lambda item: item.sort_key))
        if newest is not None and newest != seen_up_to:
            await self._cursors.set_cursor(DM_CURSOR, str(newest))

    def _recent(self, items: list[_Dated]) -> list[_Dated]:
        """What a first poll answers: items younger than the lookback (undated ones too)."""
        horizon = self._clock() - self._settings.first_poll_lookback_minutes * 60
        return [
            item
            for item in items
            if item.created_at is None or item.created_at.timestamp() >= horizon
        ]

    # -- shared ingress -------------------------------------------------------------------

    async def _accept_all(self, items: list[IncomingItem]) -> None:
        """Store each event; a failure propagates so the batch is fetched (or sent) again."""
        for item in items:
            await self._accept(item.event, item.raw_json)
            thread = parse_conversation_key(item.event.conversation_key)
            if isinstance(thread, TweetThread):
                tweet_id = item.event.platform_message_id
                self._remember(self._thread_roots, tweet_id, thread.root_tweet_id)
                self._remember(self._latest_tweet, thread.key, tweet_id)

    # -- delivery -------------------------------------------------------------------------

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        """Send a reply; a retry of the same ``delivery_id`` skips what already went out.

        Raises :class:`DeliveryError` for failures worth retrying (429 with X's reset
        time, 5xx, timeouts; refused keys with a long wait); X's final refusals (blocked,
        protected, duplicate text, DMs closed) come back as ``permanent_error``.
        """
        thread = parse_conversation_key(reply.conversation_key)
        if thread is None:
            return DeliveryResult(
                delivered=False,
                permanent_error=f"x: not an X conversation key: {reply.conversation_key!r}",
            )
        progress = self._progress.setdefault(delivery_id, _DeliveryProgress())
        while len(self._progress) > _REMEMBERED_DELIVERIES:
            self._progress.popitem(last=False)
        try:
            if isinstance(thread, DirectThread):
                result = await self._send_direct(thread.user_id, reply, progress)
            elif not reply.is_public:
                result = await self._send_direct(thread.author_id, reply, progress)
            else:
                result = await self._reply_in_public(thread, reply, progress)
        except XRejected as exc:
            result = DeliveryResult(delivered=False, permanent_error=exc.reason)
        self._progress.pop(delivery_id, None)
        return result

    async def _send_direct(
        self, user_id: str, reply: Reply, progress: _DeliveryProgress
    ) -> DeliveryResult:
        text = reply.text.strip()
        if reply.options:
            text = (
                f"{text}\n\n{options_block(reply.options)}"
                if text
                else options_block(reply.options)
            )
        await self._send_dm_parts(user_id, text, progress)
        return DeliveryResult(delivered=True, platform_message_id=progress.last_dm_id)

    async def _reply_in_public(
        self, thread: TweetThread, reply: Reply, progress: _DeliveryProgress
    ) -> DeliveryResult:
        """DM the full answer first, so the public tweet can say how else to reach us if
        the player does not accept DMs; then the tweet, under the player's."""
        if reply.private_followup and not progress.dm_refused:
            try:
                await self._send_dm_parts(thread.author_id, reply.private_followup, progress)
            except XRejected as exc:
                log.info("x: DM to the author of %s refused (%s)", thread.key, exc.reason)
                progress.dm_refused = True
        tail_parts = [options_block(reply.options)] if reply.options else []
        if progress.dm_refused:
            tail_parts.append(reply.contact_hint or CONTACT_HINT)
        text = fit_tweet(reply.text, "\n\n".join(tail_parts))
        target = reply.in_reply_to or self._latest_tweet.get(thread.key) or thread.root_tweet_id
        tweet_id = await self._api.post_reply(text, target)
        if tweet_id:
            self._remember(self._thread_roots, tweet_id, thread.root_tweet_id)
        return DeliveryResult(delivered=True, platform_message_id=tweet_id)

    async def _send_dm_parts(self, user_id: str, text: str, progress: _DeliveryProgress) -> None:
        parts = split_direct_message(text)
        for index in range(progress.dm_parts_sent, len(parts)):
            progress.last_dm_id = await self._api.send_direct_message(user_id, parts[index])
            progress.dm_parts_sent = index + 1

    @staticmethod
    def _remember(remembered: OrderedDict[str, str], key: str, value: str) -> None:
        remembered[key] = value
        remembered.move_to_end(key)
        while len(remembered) > _REMEMBERED_TWEETS:
            remembered.popitem(last=False)


def crc_response_token(consumer_secret: bytes, crc_token: str) -> str:
    """``sha256=`` + base64 of HMAC-SHA256(consumer secret, crc_token)."""
    digest = hmac.new(consumer_secret, crc_token.encode(), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def signature_matches(consumer_secret: bytes, body: bytes, header: str | None) -> bool:
    """``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(secret, raw body)>``,
    compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = (
        "sha256="
        + base64.b64encode(hmac.new(consumer_secret, body, hashlib.sha256).digest()).decode()
    )
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def _max_id(current: int | None, ids: list[str]) -> int | None:
    numbers = [int(i) for i in ids if i.isdigit()]
    if current is not None:
        numbers.append(current)
    return max(numbers) if numbers else None
