"""Opening a Telegram player's file in the console: time and memory per size.

One process: the fake Bot API (``tests/fakes/telegram_api.py``) on loopback, the whole
service with Telegram enabled (polling), a signed-in moderator's HTTP client. Each round
is one console request: getFile, the download through PTB, and the bytes passed on.
Figures are loopback only (no Telegram latency): what the server itself adds.
Run: ``.venv/bin/python bench/telegram_files.py [--rounds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ``tests.fakes`` as a script

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, DEFAULT_FAQ_DIR, Settings
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, load_update

PASSWORD = "bench-password-not-secret"
SIZES_MB = (0.1, 1, 5, 20)


async def sign_in(session: aiohttp.ClientSession) -> None:
    page = await (await session.get("/console/login")).text()
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await session.post(
        "/console/login",
        data={"csrf_token": token, "username": "moderator", "password": PASSWORD},
    )
    assert response.status == 200, response.status


async def main(rounds: int) -> None:
    api = FakeTelegramApi()
    await api.start()
    with tempfile.TemporaryDirectory() as data_dir:
        app = Croupier(
            Settings(
                data_dir=Path(data_dir), faq_dir=DEFAULT_FAQ_DIR, bot_texts=DEFAULT_BOT_TEXTS
            ),
            PASSWORD,
            channel_environment={
                "CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN,
                "CROUPIER_TELEGRAM_API_BASE_URL": api.base_url,
                "CROUPIER_TELEGRAM_POLL_TIMEOUT": "1",
            },
        )
        await app.start()
        server = TestServer(app.web, host="127.0.0.1")
        await server.start_server()
        try:
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
            async with aiohttp.ClientSession(
                base_url=str(server.make_url("")), cookie_jar=jar
            ) as session:
                await sign_in(session)
                baseline_mb = peak_rss_mb()
                print(f"{'size':>8} {'median ms':>10} {'max ms':>8} {'MB/s':>7}")
                for number, size_mb in enumerate(SIZES_MB, start=1):
                    content = bytes(int(size_mb * 1024 * 1024))
                    update = load_update("document")
                    update["update_id"] = number
                    update["message"]["message_id"] = number
                    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = number
                    file_id = f"BQACbench{number}"
                    update["message"]["document"]["file_id"] = file_id
                    api.add_file(file_id, f"documents/file_{number}.pdf", content)
                    api.push_update(update)
                    url = await attachment_url(session, number)
                    times = []
                    for _ in range(rounds):
                        start = time.perf_counter()
                        response = await session.get(url)
                        body = await response.read()
                        times.append(time.perf_counter() - start)
                        assert response.status == 200 and len(body) == len(content)
                    median = statistics.median(times)
                    print(
                        f"{size_mb:>6} MB {median * 1000:>10.1f} {max(times) * 1000:>8.1f} "
                        f"{size_mb / median:>7.0f}"
                    )
                print(
                    f"peak RSS grew {peak_rss_mb() - baseline_mb:.0f} MB over the service's "
                    f"{baseline_mb:.0f} MB (fake API, server and client copies, one at a time)"
                )
        finally:
            await server.close()
            await app.stop()
            await api.close()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def attachment_url(session: aiohttp.ClientSession, ticket_number: int) -> str:
    """The newest ticket's first file, once the document became a ticket."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tickets = (await (await session.get("/console/api/tickets?order=newest")).json())[
            "tickets"
        ]
        if len(tickets) >= ticket_number:
            listed = await session.get(f"/console/api/tickets/{tickets[0]['id']}/attachments")
            return str((await listed.json())["attachments"][0]["url"])
        await asyncio.sleep(0.05)
    raise RuntimeError("the document never became a ticket")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(parser.parse_args().rounds))
