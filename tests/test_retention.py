"""Data retention and a player's data export (GDPR access request), on both stores."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from croupier.app import Croupier
from tests.conftest import Moderator, PlayerChat

BOTH_STORES = True


async def _cli(*args: object) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "croupier.cli",
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _chat(client: TestClient[Any, Any], session: str, *texts: str) -> PlayerChat:
    chat = PlayerChat(client, session)
    await chat.connect()
    for text in texts:
        await chat.say(text)
        await chat.next_reply()
    return chat


async def test_purge_removes_old_conversations_but_keeps_what_an_open_ticket_needs(
    croupier: Croupier, client: TestClient[Any, Any]
) -> None:
    answered = await _chat(client, "retention-answered", "how do I verify my account?")
    waiting = await _chat(client, "retention-waiting", "I want to talk to a human")
    await croupier.processor.idle.wait()

    removed = await croupier.store.purge_older_than(datetime.now(UTC) + timedelta(days=1))
    answered_data = await croupier.store.player_data("webchat", "retention-answered")
    waiting_data = await croupier.store.player_data("webchat", "retention-waiting")
    await answered.close()
    await waiting.close()

    assert answered_data["events"] == [] and answered_data["replies"] == []
    assert [e["text"] for e in waiting_data["events"]] == ["I want to talk to a human"]
    assert waiting_data["tickets"][0]["status"] == "open"
    assert removed["events"] == 1 and removed["outbox"] >= 1 and removed["conversations"] == 1


async def test_purge_takes_a_closed_ticket_and_its_conversation_too(
    croupier: Croupier, client: TestClient[Any, Any], moderator: Moderator
) -> None:
    chat = await _chat(client, "retention-closed", "I want to talk to a human")
    [ticket] = await moderator.open_tickets()
    await moderator.close(ticket["id"])
    await croupier.processor.idle.wait()
    await chat.close()

    before = await croupier.store.purge_older_than(datetime.now(UTC) - timedelta(days=1))
    after = await croupier.store.purge_older_than(datetime.now(UTC) + timedelta(days=1))
    data = await croupier.store.player_data("webchat", "retention-closed")

    assert set(before.values()) == {0}, "nothing is older than a day"
    assert after["tickets"] == 1 and after["events"] == 1
    assert data["events"] == [] and data["tickets"] == []


async def test_export_gives_the_players_messages_our_replies_and_the_transcript(
    croupier: Croupier, client: TestClient[Any, Any]
) -> None:
    chat = await _chat(client, "gdpr-player", "how do I verify my account?")
    other = await _chat(client, "someone-else", "what are your support hours?")
    await croupier.processor.idle.wait()

    data = await croupier.store.player_data("webchat", "gdpr-player")
    await chat.close()
    await other.close()

    assert [e["text"] for e in data["events"]] == ["how do I verify my account?"]
    assert data["events"][0]["status"] == "answered"
    assert len(data["replies"]) == 1 and data["replies"][0]["status"] == "sent"
    [conversation] = data["conversations"]
    assert [line["author"] for line in conversation["transcript"]][:2] == ["player", "bot"]
    assert "support hours" not in json.dumps(data), "another player's words never leak in"


async def test_export_command_prints_json_and_audits_the_request(
    croupier: Croupier, client: TestClient[Any, Any]
) -> None:
    chat = await _chat(client, "gdpr-cli", "how do I verify my account?")
    await croupier.processor.idle.wait()
    await chat.close()
    where = ["--data-dir", croupier.settings.data_dir]
    if croupier.settings.store_url:
        where += ["--store", croupier.settings.store_url]

    code, out, err = await _cli("export", "--player", "webchat:gdpr-cli", *where)
    bad_code, _, bad_err = await _cli("export", "--player", "no-colon", *where)
    audit = await croupier.store.audit_entries()

    assert code == 0, err
    assert json.loads(out)["events"][0]["text"] == "how do I verify my account?"
    assert bad_code == 2 and "CHANNEL:SENDER_ID" in bad_err
    assert any(entry.action == "player_export" for entry in audit)
