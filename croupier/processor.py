"""Turns stored events into outcomes, one at a time, in arrival order.

Adapters call :meth:`Processor.accept`; it stores the event before the adapter
acknowledges the platform, then queues it. After a restart every event still
``accepted`` is queued again, so nothing acknowledged is lost.
"""

from __future__ import annotations

import asyncio
import logging

from bots.events import Event
from bots.json_input import storable_json_text
from croupier import log_context
from croupier.flood import FloodGuard
from croupier.live_content import LiveContent
from croupier.metrics import Metrics, reason_class
from croupier.outbox import Outbox
from croupier.store.base import Store
from croupier.store.models import EventStatus

log = logging.getLogger(__name__)


class Processor:
    def __init__(
        self,
        store: Store,
        content: LiveContent,
        outbox: Outbox,
        metrics: Metrics | None = None,
        flood: FloodGuard | None = None,
    ) -> None:
        self._store = store
        self._flood = flood
        self._metrics = metrics or Metrics()
        self._content = content
        self._outbox = outbox
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self.idle = asyncio.Event()
        self.idle.set()

    async def accept(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        """Store ``event``; returns (event id, is_new). Safe to call for redeliveries."""
        event_id, is_new, admitted = await self.store_and_admit(event, raw_payload)
        if admitted:
            self.idle.clear()
            self._queue.put_nowait(event_id)
        return event_id, is_new

    async def store_and_admit(self, event: Event, raw_payload: str) -> tuple[int, bool, bool]:
        """Store ``event``, count it, and say whether it goes on to a decision: (event id,
        is_new, admitted). A redelivery does not; nor does a flooding player's message,
        which becomes a dead letter with the reason instead. Front ends of a scaled
        deployment store through here too, then enqueue what is admitted."""
        raw_payload = storable_json_text(raw_payload)  # a lone surrogate must not 500 a webhook
        event_id, is_new = await self._store.accept_event(event, raw_payload)
        if not is_new:
            self._metrics.duplicates.labels(event.channel).inc()
            return event_id, is_new, False
        self._metrics.events_in.labels(event.channel).inc()
        log.info("event %d accepted on %s", event_id, event.channel, extra={"event_id": event_id})
        if self._flood is not None and not self._flood.allow(event.channel, event.sender_id):
            await self._dead_letter_event(event_id, self._flood.reason)
            return event_id, is_new, False
        return event_id, is_new, True

    async def _dead_letter_event(self, event_id: int, reason: str) -> None:
        await self._store.dead_letter_event(event_id, reason)
        self._metrics.dead_letters.labels("event", reason_class(reason)).inc()

    async def run(self) -> None:
        for event_id in await self._store.unprocessed_event_ids():
            self.idle.clear()
            self._queue.put_nowait(event_id)
        while True:
            event_id = await self._queue.get()
            try:
                await self.process(event_id)
            except Exception:
                log.exception(
                    "event %d: processing failed; it stays queued for a restart", event_id
                )
            finally:
                self._queue.task_done()
                if self._queue.empty():
                    self.idle.set()

    async def process(self, event_id: int) -> None:
        token = log_context.event_id.set(event_id)
        try:
            await self._process(event_id)
        finally:
            log_context.event_id.reset(token)

    async def _process(self, event_id: int) -> None:
        stored, state = await self._store.load_event(event_id)
        if stored.status is not EventStatus.ACCEPTED:
            return
        responder = self._content.responder
        if responder is None:
            raise RuntimeError("no FAQ is live")
        try:
            outcome = responder.respond(stored.event, state)
        except Exception as exc:
            log.exception("event %d: decision failed", event_id)
            reason = f"decision failed: {type(exc).__name__}"
            await self._dead_letter_event(event_id, reason)
            return
        outbox_ids = await self._store.apply_outcome(stored, outcome)
        reason = outcome.decision.get("reason") or (
            "faq" if outcome.decision.get("faq_id") else ""
        )
        self._metrics.decisions.labels(outcome.status.value, reason_class(str(reason))).inc()
        self._metrics.replies_queued(outbox_ids, stored.event.channel, stored.event.received_at)
        log.info(
            "event %d on %s: %s %s",
            event_id,
            stored.event.channel,
            outcome.status.value,
            outcome.decision.get("faq_id") or outcome.decision.get("reason") or "",
        )
        if outbox_ids:
            self._outbox.wake()
