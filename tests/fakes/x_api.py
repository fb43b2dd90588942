"""An X API v2 stand-in on 127.0.0.1: serves mentions and DM events, records every request.

The X adapter's tweepy ``AsyncClient`` talks real HTTP to it (the adapter moves tweepy's
fixed host to ``fake.url``), so tests exercise what production runs: tweepy's parameter
building, OAuth 1.0a signing, status handling and error classes.

Shapes follow X's v2 reference:

- ``GET /2/users/:id/mentions`` → ``{"data": [tweet…], "includes": {"users": […], "media":
  […]}, "meta": {"result_count", "newest_id", "oldest_id", "next_token"?}}``, newest first,
  honouring ``since_id``, ``max_results`` and ``pagination_token``; no ``data`` and
  ``result_count: 0`` when nothing is new.
- ``GET /2/dm_events`` → the same envelope with DM events (no ``since_id`` exists).
- ``POST /2/tweets`` → ``{"data": {"id", "text"}}`` (201).
- ``POST /2/dm_conversations/with/:participant_id/messages`` →
  ``{"data": {"dm_conversation_id", "dm_event_id"}}`` (201).

Scripted answers replace the next responses to a path: 429 with ``x-rate-limit-reset``,
403 duplicate content, 403 refused DM, 503, 401.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

TWEETS_PATH = "/2/tweets"
DM_EVENTS_PATH = "/2/dm_events"


def mentions_path(account_id: str) -> str:
    return f"/2/users/{account_id}/mentions"


def dm_path(participant_id: str) -> str:
    return f"/2/dm_conversations/with/{participant_id}/messages"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    authorization: str


@dataclass(frozen=True)
class ScriptedResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def problem(status: int, title: str, detail: str, **extra: Any) -> ScriptedResponse:
    """X v2's error shape (RFC 7807 problem details)."""
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}
    return ScriptedResponse(status, body)


def rate_limited(reset_at: int) -> ScriptedResponse:
    return ScriptedResponse(
        429,
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset_at),
        },
    )


def duplicate_content() -> ScriptedResponse:
    return problem(
        403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
    )


def dm_refused() -> ScriptedResponse:
    """What X answers when the player does not accept DMs from us."""
    return problem(
        403,
        "Forbidden",
        "You are not permitted to send Direct Messages to this user.",
        type="https://api.twitter.com/2/problems/not-authorized-for-resource",
    )


def service_unavailable() -> ScriptedResponse:
    return problem(503, "Service Unavailable", "Service Unavailable")


def unauthorized() -> ScriptedResponse:
    return problem(401, "Unauthorized", "Unauthorized")


class FakeXApi:
    """Start with ``async with FakeXApi() as x``; point the adapter at ``x.url``."""

    def __init__(self, account_id: str = "1500000000000000001") -> None:
        self.account_id = account_id
        self.requests: list[RecordedRequest] = []
        self._mentions: dict[str, dict[str, Any]] = {}
        self._dm_events: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._media: dict[str, dict[str, Any]] = {}
        self._scripts: dict[tuple[str, str], deque[ScriptedResponse]] = defaultdict(deque)
        self._ids = itertools.count(1_900_000_000_000_000_001)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- what X holds ------------------------------------------------------------------

    def add_mentions(self, page: dict[str, Any]) -> None:
        """Serve the tweets (and their includes) of a v2 page from now on."""
        self._add(self._mentions, page)

    def add_dm_events(self, page: dict[str, Any]) -> None:
        self._add(self._dm_events, page)

    def script(self, path: str, *responses: ScriptedResponse, method: str = "POST") -> None:
        """Answer the next requests to ``path`` with these, in order."""
        self._scripts[(method, path)].extend(responses)

    def sent_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and r.method == method]

    def tweets_posted(self) -> list[dict[str, Any]]:
        return [r.json for r in self.sent_to(TWEETS_PATH)]

    # -- server ------------------------------------------------------------------------

    async def __aenter__(self) -> FakeXApi:
        app = web.Application()
        app.router.add_get("/2/users/{account_id}/mentions", self._mentions_page)
        app.router.add_get(DM_EVENTS_PATH, self._dm_events_page)
        app.router.add_post(TWEETS_PATH, self._create_tweet)
        app.router.add_post("/2/dm_conversations/with/{participant_id}/messages", self._create_dm)
        app.middlewares.append(self._record_and_script)
        self._runner = web.AppRunner(app, access_log=None)
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

    @web.middleware
    async def _record_and_script(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                dict(request.query),
                body,
                request.headers.get("Authorization", ""),
            )
        )
        queue = self._scripts.get((request.method, request.path))
        if queue:
            scripted = queue.popleft()
            return web.json_response(
                scripted.body, status=scripted.status, headers=scripted.headers
            )
        return await handler(request)

    async def _mentions_page(self, request: web.Request) -> web.Response:
        return web.json_response(self._page(self._mentions, request, "author_id"))

    async def _dm_events_page(self, request: web.Request) -> web.Response:
        return web.json_response(self._page(self._dm_events, request, "sender_id"))

    async def _create_tweet(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(
            {"data": {"id": str(next(self._ids)), "text": body["text"]}}, status=201
        )

    async def _create_dm(self, request: web.Request) -> web.Response:
        participant = request.match_info["participant_id"]
        low, high = sorted([participant, self.account_id], key=int)
        return web.json_response(
            {"data": {"dm_conversation_id": f"{low}-{high}", "dm_event_id": str(next(self._ids))}},
            status=201,
        )

    # -- paging ------------------------------------------------------------------------

    def _add(self, into: dict[str, dict[str, Any]], page: dict[str, Any]) -> None:
        for item in page.get("data", []):
            into[item["id"]] = item
        includes = page.get("includes", {})
        for user in includes.get("users", []):
            self._users[user["id"]] = user
        for media in includes.get("media", []):
            self._media[media["media_key"]] = media

    def _page(
        self, items: dict[str, dict[str, Any]], request: web.Request, person_field: str
    ) -> dict[str, Any]:
        since_id = int(request.query.get("since_id", "0"))
        limit = int(request.query.get("max_results", "10"))
        start = int(request.query.get("pagination_token", "0"))
        newest_first = sorted(
            (item for item in items.values() if int(item["id"]) > since_id),
            key=lambda item: int(item["id"]),
            reverse=True,
        )
        selected = newest_first[start : start + limit]
        if not selected:
            return {"meta": {"result_count": 0}}
        meta: dict[str, Any] = {
            "result_count": len(selected),
            "newest_id": selected[0]["id"],
            "oldest_id": selected[-1]["id"],
        }
        if start + limit < len(newest_first):
            meta["next_token"] = str(start + limit)
        people = {item.get(person_field) for item in selected}
        media_keys = {
            key for item in selected for key in item.get("attachments", {}).get("media_keys", [])
        }
        includes: dict[str, Any] = {
            "users": [self._users[p] for p in sorted(people, key=str) if p in self._users]
        }
        media = [self._media[key] for key in sorted(media_keys) if key in self._media]
        if media:
            includes["media"] = media
        return {"data": selected, "includes": includes, "meta": meta}
