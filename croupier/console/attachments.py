"""Players' photos and documents, shown to signed-in moderators through the server.

The file is fetched from the platform by the channel (Telegram: getFile + download with
the bot token) and passed on here, behind the console login: no platform URL (which
carries the bot token, or a signature) ever reaches a browser. Files are the player's
and untrusted, so only a short list of image types is shown inline; everything else is
a download of opaque bytes, and every answer forbids sniffing, scripts and framing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from aiohttp import web

from bots.channel import (
    AttachmentSource,
    AttachmentTooLarge,
    AttachmentUnavailable,
)
from bots.events import Attachment
from croupier.console.access import Access, json_error
from croupier.console.users import Permission
from croupier.store.base import Store
from croupier.store.models import StoredEvent

log = logging.getLogger(__name__)

INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
"""Shown in the page; SVG is not among them (it can carry script)."""
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Opened on its own, the file may run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")

SourceLookup = Callable[[str], object | None]
"""Channel name → the registered channel (it may or may not fetch files)."""


def attachment_url(ticket_id: int, event_id: int, index: int) -> str:
    return f"/console/api/tickets/{ticket_id}/events/{event_id}/attachments/{index}"


def attachments_json(
    ticket_id: int, events: list[StoredEvent], can_fetch: Callable[[str], bool]
) -> list[dict[str, object]]:
    """What the ticket page lists: one row per file, with where to open it (no ``url``
    when the file's channel cannot fetch files, so the page shows no broken link)."""
    shown: list[dict[str, object]] = []
    for stored in events:
        fetchable = can_fetch(stored.event.channel)
        for index, attachment in enumerate(stored.event.attachments):
            shown.append(
                {
                    "event_id": stored.id,
                    "index": index,
                    "kind": attachment.kind,
                    "file_name": attachment.file_name,
                    "mime_type": attachment.mime_type,
                    "at": stored.event.received_at.isoformat(),
                    "url": attachment_url(ticket_id, stored.id, index)
                    if attachment.platform_file_id and fetchable
                    else None,
                    "inline": attachment.kind == "photo"
                    or (attachment.mime_type or "").lower() in INLINE_IMAGE_TYPES,
                }
            )
    return shown


class AttachmentRoutes:
    def __init__(self, store: Store, access: Access, sources: SourceLookup) -> None:
        self._store = store
        self._access = access
        self._sources = sources

    def add_routes(self, app: web.Application) -> None:
        one = "/console/api/tickets/{ticket_id:\\d+}"
        app.router.add_get(one + "/attachments", self.list_attachments)
        app.router.add_get(
            one + "/events/{event_id:\\d+}/attachments/{index:\\d+}", self.attachment
        )

    async def list_attachments(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.READ_TICKETS)
        ticket_id = int(request.match_info["ticket_id"])
        ticket = await self._store.ticket(ticket_id)
        if ticket is None:
            return json_error(404, "no such ticket")
        events = await self._store.conversation_attachments(ticket.conversation_id)
        return web.json_response(
            {"attachments": attachments_json(ticket_id, events, self._can_fetch)}
        )

    def _can_fetch(self, channel_name: str) -> bool:
        return isinstance(self._sources(channel_name), AttachmentSource)

    async def attachment(self, request: web.Request) -> web.StreamResponse:
        """One file of one stored event, if that event is in the ticket's conversation."""
        session = await self._access.require(request, Permission.READ_TICKETS)
        ticket_id = int(request.match_info["ticket_id"])
        event_id = int(request.match_info["event_id"])
        found = await self._find(ticket_id, event_id, int(request.match_info["index"]))
        if isinstance(found, web.Response):
            return found
        channel_name, attachment, file_id = found
        source = self._sources(channel_name)
        if not isinstance(source, AttachmentSource):
            return json_error(404, f"{channel_name} files cannot be opened from the console")
        try:
            fetched = await source.fetch_attachment(file_id)
        except AttachmentTooLarge:
            return json_error(413, "the file is too large to open here")
        except AttachmentUnavailable as exc:
            log.warning("console: event %d attachment unavailable: %s", event_id, exc)
            return json_error(502, "the platform did not give us the file")
        await self._store.record_audit(
            session.user, "attachment_opened", f"ticket {ticket_id}", f"event {event_id}"
        )
        mime_type = (attachment.mime_type or fetched.mime_type or "").lower()
        if attachment.kind == "photo" and mime_type not in INLINE_IMAGE_TYPES:
            mime_type = fetched.mime_type or "image/jpeg"  # Telegram photos are JPEG
        name = safe_file_name(attachment.file_name or fetched.file_name, attachment.kind)
        if mime_type in INLINE_IMAGE_TYPES:
            content_type, disposition = mime_type, f'inline; filename="{name}"'
        else:
            content_type, disposition = (
                "application/octet-stream",
                f'attachment; filename="{name}"',
            )
        return web.Response(
            body=fetched.content,
            headers={
                **FILE_HEADERS,
                "Content-Type": content_type,
                "Content-Disposition": disposition,
            },
        )

    async def _find(
        self, ticket_id: int, event_id: int, index: int
    ) -> tuple[str, Attachment, str] | web.Response:
        ticket = await self._store.ticket(ticket_id)
        if ticket is None:
            return json_error(404, "no such ticket")
        try:
            stored, _state = await self._store.load_event(event_id)
        except KeyError:
            return json_error(404, "no such message")
        # The ticket named in the URL must hold the event: access to one ticket is not
        # access to any player's files by guessing event ids.
        if stored.conversation_id != ticket.conversation_id:
            return json_error(404, "no such message in this ticket")
        attachments = stored.event.attachments
        if index >= len(attachments) or not attachments[index].platform_file_id:
            return json_error(404, "no such attachment")
        attachment = attachments[index]
        assert attachment.platform_file_id is not None
        return stored.event.channel, attachment, attachment.platform_file_id


def safe_file_name(name: str | None, kind: str) -> str:
    """A header-safe ASCII name (the player chose it): no quotes, paths or control chars."""
    cleaned = _UNSAFE_NAME_CHARS.sub("_", (name or "").rsplit("/", 1)[-1]).strip("_")
    stem, dot, extension = cleaned.rpartition(".")
    if dot and not stem.strip("._"):  # nothing left but an extension (or dots)
        cleaned = f"{kind}.{extension}" if extension else kind
    return cleaned.strip(".")[-100:] or kind
