"""The console as a moderator uses it, in Chromium: sign in, watch a ticket arrive live,
claim, reply (the player receives it), close; hostile player text shown as text on a
laptop and a phone screen; the dashboard and the workbench drawn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from croupier.app import Croupier
from croupier.console.users import Role, add_user
from tests.browser.conftest import LAPTOP, PHONE
from tests.conftest import CONSOLE_PASSWORD, PlayerChat, phrase

HOSTILE_MARKUP = "<img src=x onerror=alert(1)><script>alert(2)</script>"
RTL_OVERRIDE = "\u202eevil reversed text\u202c"
ZERO_WIDTH = "zero\u200bwidth\u200d\ufeffjoiners"
LONG_WORD = "A" * 5000


@pytest.fixture
async def player_chat(console_url: str) -> AsyncIterator[PlayerChat]:
    session = aiohttp.ClientSession(base_url=console_url)
    chat = PlayerChat(session, "browser-player-1")  # type: ignore[arg-type]
    await chat.connect()
    yield chat
    await chat.close()
    await session.close()


async def signed_in_page(chromium: Any, console_url: str, viewport: dict[str, int]) -> Any:
    context = await chromium.new_context(viewport=viewport)
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    await page.goto(console_url + "/console")
    assert page.url.endswith("/console/login")
    await page.fill("#username", "moderator")
    await page.fill("#password", CONSOLE_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(console_url + "/console")
    await page.wait_for_selector("#live-state.on")  # the event stream is connected
    return page


async def fits_the_viewport(page: Any) -> bool:
    return await page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


async def test_moderator_sees_a_ticket_arrive_live_claims_replies_and_closes(
    chromium: Any,
    console_url: str,
    croupier: Croupier,
    player_chat: PlayerChat,
    screenshot_dir: Path,
) -> None:
    page = await signed_in_page(chromium, console_url, LAPTOP)
    await page.wait_for_selector("text=No open escalations.")

    await player_chat.say("I want to talk to a real person please")
    await player_chat.next_reply()
    # No reload and no poll within this time: the row comes from the event stream.
    row = await page.wait_for_selector(".ticket-row", timeout=5000)
    assert "real person" in await row.inner_text()

    await page.keyboard.press("j")  # next ticket
    await page.wait_for_selector("#claim-button")
    await page.click("#claim-button")
    await page.wait_for_selector("text=Claimed by you")

    await page.keyboard.press("r")  # focus the reply box
    assert await page.evaluate("document.activeElement.id") == "reply-text"
    await page.keyboard.type("Hi, this is Anna from support.")
    await page.keyboard.press("Control+Enter")
    reply = await player_chat.next_reply()
    assert (reply["author"], reply["text"]) == ("moderator", "Hi, this is Anna from support.")
    await page.wait_for_selector(".msg.moderator >> text=Hi, this is Anna from support.")
    await page.screenshot(path=str(screenshot_dir / "conversation-laptop.png"))

    await page.click("#close-ticket")
    await page.wait_for_selector("text=This ticket is closed.")
    assert (await player_chat.next_reply())["text"] == phrase(croupier, "moderator_closed")
    await page.wait_for_selector("text=No open escalations.")
    assert page.dialogs == []


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
async def test_hostile_player_text_is_shown_as_text_and_breaks_no_layout(
    chromium: Any,
    console_url: str,
    player_chat: PlayerChat,
    screenshot_dir: Path,
    viewport: dict[str, int],
) -> None:
    await player_chat.say(f"{HOSTILE_MARKUP} {RTL_OVERRIDE} I want a real person")
    await player_chat.next_reply()
    for text in (LONG_WORD, ZERO_WIDTH):
        await player_chat.say(text)

    page = await signed_in_page(chromium, console_url, viewport)
    await page.click(".ticket-row")
    await page.wait_for_selector(".msg.player >> nth=2")
    bubbles = await page.locator(".msg.player .bubble").all_inner_texts()
    assert HOSTILE_MARKUP in bubbles[0] and RTL_OVERRIDE in bubbles[0]
    assert bubbles[1].startswith("A" * 1000)
    assert await page.locator("img[src=x], .bubble script").count() == 0
    assert await fits_the_viewport(page)
    name = "hostile-" + ("phone" if viewport is PHONE else "laptop") + ".png"
    await page.screenshot(path=str(screenshot_dir / name), full_page=True)
    assert page.dialogs == [], "player text must never run as script"


async def test_dashboard_draws_its_charts_with_the_chart_library(
    chromium: Any, console_url: str, player_chat: PlayerChat, screenshot_dir: Path
) -> None:
    await player_chat.say("how long does a withdrawal take?")
    await player_chat.next_reply()
    await player_chat.say("I want to talk to a real person")
    page = await signed_in_page(chromium, console_url, LAPTOP)
    await page.goto(console_url + "/console/dashboard")
    await page.wait_for_selector("body[data-charts='6']")
    assert await page.evaluate("typeof window.Chart") == "function"
    assert await page.locator("#dash-error").inner_text() == ""
    assert await fits_the_viewport(page)
    await page.screenshot(path=str(screenshot_dir / "dashboard-laptop.png"), full_page=True)


async def test_workbench_shows_the_bots_decision_on_a_phone(
    chromium: Any, console_url: str, screenshot_dir: Path
) -> None:
    page = await signed_in_page(chromium, console_url, PHONE)
    await page.goto(console_url + "/console/workbench")
    await page.fill("#wb-text", "How long does a withdrawal take to arrive?")
    await page.click("#wb-decide")
    await page.wait_for_selector("#wb-kind")
    assert await page.inner_text("#wb-kind") == "Decision: answer"
    assert "withdrawal-time" in await page.inner_text("#wb-result")
    assert await fits_the_viewport(page)
    await page.screenshot(path=str(screenshot_dir / "workbench-phone.png"), full_page=True)


async def _signed_in_as(chromium: Any, console_url: str, user: str, password: str) -> Any:
    context = await chromium.new_context(viewport=LAPTOP)
    page = await context.new_page()
    await page.goto(console_url + "/console/login")
    await page.fill("#username", user)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(console_url + "/console")
    await page.wait_for_selector("#live-state.on")
    return page


async def test_canned_reply_reaches_the_player_and_a_second_moderator_sees_the_claim(
    chromium: Any,
    console_url: str,
    croupier: Croupier,
    player_chat: PlayerChat,
    screenshot_dir: Path,
) -> None:
    await add_user(croupier.store, "ola", Role.MODERATOR, "second moderator password 1")
    anna = await signed_in_page(chromium, console_url, LAPTOP)
    ola = await _signed_in_as(chromium, console_url, "ola", "second moderator password 1")

    await player_chat.say("I want to talk to a real person please")
    await player_chat.next_reply()
    await anna.wait_for_selector(".ticket-row", timeout=5000)
    await anna.screenshot(path=str(screenshot_dir / "queue-laptop.png"))
    await anna.click(".ticket-row")
    await anna.click("#claim-button")
    await anna.wait_for_selector("text=Claimed by you")

    await ola.wait_for_selector(".ticket-row", timeout=5000)
    await ola.click(".ticket-row")
    await ola.wait_for_selector("text=Claimed by moderator")

    responder = croupier.content.responder
    assert responder is not None
    canned = responder.decider.index.faq.get("support-contact")
    assert canned is not None
    await anna.wait_for_selector("#canned option >> nth=1", state="attached")
    titles = await anna.eval_on_selector_all("#canned option", "os => os.map(o => o.textContent)")
    index = next(i for i, title in enumerate(titles) if "support" in title.lower()) - 1
    await anna.select_option("#canned", str(index))
    assert await anna.input_value("#reply-text") == canned.answer["en"]
    await anna.keyboard.press("Control+Enter")
    reply = await player_chat.next_reply()
    assert (reply["author"], reply["text"]) == ("moderator", canned.answer["en"])

    refused = await ola.evaluate(
        """async () => (await fetch('/console/api/tickets/1/close', {method: 'POST',
             headers: {'Content-Type': 'application/json'}, body: '{}'})).status"""
    )
    assert refused == 403, "a POST without the CSRF token is refused"
