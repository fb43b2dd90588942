"""The queue and one ticket: list with filters and SLA, the conversation, claim/release,
reply (canned or not), internal note, close and reopen.

Two moderators cannot answer one ticket unknowingly: acting on a ticket someone else
claimed is refused with 409 and the holder's name, unless the request says ``force``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from bots.events import MAX_TEXT_CHARS, Reply
from croupier.console.access import Access, json_body, json_error
from croupier.console.users import Permission
from croupier.store.base import Store, TicketClaimed, TicketNotOpen
from croupier.store.models import TicketQuery, TicketStatus, TicketSummary, TranscriptLine
from faq.model import Faq

log = logging.getLogger(__name__)

ClosingNote = Callable[[TicketSummary], Reply | None]
MAX_NOTE_CHARS = 4000


class TicketRoutes:
    def __init__(
        self,
        store: Store,
        access: Access,
        closing_note: ClosingNote,
        wake_outbox: Callable[[], None],
        live_faq: Callable[[], Faq | None],
        first_response_sla_seconds: int,
    ) -> None:
        self._store = store
        self._access = access
        self._closing_note = closing_note
        self._wake_outbox = wake_outbox
        self._live_faq = live_faq
        self._sla = first_response_sla_seconds

    def add_routes(self, app: web.Application) -> None:
        one = "/console/api/tickets/{ticket_id:\\d+}"
        app.router.add_get("/console/api/tickets", self.list_tickets)
        app.router.add_get(one, self.ticket)
        app.router.add_get(one + "/canned", self.canned)
        app.router.add_post(one + "/claim", self.claim)
        app.router.add_post(one + "/release", self.release)
        app.router.add_post(one + "/reply", self.reply)
        app.router.add_post(one + "/note", self.note)
        app.router.add_post(one + "/close", self.close)
        app.router.add_post(one + "/reopen", self.reopen)

    async def list_tickets(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.READ_TICKETS)
        query = request.query
        try:
            status = TicketStatus(query.get("status", "open"))
        except ValueError:
            return json_error(400, "status must be open or closed")
        order = query.get("order", "oldest")
        if order not in ("oldest", "newest"):
            return json_error(400, "order must be oldest or newest")
        tickets = await self._store.list_tickets(
            status,
            TicketQuery(
                status=status,
                channel=query.get("channel") or None,
                lang=query.get("lang") or None,
                reason=query.get("reason") or None,
                newest_first=order == "newest",
            ),
        )
        return web.json_response(
            {
                "tickets": [ticket_json(t, self._sla) for t in tickets],
                "sla_seconds": self._sla,
            }
        )

    async def ticket(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.READ_TICKETS)
        try:
            ticket, lines = await self._store.ticket_transcript(_ticket_id(request))
        except KeyError:
            return json_error(404, "no such ticket")
        return web.json_response(
            {"ticket": ticket_json(ticket, self._sla), "messages": [_line_json(m) for m in lines]}
        )

    async def canned(self, request: web.Request) -> web.Response:
        """Every FAQ answer in the ticket's language (English where an entry lacks it), for
        the moderator to pick, edit and send."""
        await self._access.require(request, Permission.READ_TICKETS)
        ticket = await self._store.ticket(_ticket_id(request))
        if ticket is None:
            return json_error(404, "no such ticket")
        faq = self._live_faq()
        answers = []
        for entry in faq.entries if faq else ():
            lang = ticket.lang if ticket.lang in entry.answer else "en"
            text = entry.answer.get(lang)
            if text:
                answers.append(
                    {
                        "id": entry.id,
                        "title": entry.display_title(lang),
                        "lang": lang,
                        "text": text,
                    }
                )
        return web.json_response({"lang": ticket.lang, "answers": answers})

    async def claim(self, request: web.Request) -> web.Response:
        session = await self._access.require(
            request, Permission.ACT_ON_TICKETS, changes_state=True
        )
        force = bool((await json_body(request)).get("force"))
        try:
            ticket = await self._store.claim_ticket(_ticket_id(request), session.user, force=force)
        except TicketNotOpen:
            return json_error(409, "this ticket is not open")
        except TicketClaimed as exc:
            return _claimed(exc)
        return web.json_response({"ticket": ticket_json(ticket, self._sla)})

    async def release(self, request: web.Request) -> web.Response:
        session = await self._access.require(
            request, Permission.ACT_ON_TICKETS, changes_state=True
        )
        force = bool((await json_body(request)).get("force"))
        try:
            ticket = await self._store.release_ticket(
                _ticket_id(request), session.user, force=force
            )
        except TicketNotOpen:
            return json_error(409, "this ticket is not open")
        except TicketClaimed as exc:
            return _claimed(exc)
        return web.json_response({"ticket": ticket_json(ticket, self._sla)})

    async def reply(self, request: web.Request) -> web.Response:
        session = await self._access.require(
            request, Permission.ACT_ON_TICKETS, changes_state=True
        )
        ticket_id = _ticket_id(request)
        body = await json_body(request)
        text, problem = _text(body, MAX_TEXT_CHARS, "the reply")
        if problem:
            return json_error(400, problem)
        try:
            outbox_id = await self._store.moderator_reply(
                ticket_id, session.user, text, force=bool(body.get("force"))
            )
        except TicketNotOpen:
            return json_error(409, "this ticket is not open")
        except TicketClaimed as exc:
            return _claimed(exc)
        log.info("console: %s replied to ticket %d", session.user, ticket_id)
        self._wake_outbox()
        return web.json_response({"outbox_id": outbox_id}, status=202)

    async def note(self, request: web.Request) -> web.Response:
        session = await self._access.require(
            request, Permission.ACT_ON_TICKETS, changes_state=True
        )
        text, problem = _text(await json_body(request), MAX_NOTE_CHARS, "the note")
        if problem:
            return json_error(400, problem)
        try:
            await self._store.add_note(_ticket_id(request), session.user, text)
        except TicketNotOpen:
            return json_error(404, "no such ticket")
        return web.json_response({"noted": True}, status=201)

    async def close(self, request: web.Request) -> web.Response:
        session = await self._access.require(
            request, Permission.ACT_ON_TICKETS, changes_state=True
        )
        ticket_id = _ticket_id(request)
        force = bool((await json_body(request)).get("force"))
        ticket = await self._store.ticket(ticket_id)
        if ticket is None or ticket.status is not TicketStatus.OPEN:
            return json_error(409, "this ticket is not open")
        if ticket.claimed_by not in (None, session.user) and not force:
            return _claimed(TicketClaimed(ticket_id, ticket.claimed_by or ""))
        try:
            await self._store.close_ticket(ticket_id, session.user, self._closing_note(ticket))
        except TicketNotOpen:
            return json_error(409, "this ticket is not open")
        log.info("console: %s closed ticket %d", session.user, ticket_id)
        self._wake_outbox()
        return web.json_response({"closed": ticket_id})

    async def reopen(self, request: web.Request) -> web.Response:
        session = await self._access.require(
            request, Permission.ACT_ON_TICKETS, changes_state=True
        )
        try:
            ticket = await self._store.reopen_ticket(_ticket_id(request), session.user)
        except TicketNotOpen:
            return json_error(
                409, "only a closed ticket whose conversation has no other open ticket reopens"
            )
        return web.json_response({"ticket": ticket_json(ticket, self._sla)})


def _ticket_id(request: web.Request) -> int:
    return int(request.match_info["ticket_id"])


def _claimed(exc: TicketClaimed) -> web.Response:
    return json_error(
        409,
        f"{exc.holder} has claimed this ticket; send with force to act anyway",
        claimed_by=exc.holder,
    )


def _text(body: dict[str, object], limit: int, what: str) -> tuple[str, str]:
    text = str(body.get("text", "")).strip()
    if not text:
        return "", f"{what} is empty"
    if len(text) > limit:
        return "", f"{what} is over {limit} characters"
    return text, ""


def _seconds_between(start: str, end: str | None) -> int:
    finish = datetime.fromisoformat(end) if end else datetime.now(UTC)
    return max(0, int((finish - datetime.fromisoformat(start)).total_seconds()))


def ticket_json(ticket: TicketSummary, sla_seconds: int) -> dict[str, object]:
    """A ticket as the console shows it; ``overdue`` once the first-response target passed
    with no moderator reply."""
    waiting = _seconds_between(ticket.opened_at, ticket.closed_at)
    first_response = (
        _seconds_between(ticket.opened_at, ticket.first_response_at)
        if ticket.first_response_at
        else None
    )
    unanswered_for = _seconds_between(ticket.opened_at, ticket.closed_at)
    return {
        "id": ticket.id,
        "channel": ticket.channel,
        "lang": ticket.lang,
        "reason": ticket.reason,
        "is_public": ticket.is_public,
        "status": ticket.status.value,
        "opened_at": ticket.opened_at,
        "closed_at": ticket.closed_at,
        "closed_by": ticket.closed_by,
        "waiting_seconds": waiting,
        "first_response_seconds": first_response,
        "overdue": first_response is None
        and ticket.status is TicketStatus.OPEN
        and unanswered_for > sla_seconds,
        "preview": ticket.preview,
        "claimed_by": ticket.claimed_by,
        "claimed_at": ticket.claimed_at,
    }


def _line_json(line: TranscriptLine) -> dict[str, object]:
    shown: dict[str, object] = {"author": line.author, "text": line.text, "at": line.at}
    if line.by:
        shown["by"] = line.by
    return shown
