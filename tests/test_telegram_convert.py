"""Telegram updates become events (or are ignored), and long replies are cut sensibly."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bots.events import MAX_TEXT_CHARS, Event, EventKind, Reply, ReplyOption
from bots.telegram.convert import BotIdentity, update_to_event
from bots.telegram.outgoing import (
    destination_of,
    options_keyboard,
    public_text,
    split_text,
    utf16_length,
)
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, load_update

US = BotIdentity(user_id=BOT_ID, username=BOT_USERNAME)


def convert(payload: dict[str, Any]) -> Event | None:
    return update_to_event(Update.de_json(payload, None), US)


def converted(name: str) -> Event:
    event = convert(load_update(name))
    assert event is not None, f"{name} should become an event"
    return event


def test_private_text_becomes_private_event_keyed_by_chat() -> None:
    event = converted("private_text")
    assert event.channel == "telegram"
    assert event.platform_message_id == "424242001:1201"
    assert event.conversation_key == "424242001"
    assert event.sender_id == "424242001"
    assert event.sender_name == "Anna Kowalska"
    assert event.kind is EventKind.MESSAGE
    assert event.text == "ile trwa wypłata?"
    assert event.is_public is False
    assert event.language_hint == "pl"


def test_group_message_not_addressed_to_the_bot_is_ignored() -> None:
    assert convert(load_update("group_chatter")) is None


def test_group_mention_becomes_public_event_without_the_handle() -> None:
    event = converted("group_mention")
    assert event.is_public is True
    assert event.text == "how long does a withdrawal take?"
    assert event.platform_message_id == "-1001234567890:88002"
    # Per player: one player's hand-off must not silence the bot for the whole group.
    assert event.conversation_key == "-1001234567890:424242002"
    assert event.language_hint == "de"


def test_mention_of_another_bot_in_a_group_is_ignored() -> None:
    payload = load_update("group_mention")
    payload["message"]["text"] = "@SomeOtherBot how long does a withdrawal take?"
    payload["message"]["entities"] = [{"offset": 0, "length": 13, "type": "mention"}]
    assert convert(payload) is None


def test_command_addressed_to_the_bot_in_a_group_is_public_event() -> None:
    payload = load_update("group_chatter")
    payload["message"]["text"] = f"/help@{BOT_USERNAME}"
    payload["message"]["entities"] = [{"offset": 0, "length": 21, "type": "bot_command"}]
    event = convert(payload)
    assert event is not None and event.is_public and event.text == "/help"


def test_reply_to_a_bot_message_in_a_group_is_public_event() -> None:
    event = converted("group_reply_to_bot")
    assert event.is_public is True
    assert event.text == "and for bank transfers?"
    assert event.reply_to_platform_id == "-1001234567890:88003"


def test_comment_under_a_channel_post_is_public_event() -> None:
    event = converted("channel_comment")
    assert event.is_public is True
    assert event.text == "comment retirer mes gains ?"
    assert event.conversation_key == "-1009876543210:424242003"
    assert event.platform_message_id == "-1009876543210:3107"


def test_channel_post_copied_into_the_discussion_group_is_ignored() -> None:
    assert convert(load_update("channel_post_copy")) is None


def test_photo_becomes_attachment_event_with_the_largest_size_and_caption() -> None:
    event = converted("photo")
    assert event.kind is EventKind.ATTACHMENT
    assert [(a.kind, a.platform_file_id) for a in event.attachments] == [
        ("photo", "AgACAgIAAxkBAAIBY2large")
    ]
    assert event.text == "mój dowód do weryfikacji"


def test_document_keeps_file_name_and_mime_type() -> None:
    event = converted("document")
    assert event.kind is EventKind.ATTACHMENT
    (document,) = event.attachments
    assert document.kind == "document"
    assert document.platform_file_id == "BQACAgIAAxkBAAIBZGdocument"
    assert (document.file_name, document.mime_type) == ("bank-statement.pdf", "application/pdf")
    assert event.text == ""


def test_voice_and_sticker_are_attachments_too() -> None:
    voice = load_update("private_text")
    del voice["message"]["text"]
    voice["message"]["voice"] = {
        "file_id": "AwACAgIAAxkBvoice",
        "file_unique_id": "AgADvoice",
        "duration": 4,
        "mime_type": "audio/ogg",
    }
    sticker = load_update("private_text")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBsticker",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    for payload, kind in ((voice, "voice"), (sticker, "sticker")):
        event = convert(payload)
        assert event is not None and event.kind is EventKind.ATTACHMENT
        assert [a.kind for a in event.attachments] == [kind]


def test_a_gif_is_an_animation_not_a_document() -> None:
    """Telegram sends an animation with a ``document`` copy for old clients."""
    payload = load_update("private_text")
    del payload["message"]["text"]
    gif = {
        "file_id": "CgACAgIAAxkBanimation",
        "file_unique_id": "AgADanimation",
        "file_name": "jackpot.mp4",
        "mime_type": "video/mp4",
    }
    payload["message"]["animation"] = gif | {"width": 320, "height": 240, "duration": 2}
    payload["message"]["document"] = gif
    event = convert(payload)
    assert event is not None
    assert [(a.kind, a.platform_file_id) for a in event.attachments] == [
        ("animation", "CgACAgIAAxkBanimation")
    ]


def test_service_message_is_ignored() -> None:
    assert convert(load_update("service_new_chat_members")) is None


def test_service_message_in_a_private_chat_is_ignored() -> None:
    payload = load_update("private_text")
    del payload["message"]["text"]
    payload["message"]["pinned_message"] = {
        "message_id": 1100,
        "date": 1767225000,
        "chat": payload["message"]["chat"],
        "text": "pinned",
    }
    assert convert(payload) is None


def test_messages_from_bots_are_ignored() -> None:
    payload = load_update("private_text")
    payload["message"]["from"]["is_bot"] = True
    assert convert(payload) is None


def test_button_press_becomes_option_picked_with_the_button_title() -> None:
    event = converted("callback_query")
    assert event.kind is EventKind.OPTION_PICKED
    assert event.picked_option == 2
    assert event.platform_message_id == "cb:1822049856310012345"
    assert event.conversation_key == "424242001"
    assert event.text == "Withdrawal methods"
    assert event.reply_to_platform_id == "424242001:5001"
    assert event.is_public is False


def test_group_button_pressed_by_someone_other_than_the_asker_is_ignored() -> None:
    assert convert(load_update("group_callback_by_other_player")) is None


def test_group_button_pressed_by_the_asker_is_public_option_picked() -> None:
    payload = load_update("group_callback_by_other_player")
    payload["callback_query"]["from"]["id"] = 424242002
    event = convert(payload)
    assert event is not None
    assert event.kind is EventKind.OPTION_PICKED and event.is_public
    assert event.conversation_key == "-1001234567890:424242002"


def test_button_data_that_is_not_an_option_number_is_ignored() -> None:
    payload = load_update("callback_query")
    payload["callback_query"]["data"] = "admin:delete"
    assert convert(payload) is None


def test_an_edit_is_never_an_event_of_its_own() -> None:
    assert convert(load_update("edited_message")) is None


def test_start_deep_link_arrives_as_plain_start() -> None:
    assert converted("private_start_deep_link").text == "/start"


def test_help_command_arrives_as_is() -> None:
    payload = load_update("private_start_deep_link")
    payload["message"]["text"] = "/help"
    payload["message"]["entities"][0]["length"] = 5
    assert converted_payload(payload).text == "/help"


def test_overlong_text_is_clipped_and_flagged() -> None:
    payload = load_update("private_text")
    payload["message"]["text"] = "a" * (MAX_TEXT_CHARS + 50)
    event = converted_payload(payload)
    assert len(event.text) == MAX_TEXT_CHARS and event.text_truncated


def converted_payload(payload: dict[str, Any]) -> Event:
    event = convert(payload)
    assert event is not None
    return event


# -- outgoing --------------------------------------------------------------------------


def test_short_reply_is_one_message() -> None:
    assert split_text("Withdrawals take 24 hours.") == ["Withdrawals take 24 hours."]


def test_long_reply_is_split_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 300 for n in range(8)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_length(part) <= 4096 for part in parts)
    assert all(part.startswith("Paragraph") for part in parts)
    assert "\n\n".join(parts) == text


def test_split_falls_back_to_lines_then_words_then_hard_cuts() -> None:
    words = " ".join(["withdrawal"] * 1000)
    parts = split_text(words)
    assert all(utf16_length(p) <= 4096 for p in parts)
    assert " ".join(parts) == words
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in parts)
    unbroken = "x" * 9000
    assert split_text(unbroken) == ["x" * 4096, "x" * 4096, "x" * 808]


def test_split_counts_emoji_as_telegram_does() -> None:
    text = "🎰" * 3000  # 2 UTF-16 units each: 6000 units
    parts = split_text(text)
    assert [len(p) for p in parts] == [2048, 952]


def test_public_reply_with_private_followup_links_to_the_private_chat() -> None:
    reply = Reply(
        channel="telegram",
        conversation_key="-1001234567890:424242002",
        text="Withdrawals take up to 24 hours; write to us privately for your account.",
        is_public=True,
        private_followup="The full answer.",
    )
    assert public_text(reply, BOT_USERNAME).endswith(f"\n\nhttps://t.me/{BOT_USERNAME}?start=help")
    assert public_text(reply.model_copy(update={"is_public": False}), BOT_USERNAME) == reply.text


@pytest.mark.parametrize(
    ("conversation_key", "in_reply_to", "chat_id", "message_id"),
    [
        ("424242001", "424242001:1201", 424242001, 1201),
        ("424242001", "424242001:1201:edit:1767225630", 424242001, 1201),
        ("-1001234567890:424242002", "-1001234567890:88002", -1001234567890, 88002),
        ("424242001", "cb:1822049856310012345", 424242001, None),
        ("424242001", "999:1", 424242001, None),
        ("424242001", None, 424242001, None),
    ],
)
def test_destination_reads_chat_and_threaded_message(
    conversation_key: str, in_reply_to: str | None, chat_id: int, message_id: int | None
) -> None:
    reply = Reply(
        channel="telegram", conversation_key=conversation_key, text="x", in_reply_to=in_reply_to
    )
    destination = destination_of(reply)
    assert destination is not None
    assert (destination.chat_id, destination.reply_to_message_id) == (chat_id, message_id)


def test_options_become_one_button_per_row_with_the_number_as_data() -> None:
    keyboard = options_keyboard(
        (ReplyOption(number=1, title="Yes"), ReplyOption(number=2, title="No"))
    )
    assert keyboard is not None
    assert keyboard.to_dict() == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "1"}],
            [{"text": "No", "callback_data": "2"}],
        ]
    }
    assert options_keyboard(()) is None
