"""A Graph API stand-in on 127.0.0.1: records every request, answers as scripted.

The Meta adapter talks real HTTP to it, so tests exercise the same code path as
production: URL building, query parameters, JSON bodies, status codes and error bodies.
Unscripted requests succeed with the shapes Meta documents (``message_id`` for the Send
API, ``id`` for a new comment, ``success`` otherwise).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any


@dataclass(frozen=True)
class ScriptedResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


def graph_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    error_type: str = "OAuthException",
    status: int = 400,
    headers: dict[str, str] | None = None,
) -> ScriptedResponse:
    """Meta's documented error shape: ``{"error": {message, type, code, error_subcode, fbtrace_id}}``."""
    error: dict[str, Any] = {
        "message": message,
        "type": error_type,
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return ScriptedResponse(status, {"error": error}, headers or {})


def throttled(code: int = 4) -> ScriptedResponse:
    """Application (4), user (17), page (32) or custom (613) rate limit."""
    return graph_error(code, f"(#{code}) Application request limit reached")


def too_many_requests(retry_after: int | None = None) -> ScriptedResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return graph_error(
        613, "Calls to this api have exceeded the rate limit.", status=429, headers=headers
    )


def outside_messaging_window() -> ScriptedResponse:
    return graph_error(
        10, "(#10) This message is sent outside of allowed window.", subcode=2018278
    )


def person_unavailable() -> ScriptedResponse:
    return graph_error(551, "This person isn't available right now.", subcode=1545041)


def invalid_token() -> ScriptedResponse:
    return graph_error(190, "Error validating access token: Session has expired.", subcode=463)


def server_error() -> ScriptedResponse:
    return ScriptedResponse(
        500,
        {
            "error": {
                "message": "An unexpected error has occurred.",
                "type": "OAuthException",
                "code": 2,
                "is_transient": True,
            }
        },
    )


def message_sent(message_id: str, recipient_id: str = "7100000000000001") -> ScriptedResponse:
    """The Send API's success answer, with a chosen ``message_id``."""
    return ScriptedResponse(200, {"recipient_id": recipient_id, "message_id": message_id})


def slow_success(seconds: float) -> ScriptedResponse:
    return ScriptedResponse(200, {"success": True}, delay_seconds=seconds)


class FakeGraphApi:
    """Start with ``async with FakeGraphApi() as graph``; point the adapter at ``graph.url``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._scripts: dict[tuple[str, str], deque[ScriptedResponse]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def script(self, path: str, *responses: ScriptedResponse, method: str = "POST") -> None:
        """Answer the next requests to ``path`` (e.g. ``/v21.0/me/messages``) in this order."""
        self._scripts[(method, path)].extend(responses)

    def sent_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and r.method == method]

    async def __aenter__(self) -> FakeGraphApi:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # Meta's logs are not ours
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body: Any = None
        if request.can_read_body:
            body = (
                await request.json()
                if request.content_type == "application/json"
                else await request.text()
            )
        self.requests.append(
            RecordedRequest(request.method, request.path, dict(request.query), body)
        )
        queue = self._scripts.get((request.method, request.path))
        if queue:
            scripted = queue.popleft()
            if scripted.delay_seconds:
                await asyncio.sleep(scripted.delay_seconds)
            return web.json_response(
                scripted.body, status=scripted.status, headers=scripted.headers
            )
        return web.json_response(self._default_body(request.path, body))

    def _default_body(self, path: str, body: Any) -> dict[str, Any]:
        number = next(self._ids)
        if path.endswith("/messages"):
            recipient = body.get("recipient", {}) if isinstance(body, dict) else {}
            return {
                "recipient_id": recipient.get("id", "7100000000000001"),
                "message_id": f"m_fake{number}",
            }
        if path.endswith(("/comments", "/replies")):
            return {"id": f"fake_comment_{number}"}
        return {"success": True}
