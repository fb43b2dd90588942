"""Telegram adapter: updates in by webhook or long polling, replies out by sendMessage.

All Bot API traffic goes through python-telegram-bot's :class:`telegram.Bot` (httpx);
this module only decides what to send and how to read the answer. Events are stored
(``accept``) before Telegram is acknowledged: a webhook answers 200 only afterwards, and
the polling offset moves past a batch only once every update in it is stored, so a
restart neither loses nor repeats updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import mimetypes
import warnings
from collections import OrderedDict
from datetime import timedelta
from typing import Any, NoReturn

from aiohttp import web
from telegram import Bot, Message, ReplyParameters, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bots.channel import (
    MAX_ATTACHMENT_BYTES,
    AcceptEvent,
    AttachmentTooLarge,
    AttachmentUnavailable,
    CursorStore,
    DeliveryError,
    DeliveryResult,
    FetchedFile,
    SendJournal,
    UndecidedEdits,
)
from bots.events import Event, EventKind, Reply
from bots.json_input import loads_untrusted
from bots.telegram.convert import (
    CHANNEL_NAME,
    BotIdentity,
    message_to_event,
    start_payload,
    update_to_event,
)
from bots.telegram.outgoing import (
    DEEP_LINK_PAYLOAD,
    QUESTION_PAYLOAD_PREFIX,
    destination_of,
    message_id_in,
    options_keyboard,
    public_text,
    question_payload,
    split_text,
)
from bots.telegram.pacing import SendPacer
from bots.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OFFSET_CURSOR = "telegram:offset"
LAST_MESSAGE_CURSOR_PREFIX = "telegram:last:"
"""+ group conversation key → the player's latest message there, to thread replies under."""
QUESTION_CURSOR_PREFIX = "telegram:question:"
"""+ deep-link payload → the public question it stands for, until the player taps it."""
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
_REMEMBERED_CALLBACKS = 2_000
_REMEMBERED_PARTIAL_SENDS = 10_000
FILE_DOWNLOAD_TIMEOUT = 60.0


class TelegramChannel:
    """The ``telegram`` channel: build it from settings, ``start()`` it, register it."""

    name = CHANNEL_NAME

    def __init__(
        self,
        settings: TelegramSettings,
        accept: AcceptEvent,
        cursors: CursorStore,
        send_journal: SendJournal | None = None,
        edits: UndecidedEdits | None = None,
    ) -> None:
        """``send_journal``: sendMessage has no idempotency key, so with a journal a send
        cut off by a crash is dead-lettered (at most once); without, it is sent again.
        ``edits``: where an edit replaces the text of a message not decided yet; without,
        edits are ignored."""
        self._settings = settings
        self._accept = accept
        self._cursors = cursors
        self._send_journal = send_journal
        self._edits = edits
        self._bot = Bot(
            settings.bot_token.get_secret_value(),
            base_url=settings.api_base_url,
            base_file_url=settings.api_file_base_url,
            request=HTTPXRequest(connection_pool_size=64),
            # Long polls get their own connection so they never hold up a send.
            get_updates_request=HTTPXRequest(connection_pool_size=1),
        )
        self._pacer = SendPacer(
            settings.private_chat_interval,
            settings.group_chat_interval,
            settings.global_messages_per_second,
            settings.group_messages_per_minute,
        )
        self._identity: BotIdentity | None = None
        self._identity_lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        self._callback_targets: OrderedDict[str, str] = OrderedDict()
        """``cb:<query id>`` → the keyboard's message, so an answer to a press is threaded."""
        self._link_key = hashlib.sha256(
            b"croupier telegram deep links:" + settings.bot_token.get_secret_value().encode()
        ).digest()
        """Signs deep-link payloads, so nobody can forge one for another player's question."""
        self._parts_sent: dict[int, int] = {}
        """Outbox row → parts of a split message already sent, so a retry sends the rest."""

    # -- life cycle ---------------------------------------------------------------------

    async def start(self, ingress: bool = True) -> None:
        """Learn who we are (getMe), then register the webhook or start polling.

        Fails loudly (a bad token, an unreachable API) so a misconfigured service does not
        come up deaf. ``ingress=False`` (a worker of a scaled deployment) only sends: the
        front ends take the updates in.
        """
        await self._ready()
        if not ingress:
            return
        if self._settings.mode == "webhook":
            secret = self._settings.webhook_secret
            await self._bot.set_webhook(
                url=self._settings.webhook_url or "",
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=list(ALLOWED_UPDATES),
            )
            return
        # getUpdates answers 409 Conflict while a webhook is set.
        await self._bot.delete_webhook(drop_pending_updates=False)
        offset = await self._stored_offset()
        self._poller = asyncio.create_task(self._poll_forever(offset), name="telegram-poll")

    async def stop(self) -> None:
        """Stop polling (the stored offset is already where the next start resumes)."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self._bot.shutdown()

    async def _ready(self) -> BotIdentity:
        if self._identity is None:
            async with self._identity_lock:
                if self._identity is None:
                    await self._bot.initialize()  # getMe: our id and username
                    self._identity = BotIdentity(
                        user_id=self._bot.id,
                        username=self._settings.bot_username or self._bot.username,
                    )
        return self._identity

    # -- webhook ingress ------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def webhook(self, request: web.Request) -> web.Response:
        """Verify the secret, store the event, then answer 200 (any other answer: Telegram
        delivers the update again later)."""
        if not self._secret_matches(request.headers.get(SECRET_HEADER)):
            return _error(401, "missing or wrong secret token")
        # Bounded by the application's client_max_size (413 beyond it); updates are small.
        body = await request.read()
        try:
            payload = loads_untrusted(body)
        except ValueError:
            return _error(400, "body is not JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return _error(400, "body is not a Telegram update")
        try:
            identity = await self._ready()
        except TelegramError as exc:
            log.warning("telegram: getMe failed, asking Telegram to retry: %s", self._scrub(exc))
            return _error(503, "not ready")
        try:
            update = Update.de_json(payload, self._bot)
        except Exception:  # PTB checks no types: a huge date raises OSError/OverflowError too
            return _error(400, "malformed Telegram update")
        await self._ingest(update, body.decode("utf-8", "replace"), identity)
        return web.json_response({"ok": True})

    def _secret_matches(self, given: str | None) -> bool:
        expected = self._settings.webhook_secret
        if expected is None or given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())

    # -- polling ingress ------------------------------------------------------------------

    async def _stored_offset(self) -> int | None:
        value = await self._cursors.get_cursor(OFFSET_CURSOR)
        return int(value) if value and value.lstrip("-").isdigit() else None

    async def _poll_forever(self, offset: int | None) -> None:
        """Long-poll, store every update of a batch, then persist the next offset.

        A batch that cannot be stored is fetched again (the offset did not move); the
        updates already stored come back as duplicates, which the runtime drops.
        """
        pause = self._settings.poll_retry_seconds
        while True:
            try:
                updates = await self._bot.get_updates(
                    offset=offset,
                    timeout=self._settings.poll_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except TelegramError as exc:
                log.warning("telegram: getUpdates failed: %s", self._scrub(exc))
                await asyncio.sleep(pause)
                continue
            except Exception:
                # PTB could not parse the batch (it raises e.g. OSError for an odd date).
                # Uncaught, this ended the poller silently: the bot went deaf for good.
                try:
                    offset = await self._read_one_by_one(offset)
                except Exception:
                    log.exception("telegram: could not read a batch update by update")
                    await asyncio.sleep(pause)
                continue
            if not updates:
                if self._settings.poll_timeout == 0:
                    await asyncio.sleep(max(pause, 0.1))  # short polling: do not spin
                continue
            try:
                identity = await self._ready()
                for update in updates:
                    raw = json.dumps(update.to_dict(), ensure_ascii=False)
                    await self._ingest(update, raw, identity)
                next_offset = updates[-1].update_id + 1
                await self._cursors.set_cursor(OFFSET_CURSOR, str(next_offset))
            except Exception:
                log.exception("telegram: could not store a batch of updates; fetching it again")
                await asyncio.sleep(pause)
                continue
            offset = next_offset

    async def _read_one_by_one(self, offset: int | None) -> int | None:
        """The batch PTB could not parse, as raw JSON: store every update that parses,
        skip (with an error in the log) the ones that do not, and move the offset past all."""
        with warnings.catch_warnings():  # PTB nudges towards get_updates: the one that failed
            warnings.simplefilter("ignore", PTBUserWarning)
            raw_updates = await self._bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": offset,
                    "timeout": 0,
                    "allowed_updates": list(ALLOWED_UPDATES),
                },
            )
        identity = await self._ready()
        next_offset = offset
        for raw in raw_updates if isinstance(raw_updates, list) else ():
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                continue
            try:
                update = Update.de_json(raw, self._bot)
            except Exception as exc:
                log.error(
                    "telegram: update %d cannot be read (%s); skipped",
                    update_id,
                    type(exc).__name__,
                )
            else:
                await self._ingest(update, json.dumps(raw, ensure_ascii=False), identity)
            next_offset = update_id + 1
        if next_offset != offset:
            await self._cursors.set_cursor(OFFSET_CURSOR, str(next_offset))
        return next_offset

    # -- shared ingress -------------------------------------------------------------------

    async def _ingest(self, update: Update, raw_payload: str, identity: BotIdentity) -> None:
        """Convert and store one update; a failure to store propagates (so it is retried)."""
        if update.edited_message is not None:
            await self._apply_edit(update.edited_message, identity)
            return
        try:
            event = update_to_event(update, identity)
        except Exception:
            # A bug of ours on one odd update must not block every update behind it.
            log.exception("telegram: update %d could not be converted; ignored", update.update_id)
            event = None
        if event is not None:
            if event.kind is EventKind.OPTION_PICKED and event.reply_to_platform_id:
                self._remember_callback(event.platform_message_id, event.reply_to_platform_id)
            if event.is_public and event.kind is not EventKind.OPTION_PICKED:
                await self._cursors.set_cursor(
                    LAST_MESSAGE_CURSOR_PREFIX + event.conversation_key, event.platform_message_id
                )
            if event.is_public and event.text.strip():
                await self._remember_question(event)
            waiting = await self._waiting_question(update, event.sender_id)
            if waiting is not None:
                _, question, lang = waiting
                event = event.model_copy(
                    update={"text": question, "language_hint": event.language_hint or lang}
                )
            await self._accept(event, raw_payload)
            if waiting is not None:
                await self._cursors.set_cursor(waiting[0], "")  # one full answer per link
        if update.callback_query is not None:
            await self._answer_callback(update.callback_query.id)

    async def _apply_edit(self, message: Message, identity: BotIdentity) -> None:
        """An edit replaces the text while the original waits for its decision (a backlog
        after downtime: the message and its edit come in one getUpdates batch). Once the
        original is decided the edit is dropped: answering it too would talk twice."""
        if self._edits is None:
            return
        try:
            edited = message_to_event(message, identity)  # same id as the original
        except Exception:
            log.exception("telegram: an edit could not be converted; ignored")
            return
        if edited is None:
            return
        replaced = await self._edits.replace_undecided_text(
            CHANNEL_NAME, edited.platform_message_id, edited.text, edited.text_truncated
        )
        log.debug(
            "telegram: edit of %s %s",
            edited.platform_message_id,
            "applied" if replaced else "ignored (already decided)",
        )

    async def _remember_question(self, event: Event) -> None:
        """A public question may get a public answer with a deep link: keep what was asked,
        so the tap on the link (``/start <payload>`` in private) asks it again privately
        and the full answer comes through the usual decision, outbox and transcript."""
        payload = question_payload(self._link_key, event.platform_message_id)
        waiting = {"user": event.sender_id, "question": event.text, "lang": event.language_hint}
        await self._cursors.set_cursor(QUESTION_CURSOR_PREFIX + payload, json.dumps(waiting))

    async def _waiting_question(
        self, update: Update, sender_id: str
    ) -> tuple[str, str, str | None] | None:
        """For ``/start q…`` from the player who asked: (cursor, question, language)."""
        payload = start_payload(update.message) if update.message is not None else None
        if payload is None or not payload.startswith(QUESTION_PAYLOAD_PREFIX):
            return None
        cursor = QUESTION_CURSOR_PREFIX + payload
        stored = await self._cursors.get_cursor(cursor)
        if not stored:
            return None  # unknown, forged, or already answered: a plain greeting
        waiting = json.loads(stored)
        if waiting.get("user") != sender_id:
            return None  # somebody else's link: they get a greeting, not that answer
        return cursor, str(waiting["question"]), waiting.get("lang")

    async def _answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner; best effort, the press is already stored."""
        try:
            await self._bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.info("telegram: answerCallbackQuery failed: %s", self._scrub(exc))

    def _remember_callback(self, callback_id: str, keyboard_message_id: str) -> None:
        self._callback_targets[callback_id] = keyboard_message_id
        while len(self._callback_targets) > _REMEMBERED_CALLBACKS:
            self._callback_targets.popitem(last=False)

    # -- files for the console -------------------------------------------------------------

    async def fetch_attachment(
        self, platform_file_id: str, max_bytes: int = MAX_ATTACHMENT_BYTES
    ) -> FetchedFile:
        """getFile, then download it through PTB (the download URL holds our token, so it
        is only ever used here, server-side)."""
        try:
            await self._ready()
            file = await self._bot.get_file(platform_file_id)
            if file.file_size is not None and file.file_size > max_bytes:
                raise AttachmentTooLarge(f"telegram: file is {file.file_size} bytes")
            content = bytes(await file.download_as_bytearray(read_timeout=FILE_DOWNLOAD_TIMEOUT))
        except TelegramError as exc:
            reason = f"telegram: {self._scrub(exc)}"
            if "file is too big" in reason.lower():  # getFile refuses files over 20 MB
                raise AttachmentTooLarge(reason) from None
            raise AttachmentUnavailable(reason) from None
        except RuntimeError:  # PTB: getFile gave no file_path, nothing to download
            raise AttachmentUnavailable("telegram: the file cannot be downloaded") from None
        if len(content) > max_bytes:
            raise AttachmentTooLarge(f"telegram: file is {len(content)} bytes")
        # getFile tells no type; the path's extension does (photos are always .jpg).
        name = (file.file_path or "").rsplit("/", 1)[-1] or None
        mime_type = mimetypes.guess_type(name)[0] if name else None
        return FetchedFile(content=content, mime_type=mime_type, file_name=name)

    # -- delivery -------------------------------------------------------------------------

    async def deliver(self, reply: Reply, delivery_id: int) -> DeliveryResult:
        """Send ``reply`` as plain text (never markup: player words may appear in it).

        Long texts go as several messages; the first is threaded under the player's
        message, the options keyboard rides on the last. If a later part fails, the retry
        (same ``delivery_id``) sends only the parts still missing.
        """
        destination = destination_of(reply)
        if destination is None:
            return DeliveryResult(
                delivered=False,
                permanent_error=f"telegram: conversation key {reply.conversation_key!r} "
                "names no chat",
            )
        chat_id = destination.chat_id
        try:
            identity = await self._ready()
        except TelegramError as exc:
            return self._failure(exc)
        reply_to = destination.reply_to_message_id or self._callback_reply_to(
            reply.in_reply_to, chat_id
        )
        if reply_to is None and chat_id < 0:
            # A moderator's reply names no message; in a busy group it must still reach
            # the player visibly, so it answers their latest message there.
            latest = await self._cursors.get_cursor(
                LAST_MESSAGE_CURSOR_PREFIX + reply.conversation_key
            )
            reply_to = message_id_in(latest, chat_id)
        payload = (
            question_payload(self._link_key, reply.in_reply_to)
            if reply.in_reply_to
            else DEEP_LINK_PAYLOAD
        )
        parts = split_text(public_text(reply, identity.username, payload))
        keyboard = options_keyboard(reply.options)
        last_message: Message | None = None
        for index in range(self._parts_sent.get(delivery_id, 0), len(parts)):
            await self._pacer.wait_turn(chat_id)
            if self._send_journal is not None and last_message is None:
                await self._send_journal.begin_send(delivery_id)  # in doubt from here
            try:
                last_message = await self._bot.send_message(
                    chat_id=chat_id,
                    text=parts[index],
                    reply_parameters=(
                        ReplyParameters(reply_to, allow_sending_without_reply=True)
                        if reply_to is not None and index == 0
                        else None
                    ),
                    reply_markup=keyboard if index == len(parts) - 1 else None,
                )
            except TelegramError as exc:
                result = self._failure(exc)  # raises for what a retry may fix
                self._parts_sent.pop(delivery_id, None)
                return result
            self._note_parts_sent(delivery_id, index + 1)
        self._parts_sent.pop(delivery_id, None)
        sent_id = f"{chat_id}:{last_message.message_id}" if last_message else None
        return DeliveryResult(delivered=True, platform_message_id=sent_id)

    def _callback_reply_to(self, in_reply_to: str | None, chat_id: int) -> int | None:
        if not in_reply_to or not in_reply_to.startswith("cb:"):
            return None
        return message_id_in(self._callback_targets.get(in_reply_to), chat_id)

    def _note_parts_sent(self, delivery_id: int, count: int) -> None:
        if len(self._parts_sent) >= _REMEMBERED_PARTIAL_SENDS:
            self._parts_sent.clear()  # abandoned rows only; worst case a part is re-sent
        self._parts_sent[delivery_id] = count

    def _failure(self, exc: TelegramError) -> DeliveryResult:
        """Permanent failures become a result to dead-letter; the rest raise to be retried."""
        message = self._scrub(exc)
        if isinstance(exc, RetryAfter):
            seconds = retry_after_seconds(exc)
            raise DeliveryError(f"telegram: flood control, retry in {seconds:g}s", seconds)
        if isinstance(exc, Forbidden):
            return _permanent(message.removeprefix("Forbidden: "))
        if isinstance(exc, ChatMigrated):
            return _permanent(f"group moved to supergroup {exc.new_chat_id}")
        if isinstance(exc, BadRequest):
            return _permanent(message)
        if isinstance(exc, InvalidToken):
            raise DeliveryError("telegram: the Bot API refused our token")
        _retryable(f"{type(exc).__name__}: {message}")

    def _scrub(self, exc: TelegramError | str) -> str:
        """An error's text without the token, should an HTTP error ever quote the URL."""
        text = exc.message if isinstance(exc, TelegramError) else exc
        return text.replace(self._settings.bot_token.get_secret_value(), "[token]")


def retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives ``retry_after`` as int or timedelta (a deprecation in flight)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _permanent(reason: str) -> DeliveryResult:
    reason = reason[:1].lower() + reason[1:]  # PTB capitalises "Bad Request: chat not found"
    return DeliveryResult(delivered=False, permanent_error=f"telegram: {reason}")


def _retryable(reason: str) -> NoReturn:
    raise DeliveryError(f"telegram: {reason}")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
