"""The only place that sends: every reply, bot's or moderator's, leaves from here once.

Rows are sent in order per conversation, each conversation in its own task, so that a
platform that hangs until the send timeout holds up only its own conversations.
Failures worth retrying wait for the platform's ``retry_after`` or an exponential
backoff with jitter; permanent ones and exhausted retries become dead letters with their
reason. A channel that is down as a whole (:class:`ChannelDown`, e.g. a refused token)
has all its replies held, untouched, until a later probe gets through; other channels
carry on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bots.channel import ChannelDown, ChannelRegistry, DeliveryError
from croupier import log_context
from croupier.metrics import Metrics
from croupier.store.base import Store
from croupier.store.models import OutboxItem

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
SEND_TIMEOUT_SECONDS = 30.0
IDLE_POLL_SECONDS = 5.0
DUE_BATCH = 200
CHANNEL_DOWN_PAUSE_SECONDS = 600.0
"""How long a down channel's replies are held before one of them probes it again, when
the adapter does not say (``ChannelDown.retry_after``)."""

ConversationKey = tuple[str, str]
"""(channel, conversation key): the unit whose replies keep their order."""


def backoff_delay(attempt: int, base: float = BACKOFF_BASE_SECONDS) -> float:
    """Exponential backoff with jitter: ~1, 2, 4… seconds, capped at five minutes. The
    jitter spreads the retries of many conversations hit by one outage, so they do not
    come back to the platform all in the same second."""
    delay = min(BACKOFF_CAP_SECONDS, base * 2 ** max(attempt - 1, 0))
    return delay * random.uniform(0.8, 1.2)


@dataclass
class _Outage:
    """A channel that cannot send at all, and the rows we hold back for it meanwhile."""

    probe_at: float
    held: set[int] = field(default_factory=set)
    probe_id: int | None = None
    """The row sent to find out whether the channel is back, while it is under way."""


class Outbox:
    def __init__(
        self,
        store: Store,
        channels: ChannelRegistry,
        max_attempts: int = 8,
        send_timeout: float = SEND_TIMEOUT_SECONDS,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        metrics: Metrics | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._channels = channels
        self._max_attempts = max_attempts
        self._send_timeout = send_timeout
        self._backoff_base = backoff_base
        self._metrics = metrics or Metrics()
        self._monotonic = monotonic
        self._outages: dict[str, _Outage] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._in_flight: dict[ConversationKey, asyncio.Task[None]] = {}
        """Conversations with a send under way."""
        self._finished_meanwhile: set[ConversationKey] = set()
        """Conversations whose send task ended since the current read of due rows began."""

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Make :meth:`run` return once the sends under way have finished, so that a clean
        stop leaves no row ``sending`` (in doubt) behind."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        await self.settle_interrupted_sends()
        while not self._stopping:
            self._wake.clear()
            await self.flush_due()
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=await self.idle_seconds())
            except TimeoutError:
                pass
        await self.drain()

    async def drain(self) -> None:
        """Wait for the sends under way (each bounded by the send timeout)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def idle_seconds(self) -> float:
        """How long :meth:`run` sleeps after a round (a wake cuts it short)."""
        next_due = await self._store.next_outbox_due()
        timeout = IDLE_POLL_SECONDS
        if next_due is not None:
            wait = (next_due - datetime.now(UTC)).total_seconds()
            if wait > 0:
                timeout = min(timeout, wait)
            elif not self._in_flight and not self._outages:
                timeout = 0.0
            # else: what is due belongs to conversations still sending (the end of each
            # send wakes us) or to a down channel (held until its probe): no busy loop.
        now = self._monotonic()
        probes = [o.probe_at - now for o in self._outages.values() if o.probe_at > now]
        if probes:  # a probe whose time has come waits for a due row, not for the clock
            timeout = min(timeout, min(probes))
        return timeout

    async def settle_interrupted_sends(self) -> None:
        """Rows a crash left ``sending`` (an adapter had begun the network call) become dead
        letters rather than being sent again: the player may already have them. At most
        once here: a moderator sees the dead letter and can retry it, while a duplicate
        answer would reach the player unasked."""
        for outbox_id in await self._store.settle_interrupted_sends():
            log.warning("outbox %d: dead letter: the service stopped during its send", outbox_id)
            self._metrics.reply_dead(outbox_id, "in doubt")

    async def flush_due(self) -> bool:
        """Start sending what is due now; returns True if any conversation was started.

        The loop does not wait for the sends it starts. A conversation already sending is
        left alone (its later rows follow when its task comes back), which keeps its order.
        """
        self._finished_meanwhile.clear()
        # Held rows stay due; fetch past them so they cannot crowd out other channels.
        held = sum(len(outage.held) for outage in self._outages.values())
        due = await self._store.due_outbox(datetime.now(UTC), DUE_BATCH + held)
        by_conversation: dict[ConversationKey, list[OutboxItem]] = defaultdict(list)
        starting: set[int] = set()
        for item in self._hold_for_down_channels(due):
            key = (item.reply.channel, item.reply.conversation_key)
            # A conversation whose send ended while we read may have sent these very rows
            # after our read began: skip it now, the next pass reads it afresh.
            if key not in self._in_flight and key not in self._finished_meanwhile:
                by_conversation[key].append(item)
                starting.add(item.id)
        # Rows held or skipped go back at once (a leasing store would otherwise keep them
        # from every sender until the lease ran out).
        await self._store.release_outbox([item.id for item in due if item.id not in starting])
        for key, items in by_conversation.items():
            task = asyncio.create_task(self._send_in_order(items), name=f"send-{key[0]}")
            self._in_flight[key] = task
            task.add_done_callback(lambda _task, key=key: self._conversation_done(key))
        return bool(by_conversation)

    def _conversation_done(self, key: ConversationKey) -> None:
        self._in_flight.pop(key, None)
        self._finished_meanwhile.add(key)
        self._wake.set()

    def _hold_for_down_channels(self, due: list[OutboxItem]) -> list[OutboxItem]:
        """Due rows minus those of down channels; once a pause is over, one row probes."""
        now = self._monotonic()
        sendable: list[OutboxItem] = []
        for item in due:
            outage = self._outages.get(item.reply.channel)
            if outage is None:
                sendable.append(item)
            elif outage.probe_at <= now and outage.probe_id is None:
                outage.probe_id = item.id
                sendable.append(item)
            elif item.id != outage.probe_id:
                outage.held.add(item.id)
        return sendable[:DUE_BATCH]

    def _channel_down(self, name: str, item: OutboxItem, exc: ChannelDown) -> None:
        """Hold ``item`` and every later row of channel ``name``; loud once per outage."""
        pause = exc.retry_after if exc.retry_after is not None else CHANNEL_DOWN_PAUSE_SECONDS
        outage = self._outages.get(name)
        if outage is None:
            log.error(
                "channel %s is down: %s. Its replies are held (not retried, not dead-lettered) "
                "and the channel is tried again in %.0fs or on restart",
                name,
                exc,
                pause,
            )
            outage = self._outages[name] = _Outage(probe_at=0.0)
        elif outage.probe_id is not None:
            log.warning("channel %s is still down; next try in %.0fs", name, pause)
        outage.probe_at = self._monotonic() + pause
        outage.probe_id = None
        outage.held.add(item.id)

    def _channel_up(self, name: str) -> None:
        outage = self._outages.pop(name, None)
        if outage is not None:
            log.warning("channel %s sends again; %d held replies follow", name, len(outage.held))
            self._wake.set()

    async def _send_in_order(self, items: list[OutboxItem]) -> None:
        for item in items:
            try:
                sent = await self._send(item)
            except Exception:
                # The store failed (not the platform): the row stays as it was and the
                # next pass tries again; the conversation's order still holds.
                log.exception("outbox %d: could not record the send", item.id)
                return
            if not sent:
                return  # keep this conversation's order: later replies wait for the retry

    async def _send(self, item: OutboxItem) -> bool:
        log_context.outbox_id.set(item.id)  # this task's context: its log lines carry both
        log_context.event_id.set(item.event_id)
        channel = self._channels.get(item.reply.channel)
        if channel is None:
            await self._dead_letter(item, f"channel '{item.reply.channel}' is not configured")
            return True
        outage = self._outages.get(channel.name)
        if outage is not None and item.id != outage.probe_id:
            outage.held.add(item.id)  # went down while this conversation waited its turn
            return False
        attempt = item.attempts + 1
        try:
            result = await asyncio.wait_for(
                channel.deliver(item.reply, item.id), timeout=self._send_timeout
            )
        except ChannelDown as exc:
            self._metrics.platform_errors.labels(channel.name, exc.code or "channel_down").inc()
            self._channel_down(channel.name, item, exc)
            return False
        except DeliveryError as exc:
            code = exc.code or ("429" if exc.retry_after is not None else "error")
            self._metrics.platform_errors.labels(channel.name, code).inc()
            return await self._retry_or_give_up(item, attempt, str(exc), exc.retry_after)
        except TimeoutError:
            self._metrics.platform_errors.labels(channel.name, "timeout").inc()
            return await self._retry_or_give_up(item, attempt, "send timed out", None)
        except Exception as exc:
            log.exception("outbox %d: unexpected error from %s", item.id, channel.name)
            self._metrics.platform_errors.labels(channel.name, "unexpected").inc()
            return await self._retry_or_give_up(item, attempt, type(exc).__name__, None)
        self._channel_up(channel.name)
        if result.delivered:
            await self._store.mark_sent(item.id, result.platform_message_id)
            self._metrics.reply_sent(item.id)
            return True
        if result.permanent_error:
            self._metrics.platform_errors.labels(channel.name, "permanent").inc()
            log.warning("outbox %d: dead letter: %s", item.id, result.permanent_error)
            await self._dead_letter(item, result.permanent_error)
            return True
        self._metrics.platform_errors.labels(channel.name, "not_delivered").inc()
        return await self._retry_or_give_up(item, attempt, "not delivered", result.retry_after)

    async def _dead_letter(self, item: OutboxItem, reason: str) -> None:
        await self._store.dead_letter_outbox(item.id, reason)
        self._metrics.reply_dead(item.id, reason)

    async def _retry_or_give_up(
        self, item: OutboxItem, attempt: int, error: str, retry_after: float | None
    ) -> bool:
        if attempt >= self._max_attempts:
            await self._dead_letter(item, f"gave up after {attempt} attempts: {error}")
            return True
        delay = (
            retry_after if retry_after is not None else backoff_delay(attempt, self._backoff_base)
        )
        log.info(
            "outbox %d: attempt %d failed (%s); retry in %.1fs", item.id, attempt, error, delay
        )
        await self._store.schedule_retry(
            item.id, datetime.now(UTC) + timedelta(seconds=delay), error
        )
        return False
