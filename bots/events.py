"""The normalized vocabulary every channel speaks.

Adapters turn platform payloads into :class:`Event` and deliver :class:`Reply`;
handlers read events and produce replies. This module imports nothing else of
ours so that every other module can depend on it without cycles.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT_CHARS = 4000
"""Player text beyond this is cut before decisions (the raw payload is kept whole)."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def utc_now() -> datetime:
    return datetime.now(UTC)


def without_surrogates(value: object) -> object:
    """Lone UTF-16 surrogates (legal in JSON as ``\\ud800``, seen in broken emoji) become
    U+FFFD: they cannot be encoded as UTF-8, so the store and the language detector would
    fail on them, and a webhook that fails is delivered again and again."""
    if isinstance(value, str) and _LONE_SURROGATE.search(value):
        return _LONE_SURROGATE.sub("\ufffd", value)
    return value


class _Text(BaseModel):
    """A frozen model whose every string is storable UTF-8, whatever came in."""

    model_config = ConfigDict(frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        return without_surrogates(value)


class EventKind(StrEnum):
    MESSAGE = "message"
    ATTACHMENT = "attachment"
    OPTION_PICKED = "option_picked"
    """A button/quick reply/callback chose one of the options we offered."""


class Attachment(_Text):
    model_config = ConfigDict(frozen=True)

    kind: str
    """photo, document, voice, sticker, video, other."""
    platform_file_id: str | None = None
    mime_type: str | None = None
    file_name: str | None = None


class Event(_Text):
    """One thing a player did, as every handler sees it, whatever the platform."""

    model_config = ConfigDict(frozen=True)

    channel: str
    """Registry name of the adapter that received it (``webchat``, ``telegram``…)."""
    platform_message_id: str
    """Platform's id for this delivery; (channel, id) is the de-duplication key."""
    conversation_key: str
    """Stable id of the player's thread on that channel (chat id, DM thread, comment root)."""
    sender_id: str
    sender_name: str | None = None
    kind: EventKind = EventKind.MESSAGE
    text: str = ""
    text_truncated: bool = False
    is_public: bool = False
    """Public comment or group message: nothing account-specific may be said there."""
    withdrawable: bool = False
    """The adapter can take this public post out of public view (hide it) when a reply
    asks with ``withdraw_source``. Set by adapters that can; the handlers then decide."""
    language_hint: str | None = None
    """The platform's idea of the user's language; the text decides."""
    attachments: tuple[Attachment, ...] = ()
    picked_option: int | None = None
    reply_to_platform_id: str | None = None
    received_at: datetime = Field(default_factory=utc_now)


class ReplyAuthor(StrEnum):
    BOT = "bot"
    MODERATOR = "moderator"


class ReplyOption(_Text):
    model_config = ConfigDict(frozen=True)

    number: int
    title: str


class Reply(_Text):
    """Something we say to a player; leaves only through the outbox."""

    model_config = ConfigDict(frozen=True)

    channel: str
    conversation_key: str
    text: str
    author: ReplyAuthor = ReplyAuthor.BOT
    is_public: bool = False
    in_reply_to: str | None = None
    """Platform message id this answers, where the platform threads replies."""
    options: tuple[ReplyOption, ...] = ()
    """Choices the player can pick (buttons, quick replies or numbers, per channel)."""
    private_followup: str | None = None
    """For public replies: the full text that should reach the player privately."""
    contact_hint: str | None = None
    """For public replies: what to add publicly when the private follow-up cannot be
    delivered (the player does not accept DMs), in the player's language."""
    withdraw_source: bool = False
    """Take the player's public post ``in_reply_to`` out of public view before replying,
    because it exposes personal data. Only asked for events marked ``withdrawable``; an
    adapter that cannot withdraw posts ignores it."""


def clip_text(text: str, limit: int = MAX_TEXT_CHARS) -> tuple[str, bool]:
    """Cut untrusted text to ``limit`` characters; say whether anything was lost."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True
