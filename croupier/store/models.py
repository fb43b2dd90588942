"""Rows the store hands out: plain frozen dataclasses, no database types leak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bots.events import Event, Reply
from handlers.outcome import ConversationMode, ConversationState, EventStatus, Outcome

# The handlers' contract types are re-exported: store code imports its rows from one place.
__all__ = [
    "AuditEntry",
    "ConversationMode",
    "ConversationState",
    "DeadLetter",
    "EventStatus",
    "FirstResponse",
    "OutboxItem",
    "OutboxStatus",
    "Outcome",
    "StoredEvent",
    "TicketChange",
    "TicketQuery",
    "TicketStatus",
    "TicketSummary",
    "TranscriptLine",
    "UserRecord",
]


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """An adapter began the network call, the outcome is not recorded yet. Found at start-up
    it means the service died mid-send: the player may or may not have the reply."""
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True)
class StoredEvent:
    id: int
    event: Event
    status: EventStatus
    conversation_id: int


@dataclass(frozen=True)
class OutboxItem:
    id: int
    reply: Reply
    attempts: int
    event_id: int | None


@dataclass(frozen=True)
class TicketSummary:
    id: int
    conversation_id: int
    channel: str
    conversation_key: str
    lang: str
    reason: str
    is_public: bool
    status: TicketStatus
    opened_at: str
    closed_at: str | None
    preview: str
    claimed_by: str | None = None
    claimed_at: str | None = None
    first_response_at: str | None = None
    first_response_by: str | None = None
    closed_by: str | None = None


@dataclass(frozen=True)
class TicketQuery:
    """The queue's filters; None means any."""

    status: TicketStatus = TicketStatus.OPEN
    channel: str | None = None
    lang: str | None = None
    reason: str | None = None
    newest_first: bool = False
    limit: int = 500


@dataclass(frozen=True)
class TicketChange:
    """Told to listeners after a ticket-changing transaction commits (the console's live feed)."""

    ticket_id: int
    change: str
    """opened, message, claimed, released, replied, note, closed, reopened."""
    actor: str | None = None


@dataclass(frozen=True)
class TranscriptLine:
    author: str
    """player, bot, moderator, or note (internal, never sent to the player)."""
    text: str
    at: str
    by: str | None = None
    """The console user who wrote a moderator reply or a note."""


@dataclass(frozen=True)
class DeadLetter:
    id: int
    kind: str
    """event or outbox."""
    ref_id: int
    reason: str
    created_at: str
    resolution: str | None = None
    """None while waiting; ``retried`` or ``discarded`` once someone dealt with it."""
    resolved_by: str | None = None
    resolved_at: str | None = None


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    password_hash: str
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class FirstResponse:
    """One answered ticket, for the first-response-time figures."""

    ticket_id: int
    moderator: str
    lang: str
    seconds: float


@dataclass(frozen=True)
class Backlog:
    """What is waiting, for the operator's gauges: replies not yet sent and dead letters
    no moderator has handled."""

    outbox_waiting: int
    oldest_waiting_since: datetime | None
    dead_letters_open: int


@dataclass(frozen=True)
class StoredSession:
    """A console sign-in as the database keeps it: the cookie's SHA-256, never the cookie
    (a copy of the database gives nobody a live session)."""

    token_hash: str
    user: str
    role: str
    csrf_token: str
    expires_at: datetime
