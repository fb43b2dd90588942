"""The whole service with every channel on, over HTTP, against the fake platforms.

Shared by the hostile-input, webhook-chaos and secrets tests: web chat, Telegram in
webhook mode, Meta and X (Account Activity webhook), each with distinctive secret values
so a test can look for them in everything the service says. Webhooks are posted the way
the platforms post them: Telegram's secret header, Meta's and X's HMAC signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from croupier.app import Croupier
from croupier.config import DEFAULT_BOT_TEXTS, Settings
from croupier.decisions import DecisionParts
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.x_api import FakeXApi

# Distinctive values: none may ever show up in a log line, an HTTP answer or a console page.
TELEGRAM_TOKEN = "7000000042:AAH-SeCrEtTgTokenQv7Zx1Lp0Wm9Ny3Kc5Hb8"
TELEGRAM_WEBHOOK_SECRET = "TgHookSecret_Zq81_wXv93_kLm27"
META_APP_SECRET = "MetaAppSecret-5d1e0c7a-never-log"
META_VERIFY_TOKEN = "MetaVerifyToken-8b2f4e61-never-log"
META_PAGE_TOKEN = "EAAMetaPageTokenSecretQ4r9T2y8U1i7O3p"
META_PAGE_ID = "104000000000001"
X_CONSUMER_KEY = "XConsumerKeySecret9aB3cD7eF"
X_CONSUMER_SECRET = "XConsumerSecretVal-2w8e4r6t-never-log"
X_ACCESS_TOKEN = "1500000000000000001-XAccessTokenSecretJ5k2L8"
X_ACCESS_TOKEN_SECRET = "XAccessTokenSecretSecret-3n7m1b9v"
X_ACCOUNT_ID = "1500000000000000001"
CONSOLE_PASSWORD = "ConsolePw-Hx7!rQ2#secret-never-log"

SECRETS = (
    TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET,
    META_APP_SECRET,
    META_VERIFY_TOKEN,
    META_PAGE_TOKEN,
    X_CONSUMER_KEY,
    X_CONSUMER_SECRET,
    X_ACCESS_TOKEN,
    X_ACCESS_TOKEN_SECRET,
    CONSOLE_PASSWORD,
)

ENDS = frozenset({"answered", "escalated", "dead"})
"""Event statuses that end an event's life (anything else is half-done)."""


def channel_environment(
    telegram_url: str, graph_url: str, x_url: str, **extra: str
) -> dict[str, str]:
    return {
        "CROUPIER_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "CROUPIER_TELEGRAM_MODE": "webhook",
        "CROUPIER_TELEGRAM_WEBHOOK_URL": "https://croupier.example/telegram/webhook",
        "CROUPIER_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "CROUPIER_TELEGRAM_API_BASE_URL": telegram_url,
        "CROUPIER_TELEGRAM_PRIVATE_CHAT_INTERVAL": "0",
        "CROUPIER_TELEGRAM_GROUP_CHAT_INTERVAL": "0",
        "CROUPIER_META_APP_SECRET": META_APP_SECRET,
        "CROUPIER_META_VERIFY_TOKEN": META_VERIFY_TOKEN,
        "CROUPIER_META_PAGE_ACCESS_TOKEN": META_PAGE_TOKEN,
        "CROUPIER_META_PAGE_ID": META_PAGE_ID,
        "CROUPIER_META_GRAPH_BASE_URL": graph_url,
        "CROUPIER_X_CONSUMER_KEY": X_CONSUMER_KEY,
        "CROUPIER_X_CONSUMER_SECRET": X_CONSUMER_SECRET,
        "CROUPIER_X_ACCESS_TOKEN": X_ACCESS_TOKEN,
        "CROUPIER_X_ACCESS_TOKEN_SECRET": X_ACCESS_TOKEN_SECRET,
        "CROUPIER_X_ACCOUNT_ID": X_ACCOUNT_ID,
        "CROUPIER_X_MODE": "webhook",
        "CROUPIER_X_API_BASE_URL": x_url,
    } | extra


def meta_headers(body: bytes, secret: str = META_APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def x_headers(body: bytes, secret: str = X_CONSUMER_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode(),
    }


def telegram_headers(secret: str | None = TELEGRAM_WEBHOOK_SECRET) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return headers


@dataclass
class Service:
    """A running Croupier with all channels, its HTTP client and the fake platforms."""

    app: Croupier
    client: TestClient[Any, Any]
    telegram: FakeTelegramApi
    graph: FakeGraphApi
    x: FakeXApi
    database: Path

    async def post_telegram(
        self, update: dict[str, Any] | bytes, secret: str | None = TELEGRAM_WEBHOOK_SECRET
    ) -> ClientResponse:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        return await self.client.post(
            "/telegram/webhook", data=body, headers=telegram_headers(secret)
        )

    async def post_meta(
        self, payload: dict[str, Any] | bytes, secret: str = META_APP_SECRET
    ) -> ClientResponse:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return await self.client.post(
            "/meta/webhook", data=body, headers=meta_headers(body, secret)
        )

    async def post_x(
        self, payload: dict[str, Any] | bytes, secret: str = X_CONSUMER_SECRET
    ) -> ClientResponse:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return await self.client.post("/x/webhook", data=body, headers=x_headers(body, secret))

    def events(self) -> list[tuple[int, str, str, str, str]]:
        """(id, channel, platform message id, conversation key, status), read from the
        SQLite file itself in id order, which is the order the service accepted them."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            return db.execute(
                "SELECT e.id, e.channel, e.platform_message_id, c.conversation_key, e.status "
                "FROM events e JOIN conversations c ON c.id = e.conversation_id ORDER BY e.id"
            ).fetchall()


@asynccontextmanager
async def running_service(
    tmp_path: Path, faq_dir: Path, parts: DecisionParts, **extra_environment: str
) -> AsyncIterator[Service]:
    telegram = FakeTelegramApi(token=TELEGRAM_TOKEN)
    await telegram.start()
    try:
        async with FakeGraphApi() as graph, FakeXApi(X_ACCOUNT_ID) as x:
            settings = Settings(
                data_dir=tmp_path / "var", faq_dir=faq_dir, bot_texts=DEFAULT_BOT_TEXTS
            )
            environment = channel_environment(
                telegram.base_url, graph.url, x.url, **extra_environment
            )
            app = Croupier(
                settings, CONSOLE_PASSWORD, parts=parts, channel_environment=environment
            )
            await app.start()
            try:
                async with TestClient(TestServer(app.web)) as client:
                    yield Service(app, client, telegram, graph, x, settings.database_path)
            finally:
                await app.stop()
    finally:
        await telegram.close()
