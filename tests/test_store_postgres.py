"""What only a shared server can get wrong: several processes' connections racing on one
PostgreSQL database, and the schema coming from ``croupier db upgrade``.

Two stores here are two separate asyncpg pools, as two front ends or two workers are.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bots.events import Event, Reply
from croupier.cli import main
from croupier.store.base import TicketClaimed
from croupier.store.models import ConversationMode, EventStatus, Outcome, TicketStatus
from croupier.store.postgres import PostgresStore, SchemaNotReady
from tests.servers import PostgresServer


def _event(number: int, key: str = "player-one") -> Event:
    return Event(
        channel="webchat",
        platform_message_id=f"{key}:{number}",
        conversation_key=key,
        sender_id=key,
        text=f"message {number}",
    )


@pytest.fixture
async def two_stores(
    pg_server: PostgresServer,
) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    dsn = await pg_server.new_database()
    first, second = PostgresStore(dsn), PostgresStore(dsn)
    await first.open()
    await second.open()
    yield first, second
    await first.close()
    await second.close()


async def test_a_redelivered_event_is_stored_once_when_two_front_ends_race(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = two_stores
    event = _event(1)
    results = await asyncio.gather(
        *(store.accept_event(event, "{}") for store in (first, second) * 10)
    )
    assert {event_id for event_id, _ in results} == {results[0][0]}
    assert [is_new for _, is_new in results].count(True) == 1
    assert await first.event_status_counts() == {"accepted": 1}


def _escalation(stored_event: Event) -> Outcome:
    reply = Reply(
        channel=stored_event.channel,
        conversation_key=stored_event.conversation_key,
        text="A colleague will answer you here.",
    )
    return Outcome(
        status=EventStatus.ESCALATED,
        decision={"decision": "escalate", "reason": "asked_for_human"},
        lang="en",
        mode=ConversationMode.HANDOFF,
        replies=(reply,),
        open_ticket_reason="asked_for_human",
    )


async def test_an_event_is_decided_once_when_two_workers_apply_it_at_once(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = two_stores
    event_id, _ = await first.accept_event(_event(1), "{}")
    stored, _ = await first.load_event(event_id)
    outcome = _escalation(stored.event)
    results = await asyncio.gather(
        first.apply_outcome(stored, outcome), second.apply_outcome(stored, outcome)
    )
    assert sorted(len(ids) for ids in results) == [0, 1]
    assert await first.event_status_counts() == {"escalated": 1}
    assert len(await first.list_tickets(status=TicketStatus.OPEN)) == 1
    assert len(await first.due_outbox(datetime.now(UTC) + timedelta(days=1))) == 1


async def test_one_of_two_moderators_claiming_at_once_gets_the_ticket(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = two_stores
    for number in range(12):
        event_id, _ = await first.accept_event(_event(number, f"player-{number}"), "{}")
        stored, _ = await first.load_event(event_id)
        await first.apply_outcome(stored, _escalation(stored.event))
    tickets = await first.list_tickets(status=TicketStatus.OPEN)
    assert len(tickets) == 12
    results = await asyncio.gather(
        *(
            store.claim_ticket(ticket.id, name)
            for ticket in tickets
            for store, name in ((first, "ana"), (second, "ben"))
        ),
        return_exceptions=True,
    )
    for ticket, pair in zip(tickets, zip(results[::2], results[1::2], strict=True), strict=True):
        claimed = [r for r in pair if not isinstance(r, BaseException)]
        refused = [r for r in pair if isinstance(r, TicketClaimed)]
        assert len(claimed) == 1 and len(refused) == 1, pair
        holder = (await first.ticket(ticket.id)).claimed_by  # type: ignore[union-attr]
        assert holder == claimed[0].claimed_by


async def test_the_store_refuses_an_unmigrated_database_until_db_upgrade_ran(
    pg_server: PostgresServer,
) -> None:
    dsn = await pg_server.empty_database()
    with pytest.raises(SchemaNotReady, match="croupier db upgrade"):
        await PostgresStore(dsn).open()
    assert await asyncio.to_thread(main, ["db", "upgrade", "--store", dsn]) == 0
    assert await asyncio.to_thread(main, ["db", "upgrade", "--store", dsn]) == 0  # idempotent
    store = PostgresStore(dsn)
    await store.open()
    try:
        assert await store.accept_event(_event(1), "{}") == (1, True)
    finally:
        await store.close()
