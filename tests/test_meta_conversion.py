"""Meta webhook payloads → events, conversation keys, and outgoing message shaping (pure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.events import EventKind, ReplyOption
from bots.social.meta.channel import quick_replies, split_message
from bots.social.meta.convert import (
    CommentThread,
    DirectThread,
    IncomingItem,
    Surface,
    incoming_items,
    parse_conversation_key,
)
from bots.social.meta.graph import ChannelAuthError, GraphRejected, classify_failure
from bots.social.meta.payloads import WebhookPayload
from bots.social.meta.settings import MetaSettings

PAYLOADS = Path(__file__).parent / "payloads" / "meta"
PAGE_ID = "104000000000001"
INSTAGRAM_ID = "17841400000000001"
OWN_IDS = frozenset({PAGE_ID, INSTAGRAM_ID})


def meta_payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def convert(document: dict[str, Any]) -> list[IncomingItem]:
    return incoming_items(WebhookPayload.model_validate(document), OWN_IDS)


def test_messenger_text_is_a_private_message_in_the_senders_dm_thread() -> None:
    [item] = convert(meta_payload("messenger_text"))
    event = item.event
    assert event.channel == "meta"
    assert event.platform_message_id == "m_AbCdEf-messenger-text-1"
    assert event.conversation_key == "dm:page:7100000000000001"
    assert event.sender_id == "7100000000000001"
    assert event.kind is EventKind.MESSAGE
    assert event.text == "How long does a withdrawal take to arrive?"
    assert event.is_public is False


def test_instagram_dm_lives_in_an_instagram_thread() -> None:
    [item] = convert(meta_payload("instagram_dm"))
    assert item.event.conversation_key == "dm:instagram:5300000000000001"
    assert item.event.text == "Ile trwa wypłata?"
    assert item.event.is_public is False


def test_every_entry_and_every_messaging_item_of_a_batch_becomes_an_event_in_order() -> None:
    items = convert(meta_payload("batched"))
    assert [i.event.platform_message_id for i in items] == [
        "m_batch-1a",
        "m_batch-1b",
        "m_batch-2a",
        "m_batch-2b",
    ]


def test_each_items_raw_json_is_a_one_item_webhook_that_converts_to_the_same_event() -> None:
    items = convert(meta_payload("batched"))
    replayed = convert(json.loads(items[2].raw_json))
    assert [r.event.platform_message_id for r in replayed] == ["m_batch-2a"]
    assert json.loads(items[2].raw_json)["entry"][0]["messaging"][0]["message"]["text"] == (
        "how do I verify my account?"
    )


def test_echoes_of_our_messages_and_read_receipts_are_not_events() -> None:
    assert convert(meta_payload("echo")) == []


def test_message_from_our_own_page_id_is_ignored_even_without_echo_flag() -> None:
    document = meta_payload("messenger_text")
    document["entry"][0]["messaging"][0]["sender"]["id"] = PAGE_ID
    assert convert(document) == []


def test_image_and_file_become_attachments_of_an_attachment_event() -> None:
    [item] = convert(meta_payload("image_attachment"))
    event = item.event
    assert event.kind is EventKind.ATTACHMENT
    assert [(a.kind, a.platform_file_id) for a in event.attachments] == [
        ("photo", "https://scontent.xx.fbcdn.net/v/t1.15752-9/passport.jpg?_nc_sid=abc"),
        ("document", "https://cdn.fbsbx.com/v/t59.2708-21/bank-statement.pdf"),
    ]


def test_numeric_quick_reply_picks_that_option_and_keeps_the_text() -> None:
    [item] = convert(meta_payload("quick_reply"))
    assert item.event.kind is EventKind.OPTION_PICKED
    assert item.event.picked_option == 2
    assert item.event.text == "Withdrawal time"


def test_quick_reply_with_a_non_numeric_payload_is_an_ordinary_message() -> None:
    document = meta_payload("quick_reply")
    document["entry"][0]["messaging"][0]["message"]["quick_reply"]["payload"] = "GET_STARTED"
    [item] = convert(document)
    assert item.event.kind is EventKind.MESSAGE
    assert item.event.picked_option is None


def test_numeric_postback_picks_that_option_with_the_button_title_as_text() -> None:
    [item] = convert(meta_payload("postback"))
    assert item.event.platform_message_id == "m_postback-1"
    assert item.event.kind is EventKind.OPTION_PICKED
    assert item.event.picked_option == 1
    assert item.event.text == "Yes, thanks"


def test_postback_without_mid_gets_an_id_stable_across_redeliveries() -> None:
    document = meta_payload("postback")
    del document["entry"][0]["messaging"][0]["postback"]["mid"]
    first, second = convert(document), convert(document)
    assert first[0].event.platform_message_id == second[0].event.platform_message_id
    assert first[0].event.platform_message_id == "postback:7100000000000001:1732350599000"


def test_page_comment_is_a_public_event_threaded_on_the_top_level_comment() -> None:
    [item] = convert(meta_payload("page_feed_comment"))
    event = item.event
    assert event.platform_message_id == "880000000000001_990000000000001"
    assert (
        event.conversation_key == "comment:page:880000000000001_990000000000001:6900000000000001"
    )
    assert event.is_public is True
    assert event.text == "How long does a withdrawal take?"
    assert event.sender_name == "Jan Kowalski"
    assert item.comment_created_at is not None
    assert item.comment_created_at.timestamp() == 1732350699


def test_reply_under_our_reply_continues_the_same_conversation_and_edits_are_ignored() -> None:
    [top_level] = convert(meta_payload("page_feed_comment"))
    [reply] = convert(meta_payload("page_feed_comment_reply"))  # the "edited" change is dropped
    assert reply.event.conversation_key == top_level.event.conversation_key
    assert reply.event.platform_message_id == "880000000000001_990000000000003"
    assert reply.event.reply_to_platform_id == "880000000000001_990000000000001"


def test_comments_written_by_our_own_page_are_ignored() -> None:
    assert convert(meta_payload("own_page_comment")) == []


def test_removed_comment_is_ignored() -> None:
    document = meta_payload("page_feed_comment")
    document["entry"][0]["changes"][0]["value"]["verb"] = "remove"
    assert convert(document) == []


def test_instagram_comment_is_public_and_threaded_on_its_comment() -> None:
    [item] = convert(meta_payload("instagram_comment"))
    event = item.event
    assert event.conversation_key == "comment:instagram:17900000000000001:5300000000000002"
    assert event.platform_message_id == "17900000000000001"
    assert event.sender_name == "lucky.anna"
    assert event.is_public is True
    assert item.comment_created_at is not None


def test_instagram_comment_by_our_own_account_is_ignored() -> None:
    document = meta_payload("instagram_comment")
    document["entry"][0]["changes"][0]["value"]["from"]["id"] = INSTAGRAM_ID
    assert convert(document) == []


def test_an_item_of_unknown_shape_is_skipped_and_the_rest_of_the_batch_still_arrives() -> None:
    document = meta_payload("batched")
    document["entry"][0]["messaging"][0] = {"sender": {"id": "1"}}  # no recipient
    items = convert(document)
    assert [i.event.platform_message_id for i in items] == [
        "m_batch-1b",
        "m_batch-2a",
        "m_batch-2b",
    ]


def test_numeric_ids_are_read_as_strings() -> None:
    document = meta_payload("messenger_text")
    document["entry"][0]["messaging"][0]["sender"]["id"] = 7100000000000009
    [item] = convert(document)
    assert item.event.sender_id == "7100000000000009"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("dm:page:71", DirectThread(Surface.PAGE, "71")),
        ("dm:instagram:53", DirectThread(Surface.INSTAGRAM, "53")),
        ("comment:page:88_99:69", CommentThread(Surface.PAGE, "88_99", "69")),
        ("comment:instagram:179:53", CommentThread(Surface.INSTAGRAM, "179", "53")),
        ("dm:twitter:71", None),
        ("player-session-1", None),
        ("comment:page:88_99", None),
    ],
)
def test_conversation_keys_parse_back_to_where_a_reply_goes(
    key: str, expected: DirectThread | CommentThread | None
) -> None:
    assert parse_conversation_key(key) == expected
    if expected is not None:
        assert expected.key == key


def test_long_messenger_text_is_split_at_paragraphs_within_2000_characters() -> None:
    paragraphs = [f"Step {n}: " + "word " * 150 for n in range(1, 6)]
    parts = split_message("\n\n".join(paragraphs), Surface.PAGE)
    assert len(parts) > 1
    assert all(len(part) <= 2000 for part in parts)
    assert all(part.startswith("Step ") for part in parts)


def test_instagram_text_is_split_within_1000_utf8_bytes() -> None:
    parts = split_message("Вывод средств занимает до 24 часов. " * 60, Surface.INSTAGRAM)
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 1000 for part in parts)


def test_quick_replies_carry_option_numbers_and_short_titles_at_most_13() -> None:
    options = tuple(
        ReplyOption(number=n, title=f"Withdrawal methods and limits {n}") for n in range(1, 16)
    )
    replies = quick_replies(options)
    assert len(replies) == 13
    assert replies[0] == {"content_type": "text", "title": "Withdrawal methods…", "payload": "1"}
    assert all(len(r["title"]) <= 20 for r in replies)


def test_retry_after_header_sets_the_wait_of_a_rate_limit() -> None:
    failure = classify_failure(429, {}, {"Retry-After": "120"})
    assert not isinstance(failure, GraphRejected)
    assert failure.retry_after == 120


def test_error_classification_follows_graph_api_error_codes() -> None:
    def error(code: int, subcode: int | None = None) -> dict[str, Any]:
        return {"error": {"message": "m", "code": code, "error_subcode": subcode}}

    assert isinstance(classify_failure(400, error(190, 463), {}), ChannelAuthError)
    assert classify_failure(400, error(17), {}).retry_after == 60
    assert not isinstance(classify_failure(500, {}, {}), GraphRejected)
    window = classify_failure(400, error(10, 2018278), {})
    assert isinstance(window, GraphRejected)
    assert window.reason == "meta: outside the 24-hour messaging window"
    assert isinstance(classify_failure(400, error(100), {}), GraphRejected)


def test_settings_come_from_croupier_meta_variables_and_hide_their_secrets() -> None:
    assert MetaSettings.from_environment({"CROUPIER_PORT": "8080"}) is None
    settings = MetaSettings.from_environment(
        {
            "CROUPIER_META_APP_SECRET": "s3cret-app",
            "CROUPIER_META_VERIFY_TOKEN": "s3cret-verify",
            "CROUPIER_META_PAGE_ACCESS_TOKEN": "EAAs3cret",
            "CROUPIER_META_PAGE_ID": PAGE_ID,
            "CROUPIER_META_INSTAGRAM_ACCOUNT_ID": INSTAGRAM_ID,
        }
    )
    assert settings is not None
    assert settings.own_account_ids == OWN_IDS
    assert settings.graph_version == "v21.0"
    assert not any(s in repr(settings) for s in ("s3cret-app", "s3cret-verify", "EAAs3cret"))
