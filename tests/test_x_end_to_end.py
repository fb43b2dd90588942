"""X through the whole runtime: tweepy polls a fake X, Croupier decides, tweepy replies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from tests.conftest import CONSOLE_PASSWORD, faq_answer
from tests.fakes.x_api import FakeXApi, dm_path, dm_refused

ACCOUNT = "1500000000000000001"
PLAYER = "1600000000000000077"
MENTION_ID = "1870000000000000001"


def _mention(text: str) -> dict[str, object]:
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "data": [
            {
                "id": MENTION_ID,
                "text": f"@LuckyOrbitCasino {text}",
                "author_id": PLAYER,
                "conversation_id": MENTION_ID,
                "created_at": now,
                "lang": "en",
            }
        ],
        "includes": {"users": [{"id": PLAYER, "name": "Lena", "username": "lucky_lena"}]},
        "meta": {"newest_id": MENTION_ID, "oldest_id": MENTION_ID, "result_count": 1},
    }


@pytest.fixture
async def x_api() -> AsyncIterator[FakeXApi]:
    async with FakeXApi(ACCOUNT) as fake:
        yield fake


@pytest.fixture
async def x_croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, x_api: FakeXApi
) -> AsyncIterator[Croupier]:
    environment = {
        "CROUPIER_X_CONSUMER_KEY": "test-consumer-key",
        "CROUPIER_X_CONSUMER_SECRET": "test-consumer-secret",
        "CROUPIER_X_ACCESS_TOKEN": f"{ACCOUNT}-testAccessToken",
        "CROUPIER_X_ACCESS_TOKEN_SECRET": "test-access-token-secret",
        "CROUPIER_X_ACCOUNT_ID": ACCOUNT,
        "CROUPIER_X_API_BASE_URL": x_api.url,
        "CROUPIER_X_POLL_INTERVAL_SECONDS": "1",
    }
    settings = Settings(data_dir=tmp_path / "var", faq_dir=faq_dir, bot_texts=DEFAULT_BOT_TEXTS)
    app = Croupier(
        settings, CONSOLE_PASSWORD, parts=decision_parts, channel_environment=environment
    )
    await app.start()
    yield app
    await app.stop()


async def _wait(predicate, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def test_mention_gets_full_answer_by_dm_and_short_public_reply(
    x_croupier: Croupier, x_api: FakeXApi
) -> None:
    x_api.add_mentions(_mention("how long does a withdrawal take?"))
    await _wait(lambda: bool(x_api.tweets_posted()))
    [dm] = x_api.sent_to(dm_path(PLAYER))
    assert dm.json["text"] == faq_answer(x_croupier, "withdrawal-time", "en").split("\n\n")[0]
    [tweet] = x_api.tweets_posted()
    assert tweet["reply"]["in_reply_to_tweet_id"] == MENTION_ID
    assert len(tweet["text"]) <= 280


async def test_player_with_closed_dms_is_told_publicly_how_to_reach_support(
    x_croupier: Croupier, x_api: FakeXApi
) -> None:
    x_api.script(dm_path(PLAYER), dm_refused())
    x_api.add_mentions(_mention("what is the minimum deposit?"))
    await _wait(lambda: bool(x_api.tweets_posted()))
    [tweet] = x_api.tweets_posted()
    responder = x_croupier.content.responder
    assert responder is not None
    assert responder.texts.get("public_contact_hint", "en") in tweet["text"]
