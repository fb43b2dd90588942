"""Our :class:`~bots.events.Reply` → what sendMessage needs: pure functions, no I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bots.events import Reply, ReplyOption
from bots.text_split import split_text as split_at_breaks

MAX_MESSAGE_UTF16 = 4096
"""Telegram's limit for one message's text, counted in UTF-16 code units."""
DEEP_LINK_PAYLOAD = "help"
"""The payload when no question waits: the private chat just opens with a greeting."""
QUESTION_PAYLOAD_PREFIX = "q"


@dataclass(frozen=True)
class Destination:
    """Where a reply goes: the chat, and the player's message it answers (if known)."""

    chat_id: int
    reply_to_message_id: int | None


def destination_of(reply: Reply) -> Destination | None:
    """Read the chat from the conversation key and the threaded message from ``in_reply_to``.

    Conversation keys are ``<chat>`` (private) or ``<chat>:<user>`` (groups); message ids
    are ``<chat>:<message>[:edit:<date>]``. ``cb:<query>`` ids name no message.
    """
    chat_part = reply.conversation_key.split(":", 1)[0]
    try:
        chat_id = int(chat_part)
    except ValueError:
        return None
    return Destination(chat_id, message_id_in(reply.in_reply_to, chat_id))


def message_id_in(platform_message_id: str | None, chat_id: int) -> int | None:
    """The message number of one of our ``<chat>:<message>…`` ids, if it is in ``chat_id``."""
    if not platform_message_id:
        return None
    parts = platform_message_id.split(":")
    if len(parts) < 2 or parts[0] != str(chat_id) or not parts[1].isdigit():
        return None
    return int(parts[1])


def question_payload(key: bytes, platform_message_id: str) -> str:
    """The deep-link payload naming one public question: unguessable (an HMAC under our
    key), stable across retries and restarts, and within Telegram's 64 [A-Za-z0-9_-]."""
    digest = hmac.new(key, platform_message_id.encode(), hashlib.sha256).digest()[:16]
    return QUESTION_PAYLOAD_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def deep_link(bot_username: str, payload: str = DEEP_LINK_PAYLOAD) -> str:
    """Opens a private chat with the bot; Telegram then sends us ``/start <payload>``."""
    return f"https://t.me/{bot_username}?start={payload}"


def public_text(reply: Reply, bot_username: str | None, payload: str = DEEP_LINK_PAYLOAD) -> str:
    """A bot may not write first to a user who never started it, so a public reply with a
    private follow-up carries a link that opens the private chat instead; the payload
    names the question, and the full answer is given there."""
    if reply.is_public and reply.private_followup and bot_username:
        return f"{reply.text}\n\n{deep_link(bot_username, payload)}"
    return reply.text


def options_keyboard(options: tuple[ReplyOption, ...]) -> InlineKeyboardMarkup | None:
    """One button per row, so long titles stay readable; the number comes back as data."""
    if not options:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(option.title, callback_data=str(option.number))]
            for option in options
        ]
    )


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Cut ``text`` into messages of at most ``limit`` UTF-16 units (Telegram's measure)."""
    return split_at_breaks(text, limit, utf16_length)
