"""A Telegram player against the whole service: fake Bot API ⇄ adapter ⇄ real runtime.

Telegram is enabled by its settings (``CROUPIER_TELEGRAM_*``), the composition root builds
and registers the adapter, and the adapter polls the fake Bot API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from tests.conftest import CONSOLE_PASSWORD, faq_answer, phrase
from tests.fakes.telegram_api import BOT_USERNAME, TOKEN, FakeTelegramApi, load_update


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def telegram_croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, telegram_api: FakeTelegramApi
) -> AsyncIterator[Croupier]:
    """Croupier with Telegram enabled the way an operator does it: by its settings."""
    environment = {
        "CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN,
        "CROUPIER_TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "CROUPIER_TELEGRAM_POLL_TIMEOUT": "1",
        "CROUPIER_TELEGRAM_POLL_RETRY_SECONDS": "0.05",
        "CROUPIER_TELEGRAM_PRIVATE_CHAT_INTERVAL": "0",
        "CROUPIER_TELEGRAM_GROUP_CHAT_INTERVAL": "0",
    }
    settings = Settings(data_dir=tmp_path / "var", faq_dir=faq_dir, bot_texts=DEFAULT_BOT_TEXTS)
    app = Croupier(
        settings, CONSOLE_PASSWORD, parts=decision_parts, channel_environment=environment
    )
    await app.start()
    yield app
    await app.stop()


async def sent_messages(api: FakeTelegramApi, count: int, seconds: float = 10.0) -> list[Any]:
    deadline = time.monotonic() + seconds
    while len(api.calls_to("sendMessage")) < count:
        assert time.monotonic() < deadline, api.calls_to("sendMessage")
        await asyncio.sleep(0.02)
    return api.calls_to("sendMessage")


def private_text(update_id: int, text: str) -> dict[str, Any]:
    update = load_update("private_text")
    update["update_id"] = update_id
    update["message"]["message_id"] = update_id
    update["message"]["text"] = text
    update["message"]["from"]["language_code"] = "en"
    return update


async def test_private_question_gets_the_faq_answer_with_feedback_buttons_then_thanks(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.push_update(private_text(1, "how long does a withdrawal take?"))
    (answer,) = await sent_messages(telegram_api, 1)
    assert answer["text"] == faq_answer(telegram_croupier, "withdrawal-time", "en")
    assert answer["reply_parameters"]["message_id"] == 1
    buttons = [row[0]["callback_data"] for row in answer["reply_markup"]["inline_keyboard"]]
    assert buttons == ["1", "2"]

    press = load_update("callback_query")
    press["callback_query"]["data"] = "1"
    press["callback_query"]["message"]["message_id"] = 5001
    press["callback_query"]["message"]["reply_markup"] = answer["reply_markup"]
    telegram_api.push_update(press)
    _, thanks = await sent_messages(telegram_api, 2)
    assert thanks["text"] == phrase(telegram_croupier, "feedback_thanks")
    assert telegram_api.calls_to("answerCallbackQuery")


async def test_group_mention_gets_a_public_answer_with_a_private_chat_link(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.push_update(load_update("group_mention"))
    (answer,) = await sent_messages(telegram_api, 1)
    assert answer["chat_id"] == -1001234567890
    assert answer["reply_parameters"]["message_id"] == 88002
    assert answer["text"].endswith(f"https://t.me/{BOT_USERNAME}?start=help")
    assert "reply_markup" not in answer


async def test_an_update_ptb_cannot_parse_is_skipped_and_polling_goes_on(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression (found by tests/test_fuzz_parsers.py): ``get_updates`` raised OSError for
    a date past the platform's range, outside the TelegramError the poller caught; the
    polling task ended silently and the bot never read another update. Now that batch is
    read update by update: readable ones answered, the unreadable one skipped and logged."""
    poison = private_text(1, "hello there")
    poison["message"]["date"] = 10**17
    telegram_api.push_update(poison)
    telegram_api.push_update(private_text(2, "how long does a withdrawal take?"))
    with caplog.at_level(logging.ERROR, logger="bots.telegram.channel"):
        (answer,) = await sent_messages(telegram_api, 1)
        assert answer["text"] == faq_answer(telegram_croupier, "withdrawal-time", "en")
        telegram_api.push_update(private_text(3, "how do free spins work on your slots?"))
        _, second = await sent_messages(telegram_api, 2)
    assert second["reply_parameters"]["message_id"] == 3
    assert "update 1 cannot be read (OSError); skipped" in caplog.text
