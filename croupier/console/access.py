"""The gate every console API request passes: signed in, allowed, and (when it changes
state) carrying the session's CSRF token."""

from __future__ import annotations

import json
import secrets

from aiohttp import web

from bots.json_input import loads_untrusted
from croupier.console.auth import ConsoleAuth, ConsoleSession
from croupier.console.users import Permission

SESSION_COOKIE = "croupier_console"


def json_error(status: int, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def _raise(kind: type[web.HTTPException], message: str) -> None:
    raise kind(text=json.dumps({"error": message}), content_type="application/json")


class Access:
    def __init__(self, auth: ConsoleAuth) -> None:
        self.auth = auth

    async def session(self, request: web.Request) -> ConsoleSession | None:
        return await self.auth.session_for(request.cookies.get(SESSION_COOKIE))

    async def require(
        self, request: web.Request, permission: Permission, *, changes_state: bool = False
    ) -> ConsoleSession:
        session = await self.session(request)
        if session is None:
            _raise(web.HTTPUnauthorized, "sign in first")
        assert session is not None
        if changes_state and not secrets.compare_digest(
            session.csrf_token, request.headers.get("X-CSRF-Token", "")
        ):
            _raise(web.HTTPForbidden, "missing or wrong CSRF token")
        if not session.console_user.may(permission):
            _raise(web.HTTPForbidden, f"a {session.role.value} may not do this")
        return session


async def json_body(request: web.Request) -> dict[str, object]:
    """The request's JSON object; an empty body is an empty object."""
    if not request.can_read_body:
        return {}
    try:
        body = loads_untrusted(await request.read())
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"error": "expected a JSON object"}', content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"error": "expected a JSON object"}', content_type="application/json"
        )
    return body
