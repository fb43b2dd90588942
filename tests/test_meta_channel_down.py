"""An invalid Page token (Graph error 190) stops the Meta channel loudly, loses nothing,
and delays no other channel: the real outbox over a real SQLite store, the Meta adapter
over real HTTP to the fake Graph API, which refuses the token and later accepts it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.channel import ChannelRegistry, DeliveryResult
from bots.events import Event, Reply
from bots.social.meta import MetaChannel
from bots.social.meta.graph import AUTH_FAILURE_RETRY_SECONDS
from croupier.outbox import DUE_BATCH, IDLE_POLL_SECONDS, Outbox
from croupier.store.sqlite import SqliteStore
from handlers.outcome import ConversationMode, EventStatus, Outcome
from tests.fakes.graph_api import FakeGraphApi, invalid_token
from tests.test_meta_channel import MESSAGES, AcceptedEvents, meta_settings


class OtherChannel:
    """A second, healthy channel: records what the outbox hands it."""

    name = "otherchat"

    def __init__(self) -> None:
        self.delivered: list[str] = []

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        self.delivered.append(reply.text)
        return DeliveryResult(delivered=True, platform_message_id=f"o{delivery_id}")


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    sqlite = SqliteStore(tmp_path / "croupier.sqlite3")
    await sqlite.open()
    yield sqlite
    await sqlite.close()


@pytest.fixture
async def meta(graph: FakeGraphApi) -> AsyncIterator[MetaChannel]:
    channel = MetaChannel(meta_settings(graph.url), AcceptedEvents())
    yield channel
    await channel.close()


@pytest.fixture
def other() -> OtherChannel:
    return OtherChannel()


@pytest.fixture
def clock() -> Monotonic:
    return Monotonic()


@pytest.fixture
def outbox(store: SqliteStore, meta: MetaChannel, other: OtherChannel, clock: Monotonic) -> Outbox:
    channels = ChannelRegistry()
    channels.register(meta)
    channels.register(other)
    return Outbox(store, channels, max_attempts=3, monotonic=clock)


async def queue_reply(store: SqliteStore, channel: str, key: str, text: str) -> int:
    """A reply in the outbox the way the runtime puts it there: an event, then its outcome."""
    event = Event(
        channel=channel,
        platform_message_id=f"in-{key}-{text}",
        conversation_key=key,
        sender_id="p",
    )
    event_id, _ = await store.accept_event(event, "{}")
    stored, _ = await store.load_event(event_id)
    reply = Reply(channel=channel, conversation_key=key, text=text)
    outcome = Outcome(
        status=EventStatus.ANSWERED, mode=ConversationMode.BOT, lang="en", replies=(reply,)
    )
    [outbox_id] = await store.apply_outcome(stored, outcome)
    return outbox_id


async def send_round(outbox: Outbox) -> bool:
    """One pass of the outbox loop, waiting for the sends it started to end."""
    started = await outbox.flush_due()
    await outbox.drain()
    return started


async def rows(store: SqliteStore, ids: list[int]) -> list[tuple[str, int]]:
    marks = ",".join("?" * len(ids))
    async with store.db.execute(
        f"SELECT status, attempts FROM outbox WHERE id IN ({marks}) ORDER BY id", ids
    ) as cursor:
        return [(str(status), int(attempts)) for status, attempts in await cursor.fetchall()]


async def test_invalid_token_holds_meta_replies_untouched_and_other_channels_go_on(
    store: SqliteStore,
    outbox: Outbox,
    graph: FakeGraphApi,
    other: OtherChannel,
    clock: Monotonic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    meta_ids = [
        await queue_reply(store, "meta", f"dm:page:71000000000000{n:02d}", f"answer {n}")
        for n in range(3)
    ]
    await queue_reply(store, "otherchat", "c-1", "first other reply")
    graph.script(MESSAGES, *[invalid_token()] * 3)

    with caplog.at_level(logging.WARNING, logger="croupier.outbox"):
        await send_round(outbox)
        refused = len(graph.requests)
        for _ in range(5):  # more rounds than max_attempts: nothing may burn
            await send_round(outbox)
        await queue_reply(store, "otherchat", "c-2", "second other reply")
        await send_round(outbox)

    assert other.delivered == ["first other reply", "second other reply"]
    assert 1 <= refused <= 3, "each conversation's first row at most, once"
    assert len(graph.requests) == refused, "no Meta call while the channel is down"
    assert await rows(store, meta_ids) == [("pending", 0)] * 3
    assert await store.dead_letters() == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "channel meta is down" in errors[0].getMessage()
    assert "EAAtest" not in caplog.text

    clock.now += AUTH_FAILURE_RETRY_SECONDS + 1  # the token was renewed meanwhile
    await send_round(outbox)  # one row probes, succeeds, and the rest follow
    await send_round(outbox)
    assert await rows(store, meta_ids) == [("sent", 1)] * 3
    delivered = [r.json["message"]["text"] for r in graph.sent_to(MESSAGES)[refused:]]
    assert sorted(delivered) == ["answer 0", "answer 1", "answer 2"]


async def test_a_failed_probe_holds_again_without_a_second_error(
    store: SqliteStore,
    outbox: Outbox,
    graph: FakeGraphApi,
    clock: Monotonic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    [row] = [await queue_reply(store, "meta", "dm:page:7100000000000001", "hello")]
    graph.script(MESSAGES, invalid_token(), invalid_token())
    with caplog.at_level(logging.WARNING, logger="croupier.outbox"):
        await send_round(outbox)
        clock.now += AUTH_FAILURE_RETRY_SECONDS + 1
        await send_round(outbox)  # the probe: still refused
        await send_round(outbox)  # held again: no call
    assert len(graph.sent_to(MESSAGES)) == 2
    assert await rows(store, [row]) == [("pending", 0)]
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
    assert "still down" in caplog.text


async def test_a_backlog_larger_than_a_batch_does_not_crowd_out_other_channels(
    store: SqliteStore, outbox: Outbox, graph: FakeGraphApi, other: OtherChannel
) -> None:
    count = DUE_BATCH + 10
    for n in range(count):
        await queue_reply(store, "meta", f"dm:page:72{n:014d}", f"queued {n}")
    graph.script(MESSAGES, *[invalid_token()] * count)
    await send_round(outbox)  # the first batch meets the refused token
    await send_round(outbox)  # the rest are seen and held without a call
    await queue_reply(store, "otherchat", "c-9", "not delayed")
    await send_round(outbox)
    assert other.delivered == ["not delayed"]
    assert len(graph.sent_to(MESSAGES)) <= DUE_BATCH


async def test_held_rows_do_not_make_the_outbox_spin(
    store: SqliteStore, outbox: Outbox, graph: FakeGraphApi, clock: Monotonic
) -> None:
    """Held rows stay due: the idle wait must not drop to zero because of them."""
    await queue_reply(store, "meta", "dm:page:7100000000000001", "hello")
    assert await outbox.idle_seconds() == 0.0  # due now, nothing held: send at once
    graph.script(MESSAGES, invalid_token())
    await send_round(outbox)
    assert not await send_round(outbox)  # all held: nothing attempted
    assert await outbox.idle_seconds() == IDLE_POLL_SECONDS
    clock.now += AUTH_FAILURE_RETRY_SECONDS + 1  # probe time: the due row is the probe
    assert await send_round(outbox)
