"""A worker: takes stream entries, decides events, and leaves the sending to the outbox.

Ordering and exactly-once across any number of workers:

- one conversation is decided by one worker at a time: a PostgreSQL session advisory
  lock per conversation, held while deciding (released by the server if the worker dies);
- under the lock the worker decides the conversation's *oldest* still-``accepted`` events
  up to the entry's, in id order: a late, reordered or redelivered entry finds its event
  decided already and changes nothing (the store applies an outcome only to an
  ``accepted`` event, checked under a row lock);
- an entry is acknowledged (``XACK``) only after its event is decided: a worker killed
  mid-event leaves it pending, and another worker claims it after the idle timeout;
- a sweep decides events accepted long ago whose entry never came (a front end died
  between storing and enqueueing, or Redis was down).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from croupier.processor import Processor
from croupier.store.postgres import PostgresStore
from croupier.stream.base import EventStream, StreamEntry

log = logging.getLogger(__name__)

CONVERSATION_LOCK_CLASS = 1
"""First key of the two-key advisory lock on a conversation (the second is its id)."""


class StreamWorker:
    def __init__(
        self,
        store: PostgresStore,
        stream: EventStream,
        processor: Processor,
        *,
        concurrency: int = 4,
        sweep_seconds: float = 10.0,
        stale_after_seconds: float = 30.0,
    ) -> None:
        self._store = store
        self._stream = stream
        self._processor = processor
        self._slots = asyncio.Semaphore(concurrency)
        self._sweep_seconds = sweep_seconds
        self._stale_after = timedelta(seconds=stale_after_seconds)
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        sweeper = asyncio.create_task(self._sweep_forever(), name="worker-sweep")
        try:
            async for entry in self._stream.entries():
                await self._slots.acquire()
                task = asyncio.create_task(self._handle(entry), name=f"entry-{entry.entry_id}")
                self._tasks.add(task)
                task.add_done_callback(self._done)
        finally:
            sweeper.cancel()
            for task in [sweeper, *self._tasks]:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _handle(self, entry: StreamEntry) -> None:
        try:
            await self.decide_up_to(entry.event_id)
            await self._stream.ack(entry)
        except Exception:
            log.exception(
                "event %d: not decided; its entry stays pending and is claimed again",
                entry.event_id,
            )

    async def decide_up_to(self, event_id: int) -> None:
        conversation_id = await self._store.conversation_of(event_id)
        if conversation_id is None:
            log.warning("stream entry for unknown event %d: dropped", event_id)
            return
        key = (CONVERSATION_LOCK_CLASS, conversation_id % 2_147_483_647)
        async with self._store.connection() as connection:
            await connection.execute("SELECT pg_advisory_lock($1, $2)", *key)
            try:
                for waiting in await self._store.accepted_events_up_to(conversation_id, event_id):
                    await self._processor.process(waiting)
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1, $2)", *key)

    async def sweep(self) -> int:
        """Decide events accepted more than ``stale_after`` ago; returns how many were due."""
        stale = await self._store.stale_accepted_events(datetime.now(UTC) - self._stale_after)
        for event_id in stale:
            try:
                await self.decide_up_to(event_id)
            except Exception:
                log.exception("event %d: sweep could not decide it", event_id)
        return len(stale)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("worker sweep failed; trying again")
            await asyncio.sleep(self._sweep_seconds)


async def settle_sends_forever(store: PostgresStore, seconds: float = 10.0) -> None:
    """With a shared outbox, a sender can die at any time, not only before this process
    started: its rows left ``sending`` are settled (dead letters, in doubt) once their
    lease has run out, by whichever process runs an outbox."""
    while True:
        await asyncio.sleep(seconds)
        try:
            for outbox_id in await store.settle_interrupted_sends():
                log.warning("outbox %d: dead letter: its sender stopped mid-send", outbox_id)
        except Exception:
            log.exception("settling interrupted sends failed; trying again")
