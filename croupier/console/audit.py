"""The audit log: who did what, when. Ticket and dead-letter actions are written by the
store in the action's own transaction; sign-in and sign-out are written here."""

from __future__ import annotations

from aiohttp import web

from croupier.console.access import Access
from croupier.console.users import Permission
from croupier.store.base import Store


class AuditRoutes:
    def __init__(self, store: Store, access: Access) -> None:
        self._store = store
        self._access = access

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/console/api/audit", self.entries)

    async def entries(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.AUDIT)
        try:
            limit = int(request.query.get("limit", "200"))
        except ValueError:
            limit = 200
        entries = await self._store.audit_entries(limit, request.query.get("actor") or None)
        return web.json_response(
            {
                "entries": [
                    {
                        "id": e.id,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "target": e.target,
                        "detail": e.detail,
                    }
                    for e in entries
                ]
            }
        )
