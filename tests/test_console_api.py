"""The moderator console's JSON API over real HTTP: users and roles, the audit log, the
queue with filters and SLA, claims, notes, reopen, canned replies, dead letters, the FAQ
workbench, the dashboard figures and the live event stream."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bots.events import Event
from croupier.app import Croupier
from croupier.console.access import SESSION_COOKIE
from croupier.console.auth import ConsoleAuth
from croupier.console.stats import percentile
from croupier.console.users import Role, UserDirectory, add_user
from croupier.store.factory import make_store
from handlers.respond import PERSONAL_DATA_REASON
from handlers.triage import REASON_PRIORITY
from tests.conftest import Moderator, PlayerChat, faq_answer

BOTH_STORES = True
"""Every test here that uses the store runs on SQLite and on PostgreSQL (tests/conftest.py)."""

PASSWORD = "another long password"


class ConsoleUser(Moderator):
    """A named console user (not the fallback admin), signing in with their own password."""

    def __init__(self, client: TestClient[Any, Any], name: str, password: str = PASSWORD) -> None:
        super().__init__(client)
        self.name = name
        self.password = password

    async def sign_in(self) -> None:
        page = await self.client.get("/console/login")
        token = (await page.text()).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = await self.client.post(
            "/console/login",
            data={"csrf_token": token, "username": self.name, "password": self.password},
        )
        body = await response.text()
        assert response.status == 200 and 'name="csrf-token"' in body, body[:300]
        self.csrf = body.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        response = await self.client.post(
            path, json=body or {}, headers={"X-CSRF-Token": self.csrf}
        )
        return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, Any]:
        response = await self.client.get(path)
        return response.status, await response.json()


async def signed_in(
    croupier: Croupier, server: TestClient[Any, Any], name: str, role: Role
) -> ConsoleUser:
    """Another browser (own cookie jar) on the same server, signed in as ``name``; the
    caller closes ``user.client``."""
    await add_user(croupier.store, name, role, PASSWORD)
    browser = aiohttp.ClientSession(
        base_url=str(server.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    user = ConsoleUser(browser, name)  # type: ignore[arg-type]
    await user.sign_in()
    return user


@pytest.fixture
async def anna(croupier: Croupier, client: TestClient[Any, Any]) -> Any:
    user = await signed_in(croupier, client, "anna", Role.MODERATOR)
    yield user
    await user.client.close()


@pytest.fixture
async def boris(croupier: Croupier, client: TestClient[Any, Any]) -> Any:
    user = await signed_in(croupier, client, "boris", Role.MODERATOR)
    yield user
    await user.client.close()


async def escalate(player: PlayerChat, text: str = "I want to talk to a real person") -> None:
    await player.say(text)
    await player.next_reply()  # the holding note


async def only_ticket(user: ConsoleUser) -> dict[str, Any]:
    status, body = await user.get("/console/api/tickets")
    assert status == 200 and len(body["tickets"]) == 1, body
    return body["tickets"][0]


# -- users, roles, sign-in ------------------------------------------------------------


async def test_named_moderator_signs_in_and_their_actions_are_audited_under_their_name(
    anna: ConsoleUser, moderator: Moderator, player: PlayerChat
) -> None:
    await escalate(player)
    ticket = await only_ticket(anna)
    assert (await anna.post(f"/console/api/tickets/{ticket['id']}/claim"))[0] == 200
    assert (await anna.post(f"/console/api/tickets/{ticket['id']}/reply", {"text": "Hi!"}))[
        0
    ] == 202
    assert (await anna.post(f"/console/api/tickets/{ticket['id']}/note", {"text": "VIP"}))[
        0
    ] == 201
    assert (await anna.post(f"/console/api/tickets/{ticket['id']}/close"))[0] == 200

    response = await moderator.client.get("/console/api/audit")
    entries = (await response.json())["entries"]
    assert [e["action"] for e in reversed(entries) if e["actor"] == "anna"] == [
        "sign_in",
        "claim",
        "reply",
        "note",
        "close",
    ]
    assert ("moderator", "sign_in") in [(e["actor"], e["action"]) for e in entries]
    assert all(e["target"] == f"ticket {ticket['id']}" for e in entries[:4])


async def test_audit_log_is_for_admins_only(anna: ConsoleUser) -> None:
    status, body = await anna.get("/console/api/audit")
    assert status == 403 and "moderator" in body["error"]


async def test_content_editor_uses_the_workbench_but_cannot_act_on_tickets(
    croupier: Croupier, client: TestClient[Any, Any], player: PlayerChat
) -> None:
    editor = await signed_in(croupier, client, "eve", Role.EDITOR)
    try:
        await escalate(player)
        ticket = await only_ticket(editor)
        status, _ = await editor.post(f"/console/api/tickets/{ticket['id']}/reply", {"text": "x"})
        assert status == 403
        status, _ = await editor.get("/console/api/dead-letters")
        assert status == 403
        status, body = await editor.post("/console/api/workbench", {"text": "hello"})
        assert status == 200 and body["decision"]["kind"] == "greeting"
    finally:
        await editor.client.close()


async def test_wrong_passwords_lock_the_name_out_and_are_audited(
    croupier: Croupier, client: TestClient[Any, Any], moderator: Moderator
) -> None:
    await add_user(croupier.store, "anna", Role.MODERATOR, PASSWORD)
    wrong = ConsoleUser(client, "anna", "not the password")
    for _ in range(5):
        with pytest.raises(AssertionError):
            await wrong.sign_in()
    with pytest.raises(AssertionError):
        await ConsoleUser(client, "anna").sign_in()  # right password, but locked out
    actions = [e.action for e in await croupier.store.audit_entries(actor="anna")]
    assert actions == ["sign_in_refused"] + ["sign_in_failed"] * 5


async def test_api_refuses_state_changes_without_the_csrf_token(
    client: TestClient[Any, Any], moderator: Moderator, player: PlayerChat
) -> None:
    await escalate(player)
    ticket_id = (await moderator.open_tickets())[0]["id"]
    response = await client.post(f"/console/api/tickets/{ticket_id}/claim", json={})
    assert response.status == 403


async def test_sign_out_ends_the_session_and_is_audited(
    croupier: Croupier, anna: ConsoleUser
) -> None:
    response = await anna.client.post(
        "/console/logout", data={"csrf_token": anna.csrf}, allow_redirects=False
    )
    assert response.status == 302
    assert (await anna.client.get("/console/api/tickets")).status == 401
    assert (await croupier.store.audit_entries(actor="anna"))[0].action == "sign_out"


async def test_a_session_is_known_to_every_process_on_the_store_and_ends_everywhere(
    croupier: Croupier, anna: ConsoleUser
) -> None:
    """Several front ends share sessions through the store: no sticky sessions needed."""
    cookie = next(c.value for c in anna.client.cookie_jar if c.key == SESSION_COOKIE)
    other_process = make_store(croupier.settings.store_url, croupier.settings.database_path)
    await other_process.open()
    try:
        other_auth = ConsoleAuth(UserDirectory(other_process, "admin", "x" * 20), other_process)
        seen_elsewhere = await other_auth.session_for(cookie)
        await anna.client.post(
            "/console/logout", data={"csrf_token": anna.csrf}, allow_redirects=False
        )
        after_sign_out = await other_auth.session_for(cookie)
    finally:
        await other_process.close()

    assert seen_elsewhere is not None and seen_elsewhere.user == "anna"
    assert seen_elsewhere.csrf_token == anna.csrf
    assert after_sign_out is None


async def test_the_store_keeps_a_hash_of_the_session_cookie_never_the_cookie(
    croupier: Croupier, anna: ConsoleUser
) -> None:
    cookie = next(c.value for c in anna.client.cookie_jar if c.key == SESSION_COOKIE)
    async with croupier.store.db.execute("SELECT token_hash FROM console_sessions") as rows:
        stored = [row[0] for row in await rows.fetchall()]

    assert cookie not in stored
    assert hashlib.sha256(cookie.encode()).hexdigest() in stored


# -- queue ------------------------------------------------------------------------------


async def test_queue_filters_by_channel_language_reason_and_orders_newest_first(
    client: TestClient[Any, Any], moderator: Moderator
) -> None:
    first, second = PlayerChat(client, "player-english-1"), PlayerChat(client, "player-polish-1")
    for chat in (first, second):
        await chat.connect()
    await escalate(first, "I want to talk to a real person")
    await escalate(second, "Chcę rozmawiać z człowiekiem, nie z botem")
    base = "/console/api/tickets?status=open"
    by_age = [t["lang"] for t in (await (await client.get(base)).json())["tickets"]]
    newest = [
        t["lang"] for t in (await (await client.get(base + "&order=newest")).json())["tickets"]
    ]
    assert by_age == ["en", "pl"] and newest == ["pl", "en"]
    polish = (await (await client.get(base + "&lang=pl")).json())["tickets"]
    assert [t["lang"] for t in polish] == ["pl"]
    assert (await (await client.get(base + "&channel=telegram")).json())["tickets"] == []
    assert len((await (await client.get(base + "&reason=human_request")).json())["tickets"]) == 2
    for chat in (first, second):
        await chat.close()


async def test_ticket_past_the_first_response_target_is_overdue_until_answered(
    croupier: Croupier, moderator: Moderator, player: PlayerChat
) -> None:
    await escalate(player)
    ticket = (await moderator.open_tickets())[0]
    assert ticket["overdue"] is False
    await croupier.store.db.execute(
        "UPDATE tickets SET opened_at = '2020-01-01T00:00:00.000+00:00'"
    )
    ticket = (await moderator.open_tickets())[0]
    assert ticket["overdue"] is True and ticket["waiting_seconds"] > 900
    await moderator.reply(ticket["id"], "Sorry for the wait!")
    ticket = (await moderator.open_tickets())[0]
    assert ticket["overdue"] is False and ticket["first_response_seconds"] > 900


# -- one ticket --------------------------------------------------------------------------


async def test_a_claimed_ticket_shows_its_holder_and_refuses_a_second_moderator(
    anna: ConsoleUser, boris: ConsoleUser, player: PlayerChat
) -> None:
    await escalate(player)
    ticket_id = (await only_ticket(anna))["id"]
    await anna.post(f"/console/api/tickets/{ticket_id}/claim")
    assert (await only_ticket(boris))["claimed_by"] == "anna"

    status, body = await boris.post(f"/console/api/tickets/{ticket_id}/reply", {"text": "Hi"})
    assert status == 409 and body["claimed_by"] == "anna"
    assert (await boris.post(f"/console/api/tickets/{ticket_id}/claim"))[0] == 409
    assert (await boris.post(f"/console/api/tickets/{ticket_id}/close"))[0] == 409

    status, _ = await boris.post(
        f"/console/api/tickets/{ticket_id}/reply", {"text": "Boris here.", "force": True}
    )
    assert status == 202
    assert (await player.next_reply())["text"] == "Boris here."

    assert (await anna.post(f"/console/api/tickets/{ticket_id}/release"))[0] == 200
    assert (await boris.post(f"/console/api/tickets/{ticket_id}/claim"))[0] == 200
    assert (await only_ticket(anna))["claimed_by"] == "boris"


async def test_internal_note_is_in_the_transcript_and_never_reaches_the_player(
    moderator: Moderator, player: PlayerChat
) -> None:
    await escalate(player)
    ticket_id = (await moderator.open_tickets())[0]["id"]
    response = await moderator.client.post(
        f"/console/api/tickets/{ticket_id}/note",
        json={"text": "Player is a VIP, be gentle"},
        headers={"X-CSRF-Token": moderator.csrf},
    )
    assert response.status == 201
    messages = (await moderator.ticket(ticket_id))["messages"]
    assert messages[-1]["author"] == "note" and messages[-1]["by"] == "moderator"
    assert await player.no_reply_within(0.5)


async def test_closed_ticket_reopens_and_the_bot_stays_silent_again(
    moderator: Moderator, player: PlayerChat
) -> None:
    await escalate(player)
    ticket_id = (await moderator.open_tickets())[0]["id"]
    await moderator.close(ticket_id)
    await player.next_reply()  # "closed" note
    response = await moderator.client.post(
        f"/console/api/tickets/{ticket_id}/reopen",
        json={},
        headers={"X-CSRF-Token": moderator.csrf},
    )
    assert response.status == 200
    assert (await response.json())["ticket"]["status"] == "open"
    await player.say("how long does a withdrawal take?")
    assert await player.no_reply_within(1.0), "a reopened ticket silences the bot"
    assert (await moderator.ticket(ticket_id))["messages"][-1]["text"] == (
        "how long does a withdrawal take?"
    )


async def test_canned_replies_are_the_faq_answers_in_the_players_language(
    croupier: Croupier, client: TestClient[Any, Any], moderator: Moderator
) -> None:
    chat = PlayerChat(client, "player-polish-2")
    await chat.connect()
    await escalate(chat, "Chcę rozmawiać z człowiekiem, nie z botem")
    ticket_id = (await moderator.open_tickets())[0]["id"]
    body = await (await client.get(f"/console/api/tickets/{ticket_id}/canned")).json()
    assert body["lang"] == "pl"
    by_id = {a["id"]: a for a in body["answers"]}
    expected = faq_answer(croupier, "withdrawal-time", "pl").split("\n\n")[0]
    assert by_id["withdrawal-time"]["text"] == expected
    await chat.close()


# -- dead letters ------------------------------------------------------------------------


async def dead_event(croupier: Croupier, session_id: str, text: str) -> int:
    event = Event(
        channel="webchat",
        platform_message_id=f"dl-{session_id}",
        conversation_key=session_id,
        sender_id=session_id,
        text=text,
    )
    event_id, _ = await croupier.store.accept_event(event, "{}")
    await croupier.store.dead_letter_event(event_id, "decision failed: RuntimeError")
    return event_id


async def test_retrying_a_dead_event_decides_it_and_the_player_gets_the_answer(
    croupier: Croupier, moderator: Moderator, player: PlayerChat
) -> None:
    await dead_event(croupier, player.session_id, "how long does a withdrawal take?")
    letters = (await (await moderator.client.get("/console/api/dead-letters")).json())[
        "dead_letters"
    ]
    assert [d["reason"] for d in letters] == ["decision failed: RuntimeError"]
    response = await moderator.client.post(
        f"/console/api/dead-letters/{letters[0]['id']}/retry",
        json={},
        headers={"X-CSRF-Token": moderator.csrf},
    )
    assert response.status == 200
    assert (await player.next_reply())["text"] == faq_answer(croupier, "withdrawal-time", "en")
    assert (await (await moderator.client.get("/console/api/dead-letters")).json())[
        "dead_letters"
    ] == []
    assert (await croupier.store.audit_entries())[0].action == "dead_letter_retry"


async def test_discarded_dead_letter_leaves_the_list_and_cannot_be_retried(
    croupier: Croupier, moderator: Moderator
) -> None:
    await dead_event(croupier, "player-gone-001", "hello")
    letter_id = (await croupier.store.dead_letters())[0].id
    headers = {"X-CSRF-Token": moderator.csrf}
    discard = f"/console/api/dead-letters/{letter_id}/discard"
    assert (await moderator.client.post(discard, json={}, headers=headers)).status == 200
    retry = f"/console/api/dead-letters/{letter_id}/retry"
    assert (await moderator.client.post(retry, json={}, headers=headers)).status == 409
    everything = await (await moderator.client.get("/console/api/dead-letters?all=1")).json()
    assert everything["dead_letters"][0]["resolution"] == "discarded"
    assert (await croupier.store.audit_entries())[0].action == "dead_letter_discard"


# -- workbench and dashboard -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "How long does a withdrawal take to arrive?",
        "I will sue you, my lawyer is ready",
        "bonus or free spins?",
        "qwerty zxcvb",
    ],
)
async def test_workbench_shows_the_decision_the_bot_makes(
    croupier: Croupier, client: TestClient[Any, Any], moderator: Moderator, text: str
) -> None:
    response = await client.post(
        "/console/api/workbench", json={"text": text}, headers={"X-CSRF-Token": moderator.csrf}
    )
    body = await response.json()
    responder = croupier.content.responder
    assert responder is not None
    expected = responder.decider.decide(text)
    shown = body["decision"]
    assert (shown["kind"], shown["faq_id"], shown["lang"], shown["reason"]) == (
        expected.kind.value,
        expected.faq_id,
        expected.lang,
        expected.reason,
    )
    assert shown["score"] == round(expected.score, 4)
    if len(expected.candidates) > 1:
        assert shown["runner_up"]["entry_id"] == expected.candidates[1].entry_id
    assert body["faq"]["entries"] > 0 and body["faq"]["last_error"] == []


async def test_workbench_shows_a_rejected_faq_edit_with_path_and_line(
    croupier: Croupier, client: TestClient[Any, Any], moderator: Moderator, faq_dir: Any
) -> None:
    broken = faq_dir / "zz_broken.yaml"
    broken.write_text("- id: Broken Entry\n  questions: [\n", encoding="utf-8")
    for _ in range(100):
        status = await (await client.get("/console/api/faq-status")).json()
        if status["last_error"]:
            break
        await asyncio.sleep(0.05)
    assert any("zz_broken.yaml:" in line for line in status["last_error"]), status


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(v) for v in range(1, 11)], 0.9) == pytest.approx(9.1)


async def test_dashboard_figures_count_what_happened(
    croupier: Croupier, client: TestClient[Any, Any], moderator: Moderator, player: PlayerChat
) -> None:
    await player.say("how long does a withdrawal take?")
    await player.next_reply()
    await player.say("yes, thanks")
    await player.next_reply()
    other = PlayerChat(client, "player-angry-01")
    await other.connect()
    await escalate(other)
    ticket_id = (await moderator.open_tickets())[0]["id"]
    await moderator.reply(ticket_id, "Hello!")
    await other.close()

    stats = await (await client.get("/console/api/stats")).json()
    assert sum(stats["messages_per_day"]["channels"]["webchat"]) == 3
    assert stats["decisions"]["auto_answered"] == 1 and stats["decisions"]["escalated"] == 1
    assert stats["resolutions"] == {"confirmed": 1, "rejected": 0, "assumed": 0}
    assert stats["escalations_by_reason"] == {"human_request": 1}
    [by_moderator] = stats["first_response"]["by_moderator"]
    assert by_moderator["moderator"] == "moderator" and by_moderator["tickets"] == 1
    assert [row["lang"] for row in stats["first_response"]["by_language"]] == ["en"]


# -- live feed ----------------------------------------------------------------------------


async def test_event_stream_tells_of_a_new_ticket_and_of_a_claim(
    client: TestClient[Any, Any], moderator: Moderator, player: PlayerChat
) -> None:
    stream = await client.get("/console/api/events")
    assert stream.headers["Content-Type"].startswith("text/event-stream")

    async def next_event() -> tuple[str, dict[str, Any]]:
        kind, data = "", ""
        while True:
            line = (await asyncio.wait_for(stream.content.readline(), 10)).decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and kind:
                return kind, json.loads(data)

    assert (await next_event())[0] == "hello"
    await escalate(player)
    kind, opened = await next_event()
    assert kind == "ticket" and opened["change"] == "opened"
    await client.post(
        f"/console/api/tickets/{opened['ticket_id']}/claim",
        json={},
        headers={"X-CSRF-Token": moderator.csrf},
    )
    assert (await next_event())[1] == {
        "type": "ticket",
        "ticket_id": opened["ticket_id"],
        "change": "claimed",
        "actor": "moderator",
    }
    stream.close()


async def test_event_stream_needs_a_session(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/console/api/events")).status == 401


def test_the_queue_filter_offers_every_reason_a_ticket_is_opened_with() -> None:
    """The reason filter once offered 'dispute' and 'document', which no ticket carries
    (they are 'account_dispute' and 'documents'): filtering by them showed nothing."""
    html = (Path(__file__).parents[1] / "croupier/console/static/console.html").read_text()
    listing = html[html.index("var REASONS") : html.index("];", html.index("var REASONS"))]
    offered = set(re.findall(r"'([a-z_]+)'", listing))
    opened_with = {*REASON_PRIORITY, "flagged", PERSONAL_DATA_REASON, "no_match"}
    opened_with |= {"low_confidence", "no_text", "answer_not_helpful", "repeated_question"}
    assert opened_with | {"repeated_miss"} == offered
