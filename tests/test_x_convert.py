"""X payloads → events, conversation keys, settings and tweet fitting: pure, no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.events import EventKind, ReplyOption
from bots.social.x.convert import (
    DirectThread,
    TweetThread,
    activity_items,
    dm_items,
    mention_items,
    parse_conversation_key,
    strip_leading_mentions,
)
from bots.social.x.outgoing import (
    CONTACT_HINT,
    ELLIPSIS,
    TWEET_LIMIT,
    fit_tweet,
    options_block,
    split_direct_message,
    tweet_length,
)
from bots.social.x.payloads import ActivityPayload, DmEventsPage, MentionsPage
from bots.social.x.settings import x_settings_from

PAYLOADS = Path(__file__).parent / "payloads" / "x"
ACCOUNT = "1500000000000000001"
LENA = "1600000000000000001"
MAREK = "1600000000000000002"
ANA = "1600000000000000003"

LONG_ANSWER = (
    "Withdrawals are processed within 24 hours after approval by our payments team. "
    "Card payouts then take three to five business days, depending on your bank. "
    "E-wallets such as Skrill and Neteller usually arrive within minutes of approval. "
    "Bank transfers can take up to seven business days for international accounts. "
    "If your withdrawal is pending longer, check that your account is verified."
)


def x_payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def x_environment(**overrides: str) -> dict[str, str]:
    values = {
        "CROUPIER_X_CONSUMER_KEY": "ck-test",
        "CROUPIER_X_CONSUMER_SECRET": "cs-test-secret",
        "CROUPIER_X_ACCESS_TOKEN": f"{ACCOUNT}-at-test",
        "CROUPIER_X_ACCESS_TOKEN_SECRET": "ats-test-secret",
        "CROUPIER_X_ACCOUNT_ID": ACCOUNT,
    }
    values.update(overrides)
    return values


# -- mentions (polling) ----------------------------------------------------------------------


def test_mentions_page_yields_players_mentions_oldest_first_without_own_tweets_or_retweets():
    items = mention_items(MentionsPage.model_validate(x_payload("mentions_page")), ACCOUNT)

    assert [item.event.platform_message_id for item in items] == [
        "1860000000000000101",
        "1860000000000000102",
        "1860000000000000103",
    ]
    assert all(item.event.sender_id != ACCOUNT for item in items)


def test_mention_becomes_public_event_in_the_players_part_of_the_thread():
    items = mention_items(MentionsPage.model_validate(x_payload("mentions_page")), ACCOUNT)
    event = items[0].event

    assert event.channel == "x"
    assert event.conversation_key == f"tweet:1860000000000000100:{LENA}"
    assert event.is_public
    assert event.text == "how long does a withdrawal take?"
    assert event.sender_id == LENA
    assert event.sender_name == "Lena (@lucky_lena)"
    assert event.language_hint == "en"
    assert event.reply_to_platform_id == "1860000000000000100"
    assert event.kind is EventKind.MESSAGE


def test_mention_text_is_unescaped_and_photo_becomes_attachment_without_its_link():
    items = mention_items(MentionsPage.model_validate(x_payload("mentions_page")), ACCOUNT)
    photo, escaped = items[1].event, items[2].event

    assert photo.kind is EventKind.ATTACHMENT
    assert photo.text == "what does this error mean?"
    assert photo.attachments[0].kind == "photo"
    assert photo.attachments[0].platform_file_id == "https://pbs.twimg.com/media/GdErr0rAbC.jpg"
    assert escaped.text == "my card deposit failed twice & the money is gone?"
    assert escaped.conversation_key == f"tweet:1860000000000000103:{MAREK}"


def test_stored_raw_mention_is_a_one_item_page_that_converts_to_the_same_event():
    items = mention_items(MentionsPage.model_validate(x_payload("mentions_page")), ACCOUNT)
    stored = json.loads(items[1].raw_json)

    again = mention_items(MentionsPage.model_validate(stored), ACCOUNT)

    assert again[0].event.model_dump(exclude={"received_at"}) == items[1].event.model_dump(
        exclude={"received_at"}
    )


def test_only_leading_mentions_are_stripped():
    assert strip_leading_mentions("@CroupierCasino @friend is @bob right?") == "is @bob right?"
    assert strip_leading_mentions("@CroupierCasino") == ""


# -- DMs (polling) ---------------------------------------------------------------------------


def test_dm_page_yields_players_dms_oldest_first_without_ours_or_group_dms():
    items = dm_items(DmEventsPage.model_validate(x_payload("dm_events_page")), ACCOUNT, None)

    assert [item.event.platform_message_id for item in items] == [
        "1860000000000000201",
        "1860000000000000202",
        "1860000000000000203",
    ]


def test_dm_becomes_private_event_and_a_number_stays_plain_text():
    items = dm_items(DmEventsPage.model_validate(x_payload("dm_events_page")), ACCOUNT, None)
    first, number = items[0].event, items[2].event

    assert first.conversation_key == f"dm:{LENA}"
    assert not first.is_public
    assert first.text == "Hi, my account verification is stuck since Monday"
    assert number.kind is EventKind.MESSAGE
    assert number.text == "2"
    assert number.picked_option is None


def test_dm_with_media_becomes_attachment_event():
    items = dm_items(DmEventsPage.model_validate(x_payload("dm_events_page")), ACCOUNT, None)
    photo = items[1].event

    assert photo.kind is EventKind.ATTACHMENT
    assert photo.text == ""
    assert photo.attachments[0].kind == "photo"
    assert photo.conversation_key == f"dm:{ANA}"


def test_dm_events_already_seen_are_skipped():
    page = DmEventsPage.model_validate(x_payload("dm_events_page"))

    items = dm_items(page, ACCOUNT, after_id=1860000000000000202)

    assert [item.event.platform_message_id for item in items] == ["1860000000000000203"]


# -- Account Activity webhook --------------------------------------------------------------


def test_webhook_mention_uses_full_text_and_known_thread_root():
    payload = ActivityPayload.model_validate(x_payload("activity_mention"))
    roots = {"1860000000000000299": "1860000000000000100"}

    (item,) = activity_items(payload, ACCOUNT, roots)

    assert item.event.platform_message_id == "1860000000000000301"
    assert item.event.conversation_key == f"tweet:1860000000000000100:{LENA}"
    assert item.event.text.endswith("they said it depends on you.")
    assert not item.event.text.startswith("@")
    assert item.event.is_public


def test_webhook_mention_to_unknown_tweet_threads_under_the_tweet_it_answers():
    payload = ActivityPayload.model_validate(x_payload("activity_mention"))

    (item,) = activity_items(payload, ACCOUNT, {})

    assert item.event.conversation_key == f"tweet:1860000000000000299:{LENA}"


def test_webhook_own_tweets_and_retweets_are_ignored():
    payload = ActivityPayload.model_validate(x_payload("activity_own_tweet_and_retweet"))

    assert activity_items(payload, ACCOUNT, {}) == []


def test_webhook_dms_from_players_become_events_and_ours_are_ignored():
    payload = ActivityPayload.model_validate(x_payload("activity_direct_messages"))

    items = activity_items(payload, ACCOUNT, {})

    assert [item.event.platform_message_id for item in items] == [
        "1860000000000000401",
        "1860000000000000402",
    ]
    number, photo = items[0].event, items[1].event
    assert (number.text, number.kind, number.conversation_key) == (
        "1",
        EventKind.MESSAGE,
        f"dm:{LENA}",
    )
    assert photo.kind is EventKind.ATTACHMENT
    assert photo.text == "here is my ID"
    assert photo.sender_name == "Ana (@ana_plays)"


def test_webhook_delivery_for_another_account_is_ignored():
    document = x_payload("activity_direct_messages") | {"for_user_id": "42"}

    assert activity_items(ActivityPayload.model_validate(document), ACCOUNT, {}) == []


def test_webhook_item_that_does_not_parse_is_skipped_and_the_rest_arrive():
    document = x_payload("activity_mention")
    document["tweet_create_events"].insert(0, {"text": "no id, no user"})

    items = activity_items(ActivityPayload.model_validate(document), ACCOUNT, {})

    assert [item.event.platform_message_id for item in items] == ["1860000000000000301"]


# -- conversation keys ---------------------------------------------------------------------


def test_conversation_keys_round_trip_and_foreign_keys_are_refused():
    assert parse_conversation_key(TweetThread("11", "22").key) == TweetThread("11", "22")
    assert parse_conversation_key(DirectThread("33").key) == DirectThread("33")
    for foreign in ("dm:page:1", "tweet:1", "dm:@lena", "12345", "comment:page:1:2"):
        assert parse_conversation_key(foreign) is None


# -- settings ------------------------------------------------------------------------------


def test_settings_absent_means_channel_off():
    assert x_settings_from({"CROUPIER_META_PAGE_ID": "1"}) is None


def test_settings_read_from_environment_keep_secrets_out_of_repr():
    settings = x_settings_from(x_environment(CROUPIER_X_ACCOUNT_USERNAME="@CroupierCasino"))

    assert settings is not None
    assert settings.mode == "polling"
    assert settings.account_username == "CroupierCasino"
    assert "cs-test-secret" not in repr(settings)
    assert "ats-test-secret" not in str(settings.model_dump())


def test_settings_missing_secret_names_the_variable():
    values = x_environment()
    del values["CROUPIER_X_ACCESS_TOKEN_SECRET"]

    with pytest.raises(ValueError, match="CROUPIER_X_ACCESS_TOKEN_SECRET"):
        x_settings_from(values)


def test_settings_refuse_unknown_variables_and_a_handle_as_account_id():
    with pytest.raises(ValueError, match="CROUPIER_X_POLL_INTERVAL"):
        x_settings_from(x_environment(CROUPIER_X_POLL_INTERVAL="5"))
    with pytest.raises(ValueError, match="CROUPIER_X_ACCOUNT_ID"):
        x_settings_from(x_environment(CROUPIER_X_ACCOUNT_ID="@CroupierCasino"))


# -- fitting a tweet -----------------------------------------------------------------------


def test_long_public_text_is_shortened_at_a_sentence_end_within_280():
    text = fit_tweet(LONG_ANSWER)

    assert tweet_length(text) <= TWEET_LIMIT
    assert text.endswith(ELLIPSIS)
    kept = text.removesuffix(ELLIPSIS).rstrip()
    assert LONG_ANSWER.startswith(kept)
    assert kept.endswith(".")


def test_text_without_sentence_ends_is_cut_at_a_word_never_inside_one():
    words = " ".join(f"word{number}" for number in range(120))

    text = fit_tweet(words)

    assert tweet_length(text) <= TWEET_LIMIT
    last_word = text.removesuffix(ELLIPSIS).split()[-1]
    assert last_word in words.split()


def test_tail_is_kept_whole_after_the_shortened_text():
    options = (ReplyOption(number=1, title="Deposits"), ReplyOption(number=2, title="Withdrawals"))
    tail = f"{options_block(options)}\n\n{CONTACT_HINT}"

    text = fit_tweet(LONG_ANSWER, tail)

    assert tweet_length(text) <= TWEET_LIMIT
    assert text.endswith("1. Deposits\n2. Withdrawals\n\n" + CONTACT_HINT)


def test_short_text_is_left_alone():
    assert fit_tweet("Up to 24 hours.", CONTACT_HINT) == f"Up to 24 hours.\n\n{CONTACT_HINT}"


def test_tweet_length_weighs_links_as_23_and_cjk_as_2():
    assert tweet_length("see https://example.com/a/very/long/path/indeed/yes") == 4 + 23
    assert tweet_length("出金") == 4
    cjk = fit_tweet("出金には最大二十四時間かかります。" * 20)
    assert tweet_length(cjk) <= TWEET_LIMIT


def test_long_dm_is_split_into_parts_x_accepts():
    parts = split_direct_message("para one. " * 1500)

    assert len(parts) == 2
    assert all(len(part) <= 10_000 for part in parts)
