"""Platform faults through the whole runtime: the outbox retries, gives up with a reason,
and a platform that hangs holds up only its own conversations.

The real adapters talk HTTP to the fake platforms, which are scripted to fail; what counts
is what the fake platform accepted (``delivered``), i.e. what the player actually has.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from croupier.outbox import backoff_delay
from tests.conftest import CONSOLE_PASSWORD, PlayerChat
from tests.fakes.graph_api import FakeGraphApi, slow_success
from tests.fakes.telegram_api import (
    BAD_GATEWAY,
    DROP,
    HANG,
    INTERNAL_ERROR,
    SERVICE_UNAVAILABLE,
    ApiFailure,
    FakeTelegramApi,
)
from tests.test_meta_channel import (
    meta_payload,
)
from tests.test_meta_end_to_end import _post, _wait_for_requests, meta_environment
from tests.test_telegram_end_to_end import private_text, sent_messages, telegram_environment

SEND_TIMEOUT = 0.5
MAX_ATTEMPTS = 3


def _settings(tmp_path: Path, faq_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "outbox_send_timeout_seconds": SEND_TIMEOUT,
        "outbox_backoff_seconds": 0.05,
        "outbox_max_attempts": MAX_ATTEMPTS,
    }
    return Settings(
        data_dir=tmp_path / "var",
        faq_dir=faq_dir,
        bot_texts=DEFAULT_BOT_TEXTS,
        **(values | overrides),
    )


@pytest.fixture
async def telegram_croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, telegram_api: FakeTelegramApi
) -> AsyncIterator[Croupier]:
    environment = telegram_environment(telegram_api)
    app = Croupier(
        _settings(tmp_path, faq_dir),
        CONSOLE_PASSWORD,
        parts=decision_parts,
        channel_environment=environment,
    )
    await app.start()
    yield app
    await app.stop()


async def _outbox_settled(app: Croupier, seconds: float = 10.0) -> list[tuple[str, int, str]]:
    """(status, attempts, last_error) of every outbox row once none is pending or sending."""
    deadline = time.monotonic() + seconds
    while True:
        rows = _outbox_rows(app)
        if all(status in ("sent", "dead") for status, _, _ in rows) and rows:
            return rows
        assert time.monotonic() < deadline, rows
        await asyncio.sleep(0.05)


def _outbox_rows(app: Croupier) -> list[tuple[str, int, str]]:
    with sqlite3.connect(app.settings.database_path) as db:
        return [
            (status, attempts, error or "")
            for status, attempts, error in db.execute(
                "SELECT status, attempts, last_error FROM outbox ORDER BY id"
            )
        ]


@pytest.mark.parametrize(
    "fault",
    [INTERNAL_ERROR, BAD_GATEWAY, SERVICE_UNAVAILABLE, HANG, DROP],
    ids=["500", "502", "503", "hang-past-timeout", "dropped-connection"],
)
async def test_a_passing_platform_fault_is_retried_and_the_player_gets_the_answer_once(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi, fault: ApiFailure
) -> None:
    telegram_api.fail_next("sendMessage", fault, times=MAX_ATTEMPTS - 1)
    telegram_api.push_update(private_text(1001, "how do I verify my account?"))

    await sent_messages(telegram_api, MAX_ATTEMPTS)
    rows = await _outbox_settled(telegram_croupier)

    assert len(telegram_api.delivered) == 1
    assert rows == [("sent", MAX_ATTEMPTS, rows[0][2])], "attempts count the successful one"
    assert rows[0][2], "the last error is kept for moderators"


async def test_429_waits_for_the_retry_after_telegram_gives(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.fail_next(
        "sendMessage", ApiFailure(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    )
    telegram_api.push_update(private_text(1002, "what are your support hours?"))

    await sent_messages(telegram_api, 2)
    calls = [c for c in telegram_api.calls if c.method == "sendMessage"]

    assert len(telegram_api.delivered) == 1
    assert len(calls) == 2
    assert (await _outbox_settled(telegram_croupier))[0][:2] == ("sent", 2)


async def test_a_fault_that_never_passes_ends_in_a_dead_letter_with_its_reason(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.fail_next("sendMessage", BAD_GATEWAY, times=MAX_ATTEMPTS)
    telegram_api.push_update(private_text(1003, "how long does a withdrawal take?"))

    rows = await _outbox_settled(telegram_croupier)

    assert telegram_api.delivered == []
    assert rows[0][0] == "dead"
    assert rows[0][2].startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    letters = await telegram_croupier.store.dead_letters()
    assert [letter.reason for letter in letters] == [rows[0][2]]


async def test_later_reply_waits_while_an_earlier_one_of_the_conversation_is_retried(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    """Regression: a reply due now used to overtake an earlier one waiting for its retry."""
    telegram_api.fail_next("sendMessage", BAD_GATEWAY, times=2)
    telegram_api.push_update(private_text(1004, "how do I verify my account?"))
    await sent_messages(telegram_api, 1)  # the first answer failed and waits for its retry
    telegram_api.push_update(private_text(1005, "what are your support hours?"))

    await _outbox_settled(telegram_croupier)

    answered = [params["reply_parameters"]["message_id"] for params in telegram_api.delivered]
    assert answered == [1004, 1005]


def test_backoff_doubles_per_attempt_with_jitter_and_a_cap() -> None:
    random.seed(3)
    delays = [backoff_delay(attempt, base=1.0) for attempt in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        nominal = min(300.0, 2 ** (attempt - 1))
        assert 0.8 * nominal <= delay <= 1.2 * nominal
    assert len({round(backoff_delay(3), 6) for _ in range(20)}) > 1, "jittered"


@pytest.fixture
async def two_channel_client(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, graph: FakeGraphApi
) -> AsyncIterator[TestClient[Any, Any]]:
    environment = meta_environment(graph)
    app = Croupier(
        _settings(tmp_path, faq_dir, outbox_send_timeout_seconds=3.0),
        CONSOLE_PASSWORD,
        parts=decision_parts,
        channel_environment=environment,
    )
    await app.start()
    async with TestClient(TestServer(app.web)) as client:
        client.app_under_test = app  # type: ignore[attr-defined]
        yield client
    await app.stop()


async def test_a_hanging_platform_does_not_hold_up_another_channels_replies(
    two_channel_client: TestClient[Any, Any], graph: FakeGraphApi
) -> None:
    """Meta hangs; web chat players are answered while Meta's send is still under way."""
    app: Croupier = two_channel_client.app_under_test  # type: ignore[attr-defined]
    graph.script("/v21.0/me/messages", slow_success(2.5))
    assert await _post(two_channel_client, meta_payload("messenger_text")) == 200
    await _wait_for_requests(graph, "/v21.0/me/messages", 1)

    player = PlayerChat(two_channel_client, "isolation-1")
    await player.connect()
    await player.say("how do I verify my account?")
    reply = await player.next_reply()
    meta_row_while_webchat_answered = _outbox_rows(app)[0]
    await player.close()

    assert reply["text"]
    status, attempts, _ = meta_row_while_webchat_answered
    assert status != "sent" and attempts == 0, (
        "web chat was answered only after Meta's send ended (or timed out)"
    )
    assert len(graph.sent_to("/v21.0/me/messages")) == 1
