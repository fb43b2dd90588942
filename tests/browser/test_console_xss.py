"""The console under attack in Chromium: stored XSS from player text, and cross-origin CSRF.

XSS: payloads that would set ``window.__xss`` (event handlers, script tags, SVG, attribute
break-outs, template-injection bait) arrive as player text and are opened where a
moderator sees them: the queue, the transcript, the workbench (typed in as content staff
would paste them), the dead-letters page and the dashboard. On every page no payload may
run: ``window.__xss`` stays undefined, no dialog opens, no uncaught page error, and the
payload is shown as text. (tests/browser/test_console_browser.py checks layout and
``alert``; this adds the flag, more vectors and the other pages.)

CSRF: an attacker page on another origin of the same host (so the SameSite=Strict session
cookie *is* sent: ports do not make a different site) auto-submits forms to the console's
state-changing endpoints. Each must be refused with 403 and change nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from croupier.app import Croupier
from tests.browser.conftest import LAPTOP
from tests.browser.test_console_browser import signed_in_page
from tests.conftest import PlayerChat

PAYLOADS = (
    "<img src=x onerror=\"window.__xss='img'\">",
    "<script>window.__xss='script'</script>",
    "<svg onload=\"window.__xss='svg'\"></svg>",
    '"><img src=x onerror="window.__xss=\'attr\'">',
    "'><details open ontoggle=\"window.__xss='details'\">",
    "<a href=\"javascript:window.__xss='href'\">click</a>",
    "{{constructor.constructor(\"window.__xss='template'\")()}}",
    "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
)
HOSTILE = " ".join(PAYLOADS)


@pytest.fixture
async def player_chat(console_url: str) -> AsyncIterator[PlayerChat]:
    session = aiohttp.ClientSession(base_url=console_url)
    chat = PlayerChat(session, "xss-player-0001")  # type: ignore[arg-type]
    await chat.connect()
    yield chat
    await chat.close()
    await session.close()


async def watched(page: Any) -> list[str]:
    """Uncaught page errors and console errors on ``page`` (CSP reports included)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return problems


async def assert_nothing_ran(page: Any, where: str, problems: list[str]) -> None:
    assert await page.evaluate("typeof window.__xss") == "undefined", where
    assert await page.locator("iframe, svg[onload], img[src=x], details[ontoggle]").count() == 0
    assert page.dialogs == [], where
    ran = [p for p in problems if "__xss" in p and "Content Security Policy" not in p]
    assert not ran, (where, ran)
    uncaught = [p for p in problems if p.startswith("pageerror")]
    assert not uncaught, (where, uncaught)


async def test_player_markup_never_runs_in_queue_transcript_workbench_or_other_pages(
    chromium: Any, console_url: str, player_chat: PlayerChat
) -> None:
    await player_chat.say(f"{HOSTILE} I want a real person")
    await player_chat.next_reply()
    await player_chat.say(PAYLOADS[0])

    page = await signed_in_page(chromium, console_url, LAPTOP)
    problems = await watched(page)
    row = await page.wait_for_selector(".ticket-row")
    assert PAYLOADS[0] in await row.inner_text()  # the preview shows it as text
    await assert_nothing_ran(page, "queue", problems)

    await page.click(".ticket-row")
    await page.wait_for_selector(".msg.player >> nth=1")
    bubbles = await page.locator(".msg.player .bubble").all_inner_texts()
    assert all(payload in bubbles[0] for payload in PAYLOADS), bubbles[0]
    await assert_nothing_ran(page, "transcript", problems)

    await page.goto(console_url + "/console/workbench")
    await page.fill("#wb-text", HOSTILE)
    await page.click("#wb-decide")
    await page.wait_for_selector("#wb-kind")
    await assert_nothing_ran(page, "workbench", problems)

    for path in ("/console/dead-letters", "/console/dashboard", "/console/audit"):
        await page.goto(console_url + path)
        await page.wait_for_load_state("networkidle")
        await assert_nothing_ran(page, path, problems)


ATTACKER_FORMS = {
    "close": ("/console/api/tickets/1/close", "application/x-www-form-urlencoded", "x", "1"),
    "reply": ("/console/api/tickets/1/reply", "text/plain", '{"text":"', 'pwned"}'),
    "claim": ("/console/api/tickets/1/claim", "application/x-www-form-urlencoded", "x", "1"),
    "logout": ("/console/logout", "application/x-www-form-urlencoded", "x", "1"),
}


def attacker_page(console_url: str, target: str, enctype: str, name: str, value: str) -> str:
    return (
        "<!doctype html><html><body>"
        f'<form method="POST" action="{console_url}{target}" enctype="{enctype}">'
        f"<input name='{name}' value='{value}'></form>"
        "<script>document.forms[0].submit()</script></body></html>"
    )


@pytest.fixture
async def attacker(console_url: str) -> AsyncIterator[str]:
    """Another origin on the same host: serves one auto-submitting form per endpoint."""

    async def form(request: web.Request) -> web.Response:
        target, enctype, name, value = ATTACKER_FORMS[request.match_info["name"]]
        html = attacker_page(console_url, target, enctype, name, value)
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", form)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_cross_origin_form_posts_without_the_csrf_token_are_refused(
    chromium: Any,
    console_url: str,
    attacker: str,
    croupier: Croupier,
    player_chat: PlayerChat,
) -> None:
    await player_chat.say("I want a real person")
    await player_chat.next_reply()
    page = await signed_in_page(chromium, console_url, LAPTOP)
    await page.wait_for_selector(".ticket-row")
    for name, (target, *_rest) in ATTACKER_FORMS.items():
        async with page.expect_response(lambda r, t=target: r.url.endswith(t)) as answer:
            await page.goto(f"{attacker}/{name}")
        response = await answer.value
        assert response.status == 403, (name, response.status, await response.text())
    ticket = await croupier.store.ticket(1)
    assert ticket is not None
    assert ticket.status == "open" and ticket.claimed_by is None
    # Still signed in (the logout form was refused too), and the player got nothing more.
    await page.goto(console_url + "/console")
    assert page.url == console_url + "/console"
    assert await player_chat.no_reply_within(0.3)
