"""Console HTTP routes: pages behind sign-in and a small JSON API the page polls.

Every state-changing request needs the session's CSRF token (``X-CSRF-Token`` header
for the API, ``csrf_token`` form field for forms); cookies are HttpOnly + SameSite.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bots.events import MAX_TEXT_CHARS, Reply, ReplyAuthor
from croupier.console.auth import ConsoleAuth, ConsoleSession
from croupier.store.base import Store, TicketNotOpen
from croupier.store.models import TicketStatus, TicketSummary

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
SESSION_COOKIE = "croupier_console"
LOGIN_CSRF_COOKIE = "croupier_login_csrf"
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

ClosingNote = Callable[[TicketSummary], Reply | None]


class ConsoleRoutes:
    def __init__(
        self,
        store: Store,
        auth: ConsoleAuth,
        closing_note: ClosingNote,
        wake_outbox: Callable[[], None],
        content_status: Callable[[], dict[str, object]],
        secure_cookies: bool = False,
    ) -> None:
        self._store = store
        self._auth = auth
        self._closing_note = closing_note
        self._wake_outbox = wake_outbox
        self._content_status = content_status
        self._secure = secure_cookies

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/console", self.console_page)
        app.router.add_get("/console/login", self.login_page)
        app.router.add_post("/console/login", self.login)
        app.router.add_post("/console/logout", self.logout)
        app.router.add_get("/console/api/tickets", self.list_tickets)
        app.router.add_get("/console/api/tickets/{ticket_id:\\d+}", self.ticket)
        app.router.add_post("/console/api/tickets/{ticket_id:\\d+}/reply", self.reply)
        app.router.add_post("/console/api/tickets/{ticket_id:\\d+}/close", self.close)
        app.router.add_get("/console/api/dead-letters", self.dead_letters)
        app.router.add_get("/console/api/faq-status", self.faq_status)

    # -- pages -------------------------------------------------------------------

    def _page(self, name: str, replacements: dict[str, str]) -> web.Response:
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        for placeholder, value in replacements.items():
            text = text.replace(placeholder, html.escape(value, quote=True))
        return web.Response(text=text, content_type="text/html", headers=_SECURITY_HEADERS)

    def _session(self, request: web.Request) -> ConsoleSession | None:
        return self._auth.session_for(request.cookies.get(SESSION_COOKIE))

    async def console_page(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            raise web.HTTPFound("/console/login")
        return self._page("console.html", {"__CSRF_TOKEN__": session.csrf_token})

    async def login_page(self, request: web.Request, error: str = "") -> web.Response:
        token = secrets.token_urlsafe(24)
        response = self._page("login.html", {"__CSRF_TOKEN__": token, "__LOGIN_ERROR__": error})
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=self._secure,
            path="/console",
        )
        if error:
            response.set_status(401)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        given = str(form.get("csrf_token", ""))
        if not expected or not secrets.compare_digest(expected, given):
            return await self.login_page(request, "Your sign-in form expired; please try again.")
        user = str(form.get("username", ""))[:64]
        if self._auth.is_locked(user):
            log.warning("console sign-in refused: %s is locked out", user)
            return await self.login_page(request, "Too many failed attempts; try again later.")
        session = self._auth.sign_in(user, str(form.get("password", ""))[:256])
        if session is None:
            log.warning("console sign-in failed for %s", user)
            return await self.login_page(request, "Wrong user name or password.")
        log.info("console: %s signed in", user)
        response = web.HTTPFound("/console")
        response.set_cookie(
            SESSION_COOKIE,
            session.token,
            httponly=True,
            samesite="Strict",
            secure=self._secure,
            path="/console",
        )
        response.del_cookie(LOGIN_CSRF_COOKIE, path="/console")
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        form = await request.post()
        if session is not None and secrets.compare_digest(
            session.csrf_token, str(form.get("csrf_token", ""))
        ):
            self._auth.sign_out(session.token)
            log.info("console: %s signed out", session.user)
        response = web.HTTPFound("/console/login")
        response.del_cookie(SESSION_COOKIE, path="/console")
        raise response

    # -- API ---------------------------------------------------------------------

    def _api_session(self, request: web.Request, *, changes_state: bool) -> ConsoleSession:
        session = self._session(request)
        if session is None:
            raise web.HTTPUnauthorized(
                text='{"error": "sign in first"}', content_type="application/json"
            )
        if changes_state and not secrets.compare_digest(
            session.csrf_token, request.headers.get("X-CSRF-Token", "")
        ):
            raise web.HTTPForbidden(
                text='{"error": "missing or wrong CSRF token"}', content_type="application/json"
            )
        return session

    async def list_tickets(self, request: web.Request) -> web.Response:
        self._api_session(request, changes_state=False)
        try:
            status = TicketStatus(request.query.get("status", "open"))
        except ValueError:
            return _error(400, "status must be open or closed")
        tickets = await self._store.list_tickets(status)
        return web.json_response({"tickets": [_ticket_json(t) for t in tickets]})

    async def ticket(self, request: web.Request) -> web.Response:
        self._api_session(request, changes_state=False)
        try:
            ticket, lines = await self._store.ticket_transcript(
                int(request.match_info["ticket_id"])
            )
        except KeyError:
            return _error(404, "no such ticket")
        return web.json_response(
            {
                "ticket": _ticket_json(ticket),
                "messages": [{"author": m.author, "text": m.text, "at": m.at} for m in lines],
            }
        )

    async def reply(self, request: web.Request) -> web.Response:
        session = self._api_session(request, changes_state=True)
        ticket_id = int(request.match_info["ticket_id"])
        try:
            body = await request.json()
        except ValueError:
            return _error(400, 'expected JSON {"text": ...}')
        text = str(body.get("text", "")).strip() if isinstance(body, dict) else ""
        if not text:
            return _error(400, "the reply is empty")
        if len(text) > MAX_TEXT_CHARS:
            return _error(400, f"the reply is over {MAX_TEXT_CHARS} characters")
        try:
            outbox_id = await self._store.moderator_reply(ticket_id, session.user, text)
        except TicketNotOpen:
            return _error(409, "this ticket is not open")
        log.info("console: %s replied to ticket %d", session.user, ticket_id)
        self._wake_outbox()
        return web.json_response({"outbox_id": outbox_id}, status=202)

    async def close(self, request: web.Request) -> web.Response:
        session = self._api_session(request, changes_state=True)
        ticket_id = int(request.match_info["ticket_id"])
        try:
            ticket, _ = await self._store.ticket_transcript(ticket_id)
            await self._store.close_ticket(ticket_id, session.user, self._closing_note(ticket))
        except (KeyError, TicketNotOpen):
            return _error(409, "this ticket is not open")
        log.info("console: %s closed ticket %d", session.user, ticket_id)
        self._wake_outbox()
        return web.json_response({"closed": ticket_id})

    async def dead_letters(self, request: web.Request) -> web.Response:
        self._api_session(request, changes_state=False)
        letters = await self._store.dead_letters()
        return web.json_response(
            {
                "dead_letters": [
                    {
                        "id": d.id,
                        "kind": d.kind,
                        "ref_id": d.ref_id,
                        "reason": d.reason,
                        "created_at": d.created_at,
                    }
                    for d in letters
                ]
            }
        )

    async def faq_status(self, request: web.Request) -> web.Response:
        self._api_session(request, changes_state=False)
        return web.json_response(self._content_status())


def _ticket_json(ticket: TicketSummary) -> dict[str, object]:
    opened = datetime.fromisoformat(ticket.opened_at)
    end = datetime.fromisoformat(ticket.closed_at) if ticket.closed_at else datetime.now(UTC)
    return {
        "id": ticket.id,
        "channel": ticket.channel,
        "lang": ticket.lang,
        "reason": ticket.reason,
        "is_public": ticket.is_public,
        "status": ticket.status.value,
        "opened_at": ticket.opened_at,
        "closed_at": ticket.closed_at,
        "waiting_seconds": max(0, int((end - opened).total_seconds())),
        "preview": ticket.preview,
        "claimed_by": ticket.claimed_by,
    }


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def closing_note_factory(text_for: Callable[[str, str], str]) -> ClosingNote:
    def closing_note(ticket: TicketSummary) -> Reply | None:
        if ticket.is_public:
            return None  # nothing about a ticket is said in public
        return Reply(
            channel=ticket.channel,
            conversation_key=ticket.conversation_key,
            text=text_for("moderator_closed", ticket.lang),
            author=ReplyAuthor.BOT,
            is_public=ticket.is_public,
        )

    return closing_note
