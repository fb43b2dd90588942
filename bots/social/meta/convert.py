"""Meta webhook payloads → :class:`Event`, and the conversation keys both directions share.

Pure functions: no I/O, no clock except to read Meta's own timestamps. The webhook route
calls :func:`incoming_items`; :meth:`MetaChannel.deliver` calls
:func:`parse_conversation_key` to find where a reply goes. The key is the only thing a
reply carries back to us, so it holds what delivery needs: the surface (Facebook Page or
Instagram), and the person (DM) or the comment thread (public).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from bots.events import Attachment, Event, EventKind, clip_text
from bots.social.meta.payloads import (
    ChangeItem,
    FeedChangeValue,
    InstagramCommentValue,
    MessageAttachment,
    MessagingItem,
    WebhookEntry,
    WebhookPayload,
)

log = logging.getLogger(__name__)

CHANNEL_NAME = "meta"
_OPTION_PAYLOAD = re.compile(r"^\s*(\d{1,3})\s*$")
_ATTACHMENT_KINDS = {"image": "photo", "file": "document", "video": "video", "audio": "voice"}


class Surface(StrEnum):
    """Where on Meta a conversation lives; the webhook's ``object`` value."""

    PAGE = "page"
    INSTAGRAM = "instagram"


@dataclass(frozen=True)
class DirectThread:
    """A private conversation with one person (PSID on Messenger, IGSID on Instagram)."""

    surface: Surface
    user_id: str

    @property
    def key(self) -> str:
        return f"dm:{self.surface}:{self.user_id}"


@dataclass(frozen=True)
class CommentThread:
    """One person's part of a public comment thread under a post or media.

    ``root_comment_id`` is the top-level comment: Facebook and Instagram nest replies one
    level deep, so a reply to our reply names the same top-level comment as its parent and
    continues the same conversation.
    """

    surface: Surface
    root_comment_id: str
    author_id: str

    @property
    def key(self) -> str:
        return f"comment:{self.surface}:{self.root_comment_id}:{self.author_id}"


def parse_conversation_key(key: str) -> DirectThread | CommentThread | None:
    """The inverse of ``.key``; None for a key this adapter did not make."""
    parts = key.split(":")
    try:
        surface = Surface(parts[1]) if len(parts) > 1 else None
    except ValueError:
        return None
    if surface is None:
        return None
    if parts[0] == "dm" and len(parts) == 3 and parts[2]:
        return DirectThread(surface, parts[2])
    if parts[0] == "comment" and len(parts) == 4 and parts[2] and parts[3]:
        return CommentThread(surface, parts[2], parts[3])
    return None


@dataclass(frozen=True)
class IncomingItem:
    """One event to accept, with the raw JSON to store and what delivery must remember."""

    event: Event
    raw_json: str
    comment_created_at: datetime | None = None
    """When the comment was written: a private reply is allowed for seven days after."""


def incoming_items(payload: WebhookPayload, own_ids: frozenset[str]) -> list[IncomingItem]:
    """Every event in a (possibly batched) delivery, in order; echoes and our own words dropped.

    Every entry and every item of each entry counts: Meta batches up to 1000 updates in one
    request. An item that does not parse is logged and skipped so the rest still arrive.
    """
    try:
        surface = Surface(payload.object)
    except ValueError:
        log.info("meta webhook: ignoring object %r", payload.object)
        return []
    items: list[IncomingItem] = []
    for entry in payload.entry:
        ours = own_ids | {entry.id}
        for raw in entry.messaging:
            try:
                messaging = MessagingItem.model_validate(raw)
            except ValidationError as exc:
                log.warning("meta webhook: skipping messaging item: %s", _first_error(exc))
                continue
            event = event_from_messaging(surface, messaging, ours)
            if event is not None:
                items.append(IncomingItem(event, _raw_item(payload, entry, "messaging", raw)))
        for raw in entry.changes:
            try:
                item = _event_from_change(surface, entry, ChangeItem.model_validate(raw), ours)
            except ValidationError as exc:
                log.warning("meta webhook: skipping change item: %s", _first_error(exc))
                continue
            if item is not None:
                event, created_at = item
                raw_json = _raw_item(payload, entry, "changes", raw)
                items.append(IncomingItem(event, raw_json, created_at))
    return items


def event_from_messaging(
    surface: Surface, item: MessagingItem, own_ids: frozenset[str]
) -> Event | None:
    """A message or postback from a person; None for echoes, receipts, reactions, unsends."""
    if item.sender.id in own_ids:
        return None
    thread = DirectThread(surface, item.sender.id)
    if item.message is not None:
        message = item.message
        if message.is_echo or message.is_deleted or message.is_unsupported:
            return None
        text, truncated = clip_text(message.text)
        attachments = tuple(_attachment(a) for a in message.attachments)
        picked = _option_number(message.quick_reply.payload) if message.quick_reply else None
        kind = EventKind.MESSAGE
        if attachments:
            kind = EventKind.ATTACHMENT
        elif picked is not None:
            kind = EventKind.OPTION_PICKED
        return Event(
            channel=CHANNEL_NAME,
            platform_message_id=message.mid,
            conversation_key=thread.key,
            sender_id=item.sender.id,
            kind=kind,
            text=text,
            text_truncated=truncated,
            attachments=attachments,
            picked_option=picked,
            reply_to_platform_id=message.reply_to.mid if message.reply_to else None,
        )
    if item.postback is not None:
        postback = item.postback
        picked = _option_number(postback.payload)
        text, truncated = clip_text(postback.title)
        return Event(
            channel=CHANNEL_NAME,
            # Older postbacks carry no mid; sender + timestamp is stable across redeliveries.
            platform_message_id=postback.mid or f"postback:{item.sender.id}:{item.timestamp}",
            conversation_key=thread.key,
            sender_id=item.sender.id,
            kind=EventKind.OPTION_PICKED if picked is not None else EventKind.MESSAGE,
            text=text,
            text_truncated=truncated,
            picked_option=picked,
        )
    return None


def event_from_feed_comment(value: FeedChangeValue, own_ids: frozenset[str]) -> Event | None:
    """A new comment under a Page post; None for other feed items, edits, removals, ours."""
    if value.item != "comment" or value.verb != "add" or not value.comment_id:
        return None
    author_id = value.author.id if value.author else None
    if author_id is None or author_id in own_ids:
        # Without ``from`` we could neither thread nor answer the person: nothing to do.
        return None
    is_top_level = value.parent_id is None or value.parent_id == value.post_id
    root = value.comment_id if is_top_level else (value.parent_id or value.comment_id)
    attachments: tuple[Attachment, ...] = ()
    if value.photo:
        attachments = (Attachment(kind="photo", platform_file_id=value.photo),)
    elif value.video:
        attachments = (Attachment(kind="video", platform_file_id=value.video),)
    text, truncated = clip_text(value.message)
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=value.comment_id,
        conversation_key=CommentThread(Surface.PAGE, root, author_id).key,
        sender_id=author_id,
        sender_name=value.author.name if value.author else None,
        kind=EventKind.ATTACHMENT if attachments else EventKind.MESSAGE,
        text=text,
        text_truncated=truncated,
        is_public=True,
        withdrawable=True,  # a Page or Instagram comment can be hidden through the API
        attachments=attachments,
        reply_to_platform_id=None if is_top_level else value.parent_id,
    )


def event_from_instagram_comment(
    value: InstagramCommentValue, own_ids: frozenset[str]
) -> Event | None:
    """A new comment or reply on our Instagram media; None for our own."""
    if value.author is None or value.author.id in own_ids:
        return None
    root = value.parent_id or value.id
    text, truncated = clip_text(value.text)
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=value.id,
        conversation_key=CommentThread(Surface.INSTAGRAM, root, value.author.id).key,
        sender_id=value.author.id,
        sender_name=value.author.username,
        text=text,
        text_truncated=truncated,
        is_public=True,
        withdrawable=True,  # a Page or Instagram comment can be hidden through the API
        reply_to_platform_id=value.parent_id,
    )


def _event_from_change(
    surface: Surface, entry: WebhookEntry, change: ChangeItem, own_ids: frozenset[str]
) -> tuple[Event, datetime | None] | None:
    if surface is Surface.PAGE and change.field == "feed":
        feed = FeedChangeValue.model_validate(change.value)
        event = event_from_feed_comment(feed, own_ids)
        return (event, _from_epoch(feed.created_time)) if event else None
    if surface is Surface.INSTAGRAM and change.field == "comments":
        comment = InstagramCommentValue.model_validate(change.value)
        event = event_from_instagram_comment(comment, own_ids)
        # Instagram sends no creation time; the notification goes out when it is written.
        return (event, _from_epoch(entry.time)) if event else None
    return None


def _attachment(attachment: MessageAttachment) -> Attachment:
    payload = attachment.payload
    kind = _ATTACHMENT_KINDS.get(attachment.type, "other")
    if payload is not None and payload.sticker_id:
        kind = "sticker"
    # Meta gives no file id, only a (signed, expiring) URL to fetch the content from.
    return Attachment(kind=kind, platform_file_id=payload.url if payload else None)


def _option_number(payload: str) -> int | None:
    match = _OPTION_PAYLOAD.match(payload)
    return int(match.group(1)) if match else None


def _from_epoch(value: int | None) -> datetime | None:
    """Meta's timestamps are seconds in feed changes and milliseconds in messaging."""
    if value is None:
        return None
    seconds = value / 1000 if value > 100_000_000_000 else value
    return datetime.fromtimestamp(seconds, UTC)


def _raw_item(
    payload: WebhookPayload, entry: WebhookEntry, list_name: str, item: dict[str, Any]
) -> str:
    """The item as a one-item webhook of the same shape: stored, it can be replayed as is."""
    single = {
        "object": payload.object,
        "entry": [{"id": entry.id, "time": entry.time, list_name: [item]}],
    }
    return json.dumps(single, ensure_ascii=False, separators=(",", ":"))


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'item'}: {first['msg']}"
