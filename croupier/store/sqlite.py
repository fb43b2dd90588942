"""Embedded SQLite store (WAL): the default for one process.

aiosqlite runs every statement on its own thread, so the event loop never blocks on
disk. ``synchronous=NORMAL`` in WAL mode survives a process crash (SIGKILL); only a
power loss can cost the last transactions.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bots.events import Event, Reply, ReplyAuthor
from croupier.store.base import DeadLetterGone, TicketClaimed, TicketNotOpen, UserExists
from croupier.store.models import (
    AuditEntry,
    Backlog,
    ConversationMode,
    ConversationState,
    DeadLetter,
    EventStatus,
    FirstResponse,
    OutboxItem,
    Outcome,
    StoredEvent,
    StoredSession,
    TicketChange,
    TicketQuery,
    TicketStatus,
    TicketSummary,
    TranscriptLine,
    UserRecord,
)

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'bot',
    lang TEXT,
    clarify_options TEXT NOT NULL DEFAULT '[]',
    open_ticket_id INTEGER,
    followup_sent INTEGER NOT NULL DEFAULT 0,
    is_public INTEGER NOT NULL DEFAULT 0,
    last_faq_id TEXT,
    last_answer_event_id INTEGER,
    misses INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    UNIQUE (channel, conversation_key)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    platform_message_id TEXT NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    raw_payload TEXT NOT NULL,
    event_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'accepted',
    reason TEXT,
    decision_json TEXT,
    faq_id TEXT,
    feedback TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT,
    UNIQUE (channel, platform_message_id)
);
CREATE INDEX IF NOT EXISTS events_status ON events(status);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    reason TEXT NOT NULL,
    lang TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    first_response_at TEXT,
    claimed_by TEXT,
    preview TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets(status);
CREATE TABLE IF NOT EXISTS transcript (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transcript_conversation ON transcript(conversation_id);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    reply_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    platform_message_id TEXT,
    event_id INTEGER,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_conversation ON outbox(channel, conversation_key, id);
CREATE TABLE IF NOT EXISTS cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS console_sessions (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_expiry ON console_sessions(expires_at);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
"""

ADDED_COLUMNS = {
    "tickets": ("claimed_at TEXT", "first_response_by TEXT"),
    "transcript": ("by_user TEXT",),
    "dead_letters": ("resolution TEXT", "resolved_by TEXT", "resolved_at TEXT"),
}
"""Columns newer than the first schema: added in place to databases made before them."""

TicketListener = Callable[[TicketChange], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class SqliteStore:
    _LOCK_ROW = ""
    _EVENT_SENDER = "json_extract(e.event_json, '$.sender_id')"
    """The sender id inside a stored event's JSON, in this database's dialect."""
    """Appended to check-then-act reads inside a transaction. SQLite's single writer
    (``BEGIN IMMEDIATE``) serializes them already; a server database locks the row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        """One connection serves all coroutines: transactions must not interleave on it."""
        self._ticket_listeners: list[TicketListener] = []

    def add_ticket_listener(self, listener: TicketListener) -> None:
        """``listener`` hears of every ticket change after its transaction commits."""
        self._ticket_listeners.append(listener)

    def _tell(self, change: TicketChange) -> None:
        for listener in self._ticket_listeners:
            try:
                listener(change)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("ticket listener failed on %s", change)

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._db.executescript(SCHEMA)
        await self._add_missing_columns()

    async def _add_missing_columns(self) -> None:
        for table, columns in ADDED_COLUMNS.items():
            existing = {row[1] for row in await self._all(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in existing:
                    await self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        async with self._write_lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        async with self.db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        async with self.db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # -- ingress -----------------------------------------------------------------

    async def accept_event(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        now = _now()
        async with self._transaction():
            existing = await self._one(
                "SELECT id FROM events WHERE channel = ? AND platform_message_id = ?",
                (event.channel, event.platform_message_id),
            )
            if existing is not None:
                return int(existing[0]), False
            await self.db.execute(
                "INSERT INTO conversations (channel, conversation_key, is_public, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, conversation_key) DO NOTHING",
                (event.channel, event.conversation_key, int(event.is_public), now),
            )
            conversation = await self._one(
                "SELECT id FROM conversations WHERE channel = ? AND conversation_key = ?",
                (event.channel, event.conversation_key),
            )
            cursor = await self.db.execute(
                "INSERT INTO events (channel, platform_message_id, conversation_id, raw_payload, "
                "event_json, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.channel,
                    event.platform_message_id,
                    conversation[0],
                    raw_payload,
                    event.model_dump_json(),
                    now,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid, True

    async def replace_undecided_text(
        self, channel: str, platform_message_id: str, text: str, text_truncated: bool
    ) -> bool:
        async with self._transaction():
            row = await self._one(
                "SELECT id, event_json FROM events WHERE channel = ? AND platform_message_id = ? "
                "AND status = 'accepted'",
                (channel, platform_message_id),
            )
            if row is None:
                return False
            edited = Event.model_validate_json(row[1]).model_copy(
                update={"text": text, "text_truncated": text_truncated}
            )
            await self.db.execute(
                "UPDATE events SET event_json = ? WHERE id = ? AND status = 'accepted'",
                (edited.model_dump_json(), row[0]),
            )
        return True

    async def unprocessed_event_ids(self) -> list[int]:
        rows = await self._all("SELECT id FROM events WHERE status = 'accepted' ORDER BY id")
        return [int(r[0]) for r in rows]

    async def load_event(self, event_id: int) -> tuple[StoredEvent, ConversationState]:
        row = await self._one(
            "SELECT e.event_json, e.status, c.id, c.channel, c.conversation_key, c.mode, c.lang, "
            "c.clarify_options, c.open_ticket_id, c.followup_sent, c.is_public, c.last_faq_id, "
            "c.misses "
            "FROM events e JOIN conversations c ON c.id = e.conversation_id WHERE e.id = ?",
            (event_id,),
        )
        if row is None:
            raise KeyError(f"event {event_id} not found")
        stored = StoredEvent(
            id=event_id,
            event=Event.model_validate_json(row[0]),
            status=EventStatus(row[1]),
            conversation_id=row[2],
        )
        state = ConversationState(
            id=row[2],
            channel=row[3],
            conversation_key=row[4],
            mode=ConversationMode(row[5]),
            lang=row[6],
            clarify_options=tuple(json.loads(row[7])),
            open_ticket_id=row[8],
            followup_sent=bool(row[9]),
            is_public=bool(row[10]),
            last_faq_id=row[11],
            misses=row[12],
        )
        return stored, state

    # -- decisions ---------------------------------------------------------------

    async def apply_outcome(self, stored: StoredEvent, outcome: Outcome) -> list[int]:
        now = _now()
        event = stored.event
        outbox_ids: list[int] = []
        change: TicketChange | None = None
        async with self._transaction():
            status_row = await self._one(
                f"SELECT status FROM events WHERE id = ?{self._LOCK_ROW}", (stored.id,)
            )
            if status_row is None or status_row[0] != EventStatus.ACCEPTED:
                # Decided already (a second worker, or a replay after restart): do nothing.
                return []
            conversation = await self._one(
                "SELECT open_ticket_id, last_answer_event_id FROM conversations "
                f"WHERE id = ?{self._LOCK_ROW}",
                (stored.conversation_id,),
            )
            open_ticket_id, last_answer_event_id = conversation
            if outcome.feedback and last_answer_event_id is not None:
                await self.db.execute(
                    "UPDATE events SET feedback = ? WHERE id = ?",
                    (outcome.feedback, last_answer_event_id),
                )
            if outcome.mode is ConversationMode.FEEDBACK:
                last_answer_event_id = stored.id
            if outcome.open_ticket_reason and open_ticket_id is None:
                cursor = await self.db.execute(
                    "INSERT INTO tickets (conversation_id, reason, lang, is_public, opened_at, "
                    "preview) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        stored.conversation_id,
                        outcome.open_ticket_reason,
                        outcome.lang,
                        int(event.is_public),
                        now,
                        _preview(event),
                    ),
                )
                open_ticket_id = cursor.lastrowid
                assert open_ticket_id is not None
                change = TicketChange(open_ticket_id, "opened")
            elif open_ticket_id is not None:
                change = TicketChange(open_ticket_id, "message")
            await self.db.execute(
                "UPDATE conversations SET mode = ?, lang = ?, clarify_options = ?, "
                "open_ticket_id = ?, followup_sent = ?, last_faq_id = ?, last_answer_event_id = ?, "
                "misses = ?, updated_at = ? WHERE id = ?",
                (
                    outcome.mode,
                    outcome.lang,
                    json.dumps(list(outcome.clarify_options)),
                    open_ticket_id,
                    int(outcome.followup_sent),
                    outcome.last_faq_id,
                    last_answer_event_id,
                    outcome.misses,
                    now,
                    stored.conversation_id,
                ),
            )
            await self.db.execute(
                "INSERT INTO transcript (conversation_id, author, text, at) VALUES (?, ?, ?, ?)",
                (stored.conversation_id, "player", _transcript_text(event), now),
            )
            for reply in outcome.replies:
                outbox_ids.append(
                    await self._queue_reply(reply, stored.conversation_id, stored.id, now)
                )
            await self.db.execute(
                "UPDATE events SET status = ?, reason = ?, faq_id = ?, decision_json = ?, "
                "processed_at = ? WHERE id = ?",
                (
                    outcome.status,
                    outcome.decision.get("reason"),
                    outcome.decision.get("faq_id")
                    if outcome.status is EventStatus.ANSWERED
                    else None,
                    json.dumps(outcome.decision, ensure_ascii=False),
                    now,
                    stored.id,
                ),
            )
            if outcome.status is EventStatus.DEAD:
                await self.db.execute(
                    "INSERT INTO dead_letters (kind, ref_id, reason, created_at) VALUES (?, ?, ?, ?)",
                    ("event", stored.id, outcome.dead_reason or "undeliverable", now),
                )
        if change is not None:
            self._tell(change)
        return outbox_ids

    async def _queue_reply(
        self,
        reply: Reply,
        conversation_id: int,
        event_id: int | None,
        now: str,
        by_user: str | None = None,
    ) -> int:
        cursor = await self.db.execute(
            "INSERT INTO outbox (channel, conversation_key, reply_json, next_attempt_at, event_id, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (reply.channel, reply.conversation_key, reply.model_dump_json(), now, event_id, now),
        )
        await self.db.execute(
            "INSERT INTO transcript (conversation_id, author, text, at, by_user) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation_id, reply.author.value, reply.text, now, by_user),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def dead_letter_event(self, event_id: int, reason: str) -> None:
        now = _now()
        async with self._transaction():
            await self.db.execute(
                "UPDATE events SET status = 'dead', reason = ?, processed_at = ? "
                "WHERE id = ? AND status = 'accepted'",
                (reason, now, event_id),
            )
            await self.db.execute(
                "INSERT INTO dead_letters (kind, ref_id, reason, created_at) VALUES (?, ?, ?, ?)",
                ("event", event_id, reason, now),
            )

    # -- outbox ------------------------------------------------------------------

    async def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT id, reply_json, attempts, event_id FROM outbox AS o "
            "WHERE status = 'pending' AND next_attempt_at <= ? AND NOT EXISTS ("
            # An earlier reply of the conversation still waiting for its retry, or being
            # sent, holds the later ones back: a conversation's replies keep their order.
            " SELECT 1 FROM outbox AS earlier WHERE earlier.channel = o.channel"
            " AND earlier.conversation_key = o.conversation_key AND earlier.id < o.id"
            " AND (earlier.status = 'sending'"
            "  OR (earlier.status = 'pending' AND earlier.next_attempt_at > ?))"
            ") ORDER BY id LIMIT ?",
            (_iso(now), _iso(now), limit),
        )
        return [OutboxItem(r[0], Reply.model_validate_json(r[1]), r[2], r[3]) for r in rows]

    async def release_outbox(self, outbox_ids: list[int]) -> None:
        """Rows read as due that this sender will not send now (its conversation is busy):
        nothing to undo here, since reading takes no lease (one sender per database)."""

    async def next_outbox_due(self) -> datetime | None:
        row = await self._one("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def begin_send(self, outbox_id: int) -> None:
        async with self._transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'sending' WHERE id = ? AND status = 'pending'",
                (outbox_id,),
            )

    async def settle_interrupted_sends(self) -> list[int]:
        now = _now()
        reason = (
            "in doubt: the service stopped during the send, the player may already have "
            "this reply; not sent again to avoid a duplicate"
        )
        async with self._transaction():
            rows = await self._all("SELECT id FROM outbox WHERE status = 'sending'")
            in_doubt = [int(row[0]) for row in rows]
            for row_id in in_doubt:
                await self.db.execute(
                    "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ? "
                    "WHERE id = ?",
                    (reason, row_id),
                )
                await self.db.execute(
                    "INSERT INTO dead_letters (kind, ref_id, reason, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    ("outbox", row_id, reason, now),
                )
        return in_doubt

    async def mark_sent(self, outbox_id: int, platform_message_id: str | None) -> None:
        async with self._transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, platform_message_id = ?, "
                "attempts = attempts + 1 WHERE id = ?",
                (_now(), platform_message_id, outbox_id),
            )

    async def schedule_retry(self, outbox_id: int, next_attempt_at: datetime, error: str) -> None:
        async with self._transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, "
                "next_attempt_at = ?, last_error = ? WHERE id = ?",
                (_iso(next_attempt_at), error[:500], outbox_id),
            )

    async def dead_letter_outbox(self, outbox_id: int, reason: str) -> None:
        now = _now()
        async with self._transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ? "
                "WHERE id = ?",
                (reason[:500], outbox_id),
            )
            await self.db.execute(
                "INSERT INTO dead_letters (kind, ref_id, reason, created_at) VALUES (?, ?, ?, ?)",
                ("outbox", outbox_id, reason[:500], now),
            )

    async def delivered_replies(
        self, channel: str, conversation_key: str, after_id: int
    ) -> list[tuple[int, Reply]]:
        rows = await self._all(
            "SELECT id, reply_json FROM outbox WHERE channel = ? AND conversation_key = ? "
            "AND status <> 'dead' AND id > ? ORDER BY id LIMIT 500",
            (channel, conversation_key, after_id),
        )
        return [(r[0], Reply.model_validate_json(r[1])) for r in rows]

    # -- tickets -----------------------------------------------------------------

    _TICKET_COLUMNS = (
        "t.id, t.conversation_id, c.channel, c.conversation_key, t.lang, t.reason, t.is_public, "
        "t.status, t.opened_at, t.closed_at, t.preview, t.claimed_by, t.claimed_at, "
        "t.first_response_at, t.first_response_by, t.closed_by"
    )

    @staticmethod
    def _ticket(row: Any) -> TicketSummary:
        return TicketSummary(
            id=row[0],
            conversation_id=row[1],
            channel=row[2],
            conversation_key=row[3],
            lang=row[4],
            reason=row[5],
            is_public=bool(row[6]),
            status=TicketStatus(row[7]),
            opened_at=row[8],
            closed_at=row[9],
            preview=row[10],
            claimed_by=row[11],
            claimed_at=row[12],
            first_response_at=row[13],
            first_response_by=row[14],
            closed_by=row[15],
        )

    async def list_tickets(
        self, status: TicketStatus, query: TicketQuery | None = None
    ) -> list[TicketSummary]:
        query = query or TicketQuery(status=status)
        where = ["t.status = ?"]
        params: list[Any] = [status]
        for column, value in (
            ("c.channel", query.channel),
            ("t.lang", query.lang),
            ("t.reason", query.reason),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        order = "DESC" if query.newest_first else "ASC"
        rows = await self._all(
            f"SELECT {self._TICKET_COLUMNS} FROM tickets t "
            f"JOIN conversations c ON c.id = t.conversation_id WHERE {' AND '.join(where)} "
            f"ORDER BY t.opened_at {order}, t.id {order} LIMIT ?",
            (*params, max(1, min(query.limit, 500))),
        )
        return [self._ticket(r) for r in rows]

    async def ticket(self, ticket_id: int) -> TicketSummary | None:
        return await self._ticket_by_id(ticket_id)

    async def _ticket_by_id(self, ticket_id: int) -> TicketSummary | None:
        row = await self._one(
            f"SELECT {self._TICKET_COLUMNS} FROM tickets t "
            "JOIN conversations c ON c.id = t.conversation_id WHERE t.id = ?",
            (ticket_id,),
        )
        return self._ticket(row) if row else None

    async def ticket_transcript(
        self, ticket_id: int
    ) -> tuple[TicketSummary, list[TranscriptLine]]:
        ticket = await self._ticket_by_id(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        rows = await self._all(
            "SELECT author, text, at, by_user FROM transcript WHERE conversation_id = ? "
            "ORDER BY id LIMIT 1000",
            (ticket.conversation_id,),
        )
        return ticket, [TranscriptLine(r[0], r[1], r[2], r[3]) for r in rows]

    async def conversation_attachments(
        self, conversation_id: int, limit: int = 100
    ) -> list[StoredEvent]:
        rows = await self._all(
            "SELECT id, event_json, status FROM events WHERE conversation_id = ? "
            "AND json_array_length(event_json, '$.attachments') > 0 ORDER BY id LIMIT ?",
            (conversation_id, max(1, min(limit, 1000))),
        )
        return [
            StoredEvent(r[0], Event.model_validate_json(r[1]), EventStatus(r[2]), conversation_id)
            for r in rows
        ]

    async def _open_ticket(self, ticket_id: int) -> TicketSummary:
        ticket = await self._ticket_by_id(ticket_id)
        if ticket is None or ticket.status is not TicketStatus.OPEN:
            raise TicketNotOpen(ticket_id)
        return ticket

    @staticmethod
    def _check_claim(ticket: TicketSummary, moderator: str, force: bool) -> None:
        if ticket.claimed_by and ticket.claimed_by != moderator and not force:
            raise TicketClaimed(ticket.id, ticket.claimed_by)

    async def _audit(self, actor: str, action: str, target: str, detail: str, now: str) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (now, actor, action, target, detail[:500]),
        )

    async def moderator_reply(
        self, ticket_id: int, moderator: str, text: str, *, force: bool = False
    ) -> int:
        now = _now()
        async with self._transaction():
            ticket = await self._open_ticket(ticket_id)
            self._check_claim(ticket, moderator, force)
            reply = Reply(
                channel=ticket.channel,
                conversation_key=ticket.conversation_key,
                text=text,
                author=ReplyAuthor.MODERATOR,
            )
            outbox_id = await self._queue_reply(
                reply, ticket.conversation_id, None, now, by_user=moderator
            )
            await self.db.execute(
                "UPDATE tickets SET first_response_by = COALESCE(first_response_by, ?), "
                "first_response_at = COALESCE(first_response_at, ?), "
                "claimed_at = CASE WHEN claimed_by IS NULL THEN ? ELSE claimed_at END, "
                "claimed_by = COALESCE(claimed_by, ?) WHERE id = ?",
                (moderator, now, now, moderator, ticket_id),
            )
            detail = f"outbox {outbox_id}" + (
                f"; over {ticket.claimed_by}'s claim" if force and ticket.claimed_by else ""
            )
            await self._audit(moderator, "reply", f"ticket {ticket_id}", detail, now)
        self._tell(TicketChange(ticket_id, "replied", moderator))
        return outbox_id

    async def add_note(self, ticket_id: int, moderator: str, text: str) -> None:
        """An internal note: in the transcript for colleagues, never in the outbox."""
        now = _now()
        async with self._transaction():
            ticket = await self._ticket_by_id(ticket_id)
            if ticket is None:
                raise TicketNotOpen(ticket_id)
            await self.db.execute(
                "INSERT INTO transcript (conversation_id, author, text, at, by_user) "
                "VALUES (?, 'note', ?, ?, ?)",
                (ticket.conversation_id, text, now, moderator),
            )
            await self._audit(moderator, "note", f"ticket {ticket_id}", "", now)
        self._tell(TicketChange(ticket_id, "note", moderator))

    async def claim_ticket(
        self, ticket_id: int, moderator: str, *, force: bool = False
    ) -> TicketSummary:
        now = _now()
        async with self._transaction():
            ticket = await self._open_ticket(ticket_id)
            self._check_claim(ticket, moderator, force)
            await self.db.execute(
                "UPDATE tickets SET claimed_by = ?, claimed_at = ? WHERE id = ?",
                (moderator, now, ticket_id),
            )
            detail = (
                f"taken from {ticket.claimed_by}"
                if ticket.claimed_by not in (None, moderator)
                else ""
            )
            await self._audit(moderator, "claim", f"ticket {ticket_id}", detail, now)
        self._tell(TicketChange(ticket_id, "claimed", moderator))
        return await self._open_ticket(ticket_id)

    async def release_ticket(
        self, ticket_id: int, moderator: str, *, force: bool = False
    ) -> TicketSummary:
        now = _now()
        async with self._transaction():
            ticket = await self._open_ticket(ticket_id)
            self._check_claim(ticket, moderator, force)
            await self.db.execute(
                "UPDATE tickets SET claimed_by = NULL, claimed_at = NULL WHERE id = ?",
                (ticket_id,),
            )
            detail = f"held by {ticket.claimed_by}" if ticket.claimed_by else "was unclaimed"
            await self._audit(moderator, "release", f"ticket {ticket_id}", detail, now)
        self._tell(TicketChange(ticket_id, "released", moderator))
        return await self._open_ticket(ticket_id)

    async def close_ticket(
        self, ticket_id: int, moderator: str, closing_note: Reply | None
    ) -> None:
        now = _now()
        async with self._transaction():
            ticket = await self._open_ticket(ticket_id)
            await self.db.execute(
                "UPDATE tickets SET status = 'closed', closed_at = ?, closed_by = ? WHERE id = ?",
                (now, moderator, ticket_id),
            )
            await self.db.execute(
                "UPDATE conversations SET mode = 'bot', open_ticket_id = NULL, followup_sent = 0, "
                "clarify_options = '[]', misses = 0, last_faq_id = NULL, updated_at = ? "
                "WHERE id = ? AND open_ticket_id = ?",
                (now, ticket.conversation_id, ticket_id),
            )
            if closing_note is not None:
                await self._queue_reply(closing_note, ticket.conversation_id, None, now)
            await self._audit(moderator, "close", f"ticket {ticket_id}", "", now)
        self._tell(TicketChange(ticket_id, "closed", moderator))

    async def reopen_ticket(self, ticket_id: int, moderator: str) -> TicketSummary:
        """Open a closed ticket again: the bot falls silent in that conversation once more.

        Refused (TicketNotOpen) when the conversation has another open ticket meanwhile:
        one conversation has at most one open ticket.
        """
        now = _now()
        async with self._transaction():
            ticket = await self._ticket_by_id(ticket_id)
            if ticket is None or ticket.status is not TicketStatus.CLOSED:
                raise TicketNotOpen(ticket_id)
            row = await self._one(
                "SELECT open_ticket_id FROM conversations WHERE id = ?", (ticket.conversation_id,)
            )
            if row is not None and row[0] is not None:
                raise TicketNotOpen(ticket_id)
            await self.db.execute(
                "UPDATE tickets SET status = 'open', closed_at = NULL, closed_by = NULL, "
                "claimed_by = ?, claimed_at = ? WHERE id = ?",
                (moderator, now, ticket_id),
            )
            # followup_sent = 1: the player already heard "a colleague will answer".
            await self.db.execute(
                "UPDATE conversations SET mode = 'handoff', open_ticket_id = ?, followup_sent = 1, "
                "clarify_options = '[]', updated_at = ? WHERE id = ?",
                (ticket_id, now, ticket.conversation_id),
            )
            await self._audit(moderator, "reopen", f"ticket {ticket_id}", "", now)
        self._tell(TicketChange(ticket_id, "reopened", moderator))
        return await self._open_ticket(ticket_id)

    # -- polling cursors -------------------------------------------------------------

    async def get_cursor(self, name: str) -> str | None:
        row = await self._one("SELECT value FROM cursors WHERE name = ?", (name,))
        return str(row[0]) if row else None

    async def set_cursor(self, name: str, value: str) -> None:
        async with self._transaction():
            await self.db.execute(
                "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (name, value, _now()),
            )

    # -- reports -----------------------------------------------------------------

    _DEAD_LETTER_COLUMNS = (
        "id, kind, ref_id, reason, created_at, resolution, resolved_by, resolved_at"
    )

    async def dead_letters(self, *, include_resolved: bool = False) -> list[DeadLetter]:
        where = "" if include_resolved else "WHERE resolution IS NULL "
        rows = await self._all(
            f"SELECT {self._DEAD_LETTER_COLUMNS} FROM dead_letters {where}"
            "ORDER BY id DESC LIMIT 500"
        )
        return [DeadLetter(*r) for r in rows]

    async def _unresolved_dead_letter(self, dead_letter_id: int) -> DeadLetter:
        row = await self._one(
            f"SELECT {self._DEAD_LETTER_COLUMNS} FROM dead_letters "
            "WHERE id = ? AND resolution IS NULL",
            (dead_letter_id,),
        )
        if row is None:
            raise DeadLetterGone(dead_letter_id)
        return DeadLetter(*row)

    async def retry_dead_letter(self, dead_letter_id: int, actor: str) -> DeadLetter:
        """Give it another go: an outbox row is pending again (attempts from zero), an event
        is ``accepted`` again. The caller hands a retried event to the processor."""
        now = _now()
        async with self._transaction():
            letter = await self._unresolved_dead_letter(dead_letter_id)
            if letter.kind == "outbox":
                await self.db.execute(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? "
                    "WHERE id = ? AND status = 'dead'",
                    (now, letter.ref_id),
                )
            else:
                await self.db.execute(
                    "UPDATE events SET status = 'accepted', reason = NULL, processed_at = NULL "
                    "WHERE id = ? AND status = 'dead'",
                    (letter.ref_id,),
                )
            await self._resolve(letter, "retried", actor, now)
        return letter

    async def discard_dead_letter(self, dead_letter_id: int, actor: str) -> DeadLetter:
        """Nothing more is tried; the row stays, marked, for the record."""
        now = _now()
        async with self._transaction():
            letter = await self._unresolved_dead_letter(dead_letter_id)
            await self._resolve(letter, "discarded", actor, now)
        return letter

    async def _resolve(self, letter: DeadLetter, resolution: str, actor: str, now: str) -> None:
        await self.db.execute(
            "UPDATE dead_letters SET resolution = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
            (resolution, actor, now, letter.id),
        )
        await self._audit(
            actor,
            {"retried": "dead_letter_retry", "discarded": "dead_letter_discard"}[resolution],
            f"dead letter {letter.id}",
            f"{letter.kind} {letter.ref_id}: {letter.reason}",
            now,
        )

    # -- console users and audit log ------------------------------------------------

    async def add_user(self, name: str, role: str, password_hash: str) -> UserRecord:
        now = _now()
        async with self._transaction():
            if await self._one("SELECT 1 FROM users WHERE name = ?", (name,)):
                raise UserExists(name)
            await self.db.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, password_hash, now),
            )
        return UserRecord(name, role, password_hash, now)

    async def get_user(self, name: str) -> UserRecord | None:
        row = await self._one(
            "SELECT name, role, password_hash, created_at FROM users WHERE name = ?", (name,)
        )
        return UserRecord(*row) if row else None

    async def list_users(self) -> list[UserRecord]:
        rows = await self._all(
            "SELECT name, role, password_hash, created_at FROM users ORDER BY name"
        )
        return [UserRecord(*r) for r in rows]

    async def record_audit(
        self, actor: str, action: str, target: str = "", detail: str = ""
    ) -> None:
        async with self._transaction():
            await self._audit(actor, action, target, detail, _now())

    async def audit_entries(self, limit: int = 200, actor: str | None = None) -> list[AuditEntry]:
        where, params = ("WHERE actor = ? ", (actor,)) if actor else ("", ())
        rows = await self._all(
            f"SELECT id, at, actor, action, target, detail FROM audit_log {where}"
            "ORDER BY id DESC LIMIT ?",
            (*params, max(1, min(limit, 1000))),
        )
        return [AuditEntry(*r) for r in rows]

    # -- dashboard figures -----------------------------------------------------------

    async def messages_per_day(self, days: int = 30) -> list[tuple[str, str, int]]:
        """(day, channel, messages received) for the last ``days`` days, oldest first."""
        rows = await self._all(
            "SELECT substr(received_at, 1, 10) AS day, channel, COUNT(*) FROM events "
            "WHERE received_at >= date('now', ?) GROUP BY day, channel ORDER BY day, channel",
            (f"-{int(days)} days",),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def decision_counts(self) -> dict[str, int]:
        """Processed events by the decision recorded for them (answer, clarify, escalate…)."""
        rows = await self._all(
            "SELECT COALESCE(json_extract(decision_json, '$.decision'), status), COUNT(*) "
            "FROM events WHERE status != 'accepted' GROUP BY 1"
        )
        return {str(r[0]): r[1] for r in rows}

    async def ticket_reason_counts(self) -> dict[str, int]:
        rows = await self._all(
            "SELECT reason, COUNT(*) FROM tickets GROUP BY reason ORDER BY 2 DESC"
        )
        return {r[0]: r[1] for r in rows}

    async def first_responses(self, limit: int = 10000) -> list[FirstResponse]:
        rows = await self._all(
            "SELECT id, COALESCE(first_response_by, claimed_by, '?'), lang, "
            "(julianday(first_response_at) - julianday(opened_at)) * 86400.0 FROM tickets "
            "WHERE first_response_at IS NOT NULL ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [FirstResponse(r[0], r[1], r[2], max(0.0, float(r[3]))) for r in rows]

    async def resolution_counts(self) -> dict[str, int]:
        """FAQ answers by what the player said after: confirmed (yes), rejected (no), assumed
        (no verdict: they did not come back, which we count as resolved but apart)."""
        rows = await self._all(
            "SELECT COALESCE(feedback, 'assumed'), COUNT(*) FROM events "
            "WHERE status = 'answered' AND faq_id IS NOT NULL GROUP BY 1"
        )
        names = {"yes": "confirmed", "no": "rejected", "assumed": "assumed"}
        return {names.get(r[0], r[0]): r[1] for r in rows}

    async def event_status_counts(self) -> dict[str, int]:
        rows = await self._all("SELECT status, COUNT(*) FROM events GROUP BY status")
        return {r[0]: r[1] for r in rows}

    # -- console sessions ----------------------------------------------------------

    async def save_console_session(self, session: StoredSession) -> None:
        async with self._transaction():
            await self.db.execute("DELETE FROM console_sessions WHERE expires_at < ?", (_now(),))
            await self.db.execute(
                "INSERT INTO console_sessions (token_hash, user_name, role, csrf_token, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                (
                    session.token_hash,
                    session.user,
                    session.role,
                    session.csrf_token,
                    _iso(session.expires_at),
                ),
            )

    async def console_session(self, token_hash: str) -> StoredSession | None:
        row = await self._one(
            "SELECT token_hash, user_name, role, csrf_token, expires_at FROM console_sessions "
            "WHERE token_hash = ? AND expires_at >= ?",
            (token_hash, _now()),
        )
        if row is None:
            return None
        return StoredSession(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]))

    async def delete_console_session(self, token_hash: str) -> None:
        async with self._transaction():
            await self.db.execute(
                "DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,)
            )

    # -- retention and a player's data --------------------------------------------

    async def purge_older_than(self, cutoff: datetime) -> dict[str, int]:
        """Delete what is older than ``cutoff``, except what someone still needs: anything of
        a conversation with an open ticket, events not yet decided and replies not yet sent.
        Events carry the raw payloads, so attachments' platform references go with them.
        The audit log stays (it records moderators' actions, not players' words)."""
        moment = _iso(cutoff)
        held = "SELECT id FROM conversations WHERE open_ticket_id IS NOT NULL"
        statements = {
            "events": (
                f"DELETE FROM events WHERE received_at < ? AND status != 'accepted' "
                f"AND conversation_id NOT IN ({held})"
            ),
            "transcript": (
                f"DELETE FROM transcript WHERE at < ? AND conversation_id NOT IN ({held})"
            ),
            "outbox": (
                "DELETE FROM outbox WHERE created_at < ? AND status IN ('sent', 'dead') "
                "AND NOT EXISTS (SELECT 1 FROM conversations AS c WHERE c.channel = "
                "outbox.channel AND c.conversation_key = outbox.conversation_key "
                "AND c.open_ticket_id IS NOT NULL)"
            ),
            "tickets": "DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?",
            "dead_letters": (
                "DELETE FROM dead_letters WHERE (kind = 'event' AND ref_id NOT IN "
                "(SELECT id FROM events)) OR (kind = 'outbox' AND ref_id NOT IN "
                "(SELECT id FROM outbox))"
            ),
            "conversations": (
                "DELETE FROM conversations WHERE updated_at < ? AND open_ticket_id IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM events WHERE conversation_id = conversations.id) "
                "AND NOT EXISTS (SELECT 1 FROM tickets WHERE conversation_id = conversations.id) "
                "AND NOT EXISTS (SELECT 1 FROM transcript "
                "WHERE conversation_id = conversations.id)"
            ),
        }
        removed: dict[str, int] = {}
        async with self._transaction():
            for table, sql in statements.items():
                params = (moment,) if "?" in sql else ()
                removed[table] = len(await self._all(f"{sql} RETURNING 1", params))
        return removed

    async def player_data(self, channel: str, sender_id: str) -> dict[str, Any]:
        """Everything stored about one player on one channel (a GDPR access request).

        Private conversations come whole (the player's words and ours); from public ones
        (group chats, comment threads) only the player's own messages and our replies to
        them, never other players' words."""
        events = await self._all(
            "SELECT e.id, e.event_json, e.status, e.reason, e.faq_id, e.feedback, "
            "e.received_at, c.id, c.conversation_key, c.is_public FROM events AS e "
            "JOIN conversations AS c ON c.id = e.conversation_id "
            f"WHERE e.channel = ? AND {self._EVENT_SENDER} = ? "
            "ORDER BY e.id",
            (channel, sender_id),
        )
        event_ids = [row[0] for row in events]
        conversations: dict[int, dict[str, Any]] = {}
        exported_events: list[dict[str, Any]] = []
        for row in events:
            event = Event.model_validate_json(row[1])
            exported_events.append(
                {
                    "received_at": row[6],
                    "conversation": row[8],
                    "kind": event.kind.value,
                    "text": event.text,
                    "attachments": [a.model_dump() for a in event.attachments],
                    "status": row[2],
                    "reason": row[3],
                    "faq_id": row[4],
                    "feedback": row[5],
                }
            )
            conversations.setdefault(
                row[7], {"conversation": row[8], "public": bool(row[9]), "transcript": []}
            )
        for conversation_id, conversation in conversations.items():
            if conversation["public"]:
                continue
            lines = await self._all(
                "SELECT at, author, text FROM transcript WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            )
            conversation["transcript"] = [
                {"at": at, "author": author, "text": text} for at, author, text in lines
            ]
        replies: list[dict[str, Any]] = []
        if event_ids:
            marks = ",".join("?" * len(event_ids))
            rows = await self._all(
                f"SELECT reply_json, status, created_at, sent_at FROM outbox "
                f"WHERE event_id IN ({marks}) ORDER BY id",
                tuple(event_ids),
            )
            for reply_json, status, created_at, sent_at in rows:
                reply = Reply.model_validate_json(reply_json)
                replies.append(
                    {
                        "text": reply.text,
                        "public": reply.is_public,
                        "status": status,
                        "created_at": created_at,
                        "sent_at": sent_at,
                    }
                )
        tickets = await self._all(
            f"SELECT id, reason, status, opened_at, closed_at FROM tickets "
            f"WHERE conversation_id IN ({','.join('?' * len(conversations)) or 'NULL'}) "
            f"ORDER BY id",
            tuple(conversations),
        )
        return {
            "channel": channel,
            "sender_id": sender_id,
            "events": exported_events,
            "replies": replies,
            "conversations": list(conversations.values()),
            "tickets": [
                {"id": t[0], "reason": t[1], "status": t[2], "opened_at": t[3], "closed_at": t[4]}
                for t in tickets
            ],
        }

    async def backlog(self) -> Backlog:
        waiting = await self._one(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status IN ('pending', 'sending')"
        )
        dead = await self._one("SELECT COUNT(*) FROM dead_letters WHERE resolution IS NULL")
        count, oldest = waiting if waiting else (0, None)
        return Backlog(
            outbox_waiting=count,
            oldest_waiting_since=datetime.fromisoformat(oldest) if oldest else None,
            dead_letters_open=dead[0] if dead else 0,
        )


def _preview(event: Event) -> str:
    text = _transcript_text(event)
    return text[:200]


def _transcript_text(event: Event) -> str:
    if event.attachments:
        kinds = ", ".join(a.kind for a in event.attachments)
        return f"[{kinds}] {event.text}".strip()
    return event.text
