"""Live updates for open consoles: an in-process pub/sub fed by the store's ticket
changes, streamed to each browser as Server-Sent Events.

SSE rather than a WebSocket: the traffic is one-way, EventSource reconnects by itself,
and it passes the same cookie and CSP rules as every other console request. A browser
that falls behind (its queue full) is dropped; it reconnects and reloads the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web

from croupier.console.access import Access
from croupier.console.users import Permission
from croupier.store.models import TicketChange

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
SUBSCRIBER_BACKLOG = 200
_CLOSED = None


class LiveFeed:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, object] | None]] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, message: dict[str, object]) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                self._subscribers.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.get_nowait()
                    queue.put_nowait(_CLOSED)

    def ticket_changed(self, change: TicketChange) -> None:
        """Store listener: runs on the event loop right after the change commits."""
        self.publish(
            {
                "type": "ticket",
                "ticket_id": change.ticket_id,
                "change": change.change,
                "actor": change.actor,
            }
        )

    def subscribe(self) -> asyncio.Queue[dict[str, object] | None]:
        queue: asyncio.Queue[dict[str, object] | None] = asyncio.Queue(SUBSCRIBER_BACKLOG)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, object] | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        """End every stream (shutdown): a handler waiting on its queue returns."""
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(_CLOSED)
        self._subscribers.clear()


class LiveRoutes:
    def __init__(self, access: Access, feed: LiveFeed) -> None:
        self._access = access
        self._feed = feed

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/console/api/events", self.events)

    async def events(self, request: web.Request) -> web.StreamResponse:
        await self._access.require(request, Permission.READ_TICKETS)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue = self._feed.subscribe()
        try:
            await response.write(b"retry: 2000\nevent: hello\ndata: {}\n\n")
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                if message is _CLOSED:
                    break
                data = json.dumps(message, ensure_ascii=False)
                await response.write(f"event: {message['type']}\ndata: {data}\n\n".encode())
        except ConnectionResetError:
            pass  # the browser went away
        finally:
            self._feed.unsubscribe(queue)
        return response
