"""Telegram updates → :class:`~bots.events.Event`: pure functions, no I/O.

Each function first asks *does this concern us?* and returns ``None`` when it does not:
service messages (joins, pins, new titles…), messages from bots (our own echoes
included), channel posts and their automatic copies in the discussion group, and group
chatter that neither @mentions the bot, replies to it, nor comments under a channel post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import CallbackQuery, Message, MessageEntity, Update, User
from telegram.constants import ChatType

from bots.events import Attachment, Event, EventKind, clip_text, without_surrogates

CHANNEL_NAME = "telegram"
_GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
_DEEP_LINK_START = re.compile(r"^/start\s+([A-Za-z0-9_-]{1,64})$")
"""``/start <payload>`` from a t.me deep link (the channel reads the payload)."""
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class BotIdentity:
    """Who "us" is in a group: from getMe, the username possibly overridden by settings."""

    user_id: int
    username: str | None


def update_to_event(update: Update, bot: BotIdentity) -> Event | None:
    """The one entry point: an update becomes one event, or ``None`` to ignore it."""
    if update.callback_query is not None:
        return callback_to_event(update.callback_query, bot)
    if update.message is not None:
        return message_to_event(update.message, bot)
    # An edit is never an event of its own (answering it too would talk twice): the
    # channel applies it to the original while that is undecided, else drops it.
    return None


def message_to_event(message: Message, bot: BotIdentity, *, edited: bool = False) -> Event | None:
    """A player's message (or its edit) in a private chat, or one addressed to us in a group.

    Edits get their own id (``…:edit:<edit_date>``) so the store keeps both versions;
    whether an edit may replace the text before a decision is the runtime's call.
    """
    user = message.from_user
    if user is None or user.is_bot or message.is_automatic_forward:
        return None
    chat = message.chat
    if chat.type == ChatType.PRIVATE:
        is_public = False
        conversation_key = str(chat.id)
    elif chat.type in _GROUP_TYPES and concerns_bot(message, bot):
        is_public = True
        # One conversation per player per group: one player's hand-off must not mute the
        # bot for everybody else there.
        conversation_key = f"{chat.id}:{user.id}"
    else:
        return None
    attachments = attachments_of(message)
    raw_text = message.text or message.caption or ""
    if not raw_text.strip() and not attachments:
        return None  # service message, poll, location…: nothing we could answer
    text, truncated = clip_text(_clean_text(raw_text, bot))
    platform_message_id = f"{chat.id}:{message.message_id}"
    if edited:
        edit_stamp = int(message.edit_date.timestamp()) if message.edit_date else 0
        platform_message_id += f":edit:{edit_stamp}"
    reply_to = message.reply_to_message
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=platform_message_id,
        conversation_key=conversation_key,
        sender_id=str(user.id),
        sender_name=user.full_name or None,
        kind=EventKind.ATTACHMENT if attachments else EventKind.MESSAGE,
        text=text,
        text_truncated=truncated,
        is_public=is_public,
        language_hint=language_hint(user),
        attachments=attachments,
        reply_to_platform_id=f"{chat.id}:{reply_to.message_id}" if reply_to else None,
    )


def callback_to_event(query: CallbackQuery, bot: BotIdentity) -> Event | None:
    """A press on one of our option buttons (``callback_data`` is the option number).

    In a group, a keyboard belongs to the player we answered: presses by anybody else
    are ignored rather than started as a conversation of their own.
    """
    message = query.message
    data = query.data or ""
    user = query.from_user
    # isascii: "²" is a digit to str.isdigit() but not to int().
    if message is None or user is None or not (data.isascii() and data.isdigit()):
        return None
    if len(data) > 3:
        return None
    chat = message.chat
    full_message = message if isinstance(message, Message) else None
    if chat.type == ChatType.PRIVATE:
        is_public = False
        conversation_key = str(chat.id)
    elif chat.type in _GROUP_TYPES:
        asked_by = _reply_target_sender(full_message)
        if asked_by is not None and asked_by.id != user.id:
            return None
        is_public = True
        conversation_key = f"{chat.id}:{user.id}"
    else:
        return None
    return Event(
        channel=CHANNEL_NAME,
        platform_message_id=f"cb:{query.id}",
        conversation_key=conversation_key,
        sender_id=str(user.id),
        sender_name=user.full_name or None,
        kind=EventKind.OPTION_PICKED,
        text=clip_text(_button_title(full_message, data))[0],
        is_public=is_public,
        language_hint=language_hint(user),
        picked_option=int(data),
        reply_to_platform_id=f"{chat.id}:{message.message_id}",
    )


def concerns_bot(message: Message, bot: BotIdentity) -> bool:
    """In a group: an @mention or command to us, a reply to us, or a channel-post comment."""
    reply_to = message.reply_to_message
    if reply_to is not None:
        if reply_to.from_user is not None and reply_to.from_user.id == bot.user_id:
            return True
        if is_channel_post_copy(reply_to):
            return True
    handle = f"@{bot.username}".lower() if bot.username else None
    for entity, entity_text in _entities_with_text(message):
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            if entity.user.id == bot.user_id:
                return True
        elif entity.type == MessageEntity.MENTION and handle is not None:
            if entity_text.lower() == handle:
                return True
        elif entity.type == MessageEntity.BOT_COMMAND and handle is not None:
            if entity_text.lower().endswith(handle):
                return True
    return False


def _entities_with_text(message: Message) -> list[tuple[MessageEntity, str]]:
    """Entities of the text and caption with the text they cover.

    PTB's ``parse_entities`` encodes the text as UTF-16 and raises on a lone surrogate
    (legal in Telegram's JSON); the conversion then failed and a group mention went
    unanswered. U+FFFD takes one UTF-16 unit like the surrogate, so offsets still hold.
    """
    found: list[tuple[MessageEntity, str]] = []
    for text, entities in (
        (message.text, message.entities),
        (message.caption, message.caption_entities),
    ):
        if not text:
            continue
        units = str(without_surrogates(text)).encode("utf-16-le")
        for entity in entities or ():
            start, end = entity.offset * 2, (entity.offset + entity.length) * 2
            found.append((entity, units[start:end].decode("utf-16-le", "replace")))
    return found


def is_channel_post_copy(message: Message) -> bool:
    """The discussion group's copy of a channel post: comments reply to it."""
    if message.is_automatic_forward:
        return True
    return message.sender_chat is not None and message.sender_chat.type == ChatType.CHANNEL


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """Media the player sent; the file ids let a moderator fetch them later (getFile)."""
    found: list[Attachment] = []
    if message.photo:
        largest = message.photo[-1]
        found.append(Attachment(kind="photo", platform_file_id=largest.file_id))
    # Telegram also fills ``document`` for an animation (GIF), for old clients: it is one.
    if message.document is not None and message.animation is None:
        document = message.document
        found.append(
            Attachment(
                kind="document",
                platform_file_id=document.file_id,
                mime_type=document.mime_type,
                file_name=document.file_name,
            )
        )
    if message.voice is not None:
        found.append(
            Attachment(
                kind="voice",
                platform_file_id=message.voice.file_id,
                mime_type=message.voice.mime_type,
            )
        )
    if message.sticker is not None:
        found.append(Attachment(kind="sticker", platform_file_id=message.sticker.file_id))
    if message.video is not None:
        found.append(
            Attachment(
                kind="video",
                platform_file_id=message.video.file_id,
                mime_type=message.video.mime_type,
                file_name=message.video.file_name,
            )
        )
    if message.video_note is not None:
        found.append(Attachment(kind="video", platform_file_id=message.video_note.file_id))
    for kind, media in (("audio", message.audio), ("animation", message.animation)):
        if media is not None:
            found.append(
                Attachment(
                    kind=kind,
                    platform_file_id=media.file_id,
                    mime_type=media.mime_type,
                    file_name=media.file_name,
                )
            )
    return tuple(found)


def start_payload(message: Message) -> str | None:
    """The payload of a private ``/start <payload>`` (a tapped t.me deep link), if any."""
    if message.chat.type != ChatType.PRIVATE or not message.text:
        return None
    match = _DEEP_LINK_START.match(message.text.strip())
    return match.group(1) if match else None


def language_hint(user: User) -> str | None:
    """Telegram's ``language_code`` is an IETF tag (``pt-br``); the handlers want ``pt``."""
    code = (user.language_code or "").split("-", 1)[0].strip().lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _clean_text(text: str, bot: BotIdentity) -> str:
    """Drop our own @handle (it is addressing, not the question) and deep-link payloads."""
    if bot.username:
        text = re.sub(rf"@{re.escape(bot.username)}\b", "", text, flags=re.IGNORECASE)
    text = _SPACES.sub(" ", text).strip()
    if _DEEP_LINK_START.match(text):
        return "/start"
    return text


def _reply_target_sender(message: Message | None) -> User | None:
    """Whom our keyboard message answered, when Telegram tells us."""
    if message is None or message.reply_to_message is None:
        return None
    return message.reply_to_message.from_user


def _button_title(message: Message | None, data: str) -> str:
    """The pressed button's label, so transcripts read like what the player chose."""
    if message is None or message.reply_markup is None:
        return ""
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""
