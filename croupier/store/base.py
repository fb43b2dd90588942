"""The store interface every backend (embedded SQLite, PostgreSQL) implements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from bots.events import Event, Reply
from croupier.store.models import (
    AuditEntry,
    Backlog,
    ConversationState,
    DeadLetter,
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


class TicketNotOpen(Exception):
    """A moderator acted on a ticket that is closed or does not exist (or, for reopen, one
    that is not closed)."""


class TicketClaimed(Exception):
    """Another moderator holds the ticket; acting anyway needs ``force``."""

    def __init__(self, ticket_id: int, holder: str) -> None:
        super().__init__(f"ticket {ticket_id} is claimed by {holder}")
        self.ticket_id = ticket_id
        self.holder = holder


class UserExists(Exception):
    """A console user with that name is already there."""


class DeadLetterGone(Exception):
    """No such dead letter, or someone already retried or discarded it."""


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def accept_event(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        """Store before acknowledging. Returns (event id, is_new); a redelivery is not new."""
        ...

    async def replace_undecided_text(
        self, channel: str, platform_message_id: str, text: str, text_truncated: bool
    ) -> bool:
        """A player's edit: the event's new text if it is still undecided (``accepted``);
        False once it was decided (see :class:`bots.channel.UndecidedEdits`)."""
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

    async def release_outbox(self, outbox_ids: list[int]) -> None:
        """Give back rows :meth:`due_outbox` handed out that will not be sent now, so another
        pass (or another sender) can take them at once."""
        ...

    async def next_outbox_due(self) -> datetime | None: ...

    async def begin_send(self, outbox_id: int) -> None:
        """An adapter is about to call its platform for this row (``sending``); see
        :class:`bots.channel.SendJournal`."""
        ...

    async def settle_interrupted_sends(self) -> list[int]:
        """At start-up: rows still ``sending`` become dead letters; returns their ids."""
        ...

    async def mark_sent(self, outbox_id: int, platform_message_id: str | None) -> None: ...

    async def schedule_retry(
        self, outbox_id: int, next_attempt_at: datetime, error: str
    ) -> None: ...

    async def dead_letter_outbox(self, outbox_id: int, reason: str) -> None: ...

    async def list_tickets(
        self, status: TicketStatus, query: TicketQuery | None = None
    ) -> list[TicketSummary]:
        """The queue: ``query`` (filters, order) wins over ``status`` when given."""
        ...

    async def ticket(self, ticket_id: int) -> TicketSummary | None: ...

    async def ticket_transcript(
        self, ticket_id: int
    ) -> tuple[TicketSummary, list[TranscriptLine]]: ...

    async def conversation_attachments(
        self, conversation_id: int, limit: int = 100
    ) -> list[StoredEvent]:
        """The conversation's events that carry attachments, oldest first (the console
        lists them beside the transcript, which keeps only a ``[photo]`` marker)."""
        ...

    async def moderator_reply(
        self, ticket_id: int, moderator: str, text: str, *, force: bool = False
    ) -> int:
        """Queue a moderator's reply in the outbox (audited); raises TicketNotOpen, and
        TicketClaimed when someone else holds the ticket and ``force`` is not set."""
        ...

    async def add_note(self, ticket_id: int, moderator: str, text: str) -> None:
        """An internal note in the transcript (author ``note``), never sent; audited."""
        ...

    async def claim_ticket(
        self, ticket_id: int, moderator: str, *, force: bool = False
    ) -> TicketSummary: ...

    async def release_ticket(
        self, ticket_id: int, moderator: str, *, force: bool = False
    ) -> TicketSummary: ...

    async def close_ticket(
        self, ticket_id: int, moderator: str, closing_note: Reply | None
    ) -> None: ...

    async def reopen_ticket(self, ticket_id: int, moderator: str) -> TicketSummary: ...

    def add_ticket_listener(self, listener: Callable[[TicketChange], None]) -> None:
        """Hear of every ticket change after it commits (the console's live feed)."""
        ...

    async def delivered_replies(
        self, channel: str, conversation_key: str, after_id: int
    ) -> list[tuple[int, Reply]]:
        """Replies after ``after_id`` that are sent or on their way (not dead), in order: a
        web chat page that connects between a push and the outbox recording it still gets
        the reply (the push may also reach it; the page shows a reply id once)."""
        ...

    async def get_cursor(self, name: str) -> str | None:
        """A polling position (Telegram update offset, X since_id) that survives restarts."""
        ...

    async def set_cursor(self, name: str, value: str) -> None: ...

    async def dead_letters(self, *, include_resolved: bool = False) -> list[DeadLetter]: ...

    async def retry_dead_letter(self, dead_letter_id: int, actor: str) -> DeadLetter:
        """Requeue (outbox row pending again, event accepted again); audited."""
        ...

    async def discard_dead_letter(self, dead_letter_id: int, actor: str) -> DeadLetter: ...

    async def add_user(self, name: str, role: str, password_hash: str) -> UserRecord:
        """Raises UserExists."""
        ...

    async def get_user(self, name: str) -> UserRecord | None: ...

    async def list_users(self) -> list[UserRecord]: ...

    async def record_audit(
        self, actor: str, action: str, target: str = "", detail: str = ""
    ) -> None: ...

    async def audit_entries(
        self, limit: int = 200, actor: str | None = None
    ) -> list[AuditEntry]: ...

    async def messages_per_day(self, days: int = 30) -> list[tuple[str, str, int]]: ...

    async def decision_counts(self) -> dict[str, int]: ...

    async def ticket_reason_counts(self) -> dict[str, int]: ...

    async def first_responses(self, limit: int = 10000) -> list[FirstResponse]: ...

    async def event_status_counts(self) -> dict[str, int]: ...

    async def resolution_counts(self) -> dict[str, int]: ...

    async def purge_older_than(self, cutoff: datetime) -> dict[str, int]:
        """Retention: delete conversations' data older than ``cutoff`` (not what an open
        ticket, an undecided event or an unsent reply still needs); rows removed by table."""
        ...

    async def player_data(self, channel: str, sender_id: str) -> dict[str, Any]:
        """One player's stored data, JSON-ready (a GDPR access request)."""
        ...

    async def save_console_session(self, session: StoredSession) -> None:
        """Keep a console sign-in (and forget expired ones): every front end sees it."""
        ...

    async def console_session(self, token_hash: str) -> StoredSession | None:
        """The unexpired session with this cookie hash, if any."""
        ...

    async def delete_console_session(self, token_hash: str) -> None: ...

    async def backlog(self) -> Backlog:
        """Outbox rows waiting (pending or sending), the oldest one's age, open dead letters."""
        ...
