"""What a channel adapter must offer the runtime, and the registry of adapters by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bots.events import Event, Reply


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one send attempt, as the outbox needs it to decide what next."""

    delivered: bool
    platform_message_id: str | None = None
    retry_after: float | None = None
    """Seconds the platform asked us to wait (429); None means use our own backoff."""
    permanent_error: str | None = None
    """A reason no retry can fix (blocked, chat not found, window closed): dead-letter it."""


class DeliveryError(Exception):
    """A send failed in a way that may pass (5xx, timeout, rate limit)."""

    def __init__(
        self, message: str, retry_after: float | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code
        """The platform's error code or HTTP status, for metrics (a small, known set)."""


class ChannelDown(DeliveryError):
    """The channel as a whole cannot send, e.g. its access token was refused: every reply
    for it would fail the same way until a person acts.

    The outbox then holds all of the channel's replies (pending, attempt counts untouched)
    instead of burning their retries, says so once, and tries the channel again after
    ``retry_after`` seconds (its own pause when None) or after a restart. Raise it only
    when nothing went out, and not after :meth:`SendJournal.begin_send` (the outbox leaves
    the row as it is, so a journalled row would stay "sending").
    """


AcceptEvent = Callable[[Event, str], Awaitable[tuple[int, bool]]]
"""What an adapter calls for each incoming event with its raw payload: the runtime stores
it and returns (event id, is_new). Acknowledge the platform only after it returns."""


class CursorStore(Protocol):
    """Where a polling adapter keeps its position so a restart neither loses nor repeats."""

    async def get_cursor(self, name: str) -> str | None: ...

    async def set_cursor(self, name: str, value: str) -> None: ...


class SendJournal(Protocol):
    """Where an adapter notes that a reply is about to leave, right before the network call.

    For platforms without an idempotency key: a crash after this point leaves the reply in
    doubt (the player may have it), and the runtime dead-letters it instead of sending it
    again. An adapter without a journal is resent after a crash (at least once).
    """

    async def begin_send(self, delivery_id: int) -> None: ...


class UndecidedEdits(Protocol):
    """Where an adapter applies a player's edit to a message we have not decided yet.

    An edit after the decision changes nothing (the answer is out); before it, the edit
    is what the player means, so it replaces the stored text instead of becoming a
    second message to answer.
    """

    async def replace_undecided_text(
        self, channel: str, platform_message_id: str, text: str, text_truncated: bool
    ) -> bool:
        """True if the event was still undecided and now carries ``text``."""
        ...


@runtime_checkable
class Channel(Protocol):
    """An adapter: it feeds events in through the runtime's ``accept`` and delivers replies.

    Ingress is the adapter's own business (webhook routes, polling loops); the one
    method the outbox relies on is :meth:`deliver`.
    """

    name: str

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        """Send ``reply``; raise :class:`DeliveryError` for failures worth retrying.

        ``delivery_id`` is the outbox row's id: the same on every retry of this reply, so
        an adapter can pass it on where the platform de-duplicates sends.
        """
        ...


class ChannelRegistry:
    """Adapters by name; the outbox looks up where a reply goes here."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        if channel.name in self._channels:
            raise ValueError(f"channel {channel.name!r} registered twice")
        self._channels[channel.name] = channel

    def get(self, name: str) -> Channel | None:
        return self._channels.get(name)

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._channels.values())

    def names(self) -> list[str]:
        return sorted(self._channels)


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
"""Largest file a moderator can open through the server (the Bot API's getFile limit)."""


@dataclass(frozen=True)
class FetchedFile:
    """A player's file as the platform gave it to us, for the console to pass on."""

    content: bytes
    mime_type: str | None = None
    """The platform's or the file name's idea of the type; the console does not trust it
    (it decides itself what may be shown inline)."""
    file_name: str | None = None


class AttachmentUnavailable(Exception):
    """The platform cannot give us this file (expired, deleted, unknown id, API down)."""


class AttachmentTooLarge(AttachmentUnavailable):
    """The file is over the size we agreed to fetch."""


@runtime_checkable
class AttachmentSource(Protocol):
    """Optional for a channel: fetch a file a player sent, by the id in its ``Attachment``.

    The server fetches with its own credentials and hands the bytes to a signed-in
    moderator, so no URL carrying a token or a signature ever reaches a browser.
    """

    async def fetch_attachment(
        self, platform_file_id: str, max_bytes: int = MAX_ATTACHMENT_BYTES
    ) -> FetchedFile:
        """The file's bytes; raises :class:`AttachmentTooLarge` beyond ``max_bytes`` and
        :class:`AttachmentUnavailable` when the platform cannot give it."""
        ...
