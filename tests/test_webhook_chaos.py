"""Webhook chaos: duplicated, reordered, interleaved deliveries; each reply once, in order.

Hypothesis draws a few conversations on the web chat, Telegram (webhook, secret header)
and Messenger (Meta webhook, signed), a few distinct FAQ questions in each, how many
copies of each message arrive (platforms re-deliver), the order of all copies, and how
they are grouped into concurrent waves. Everything goes through the real HTTP endpoints.

The order a conversation's replies must come in is defined as the **accept order**: the
order in which the service stored the first copy of each message, i.e. ascending event
id in the ``events`` table (ids are assigned in the single write transaction that stores
an event, and a redelivery never gets a new one). Within one conversation, the replies
counted at the fake platform (Telegram ``sendMessage``, Graph ``me/messages``, the web
chat's WebSocket frames) must be exactly the answers to its messages in that order:
each once, none missing, none extra.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.all_channels import META_PAGE_ID, Service
from tests.conftest import PlayerChat, examples, faq_answer

QUESTIONS = {
    "withdrawal-time": "how many days until my withdrawal arrives on my account?",
    "free-spins": "how do free spins work on your slots?",
    "tournaments": "how can I join one of your tournaments?",
    "account-password-reset": "I forgot my password, how do I reset it?",
    "bonus-wagering": "what are the wagering requirements for the bonus?",
    "account-registration": "how do I create an account on your site?",
}
"""Distinct questions the bot answers outright (no clarify, no escalation)."""
CHANNELS = ("webchat", "telegram", "meta")
MESSAGES_PATH = "/v21.0/me/messages"
_example_numbers = itertools.count(1)


@dataclass(frozen=True)
class Message:
    channel: str
    conversation: str
    """Web chat session id, Telegram chat id, or Messenger sender id."""
    number: int
    """Unique within the example: the platform message id is built from it."""
    faq_id: str


@st.composite
def chaos(draw: st.DrawFn) -> tuple[list[list[tuple[Message, int]]], int]:
    """(waves of (message, copy number) posted concurrently, example number)."""
    example = next(_example_numbers)
    messages: list[Message] = []
    numbers = itertools.count(1)
    for channel in CHANNELS:
        for index in range(draw(st.integers(min_value=1, max_value=2))):
            conversation = {
                "webchat": f"chaos-{example}-{index}-session",
                "telegram": str(500_000_000 + example * 10 + index),
                "meta": f"72{example:08d}{index:06d}",
            }[channel]
            asked = draw(
                st.lists(st.sampled_from(sorted(QUESTIONS)), min_size=1, max_size=3, unique=True)
            )
            messages += [Message(channel, conversation, next(numbers), f) for f in asked]
    copies = [
        (message, copy)
        for message in messages
        for copy in range(draw(st.integers(min_value=1, max_value=3)))
    ]
    shuffled = draw(st.permutations(copies))
    waves: list[list[tuple[Message, int]]] = []
    while shuffled:
        size = draw(st.integers(min_value=1, max_value=5))
        waves.append(shuffled[:size])
        shuffled = shuffled[size:]
    return waves, example


async def deliver(service: Service, message: Message) -> int:
    """One copy of ``message`` to its channel's real endpoint; returns the HTTP status."""
    text = QUESTIONS[message.faq_id]
    if message.channel == "webchat":
        response = await service.client.post(
            "/api/webchat/messages",
            json={
                "session_id": message.conversation,
                "client_message_id": f"c{message.number}",
                "text": text,
            },
        )
        return response.status
    if message.channel == "telegram":
        chat = int(message.conversation)
        player = {"id": chat, "is_bot": False, "first_name": "Chaos", "language_code": "en"}
        update = {
            "update_id": chat * 100 + message.number,
            "message": {
                "message_id": message.number,
                "from": player,
                "chat": {"id": chat, "type": "private", "first_name": "Chaos"},
                "date": 1767225600 + message.number,
                "text": text,
            },
        }
        return (await service.post_telegram(update)).status
    payload = {
        "object": "page",
        "entry": [
            {
                "id": META_PAGE_ID,
                "time": 1767225600000,
                "messaging": [
                    {
                        "sender": {"id": message.conversation},
                        "recipient": {"id": META_PAGE_ID},
                        "timestamp": 1767225600000 + message.number,
                        "message": {
                            "mid": f"m_chaos_{message.conversation}_{message.number}",
                            "text": text,
                        },
                    }
                ],
            }
        ],
    }
    return (await service.post_meta(payload)).status


def platform_id(message: Message) -> str:
    """The de-duplication key the adapter stores for ``message``."""
    return {
        "webchat": f"{message.conversation}:c{message.number}",
        "telegram": f"{message.conversation}:{message.number}",
        "meta": f"m_chaos_{message.conversation}_{message.number}",
    }[message.channel]


def unfinished(database: Path) -> int:
    """Events not yet ended plus replies not yet sent: 0 once everything settled."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        events = db.execute("SELECT COUNT(*) FROM events WHERE status = 'accepted'").fetchone()
        outbox = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return events[0] + outbox[0]


def accept_order(service: Service, messages: list[Message]) -> dict[Message, int]:
    """Each message's event id: the order the service accepted the first copy in."""
    ids = {(channel, pid): event_id for event_id, channel, pid, _key, _s in service.events()}
    return {m: ids[(m.channel, platform_id(m))] for m in messages}


def sent_to(service: Service, sockets: dict[str, list[str]], conversation: Message) -> list[str]:
    """What the platform actually received for ``conversation``'s chat, in order."""
    if conversation.channel == "webchat":
        return sockets[conversation.conversation]
    if conversation.channel == "telegram":
        chat = int(conversation.conversation)
        return [
            c["text"] for c in service.telegram.calls_to("sendMessage") if c["chat_id"] == chat
        ]
    return [
        r.json["message"]["text"]
        for r in service.graph.sent_to(MESSAGES_PATH)
        if r.json["recipient"] == {"id": conversation.conversation}
    ]


async def collect(chat: PlayerChat, into: list[str]) -> None:
    assert chat.socket is not None
    async for frame in chat.socket:
        into.append(json.loads(frame.data)["text"])


@settings(max_examples=examples(10))
@given(drawn=chaos())
async def test_duplicated_reordered_interleaved_deliveries_are_answered_once_each_in_accept_order(
    service: Service, drawn: tuple[list[list[tuple[Message, int]]], int]
) -> None:
    waves, _example = drawn
    messages = sorted({m for wave in waves for m, _ in wave}, key=lambda m: m.number)
    sockets: dict[str, list[str]] = {}
    readers = []
    chats = []
    for session in sorted({m.conversation for m in messages if m.channel == "webchat"}):
        chat = PlayerChat(service.client, session)
        await chat.connect()
        sockets[session] = []
        chats.append(chat)
        readers.append(asyncio.create_task(collect(chat, sockets[session])))
    try:
        for wave in waves:
            statuses = await asyncio.gather(*(deliver(service, m) for m, _copy in wave))
            assert all(status in (200, 202) for status in statuses), statuses
        for _ in range(600):  # settles in well under a second; the bound only stops a hang
            if unfinished(service.database) == 0:
                break
            await asyncio.sleep(0.05)
        assert unfinished(service.database) == 0
        await asyncio.sleep(0)  # let the socket readers take frames already received
        order = accept_order(service, messages)
        assert len(set(order.values())) == len(messages), "one stored event per message"
        conversations = {(m.channel, m.conversation): m for m in messages}
        for (channel, conversation), sample in sorted(conversations.items()):
            mine = [m for m in messages if (m.channel, m.conversation) == (channel, conversation)]
            expected = [
                faq_answer(service.app, m.faq_id, "en").strip()
                for m in sorted(mine, key=order.__getitem__)
            ]
            if channel == "webchat":
                for _ in range(200):
                    if len(sockets[conversation]) >= len(expected):
                        break
                    await asyncio.sleep(0.01)
            got = [text.strip() for text in sent_to(service, sockets, sample)]
            assert got == expected, (channel, conversation, [m.faq_id for m in mine])
        telegram_threads = [
            (c["chat_id"], c["reply_parameters"]["message_id"])
            for c in service.telegram.calls_to("sendMessage")
            if "reply_parameters" in c
        ]
        assert len(telegram_threads) == len(set(telegram_threads)), "a message answered twice"
    finally:
        for chat in chats:
            await chat.close()
        for reader in readers:
            reader.cancel()
