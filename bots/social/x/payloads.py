"""What X sends us, as pydantic models: v2 API pages (polling) and Account Activity webhooks.

Only the fields the adapter reads are declared; the rest is kept (``extra="allow"``) so
that the raw JSON stored with each event is the item as X sent it. Ids are strings
everywhere: X's ids are 64-bit and lose digits as JavaScript numbers, so X sends them as
strings (``id_str`` in the v1.1 shapes the Account Activity API still uses).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _XModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


# -- v2 API (GET /2/users/:id/mentions, GET /2/dm_events) --------------------------------


class ReferencedTweet(_XModel):
    type: str
    """``replied_to``, ``quoted`` or ``retweeted``."""
    id: str


class MediaKeys(_XModel):
    media_keys: list[str] = Field(default_factory=list)


class Tweet(_XModel):
    id: str
    text: str = ""
    """HTML-escaped by X (``&amp;``, ``&lt;``, ``&gt;``)."""
    author_id: str | None = None
    conversation_id: str | None = None
    """Id of the tweet that started the thread; the same for every reply under it."""
    created_at: datetime | None = None
    in_reply_to_user_id: str | None = None
    referenced_tweets: list[ReferencedTweet] = Field(default_factory=list)
    attachments: MediaKeys | None = None
    lang: str | None = None


class User(_XModel):
    id: str
    name: str | None = None
    username: str | None = None


class Media(_XModel):
    media_key: str
    type: str = "photo"
    """``photo``, ``video`` or ``animated_gif``."""
    url: str | None = None
    """Photos only; videos have ``preview_image_url``."""


class Includes(_XModel):
    users: list[User] = Field(default_factory=list)
    media: list[Media] = Field(default_factory=list)


class PageMeta(_XModel):
    result_count: int = 0
    newest_id: str | None = None
    oldest_id: str | None = None
    next_token: str | None = None


class MentionsPage(_XModel):
    """One page of the mentions timeline, newest first."""

    data: list[Tweet] = Field(default_factory=list)
    includes: Includes = Field(default_factory=Includes)
    meta: PageMeta = Field(default_factory=PageMeta)


class DmEvent(_XModel):
    id: str
    event_type: str = "MessageCreate"
    """``MessageCreate``, ``ParticipantsJoin`` or ``ParticipantsLeave``."""
    text: str = ""
    sender_id: str | None = None
    dm_conversation_id: str | None = None
    """``<smaller id>-<larger id>`` for a one-to-one conversation, one number for a group."""
    created_at: datetime | None = None
    attachments: MediaKeys | None = None


class DmEventsPage(_XModel):
    """One page of DM events, sent and received, newest first (no ``since_id`` exists)."""

    data: list[DmEvent] = Field(default_factory=list)
    includes: Includes = Field(default_factory=Includes)
    meta: PageMeta = Field(default_factory=PageMeta)


# -- Account Activity API (webhook; v1.1 shapes) -------------------------------------------


class LegacyUser(_XModel):
    id_str: str
    name: str | None = None
    screen_name: str | None = None


class LegacyMention(_XModel):
    id_str: str
    screen_name: str | None = None


class LegacyMedia(_XModel):
    id_str: str | None = None
    type: str = "photo"
    media_url_https: str | None = None


class LegacyEntities(_XModel):
    user_mentions: list[LegacyMention] = Field(default_factory=list)
    media: list[LegacyMedia] = Field(default_factory=list)


class ExtendedTweet(_XModel):
    full_text: str = ""
    entities: LegacyEntities | None = None


class LegacyTweet(_XModel):
    """An item of ``tweet_create_events``: every tweet by, mentioning or replying to us."""

    id_str: str
    text: str = ""
    truncated: bool = False
    extended_tweet: ExtendedTweet | None = None
    """Present when the text is longer than 140 characters: ``text`` is then cut."""
    user: LegacyUser
    in_reply_to_status_id_str: str | None = None
    in_reply_to_user_id_str: str | None = None
    retweeted_status: dict[str, Any] | None = None
    entities: LegacyEntities = Field(default_factory=LegacyEntities)
    lang: str | None = None


class LegacyAttachment(_XModel):
    type: str
    media: LegacyMedia | None = None


class LegacyMessageData(_XModel):
    text: str = ""
    attachment: LegacyAttachment | None = None


class LegacyTarget(_XModel):
    recipient_id: str


class LegacyMessageCreate(_XModel):
    sender_id: str
    target: LegacyTarget
    message_data: LegacyMessageData = Field(default_factory=LegacyMessageData)


class LegacyDmEvent(_XModel):
    """An item of ``direct_message_events``: a DM sent or received by the account."""

    type: str
    id: str
    created_timestamp: str | None = None
    message_create: LegacyMessageCreate | None = None


class ActivityPayload(_XModel):
    """One Account Activity delivery; items are validated one by one (a bad one is skipped)."""

    for_user_id: str | None = None
    tweet_create_events: list[dict[str, Any]] = Field(default_factory=list)
    direct_message_events: list[dict[str, Any]] = Field(default_factory=list)
    users: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """DM deliveries: the people involved, by id (``id``, ``name``, ``screen_name``)."""
