"""Dead letters in the console: what could not be decided or delivered, and why; a
moderator retries (the row goes back to the processor or the outbox) or discards it.
Both are written to the audit log by the store, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from croupier.console.access import Access, json_error
from croupier.console.users import Permission
from croupier.store.base import DeadLetterGone, Store
from croupier.store.models import DeadLetter


class DeadLetterRoutes:
    def __init__(
        self,
        store: Store,
        access: Access,
        wake_outbox: Callable[[], None],
        retry_event: Callable[[int], None],
    ) -> None:
        """``retry_event`` hands an event that is ``accepted`` again to the processor."""
        self._store = store
        self._access = access
        self._wake_outbox = wake_outbox
        self._retry_event = retry_event

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/console/api/dead-letters", self.list_letters)
        app.router.add_post("/console/api/dead-letters/{letter_id:\\d+}/retry", self.retry)
        app.router.add_post("/console/api/dead-letters/{letter_id:\\d+}/discard", self.discard)

    async def list_letters(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.DEAD_LETTERS)
        include_resolved = request.query.get("all") in ("1", "true")
        letters = await self._store.dead_letters(include_resolved=include_resolved)
        return web.json_response({"dead_letters": [_letter_json(d) for d in letters]})

    async def retry(self, request: web.Request) -> web.Response:
        session = await self._access.require(request, Permission.DEAD_LETTERS, changes_state=True)
        try:
            letter = await self._store.retry_dead_letter(_letter_id(request), session.user)
        except DeadLetterGone:
            return json_error(409, "no such dead letter waiting (already retried or discarded?)")
        if letter.kind == "outbox":
            self._wake_outbox()
        else:
            self._retry_event(letter.ref_id)
        return web.json_response({"retried": letter.id})

    async def discard(self, request: web.Request) -> web.Response:
        session = await self._access.require(request, Permission.DEAD_LETTERS, changes_state=True)
        try:
            letter = await self._store.discard_dead_letter(_letter_id(request), session.user)
        except DeadLetterGone:
            return json_error(409, "no such dead letter waiting (already retried or discarded?)")
        return web.json_response({"discarded": letter.id})


def _letter_id(request: web.Request) -> int:
    return int(request.match_info["letter_id"])


def _letter_json(letter: DeadLetter) -> dict[str, object]:
    return {
        "id": letter.id,
        "kind": letter.kind,
        "ref_id": letter.ref_id,
        "reason": letter.reason,
        "created_at": letter.created_at,
        "resolution": letter.resolution,
        "resolved_by": letter.resolved_by,
        "resolved_at": letter.resolved_at,
    }
