"""Rows the store hands out: plain frozen dataclasses, no database types leak."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bots.events import Event, Reply
from handlers.outcome import ConversationMode, ConversationState, EventStatus, Outcome

# The handlers' contract types are re-exported: store code imports its rows from one place.
__all__ = [
    "ConversationMode",
    "ConversationState",
    "DeadLetter",
    "EventStatus",
    "OutboxItem",
    "OutboxStatus",
    "Outcome",
    "StoredEvent",
    "TicketStatus",
    "TicketSummary",
    "TranscriptLine",
]


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
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


@dataclass(frozen=True)
class TranscriptLine:
    author: str
    """player, bot, moderator."""
    text: str
    at: str


@dataclass(frozen=True)
class DeadLetter:
    id: int
    kind: str
    """event or outbox."""
    ref_id: int
    reason: str
    created_at: str
