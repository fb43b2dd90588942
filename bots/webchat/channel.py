"""Web chat adapter: HTTP in, WebSocket out.

The player's browser posts messages with its own ``client_message_id`` (a retry
re-sends the same id, so it is answered once). Replies are pushed to every open
socket of the session; a socket that connects later asks for what it missed with
``after=<last reply id>``, served from the delivered replies the runtime keeps.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import WSMsgType, web
from pydantic import BaseModel, Field, ValidationError

from bots.channel import AcceptEvent, DeliveryResult
from bots.events import Event, Reply, clip_text

log = logging.getLogger(__name__)

CHANNEL_NAME = "webchat"
MAX_BODY_BYTES = 64 * 1024
STATIC_DIR = Path(__file__).with_name("static")
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

ReplyHistory = Callable[[str, str, int], Awaitable[list[tuple[int, Reply]]]]


class IncomingChatMessage(BaseModel):
    session_id: str = Field(pattern=_SESSION_ID.pattern)
    client_message_id: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=MAX_BODY_BYTES)


def reply_frame(reply_id: int, reply: Reply) -> str:
    return json.dumps(
        {
            "type": "reply",
            "reply_id": reply_id,
            "text": reply.text,
            "author": reply.author.value,
            "options": [o.model_dump() for o in reply.options],
        },
        ensure_ascii=False,
    )


class WebChatChannel:
    name = CHANNEL_NAME

    def __init__(self, accept: AcceptEvent, history: ReplyHistory) -> None:
        self._accept = accept
        self._history = history
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self._catching_up: dict[web.WebSocketResponse, dict[int, str]] = {}
        """Sockets still being sent their history, with the live frames held meanwhile: the
        page drops any reply id not above the last it showed, so ids must go out in order."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_post("/api/webchat/messages", self.post_message)
        app.router.add_get("/api/webchat/ws", self.websocket)

    async def page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)

    async def post_message(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _error(413, f"message too long (limit {MAX_BODY_BYTES // 1024} KB)")
        try:
            body = await request.content.read(MAX_BODY_BYTES + 1)
        except ValueError:
            return _error(400, "could not read the request body")
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"message too long (limit {MAX_BODY_BYTES // 1024} KB)")
        try:
            message = IncomingChatMessage.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "body"
            return _error(400, f"invalid message: {field}: {first['msg']}")
        text, truncated = clip_text(message.text)
        event = Event(
            channel=CHANNEL_NAME,
            platform_message_id=f"{message.session_id}:{message.client_message_id}",
            conversation_key=message.session_id,
            sender_id=message.session_id,
            text=text,
            text_truncated=truncated,
            language_hint=_accept_language(request),
        )
        event_id, is_new = await self._accept(event, body.decode("utf-8", "replace"))
        return web.json_response(
            {"event_id": event_id, "duplicate": not is_new}, status=202 if is_new else 200
        )

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        session_id = request.query.get("session_id", "")
        if not _SESSION_ID.match(session_id):
            raise web.HTTPBadRequest(text="invalid session_id")
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            after = 0
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        held: dict[int, str] = {}
        self._catching_up[socket] = held
        self._sockets[session_id].add(socket)
        try:
            frames = {
                reply_id: reply_frame(reply_id, reply)
                for reply_id, reply in await self._history(CHANNEL_NAME, session_id, after)
            }
            last_sent = after
            while frames:
                for reply_id in sorted(frames):
                    if reply_id > last_sent:
                        await socket.send_str(frames[reply_id])
                        last_sent = reply_id
                frames = dict(held)  # delivered while we were sending
                held.clear()
            del self._catching_up[socket]  # live from here: deliver() sends directly
            async for frame in socket:
                if frame.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._catching_up.pop(socket, None)
            self._sockets[session_id].discard(socket)
            if not self._sockets[session_id]:
                del self._sockets[session_id]
        return socket

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        """Push to open sockets; a closed browser catches up from history on reconnect."""
        frame = reply_frame(delivery_id, reply)
        for socket in list(self._sockets.get(reply.conversation_key, ())):
            held = self._catching_up.get(socket)
            if held is not None:
                held[delivery_id] = frame
                continue
            try:
                await socket.send_str(frame)
            except ConnectionError:
                log.debug("webchat socket gone for %s", reply.conversation_key)
        return DeliveryResult(delivered=True, platform_message_id=str(delivery_id))

    async def close(self) -> None:
        for sockets in list(self._sockets.values()):
            for socket in list(sockets):
                await socket.close()


_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _accept_language(request: web.Request) -> str | None:
    header = request.headers.get("Accept-Language", "")
    first = header.split(",", 1)[0].split(";", 1)[0].strip().lower()
    return first[:2] if re.fullmatch(r"[a-z]{2}(-[a-z0-9]+)?", first) else None
