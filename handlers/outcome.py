"""What one processed event changes: the contract between handlers and the store.

Handlers read a :class:`ConversationState` and return an :class:`Outcome`; the runtime
applies it in one transaction. Nothing here knows about a database or a platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bots.events import Reply


class EventStatus(StrEnum):
    ACCEPTED = "accepted"
    """Stored and acknowledged, not yet decided (re-queued after a restart)."""
    ANSWERED = "answered"
    ESCALATED = "escalated"
    DEAD = "dead"


class ConversationMode(StrEnum):
    BOT = "bot"
    CLARIFY = "clarify"
    """We asked which of two entries was meant; the next message picks."""
    HANDOFF = "handoff"
    """A ticket is open: the bot stays silent until a moderator closes it."""
    FEEDBACK = "feedback"
    """We answered from the FAQ and asked whether it helped."""


@dataclass(frozen=True)
class ConversationState:
    """What the handlers need to know about a thread before deciding."""

    id: int
    channel: str
    conversation_key: str
    mode: ConversationMode = ConversationMode.BOT
    lang: str | None = None
    clarify_options: tuple[str, ...] = ()
    open_ticket_id: int | None = None
    followup_sent: bool = False
    is_public: bool = False
    last_faq_id: str | None = None
    """The entry we answered with last (a rephrased repeat of it means it did not help)."""
    misses: int = 0
    """Consecutive turns we could not settle (clarify unresolved); two hand over."""


@dataclass(frozen=True)
class Outcome:
    """Everything one processed event changes, applied by the store in one transaction."""

    status: EventStatus
    mode: ConversationMode
    lang: str
    replies: tuple[Reply, ...] = ()
    clarify_options: tuple[str, ...] = ()
    open_ticket_reason: str | None = None
    """Open a ticket with this reason (when none is open)."""
    followup_sent: bool = False
    decision: dict[str, object] = field(default_factory=dict)
    """The decision as recorded for analytics and the console."""
    dead_reason: str | None = None
    last_faq_id: str | None = None
    misses: int = 0
    feedback: str | None = None
    """``yes``/``no``: the player's verdict on our last FAQ answer, recorded on that answer."""
