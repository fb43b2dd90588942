"""A Telegram player against the whole service: fake Bot API ⇄ adapter ⇄ real runtime.

Telegram is enabled by its settings (``CROUPIER_TELEGRAM_*``), the composition root builds
and registers the adapter, and the adapter polls the fake Bot API. A moderator opens a player's photo or document
through the console, which fetches it with getFile and the file download (PTB) and
passes the bytes on behind the console login: the bot token, which is in every Telegram
file URL, must never reach a browser.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from croupier.store.models import TicketStatus, TicketSummary
from tests.conftest import CONSOLE_PASSWORD, Moderator, faq_answer, phrase
from tests.fakes.telegram_api import BOT_USERNAME, TOKEN, FakeTelegramApi, load_update


def telegram_environment(api: FakeTelegramApi) -> dict[str, str]:
    """Settings that enable Telegram (polling the fake Bot API, no pacing waits)."""
    return {
        "CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN,
        "CROUPIER_TELEGRAM_API_BASE_URL": api.base_url,
        "CROUPIER_TELEGRAM_POLL_TIMEOUT": "1",
        "CROUPIER_TELEGRAM_POLL_RETRY_SECONDS": "0.05",
        "CROUPIER_TELEGRAM_PRIVATE_CHAT_INTERVAL": "0",
        "CROUPIER_TELEGRAM_GROUP_CHAT_INTERVAL": "0",
    }


@pytest.fixture
async def telegram_croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, telegram_api: FakeTelegramApi
) -> AsyncIterator[Croupier]:
    """Croupier with Telegram enabled the way an operator does it: by its settings."""
    environment = telegram_environment(telegram_api)
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
    link = answer["text"].rsplit("\n\n", 1)[1]
    assert link.startswith(f"https://t.me/{BOT_USERNAME}?start=q")
    assert "reply_markup" not in answer


def tap_deep_link(update_id: int, link: str, user_id: int) -> dict[str, Any]:
    """What Telegram sends when a user opens ``t.me/<bot>?start=<payload>``: the private
    chat starts with ``/start <payload>``."""
    update = private_text(update_id, "/start " + link.split("?start=", 1)[1])
    update["message"]["entities"] = [{"offset": 0, "length": 6, "type": "bot_command"}]
    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = user_id
    update["message"]["from"]["language_code"] = "de"
    return update


async def test_the_deep_link_delivers_the_full_answer_privately_once_and_only_to_the_asker(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    telegram_api.push_update(load_update("group_mention"))  # asked by user 424242002
    (public,) = await sent_messages(telegram_api, 1)
    link = public["text"].rsplit("\n\n", 1)[1]
    full = faq_answer(telegram_croupier, "withdrawal-time", "en")
    assert full.split("\n\n")[0] not in public["text"]

    telegram_api.push_update(tap_deep_link(20, link, user_id=555000111))  # somebody else
    _, stranger = await sent_messages(telegram_api, 2)
    assert stranger["chat_id"] == 555000111
    assert stranger["text"] == phrase(telegram_croupier, "greeting", "de")

    telegram_api.push_update(tap_deep_link(21, link, user_id=424242002))
    *_, private = await sent_messages(telegram_api, 3)
    assert private["chat_id"] == 424242002
    assert private["text"] == full  # the whole approved answer, in the question's language
    assert private["reply_parameters"]["message_id"] == 21
    assert [row[0]["callback_data"] for row in private["reply_markup"]["inline_keyboard"]] == [
        "1",
        "2",
    ]

    telegram_api.push_update(tap_deep_link(22, link, user_id=424242002))  # tapped again
    *_, again = await sent_messages(telegram_api, 4)
    assert again["chat_id"] == 424242002
    assert again["text"] != full


def private_media(update_id: int, field: str, media: dict[str, Any]) -> dict[str, Any]:
    update = private_text(update_id, "")
    del update["message"]["text"]
    update["message"][field] = media
    return update


async def test_a_sticker_asks_for_words_and_a_photo_goes_to_a_person(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi
) -> None:
    sticker = {
        "file_id": "CAACAgIAAxkBsticker",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    telegram_api.push_update(private_media(10, "sticker", sticker))
    (asked,) = await sent_messages(telegram_api, 1)
    assert asked["text"] == phrase(telegram_croupier, "media_not_read")
    assert asked["reply_parameters"]["message_id"] == 10
    assert await telegram_croupier.store.list_tickets(TicketStatus.OPEN) == []

    photo = load_update("photo")
    photo["update_id"] = 11
    telegram_api.push_update(photo)
    _, received = await sent_messages(telegram_api, 2)
    assert received["text"] == phrase(telegram_croupier, "attachment_received", "pl")
    (ticket,) = await telegram_croupier.store.list_tickets(TicketStatus.OPEN)
    assert ticket.reason == "documents"


# -- players' files in the console ------------------------------------------------------

PHOTO_FILE_ID = "AgACAgIAAxkBAAIBY2large"
PHOTO_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40
DOCUMENT_FILE_ID = "BQACAgIAAxkBAAIBZGdocument"
DOCUMENT_BYTES = b"%PDF-1.7\n<script>alert(1)</script>\n%%EOF\n"


@pytest.fixture
async def web(telegram_croupier: Croupier) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(telegram_croupier.web)) as client:
        yield client


@pytest.fixture
async def moderator(web: TestClient[Any, Any]) -> Moderator:
    signed_in = Moderator(web)
    await signed_in.sign_in()
    return signed_in


async def open_ticket(croupier: Croupier, count: int = 1) -> list[TicketSummary]:
    deadline = time.monotonic() + 10
    while True:
        tickets = await croupier.store.list_tickets(TicketStatus.OPEN)
        if len(tickets) >= count:
            return tickets
        assert time.monotonic() < deadline, "no ticket opened"
        await asyncio.sleep(0.02)


async def photo_ticket(croupier: Croupier, api: FakeTelegramApi) -> TicketSummary:
    api.add_file(PHOTO_FILE_ID, "photos/file_17.jpg", PHOTO_BYTES)
    api.push_update(load_update("photo"))
    (ticket,) = await open_ticket(croupier)
    assert ticket.reason == "documents"
    return ticket


async def listed(web: TestClient[Any, Any], ticket_id: int) -> list[dict[str, Any]]:
    response = await web.get(f"/console/api/tickets/{ticket_id}/attachments")
    assert response.status == 200
    assert TOKEN not in await response.text()
    return (await response.json())["attachments"]


async def test_a_moderator_sees_the_players_photo_fetched_by_the_server(
    telegram_croupier: Croupier,
    telegram_api: FakeTelegramApi,
    web: TestClient[Any, Any],
    moderator: Moderator,
) -> None:
    ticket = await photo_ticket(telegram_croupier, telegram_api)
    (photo,) = await listed(web, ticket.id)
    assert (photo["kind"], photo["index"], photo["inline"]) == ("photo", 0, True)

    response = await web.get(photo["url"])
    assert response.status == 200
    assert await response.read() == PHOTO_BYTES
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert telegram_api.calls_to("getFile") == [{"file_id": PHOTO_FILE_ID}]
    assert telegram_api.downloads == ["photos/file_17.jpg"]
    assert all(TOKEN not in value for value in response.headers.values())

    detail = await moderator.ticket(ticket.id)
    assert "[photo]" in detail["messages"][0]["text"]
    page = await web.get("/console")
    for text in (str(detail), await page.text()):
        assert TOKEN not in text
    entries = await telegram_croupier.store.audit_entries(actor="moderator")
    assert "attachment_opened" in [entry.action for entry in entries]


async def test_signed_out_nobody_gets_the_file_nor_the_list(
    telegram_croupier: Croupier, telegram_api: FakeTelegramApi, web: TestClient[Any, Any]
) -> None:
    ticket = await photo_ticket(telegram_croupier, telegram_api)
    events = await telegram_croupier.store.conversation_attachments(ticket.conversation_id)
    url = f"/console/api/tickets/{ticket.id}/events/{events[0].id}/attachments/0"
    for path in (url, f"/console/api/tickets/{ticket.id}/attachments"):
        response = await web.get(path)
        assert response.status == 401
        assert PHOTO_BYTES not in await response.read()
    assert telegram_api.calls_to("getFile") == []


async def test_a_document_is_a_download_of_opaque_bytes_never_shown_inline(
    telegram_croupier: Croupier,
    telegram_api: FakeTelegramApi,
    web: TestClient[Any, Any],
    moderator: Moderator,
) -> None:
    telegram_api.add_file(DOCUMENT_FILE_ID, "documents/file_3.pdf", DOCUMENT_BYTES)
    document = load_update("document")
    document["message"]["document"]["file_name"] = 'statement"; x=.html'
    document["message"]["document"]["mime_type"] = "text/html"  # the player's claim
    telegram_api.push_update(document)
    (ticket,) = await open_ticket(telegram_croupier)
    (listed_document,) = await listed(web, ticket.id)
    assert listed_document["inline"] is False

    response = await web.get(listed_document["url"])
    assert await response.read() == DOCUMENT_BYTES
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == 'attachment; filename="statement_x_.html"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_event_of_another_ticket_is_not_reachable_through_this_one(
    telegram_croupier: Croupier,
    telegram_api: FakeTelegramApi,
    web: TestClient[Any, Any],
    moderator: Moderator,
) -> None:
    ticket = await photo_ticket(telegram_croupier, telegram_api)
    (photo,) = await listed(web, ticket.id)
    other = load_update("private_text")  # another player, another conversation
    other["update_id"] = 99
    other["message"]["chat"]["id"] = other["message"]["from"]["id"] = 555000111
    other["message"]["text"] = "I want to close my account"
    telegram_api.push_update(other)
    tickets = await open_ticket(telegram_croupier, 2)
    (other_ticket,) = [t for t in tickets if t.id != ticket.id]

    borrowed = photo["url"].replace(f"/tickets/{ticket.id}/", f"/tickets/{other_ticket.id}/")
    response = await web.get(borrowed)
    assert response.status == 404
    missing = await web.get(photo["url"].removesuffix("/0") + "/1")
    assert missing.status == 404
    assert telegram_api.calls_to("getFile") == []


async def test_a_file_telegram_no_longer_has_is_a_502_without_the_token(
    telegram_croupier: Croupier,
    telegram_api: FakeTelegramApi,
    web: TestClient[Any, Any],
    moderator: Moderator,
) -> None:
    telegram_api.push_update(load_update("photo"))  # no file behind the id
    (ticket,) = await open_ticket(telegram_croupier)
    (photo,) = await listed(web, ticket.id)
    response = await web.get(photo["url"])
    assert response.status == 502
    assert TOKEN not in await response.text()


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
