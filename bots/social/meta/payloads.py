"""Pydantic models of the Meta webhook payloads we read, and nothing more.

Meta adds fields often, so unknown fields are ignored; ids sometimes arrive as JSON
numbers, so numbers are accepted where we keep strings. The envelope keeps each
``messaging`` and ``changes`` item as raw JSON: every item is parsed on its own, so one
item of a shape we do not know cannot cost the rest of the batch, and each item's own
JSON is what the runtime stores as the raw payload.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _MetaModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class WebhookEntry(_MetaModel):
    id: str
    """The Page id (``object: page``) or the Instagram account id (``object: instagram``)."""
    time: int | None = None
    messaging: list[dict[str, Any]] = Field(default_factory=list)
    changes: list[dict[str, Any]] = Field(default_factory=list)


class WebhookPayload(_MetaModel):
    object: str
    """``page`` or ``instagram``; anything else is not ours to read."""
    entry: list[WebhookEntry] = Field(default_factory=list)


class Party(_MetaModel):
    id: str


class QuickReplyPick(_MetaModel):
    payload: str


class AttachmentPayload(_MetaModel):
    url: str | None = None
    sticker_id: str | None = None


class MessageAttachment(_MetaModel):
    type: str
    payload: AttachmentPayload | None = None


class RepliedMessage(_MetaModel):
    mid: str | None = None


class Message(_MetaModel):
    mid: str
    text: str = ""
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False
    quick_reply: QuickReplyPick | None = None
    attachments: list[MessageAttachment] = Field(default_factory=list)
    reply_to: RepliedMessage | None = None


class Postback(_MetaModel):
    title: str = ""
    payload: str = ""
    mid: str | None = None


class MessagingItem(_MetaModel):
    """One ``entry[].messaging[]`` item: a message, a postback, or a receipt we ignore."""

    sender: Party
    recipient: Party
    timestamp: int | None = None
    message: Message | None = None
    postback: Postback | None = None


class ChangeItem(_MetaModel):
    """One ``entry[].changes[]`` item; ``value`` is parsed according to ``field``."""

    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class CommentAuthor(_MetaModel):
    id: str
    name: str | None = None
    username: str | None = None


class FeedChangeValue(_MetaModel):
    """``field: feed`` on a Page: posts, reactions, comments; we read comments only."""

    item: str
    verb: str
    comment_id: str | None = None
    post_id: str | None = None
    parent_id: str | None = None
    author: CommentAuthor | None = Field(None, alias="from")
    message: str = ""
    created_time: int | None = None
    photo: str | None = None
    video: str | None = None


class InstagramMedia(_MetaModel):
    id: str
    media_product_type: str | None = None


class InstagramCommentValue(_MetaModel):
    """``field: comments`` on an Instagram account: a new comment or reply on our media."""

    id: str
    text: str = ""
    author: CommentAuthor | None = Field(None, alias="from")
    parent_id: str | None = None
    media: InstagramMedia | None = None
