"""The whole path over real HTTP: web chat → store → decision → outbox → WebSocket,
and the moderator console's reply back to the player."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from croupier.app import Croupier
from tests.conftest import Moderator, PlayerChat, faq_answer, phrase

BOTH_STORES = True
"""Every test here that uses the store runs on SQLite and on PostgreSQL (tests/conftest.py)."""


@pytest.mark.parametrize(
    ("lang", "question", "entry_id"),
    [
        ("en", "How long does a withdrawal take to arrive?", "withdrawal-time"),
        ("pl", "Jakie dokumenty muszę przesłać do weryfikacji konta?", "verification-documents"),
        ("ru", "Как получить приветственный бонус на первый депозит?", "bonus-welcome"),
        ("de", "Welche Zahlungsmethoden kann ich für eine Einzahlung nutzen?", "deposit-methods"),
        ("fr", "Comment participer à un tournoi et gagner des prix ?", "tournaments"),
    ],
)
async def test_question_in_each_language_gets_the_approved_answer_in_that_language(
    croupier: Croupier, player: PlayerChat, lang: str, question: str, entry_id: str
) -> None:
    await player.say(question)
    reply = await player.next_reply()
    assert reply["author"] == "bot"
    assert reply["text"] == faq_answer(croupier, entry_id, lang)


async def test_escalation_reaches_console_and_moderator_reply_reaches_player(
    player: PlayerChat, moderator: Moderator
) -> None:
    await player.say("I want to talk to a real person please, not a bot")
    holding = await player.next_reply()
    assert holding["author"] == "bot"

    tickets = await moderator.open_tickets()
    assert len(tickets) == 1
    ticket = tickets[0]
    assert ticket["reason"] == "human_request"
    assert ticket["channel"] == "webchat"
    assert ticket["lang"] == "en"
    detail = await moderator.ticket(ticket["id"])
    assert detail["messages"][0] == {
        "author": "player",
        "text": "I want to talk to a real person please, not a bot",
        "at": detail["messages"][0]["at"],
    }

    assert (
        await moderator.reply(ticket["id"], "Hi, this is Anna from support. How can I help?")
        == 202
    )
    reply = await player.next_reply()
    assert reply == {
        "type": "reply",
        "reply_id": reply["reply_id"],
        "text": "Hi, this is Anna from support. How can I help?",
        "author": "moderator",
        "options": [],
    }


async def test_bot_stays_silent_during_handoff_and_answers_again_after_close(
    croupier: Croupier, player: PlayerChat, moderator: Moderator
) -> None:
    await player.say("I want to talk to a real person please")
    await player.next_reply()
    await player.say("hello? how long does a withdrawal take?")
    followup = await player.next_reply()
    assert followup["text"] == phrase(croupier, "holding_followup")
    await player.say("anyone there?")
    assert await player.no_reply_within(1.0), "the bot must not talk over a person"

    ticket_id = (await moderator.open_tickets())[0]["id"]
    transcript = (await moderator.ticket(ticket_id))["messages"]
    assert [m["text"] for m in transcript if m["author"] == "player"][-1] == "anyone there?"
    assert await moderator.close(ticket_id) == 200
    closing = await player.next_reply()
    assert closing["text"] == phrase(croupier, "moderator_closed")

    await player.say("how long does a withdrawal take?")
    answer = await player.next_reply()
    assert answer["text"] == faq_answer(croupier, "withdrawal-time", "en")


async def test_duplicate_delivery_is_acknowledged_and_answered_once(
    croupier: Croupier, player: PlayerChat
) -> None:
    first = await player.say("what is the minimum deposit?", client_message_id="retry-1")
    second = await player.say("what is the minimum deposit?", client_message_id="retry-1")
    assert second == {"event_id": first["event_id"], "duplicate": True}
    await player.next_reply()
    assert await player.no_reply_within(1.0)
    assert await croupier.store.event_status_counts() == {"answered": 1}


async def test_reconnecting_chat_receives_missed_replies_once(
    client: TestClient[Any, Any], croupier: Croupier
) -> None:
    chat = PlayerChat(client, "reconnecting-player")
    await chat.say("how do free spins work?")
    for _ in range(200):
        if await croupier.store.delivered_replies("webchat", chat.session_id, 0):
            break
        await asyncio.sleep(0.05)
    await chat.connect(after=0)
    missed = await chat.next_reply()
    assert missed["text"] == faq_answer(croupier, "free-spins", "en")
    await chat.close()
    await chat.connect(after=missed["reply_id"])
    assert await chat.no_reply_within(0.5)
    await chat.close()


async def test_two_questions_get_both_approved_answers_in_one_reply(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("how long does verification take? and what is the minimum deposit?")
    reply = await player.next_reply()
    responder = croupier.content.responder
    assert responder is not None
    faq = responder.decider.index.faq
    verification, deposit = faq.get("verification-time"), faq.get("deposit-methods")
    assert verification is not None and deposit is not None
    assert reply["text"] == (
        f"{verification.answer['en']}\n\n{deposit.answer['en']}\n\n"
        f"{phrase(croupier, 'feedback_question')}"
    )
