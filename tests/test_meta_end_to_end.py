"""Meta through the whole runtime: signed webhook → store → decision → outbox → Graph API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from croupier.store.models import TicketStatus
from tests.conftest import CONSOLE_PASSWORD, phrase
from tests.fakes.graph_api import FakeGraphApi, RecordedRequest
from tests.test_meta_channel import (
    APP_SECRET,
    PAGE_ID,
    PAGE_TOKEN,
    VERIFY_TOKEN,
    meta_payload,
    signature,
)

MESSAGES = "/v21.0/me/messages"


def meta_environment(graph: FakeGraphApi) -> dict[str, str]:
    """Settings that enable Meta, sending to the fake Graph API."""
    return {
        "CROUPIER_META_APP_SECRET": APP_SECRET,
        "CROUPIER_META_VERIFY_TOKEN": VERIFY_TOKEN,
        "CROUPIER_META_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "CROUPIER_META_PAGE_ID": PAGE_ID,
        "CROUPIER_META_GRAPH_BASE_URL": graph.url,
    }


@pytest.fixture
async def meta_croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, graph: FakeGraphApi
) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(data_dir=tmp_path / "var", faq_dir=faq_dir, bot_texts=DEFAULT_BOT_TEXTS)
    environment = meta_environment(graph)
    app = Croupier(
        settings, CONSOLE_PASSWORD, parts=decision_parts, channel_environment=environment
    )
    await app.start()
    async with TestClient(TestServer(app.web)) as client:
        client.app_under_test = app  # type: ignore[attr-defined]
        yield client
    await app.stop()


async def _post(client: TestClient[Any, Any], payload: dict[str, Any]) -> int:
    body = json.dumps(payload).encode()
    response = await client.post(
        "/meta/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature(body)},
    )
    return response.status


async def _wait_for_requests(graph: FakeGraphApi, path: str, count: int) -> list[RecordedRequest]:
    for _ in range(200):
        sent = graph.sent_to(path)
        if len(sent) >= count:
            return sent
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} requests to {path}, got {graph.sent_to(path)}")


async def test_messenger_question_is_answered_in_the_dm_through_the_send_api(
    meta_croupier: TestClient[Any, Any], graph: FakeGraphApi
) -> None:
    assert await _post(meta_croupier, meta_payload("messenger_text")) == 200
    [sent] = await _wait_for_requests(graph, MESSAGES, 1)
    assert sent.json["recipient"] == {"id": "7100000000000001"}
    assert sent.json["messaging_type"] == "RESPONSE"
    assert sent.json["message"]["text"].startswith("After you request a withdrawal")
    assert [q["payload"] for q in sent.json["message"]["quick_replies"]] == ["1", "2"]


async def test_public_comment_gets_public_answer_and_one_private_reply(
    meta_croupier: TestClient[Any, Any], graph: FakeGraphApi
) -> None:
    payload = meta_payload("page_feed_comment")
    assert await _post(meta_croupier, payload) == 200
    assert await _post(meta_croupier, payload) == 200  # Meta's retry of the same delivery
    comment = "880000000000001_990000000000001"
    [public] = await _wait_for_requests(graph, f"/v21.0/{comment}/comments", 1)
    [private] = await _wait_for_requests(graph, MESSAGES, 1)
    assert "DM" in public.json["message"] or "private" in public.json["message"].lower()
    assert private.json["recipient"] == {"comment_id": comment}
    assert private.json["message"]["text"].startswith("After you request a withdrawal")
    await asyncio.sleep(0.3)
    assert len(graph.sent_to(MESSAGES)) == 1, "answered once despite the duplicate delivery"


async def test_unsigned_webhook_is_refused_and_nothing_is_stored(
    meta_croupier: TestClient[Any, Any],
) -> None:
    response = await meta_croupier.post("/meta/webhook", json=meta_payload("messenger_text"))
    assert response.status == 403
    app: Croupier = meta_croupier.app_under_test  # type: ignore[attr-defined]
    assert await app.store.event_status_counts() == {}


async def test_comment_exposing_a_card_number_is_hidden_explained_privately_and_escalated(
    meta_croupier: TestClient[Any, Any], graph: FakeGraphApi
) -> None:
    app: Croupier = meta_croupier.app_under_test  # type: ignore[attr-defined]
    assert await _post(meta_croupier, meta_payload("page_feed_comment_personal_data")) == 200
    comment = "880000000000001_990000000000007"
    [private] = await _wait_for_requests(graph, MESSAGES, 1)
    paths = [r.path for r in graph.requests]
    assert paths == [f"/v21.0/{comment}", f"/v21.0/{comment}/comments", MESSAGES]
    assert graph.requests[0].query["is_hidden"] == "true"
    assert graph.requests[1].json == {"message": phrase(app, "public_private_invite")}
    assert private.json == {
        "recipient": {"comment_id": comment},
        "message": {"text": phrase(app, "personal_data_hidden")},
    }
    everything_sent = json.dumps([r.json for r in graph.requests])
    assert "4111" not in everything_sent and "jan.kowalski" not in everything_sent
    [ticket] = await app.store.list_tickets(TicketStatus.OPEN)
    assert ticket.reason == "personal_data" and ticket.is_public


async def test_instagram_comment_with_a_phone_number_is_hidden(
    meta_croupier: TestClient[Any, Any], graph: FakeGraphApi
) -> None:
    assert await _post(meta_croupier, meta_payload("instagram_comment_personal_data")) == 200
    await _wait_for_requests(graph, MESSAGES, 1)
    [hide] = graph.sent_to("/v21.0/17900000000000009")
    assert hide.query["hide"] == "true"


async def test_comment_with_a_photo_that_may_show_a_document_is_hidden(
    meta_croupier: TestClient[Any, Any], graph: FakeGraphApi
) -> None:
    assert await _post(meta_croupier, meta_payload("page_feed_comment_photo")) == 200
    await _wait_for_requests(graph, MESSAGES, 1)
    [hide] = graph.sent_to("/v21.0/880000000000001_990000000000008")
    assert hide.query["is_hidden"] == "true"
