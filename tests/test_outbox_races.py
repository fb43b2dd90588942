"""The outbox against a real SQLite store, with the timing of its reads steered so that a
race that is rare under load happens every time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bots.channel import ChannelRegistry, DeliveryResult
from bots.events import Reply
from croupier.outbox import Outbox
from croupier.store.models import OutboxItem
from croupier.store.sqlite import SqliteStore
from tests.test_meta_channel_down import queue_reply


class SteeredStore(SqliteStore):
    """The real store; a test may hold the result of the next due-rows read until it says
    so, which stands for a slow read on a busy database."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.hold_next_read: asyncio.Event | None = None
        self.read_done = asyncio.Event()

    async def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        rows = await super().due_outbox(now, limit)
        hold, self.hold_next_read = self.hold_next_read, None
        if hold is not None:
            self.read_done.set()
            await hold.wait()
        return rows


class GatedPlatform:
    """A platform that takes each reply only when the test opens the gate."""

    name = "gated"

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.received: list[int] = []

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        await self.gate.wait()
        self.received.append(delivery_id)
        return DeliveryResult(delivered=True, platform_message_id=f"p{delivery_id}")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SteeredStore]:
    store = SteeredStore(tmp_path / "outbox.sqlite3")
    await store.open()
    yield store
    await store.close()


async def test_a_send_ending_during_a_read_of_due_rows_is_not_sent_again(
    store: SteeredStore,
) -> None:
    platform = GatedPlatform()
    channels = ChannelRegistry()
    channels.register(platform)
    outbox = Outbox(store, channels)
    outbox_id = await queue_reply(store, "gated", "player-1", "answer 1")

    await outbox.flush_due()  # the conversation's send starts and waits at the platform
    release = store.hold_next_read = asyncio.Event()
    second_pass = asyncio.create_task(outbox.flush_due())
    await store.read_done.wait()  # the second read saw the row still pending…
    platform.gate.set()  # …then the first send ends: delivered and recorded as sent
    await outbox.drain()
    release.set()  # the second read returns its now stale rows
    await second_pass
    await outbox.drain()

    assert platform.received == [outbox_id]
