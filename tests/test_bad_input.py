"""Untrusted player text: empty, huge, invisible characters, markup. Clear handling, nothing lost."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from croupier.app import Croupier
from tests.conftest import PlayerChat, faq_answer, phrase


async def test_one_megabyte_message_gets_a_clear_413_and_nothing_is_stored(
    client: TestClient[Any, Any], croupier: Croupier
) -> None:
    response = await client.post(
        "/api/webchat/messages",
        json={"session_id": "huge-sender-1", "client_message_id": "x", "text": "a" * 1_000_000},
    )
    assert response.status == 413
    assert (await response.json())["error"].startswith("message too long")
    assert await croupier.store.event_status_counts() == {}


async def test_malformed_body_gets_a_clear_400(client: TestClient[Any, Any]) -> None:
    response = await client.post("/api/webchat/messages", data=b"{not json")
    assert response.status == 400
    assert (await response.json())["error"].startswith("invalid message")
    response = await client.post(
        "/api/webchat/messages",
        json={"session_id": "../../etc", "client_message_id": "1", "text": "hi"},
    )
    assert response.status == 400
    assert "session_id" in (await response.json())["error"]


async def test_long_message_is_cut_and_the_player_is_told(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("how long does a withdrawal take? " + "please " * 2000)
    note = await player.next_reply()
    assert note["text"] == phrase(croupier, "message_truncated")
    await player.next_reply()
    assert await croupier.store.event_status_counts() in ({"answered": 1}, {"escalated": 1})


async def test_empty_and_emoji_only_messages_are_answered_not_dropped(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("")
    empty = await player.next_reply()
    assert empty["text"] == phrase(croupier, "empty_message")
    await player.say("🎰🎰🎰")
    assert (await player.next_reply())["text"]
    await player.say("\u200b\u200b\u202e")
    assert (await player.next_reply())["text"]
    counts = await croupier.store.event_status_counts()
    assert sum(counts.values()) == 3 and "accepted" not in counts


async def test_script_tags_and_bidi_overrides_do_not_confuse_the_decision(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("<script>alert(1)</script> how long does a with\u200bdrawal take?\u202e")
    reply = await player.next_reply()
    assert reply["text"] == faq_answer(croupier, "withdrawal-time", "en")


async def test_hostile_text_is_served_back_as_data_not_markup(
    client: TestClient[Any, Any], player: PlayerChat
) -> None:
    await player.say("<img src=x onerror=alert(1)> I want a human agent now")
    await player.next_reply()
    page = await client.get("/")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "innerHTML" not in await page.text()
