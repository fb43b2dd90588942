"""Meta adapter: Facebook Page and Instagram webhooks in, Graph API calls out.

Ingress is one signed webhook (``/meta/webhook``): every delivery is checked against
``X-Hub-Signature-256`` before anything is parsed or stored, then every item of the batch
is handed to the runtime's ``accept``; Meta gets its 200 only after all were accepted, so
a failure makes Meta deliver the batch again (duplicates are the runtime's de-duplication
key, ``(channel, platform_message_id)``).

Egress is :meth:`MetaChannel.deliver`: private messages go through the Send API; public
comments get a public reply in their thread and, when the reply has a ``private_followup``,
Meta's one-time private reply to that comment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from bots.channel import AcceptEvent, CursorStore, DeliveryResult
from bots.events import Event, Reply, ReplyAuthor, ReplyOption, utc_now
from bots.json_input import loads_untrusted
from bots.social.meta.convert import (
    CHANNEL_NAME,
    CommentThread,
    DirectThread,
    Surface,
    incoming_items,
    parse_conversation_key,
)
from bots.social.meta.graph import OUTSIDE_WINDOW, GraphClient, GraphRejected
from bots.social.meta.payloads import WebhookPayload
from bots.social.meta.settings import MetaSettings
from bots.text_split import split_text

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/meta/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MESSENGER_TEXT_LIMIT_CHARS = 2000
INSTAGRAM_TEXT_LIMIT_BYTES = 1000
COMMENT_TEXT_LIMIT_CHARS = {Surface.PAGE: 8000, Surface.INSTAGRAM: 2200}
_REMEMBERED_COMMENTS = 100_000
_REMEMBERED_DELIVERIES = 10_000
PRIVATE_REPLY_CURSOR_PREFIX = "meta:private_reply:"
PROGRESS_CURSOR_PREFIX = "meta:delivery:"
LATEST_COMMENT_CURSOR_PREFIX = "meta:latest_comment:"
OUTSIDE_HUMAN_AGENT_WINDOW = (
    "meta: outside the 24-hour messaging window and the 7-day human agent window"
)


class PrivateReplyLedger(Protocol):
    """Which comments already got their one private reply (Meta allows one per comment)."""

    async def already_sent(self, comment_id: str) -> bool: ...

    async def record_sent(self, comment_id: str) -> None: ...


class InMemoryPrivateReplyLedger:
    """Process memory only, for a channel run without a store (tests, tools): a restart
    forgets, and a second attempt is then refused by Meta (a permanent error)."""

    def __init__(self) -> None:
        self._sent: set[str] = set()

    async def already_sent(self, comment_id: str) -> bool:
        return comment_id in self._sent

    async def record_sent(self, comment_id: str) -> None:
        self._sent.add(comment_id)


class StoredPrivateReplyLedger:
    """The ledger in the runtime's store, so that a restart still knows which comments had
    their private reply: one named value per comment, through the store's cursors.

    Recorded right after Meta confirms the send. A crash between the two leaves the comment
    unrecorded; the retry is then refused by Meta itself (one private reply per comment),
    so the player never gets two.
    """

    def __init__(self, cursors: CursorStore) -> None:
        self._cursors = cursors

    async def already_sent(self, comment_id: str) -> bool:
        return await self._cursors.get_cursor(PRIVATE_REPLY_CURSOR_PREFIX + comment_id) is not None

    async def record_sent(self, comment_id: str) -> None:
        await self._cursors.set_cursor(
            PRIVATE_REPLY_CURSOR_PREFIX + comment_id, utc_now().isoformat(timespec="seconds")
        )


@dataclass
class _DeliveryProgress:
    """What of one outbox row already reached Meta, so a retry does not say it twice.

    Kept in memory between retries and, for replies that take several Graph calls (a split
    DM, hide + public + private reply), in the store after each call: a restart half-way
    then neither repeats nor loses a part.
    """

    public_comment_id: str | None = None
    source_hidden: bool = False
    direct_parts_sent: int = 0
    human_agent: bool = False
    """Meta said the 24-hour window is closed: the rest goes with the HUMAN_AGENT tag."""
    last_message_id: str | None = None
    private_reply_done: bool = False
    private_message_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> _DeliveryProgress | None:
        try:
            stored = json.loads(raw)
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in stored.items() if k in known})
        except (ValueError, TypeError, AttributeError):
            return None


class MetaChannel:
    name = CHANNEL_NAME

    def __init__(
        self,
        settings: MetaSettings,
        accept: AcceptEvent,
        session: aiohttp.ClientSession | None = None,
        private_replies: PrivateReplyLedger | None = None,
        clock: Callable[[], datetime] = utc_now,
        cursors: CursorStore | None = None,
    ) -> None:
        """``cursors`` (the runtime's store) keeps the private-reply ledger across restarts;
        without it the ledger lives in memory only."""
        self._settings = settings
        self._accept = accept
        self._graph = GraphClient(settings, session)
        if private_replies is None:
            private_replies = (
                StoredPrivateReplyLedger(cursors)
                if cursors is not None
                else InMemoryPrivateReplyLedger()
            )
        self._private_replies = private_replies
        self._cursors = cursors
        self._clock = clock
        self._comment_created_at: OrderedDict[str, datetime] = OrderedDict()
        self._latest_comment: OrderedDict[str, str] = OrderedDict()
        self._progress: OrderedDict[int, _DeliveryProgress] = OrderedDict()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(WEBHOOK_PATH, self.verify_subscription)
        app.router.add_post(WEBHOOK_PATH, self.receive_webhook)

    async def verify_subscription(self, request: web.Request) -> web.Response:
        """Meta's subscription handshake: echo ``hub.challenge`` if the token is ours."""
        token = request.query.get("hub.verify_token", "")
        expected = self._settings.verify_token.get_secret_value()
        token_ok = hmac.compare_digest(token.encode(), expected.encode())
        if request.query.get("hub.mode") == "subscribe" and token_ok:
            return web.Response(text=request.query.get("hub.challenge", ""))
        log.warning("meta webhook: subscription check refused (wrong mode or verify token)")
        return web.Response(status=403, text="verification failed")

    async def receive_webhook(self, request: web.Request) -> web.Response:
        """Verify, then accept every item; only a fully accepted batch gets its 200.

        403 (bad signature) and 400 (not JSON) are final; 500 makes Meta retry later.
        """
        body = await request.read()
        secret = self._settings.app_secret.get_secret_value().encode()
        if not signature_matches(secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("meta webhook: bad or missing %s; delivery refused", SIGNATURE_HEADER)
            return web.Response(status=403, text="bad signature")
        try:
            document = loads_untrusted(body)
        except ValueError:
            return web.Response(status=400, text="malformed JSON")
        try:
            payload = WebhookPayload.model_validate(document)
        except ValidationError:
            return web.Response(status=400, text="not a Meta webhook payload")
        for item in incoming_items(payload, self._settings.own_account_ids):
            try:
                await self._accept(item.event, item.raw_json)
            except Exception:
                log.exception("meta webhook: accept failed; Meta will deliver the batch again")
                return web.Response(status=500, text="try again")
            if item.comment_created_at is not None:
                self._remember_comment(item.event.platform_message_id, item.comment_created_at)
            if item.event.is_public:
                await self._note_latest_comment(item.event)
        return web.Response(text="EVENT_RECEIVED")

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        """Send a reply; a retry of the same ``delivery_id`` skips what already went out
        (also after a restart, when the channel was given the store's ``cursors``).

        Raises :class:`DeliveryError` (or :class:`ChannelAuthError`) for failures worth
        retrying; Meta's final refusals come back as ``permanent_error``.
        """
        thread = parse_conversation_key(reply.conversation_key)
        if thread is None:
            return DeliveryResult(
                delivered=False,
                permanent_error=f"meta: not a Meta conversation key: {reply.conversation_key!r}",
            )
        progress = await self._progress_of(delivery_id)
        try:
            if isinstance(thread, DirectThread):
                result = await self._send_direct(thread, reply, progress, delivery_id)
            else:
                result = await self._answer_comment(thread, reply, progress, delivery_id)
        except GraphRejected as exc:
            result = DeliveryResult(delivered=False, permanent_error=exc.reason)
        self._progress.pop(delivery_id, None)
        return result

    async def hide_comment(self, comment_id: str, surface: Surface = Surface.PAGE) -> None:
        """Hide a comment from everyone but its author and their friends.

        For comments exposing personal data (card numbers, IBANs…). Deciding *that* is
        policy and lives with the handlers; this only does it. Raises
        :class:`DeliveryError` (retry) or :class:`GraphRejected` (give up).
        """
        flag = {"is_hidden": "true"} if surface is Surface.PAGE else {"hide": "true"}
        await self._graph.call("POST", (comment_id,), params=flag)

    async def close(self) -> None:
        await self._graph.close()

    async def _progress_of(self, delivery_id: int) -> _DeliveryProgress:
        """This process's record of the row, else the store's (a restart mid-delivery)."""
        progress = self._progress.get(delivery_id)
        if progress is None:
            if self._cursors is not None:
                raw = await self._cursors.get_cursor(f"{PROGRESS_CURSOR_PREFIX}{delivery_id}")
                if raw is not None:
                    progress = _DeliveryProgress.from_json(raw)
            self._progress[delivery_id] = progress = progress or _DeliveryProgress()
            self._forget_oldest(self._progress, _REMEMBERED_DELIVERIES)
        return progress

    async def _note_latest_comment(self, event: Event) -> None:
        """The person's newest comment in a thread: where a moderator's reply goes privately
        (the console's reply names only the conversation, not a comment)."""
        key, comment_id = event.conversation_key, event.platform_message_id
        self._latest_comment[key] = comment_id
        self._latest_comment.move_to_end(key)
        self._forget_oldest(self._latest_comment, _REMEMBERED_COMMENTS)
        if self._cursors is not None:
            try:
                await self._cursors.set_cursor(LATEST_COMMENT_CURSOR_PREFIX + key, comment_id)
            except Exception:
                log.exception("meta: could not store the latest comment of %s", key)

    async def _latest_comment_of(self, thread: CommentThread) -> str | None:
        comment_id = self._latest_comment.get(thread.key)
        if comment_id is None and self._cursors is not None:
            comment_id = await self._cursors.get_cursor(LATEST_COMMENT_CURSOR_PREFIX + thread.key)
        return comment_id

    async def _step_done(
        self, delivery_id: int, progress: _DeliveryProgress, resumable: bool
    ) -> None:
        """Note a call Meta confirmed. Stored only for ``resumable`` replies: several calls,
        or a one-time private reply; a single plain send has nothing to resume."""
        if self._cursors is not None and resumable:
            await self._cursors.set_cursor(
                f"{PROGRESS_CURSOR_PREFIX}{delivery_id}", progress.to_json()
            )

    async def _send_direct(
        self, thread: DirectThread, reply: Reply, progress: _DeliveryProgress, delivery_id: int
    ) -> DeliveryResult:
        """Send API, in as many messages as the text needs; quick replies on the last.

        A moderator's reply that Meta refuses as outside the 24-hour window is sent again
        with the ``HUMAN_AGENT`` tag (a person answering within 7 days of the player's last
        message); a bot's reply outside the window stays refused.
        """
        parts = split_message(reply.text, thread.surface)
        for index in range(progress.direct_parts_sent, len(parts)):
            message: dict[str, Any] = {"text": parts[index]}
            if index == len(parts) - 1 and reply.options:
                message["quick_replies"] = quick_replies(reply.options)
            body = {"recipient": {"id": thread.user_id}, "message": message}
            try:
                answer = await self._send_api(body, progress.human_agent)
            except GraphRejected as exc:
                by_person = reply.author is ReplyAuthor.MODERATOR
                if exc.reason != OUTSIDE_WINDOW or not by_person or progress.human_agent:
                    raise
                progress.human_agent = True
                answer = await self._send_api(body, human_agent=True)
            progress.direct_parts_sent = index + 1
            progress.last_message_id = _str_or_none(answer.get("message_id"))
            await self._step_done(delivery_id, progress, len(parts) > 1)
        return DeliveryResult(delivered=True, platform_message_id=progress.last_message_id)

    async def _send_api(self, body: dict[str, Any], human_agent: bool) -> dict[str, Any]:
        if not human_agent:
            return await self._graph.call(
                "POST", ("me", "messages"), {**body, "messaging_type": "RESPONSE"}
            )
        tagged = {**body, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        try:
            return await self._graph.call("POST", ("me", "messages"), tagged)
        except GraphRejected as exc:
            if exc.reason == OUTSIDE_WINDOW:
                raise GraphRejected(OUTSIDE_HUMAN_AGENT_WINDOW, exc.code, exc.subcode) from None
            raise

    async def _answer_comment(
        self, thread: CommentThread, reply: Reply, progress: _DeliveryProgress, delivery_id: int
    ) -> DeliveryResult:
        """Public reply in the thread, then the one private reply if there is more to say.

        A public reply answers the top-level comment (the only level both platforms let
        us reply to); the private reply goes to the person's own comment, ``in_reply_to``.
        When the reply asks to withdraw that comment (it exposes personal data), it is
        hidden first: if Meta refuses, nothing is said, and the dead letter tells people.
        """
        private_text = reply.private_followup if reply.is_public else reply.text
        if not reply.is_public and reply.in_reply_to is None:
            # A moderator's reply from the console: privately, to the person's last comment.
            reply = reply.model_copy(update={"in_reply_to": await self._latest_comment_of(thread)})
        steps = sum((reply.withdraw_source, reply.is_public, bool(private_text)))
        resumable = steps > 1 or bool(private_text)
        if reply.withdraw_source and not progress.source_hidden:
            if reply.in_reply_to:
                try:
                    await self.hide_comment(reply.in_reply_to, thread.surface)
                except GraphRejected as exc:
                    raise GraphRejected(
                        f"meta: could not hide comment {reply.in_reply_to}: {exc.reason}",
                        exc.code,
                        exc.subcode,
                    ) from None
            else:
                log.warning("meta: asked to hide a comment in %s but no id given", thread.key)
            progress.source_hidden = True
            await self._step_done(delivery_id, progress, resumable)
        if reply.is_public and progress.public_comment_id is None:
            edge = "comments" if thread.surface is Surface.PAGE else "replies"
            text = reply.text[: COMMENT_TEXT_LIMIT_CHARS[thread.surface]]
            answer = await self._graph.call(
                "POST", (thread.root_comment_id, edge), {"message": text}
            )
            progress.public_comment_id = _str_or_none(answer.get("id")) or ""
            await self._step_done(delivery_id, progress, resumable)
        private_message_id: str | None = progress.private_message_id
        if progress.private_reply_done:
            pass  # went out before a restart: neither again nor "already used"
        elif private_text and reply.in_reply_to:
            try:
                private_message_id = await self._send_private_reply(
                    reply.in_reply_to, private_text, thread.surface
                )
                if private_message_id is not None:
                    progress.private_reply_done = True
                    progress.private_message_id = private_message_id
                    await self._step_done(delivery_id, progress, resumable)
            except GraphRejected as exc:
                if not reply.is_public:
                    raise
                log.warning(
                    "meta: private follow-up to comment %s refused: %s",
                    reply.in_reply_to,
                    exc.reason,
                )
        elif private_text:
            log.warning("meta: reply in %s has private text but no comment to answer", thread.key)
        if not reply.is_public and private_message_id is None:
            return DeliveryResult(
                delivered=False,
                permanent_error="meta: no private reply possible to this comment "
                "(already used, older than 7 days, or no comment id)",
            )
        return DeliveryResult(
            delivered=True,
            platform_message_id=progress.public_comment_id or private_message_id,
        )

    async def _send_private_reply(
        self, comment_id: str, text: str, surface: Surface
    ) -> str | None:
        """Meta's private reply: once per comment, within 7 days of it; None when not sent."""
        if await self._private_replies.already_sent(comment_id):
            log.info(
                "meta: comment %s already had its private reply; not sending another", comment_id
            )
            return None
        created_at = self._comment_created_at.get(comment_id)
        if created_at is not None and self._clock() - created_at >= PRIVATE_REPLY_WINDOW:
            log.info("meta: comment %s is older than 7 days; no private reply", comment_id)
            return None
        parts = split_message(text, surface)
        # One message is all Meta allows: a longer text is cut where a paragraph ends.
        only_message = parts[0] if len(parts) == 1 else parts[0].rstrip() + " …"
        answer = await self._graph.call(
            "POST",
            ("me", "messages"),
            {"recipient": {"comment_id": comment_id}, "message": {"text": only_message}},
        )
        await self._private_replies.record_sent(comment_id)
        return _str_or_none(answer.get("message_id"))

    def _remember_comment(self, comment_id: str, created_at: datetime) -> None:
        self._comment_created_at[comment_id] = created_at
        horizon = self._clock() - PRIVATE_REPLY_WINDOW
        while self._comment_created_at:
            oldest_id, oldest_at = next(iter(self._comment_created_at.items()))
            if oldest_at >= horizon:
                break
            del self._comment_created_at[oldest_id]
        self._forget_oldest(self._comment_created_at, _REMEMBERED_COMMENTS)

    @staticmethod
    def _forget_oldest(remembered: OrderedDict[Any, Any], limit: int) -> None:
        while len(remembered) > limit:
            remembered.popitem(last=False)


def signature_matches(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``, in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    given = header.removeprefix("sha256=").strip().lower()
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def quick_replies(options: tuple[ReplyOption, ...]) -> list[dict[str, str]]:
    """Options as Messenger/Instagram quick replies: at most 13, titles of ≤ 20 characters.

    The payload is the option's number, which comes back as ``picked_option``.
    """
    if len(options) > MAX_QUICK_REPLIES:
        log.warning(
            "meta: %d options, only %d fit as quick replies", len(options), MAX_QUICK_REPLIES
        )
    return [
        {
            "content_type": "text",
            "title": _short_title(option.title),
            "payload": str(option.number),
        }
        for option in options[:MAX_QUICK_REPLIES]
    ]


def split_message(text: str, surface: Surface) -> list[str]:
    """Cut a text into messages the Send API accepts, at paragraph, line or word ends.

    Messenger takes 2000 characters per message, Instagram 1000 bytes of UTF-8.
    """
    if surface is Surface.INSTAGRAM:
        return split_text(text.strip(), INSTAGRAM_TEXT_LIMIT_BYTES, _utf8_length)
    return split_text(text.strip(), MESSENGER_TEXT_LIMIT_CHARS)


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def _short_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= MAX_QUICK_REPLY_TITLE:
        return title
    return title[: MAX_QUICK_REPLY_TITLE - 1].rstrip() + "…"


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
