"""A Telegram player's photo as a moderator sees it in Chromium: a preview drawn from the
console's own URL (fetched by the server with getFile), never a Telegram URL."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from tests.browser.conftest import LAPTOP
from tests.browser.test_console_browser import signed_in_page
from tests.conftest import CONSOLE_PASSWORD
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, load_update


def tiny_png(width: int = 24, height: int = 16) -> bytes:
    """A valid PNG (a red rectangle) built by hand, so the browser has something to draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, telegram_api: FakeTelegramApi
) -> AsyncIterator[Croupier]:
    """Overrides the web-chat-only service of tests/conftest.py: Telegram enabled."""
    settings = Settings(data_dir=tmp_path / "var", faq_dir=faq_dir, bot_texts=DEFAULT_BOT_TEXTS)
    app = Croupier(
        settings,
        CONSOLE_PASSWORD,
        parts=decision_parts,
        channel_environment={
            "CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN,
            "CROUPIER_TELEGRAM_API_BASE_URL": telegram_api.base_url,
            "CROUPIER_TELEGRAM_POLL_TIMEOUT": "1",
            "CROUPIER_TELEGRAM_POLL_RETRY_SECONDS": "0.05",
        },
    )
    await app.start()
    yield app
    await app.stop()


async def test_the_ticket_shows_the_players_photo_from_our_own_url(
    chromium: Any, console_url: str, telegram_api: FakeTelegramApi, screenshot_dir: Path
) -> None:
    photo = load_update("photo")
    largest = photo["message"]["photo"][-1]["file_id"]
    telegram_api.add_file(largest, "photos/file_42.png", tiny_png())
    telegram_api.push_update(photo)

    page = await signed_in_page(chromium, console_url, LAPTOP)
    await page.click(".ticket-row", timeout=10_000)
    preview = await page.wait_for_selector(".files img.file-preview", timeout=10_000)
    # Decoded, not just requested: the bytes arrived as an image (polled from here, since
    # the console's CSP rightly forbids the eval that wait_for_function needs).
    deadline = time.monotonic() + 10
    while await preview.evaluate("img => img.complete ? img.naturalWidth : 0") != 24:
        assert time.monotonic() < deadline, "the preview never drew"
        await asyncio.sleep(0.05)
    src = await preview.get_attribute("src")
    assert src is not None and src.startswith("/console/api/tickets/")
    assert TOKEN not in await page.content()
    assert telegram_api.downloads == ["photos/file_42.png"]
    await page.screenshot(path=str(screenshot_dir / "telegram-photo-laptop.png"))
    assert page.dialogs == []
