"""Redis pub/sub between processes for what is live and may be missed safely.

- web chat replies: a worker sends a reply; the player's socket is open on some front
  end, which pushes it (a page that was not connected catches up from the store);
- ticket changes: every front end's console live feed hears every worker's changes;
- outbox wake-ups: a moderator's reply queued on a front end is sent by a worker now,
  not at its next poll.

Pub/sub drops messages for a subscriber that is away; each of these has a durable
fallback (store history, the console reloading its queue, the outbox poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

import redis.asyncio as aioredis

from bots.channel import DeliveryResult
from bots.events import Reply
from croupier.store.models import TicketChange

log = logging.getLogger(__name__)

WEBCHAT_CHANNEL = "croupier:webchat-replies"
TICKETS_CHANNEL = "croupier:ticket-changes"
WAKE_CHANNEL = "croupier:outbox-wake"

ReplySink = Callable[[Reply, int], object]


class Relay:
    def __init__(self, url: str) -> None:
        self._url = url
        self._redis: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._handlers: dict[str, Callable[[str], object]] = {}
        self._pending: set[asyncio.Task[object]] = set()

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("relay is not open")
        return self._redis

    def on(self, channel: str, handler: Callable[[str], object]) -> None:
        """Before :meth:`open`: call ``handler`` with each message's data (coroutines are
        run as tasks)."""
        self._handlers[channel] = handler

    async def open(self) -> None:
        self._redis = aioredis.from_url(self._url, decode_responses=True)
        if self._handlers:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(*self._handlers)
            self._task = asyncio.create_task(self._listen(pubsub), name="relay")

    async def _listen(self, pubsub: aioredis.client.PubSub) -> None:
        try:
            async for message in pubsub.listen():
                handler = self._handlers.get(message.get("channel", ""))
                if handler is None:
                    continue
                try:
                    result = handler(message["data"])
                    if asyncio.iscoroutine(result):
                        task = asyncio.ensure_future(result)
                        self._pending.add(task)
                        task.add_done_callback(self._pending.discard)
                except Exception:
                    log.exception("relay handler for %s failed", message.get("channel"))
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def publish(self, channel: str, data: str) -> None:
        await self.redis.publish(channel, data)

    def publish_soon(self, channel: str, data: str) -> None:
        """From synchronous code (store listeners): publish without waiting."""
        task = asyncio.ensure_future(self._publish_logged(channel, data))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish_logged(self, channel: str, data: str) -> None:
        try:
            await self.publish(channel, data)
        except Exception:
            log.warning("relay: could not publish on %s", channel, exc_info=True)

    # -- the three kinds of message ------------------------------------------------------

    def ticket_changed(self, change: TicketChange) -> None:
        """Store listener: every front end's live feed hears it (see :func:`ticket_change`)."""
        self.publish_soon(
            TICKETS_CHANNEL,
            json.dumps(
                {"ticket_id": change.ticket_id, "change": change.change, "actor": change.actor}
            ),
        )

    def wake_outbox(self) -> None:
        self.publish_soon(WAKE_CHANNEL, "1")


def ticket_change(data: str) -> TicketChange:
    body = json.loads(data)
    return TicketChange(int(body["ticket_id"]), str(body["change"]), body.get("actor"))


class RelayedWebChat:
    """The web chat as a worker's outbox sees it: the reply goes to whichever front end
    holds the player's socket. Delivered once published: the page that missed the push
    fetches it from the store's delivered replies when it (re)connects."""

    name = "webchat"

    def __init__(self, relay: Relay) -> None:
        self._relay = relay

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        await self._relay.publish(
            WEBCHAT_CHANNEL, json.dumps({"id": delivery_id, "reply": reply.model_dump_json()})
        )
        return DeliveryResult(delivered=True)


async def push_webchat_reply(data: str, sink: Callable[[Reply, int], object]) -> None:
    body = json.loads(data)
    result = sink(Reply.model_validate_json(body["reply"]), int(body["id"]))
    if asyncio.iscoroutine(result):
        await result
