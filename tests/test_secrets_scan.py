"""Secrets never leave the process: ``croupier run`` with known secret values, driven hard.

The real command runs as a child process with every channel on (Telegram webhook, Meta,
X webhook), distinctive values for every token, app secret, webhook secret and the
console password, and DEBUG logging. The test drives normal traffic and errors: wrong
secrets and signatures, a wrong console password, platforms refusing our token (401/190)
or failing (5xx, 429), an update whose conversion raises (a logged traceback), the Meta
and X verification handshakes. Then every byte the service wrote (stdout, stderr) and
every HTTP answer it gave (headers and bodies, console pages and APIs included) is
searched for each secret value.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.all_channels import (
    CONSOLE_PASSWORD,
    META_PAGE_ID,
    META_VERIFY_TOKEN,
    SECRETS,
    TELEGRAM_TOKEN,
    X_ACCOUNT_ID,
    channel_environment,
    meta_headers,
    telegram_headers,
    x_headers,
)
from tests.fakes.graph_api import FakeGraphApi, invalid_token, server_error
from tests.fakes.telegram_api import BAD_GATEWAY, TOO_MANY_REQUESTS, ApiFailure, FakeTelegramApi
from tests.fakes.x_api import FakeXApi

UNAUTHORIZED = ApiFailure(401, "Unauthorized")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    """An HTTP client that keeps every answer (status line, headers, body) it received."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.seen: list[str] = []

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.session.request(
            method, self.base + path, allow_redirects=True, **kwargs
        ) as response:
            body = await response.text(errors="replace")
            self.seen.append(f"{response.status} {dict(response.headers)}\n{body}")
            return response.status, body

    async def close(self) -> None:
        await self.session.close()


def telegram_update(update_id: int, text: str) -> dict[str, Any]:
    player = {"id": 424242777, "is_bot": False, "first_name": "Sec", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": player,
            "chat": {"id": 424242777, "type": "private", "first_name": "Sec"},
            "date": 1767225600,
            "text": text,
        },
    }


def meta_message(mid: str, text: str) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": META_PAGE_ID,
                    "time": 1767225600000,
                    "messaging": [
                        {
                            "sender": {"id": "7100000000000777"},
                            "recipient": {"id": META_PAGE_ID},
                            "timestamp": 1767225600000,
                            "message": {"mid": mid, "text": text},
                        }
                    ],
                }
            ],
        }
    ).encode()


async def drive(client: Recorder, telegram: FakeTelegramApi, graph: FakeGraphApi) -> None:
    # Web chat, and a console sign-in with a wrong password then the right one.
    await client.request(
        "POST",
        "/api/webchat/messages",
        json={"session_id": "secret-scan-1", "client_message_id": "1", "text": "I want a human"},
    )
    await client.request("GET", "/")
    login = (await client.request("GET", "/console/login"))[1]
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    await client.request(
        "POST",
        "/console/login",
        data={"csrf_token": token, "username": "moderator", "password": "wrong"},
    )
    login = (await client.request("GET", "/console/login"))[1]
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    _status, console = await client.request(
        "POST",
        "/console/login",
        data={"csrf_token": token, "username": "moderator", "password": CONSOLE_PASSWORD},
    )
    csrf = console.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    # Telegram: wrong secret, then answers that fail with our token refused, 502 and 429.
    await client.request(
        "POST", "/telegram/webhook", json=telegram_update(1, "hi"), headers=telegram_headers("x")
    )
    telegram.fail_next("sendMessage", UNAUTHORIZED, times=2)
    telegram.fail_next("sendMessage", BAD_GATEWAY, after=2)
    telegram.fail_next("sendMessage", TOO_MANY_REQUESTS, after=3)
    for update_id, text in ((2, "how long does a withdrawal take?"), (3, "free spins?")):
        body = json.dumps(telegram_update(update_id, text)).encode()
        await client.request("POST", "/telegram/webhook", data=body, headers=telegram_headers())
    # An update whose conversion raises: logged with its traceback, then ignored.
    broken = {
        "update_id": 4,
        "callback_query": {
            "id": "cb-broken",
            "from": {"id": 424242777, "is_bot": False, "first_name": "Sec"},
            "chat_instance": "1",
            "data": "1",
            "message": {"message_id": 9, "date": 1767225600, "chat": {"id": 1, "type": []}},
        },
    }
    body = json.dumps(broken).encode()
    await client.request("POST", "/telegram/webhook", data=body, headers=telegram_headers())

    # Meta: wrong verify token, the right one, a bad signature, then Graph refusing our token.
    await client.request(
        "GET", "/meta/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=c1"
    )
    await client.request(
        "GET",
        f"/meta/webhook?hub.mode=subscribe&hub.verify_token={META_VERIFY_TOKEN}&hub.challenge=c2",
    )
    body = meta_message("m_secret_1", "how long does a withdrawal take?")
    await client.request("POST", "/meta/webhook", data=body, headers=meta_headers(body, "bad"))
    graph.script("/v21.0/me/messages", invalid_token(), server_error())
    await client.request("POST", "/meta/webhook", data=body, headers=meta_headers(body))

    # X: the CRC handshake and a badly signed delivery.
    await client.request("GET", "/x/webhook?crc_token=challenge-1")
    body = json.dumps({"for_user_id": X_ACCOUNT_ID, "tweet_create_events": []}).encode()
    await client.request("POST", "/x/webhook", data=body, headers=x_headers(body, "bad"))

    # Let the outbox try, fail and retry, then read everything the console shows.
    await asyncio.sleep(3)
    for path in (
        "/console",
        "/console/workbench",
        "/console/dashboard",
        "/console/dead-letters",
        "/console/audit",
        "/console/api/me",
        "/console/api/tickets?status=open",
        "/console/api/tickets/1",
        "/console/api/dead-letters",
        "/console/api/audit",
        "/console/api/stats",
        "/console/api/faq-status",
        "/healthz",
    ):
        await client.request("GET", path)
    await client.request(
        "POST",
        "/console/api/workbench",
        json={"text": "how long does a withdrawal take?"},
        headers={"X-CSRF-Token": csrf},
    )
    await client.request("POST", "/console/api/tickets/1/claim", headers={"X-CSRF-Token": "no"})


async def test_no_secret_value_appears_in_logs_answers_or_console_pages(tmp_path: Path) -> None:
    telegram = FakeTelegramApi(token=TELEGRAM_TOKEN)
    await telegram.start()
    try:
        async with FakeGraphApi() as graph, FakeXApi(X_ACCOUNT_ID) as x:
            port = _free_port()
            environment = {k: v for k, v in os.environ.items() if not k.startswith("CROUPIER_")}
            environment |= channel_environment(telegram.base_url, graph.url, x.url)
            environment |= {
                "CROUPIER_PORT": str(port),
                "CROUPIER_DATA_DIR": str(tmp_path / "var"),
                "CROUPIER_CONSOLE_PASSWORD": CONSOLE_PASSWORD,
                "CROUPIER_LOG_LEVEL": "DEBUG",
                "CROUPIER_OUTBOX_MAX_ATTEMPTS": "3",
            }
            stdout_path, stderr_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
            with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
                child = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "croupier.cli",
                    "run",
                    env=environment,
                    stdout=stdout,
                    stderr=stderr,
                )
            client = Recorder(f"http://127.0.0.1:{port}")
            try:
                for _ in range(600):  # start-up loads the language models: seconds
                    try:
                        if (await client.request("GET", "/healthz"))[0] == 200:
                            break
                    except aiohttp.ClientConnectionError:
                        pass
                    assert child.returncode is None, stderr_path.read_text()
                    await asyncio.sleep(0.1)
                await drive(client, telegram, graph)
            finally:
                await client.close()
                if child.returncode is None:
                    child.send_signal(signal.SIGTERM)
                await asyncio.wait_for(child.wait(), 60)
    finally:
        await telegram.close()
    logs = stdout_path.read_text(errors="replace") + stderr_path.read_text(errors="replace")
    assert "Traceback" in logs, "the broken update should have logged a traceback"
    assert "telegram" in logs.lower() and len(client.seen) > 30
    everything = logs + "\n".join(client.seen)
    leaked = [secret for secret in SECRETS if secret in everything]
    assert not leaked, [(s, everything[max(0, everything.find(s) - 200) :][:400]) for s in leaked]


async def test_a_rejected_bot_token_stops_start_up_with_exit_2_without_printing_it(
    tmp_path: Path,
) -> None:
    """Regression: PTB's InvalidToken quotes the token; it went to stderr in Python's raw
    traceback, and the process then hung (the open store's thread) instead of exiting."""
    telegram = FakeTelegramApi(token="7000000001:AAF-a-different-token-000000000000000")
    await telegram.start()
    try:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CROUPIER_")}
        environment |= {
            "CROUPIER_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "CROUPIER_TELEGRAM_API_BASE_URL": telegram.base_url,
            "CROUPIER_CONSOLE_PASSWORD": CONSOLE_PASSWORD,
            "CROUPIER_DATA_DIR": str(tmp_path / "var"),
            "CROUPIER_PORT": str(_free_port()),
        }
        output_path = tmp_path / "output.log"
        with output_path.open("wb") as output:
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "croupier.cli",
                "run",
                env=environment,
                stdout=output,
                stderr=output,
            )
        try:
            returncode = await asyncio.wait_for(child.wait(), 120)  # only stops a hang
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    finally:
        await telegram.close()
    output_text = output_path.read_text(errors="replace")
    assert returncode == 2, output_text
    assert "start-up failed: InvalidToken" in output_text
    assert TELEGRAM_TOKEN not in output_text and CONSOLE_PASSWORD not in output_text
