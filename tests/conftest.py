"""Shared fixtures: a real Croupier (SQLite file, aiohttp server) on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, DEFAULT_FAQ_DIR, Settings
from croupier.decisions import DecisionParts
from tests.all_channels import Service, running_service
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.servers import PostgresServer, RedisServer, ServerUnavailable

CONSOLE_PASSWORD = "correct horse battery staple"

# Property tests (hypothesis): "ci" is derandomized (the same examples on every run, so a
# red CI is reproducible) and small; CROUPIER_HYPOTHESIS_PROFILE=deep explores 20x more
# with fresh random examples. A test scales its own count with ``examples(n)``.
_HYPOTHESIS_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,  # one service per test; examples use fresh ids
        HealthCheck.data_too_large,
    ],
}
hypothesis_settings.register_profile(
    "ci", max_examples=100, derandomize=True, database=None, **_HYPOTHESIS_COMMON
)
hypothesis_settings.register_profile("deep", max_examples=2000, **_HYPOTHESIS_COMMON)
hypothesis_settings.load_profile(os.environ.get("CROUPIER_HYPOTHESIS_PROFILE", "ci"))


def examples(ci_count: int) -> int:
    """``ci_count`` examples under the CI profile, proportionally more under a bigger one."""
    return max(1, ci_count * hypothesis_settings.default.max_examples // 100)


def faq_answer(croupier: Croupier, entry_id: str, lang: str) -> str:
    """The approved answer as a private chat shows it: whole, then "did this help?"."""
    responder = croupier.content.responder
    assert responder is not None
    entry = responder.decider.index.faq.get(entry_id)
    assert entry is not None, entry_id
    return f"{entry.answer[lang]}\n\n{responder.texts.get('feedback_question', lang)}"


def phrase(croupier: Croupier, key: str, lang: str = "en") -> str:
    responder = croupier.content.responder
    assert responder is not None
    return responder.texts.get(key, lang)


@pytest.fixture(scope="session")
def decision_parts() -> DecisionParts:
    """Lexicon, triage rules and the language models, loaded once for the whole run."""
    return DecisionParts.load()


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped FAQ that a test may edit."""
    target = tmp_path / "faq"
    shutil.copytree(DEFAULT_FAQ_DIR, target)
    return target


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose server or browser is missing on a developer's machine; in CI
    (``.ci/run`` sets ``CI=true`` and installs them all) it is a failure instead, so a
    broken install can never pass as green."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster for the run; each test gets its own database."""
    try:
        server = PostgresServer().start()
    except (ServerUnavailable, subprocess.CalledProcessError) as exc:
        unavailable(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer().start()
    except ServerUnavailable as exc:
        unavailable(f"no Redis server: {exc}")
    yield server
    server.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module with ``BOTH_STORES = True`` runs each store-using test on both backends:
    the same code paths, the same assertions, SQLite and PostgreSQL."""
    if getattr(metafunc.module, "BOTH_STORES", False) and "store_backend" in metafunc.fixturenames:
        metafunc.parametrize("store_backend", ["sqlite", "postgres"])


@pytest.fixture
def store_backend() -> str:
    """sqlite unless a test module parametrizes ``store_backend`` over both backends."""
    return "sqlite"


@pytest.fixture
async def store_url(store_backend: str, request: pytest.FixtureRequest) -> str | None:
    """None: the SQLite file; otherwise a fresh migrated PostgreSQL database's URL."""
    if store_backend == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("pg_server")
    return await server.new_database()


@pytest.fixture
async def croupier(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts, store_url: str | None
) -> AsyncIterator[Croupier]:
    settings = Settings(
        store=store_url,
        data_dir=tmp_path / "var",
        faq_dir=faq_dir,
        bot_texts=DEFAULT_BOT_TEXTS,
        faq_reload_seconds=0.2,
    )
    app = Croupier(settings, CONSOLE_PASSWORD, parts=decision_parts)
    await app.start()
    yield app
    await app.stop()


@pytest.fixture
async def client(croupier: Croupier) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(croupier.web)) as test_client:
        yield test_client


class PlayerChat:
    """A player's browser: posts messages over HTTP and reads replies from the WebSocket."""

    def __init__(self, client: TestClient[Any, Any], session_id: str) -> None:
        self.client = client
        self.session_id = session_id
        self.socket: ClientWebSocketResponse | None = None
        self._counter = 0

    async def connect(self, after: int = 0) -> None:
        self.socket = await self.client.ws_connect(
            f"/api/webchat/ws?session_id={self.session_id}&after={after}"
        )

    async def say(self, text: str, client_message_id: str | None = None) -> dict[str, Any]:
        self._counter += 1
        response = await self.client.post(
            "/api/webchat/messages",
            json={
                "session_id": self.session_id,
                "client_message_id": client_message_id or f"m{self._counter}",
                "text": text,
            },
        )
        body = await response.json()
        assert response.status in (200, 202), body
        return body

    async def next_reply(self, seconds: float = 10.0) -> dict[str, Any]:
        assert self.socket is not None
        message = await self.socket.receive(timeout=seconds)
        return json.loads(message.data)

    async def no_reply_within(self, seconds: float) -> bool:
        """True when nothing arrives; otherwise fails naming what did (a duplicate reply
        and a closed socket call for different fixes)."""
        assert self.socket is not None
        try:
            message = await self.socket.receive(timeout=seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"expected silence, got {message.type.name}: {message.data!r:.300}")

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


@pytest.fixture
async def player(client: TestClient[Any, Any]) -> AsyncIterator[PlayerChat]:
    chat = PlayerChat(client, "player-session-1")
    await chat.connect()
    yield chat
    await chat.close()


class Moderator:
    """A signed-in moderator using the console's JSON API, as the page does."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self) -> None:
        page = await self.client.get("/console/login")
        html = await page.text()
        token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = await self.client.post(
            "/console/login",
            data={"csrf_token": token, "username": "moderator", "password": CONSOLE_PASSWORD},
        )
        console = await response.text()
        assert response.status == 200 and 'name="csrf-token"' in console
        self.csrf = console.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    async def open_tickets(self) -> list[dict[str, Any]]:
        response = await self.client.get("/console/api/tickets?status=open")
        assert response.status == 200
        return (await response.json())["tickets"]

    async def ticket(self, ticket_id: int) -> dict[str, Any]:
        response = await self.client.get(f"/console/api/tickets/{ticket_id}")
        assert response.status == 200
        return await response.json()

    async def reply(self, ticket_id: int, text: str) -> int:
        response = await self.client.post(
            f"/console/api/tickets/{ticket_id}/reply",
            json={"text": text},
            headers={"X-CSRF-Token": self.csrf},
        )
        return response.status

    async def close(self, ticket_id: int) -> int:
        response = await self.client.post(
            f"/console/api/tickets/{ticket_id}/close", json={}, headers={"X-CSRF-Token": self.csrf}
        )
        return response.status


@pytest.fixture
async def moderator(client: TestClient[Any, Any]) -> Moderator:
    mod = Moderator(client)
    await mod.sign_in()
    return mod


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    """A fake Bot API on loopback (tests/fakes/telegram_api.py)."""
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphApi]:
    """A fake Graph API on loopback (tests/fakes/graph_api.py)."""
    async with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
async def service(
    tmp_path: Path, faq_dir: Path, decision_parts: DecisionParts
) -> AsyncIterator[Service]:
    """The whole service with every channel on, against the fakes (tests/all_channels.py)."""
    async with running_service(tmp_path, faq_dir, decision_parts) as running:
        yield running
