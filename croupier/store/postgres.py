"""PostgreSQL store (asyncpg pool): the store for several processes on several machines.

The same code paths as the SQLite store: every Store method's SQL is the SQLite store's
(standard SQL with ``?`` placeholders, rewritten once to ``$1…`` here), so both backends
keep exactly the same semantics and the same tests run against both. What differs is
only what a shared server needs:

- each transaction runs on its own pooled connection instead of behind one write lock;
- check-then-act reads inside a transaction lock their row (``FOR UPDATE``), because
  PostgreSQL's READ COMMITTED lets two processes read the same row at once where
  SQLite's single writer could not: an event is decided once, a ticket claimed by one;
- ingress de-duplication is one ``INSERT … ON CONFLICT DO NOTHING`` (two front ends may
  receive the same redelivered webhook in the same millisecond);
- the dashboard figures use PostgreSQL's date and JSON functions.

The schema comes from Alembic migrations (``croupier db upgrade``); :meth:`open` refuses
a database whose schema is not the one this code expects.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import asyncpg

from bots.events import Event, Reply
from croupier.store.base import DeadLetterGone, UserExists
from croupier.store.migrate import HEAD_REVISION
from croupier.store.models import (
    DeadLetter,
    FirstResponse,
    OutboxItem,
    TicketSummary,
    UserRecord,
)
from croupier.store.sqlite import SqliteStore, _iso, _now

OUTBOX_LEASE_LOCK = 7_260_001
"""Transaction-level advisory lock key serializing outbox leasing among senders."""
LEASE_SECONDS = 120.0
"""Longer than a batch of sends takes (each send is bounded by the outbox's timeout)."""

_TABLES_WITH_ID = frozenset(
    {"conversations", "events", "tickets", "transcript", "outbox", "dead_letters", "audit_log"}
)
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)


class SchemaNotReady(RuntimeError):
    """The database is not migrated to this code's revision: run ``croupier db upgrade``."""


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """``?`` placeholders as asyncpg's ``$n`` (outside quoted literals); an INSERT into a
    table with an ``id`` gets ``RETURNING id`` so that ``lastrowid`` works as in SQLite."""
    out: list[str] = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            number += 1
            out.append(f"${number}")
        else:
            out.append(char)
    text = "".join(out)
    match = _INSERT_TABLE.match(text)
    if match and match.group(1).lower() in _TABLES_WITH_ID and "RETURNING" not in text.upper():
        text += " RETURNING id"
    return text


class _Result:
    """What aiosqlite's ``execute`` gives the shared code: awaitable, an async context
    manager, ``fetchone``/``fetchall`` and ``lastrowid``."""

    def __init__(self, store: PostgresStore, sql: str, params: tuple[Any, ...]) -> None:
        self._store = store
        self._sql = translate(sql)
        self._params = params
        self._rows: list[asyncpg.Record] | None = None
        self.lastrowid: int | None = None

    async def _run(self) -> _Result:
        if self._rows is None:
            self._rows = await self._store._fetch(self._sql, self._params)
            if self._sql.endswith("RETURNING id") and self._rows:
                self.lastrowid = int(self._rows[0][0])
        return self

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._run().__await__()

    async def __aenter__(self) -> _Result:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def fetchone(self) -> asyncpg.Record | None:
        rows = (await self._run())._rows
        return rows[0] if rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return list((await self._run())._rows or [])


class _Connection:
    """The ``db`` the shared SQL calls: statements run on the current transaction's
    connection, or on any pooled connection outside a transaction."""

    def __init__(self, store: PostgresStore) -> None:
        self._store = store

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> _Result:
        return _Result(self._store, sql, tuple(params))


class PostgresStore(SqliteStore):
    """Shares every Store method with :class:`SqliteStore`; overrides the connection
    handling and the few statements where PostgreSQL differs (see the module docstring)."""

    _LOCK_ROW = " FOR UPDATE"
    _EVENT_SENDER = "(e.event_json::jsonb ->> 'sender_id')"

    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 10) -> None:
        super().__init__(path=None)  # type: ignore[arg-type]
        self.dsn = dsn
        self._pool: asyncpg.Pool | None = None
        self._pool_sizes = (min_size, max_size)
        self._conn: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar(
            f"croupier-pg-{id(self)}", default=None
        )
        self._adapter = _Connection(self)
        self.sender_id = f"{uuid.uuid4().hex[:12]}"
        """Owner of this process's outbox leases."""
        self.lease_seconds = LEASE_SECONDS

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    @property
    def db(self) -> Any:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._adapter

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=self._pool_sizes[0], max_size=self._pool_sizes[1]
        )
        try:
            revision = await self._pool.fetchval("SELECT version_num FROM alembic_version LIMIT 1")
        except asyncpg.UndefinedTableError:
            revision = None
        if revision != HEAD_REVISION:
            await self.close()
            raise SchemaNotReady(
                f"database schema is at {revision or 'nothing'}, this code needs "
                f"{HEAD_REVISION}: run `croupier db upgrade --store <url>` first"
            )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[asyncpg.Record]:
        connection = self._conn.get()
        if connection is not None:
            return await connection.fetch(sql, *params)
        return await self.pool.fetch(sql, *params)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        if self._conn.get() is not None:
            raise RuntimeError("nested store transaction")
        async with self.pool.acquire() as connection, connection.transaction():
            token = self._conn.set(connection)
            try:
                yield
            finally:
                self._conn.reset(token)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for work outside the Store protocol (advisory locks)."""
        async with self.pool.acquire() as connection:
            yield connection

    # -- where PostgreSQL's concurrency differs ----------------------------------------

    async def accept_event(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        now = _now()
        async with self._transaction():
            conversation = await self._one(
                "INSERT INTO conversations (channel, conversation_key, is_public, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, conversation_key) "
                "DO UPDATE SET channel = excluded.channel RETURNING id",
                (event.channel, event.conversation_key, int(event.is_public), now),
            )
            inserted = await self._one(
                "INSERT INTO events (channel, platform_message_id, conversation_id, raw_payload, "
                "event_json, received_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel, platform_message_id) DO NOTHING RETURNING id",
                (
                    event.channel,
                    event.platform_message_id,
                    conversation[0],
                    raw_payload,
                    event.model_dump_json(),
                    now,
                ),
            )
            if inserted is not None:
                return int(inserted[0]), True
            existing = await self._one(
                "SELECT id FROM events WHERE channel = ? AND platform_message_id = ?",
                (event.channel, event.platform_message_id),
            )
        return int(existing[0]), False

    async def _ticket_by_id(self, ticket_id: int) -> TicketSummary | None:
        lock = " FOR UPDATE OF t" if self._conn.get() is not None else ""
        row = await self._one(
            f"SELECT {self._TICKET_COLUMNS} FROM tickets t "
            f"JOIN conversations c ON c.id = t.conversation_id WHERE t.id = ?{lock}",
            (ticket_id,),
        )
        return self._ticket(row) if row else None

    async def _unresolved_dead_letter(self, dead_letter_id: int) -> DeadLetter:
        row = await self._one(
            f"SELECT {self._DEAD_LETTER_COLUMNS} FROM dead_letters "
            "WHERE id = ? AND resolution IS NULL FOR UPDATE",
            (dead_letter_id,),
        )
        if row is None:
            raise DeadLetterGone(dead_letter_id)
        return DeadLetter(*row)

    async def add_user(self, name: str, role: str, password_hash: str) -> UserRecord:
        try:
            return await super().add_user(name, role, password_hash)
        except asyncpg.UniqueViolationError as exc:  # added meanwhile on another front end
            raise UserExists(name) from exc

    # -- several senders share the outbox ------------------------------------------------

    async def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        """Lease the due rows this sender will send (the SQLite store just reads them).

        A row is leased only when no earlier row of its conversation is leased by a live
        sender or ``sending``: one conversation's replies leave from one sender at a time,
        in order. Leasing runs under one transaction-level advisory lock, so two senders
        never lease at the same moment and each sees the other's committed leases; the
        rows themselves are taken ``FOR UPDATE SKIP LOCKED``.
        """
        stamp = _iso(now)
        async with self._transaction():
            await self._one("SELECT pg_advisory_xact_lock(?)", (OUTBOX_LEASE_LOCK,))
            rows = await self._all(
                "WITH due AS (SELECT o.id FROM outbox o "
                "WHERE o.status = 'pending' AND o.next_attempt_at <= ? "
                "AND (o.lease_until IS NULL OR o.lease_until < ?) "
                "AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.channel = o.channel "
                "AND b.conversation_key = o.conversation_key AND b.id < o.id "
                "AND (b.status = 'sending' OR (b.status = 'pending' AND "
                "(b.lease_until >= ? OR b.next_attempt_at > ?)))) "
                "ORDER BY o.id LIMIT ? FOR UPDATE SKIP LOCKED) "
                "UPDATE outbox SET lease_owner = ?, lease_until = ? FROM due "
                "WHERE outbox.id = due.id "
                "RETURNING outbox.id, outbox.reply_json, outbox.attempts, outbox.event_id",
                (
                    stamp,
                    stamp,
                    stamp,
                    stamp,
                    limit,
                    self.sender_id,
                    _iso(now + timedelta(seconds=self.lease_seconds)),
                ),
            )
        rows.sort(key=lambda r: r[0])
        return [OutboxItem(r[0], Reply.model_validate_json(r[1]), r[2], r[3]) for r in rows]

    async def release_outbox(self, outbox_ids: list[int]) -> None:
        if not outbox_ids:
            return
        async with self._transaction():
            await self.db.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until = NULL "
                f"WHERE id IN ({','.join('?' * len(outbox_ids))}) AND lease_owner = ? "
                "AND status = 'pending'",
                (*outbox_ids, self.sender_id),
            )

    async def schedule_retry(self, outbox_id: int, next_attempt_at: datetime, error: str) -> None:
        async with self._transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, "
                "next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL "
                "WHERE id = ?",
                (_iso(next_attempt_at), error[:500], outbox_id),
            )

    async def retry_dead_letter(self, dead_letter_id: int, actor: str) -> DeadLetter:
        """As in SQLite, plus: a retried outbox row drops its old lease, or it would wait
        for that lease to run out (and hold up its conversation's later replies)."""
        letter = await super().retry_dead_letter(dead_letter_id, actor)
        if letter.kind == "outbox":
            await self.db.execute(
                "UPDATE outbox SET lease_owner = NULL, lease_until = NULL "
                "WHERE id = ? AND status = 'pending'",
                (letter.ref_id,),
            )
        return letter

    async def settle_interrupted_sends(self) -> list[int]:
        """Rows ``sending`` whose sender's lease ran out: that sender died mid-send. A live
        sender's row is left alone (the SQLite store, one process, settles every one)."""
        now = _now()
        reason = (
            "in doubt: the sender stopped during the send, the player may already have "
            "this reply; not sent again to avoid a duplicate"
        )
        async with self._transaction():
            rows = await self._all(
                "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ? "
                "WHERE status = 'sending' AND (lease_until IS NULL OR lease_until < ?) "
                "RETURNING id",
                (reason, now),
            )
            in_doubt = sorted(int(row[0]) for row in rows)
            for row_id in in_doubt:
                await self.db.execute(
                    "INSERT INTO dead_letters (kind, ref_id, reason, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    ("outbox", row_id, reason, now),
                )
        return in_doubt

    # -- what workers need beyond the Store protocol -------------------------------------

    async def conversation_of(self, event_id: int) -> int | None:
        row = await self._one("SELECT conversation_id FROM events WHERE id = ?", (event_id,))
        return int(row[0]) if row else None

    async def accepted_events_up_to(self, conversation_id: int, event_id: int) -> list[int]:
        """The conversation's undecided events up to ``event_id``, oldest first: a worker
        decides them in this order, so a late or repeated stream entry changes nothing."""
        rows = await self._all(
            "SELECT id FROM events WHERE conversation_id = ? AND status = 'accepted' "
            "AND id <= ? ORDER BY id",
            (conversation_id, event_id),
        )
        return [int(r[0]) for r in rows]

    async def stale_accepted_events(self, older_than: datetime) -> list[int]:
        """Accepted before ``older_than`` and still undecided: their stream entry never came
        (a front end died between storing and enqueueing) or its worker gave up."""
        rows = await self._all(
            "SELECT id FROM events WHERE status = 'accepted' AND received_at < ? "
            "ORDER BY id LIMIT 1000",
            (_iso(older_than),),
        )
        return [int(r[0]) for r in rows]

    # -- dashboard figures in PostgreSQL's functions -------------------------------------

    async def messages_per_day(self, days: int = 30) -> list[tuple[str, str, int]]:
        rows = await self._all(
            "SELECT substr(received_at, 1, 10) AS day, channel, COUNT(*) FROM events "
            "WHERE received_at >= to_char((now() AT TIME ZONE 'UTC') - make_interval(days => ?), "
            "'YYYY-MM-DD') GROUP BY day, channel ORDER BY day, channel",
            (int(days),),
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    async def decision_counts(self) -> dict[str, int]:
        rows = await self._all(
            "SELECT COALESCE(decision_json::jsonb ->> 'decision', status), COUNT(*) "
            "FROM events WHERE status != 'accepted' GROUP BY 1"
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def first_responses(self, limit: int = 10000) -> list[FirstResponse]:
        rows = await self._all(
            "SELECT id, COALESCE(first_response_by, claimed_by, '?'), lang, "
            "EXTRACT(EPOCH FROM first_response_at::timestamptz - opened_at::timestamptz) "
            "FROM tickets WHERE first_response_at IS NOT NULL ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [FirstResponse(r[0], r[1], r[2], max(0.0, float(r[3]))) for r in rows]
