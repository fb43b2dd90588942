"""The store interface every backend (embedded SQLite, PostgreSQL) implements."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bots.events import Event, Reply
from croupier.store.models import (
    ConversationState,
    DeadLetter,
    OutboxItem,
    Outcome,
    StoredEvent,
    TicketStatus,
    TicketSummary,
    TranscriptLine,
)


class TicketNotOpen(Exception):
    """A moderator acted on a ticket that is closed or does not exist."""


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def accept_event(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        """Store before acknowledging. Returns (event id, is_new); a redelivery is not new."""
        ...

    async def unprocessed_event_ids(self) -> list[int]:
        """Events accepted but not decided (after a crash): they are processed again."""
        ...

    async def load_event(self, event_id: int) -> tuple[StoredEvent, ConversationState]: ...

    async def apply_outcome(self, stored: StoredEvent, outcome: Outcome) -> list[int]:
        """Record the decision, state, ticket, transcript and outbox rows in one transaction."""
        ...

    async def dead_letter_event(self, event_id: int, reason: str) -> None: ...

    async def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxItem]: ...

    async def next_outbox_due(self) -> datetime | None: ...

    async def mark_sent(self, outbox_id: int, platform_message_id: str | None) -> None: ...

    async def schedule_retry(
        self, outbox_id: int, next_attempt_at: datetime, error: str
    ) -> None: ...

    async def dead_letter_outbox(self, outbox_id: int, reason: str) -> None: ...

    async def list_tickets(self, status: TicketStatus) -> list[TicketSummary]: ...

    async def ticket_transcript(
        self, ticket_id: int
    ) -> tuple[TicketSummary, list[TranscriptLine]]: ...

    async def moderator_reply(self, ticket_id: int, moderator: str, text: str) -> int:
        """Queue a moderator's reply in the outbox; raises TicketNotOpen."""
        ...

    async def close_ticket(
        self, ticket_id: int, moderator: str, closing_note: Reply | None
    ) -> None: ...

    async def delivered_replies(
        self, channel: str, conversation_key: str, after_id: int
    ) -> list[tuple[int, Reply]]: ...

    async def get_cursor(self, name: str) -> str | None:
        """A polling position (Telegram update offset, X since_id) that survives restarts."""
        ...

    async def set_cursor(self, name: str, value: str) -> None: ...

    async def dead_letters(self) -> list[DeadLetter]: ...

    async def event_status_counts(self) -> dict[str, int]: ...

    async def resolution_counts(self) -> dict[str, int]: ...
