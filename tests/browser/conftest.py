"""Chromium for the console's browser tests: Debian's /usr/bin/chromium driven by
Playwright (no browser download), and the service on a real loopback port.

Locally the tests skip when Chromium is missing; under CI (``CI=true``) a missing
Chromium fails them, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from croupier.app import Croupier
from tests.conftest import unavailable

CHROMIUM = Path(os.environ.get("CROUPIER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _unavailable() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium; .ci/run does this)"
    return None


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    reason = _unavailable()
    if reason:
        unavailable(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def console_url(croupier: Croupier) -> AsyncIterator[str]:
    """The service on 127.0.0.1 (a free port): the browser's only destination."""
    server = TestServer(croupier.web, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    croupier.live_feed.close()  # end open event streams, or closing waits for them
    await server.close()


@pytest.fixture
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``CROUPIER_SCREENSHOT_DIR`` to keep them, else a tmp dir."""
    chosen = os.environ.get("CROUPIER_SCREENSHOT_DIR")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory
