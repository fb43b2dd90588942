"""Front ends and workers over real Redis Streams and PostgreSQL, in this process.

A front end (``role=frontend``) and a worker (``role=worker``) are two Croupier instances
sharing one database and one Redis: the player talks to the front end only and gets the
worker's answer pushed on the front end's socket. Stream and outbox pieces are also
driven alone: an abandoned entry is claimed by another consumer, a redelivered entry
changes nothing, and two senders never lease the same conversation at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bots.events import Event, Reply
from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from croupier.store.postgres import PostgresStore
from croupier.stream.redis_streams import RedisStream
from tests.conftest import CONSOLE_PASSWORD, Moderator, PlayerChat, faq_answer
from tests.servers import PostgresServer, RedisServer


@pytest.fixture
async def shared(pg_server: PostgresServer, redis_server: RedisServer) -> tuple[str, str]:
    return await pg_server.new_database(), redis_server.url()


async def _started(
    role: str, shared: tuple[str, str], tmp_path: Path, faq_dir: Path, parts: DecisionParts
) -> Croupier:
    settings = Settings(
        store=shared[0],
        stream=shared[1],
        role=role,  # type: ignore[arg-type]
        data_dir=tmp_path / role,
        faq_dir=faq_dir,
        bot_texts=DEFAULT_BOT_TEXTS,
    )
    app = Croupier(settings, CONSOLE_PASSWORD, parts=parts)
    await app.start()
    return app


@pytest.fixture
async def frontend_and_worker(
    shared: tuple[str, str], tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts
) -> AsyncIterator[tuple[Croupier, Croupier]]:
    frontend = await _started("frontend", shared, tmp_path, faq_dir, decision_parts)
    worker = await _started("worker", shared, tmp_path, faq_dir, decision_parts)
    yield frontend, worker
    await frontend.stop()
    await worker.stop()


@pytest.fixture
async def frontend_client(
    frontend_and_worker: tuple[Croupier, Croupier],
) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(frontend_and_worker[0].web)) as client:
        yield client


async def test_the_worker_answers_what_the_front_end_accepted_on_the_front_ends_socket(
    frontend_and_worker: tuple[Croupier, Croupier], frontend_client: TestClient[Any, Any]
) -> None:
    frontend, worker = frontend_and_worker
    assert frontend.scaled is not None and not frontend.scaled.runs_worker
    player = PlayerChat(frontend_client, "scale-player-1")
    await player.connect()
    await player.say("How long does a withdrawal take to arrive?")
    reply = await player.next_reply()
    assert reply["text"] == faq_answer(worker, "withdrawal-time", "en")
    assert await frontend.store.event_status_counts() == {"answered": 1}
    await player.close()


async def test_a_ticket_a_worker_opens_reaches_the_front_ends_live_feed_and_the_moderator_reply_the_player(
    frontend_and_worker: tuple[Croupier, Croupier], frontend_client: TestClient[Any, Any]
) -> None:
    frontend, _worker = frontend_and_worker
    feed = frontend.live_feed.subscribe()
    player = PlayerChat(frontend_client, "scale-player-2")
    await player.connect()
    await player.say("I want to talk to a human operator please")
    holding = await player.next_reply()
    assert holding["author"] == "bot"
    change = await asyncio.wait_for(feed.get(), 10)
    assert change is not None and change["change"] == "opened"
    moderator = Moderator(frontend_client)
    await moderator.sign_in()
    ticket_id = int(change["ticket_id"])  # type: ignore[arg-type]
    assert await moderator.reply(ticket_id, "Hello, this is Ana from support.") in (200, 202)
    answer = await player.next_reply()
    assert answer == {**answer, "author": "moderator", "text": "Hello, this is Ana from support."}
    await player.close()


async def test_an_entry_a_consumer_read_and_never_acknowledged_is_claimed_by_another(
    redis_server: RedisServer,
) -> None:
    url = redis_server.url()
    dead = RedisStream(url, claim_idle=0.2, block_seconds=0.1, consumer="dead-worker")
    alive = RedisStream(url, claim_idle=0.2, block_seconds=0.1, consumer="alive-worker")
    await dead.open()
    await alive.open()
    try:
        await dead.publish(41)
        taken = await anext(dead.entries())  # read, then the consumer "dies" without XACK
        assert taken.event_id == 41 and await alive.pending_count() == 1
        await asyncio.sleep(0.3)
        claimed = await anext(alive.entries())
        assert (claimed.entry_id, claimed.event_id) == (taken.entry_id, 41)
        await alive.ack(claimed)
        assert await alive.pending_count() == 0
    finally:
        await dead.close()
        await alive.close()


def _event(number: int, key: str) -> Event:
    return Event(
        channel="webchat",
        platform_message_id=f"{key}:{number}",
        conversation_key=key,
        sender_id=key,
        text="How long does a withdrawal take to arrive?",
    )


async def test_a_redelivered_or_reordered_entry_decides_nothing_twice_and_keeps_order(
    frontend_and_worker: tuple[Croupier, Croupier],
) -> None:
    _frontend, worker = frontend_and_worker
    assert worker.scaled is not None
    store = worker.scaled.store
    worker.outbox.stop()  # keep the outbox rows to count them
    first, _ = await store.accept_event(_event(1, "order-player"), "{}")
    second, _ = await store.accept_event(_event(2, "order-player"), "{}")
    # The later entry first, then both again, concurrently: each event decided once, in order.
    await worker.scaled.worker.decide_up_to(second)
    await asyncio.gather(
        worker.scaled.worker.decide_up_to(first), worker.scaled.worker.decide_up_to(second)
    )
    rows = await store.delivered_replies("webchat", "order-player", 0)
    assert len(rows) == 2
    transcript = await store._all(
        "SELECT author FROM transcript WHERE conversation_id = "
        "(SELECT conversation_id FROM events WHERE id = ?) ORDER BY id",
        (first,),
    )
    assert [r[0] for r in transcript] == ["player", "bot", "player", "bot"]
    processed = await store._all(
        "SELECT id FROM events WHERE conversation_id = "
        "(SELECT conversation_id FROM events WHERE id = ?) ORDER BY processed_at, id",
        (first,),
    )
    assert [r[0] for r in processed] == [first, second]


async def test_two_senders_never_lease_the_same_row_nor_one_conversation_at_once(
    pg_server: PostgresServer,
) -> None:
    dsn = await pg_server.new_database()
    senders = [PostgresStore(dsn), PostgresStore(dsn)]
    for store in senders:
        await store.open()
    try:
        writer = senders[0]
        async with writer._transaction():
            for conversation in range(6):
                for _ in range(3):
                    await writer._queue_reply(
                        Reply(channel="webchat", conversation_key=f"c{conversation}", text="hi"),
                        await _conversation_id(writer, f"c{conversation}"),
                        None,
                        "2020-01-01T00:00:00.000+00:00",
                    )
        now = datetime.now(UTC)
        first, second = await asyncio.gather(*(s.due_outbox(now) for s in senders))
        ids_first = {item.id for item in first}
        ids_second = {item.id for item in second}
        assert ids_first.isdisjoint(ids_second)
        assert len(ids_first | ids_second) == 18
        keys_first = {item.reply.conversation_key for item in first}
        keys_second = {item.reply.conversation_key for item in second}
        assert keys_first.isdisjoint(keys_second)  # a conversation leaves from one sender
        # Leased rows are not offered again while the lease lasts…
        assert await senders[0].due_outbox(now) == []
        # …and a dead sender's lease runs out: its rows go to the living sender.
        later = now + timedelta(seconds=senders[0].lease_seconds + 1)
        assert len(await senders[1].due_outbox(later)) == 18
    finally:
        for store in senders:
            await store.close()


async def _conversation_id(store: PostgresStore, key: str) -> int:
    row = await store._one(
        "INSERT INTO conversations (channel, conversation_key, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (channel, conversation_key) DO UPDATE SET channel = excluded.channel "
        "RETURNING id",
        ("webchat", key, "2020-01-01T00:00:00.000+00:00"),
    )
    return int(row[0])


async def test_only_a_dead_senders_send_is_settled_in_doubt_and_a_retried_row_is_due_at_once(
    pg_server: PostgresServer,
) -> None:
    dsn = await pg_server.new_database()
    alive, dead = PostgresStore(dsn), PostgresStore(dsn)
    for store in (alive, dead):
        await store.open()
    try:
        async with alive._transaction():
            for key in ("dead-one", "alive-one"):
                await alive._queue_reply(
                    Reply(channel="webchat", conversation_key=key, text="hi"),
                    await _conversation_id(alive, key),
                    None,
                    "2020-01-01T00:00:00.000+00:00",
                )
        now = datetime.now(UTC)
        dead.lease_seconds = -1.0  # its lease has run out: the sender died mid-send
        (dead_row,) = await dead.due_outbox(now, limit=1)
        await dead.begin_send(dead_row.id)
        (alive_row,) = await alive.due_outbox(now)
        await alive.begin_send(alive_row.id)
        assert await alive.settle_interrupted_sends() == [dead_row.id]
        (letter,) = await alive.dead_letters()
        assert letter.ref_id == dead_row.id and "in doubt" in letter.reason
        await alive.mark_sent(alive_row.id, None)
        await alive.retry_dead_letter(letter.id, "ana")
        assert [item.id for item in await alive.due_outbox(datetime.now(UTC))] == [dead_row.id]
    finally:
        for store in (alive, dead):
            await store.close()
