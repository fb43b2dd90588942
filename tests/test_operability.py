"""What an operator runs Croupier by: /healthz, /readyz, Prometheus metrics, JSON logs
with the ids that follow one event from its request to its reply."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from croupier.log_context import ContextFilter, JsonFormatter
from croupier.logging_setup import PiiMaskingFormatter
from croupier.metrics import reason_class
from tests.conftest import CONSOLE_PASSWORD, PlayerChat


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def _metrics(client: TestClient[Any, Any]) -> dict[Any, float]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return _samples(await response.text())


async def test_metrics_count_events_decisions_replies_and_duplicates(
    client: TestClient[Any, Any], player: PlayerChat
) -> None:
    await player.say("how do I verify my account?", client_message_id="dup-1")
    await player.next_reply()
    await player.say("how do I verify my account?", client_message_id="dup-1")  # a retry
    await player.say("I want to talk to a human")
    await player.next_reply()

    samples = await _metrics(client)
    for _ in range(100):  # the reply reached the socket; the outbox records it just after
        if samples[("croupier_outbox_depth", ())] == 0:
            break
        await asyncio.sleep(0.05)
        samples = await _metrics(client)

    assert samples[("croupier_events_total", (("channel", "webchat"),))] == 2
    assert samples[("croupier_events_duplicate_total", (("channel", "webchat"),))] == 1
    answered = ("croupier_decisions_total", (("kind", "answered"), ("reason", "faq")))
    assert samples[answered] == 1
    escalations = [
        value
        for (name, labels), value in samples.items()
        if name == "croupier_decisions_total" and ("kind", "escalated") in labels
    ]
    assert escalations == [1]
    assert samples[("croupier_time_to_reply_seconds_count", (("channel", "webchat"),))] == 2
    assert samples[("croupier_outbox_depth", ())] == 0
    assert samples[("croupier_outbox_oldest_age_seconds", ())] == 0
    assert samples[("croupier_dead_letters_open", ())] == 0


def test_reason_labels_stay_a_small_set() -> None:
    assert reason_class("gave up after 8 attempts: telegram: TimedOut") == (
        "gave_up_after_N_attempts"
    )
    assert reason_class("bot was blocked by the user") == "bot_was_blocked_by_the_user"
    assert reason_class("") == "unknown"
    assert len(reason_class("x" * 500)) <= 40


async def test_readyz_is_503_until_the_service_has_started(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts
) -> None:
    settings = Settings(data_dir=tmp_path / "var", faq_dir=faq_dir, bot_texts=DEFAULT_BOT_TEXTS)
    app = Croupier(settings, CONSOLE_PASSWORD, parts=decision_parts)
    async with TestClient(TestServer(app.web)) as client:
        before = await client.get("/readyz")
        before_body = await before.json()
        await app.start()
        after = await client.get("/readyz")
        after_body = await after.json()
        await app.stop()

    assert before.status == 503
    assert "starting" in before_body["problems"]
    assert "no FAQ is live" in before_body["problems"]
    assert (after.status, after_body) == (200, {"ready": True, "problems": []})


async def test_readyz_reports_a_stopped_background_task(
    croupier: Croupier, client: TestClient[Any, Any]
) -> None:
    processor = next(task for task in croupier._tasks if task.get_name() == "processor")
    processor.cancel()
    # cancel() only asks; on a busy machine the task may still be winding down when the
    # request arrives, so wait until it has actually stopped
    await asyncio.wait([processor])

    response = await client.get("/readyz")

    assert response.status == 503
    assert "processor stopped" in (await response.json())["problems"]


@pytest.fixture
def json_log_lines() -> Iterator[list[str]]:
    """The root logger writes JSON lines, as with ``CROUPIER_LOG_FORMAT=json``."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter(PiiMaskingFormatter("%(message)s")))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_json_logs_follow_one_event_from_its_request_to_its_reply(
    client: TestClient[Any, Any], player: PlayerChat, json_log_lines: list[str]
) -> None:
    response = await client.post(
        "/api/webchat/messages",
        json={"session_id": player.session_id, "client_message_id": "r1", "text": "hello"},
        headers={"X-Request-Id": "lb-7f3a"},
    )
    await player.next_reply()

    records = [json.loads(line) for line in json_log_lines]
    accepted = next(r for r in records if "accepted on webchat" in r["message"])
    event_lines = [r for r in records if r.get("event_id") == accepted.get("event_id")]

    assert response.headers["X-Request-Id"] == "lb-7f3a"
    assert accepted["request_id"] == "lb-7f3a"
    assert isinstance(accepted["event_id"], int) and accepted["event_id"] > 0
    assert any("webchat" in r["message"] and r is not accepted for r in event_lines), records
    assert all({"ts", "level", "logger", "message"} <= r.keys() for r in records)


async def test_json_logs_mask_personal_data_like_text_logs(json_log_lines: list[str]) -> None:
    logging.getLogger("croupier.test").info("player wrote %s", "mail me at jan@example.com")

    assert json.loads(json_log_lines[-1])["message"] == "player wrote mail me at [email]"


async def test_a_made_up_request_id_is_replaced_by_a_safe_one(
    client: TestClient[Any, Any],
) -> None:
    for made_up in ("<script>alert(1)</script>", "x" * 500):
        response = await client.get("/healthz", headers={"X-Request-Id": made_up})

        assert response.headers["X-Request-Id"] != made_up
        assert response.headers["X-Request-Id"].isalnum()


@pytest.fixture
async def strict_client(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts
) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(
        data_dir=tmp_path / "var",
        faq_dir=faq_dir,
        bot_texts=DEFAULT_BOT_TEXTS,
        player_burst=3,
        player_messages_per_minute=1,
    )
    app = Croupier(settings, CONSOLE_PASSWORD, parts=decision_parts)
    await app.start()
    async with TestClient(TestServer(app.web)) as client:
        client.app_under_test = app  # type: ignore[attr-defined]
        yield client
    await app.stop()


async def test_a_flooding_player_is_limited_while_others_are_answered(
    strict_client: TestClient[Any, Any],
) -> None:
    app: Croupier = strict_client.app_under_test  # type: ignore[attr-defined]
    flooder = PlayerChat(strict_client, "flooding-player")
    calm = PlayerChat(strict_client, "calm-player")
    await flooder.connect()
    await calm.connect()

    for number in range(12):
        await flooder.say(f"spin {number} hello?")
    await calm.say("how do I verify my account?")
    calm_reply = await calm.next_reply()
    await app.processor.idle.wait()
    letters = await app.store.dead_letters()
    counts = await app.store.event_status_counts()
    await flooder.close()
    await calm.close()

    assert calm_reply["text"]
    assert len(letters) == 9
    assert {letter.reason for letter in letters} == {
        "rate limited: more than 3 messages at once or 1 a minute from this player"
    }
    assert counts.get("dead") == 9 and counts.get("accepted", 0) == 0
    assert sum(counts.values()) == 13, "the flood is stored, not dropped"
