"""X payloads → :class:`~bots.events.Event`, and the conversation keys both directions share.

Pure functions, no I/O. Each asks *does this concern us?* first and returns ``None`` for
what it does not: our own tweets and DMs (an echo is never a player's message), retweets
(somebody sharing a tweet asks nothing), group DMs (we answer account questions only one
to one) and DM events that are not messages.

A reply carries nothing back but its conversation key, so the key holds what delivery
needs: ``tweet:<thread root>:<author>`` (answer in public under the player's tweet, DM the
author) or ``dm:<user>``.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bots.events import Attachment, Event, EventKind, clip_text
from bots.social.x.payloads import (
    ActivityPayload,
    DmEvent,
    DmEventsPage,
    Includes,
    LegacyDmEvent,
    LegacyMedia,
    LegacyTweet,
    Media,
    MentionsPage,
    Tweet,
    User,
)

log = logging.getLogger(__name__)

CHANNEL_NAME = "x"
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w{1,15})+\s*")
"""Replies start with the handles of everyone in the thread; they address, they do not ask."""
_TRAILING_MEDIA_LINK = re.compile(r"\s*https://t\.co/\w+\s*$")
"""X appends the attachment's own t.co link to the text of a tweet or DM with media."""
_Model = TypeVar("_Model", bound=BaseModel)
_MEDIA_KINDS = {"photo": "photo", "video": "video", "animated_gif": "video"}


@dataclass(frozen=True)
class TweetThread:
    """One player's part of a public thread: replies go under their tweet, DMs to them."""

    root_tweet_id: str
    author_id: str

    @property
    def key(self) -> str:
        return f"tweet:{self.root_tweet_id}:{self.author_id}"


@dataclass(frozen=True)
class DirectThread:
    """The one-to-one DM conversation with a user."""

    user_id: str

    @property
    def key(self) -> str:
        return f"dm:{self.user_id}"


def parse_conversation_key(key: str) -> TweetThread | DirectThread | None:
    """The inverse of ``.key``; None for a key this adapter did not make."""
    parts = key.split(":")
    if parts[0] == "dm" and len(parts) == 2 and parts[1].isdigit():
        return DirectThread(parts[1])
    if parts[0] == "tweet" and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return TweetThread(parts[1], parts[2])
    return None


@dataclass(frozen=True)
class IncomingItem:
    """One event to accept, with the raw JSON to store beside it."""

    event: Event
    raw_json: str

    @property
    def sort_key(self) -> int:
        """X ids grow with time (snowflakes): sorting by id is sorting by creation."""
        return int(self.event.platform_message_id)


# -- polling (v2) --------------------------------------------------------------------------


def mention_items(page: MentionsPage, account_id: str) -> list[IncomingItem]:
    """Every mention on a page that a player wrote to us, oldest first."""
    users = {user.id: user for user in page.includes.users}
    media = {item.media_key: item for item in page.includes.media}
    items: list[IncomingItem] = []
    for tweet in page.data:
        if not _is_snowflake(tweet.id):
            log.warning("x: skipping a mention whose id is not a number: %r", tweet.id[:40])
            continue
        event = mention_to_event(tweet, users, media, account_id)
        if event is not None:
            author = users.get(tweet.author_id or "")
            raw = _raw_page_item(tweet, [author] if author else [], _media_of(tweet, media))
            items.append(IncomingItem(event, raw))
    return sorted(items, key=lambda item: item.sort_key)


def mention_to_event(
    tweet: Tweet,
    users: Mapping[str, User],
    media: Mapping[str, Media],
    account_id: str,
) -> Event | None:
    """A tweet mentioning us → a public event in the player's part of the thread."""
    author_id = tweet.author_id
    if not author_id or author_id == account_id:
        return None
    if any(ref.type == "retweeted" for ref in tweet.referenced_tweets):
        return None
    attachments = tuple(_v2_attachment(item) for item in _media_of(tweet, media))
    text = html.unescape(tweet.text)
    if attachments:
        text = _TRAILING_MEDIA_LINK.sub("", text)
    text, truncated = clip_text(strip_leading_mentions(text))
    author = users.get(author_id)
    replied_to = next(
        (ref.id for ref in tweet.referenced_tweets if ref.type == "replied_to"), None
    )
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=tweet.id,
        conversation_key=TweetThread(tweet.conversation_id or tweet.id, author_id).key,
        sender_id=author_id,
        sender_name=_display_name(author.name, author.username) if author else None,
        kind=EventKind.ATTACHMENT if attachments else EventKind.MESSAGE,
        text=text,
        text_truncated=truncated,
        is_public=True,
        language_hint=language_hint(tweet.lang),
        attachments=attachments,
        reply_to_platform_id=replied_to,
    )


def dm_items(page: DmEventsPage, account_id: str, after_id: int | None) -> list[IncomingItem]:
    """The page's DMs from players newer than ``after_id``, oldest first."""
    users = {user.id: user for user in page.includes.users}
    media = {item.media_key: item for item in page.includes.media}
    items: list[IncomingItem] = []
    for dm in page.data:
        if not _is_snowflake(dm.id):
            log.warning("x: skipping a DM event whose id is not a number: %r", dm.id[:40])
            continue
        if after_id is not None and int(dm.id) <= after_id:
            continue
        event = dm_to_event(dm, users, media, account_id)
        if event is not None:
            sender = users.get(dm.sender_id or "")
            raw = _raw_page_item(dm, [sender] if sender else [], _media_of(dm, media))
            items.append(IncomingItem(event, raw))
    return sorted(items, key=lambda item: item.sort_key)


def dm_to_event(
    dm: DmEvent, users: Mapping[str, User], media: Mapping[str, Media], account_id: str
) -> Event | None:
    """A DM a player sent us → a private event in the DM conversation with them.

    A DM that is only a number stays plain text: that is how a player picks one of the
    numbered options we sent (X's v2 API has no buttons), and the handlers read it so.
    """
    sender_id = dm.sender_id
    if dm.event_type != "MessageCreate" or not sender_id or sender_id == account_id:
        return None
    if dm.dm_conversation_id and "-" not in dm.dm_conversation_id:
        return None  # a group conversation: never the place for account questions
    attachments = tuple(_v2_attachment(item) for item in _media_of(dm, media))
    sender = users.get(sender_id)
    return _direct_event(
        dm.id,
        sender_id,
        _display_name(sender.name, sender.username) if sender else None,
        dm.text,
        attachments,
    )


# -- Account Activity webhook (v1.1 shapes) ------------------------------------------------


def activity_items(
    payload: ActivityPayload, account_id: str, thread_roots: Mapping[str, str]
) -> list[IncomingItem]:
    """Every event in one webhook delivery, in order; what does not concern us is dropped.

    ``thread_roots`` maps tweet ids we have seen or posted to their thread's root: v1.1
    tweets carry no ``conversation_id``, so a reply to our answer finds its conversation
    through it. An item that does not parse is logged and skipped so the rest still arrive.
    """
    if payload.for_user_id is not None and payload.for_user_id != account_id:
        log.info("x webhook: delivery for another account (%s) ignored", payload.for_user_id)
        return []
    items: list[IncomingItem] = []
    for raw in payload.tweet_create_events:
        tweet = _validated(LegacyTweet, raw, "tweet_create_events")
        event = legacy_tweet_to_event(tweet, account_id, thread_roots) if tweet else None
        if event is not None:
            items.append(
                IncomingItem(event, _raw_activity_item(payload, "tweet_create_events", raw))
            )
    for raw in payload.direct_message_events:
        dm = _validated(LegacyDmEvent, raw, "direct_message_events")
        event = legacy_dm_to_event(dm, payload.users, account_id) if dm else None
        if event is not None:
            items.append(
                IncomingItem(event, _raw_activity_item(payload, "direct_message_events", raw))
            )
    return items


def legacy_tweet_to_event(
    tweet: LegacyTweet, account_id: str, thread_roots: Mapping[str, str]
) -> Event | None:
    """A tweet that mentions us or answers one of ours; None for ours and retweets."""
    author_id = tweet.user.id_str
    if author_id == account_id or tweet.retweeted_status is not None:
        return None
    extended = tweet.extended_tweet
    entities = extended.entities if extended and extended.entities else tweet.entities
    mentions_us = any(mention.id_str == account_id for mention in entities.user_mentions)
    if not mentions_us and tweet.in_reply_to_user_id_str != account_id:
        return None  # e.g. a quote of our tweet without addressing us: not a question to us
    attachments = tuple(_legacy_attachment(item) for item in entities.media)
    text = html.unescape(extended.full_text if extended else tweet.text)
    if attachments:
        text = _TRAILING_MEDIA_LINK.sub("", text)
    text, truncated = clip_text(strip_leading_mentions(text))
    replied_to = tweet.in_reply_to_status_id_str
    root = (thread_roots.get(replied_to) or replied_to) if replied_to else tweet.id_str
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=tweet.id_str,
        conversation_key=TweetThread(root, author_id).key,
        sender_id=author_id,
        sender_name=_display_name(tweet.user.name, tweet.user.screen_name),
        kind=EventKind.ATTACHMENT if attachments else EventKind.MESSAGE,
        text=text,
        text_truncated=truncated,
        is_public=True,
        language_hint=language_hint(tweet.lang),
        attachments=attachments,
        reply_to_platform_id=replied_to,
    )


def legacy_dm_to_event(
    dm: LegacyDmEvent, users: Mapping[str, Mapping[str, Any]], account_id: str
) -> Event | None:
    """A DM a player sent us; None for the ones we sent (X delivers those too)."""
    message = dm.message_create
    if dm.type != "message_create" or message is None or message.sender_id == account_id:
        return None
    attachment = message.message_data.attachment
    attachments: tuple[Attachment, ...] = ()
    if attachment is not None and attachment.type == "media" and attachment.media is not None:
        attachments = (_legacy_attachment(attachment.media),)
    sender = users.get(message.sender_id, {})
    return _direct_event(
        dm.id,
        message.sender_id,
        _display_name(sender.get("name"), sender.get("screen_name")),
        message.message_data.text,
        attachments,
    )


# -- shared ------------------------------------------------------------------------------


def strip_leading_mentions(text: str) -> str:
    """``@casino @friend how long…`` → ``how long…``; a mention inside the text stays."""
    return _LEADING_MENTIONS.sub("", text).strip()


def language_hint(lang: str | None) -> str | None:
    """X's ``lang`` (``en``, ``pt``; ``und`` or ``qme`` when it cannot tell) → a hint."""
    code = (lang or "").split("-", 1)[0].lower()
    return code if code.isalpha() and len(code) == 2 else None


def _direct_event(
    event_id: str,
    sender_id: str,
    sender_name: str | None,
    raw_text: str,
    attachments: tuple[Attachment, ...],
) -> Event:
    text = _TRAILING_MEDIA_LINK.sub("", raw_text) if attachments else raw_text
    text, truncated = clip_text(text.strip())
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=event_id,
        conversation_key=DirectThread(sender_id).key,
        sender_id=sender_id,
        sender_name=sender_name,
        kind=EventKind.ATTACHMENT if attachments else EventKind.MESSAGE,
        text=text,
        text_truncated=truncated,
        attachments=attachments,
    )


def _media_of(item: Tweet | DmEvent, media: Mapping[str, Media]) -> list[Media]:
    keys = item.attachments.media_keys if item.attachments else []
    return [media[key] for key in keys if key in media]


def _v2_attachment(media: Media) -> Attachment:
    # The URL (photos) lets a moderator open it; otherwise the key finds it via the API.
    return Attachment(
        kind=_MEDIA_KINDS.get(media.type, "other"), platform_file_id=media.url or media.media_key
    )


def _legacy_attachment(media: LegacyMedia) -> Attachment:
    return Attachment(
        kind=_MEDIA_KINDS.get(media.type, "other"),
        platform_file_id=media.media_url_https or media.id_str,
    )


def _display_name(name: str | None, username: str | None) -> str | None:
    if name and username:
        return f"{name} (@{username})"
    return name or (f"@{username}" if username else None)


def _validated(model: type[_Model], raw: dict[str, Any], where: str) -> _Model | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) for p in first["loc"]) or "item"
        log.warning("x webhook: skipping an item of %s: %s: %s", where, location, first["msg"])
        return None


def _is_snowflake(item_id: str) -> bool:
    """X ids are decimal numbers; ordering and cursors rely on it (``int()`` of the id)."""
    return item_id.isascii() and item_id.isdigit() and len(item_id) <= 20


def _raw_page_item(item: BaseModel, users: Iterable[User], media: Iterable[Media]) -> str:
    """The item as a one-item page of the same shape: stored, it can be converted again."""
    try:
        data = item.model_dump(mode="json", exclude_none=True)
    except ValueError:
        # Something nested past pydantic's serialisation depth: keep the fields that dump,
        # or the poll would fail on this page, fetch it again, and never get past it.
        data = {}
        for name in type(item).model_fields:
            with contextlib.suppress(ValueError):
                data |= item.model_dump(mode="json", exclude_none=True, include={name})
    document: dict[str, Any] = {"data": [data]}
    includes = Includes(users=list(users), media=list(media))
    if includes.users or includes.media:
        document["includes"] = includes.model_dump(mode="json", exclude_none=True)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _raw_activity_item(payload: ActivityPayload, list_name: str, item: dict[str, Any]) -> str:
    """The item as a one-item delivery of the same shape (with its ``users`` for DMs)."""
    single: dict[str, Any] = {"for_user_id": payload.for_user_id, list_name: [item]}
    if payload.users:
        single["users"] = payload.users
    return json.dumps(single, ensure_ascii=False, separators=(",", ":"))
