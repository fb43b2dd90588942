"""Front ends and workers: the parts a process runs when events travel over Redis Streams.

- ``frontend``: channels' ingress (webhooks, web chat), the console; an accepted event
  is stored, then published on the stream. It pushes web chat replies to the sockets it
  holds and feeds its consoles' live feed, both from Redis pub/sub.
- ``worker``: consumes the stream, decides (:class:`croupier.worker.StreamWorker`) and
  runs the outbox, which shares the store's outbox with other workers through leases.
- ``all``: both in one process.

Without a stream the service is one process as before (:class:`croupier.processor.Processor`
with its in-process queue) and none of this is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bots.events import Event, Reply
from croupier.processor import Processor
from croupier.store.models import TicketChange
from croupier.store.postgres import PostgresStore
from croupier.store.sqlite import SqliteStore
from croupier.stream.redis_streams import RedisStream
from croupier.stream.relay import (
    TICKETS_CHANNEL,
    WAKE_CHANNEL,
    WEBCHAT_CHANNEL,
    Relay,
    RelayedWebChat,
    push_webchat_reply,
    ticket_change,
)
from croupier.worker import StreamWorker

log = logging.getLogger(__name__)

ROLES = ("all", "frontend", "worker")


class ScaledRuntime:
    def __init__(
        self,
        role: str,
        stream_url: str,
        store: SqliteStore,
        processor: Processor,
        *,
        claim_idle_seconds: float = 30.0,
        outbox_lease_seconds: float = 120.0,
        worker_concurrency: int = 4,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not isinstance(store, PostgresStore):
            raise ValueError("a Redis stream needs the PostgreSQL store (--store postgresql://…)")
        self.role = role
        self.store = store
        self.processor = processor
        store.lease_seconds = outbox_lease_seconds
        self.stream = RedisStream(stream_url, claim_idle=claim_idle_seconds)
        self.relay = Relay(stream_url)
        self.worker = StreamWorker(store, self.stream, processor, concurrency=worker_concurrency)
        self.webchat_sender = RelayedWebChat(self.relay)
        store.add_ticket_listener(self.relay.ticket_changed)
        self._task: asyncio.Task[None] | None = None

    @property
    def runs_worker(self) -> bool:
        return self.role in ("all", "worker")

    @property
    def runs_frontend(self) -> bool:
        return self.role in ("all", "frontend")

    async def accept(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        """Store, then enqueue. If the enqueue fails the event is stored all the same (so
        the platform may be acknowledged): a worker's sweep decides it a little later."""
        event_id, is_new, admitted = await self.processor.store_and_admit(event, raw_payload)
        if admitted:
            try:
                await self.stream.publish(event_id)
            except Exception:
                log.warning("event %d: stored, not enqueued; the sweep will take it", event_id)
        return event_id, is_new

    def retry_event(self, event_id: int) -> None:
        """The console retried a dead-lettered event: a worker decides it again."""
        task = asyncio.ensure_future(self.stream.publish(event_id))
        task.add_done_callback(lambda t: t.exception() and log.warning("retry not enqueued"))

    def connect(
        self,
        webchat_push: Callable[[Reply, int], object],
        ticket_changed: Callable[[TicketChange], None],
        wake_outbox: Callable[[], None],
    ) -> None:
        """Subscribe this process to what other processes announce."""
        if self.runs_frontend:
            self.relay.on(WEBCHAT_CHANNEL, lambda data: push_webchat_reply(data, webchat_push))
            self.relay.on(TICKETS_CHANNEL, lambda data: ticket_changed(ticket_change(data)))
        if self.runs_worker:
            self.relay.on(WAKE_CHANNEL, lambda _data: wake_outbox())

    async def start(self) -> None:
        await self.stream.open()
        await self.relay.open()
        if self.runs_worker:
            self._task = asyncio.create_task(self.worker.run(), name="worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.relay.close()
        await self.stream.close()
