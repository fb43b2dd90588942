"""The Telegram adapter over real HTTP: PTB talks to a local fake Bot API server.

Webhook ingress goes through aiohttp's test client, polling through the real loop with a
real SQLite cursor store, delivery through ``deliver`` as the outbox calls it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots.channel import (
    AttachmentSource,
    AttachmentTooLarge,
    AttachmentUnavailable,
    Channel,
    DeliveryError,
)
from bots.events import Event, EventKind, Reply, ReplyAuthor, ReplyOption
from bots.telegram.channel import OFFSET_CURSOR, SECRET_HEADER, WEBHOOK_PATH, TelegramChannel
from bots.telegram.pacing import SendPacer
from bots.telegram.settings import TelegramSettings, telegram_settings_from
from croupier.store.sqlite import SqliteStore
from tests.fakes.telegram_api import (
    BAD_GATEWAY,
    BLOCKED_BY_USER,
    BOT_USERNAME,
    CHAT_NOT_FOUND,
    TOKEN,
    TOO_MANY_REQUESTS,
    FakeTelegramApi,
    load_update,
)

WEBHOOK_SECRET = "s3cret-Token_for-tests"
PRIVATE_CHAT = 424242001
GROUP_CHAT = -1001234567890


class CollectedEvents:
    """A stand-in for the runtime's ``accept``: records what arrives, can refuse on cue."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.raw_payloads: list[str] = []
        self.failures_to_come = 0
        self._seen: dict[str, int] = {}
        self._arrived = asyncio.Condition()

    async def accept(self, event: Event, raw_payload: str) -> tuple[int, bool]:
        if self.failures_to_come:
            self.failures_to_come -= 1
            raise RuntimeError("store unavailable")
        async with self._arrived:
            self.events.append(event)
            self.raw_payloads.append(raw_payload)
            is_new = event.platform_message_id not in self._seen
            event_id = self._seen.setdefault(event.platform_message_id, len(self._seen) + 1)
            self._arrived.notify_all()
        return event_id, is_new

    async def wait_for(self, count: int, seconds: float = 5.0) -> list[Event]:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.events) >= count), seconds
            )
        return self.events


def settings_for(api: FakeTelegramApi, **overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "api_base_url": api.base_url,
        "poll_timeout": 1,
        "poll_retry_seconds": 0.05,
        "private_chat_interval": 0,
        "group_chat_interval": 0,
        "global_messages_per_second": 10_000,
    }
    return TelegramSettings(**(values | overrides))


def webhook_settings(api: FakeTelegramApi) -> TelegramSettings:
    return settings_for(
        api,
        mode="webhook",
        webhook_url="https://croupier.example/telegram/webhook",
        webhook_secret=WEBHOOK_SECRET,
    )


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    sqlite = SqliteStore(tmp_path / "db.sqlite3")
    await sqlite.open()
    yield sqlite
    await sqlite.close()


@pytest.fixture
def collected() -> CollectedEvents:
    return CollectedEvents()


@pytest.fixture
async def channel(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> AsyncIterator[TelegramChannel]:
    """Not started: delivery needs no ingress, and getMe happens on first use."""
    adapter = TelegramChannel(settings_for(telegram_api), collected.accept, store)
    yield adapter
    await adapter.stop()


@pytest.fixture
async def webhook_channel(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> AsyncIterator[TelegramChannel]:
    adapter = TelegramChannel(webhook_settings(telegram_api), collected.accept, store)
    yield adapter
    await adapter.stop()


@pytest.fixture
async def webhook(webhook_channel: TelegramChannel) -> AsyncIterator[TestClient[Any, Any]]:
    """The adapter's webhook route on a local aiohttp server, as Telegram would reach it."""
    app = web.Application()
    webhook_channel.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield client


async def post_update(
    client: TestClient[Any, Any], body: object, secret: str | None = WEBHOOK_SECRET
) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = await client.post(WEBHOOK_PATH, data=data, headers=headers)
    return response.status


# -- webhook ------------------------------------------------------------------------------


async def test_webhook_with_the_right_secret_stores_the_event_then_answers_200(
    webhook: TestClient[Any, Any], collected: CollectedEvents
) -> None:
    update = load_update("private_text")
    assert await post_update(webhook, update) == 200
    (event,) = collected.events
    assert event.platform_message_id == "424242001:1201"
    assert event.text == "ile trwa wypłata?"
    assert json.loads(collected.raw_payloads[0]) == update


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", WEBHOOK_SECRET + "x"])
async def test_webhook_with_a_missing_or_wrong_secret_is_refused_and_nothing_stored(
    webhook: TestClient[Any, Any], collected: CollectedEvents, secret: str | None
) -> None:
    assert await post_update(webhook, load_update("private_text"), secret=secret) == 401
    assert collected.events == []


@pytest.mark.parametrize(
    "body", ["{not json", b"\xff\xfe\x00", "[1, 2]", '{"message": {}}', '{"update_id": "7"}']
)
async def test_webhook_malformed_body_is_400_and_nothing_stored(
    webhook: TestClient[Any, Any], collected: CollectedEvents, body: str | bytes
) -> None:
    assert await post_update(webhook, body) == 400
    assert collected.events == []


async def test_a_moderators_reply_in_a_group_answers_the_players_latest_message(
    webhook: TestClient[Any, Any],
    webhook_channel: TelegramChannel,
    telegram_api: FakeTelegramApi,
) -> None:
    mention = load_update("group_mention")
    assert await post_update(webhook, mention) == 200
    reply = Reply(
        channel="telegram",
        conversation_key=f"{GROUP_CHAT}:424242002",
        text="Hi Jonas, a colleague here: let's sort this out.",
        author=ReplyAuthor.MODERATOR,
    )
    await webhook_channel.deliver(reply, 40)
    (sent,) = telegram_api.calls_to("sendMessage")
    assert sent["chat_id"] == GROUP_CHAT
    assert sent["reply_parameters"]["message_id"] == 88002
    assert sent["reply_parameters"]["allow_sending_without_reply"] is True


async def test_webhook_redelivery_carries_the_same_platform_message_id(
    webhook: TestClient[Any, Any], collected: CollectedEvents
) -> None:
    update = load_update("group_mention")
    assert await post_update(webhook, update) == 200
    assert await post_update(webhook, update) == 200
    first, second = collected.events
    assert first.platform_message_id == second.platform_message_id == "-1001234567890:88002"


async def test_webhook_acknowledges_updates_that_do_not_concern_us_without_storing(
    webhook: TestClient[Any, Any], collected: CollectedEvents
) -> None:
    for name in ("service_new_chat_members", "group_chatter", "channel_post_copy"):
        assert await post_update(webhook, load_update(name)) == 200
    assert collected.events == []


async def test_webhook_button_press_is_stored_and_its_spinner_stopped(
    webhook: TestClient[Any, Any], collected: CollectedEvents, telegram_api: FakeTelegramApi
) -> None:
    assert await post_update(webhook, load_update("callback_query")) == 200
    (event,) = collected.events
    assert event.kind is EventKind.OPTION_PICKED and event.picked_option == 2
    assert telegram_api.calls_to("answerCallbackQuery") == [
        {"callback_query_id": "1822049856310012345"}
    ]


async def test_webhook_is_not_acknowledged_when_the_event_cannot_be_stored(
    webhook: TestClient[Any, Any], collected: CollectedEvents
) -> None:
    collected.failures_to_come = 1
    assert await post_update(webhook, load_update("private_text")) == 500
    assert await post_update(webhook, load_update("private_text")) == 200  # Telegram's retry
    assert len(collected.events) == 1


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_worker_that_only_sends_takes_no_updates_in(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore, mode: str
) -> None:
    settings = settings_for(telegram_api) if mode == "polling" else webhook_settings(telegram_api)
    adapter = TelegramChannel(settings, collected.accept, store)
    await adapter.start(ingress=False)
    await adapter.stop()
    assert [call.method for call in telegram_api.calls] == ["getMe"]


async def test_start_in_webhook_mode_registers_url_secret_and_update_types(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> None:
    adapter = TelegramChannel(webhook_settings(telegram_api), collected.accept, store)
    await adapter.start()
    await adapter.stop()
    assert telegram_api.calls_to("setWebhook") == [
        {
            "url": "https://croupier.example/telegram/webhook",
            "secret_token": WEBHOOK_SECRET,
            "allowed_updates": ["message", "edited_message", "callback_query"],
        }
    ]
    assert telegram_api.calls_to("getUpdates") == []


# -- polling ------------------------------------------------------------------------------


def numbered_private_update(update_id: int, text: str) -> dict[str, Any]:
    update = load_update("private_text")
    update["update_id"] = update_id
    update["message"]["message_id"] = update_id
    update["message"]["text"] = text
    return update


def edit_of(update_id: int, message_id: int, text: str) -> dict[str, Any]:
    update = load_update("edited_message")
    update["update_id"] = update_id
    update["edited_message"]["message_id"] = message_id
    update["edited_message"]["text"] = text
    return update


async def test_an_edit_replaces_the_text_of_a_message_not_decided_yet_and_no_later(
    telegram_api: FakeTelegramApi, store: SqliteStore
) -> None:
    """After downtime a message and its edit arrive in one batch: the edit is what the
    player means. Once the message is decided, a later edit changes nothing."""
    telegram_api.push_update(numbered_private_update(30, "how long does a withdrawl tak"))
    telegram_api.push_update(edit_of(31, 30, "how long does a withdrawal take?"))
    adapter = TelegramChannel(settings_for(telegram_api), store.accept_event, store, edits=store)
    await adapter.start()
    try:

        async def batch_done() -> bool:
            return await store.get_cursor(OFFSET_CURSOR) == "32"

        await eventually(batch_done)
        (event_id,) = await store.unprocessed_event_ids()  # one event, not two
        stored, _ = await store.load_event(event_id)
        assert stored.event.text == "how long does a withdrawal take?"
        assert stored.event.platform_message_id == f"{PRIVATE_CHAT}:30"

        await store.dead_letter_event(event_id, "decided (stand-in for an answer)")
        telegram_api.push_update(edit_of(32, 30, "never mind"))

        async def late_edit_seen() -> bool:
            return await store.get_cursor(OFFSET_CURSOR) == "33"

        await eventually(late_edit_seen)
        stored, _ = await store.load_event(event_id)
        assert stored.event.text == "how long does a withdrawal take?"
        assert await store.unprocessed_event_ids() == []
    finally:
        await adapter.stop()


async def test_polling_stores_updates_and_then_persists_the_next_offset(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> None:
    telegram_api.push_update(numbered_private_update(10, "first"))
    telegram_api.push_update(numbered_private_update(11, "second"))
    telegram_api.push_update(load_update("service_new_chat_members") | {"update_id": 12})
    adapter = TelegramChannel(settings_for(telegram_api), collected.accept, store)
    await adapter.start()
    try:
        events = await collected.wait_for(2)

        async def offset_stored() -> bool:
            return await store.get_cursor(OFFSET_CURSOR) == "13"

        await eventually(offset_stored)
    finally:
        await adapter.stop()
    assert [e.text for e in events] == ["first", "second"]
    assert telegram_api.calls_to("deleteWebhook"), "a leftover webhook would block getUpdates"


async def test_polling_after_restart_resumes_from_the_stored_offset_without_repeats(
    telegram_api: FakeTelegramApi, store: SqliteStore
) -> None:
    before = CollectedEvents()
    telegram_api.push_update(numbered_private_update(20, "before restart"))
    first_run = TelegramChannel(settings_for(telegram_api), before.accept, store)
    await first_run.start()
    await before.wait_for(1)

    async def offset_stored() -> bool:
        return await store.get_cursor(OFFSET_CURSOR) == "21"

    await eventually(offset_stored)
    await first_run.stop()

    after = CollectedEvents()
    telegram_api.push_update(numbered_private_update(21, "after restart"))
    polls_before_restart = len(telegram_api.calls_to("getUpdates"))
    second_run = TelegramChannel(settings_for(telegram_api), after.accept, store)
    await second_run.start()
    try:
        await after.wait_for(1)
    finally:
        await second_run.stop()
    assert [e.text for e in after.events] == ["after restart"]
    assert telegram_api.calls_to("getUpdates")[polls_before_restart]["offset"] == 21


async def test_polling_batch_that_cannot_be_stored_is_fetched_again(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> None:
    collected.failures_to_come = 1
    telegram_api.push_update(numbered_private_update(30, "keep me"))
    adapter = TelegramChannel(settings_for(telegram_api), collected.accept, store)
    await adapter.start()
    try:
        await collected.wait_for(1)

        async def offset_stored() -> bool:
            return await store.get_cursor(OFFSET_CURSOR) == "31"

        await eventually(offset_stored)
    finally:
        await adapter.stop()
    assert [e.text for e in collected.events] == ["keep me"]
    offsets = [call.get("offset") for call in telegram_api.calls_to("getUpdates")]
    assert offsets[:2] == [None, None], "the offset moved before the batch was stored"


async def test_polling_answers_button_presses(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> None:
    telegram_api.push_update(load_update("callback_query"))
    adapter = TelegramChannel(settings_for(telegram_api), collected.accept, store)
    await adapter.start()
    try:
        (event,) = await collected.wait_for(1)

        async def answered() -> bool:
            return bool(telegram_api.calls_to("answerCallbackQuery"))

        await eventually(answered)
    finally:
        await adapter.stop()
    assert event.picked_option == 2


async def test_polling_survives_telegram_errors(
    telegram_api: FakeTelegramApi, collected: CollectedEvents, store: SqliteStore
) -> None:
    telegram_api.fail_next("getUpdates", BAD_GATEWAY, times=2)
    telegram_api.push_update(numbered_private_update(40, "still here"))
    adapter = TelegramChannel(settings_for(telegram_api), collected.accept, store)
    await adapter.start()
    try:
        (event,) = await collected.wait_for(1)
    finally:
        await adapter.stop()
    assert event.text == "still here"


# -- delivery -----------------------------------------------------------------------------


def private_reply(text: str = "Withdrawals take up to 24 hours.", **extra: Any) -> Reply:
    return Reply(
        channel="telegram",
        conversation_key=str(PRIVATE_CHAT),
        text=text,
        in_reply_to=f"{PRIVATE_CHAT}:1201",
        **extra,
    )


async def test_reply_is_plain_text_threaded_under_the_player_message(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    result = await channel.deliver(private_reply("Use *stars* <b>and</b> _underscores_"), 1)
    assert result.delivered and result.platform_message_id == f"{PRIVATE_CHAT}:5001"
    (sent,) = telegram_api.calls_to("sendMessage")
    assert "parse_mode" not in sent
    assert sent["chat_id"] == PRIVATE_CHAT
    assert sent["text"] == "Use *stars* <b>and</b> _underscores_"
    assert sent["reply_parameters"] == {
        "message_id": 1201,
        "allow_sending_without_reply": True,
    }


async def test_options_become_inline_buttons_with_the_number_as_callback_data(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    options = (ReplyOption(number=1, title="Yes"), ReplyOption(number=2, title="No"))
    await channel.deliver(private_reply("Did this help?", options=options), 2)
    (sent,) = telegram_api.calls_to("sendMessage")
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "1"}],
            [{"text": "No", "callback_data": "2"}],
        ]
    }


async def test_text_over_4096_characters_goes_as_several_messages(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    text = "\n\n".join(f"Step {n}: " + "verify your account " * 60 for n in range(1, 9))
    options = (ReplyOption(number=1, title="Yes"),)
    await channel.deliver(private_reply(text, options=options), 3)
    sent = telegram_api.calls_to("sendMessage")
    assert len(sent) > 1
    assert all(len(s["text"]) <= 4096 for s in sent)
    assert "\n\n".join(s["text"] for s in sent) == text
    assert "reply_parameters" in sent[0] and all("reply_parameters" not in s for s in sent[1:])
    assert "reply_markup" in sent[-1] and all("reply_markup" not in s for s in sent[:-1])


async def test_retry_after_a_failed_part_sends_only_the_missing_parts(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    text = "A" * 4000 + "\n\n" + "B" * 4000
    telegram_api.fail_next("sendMessage", BAD_GATEWAY, after=1)
    with pytest.raises(DeliveryError):
        await channel.deliver(private_reply(text), 10)
    result = await channel.deliver(private_reply(text), 10)
    assert result.delivered
    texts = [s["text"][0] for s in telegram_api.calls_to("sendMessage")]
    assert texts == ["A", "B", "B"]  # the failed B is retried, A is not sent twice


async def test_flood_control_429_asks_the_outbox_to_wait_retry_after(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.fail_next("sendMessage", TOO_MANY_REQUESTS)
    with pytest.raises(DeliveryError) as raised:
        await channel.deliver(private_reply(), 4)
    assert raised.value.retry_after == 3


async def test_bot_blocked_by_the_user_is_a_permanent_failure(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.fail_next("sendMessage", BLOCKED_BY_USER)
    result = await channel.deliver(private_reply(), 5)
    assert not result.delivered
    assert result.permanent_error == "telegram: bot was blocked by the user"


async def test_chat_not_found_is_a_permanent_failure(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.fail_next("sendMessage", CHAT_NOT_FOUND)
    result = await channel.deliver(private_reply(), 6)
    assert not result.delivered
    assert result.permanent_error == "telegram: chat not found"


async def test_bad_gateway_is_worth_a_retry(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.fail_next("sendMessage", BAD_GATEWAY)
    with pytest.raises(DeliveryError) as raised:
        await channel.deliver(private_reply(), 7)
    assert raised.value.retry_after is None
    assert (await channel.deliver(private_reply(), 7)).delivered


async def test_public_group_reply_goes_to_the_group_with_a_private_chat_link(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    reply = Reply(
        channel="telegram",
        conversation_key=f"{GROUP_CHAT}:424242002",
        text="Withdrawals take up to 24 hours. Write to us privately about your account.",
        is_public=True,
        in_reply_to=f"{GROUP_CHAT}:88002",
        private_followup="The full approved answer with account details.",
    )
    await channel.deliver(reply, 8)
    (sent,) = telegram_api.calls_to("sendMessage")
    assert sent["chat_id"] == GROUP_CHAT
    assert sent["reply_parameters"]["message_id"] == 88002
    text, link = sent["text"].split("\n\n")
    assert text == reply.text
    assert re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=q[A-Za-z0-9_-]{{22}}", link)
    assert "account details" not in sent["text"]
    await channel.deliver(reply, 8)  # a retry links to the same question
    assert telegram_api.calls_to("sendMessage")[1]["text"] == sent["text"]


async def test_answer_to_a_button_press_is_threaded_under_the_keyboard_message(
    webhook: TestClient[Any, Any], webhook_channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    assert await post_update(webhook, load_update("callback_query")) == 200
    reply = Reply(
        channel="telegram",
        conversation_key=str(PRIVATE_CHAT),
        text="Withdrawal methods: card, bank transfer, e-wallet.",
        in_reply_to="cb:1822049856310012345",
    )
    await webhook_channel.deliver(reply, 11)
    (sent,) = telegram_api.calls_to("sendMessage")
    assert sent["reply_parameters"]["message_id"] == 5001


class FakeClock:
    """Time that moves only when the pacer sleeps: the schedule is exact and instant."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def fake_clock_pacer(clock: FakeClock, **limits: float) -> SendPacer:
    values: dict[str, Any] = {
        "private_interval": 1.0,
        "group_interval": 1.0,
        "messages_per_second": 30.0,
        "group_messages_per_minute": 20,
    }
    return SendPacer(**(values | limits), clock=clock, sleep=clock.sleep)


async def send_times(pacer: SendPacer, clock: FakeClock, chats: list[int]) -> list[float]:
    """When each message (in this order) would leave, relative to the first."""
    start = clock.now
    times = []
    for chat in chats:
        await pacer.wait_turn(chat)
        times.append(round(clock.now - start, 6))
    return times


async def test_one_private_chat_gets_a_message_a_second_and_other_chats_are_not_held_up() -> None:
    clock = FakeClock()
    pacer = fake_clock_pacer(clock, messages_per_second=1000)
    times = await send_times(pacer, clock, [PRIVATE_CHAT, PRIVATE_CHAT + 1, PRIVATE_CHAT])
    assert times == [0.0, 0.001, 1.0]


async def test_a_group_gets_at_most_twenty_messages_in_any_minute() -> None:
    clock = FakeClock()
    pacer = fake_clock_pacer(clock, messages_per_second=1000)
    times = await send_times(pacer, clock, [GROUP_CHAT] * 23)
    assert times[:20] == [float(n) for n in range(20)]  # one a second while under 20/min
    assert times[20:] == [60.0, 61.0, 62.0]  # then each waits for the oldest to age out
    for index in range(20, 23):
        assert times[index] - times[index - 20] >= 60.0


async def test_a_full_group_window_does_not_hold_up_private_chats() -> None:
    clock = FakeClock()
    pacer = fake_clock_pacer(clock, messages_per_second=1000)
    slots = [pacer.reserve_chat_slot(GROUP_CHAT, clock.now) for _ in range(21)]
    assert slots[-1] - slots[0] == 60.0
    assert pacer.reserve_chat_slot(PRIVATE_CHAT, clock.now) == clock.now
    assert pacer.reserve_chat_slot(GROUP_CHAT - 1, clock.now) == clock.now


async def test_the_whole_bot_sends_at_most_thirty_messages_a_second() -> None:
    clock = FakeClock()
    pacer = fake_clock_pacer(clock)
    times = await send_times(pacer, clock, [PRIVATE_CHAT + n for n in range(61)])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap == pytest.approx(1 / 30, abs=1e-5) for gap in gaps)
    assert times[60] == pytest.approx(2.0)


async def test_concurrent_senders_to_one_chat_never_share_a_slot() -> None:
    clock = FakeClock()
    pacer = fake_clock_pacer(clock, messages_per_second=1000)
    slots = [pacer.reserve_chat_slot(PRIVATE_CHAT, clock.now) for _ in range(3)]
    assert [s - clock.now for s in slots] == [0.0, 1.0, 2.0]


async def test_the_token_never_reaches_our_logs(
    telegram_api: FakeTelegramApi,
    collected: CollectedEvents,
    store: SqliteStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bots.telegram")
    telegram_api.fail_next("getUpdates", BAD_GATEWAY)
    telegram_api.push_update(numbered_private_update(50, "hello"))
    adapter = TelegramChannel(settings_for(telegram_api), collected.accept, store)
    await adapter.start()
    try:
        await collected.wait_for(1)
    finally:
        await adapter.stop()
    assert "getUpdates failed" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(settings_for(telegram_api))


# -- configuration ------------------------------------------------------------------------


def test_adapter_satisfies_the_channel_protocol(channel: TelegramChannel) -> None:
    assert isinstance(channel, Channel)
    assert channel.name == "telegram"


def test_settings_come_from_croupier_telegram_variables() -> None:
    assert telegram_settings_from({"CROUPIER_PORT": "8080"}) is None
    settings = telegram_settings_from(
        {
            "CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN,
            "CROUPIER_TELEGRAM_MODE": "webhook",
            "CROUPIER_TELEGRAM_WEBHOOK_URL": "https://croupier.example/telegram/webhook",
            "CROUPIER_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CROUPIER_TELEGRAM_BOT_USERNAME": "@CroupierBot",
            "CROUPIER_TELEGRAM_GROUP_CHAT_INTERVAL": "2.5",
        }
    )
    assert settings is not None
    assert settings.mode == "webhook" and settings.bot_username == "CroupierBot"
    assert settings.group_chat_interval == 2.5
    assert settings.api_file_base_url == "https://api.telegram.org/file/bot"
    assert TOKEN not in repr(settings) and WEBHOOK_SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"CROUPIER_TELEGRAM_MODE": "webhook"}, "webhook_url and webhook_secret"),
        (
            {
                "CROUPIER_TELEGRAM_MODE": "webhook",
                "CROUPIER_TELEGRAM_WEBHOOK_URL": "https://croupier.example/telegram/webhook",
                "CROUPIER_TELEGRAM_WEBHOOK_SECRET": "has spaces!",
            },
            "CROUPIER_TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"CROUPIER_TELEGRAM_MODE": "push"}, "CROUPIER_TELEGRAM_MODE"),
        ({"CROUPIER_TELEGRAM_WEBHOOK_SECERT": "x"}, "CROUPIER_TELEGRAM_WEBHOOK_SECERT"),
    ],
)
def test_bad_telegram_settings_name_the_variable(variables: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named) as raised:
        telegram_settings_from({"CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN, **variables})
    assert TOKEN not in str(raised.value)


# -- files for the console ------------------------------------------------------------------


async def test_a_file_over_the_cap_is_refused_before_it_is_downloaded(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.add_file("BQACAgIAAxkBbig", "documents/file_9.pdf", b"x" * 2048)
    with pytest.raises(AttachmentTooLarge):
        await channel.fetch_attachment("BQACAgIAAxkBbig", max_bytes=1024)
    assert telegram_api.downloads == []
    fetched = await channel.fetch_attachment("BQACAgIAAxkBbig")
    assert (fetched.content, fetched.mime_type, fetched.file_name) == (
        b"x" * 2048,
        "application/pdf",
        "file_9.pdf",
    )


async def test_a_file_over_telegrams_20_mb_is_too_large(
    channel: TelegramChannel, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.add_file("BAACAgIAAxkBvideo", "videos/file_1.mp4", bytes(20 * 1024 * 1024 + 1))
    with pytest.raises(AttachmentTooLarge, match=r"(?i)file is too big"):
        await channel.fetch_attachment("BAACAgIAAxkBvideo")
    assert telegram_api.downloads == []


async def test_an_unknown_file_id_is_unavailable_and_the_error_has_no_token(
    channel: TelegramChannel,
) -> None:
    with pytest.raises(AttachmentUnavailable) as raised:
        await channel.fetch_attachment("no-such-file")
    assert "invalid file_id" in str(raised.value).lower()
    assert TOKEN not in str(raised.value)
    assert isinstance(channel, AttachmentSource)
