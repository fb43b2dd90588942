"""The Meta adapter over real HTTP: signed webhooks in, Graph API calls out to a fake Meta."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bots.channel import Channel, ChannelDown, DeliveryError
from bots.events import Event, Reply, ReplyAuthor, ReplyOption
from bots.social.meta import ChannelAuthError, MetaChannel, MetaSettings, Surface
from tests.fakes.graph_api import (
    FakeGraphApi,
    RecordedRequest,
    graph_error,
    invalid_token,
    message_sent,
    outside_messaging_window,
    person_unavailable,
    server_error,
    slow_success,
    throttled,
    too_many_requests,
)

PAYLOADS = Path(__file__).parent / "payloads" / "meta"
APP_SECRET = "test-app-secret-3f9c"
VERIFY_TOKEN = "test-verify-token-71ad"
PAGE_TOKEN = "EAAtestPageAccessToken1234567890"
PAGE_ID = "104000000000001"
INSTAGRAM_ID = "17841400000000001"
MESSAGES = "/v21.0/me/messages"
FB_COMMENT = "880000000000001_990000000000001"
FB_THREAD = f"comment:page:{FB_COMMENT}:6900000000000001"


def meta_payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def meta_settings(graph_url: str = "http://127.0.0.1:9", timeout: float = 5.0) -> MetaSettings:
    return MetaSettings(
        app_secret=SecretStr(APP_SECRET),
        verify_token=SecretStr(VERIFY_TOKEN),
        page_access_token=SecretStr(PAGE_TOKEN),
        page_id=PAGE_ID,
        instagram_account_id=INSTAGRAM_ID,
        graph_base_url=graph_url,
        request_timeout_seconds=timeout,
    )


class AcceptedEvents:
    """The runtime's ``accept`` as a test sees it: records events, de-duplicates by id."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.raw: list[str] = []
        self.fail_with: Exception | None = None
        self._ids: dict[str, int] = {}

    async def __call__(self, event: Event, raw_json: str) -> tuple[int, bool]:
        if self.fail_with is not None:
            raise self.fail_with
        self.events.append(event)
        self.raw.append(raw_json)
        known = self._ids.get(event.platform_message_id)
        if known is not None:
            return known, False
        self._ids[event.platform_message_id] = len(self._ids) + 1
        return self._ids[event.platform_message_id], True


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def accepted() -> AcceptedEvents:
    return AcceptedEvents()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def channel(
    graph: FakeGraphApi, accepted: AcceptedEvents, clock: Clock
) -> AsyncIterator[MetaChannel]:
    meta = MetaChannel(meta_settings(graph.url), accepted, clock=clock)
    yield meta
    await meta.close()


@pytest.fixture
async def webhook(channel: MetaChannel) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    channel.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield client


async def post_signed(
    client: TestClient[Any, Any], document: dict[str, Any] | bytes, secret: str = APP_SECRET
) -> int:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    response = await client.post(
        "/meta/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature(body, secret),
        },
    )
    return response.status


def dm_reply(text: str = "Withdrawals take up to 24 hours.", **extra: Any) -> Reply:
    return Reply(channel="meta", conversation_key="dm:page:7100000000000001", text=text, **extra)


def public_reply(followup: str | None = "Full answer: up to 24 hours after approval.") -> Reply:
    return Reply(
        channel="meta",
        conversation_key=FB_THREAD,
        text="Withdrawals usually take up to 24 hours; details in your inbox.",
        is_public=True,
        in_reply_to=FB_COMMENT,
        private_followup=followup,
    )


def bodies(requests: list[RecordedRequest]) -> list[Any]:
    return [r.json for r in requests]


# --- webhook: subscription and signatures -------------------------------------------------


async def test_subscription_check_with_our_verify_token_echoes_the_challenge(
    webhook: TestClient[Any, Any],
) -> None:
    response = await webhook.get(
        "/meta/webhook",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert response.status == 200
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    ("mode", "token"),
    [("subscribe", "not-our-token"), ("unsubscribe", VERIFY_TOKEN), ("subscribe", "")],
)
async def test_subscription_check_with_wrong_token_or_mode_is_refused(
    webhook: TestClient[Any, Any], mode: str, token: str
) -> None:
    response = await webhook.get(
        "/meta/webhook",
        params={"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "42"},
    )
    assert response.status == 403
    assert "42" not in await response.text()


async def test_signed_messenger_message_is_accepted_before_meta_gets_its_200(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    assert await post_signed(webhook, meta_payload("messenger_text")) == 200
    [event] = accepted.events
    assert event.conversation_key == "dm:page:7100000000000001"
    assert event.text == "How long does a withdrawal take to arrive?"
    assert json.loads(accepted.raw[0])["entry"][0]["messaging"][0]["message"]["mid"] == (
        event.platform_message_id
    )


async def test_all_items_of_a_batched_delivery_are_accepted(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    assert await post_signed(webhook, meta_payload("batched")) == 200
    assert [e.platform_message_id for e in accepted.events] == [
        "m_batch-1a",
        "m_batch-1b",
        "m_batch-2a",
        "m_batch-2b",
    ]
    assert {e.conversation_key for e in accepted.events} == {
        "dm:page:7100000000000001",
        "dm:page:7100000000000002",
        "dm:page:7100000000000003",
    }


@pytest.mark.parametrize(
    "signature_header",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        "sha1=0123456789abcdef0123456789abcdef01234567",
        "wrong-secret",
        "tampered-body",
    ],
)
async def test_delivery_with_bad_or_missing_signature_is_refused_and_nothing_accepted(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents, signature_header: str | None
) -> None:
    body = json.dumps(meta_payload("messenger_text")).encode()
    headers = {"Content-Type": "application/json"}
    if signature_header == "wrong-secret":
        headers["X-Hub-Signature-256"] = signature(body, "someone-elses-secret")
    elif signature_header == "tampered-body":
        headers["X-Hub-Signature-256"] = signature(body)
        body = body.replace(b"withdrawal", b"WITHDRAWAL")
    elif signature_header is not None:
        headers["X-Hub-Signature-256"] = signature_header
    response = await webhook.post("/meta/webhook", data=body, headers=headers)
    assert response.status == 403
    assert accepted.events == []


async def test_malformed_json_with_a_good_signature_is_a_400(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    assert await post_signed(webhook, b'{"object": "page", "entry": [') == 400
    assert await post_signed(webhook, b'["not", "a", "webhook"]') == 400
    assert accepted.events == []


async def test_echoes_receipts_and_our_own_comments_are_acknowledged_but_not_accepted(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    assert await post_signed(webhook, meta_payload("echo")) == 200
    assert await post_signed(webhook, meta_payload("own_page_comment")) == 200
    assert accepted.events == []


async def test_redelivered_webhook_yields_the_same_platform_message_id(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    for _ in range(2):
        assert await post_signed(webhook, meta_payload("page_feed_comment")) == 200
    first, second = accepted.events
    assert first.platform_message_id == second.platform_message_id == FB_COMMENT
    assert first.conversation_key == second.conversation_key == FB_THREAD


async def test_failing_accept_answers_500_so_meta_delivers_the_batch_again(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    accepted.fail_with = RuntimeError("database is locked")
    assert await post_signed(webhook, meta_payload("batched")) == 500


async def test_signed_instagram_comment_is_accepted_as_a_public_event(
    webhook: TestClient[Any, Any], accepted: AcceptedEvents
) -> None:
    assert await post_signed(webhook, meta_payload("instagram_comment")) == 200
    [event] = accepted.events
    assert event.is_public is True
    assert event.conversation_key == "comment:instagram:17900000000000001:5300000000000002"


# --- delivery: private messages ------------------------------------------------------------


def test_meta_channel_satisfies_the_channel_protocol(channel: MetaChannel) -> None:
    assert isinstance(channel, Channel)
    assert channel.name == "meta"


async def test_dm_reply_is_a_response_message_with_quick_replies_for_the_options(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    options = (ReplyOption(number=1, title="Yes"), ReplyOption(number=2, title="No, I need help"))
    result = await channel.deliver(dm_reply("Did this help?", options=options), delivery_id=7)
    assert result.delivered and result.platform_message_id == "m_fake1"
    [request] = graph.sent_to(MESSAGES)
    assert request.json == {
        "recipient": {"id": "7100000000000001"},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Did this help?",
            "quick_replies": [
                {"content_type": "text", "title": "Yes", "payload": "1"},
                {"content_type": "text", "title": "No, I need help", "payload": "2"},
            ],
        },
    }


async def test_graph_calls_carry_the_token_as_a_parameter_with_its_appsecret_proof(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    await channel.deliver(dm_reply(), delivery_id=1)
    [request] = graph.sent_to(MESSAGES)
    proof = hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()
    assert request.query == {"access_token": PAGE_TOKEN, "appsecret_proof": proof}


async def test_long_dm_is_split_and_quick_replies_ride_on_the_last_message(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "details " * 120 for n in range(4))
    options = (ReplyOption(number=1, title="Yes"), ReplyOption(number=2, title="No"))
    result = await channel.deliver(dm_reply(text, options=options), delivery_id=3)
    assert result.delivered
    messages = [body["message"] for body in bodies(graph.sent_to(MESSAGES))]
    assert len(messages) > 1
    assert all(len(m["text"]) <= 2000 for m in messages)
    assert [("quick_replies" in m) for m in messages] == [False] * (len(messages) - 1) + [True]


async def test_retry_of_a_split_dm_sends_only_the_parts_meta_did_not_take(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "details " * 120 for n in range(4))
    graph.script(MESSAGES, message_sent("m_part1"), server_error())
    with pytest.raises(DeliveryError):
        await channel.deliver(dm_reply(text), delivery_id=4)
    first_attempt = [b["message"]["text"] for b in bodies(graph.sent_to(MESSAGES))]
    assert len(first_attempt) == 2
    graph.requests.clear()
    assert (await channel.deliver(dm_reply(text), delivery_id=4)).delivered
    retried = [b["message"]["text"] for b in bodies(graph.sent_to(MESSAGES))]
    assert retried[0] == first_attempt[1]
    assert first_attempt[0] not in retried


async def test_moderator_dm_is_sent_like_a_bot_reply(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    reply = dm_reply("Hi, this is Anna from support.", author=ReplyAuthor.MODERATOR)
    assert (await channel.deliver(reply, delivery_id=5)).delivered
    [request] = graph.sent_to(MESSAGES)
    assert request.json["message"] == {"text": "Hi, this is Anna from support."}


# --- delivery: public comments and the one private reply ------------------------------------


async def test_public_comment_gets_a_public_reply_then_one_private_reply_to_the_comment(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    result = await channel.deliver(public_reply(), delivery_id=10)
    assert result.delivered and result.platform_message_id == "fake_comment_1"
    [public] = graph.sent_to(f"/v21.0/{FB_COMMENT}/comments")
    assert public.json == {
        "message": "Withdrawals usually take up to 24 hours; details in your inbox."
    }
    [private] = graph.sent_to(MESSAGES)
    assert private.json == {
        "recipient": {"comment_id": FB_COMMENT},
        "message": {"text": "Full answer: up to 24 hours after approval."},
    }
    assert [r.path for r in graph.requests] == [f"/v21.0/{FB_COMMENT}/comments", MESSAGES]


async def test_instagram_comment_is_answered_on_the_replies_edge(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    reply = Reply(
        channel="meta",
        conversation_key="comment:instagram:17900000000000001:5300000000000002",
        text="Yes! Details in your DMs.",
        is_public=True,
        in_reply_to="17900000000000001",
        private_followup="The welcome bonus is 100% up to 500 EUR.",
    )
    assert (await channel.deliver(reply, delivery_id=11)).delivered
    [public] = graph.sent_to("/v21.0/17900000000000001/replies")
    assert public.json == {"message": "Yes! Details in your DMs."}
    [private] = graph.sent_to(MESSAGES)
    assert private.json["recipient"] == {"comment_id": "17900000000000001"}


async def test_second_private_reply_to_the_same_comment_is_never_attempted(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    assert (await channel.deliver(public_reply(), delivery_id=12)).delivered
    assert (await channel.deliver(public_reply("Another long answer."), delivery_id=13)).delivered
    assert len(graph.sent_to(f"/v21.0/{FB_COMMENT}/comments")) == 2
    assert len(graph.sent_to(MESSAGES)) == 1


async def test_private_only_reply_to_a_comment_already_answered_privately_is_a_dead_letter(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    assert (await channel.deliver(public_reply(), delivery_id=14)).delivered
    private_only = Reply(
        channel="meta", conversation_key=FB_THREAD, text="Psst.", in_reply_to=FB_COMMENT
    )
    result = await channel.deliver(private_only, delivery_id=15)
    assert not result.delivered and result.permanent_error
    assert len(graph.sent_to(MESSAGES)) == 1


async def test_no_private_reply_to_a_comment_older_than_seven_days(
    channel: MetaChannel,
    graph: FakeGraphApi,
    webhook: TestClient[Any, Any],
    clock: Clock,
) -> None:
    clock.now = datetime.fromtimestamp(1732350699, UTC) + timedelta(days=1)
    assert await post_signed(webhook, meta_payload("page_feed_comment")) == 200
    clock.now += timedelta(days=7)
    result = await channel.deliver(public_reply(), delivery_id=16)
    assert result.delivered
    assert len(graph.sent_to(f"/v21.0/{FB_COMMENT}/comments")) == 1
    assert graph.sent_to(MESSAGES) == []


async def test_private_reply_within_seven_days_of_a_received_comment_is_sent(
    channel: MetaChannel,
    graph: FakeGraphApi,
    webhook: TestClient[Any, Any],
    clock: Clock,
) -> None:
    clock.now = datetime.fromtimestamp(1732350699, UTC) + timedelta(days=6)
    assert await post_signed(webhook, meta_payload("page_feed_comment")) == 200
    assert (await channel.deliver(public_reply(), delivery_id=17)).delivered
    assert len(graph.sent_to(MESSAGES)) == 1


async def test_retry_after_a_failed_private_reply_does_not_repeat_the_public_reply(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, server_error())
    with pytest.raises(DeliveryError):
        await channel.deliver(public_reply(), delivery_id=18)
    result = await channel.deliver(public_reply(), delivery_id=18)
    assert result.delivered and result.platform_message_id == "fake_comment_1"
    assert len(graph.sent_to(f"/v21.0/{FB_COMMENT}/comments")) == 1
    assert len(graph.sent_to(MESSAGES)) == 2


async def test_refused_private_follow_up_still_counts_the_public_reply_as_delivered(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, graph_error(10, "(#10) Cannot message users who are not admins"))
    result = await channel.deliver(public_reply(), delivery_id=19)
    assert result.delivered and result.platform_message_id == "fake_comment_1"


async def test_hide_comment_asks_meta_to_hide_it(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    await channel.hide_comment(FB_COMMENT)
    await channel.hide_comment("17900000000000001", Surface.INSTAGRAM)
    assert graph.sent_to(f"/v21.0/{FB_COMMENT}")[0].query["is_hidden"] == "true"
    assert graph.sent_to("/v21.0/17900000000000001")[0].query["hide"] == "true"


# --- delivery: Graph API errors ------------------------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613])
async def test_rate_limit_codes_become_a_retry_after_a_minute(
    channel: MetaChannel, graph: FakeGraphApi, code: int
) -> None:
    graph.script(MESSAGES, throttled(code))
    with pytest.raises(DeliveryError) as raised:
        await channel.deliver(dm_reply(), delivery_id=20)
    assert raised.value.retry_after == 60


async def test_http_429_waits_as_long_as_retry_after_says(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, too_many_requests(retry_after=120))
    with pytest.raises(DeliveryError) as raised:
        await channel.deliver(dm_reply(), delivery_id=21)
    assert raised.value.retry_after == 120


async def test_outside_the_24_hour_window_is_a_permanent_error(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, outside_messaging_window())
    result = await channel.deliver(dm_reply(), delivery_id=22)
    assert not result.delivered
    assert result.permanent_error == "meta: outside the 24-hour messaging window"


async def test_person_no_longer_available_is_a_permanent_error(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, person_unavailable())
    result = await channel.deliver(dm_reply(), delivery_id=23)
    assert result.permanent_error == "meta: this person isn't available right now"


async def test_other_client_error_is_permanent_with_metas_message(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(
        MESSAGES,
        graph_error(
            100,
            "(#100) Param recipient[id] must be a valid ID string",
            error_type="GraphMethodException",
        ),
    )
    result = await channel.deliver(dm_reply(), delivery_id=24)
    assert result.permanent_error is not None
    assert "Param recipient[id] must be a valid ID string" in result.permanent_error


async def test_invalid_token_says_the_whole_channel_is_down(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    """What the outbox then does with it: tests/test_meta_channel_down.py."""
    graph.script(MESSAGES, invalid_token())
    with pytest.raises(ChannelDown) as raised:
        await channel.deliver(dm_reply(), delivery_id=25)
    assert isinstance(raised.value, ChannelAuthError)
    assert raised.value.retry_after is not None and raised.value.retry_after >= 600
    assert "CROUPIER_META_PAGE_ACCESS_TOKEN" in str(raised.value)


async def test_server_error_is_worth_retrying(channel: MetaChannel, graph: FakeGraphApi) -> None:
    graph.script(MESSAGES, server_error())
    with pytest.raises(DeliveryError) as raised:
        await channel.deliver(dm_reply(), delivery_id=27)
    assert not isinstance(raised.value, ChannelAuthError)
    assert (await channel.deliver(dm_reply(), delivery_id=27)).delivered


async def test_graph_api_timeout_is_worth_retrying(
    graph: FakeGraphApi, accepted: AcceptedEvents
) -> None:
    channel = MetaChannel(meta_settings(graph.url, timeout=0.2), accepted)
    graph.script(MESSAGES, slow_success(1.0))
    try:
        with pytest.raises(DeliveryError, match="timed out"):
            await channel.deliver(dm_reply(), delivery_id=28)
    finally:
        await channel.close()


async def test_unknown_conversation_key_is_a_dead_letter(channel: MetaChannel) -> None:
    reply = Reply(channel="meta", conversation_key="player-session-1", text="hi")
    result = await channel.deliver(reply, delivery_id=29)
    assert not result.delivered and result.permanent_error


async def test_secrets_never_reach_the_log(
    channel: MetaChannel,
    graph: FakeGraphApi,
    webhook: TestClient[Any, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    graph.script(MESSAGES, invalid_token(), server_error(), outside_messaging_window())
    with caplog.at_level(logging.DEBUG):
        for delivery_id in (30, 31, 32):
            try:
                await channel.deliver(dm_reply(), delivery_id=delivery_id)
            except DeliveryError as exc:
                assert PAGE_TOKEN not in str(exc)
        await webhook.get(
            "/meta/webhook", params={"hub.mode": "subscribe", "hub.verify_token": "x"}
        )
        await post_signed(webhook, meta_payload("messenger_text"), secret="wrong")
    logged = caplog.text + repr(channel) + repr(meta_settings())
    for secret in (PAGE_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in logged
