"""The only place that sends: every reply, bot's or moderator's, leaves from here once.

Rows are sent in order per conversation, different conversations concurrently.
Failures worth retrying wait for the platform's ``retry_after`` or an exponential
backoff; permanent ones and exhausted retries become dead letters with their reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bots.channel import ChannelRegistry, DeliveryError
from croupier.store.base import Store
from croupier.store.models import OutboxItem

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
SEND_TIMEOUT_SECONDS = 30.0
IDLE_POLL_SECONDS = 5.0


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: ~1, 2, 4… seconds, capped at five minutes."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return delay * random.uniform(0.8, 1.2)


class Outbox:
    def __init__(
        self,
        store: Store,
        channels: ChannelRegistry,
        max_attempts: int = 8,
        send_timeout: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        self._store = store
        self._channels = channels
        self._max_attempts = max_attempts
        self._send_timeout = send_timeout
        self._wake = asyncio.Event()
        self._stopping = False

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
            sent_any = await self.flush_due()
            if sent_any or self._stopping:
                continue
            next_due = await self._store.next_outbox_due()
            timeout = IDLE_POLL_SECONDS
            if next_due is not None:
                timeout = max(0.0, min(timeout, (next_due - datetime.now(UTC)).total_seconds()))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            except TimeoutError:
                pass

    async def settle_interrupted_sends(self) -> None:
        """Rows a crash left ``sending`` (an adapter had begun the network call) become dead
        letters rather than being sent again: the player may already have them. At most
        once here: a moderator sees the dead letter and can retry it, while a duplicate
        answer would reach the player unasked."""
        for outbox_id in await self._store.settle_interrupted_sends():
            log.warning("outbox %d: dead letter: the service stopped during its send", outbox_id)

    async def flush_due(self) -> bool:
        """Send what is due now; returns True if anything was attempted."""
        due = await self._store.due_outbox(datetime.now(UTC))
        if not due:
            return False
        by_conversation: dict[tuple[str, str], list[OutboxItem]] = defaultdict(list)
        for item in due:
            by_conversation[(item.reply.channel, item.reply.conversation_key)].append(item)
        await asyncio.gather(*(self._send_in_order(items) for items in by_conversation.values()))
        return True

    async def _send_in_order(self, items: list[OutboxItem]) -> None:
        for item in items:
            if not await self._send(item):
                return  # keep this conversation's order: later replies wait for the retry

    async def _send(self, item: OutboxItem) -> bool:
        channel = self._channels.get(item.reply.channel)
        if channel is None:
            await self._store.dead_letter_outbox(
                item.id, f"channel '{item.reply.channel}' is not configured"
            )
            return True
        attempt = item.attempts + 1
        try:
            result = await asyncio.wait_for(
                channel.deliver(item.reply, item.id), timeout=self._send_timeout
            )
        except DeliveryError as exc:
            return await self._retry_or_give_up(item, attempt, str(exc), exc.retry_after)
        except TimeoutError:
            return await self._retry_or_give_up(item, attempt, "send timed out", None)
        except Exception as exc:
            log.exception("outbox %d: unexpected error from %s", item.id, channel.name)
            return await self._retry_or_give_up(item, attempt, type(exc).__name__, None)
        if result.delivered:
            await self._store.mark_sent(item.id, result.platform_message_id)
            return True
        if result.permanent_error:
            log.warning("outbox %d: dead letter: %s", item.id, result.permanent_error)
            await self._store.dead_letter_outbox(item.id, result.permanent_error)
            return True
        return await self._retry_or_give_up(item, attempt, "not delivered", result.retry_after)

    async def _retry_or_give_up(
        self, item: OutboxItem, attempt: int, error: str, retry_after: float | None
    ) -> bool:
        if attempt >= self._max_attempts:
            await self._store.dead_letter_outbox(
                item.id, f"gave up after {attempt} attempts: {error}"
            )
            return True
        delay = retry_after if retry_after is not None else backoff_delay(attempt)
        log.info(
            "outbox %d: attempt %d failed (%s); retry in %.1fs", item.id, attempt, error, delay
        )
        await self._store.schedule_retry(
            item.id, datetime.now(UTC) + timedelta(seconds=delay), error
        )
        return False
