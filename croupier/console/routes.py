"""The console's pages, sign-in/out and static files, and the one place that mounts every
console API (tickets, live feed, dead letters, workbench, dashboard, audit).

Every state-changing request needs the session's CSRF token (``X-CSRF-Token`` header
for the API, ``csrf_token`` form field for forms); cookies are HttpOnly + SameSite=Strict.
Pages get their data from the JSON API and render it with ``textContent`` only.
"""

from __future__ import annotations

import functools
import html
import logging
import secrets
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bots.events import Reply, ReplyAuthor
from croupier.console.access import SESSION_COOKIE, Access
from croupier.console.attachments import AttachmentRoutes, SourceLookup
from croupier.console.audit import AuditRoutes
from croupier.console.auth import ConsoleAuth, ConsoleSession
from croupier.console.dead_letters import DeadLetterRoutes
from croupier.console.live import LiveFeed, LiveRoutes
from croupier.console.stats import StatsRoutes
from croupier.console.tickets_api import ClosingNote, TicketRoutes
from croupier.console.users import Permission
from croupier.console.workbench import WorkbenchRoutes
from croupier.store.base import Store
from croupier.store.models import TicketSummary
from faq.model import Faq
from handlers.decide import Decider

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
LOGIN_CSRF_COOKIE = "croupier_login_csrf"
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
PAGES = {
    "/console": ("console.html", Permission.READ_TICKETS),
    "/console/workbench": ("workbench.html", Permission.WORKBENCH),
    "/console/dashboard": ("dashboard.html", Permission.DASHBOARD),
    "/console/dead-letters": ("dead_letters.html", Permission.DEAD_LETTERS),
    "/console/audit": ("audit.html", Permission.AUDIT),
}
STATIC_FILES = {
    "console.css": "text/css",
    "console.js": "text/javascript",
    "vendor/chart.umd.js": "text/javascript",
}
"""The only files served under /console/static/: an allow-list, no directory walking."""


@functools.cache
def _page_template(name: str) -> str:
    """A page with the shared header (navigation, user, log-out form) put in, read once:
    no file I/O on the event loop per request."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    if "__HEADER__" in text:
        text = text.replace(
            "__HEADER__", (STATIC_DIR / "_header.html").read_text(encoding="utf-8")
        )
    return text


class ConsoleRoutes:
    def __init__(
        self,
        store: Store,
        auth: ConsoleAuth,
        closing_note: ClosingNote,
        wake_outbox: Callable[[], None],
        content_status: Callable[[], dict[str, object]],
        *,
        live_decider: Callable[[], Decider | None],
        live_feed: LiveFeed,
        retry_event: Callable[[int], None],
        first_response_sla_seconds: int = 900,
        secure_cookies: bool = False,
        attachment_sources: SourceLookup | None = None,
    ) -> None:
        """``attachment_sources``: channel name → channel, for opening players' files."""
        self._store = store
        self._auth = auth
        self._access = Access(auth)
        self._secure = secure_cookies

        def live_faq() -> Faq | None:
            decider = live_decider()
            return decider.index.faq if decider else None

        self._apis = (
            TicketRoutes(
                store,
                self._access,
                closing_note,
                wake_outbox,
                live_faq,
                first_response_sla_seconds,
            ),
            LiveRoutes(self._access, live_feed),
            DeadLetterRoutes(store, self._access, wake_outbox, retry_event),
            WorkbenchRoutes(self._access, live_decider, content_status),
            StatsRoutes(store, self._access),
            AuditRoutes(store, self._access),
            AttachmentRoutes(store, self._access, attachment_sources or (lambda _name: None)),
        )

    def add_routes(self, app: web.Application) -> None:
        for path in PAGES:
            app.router.add_get(path, self.page)
        app.router.add_get("/console/login", self.login_page)
        app.router.add_post("/console/login", self.login)
        app.router.add_post("/console/logout", self.logout)
        app.router.add_get("/console/api/me", self.me)
        app.router.add_get("/console/static/{name:.+}", self.static)
        for api in self._apis:
            api.add_routes(app)

    # -- pages -------------------------------------------------------------------

    def _page(self, name: str, replacements: dict[str, str]) -> web.Response:
        text = _page_template(name)
        for placeholder, value in replacements.items():
            text = text.replace(placeholder, html.escape(value, quote=True))
        return web.Response(text=text, content_type="text/html", headers=_SECURITY_HEADERS)

    async def _session(self, request: web.Request) -> ConsoleSession | None:
        return await self._access.session(request)

    async def page(self, request: web.Request) -> web.StreamResponse:
        session = await self._session(request)
        if session is None:
            raise web.HTTPFound("/console/login")
        name, permission = PAGES[request.path]
        if not session.console_user.may(permission):
            raise web.HTTPFound("/console/workbench")  # every role may use the workbench
        return self._page(
            name,
            {
                "__CSRF_TOKEN__": session.csrf_token,
                "__USER__": session.user,
                "__ROLE__": session.role.value,
            },
        )

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            raise web.HTTPNotFound()
        # FileResponse reads off the event loop (sendfile or a worker thread).
        return web.FileResponse(
            STATIC_DIR / name,
            headers={
                "Content-Type": f"{content_type}; charset=utf-8",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "max-age=300",
            },
        )

    async def me(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if session is None:
            return web.json_response({"error": "sign in first"}, status=401)
        user = session.console_user
        return web.json_response(
            {
                "user": user.name,
                "role": user.role.value,
                "permissions": sorted(p.value for p in Permission if user.may(p)),
            }
        )

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
        try:
            form = await request.post()
        except ValueError:  # a body that is not a form in UTF-8: aiohttp raises while decoding
            page = await self.login_page(request, "That sign-in request was not readable.")
            page.set_status(400)
            return page
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        given = str(form.get("csrf_token", ""))
        if not expected or not secrets.compare_digest(expected, given):
            return await self.login_page(request, "Your sign-in form expired; please try again.")
        user = str(form.get("username", ""))[:64]
        if self._auth.is_locked(user):
            log.warning("console sign-in refused: %s is locked out", user)
            await self._store.record_audit(user, "sign_in_refused", detail="locked out")
            return await self.login_page(request, "Too many failed attempts; try again later.")
        session = await self._auth.sign_in(user, str(form.get("password", ""))[:256])
        if session is None:
            log.warning("console sign-in failed for %s", user)
            await self._store.record_audit(user, "sign_in_failed")
            return await self.login_page(request, "Wrong user name or password.")
        log.info("console: %s signed in", user)
        await self._store.record_audit(session.user, "sign_in", detail=session.role.value)
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
        session = await self._session(request)
        try:
            form = await request.post()
        except ValueError:
            form = None
        token = str(form.get("csrf_token", "")) if form is not None else ""
        if session is not None and not secrets.compare_digest(session.csrf_token, token):
            # A cross-site form must not sign the moderator out (it used to drop the cookie).
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
        if session is not None:
            await self._auth.sign_out(session.token)
            await self._store.record_audit(session.user, "sign_out")
            log.info("console: %s signed out", session.user)
        response = web.HTTPFound("/console/login")
        response.del_cookie(SESSION_COOKIE, path="/console")
        raise response


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
