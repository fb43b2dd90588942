"""The X adapter over real HTTP: tweepy polls and posts to a fake X; signed webhooks in."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bots.channel import Channel, DeliveryError
from bots.events import Event, Reply, ReplyOption
from bots.social.x import XAuthError, XChannel, XSettings
from bots.social.x.channel import DM_CURSOR, MENTIONS_CURSOR
from bots.social.x.outgoing import CONTACT_HINT, ELLIPSIS, TWEET_LIMIT, tweet_length
from croupier.store.sqlite import SqliteStore
from tests.fakes.x_api import (
    DM_EVENTS_PATH,
    TWEETS_PATH,
    FakeXApi,
    dm_path,
    dm_refused,
    duplicate_content,
    mentions_path,
    rate_limited,
    service_unavailable,
    unauthorized,
)

PAYLOADS = Path(__file__).parent / "payloads" / "x"
ACCOUNT = "1500000000000000001"
LENA = "1600000000000000001"
CONSUMER_SECRET = "test-consumer-secret-9d2e"
ACCESS_TOKEN_SECRET = "test-access-token-secret-44af"
BEARER = "AAAAtestBearerToken0000000000000000"
MENTIONS = mentions_path(ACCOUNT)
LENA_THREAD = f"tweet:1860000000000000100:{LENA}"
PUBLIC_ANSWER = (
    "Withdrawals are processed within 24 hours after approval by our payments team. "
    "Card payouts then take three to five business days, depending on your bank. "
    "E-wallets such as Skrill and Neteller usually arrive within minutes of approval. "
    "Bank transfers can take up to seven business days."
)
FULL_ANSWER = PUBLIC_ANSWER + " If your withdrawal is pending longer, check your verification."


def x_payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def x_settings(api_url: str, **overrides: Any) -> XSettings:
    values: dict[str, Any] = {
        "consumer_key": SecretStr("test-consumer-key"),
        "consumer_secret": SecretStr(CONSUMER_SECRET),
        "access_token": SecretStr(f"{ACCOUNT}-testAccessToken"),
        "access_token_secret": SecretStr(ACCESS_TOKEN_SECRET),
        "account_id": ACCOUNT,
        "account_username": "CroupierCasino",
        "api_base_url": api_url,
        "request_timeout_seconds": 5.0,
    }
    return XSettings(**(values | overrides))


def signature(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_732_353_600.0

    def __call__(self) -> float:
        return self.now


class RecordingAccept:
    """The runtime's ``accept`` backed by the real SQLite store; can fail on one call."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.results: list[tuple[Event, int, bool]] = []
        self.fail_on_call: int | None = None
        self._calls = 0

    async def __call__(self, event: Event, raw_json: str) -> tuple[int, bool]:
        self._calls += 1
        if self._calls == self.fail_on_call:
            raise RuntimeError("database is locked")
        event_id, is_new = await self.store.accept_event(event, raw_json)
        self.results.append((event, event_id, is_new))
        return event_id, is_new

    def ids(self, new_only: bool = True) -> list[str]:
        return [e.platform_message_id for e, _, is_new in self.results if is_new or not new_only]


@pytest.fixture
async def x_api() -> AsyncIterator[FakeXApi]:
    async with FakeXApi(ACCOUNT) as fake:
        yield fake


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    sqlite = SqliteStore(tmp_path / "db.sqlite3")
    await sqlite.open()
    yield sqlite
    await sqlite.close()


@pytest.fixture
def accepted(store: SqliteStore) -> RecordingAccept:
    return RecordingAccept(store)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def channel(
    x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore, clock: Clock
) -> AsyncIterator[XChannel]:
    x = XChannel(x_settings(x_api.url), accepted, store, clock=clock)
    yield x
    await x.stop()


@pytest.fixture
async def webhook(channel: XChannel) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    channel.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield client


async def post_activity(
    client: TestClient[Any, Any], document: dict[str, Any], signature_header: str | None = "ok"
) -> int:
    body = json.dumps(document).encode()
    headers = {"Content-Type": "application/json"}
    if signature_header == "ok":
        headers["x-twitter-webhooks-signature"] = signature(body)
    elif signature_header is not None:
        headers["x-twitter-webhooks-signature"] = signature_header
    response = await client.post("/x/webhook", data=body, headers=headers)
    return response.status


def public_reply(**extra: Any) -> Reply:
    values: dict[str, Any] = {
        "channel": "x",
        "conversation_key": LENA_THREAD,
        "text": PUBLIC_ANSWER,
        "is_public": True,
        "in_reply_to": "1860000000000000101",
        "private_followup": FULL_ANSWER,
    }
    return Reply(**(values | extra))


def one_more_mention(tweet_id: str, text: str = "@CroupierCasino and deposits?") -> dict[str, Any]:
    return {
        "data": [
            {
                "id": tweet_id,
                "text": text,
                "author_id": LENA,
                "conversation_id": "1860000000000000100",
                "referenced_tweets": [{"type": "replied_to", "id": "1860000000000000101"}],
                "lang": "en",
            }
        ]
    }


def test_adapter_is_a_channel(channel: XChannel) -> None:
    assert isinstance(channel, Channel)
    assert channel.name == "x"


# -- polling ---------------------------------------------------------------------------------


async def test_polling_accepts_new_mentions_and_stores_since_id_after_the_batch(
    channel: XChannel, x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))

    await channel.poll_once()

    assert accepted.ids() == ["1860000000000000101", "1860000000000000102", "1860000000000000103"]
    assert await store.get_cursor(MENTIONS_CURSOR) == "1860000000000000105"
    (request,) = x_api.sent_to(MENTIONS, method="GET")
    assert "since_id" not in request.query
    assert request.query["expansions"] == "author_id,referenced_tweets.id,attachments.media_keys"
    assert request.authorization.startswith("OAuth ")  # signed by tweepy, user context


async def test_restart_resumes_from_stored_since_id_and_repeats_nothing(
    x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore, clock: Clock
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))
    first = XChannel(x_settings(x_api.url), accepted, store, clock=clock)
    await first.poll_once()
    await first.stop()

    x_api.add_mentions(one_more_mention("1860000000000000106"))
    restarted = XChannel(x_settings(x_api.url), accepted, store, clock=clock)
    await restarted.poll_once()
    await restarted.stop()

    assert x_api.sent_to(MENTIONS, method="GET")[-1].query["since_id"] == "1860000000000000105"
    assert accepted.ids(new_only=False) == [
        "1860000000000000101",
        "1860000000000000102",
        "1860000000000000103",
        "1860000000000000106",
    ]
    assert await store.get_cursor(MENTIONS_CURSOR) == "1860000000000000106"


async def test_batch_that_fails_to_store_is_fetched_again_and_a_duplicate_keeps_its_id(
    channel: XChannel, x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))
    accepted.fail_on_call = 2

    await channel.poll_once()
    assert await store.get_cursor(MENTIONS_CURSOR) is None
    await channel.poll_once()

    first_try, second_try = accepted.results[0], accepted.results[1]
    assert second_try[0].platform_message_id == first_try[0].platform_message_id
    assert second_try[1] == first_try[1]
    assert not second_try[2]
    assert accepted.ids() == ["1860000000000000101", "1860000000000000102", "1860000000000000103"]
    assert await store.get_cursor(MENTIONS_CURSOR) == "1860000000000000105"


async def test_polled_dms_are_accepted_once_and_own_and_group_dms_are_ignored(
    channel: XChannel, x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore
) -> None:
    x_api.add_dm_events(x_payload("dm_events_page"))

    await channel.poll_once()
    await channel.poll_once()

    assert accepted.ids(new_only=False) == [
        "1860000000000000201",
        "1860000000000000202",
        "1860000000000000203",
    ]
    assert await store.get_cursor(DM_CURSOR) == "1860000000000000204"
    request = x_api.sent_to(DM_EVENTS_PATH, method="GET")[0]
    assert request.query["event_types"] == "MessageCreate"


async def test_first_poll_answers_only_recent_items_and_marks_where_to_start(
    channel: XChannel,
    x_api: FakeXApi,
    accepted: RecordingAccept,
    store: SqliteStore,
    clock: Clock,
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))
    x_api.add_dm_events(x_payload("dm_events_page"))
    clock.now += 24 * 3600  # a day after all of them: the team has handled them by hand

    await channel.poll_once()

    assert accepted.results == []
    assert await store.get_cursor(MENTIONS_CURSOR) == "1860000000000000105"
    assert await store.get_cursor(DM_CURSOR) == "1860000000000000204"


async def test_rate_limited_poll_waits_for_x_reset_time(
    channel: XChannel, x_api: FakeXApi, accepted: RecordingAccept, clock: Clock
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))
    x_api.script(MENTIONS, rate_limited(int(clock.now) + 120), method="GET")

    await channel.poll_once()
    clock.now += 60
    await channel.poll_once()
    assert len(x_api.sent_to(MENTIONS, method="GET")) == 1
    clock.now += 61
    await channel.poll_once()

    assert len(x_api.sent_to(MENTIONS, method="GET")) == 2
    assert len(accepted.ids()) == 3


async def test_mentions_are_read_with_the_bearer_token_when_one_is_set(
    x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore
) -> None:
    x = XChannel(x_settings(x_api.url, bearer_token=SecretStr(BEARER)), accepted, store)
    await x.poll_once()
    await x.stop()

    assert x_api.sent_to(MENTIONS, method="GET")[0].authorization == f"Bearer {BEARER}"
    assert x_api.sent_to(DM_EVENTS_PATH, method="GET")[0].authorization.startswith("OAuth ")


async def test_started_channel_polls_until_stopped(
    x_api: FakeXApi, accepted: RecordingAccept, store: SqliteStore, clock: Clock
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))
    x = XChannel(x_settings(x_api.url, poll_interval_seconds=1), accepted, store, clock=clock)
    await x.start()
    for _ in range(100):
        if len(accepted.ids()) == 3:
            break
        await asyncio.sleep(0.05)
    await x.stop()

    assert len(accepted.ids()) == 3


# -- webhook ---------------------------------------------------------------------------------


async def test_crc_check_answers_with_hmac_of_the_consumer_secret(
    webhook: TestClient[Any, Any],
) -> None:
    response = await webhook.get("/x/webhook", params={"crc_token": "challenge-5f1d"})

    assert response.status == 200
    digest = hmac.new(CONSUMER_SECRET.encode(), b"challenge-5f1d", hashlib.sha256).digest()
    assert await response.json() == {
        "response_token": "sha256=" + base64.b64encode(digest).decode()
    }
    assert (await webhook.get("/x/webhook")).status == 400


async def test_signed_delivery_is_accepted_before_x_gets_its_200(
    webhook: TestClient[Any, Any], accepted: RecordingAccept
) -> None:
    status = await post_activity(webhook, x_payload("activity_direct_messages"))

    assert status == 200
    assert accepted.ids() == ["1860000000000000401", "1860000000000000402"]


@pytest.mark.parametrize(
    "bad_signature",
    [None, "", "sha256=AAAA", signature(b"another body"), "sha1=abc"],
    ids=["missing", "empty", "garbage", "other-body", "wrong-scheme"],
)
async def test_bad_or_missing_signature_is_403_and_nothing_is_accepted(
    webhook: TestClient[Any, Any], accepted: RecordingAccept, bad_signature: str | None
) -> None:
    status = await post_activity(webhook, x_payload("activity_mention"), bad_signature)

    assert status == 403
    assert accepted.results == []


async def test_delivery_signed_with_another_secret_is_refused(
    webhook: TestClient[Any, Any], accepted: RecordingAccept
) -> None:
    document = x_payload("activity_mention")
    body = json.dumps(document).encode()
    response = await webhook.post(
        "/x/webhook",
        data=body,
        headers={"x-twitter-webhooks-signature": signature(body, "not-our-secret")},
    )

    assert response.status == 403
    assert accepted.results == []


async def test_failed_accept_makes_x_deliver_again(
    webhook: TestClient[Any, Any], accepted: RecordingAccept
) -> None:
    accepted.fail_on_call = 1

    assert await post_activity(webhook, x_payload("activity_mention")) == 500
    assert await post_activity(webhook, x_payload("activity_mention")) == 200
    assert accepted.ids() == ["1860000000000000301"]


async def test_reply_to_our_answer_continues_the_conversation_in_webhook_mode(
    webhook: TestClient[Any, Any], channel: XChannel, accepted: RecordingAccept
) -> None:
    result = await channel.deliver(public_reply(private_followup=None), delivery_id=1)
    document = x_payload("activity_mention")
    document["tweet_create_events"][0]["in_reply_to_status_id_str"] = result.platform_message_id

    assert await post_activity(webhook, document) == 200

    (event, _, _) = accepted.results[0]
    assert event.conversation_key == LENA_THREAD


# -- delivery --------------------------------------------------------------------------------


async def test_public_reply_is_one_tweet_under_the_players_and_the_full_answer_goes_by_dm(
    channel: XChannel, x_api: FakeXApi
) -> None:
    result = await channel.deliver(public_reply(), delivery_id=1)

    assert result.delivered
    (dm,) = x_api.sent_to(dm_path(LENA))
    assert dm.json == {"text": FULL_ANSWER}
    (tweet,) = x_api.tweets_posted()
    assert tweet["reply"] == {"in_reply_to_tweet_id": "1860000000000000101"}
    assert tweet_length(tweet["text"]) <= TWEET_LIMIT
    assert tweet["text"].endswith(ELLIPSIS)
    kept_words = tweet["text"].removesuffix(ELLIPSIS).split()
    assert kept_words == PUBLIC_ANSWER.split()[: len(kept_words)]
    assert CONTACT_HINT not in tweet["text"]
    paths = [request.path for request in x_api.requests]
    assert paths.index(dm_path(LENA)) < paths.index(TWEETS_PATH)
    assert result.platform_message_id is not None


async def test_refused_dm_makes_the_public_reply_say_how_to_reach_support(
    channel: XChannel, x_api: FakeXApi
) -> None:
    x_api.script(dm_path(LENA), dm_refused())

    result = await channel.deliver(public_reply(), delivery_id=1)

    assert result.delivered
    (tweet,) = x_api.tweets_posted()
    assert tweet["text"].endswith(CONTACT_HINT)
    assert tweet_length(tweet["text"]) <= TWEET_LIMIT


async def test_public_reply_without_followup_sends_no_dm(
    channel: XChannel, x_api: FakeXApi
) -> None:
    await channel.deliver(public_reply(text="Up to 24 hours.", private_followup=None), 1)

    assert x_api.sent_to(dm_path(LENA)) == []
    assert x_api.tweets_posted()[0]["text"] == "Up to 24 hours."


async def test_moderator_reply_without_target_answers_the_players_latest_tweet(
    channel: XChannel, x_api: FakeXApi
) -> None:
    x_api.add_mentions(x_payload("mentions_page"))
    await channel.poll_once()

    await channel.deliver(public_reply(in_reply_to=None, private_followup=None), 1)

    assert x_api.tweets_posted()[0]["reply"]["in_reply_to_tweet_id"] == "1860000000000000101"


async def test_dm_reply_lists_options_as_numbered_lines(
    channel: XChannel, x_api: FakeXApi
) -> None:
    reply = Reply(
        channel="x",
        conversation_key=f"dm:{LENA}",
        text="Which one do you mean?",
        options=(
            ReplyOption(number=1, title="Deposits"),
            ReplyOption(number=2, title="Withdrawals"),
        ),
    )

    result = await channel.deliver(reply, delivery_id=1)

    assert result.delivered
    (dm,) = x_api.sent_to(dm_path(LENA))
    assert dm.json == {"text": "Which one do you mean?\n\n1. Deposits\n2. Withdrawals"}
    assert x_api.tweets_posted() == []


async def test_rate_limited_send_is_retried_after_x_reset_time(
    channel: XChannel, x_api: FakeXApi, clock: Clock
) -> None:
    x_api.script(TWEETS_PATH, rate_limited(int(clock.now) + 300))

    with pytest.raises(DeliveryError) as raised:
        await channel.deliver(public_reply(private_followup=None), delivery_id=1)

    assert raised.value.retry_after == pytest.approx(300, abs=1)


async def test_duplicate_tweet_is_a_permanent_error(channel: XChannel, x_api: FakeXApi) -> None:
    x_api.script(TWEETS_PATH, duplicate_content())

    result = await channel.deliver(public_reply(private_followup=None), delivery_id=1)

    assert not result.delivered
    assert result.permanent_error is not None
    assert "duplicate content" in result.permanent_error


async def test_server_error_is_retried_and_the_retry_does_not_dm_twice(
    channel: XChannel, x_api: FakeXApi
) -> None:
    x_api.script(TWEETS_PATH, service_unavailable())

    with pytest.raises(DeliveryError):
        await channel.deliver(public_reply(), delivery_id=7)
    result = await channel.deliver(public_reply(), delivery_id=7)

    assert result.delivered
    assert len(x_api.sent_to(dm_path(LENA))) == 1
    assert len(x_api.tweets_posted()) == 2  # the 503 and the retry


async def test_dm_reply_to_player_who_refuses_dms_is_permanent(
    channel: XChannel, x_api: FakeXApi
) -> None:
    x_api.script(dm_path(LENA), dm_refused())
    reply = Reply(channel="x", conversation_key=f"dm:{LENA}", text="Up to 24 hours.")

    result = await channel.deliver(reply, delivery_id=1)

    assert not result.delivered
    assert result.permanent_error is not None
    assert "not permitted" in result.permanent_error


async def test_refused_keys_hold_replies_and_are_logged_once(
    channel: XChannel, x_api: FakeXApi, caplog: pytest.LogCaptureFixture
) -> None:
    x_api.script(TWEETS_PATH, unauthorized(), unauthorized())
    caplog.set_level(logging.ERROR, logger="bots.social.x")

    for delivery_id in (1, 2):
        with pytest.raises(XAuthError) as raised:
            await channel.deliver(public_reply(private_followup=None), delivery_id)
        assert raised.value.retry_after is not None and raised.value.retry_after >= 3600

    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1


async def test_unreachable_x_is_a_delivery_error(
    accepted: RecordingAccept, store: SqliteStore
) -> None:
    x = XChannel(x_settings("http://127.0.0.1:9"), accepted, store)
    try:
        with pytest.raises(DeliveryError):
            await x.deliver(public_reply(private_followup=None), delivery_id=1)
    finally:
        await x.stop()


async def test_reply_to_a_foreign_conversation_key_is_permanent(channel: XChannel) -> None:
    reply = Reply(channel="x", conversation_key="dm:page:123", text="hello")

    result = await channel.deliver(reply, delivery_id=1)

    assert not result.delivered
    assert result.permanent_error is not None


async def test_credentials_never_reach_the_logs_even_at_debug(
    x_api: FakeXApi,
    accepted: RecordingAccept,
    store: SqliteStore,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    x_api.add_mentions(x_payload("mentions_page"))
    x_api.script(TWEETS_PATH, unauthorized())
    settings = x_settings(x_api.url, bearer_token=SecretStr(BEARER))
    x = XChannel(settings, accepted, store, clock=clock)

    await x.poll_once()
    with pytest.raises(DeliveryError):
        await x.deliver(public_reply(), delivery_id=1)
    await x.stop()

    assert len(accepted.ids()) == 3
    for secret in (BEARER, CONSUMER_SECRET, ACCESS_TOKEN_SECRET, f"{ACCOUNT}-testAccessToken"):
        assert secret not in caplog.text
