"""A local HTTP server that plays the Telegram Bot API, for driving the real adapter.

python-telegram-bot talks to it over real HTTP (``Bot(base_url=fake.base_url)``), so the
tests exercise PTB's request encoding and error mapping, not a mock of them. It answers
``POST /bot<token>/<method>`` the way core.telegram.org/bots/api documents: ``{"ok": true,
"result": …}`` or ``{"ok": false, "error_code": …, "description": …, "parameters": …}``,
records every call, serves queued updates to getUpdates honouring ``offset`` and the long
poll ``timeout``, serves files it was given through ``getFile`` and
``GET /file/bot<token>/<file_path>``, and can be scripted to fail the next calls of a
method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

TOKEN = "7000000001:AAF-fake-token-for-tests-0123456789abc"
BOT_ID = 7000000001
BOT_USERNAME = "CroupierTestBot"
PAYLOAD_DIR = Path(__file__).resolve().parent.parent / "payloads" / "telegram"

_PLAIN_STRING_FIELDS = frozenset({"text", "url", "secret_token", "callback_query_id", "caption"})
"""Form fields PTB sends as bare strings; everything else is JSON-encoded."""


def load_update(name: str) -> dict[str, Any]:
    """One of the documented Update payloads in ``tests/payloads/telegram``."""
    return json.loads((PAYLOAD_DIR / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ApiFailure:
    """An error answer as the Bot API gives it."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None


TOO_MANY_REQUESTS = ApiFailure(429, "Too Many Requests: retry after 3", {"retry_after": 3})
BLOCKED_BY_USER = ApiFailure(403, "Forbidden: bot was blocked by the user")
CHAT_NOT_FOUND = ApiFailure(400, "Bad Request: chat not found")
BAD_GATEWAY = ApiFailure(502, "Bad Gateway")
INTERNAL_ERROR = ApiFailure(500, "Internal Server Error")
SERVICE_UNAVAILABLE = ApiFailure(503, "Service Unavailable")
HANG = ApiFailure(0, "hang: no answer until the client gives up")
DROP = ApiFailure(0, "drop: the connection closes without an answer")


class FakeTelegramApi:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[ApiCall] = []
        self.delivered: list[dict[str, Any]] = []
        """Parameters of each sendMessage that succeeded: what the player has."""
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._script: dict[str, deque[ApiFailure | None]] = defaultdict(deque)
        """Per method, what the next calls get: a failure, or None for the normal answer."""
        self._message_ids = itertools.count(5001)
        self._files: dict[str, tuple[str, bytes]] = {}
        """file_id → (file_path, content), as getFile and the file download serve them."""
        self.downloads: list[str] = []
        """file_path of every file downloaded, in order."""
        self._runner: web.AppRunner | None = None
        self._port = 0

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self._port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._new_update.set()  # release held long polls now rather than at their timeout
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/bot"

    # -- scripting ----------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> None:
        self._updates.append(update)
        self._new_update.set()

    def fail_next(self, method: str, failure: ApiFailure, times: int = 1, after: int = 0) -> None:
        """The next ``times`` calls of ``method`` fail, once ``after`` calls have succeeded."""
        self._script[method].extend([None] * after + [failure] * times)

    def add_file(self, file_id: str, file_path: str, content: bytes) -> None:
        """A file a player sent: getFile for ``file_id`` names ``file_path``."""
        self._files[file_id] = (file_path, content)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    # -- the API --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _failure(ApiFailure(401, "Unauthorized"))
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(ApiCall(method, params))
        scripted = self._script[method].popleft() if self._script[method] else None
        if scripted is HANG:
            await asyncio.sleep(3600)  # cancelled when the client hangs up
        if scripted is DROP:
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if scripted is not None:
            return _failure(scripted)
        match method:
            case "getMe":
                return _ok(self.bot_user(with_capabilities=True))
            case "getUpdates":
                return _ok(await self._get_updates(params))
            case "sendMessage":
                self.delivered.append(params)
                return _ok(self._sent_message(params))
            case "setWebhook" | "deleteWebhook" | "answerCallbackQuery":
                return _ok(True)
            case "getFile":
                return self._get_file(str(params.get("file_id", "")))
        return _failure(ApiFailure(404, "Not Found"))

    def _get_file(self, file_id: str) -> web.Response:
        """A File object; like Telegram, a 400 "file is too big" beyond 20 MB."""
        known = self._files.get(file_id)
        if known is None:
            return _failure(ApiFailure(400, "Bad Request: invalid file_id"))
        file_path, content = known
        if len(content) > 20 * 1024 * 1024:
            return _failure(ApiFailure(400, "Bad Request: file is too big"))
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": f"unique-{file_id[-12:]}",
                "file_size": len(content),
                "file_path": file_path,
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        """``https://api.telegram.org/file/bot<token>/<file_path>``: the raw bytes."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_path = request.match_info["file_path"]
        for path, content in self._files.values():
            if path == file_path:
                self.downloads.append(file_path)
                return web.Response(body=content, content_type="application/octet-stream")
        return web.Response(status=404)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Updates below ``offset`` are confirmed and forgotten, as on Telegram."""
        offset = params.get("offset")
        if offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                pass
        return self._updates[:limit]

    def _sent_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat: dict[str, Any] = (
            {"id": chat_id, "type": "private", "first_name": "Player"}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Casino community"}
        )
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot_user(),
            "chat": chat,
            "date": int(time.time()),
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def bot_user(self, *, with_capabilities: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Croupier",
            "username": BOT_USERNAME,
        }
        if with_capabilities:
            user |= {
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        return user


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields, JSON-encoding the non-string ones; accept a JSON body too."""
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        if key in _PLAIN_STRING_FIELDS:
            params[key] = text
            continue
        try:
            params[key] = json.loads(text)
        except ValueError:
            params[key] = text
    return params


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _failure(failure: ApiFailure) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": failure.status,
        "description": failure.description,
    }
    if failure.parameters:
        body["parameters"] = failure.parameters
    return web.json_response(body, status=failure.status)
