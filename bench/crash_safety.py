"""Crash safety under load: SIGKILL Croupier at random moments, restart it, count outcomes.

Issue 9, "nothing lost, nothing answered twice". This script plays the Telegram Bot API
(``tests/fakes/telegram_api.py``, in this process, counting every sendMessage it accepts)
and a crowd of players (web chat over HTTP + WebSocket; Telegram updates queued for
getUpdates), runs ``python -m croupier.cli run`` as a child process on 127.0.0.1, kills it
with SIGKILL at seeded random moments and restarts it each time. When the load has stopped
and the service has drained, every message the load got acknowledged must have ended
answered (each reply reached the player exactly once), escalated, or dead-lettered with a
reason; the SQLite file is read (read-only) to see which.

Accepted means: web chat, the POST was answered 200/202 (a POST cut off by a kill is
retried with the same ``client_message_id``, as the page does); Telegram, the update was
queued at the fake (polling must lose none: the fake hands an update out until the
offset moves past it).

``--aim send`` kills right after the fake has answered a sendMessage, instead of at a
random moment: the window where the platform has the message but the outbox has not yet
recorded it as sent.

Run: ``.venv/bin/python bench/crash_safety.py [--kills 5] [--seconds 60] [--seed 9]``.
Prints ``accepted N answered N escalated N dead-lettered N lost N duplicated N`` last and
exits 1 when anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ``tests.fakes`` as a script

from croupier.config import DEFAULT_FAQ_DIR
from faq.loader import load_faq_dir
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, load_update

ROOT = Path(__file__).resolve().parent.parent
HUMAN_REQUESTS = {
    "en": "I want to talk to a human",
    "pl": "chcę rozmawiać z człowiekiem",
    "ru": "хочу поговорить с живым человеком",
    "de": "Ich möchte mit einem Menschen sprechen",
    "fr": "je veux parler à un humain",
}
START_TIMEOUT_SECONDS = 120.0
POST_TIMEOUT_SECONDS = 5.0
RETRY_PAUSE_SECONDS = 0.25
READER_GRACE_SECONDS = 3.0
FIRST_UPDATE_ID = 900_000_001
MAX_ACTIVE_CONVERSATIONS = 16
"""Per channel: a tick finding them all busy (web chat posts waiting out a restart) skips."""


@dataclass(frozen=True)
class BenchOptions:
    kills: int = 5
    seconds: float = 60.0
    """How long the load runs (stretched so some load follows the last restart)."""
    rate: float = 20.0
    """Messages per second offered, both channels together."""
    telegram_share: float = 0.5
    escalation_share: float = 0.1
    blocked_share: float = 0.03
    """Telegram chats whose sends the fake refuses (403 blocked): their replies dead-letter."""
    aim: str = "any"
    """``any``: kill at a random moment; ``send``: right after the fake answered a send."""
    seed: int = 9
    drain_seconds: float = 60.0


# -- the fake platform ---------------------------------------------------------------------


class CountingTelegramApi(FakeTelegramApi):
    """The test fake plus what this bench needs: blocked chats, a count of every update
    handed out, and a hook that runs once right after a sendMessage answer has left."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked_chats: set[int] = set()
        self.refused_sends = 0
        self.handed_out: Counter[int] = Counter()
        self.after_next_send: Callable[[], None] | None = None

    @property
    def queued_updates(self) -> int:
        """Updates not yet confirmed by an offset past them."""
        return len(self._updates)

    def sends(self) -> Counter[tuple[int, int | None, str]]:
        """Every sendMessage the fake accepted, by (chat, replied-to message, text)."""
        counts: Counter[tuple[int, int | None, str]] = Counter()
        for params in self.calls_to("sendMessage"):
            reply_parameters = params.get("reply_parameters") or {}
            counts[
                (int(params["chat_id"]), reply_parameters.get("message_id"), params["text"])
            ] += 1
        return counts

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            return await self._handle_counted(request)
        except ConnectionError:  # Croupier was killed while it sent the request
            return web.json_response({"ok": False, "error_code": 400}, status=400)

    async def _handle_counted(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "sendMessage" and await _chat_id(request) in self.blocked_chats:
            self.refused_sends += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status=403,
            )
        response = await super()._handle(request)
        hook = self.after_next_send
        if method == "sendMessage" and response.status == 200 and hook is not None:
            self.after_next_send = None
            await response.prepare(request)
            await response.write_eof()  # the answer has left: Croupier may read it now
            hook()
        return response

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await super()._get_updates(params)
        self.handed_out.update(update["update_id"] for update in updates)
        return updates


async def _chat_id(request: web.Request) -> int | None:
    if request.content_type == "application/json":
        value = (await request.json()).get("chat_id")
    else:
        value = (await request.post()).get("chat_id")
    try:
        return int(str(value))
    except ValueError:
        return None


# -- the service under test ----------------------------------------------------------------


class CroupierProcess:
    """``python -m croupier.cli run`` as a child process: started, SIGKILLed, restarted."""

    def __init__(self, port: int, data_dir: Path, telegram_url: str) -> None:
        self.port = port
        self.data_dir = data_dir
        self.database = data_dir / "croupier.sqlite3"
        self.log_path = data_dir / "croupier.log"
        self._log = self.log_path.open("ab")
        self._telegram_url = telegram_url
        self._process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.start_seconds: list[float] = []
        self.ready_at = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CROUPIER_")}
        return inherited | {
            "CROUPIER_HOST": "127.0.0.1",
            "CROUPIER_PORT": str(self.port),
            "CROUPIER_DATA_DIR": str(self.data_dir),
            "CROUPIER_CONSOLE_PASSWORD": "x",
            "CROUPIER_LOG_LEVEL": "WARNING",
            # Players here send far faster than a human: flood control would hide the test.
            "CROUPIER_PLAYER_MESSAGES_PER_MINUTE": "1e9",
            "CROUPIER_PLAYER_BURST": "1000000",
            "CROUPIER_TELEGRAM_BOT_TOKEN": TOKEN,
            "CROUPIER_TELEGRAM_API_BASE_URL": self._telegram_url,
            "CROUPIER_TELEGRAM_POLL_TIMEOUT": "1",
            "CROUPIER_TELEGRAM_POLL_RETRY_SECONDS": "0.2",
            "CROUPIER_TELEGRAM_PRIVATE_CHAT_INTERVAL": "0",
            "CROUPIER_TELEGRAM_GROUP_CHAT_INTERVAL": "0",
        }

    def _log_line(self, text: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        self._log.write(f"--- {stamp} {text}\n".encode())
        self._log.flush()

    async def start(self) -> None:
        """Start and wait for ``/healthz``: by then the processor has re-queued every
        undecided event, the outbox runs and Telegram polling resumed from its offset."""
        started = time.monotonic()
        self._log_line(f"start {self.starts + 1}")
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "croupier.cli",
            "run",
            cwd=ROOT,
            env=self._environment(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        self.starts += 1
        async with aiohttp.ClientSession() as http:
            while True:
                if self._process.returncode is not None:
                    raise RuntimeError(
                        f"croupier exited with {self._process.returncode} while starting; "
                        f"see {self.log_path}:\n{self.log_tail()}"
                    )
                if time.monotonic() - started > START_TIMEOUT_SECONDS:
                    raise RuntimeError(f"croupier not ready in {START_TIMEOUT_SECONDS:.0f} s")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(
                        f"{self.base_url}/healthz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
        self.ready_at = time.monotonic()
        self.start_seconds.append(self.ready_at - started)
        self._log_line("ready")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def kill_now(self) -> None:
        """SIGKILL: no handler runs, no transaction finishes, sockets just close."""
        if self.running:
            assert self._process is not None
            self._process.send_signal(signal.SIGKILL)
            self._log_line("SIGKILL")

    async def wait_dead(self) -> None:
        if self._process is not None:
            await self._process.wait()

    async def stop(self) -> None:
        if self.running:
            assert self._process is not None
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 30)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


# -- the load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedMessage:
    channel: str
    platform_message_id: str
    conversation_key: str


@dataclass
class Conversation:
    """One player's thread: a web chat session or a private Telegram chat."""

    channel: str
    key: str
    budget: int
    """Messages left to send; an escalation ends the conversation early."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sent: int = 0
    frames: Counter[int] = field(default_factory=Counter)
    """Web chat: reply frames received, by reply id (a re-push shows up as a count of 2)."""
    shown: set[int] = field(default_factory=set)
    """Web chat: the replies the page showed. Like ``index.html`` it drops any frame whose
    id is not above the last one shown, and reconnects with ``after=`` that id."""
    last_reply_id: int = 0
    last_activity: float = field(default_factory=time.monotonic)
    reader: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.budget <= 0


class Load:
    """Offers ``rate`` messages a second, open loop, to both channels; records what got
    accepted. Web chat replies are read as the page reads them (WebSocket, ``after=``)."""

    def __init__(
        self,
        options: BenchOptions,
        base_url: str,
        telegram: CountingTelegramApi,
        http: aiohttp.ClientSession,
    ) -> None:
        self._options = options
        self._base_url = base_url
        self._telegram = telegram
        self._http = http
        self._rng = random.Random(options.seed)
        self._questions = _faq_questions(self._rng)
        self.accepted: list[AcceptedMessage] = []
        self.unacknowledged = 0
        self.rejected: list[str] = []
        self.conversations: list[Conversation] = []
        self._active: dict[str, list[Conversation]] = {"webchat": [], "telegram": []}
        self._posting: set[asyncio.Task[None]] = set()
        self._next_update_id = FIRST_UPDATE_ID
        self._next_chat_id = 510_000_001
        self.posts_give_up_at = float("inf")

    @property
    def outstanding_posts(self) -> int:
        return len(self._posting)

    @property
    def last_update_id(self) -> int:
        return self._next_update_id - 1

    async def run(self, stop: asyncio.Event) -> None:
        interval = 1.0 / self._options.rate
        next_tick = time.monotonic()
        while not stop.is_set():
            channel = (
                "telegram" if self._rng.random() < self._options.telegram_share else "webchat"
            )
            conversation = self._pick(channel)
            if conversation is not None:
                text, lang = self._next_text(conversation)
                if channel == "telegram":
                    self._push_telegram(conversation, text, lang)
                else:
                    task = asyncio.create_task(self._post_webchat(conversation, text, lang))
                    self._posting.add(task)
                    task.add_done_callback(self._posting.discard)
            next_tick += interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_tick - time.monotonic()))

    async def finish_posts(self) -> None:
        """Let posts still retrying (the service was down) get their answer."""
        while self._posting:
            await asyncio.gather(*self._posting, return_exceptions=True)

    async def stop_readers(self) -> None:
        for conversation in self.conversations:
            if conversation.reader is not None:
                conversation.reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await conversation.reader
                conversation.reader = None

    def _pick(self, channel: str) -> Conversation | None:
        active = self._active[channel]
        active[:] = [c for c in active if not c.done]
        idle = [c for c in active if not c.lock.locked()]
        if idle and (len(active) >= MAX_ACTIVE_CONVERSATIONS or self._rng.random() < 0.7):
            return self._rng.choice(idle)
        if len(active) >= MAX_ACTIVE_CONVERSATIONS:
            return None  # every web chat player is waiting out a restart
        conversation = self._open(channel)
        active.append(conversation)
        return conversation

    def _open(self, channel: str) -> Conversation:
        budget = self._rng.randint(1, 4)
        if channel == "telegram":
            chat_id = self._next_chat_id
            self._next_chat_id += 1
            if self._rng.random() < self._options.blocked_share:
                self._telegram.blocked_chats.add(chat_id)
            conversation = Conversation(channel, str(chat_id), budget)
        else:
            conversation = Conversation(channel, f"crash-{self._rng.getrandbits(64):016x}", budget)
            conversation.reader = asyncio.create_task(self._read_replies(conversation))
        self.conversations.append(conversation)
        return conversation

    def _next_text(self, conversation: Conversation) -> tuple[str, str]:
        conversation.budget -= 1
        lang, question = self._rng.choice(self._questions)
        if self._rng.random() < self._options.escalation_share:
            conversation.budget = 0  # the bot stays silent once a person has the thread
            return HUMAN_REQUESTS[lang], lang
        return question, lang

    def _push_telegram(self, conversation: Conversation, text: str, lang: str) -> None:
        conversation.sent += 1
        chat_id = int(conversation.key)
        update = load_update("private_text")
        update["update_id"] = self._next_update_id
        self._next_update_id += 1
        message = update["message"]
        message["message_id"] = conversation.sent
        message["date"] = int(time.time())
        message["text"] = text
        message["from"] |= {"id": chat_id, "language_code": lang, "username": None}
        message["chat"] |= {"id": chat_id, "username": None}
        self._telegram.push_update(update)
        self.accepted.append(
            AcceptedMessage("telegram", f"{chat_id}:{conversation.sent}", conversation.key)
        )

    async def _post_webchat(self, conversation: Conversation, text: str, lang: str) -> None:
        async with conversation.lock:  # a player's messages go in order, one at a time
            conversation.sent += 1
            conversation.last_activity = time.monotonic()
            client_message_id = f"m{conversation.sent}"
            body = {
                "session_id": conversation.key,
                "client_message_id": client_message_id,
                "text": text,
            }
            timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
            while True:
                try:
                    async with self._http.post(
                        f"{self._base_url}/api/webchat/messages",
                        json=body,
                        headers={"Accept-Language": lang},
                        timeout=timeout,
                    ) as response:
                        if response.status in (200, 202):
                            self.accepted.append(
                                AcceptedMessage(
                                    "webchat",
                                    f"{conversation.key}:{client_message_id}",
                                    conversation.key,
                                )
                            )
                            return
                        if response.status < 500:
                            self.rejected.append(
                                f"HTTP {response.status}: {await response.text()}"
                            )
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass  # the service is down or was killed mid-request: same id again
                if time.monotonic() > self.posts_give_up_at:
                    self.unacknowledged += 1
                    return
                await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def _read_replies(self, conversation: Conversation) -> None:
        """The page's socket: reconnect after a restart, asking for what came ``after``;
        give up a few quiet seconds after the player's last message (the rest is caught up
        from history at the end)."""

        def keep_reading() -> bool:
            quiet = time.monotonic() - conversation.last_activity
            return (
                not conversation.done or conversation.lock.locked() or quiet < READER_GRACE_SECONDS
            )

        while keep_reading():
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                await self._read_socket(conversation, keep_reading)
            await asyncio.sleep(RETRY_PAUSE_SECONDS * 2)

    async def catch_up(self, conversation: Conversation, expected: set[int]) -> None:
        """What a page opened now would get: every sent reply after the last one it saw."""
        deadline = time.monotonic() + 5.0

        def keep_reading() -> bool:
            return not expected <= conversation.shown and time.monotonic() < deadline

        while keep_reading():
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                await self._read_socket(conversation, keep_reading)

    async def _read_socket(
        self, conversation: Conversation, keep_reading: Callable[[], bool]
    ) -> None:
        url = (
            f"{self._base_url}/api/webchat/ws?session_id={conversation.key}"
            f"&after={conversation.last_reply_id}"
        )
        async with self._http.ws_connect(url) as ws:
            while True:
                try:
                    frame = await ws.receive(timeout=0.5)
                except TimeoutError:
                    if keep_reading():
                        continue
                    return
                if frame.type is not aiohttp.WSMsgType.TEXT:
                    return  # closed: the service went away
                data = json.loads(frame.data)
                if data.get("type") == "reply":
                    reply_id = int(data["reply_id"])
                    conversation.frames[reply_id] += 1
                    if reply_id > conversation.last_reply_id:
                        conversation.shown.add(reply_id)
                        conversation.last_reply_id = reply_id
                    conversation.last_activity = time.monotonic()


def _faq_questions(rng: random.Random) -> list[tuple[str, str]]:
    faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert faq is not None, "the shipped FAQ does not load"
    questions = [
        (lang, question)
        for entry in faq.entries
        for lang, texts in entry.questions.items()
        if lang in HUMAN_REQUESTS
        for question in texts
    ]
    rng.shuffle(questions)
    return questions


# -- the kills -----------------------------------------------------------------------------


@dataclass
class KillRecord:
    at_seconds: float
    aimed_at_send: bool
    undecided_events: int
    unsent_replies: int


async def _kill(
    croupier: CroupierProcess, telegram: CountingTelegramApi, aim: str
) -> tuple[bool, tuple[int, int]]:
    """Kill now, or (``aim == "send"``) just after the fake answers the next sendMessage."""
    aimed = False
    if aim == "send":
        killed = asyncio.Event()

        def kill_after_send() -> None:
            croupier.kill_now()
            killed.set()

        telegram.after_next_send = kill_after_send
        try:
            await asyncio.wait_for(killed.wait(), 5.0)
            aimed = True
        except TimeoutError:
            telegram.after_next_send = None
    croupier.kill_now()
    await croupier.wait_dead()
    backlog = await asyncio.to_thread(_backlog, croupier.database)
    return aimed, backlog


async def _chaos(
    options: BenchOptions,
    croupier: CroupierProcess,
    telegram: CountingTelegramApi,
    started: float,
) -> list[KillRecord]:
    """``kills`` SIGKILLs, one at a random moment of each equal slot of the run, never
    sooner than a short random uptime after the last restart; each followed by a restart."""
    rng = random.Random(options.seed + 1)
    slot = options.seconds / max(options.kills, 1)
    kills: list[KillRecord] = []
    for index in range(options.kills):
        moment = max(
            started + (index + rng.random()) * slot,
            croupier.ready_at + rng.uniform(0.2, 1.5),
        )
        await asyncio.sleep(max(0.0, moment - time.monotonic()))
        aimed, (undecided, unsent) = await _kill(croupier, telegram, options.aim)
        kills.append(KillRecord(time.monotonic() - started, aimed, undecided, unsent))
        await asyncio.sleep(rng.uniform(0.0, 0.5))
        await croupier.start()
    return kills


# -- reading the outcome ---------------------------------------------------------------------


def _read_only(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)


def _backlog(database: Path) -> tuple[int, int]:
    """Events stored but undecided, replies queued but unsent: what a restart must finish."""
    if not database.exists():
        return 0, 0
    with contextlib.closing(_read_only(database)) as db:
        (undecided,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE status = 'accepted'"
        ).fetchone()
        (unsent,) = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status NOT IN ('sent', 'dead')"
        ).fetchone()
    return int(undecided), int(unsent)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    conversation_key: str
    in_reply_to: str | None
    text: str
    status: str
    last_error: str | None


@dataclass
class Snapshot:
    events: dict[tuple[str, str], tuple[int, str, str | None]]
    """(channel, platform message id) → (event id, status, reason)."""
    outbox_by_event: dict[int, list[OutboxRow]]
    telegram_offset: int | None
    event_rows: int


def _snapshot(database: Path) -> Snapshot:
    with contextlib.closing(_read_only(database)) as db:
        events = {
            (channel, platform_id): (event_id, status, reason)
            for event_id, channel, platform_id, status, reason in db.execute(
                "SELECT id, channel, platform_message_id, status, reason FROM events"
            )
        }
        outbox: dict[int, list[OutboxRow]] = defaultdict(list)
        for row_id, channel, key, reply_json, status, last_error, event_id in db.execute(
            "SELECT id, channel, conversation_key, reply_json, status, last_error, event_id "
            "FROM outbox ORDER BY id"
        ):
            reply = json.loads(reply_json)
            outbox[event_id].append(
                OutboxRow(
                    row_id,
                    channel,
                    key,
                    reply.get("in_reply_to"),
                    reply["text"],
                    status,
                    last_error,
                )
            )
        cursor = db.execute("SELECT value FROM cursors WHERE name = 'telegram:offset'").fetchone()
    return Snapshot(events, outbox, int(cursor[0]) if cursor else None, len(events))


async def _settled(load: Load, telegram: CountingTelegramApi, database: Path) -> bool:
    if load.outstanding_posts or telegram.queued_updates:
        return False
    undecided, unsent = await asyncio.to_thread(_backlog, database)
    return undecided == 0 and unsent == 0


@dataclass
class Report:
    accepted: int = 0
    answered: int = 0
    escalated: int = 0
    dead_lettered: int = 0
    lost: int = 0
    duplicated: int = 0
    dead_but_delivered: int = 0
    """Dead-lettered replies the platform had in fact accepted (a send cut off by a kill)."""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        return (
            f"accepted {self.accepted} answered {self.answered} escalated {self.escalated} "
            f"dead-lettered {self.dead_lettered} lost {self.lost} duplicated {self.duplicated}"
        )

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0


def _judge(load: Load, telegram: CountingTelegramApi, snapshot: Snapshot) -> Report:
    """Each accepted message ends in exactly one of answered / escalated / dead-lettered /
    lost; duplicated is counted on top (a message whose reply reached the player twice)."""
    report = Report(accepted=len(load.accepted))
    sends = telegram.sends()
    telegram_expected: Counter[tuple[int, int | None, str]] = Counter()
    webchat_seen = {c.key: c for c in load.conversations if c.channel == "webchat"}
    for message in load.accepted:
        found = snapshot.events.get((message.channel, message.platform_message_id))
        if found is None:
            report.lost += 1
            report.problems.append(
                f"{message.channel} {message.platform_message_id}: never stored"
            )
            continue
        event_id, status, reason = found
        if status == "accepted":
            report.lost += 1
            report.problems.append(f"event {event_id}: stored, never decided")
            continue
        if status == "dead":
            if reason:
                report.dead_lettered += 1
            else:
                report.lost += 1
                report.problems.append(f"event {event_id}: dead without a reason")
            continue
        lost_reply = dead_reply = duplicated = False
        replies_seen: Counter[tuple[str | None, str]] = Counter()
        for row in snapshot.outbox_by_event.get(event_id, []):
            replies_seen[(row.in_reply_to, row.text)] += 1
            if replies_seen[(row.in_reply_to, row.text)] > 1:
                duplicated = True
                report.problems.append(f"event {event_id}: the same reply queued twice")
            if row.status not in ("sent", "dead"):
                lost_reply = True
                report.problems.append(f"outbox {row.id} (event {event_id}): never sent")
                continue
            if row.status == "dead":
                dead_reply = True
                if not row.last_error:
                    lost_reply = True
                    report.problems.append(f"outbox {row.id}: dead without a reason")
                if row.channel == "telegram" and sends[_telegram_key(row)]:
                    report.dead_but_delivered += 1  # in doubt after a crash, and it had arrived
                    telegram_expected[_telegram_key(row)] += 1
                continue
            if row.channel == "telegram":
                key = _telegram_key(row)
                telegram_expected[key] += 1
                delivered = sends[key]
            else:
                delivered = int(row.id in webchat_seen[row.conversation_key].shown)
            if delivered == 0:
                lost_reply = True
                report.problems.append(
                    f"outbox {row.id} ({row.channel} {row.conversation_key}): marked sent, "
                    f"the player never got it{_frames_note(load, row)}"
                )
            elif delivered > 1 and row.channel == "telegram":
                duplicated = True
                report.problems.append(
                    f"outbox {row.id} (event {event_id}): telegram sent it {delivered} times"
                )
        if lost_reply:
            report.lost += 1
        elif dead_reply:
            report.dead_lettered += 1
        elif status == "escalated":
            report.escalated += 1
        else:
            report.answered += 1
        report.duplicated += int(duplicated)
    unexpected = sum(count for key, count in sends.items() if key not in telegram_expected)
    if unexpected:
        report.problems.append(f"{unexpected} telegram send(s) match no reply the outbox holds")
    return report


def _frames_note(load: Load, row: OutboxRow) -> str:
    if row.channel != "webchat":
        return ""
    chat = next(c for c in load.conversations if c.key == row.conversation_key)
    return f" (frames received {sorted(chat.frames.elements())}, shown {sorted(chat.shown)})"


def _telegram_key(row: OutboxRow) -> tuple[int, int | None, str]:
    chat_id = int(row.conversation_key.split(":", 1)[0])
    reply_to: int | None = None
    if row.in_reply_to:
        chat_part, _, message_part = row.in_reply_to.partition(":")
        if chat_part == str(chat_id) and message_part.split(":", 1)[0].isdigit():
            reply_to = int(message_part.split(":", 1)[0])
    return chat_id, reply_to, row.text


# -- the run ---------------------------------------------------------------------------------


async def run_crash_safety(options: BenchOptions, data_dir: Path) -> Report:
    """One bounded run: load + kills, stop the load, drain, judge. Only 127.0.0.1."""
    telegram = CountingTelegramApi()
    await telegram.start()
    croupier = CroupierProcess(_free_port(), data_dir, telegram.base_url)
    stop_load = asyncio.Event()
    try:
        await croupier.start()
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            load = Load(options, croupier.base_url, telegram, http)
            load_task = asyncio.create_task(load.run(stop_load))
            try:
                kills = await _chaos(options, croupier, telegram, started)
                tail = max(started + options.seconds, croupier.ready_at + 2.0) - time.monotonic()
                await asyncio.sleep(max(0.0, tail))
            finally:
                stop_load.set()
                await load_task
            load_seconds = time.monotonic() - started
            load.posts_give_up_at = time.monotonic() + options.drain_seconds
            drain_started = time.monotonic()
            restarts_in_drain = 0
            while time.monotonic() - drain_started < options.drain_seconds:
                if not croupier.running:  # it died on its own: restart a last time
                    restarts_in_drain += 1
                    await croupier.start()
                if await _settled(load, telegram, croupier.database):
                    break
                await asyncio.sleep(0.25)
            await load.finish_posts()
            await load.stop_readers()
            snapshot = await asyncio.to_thread(_snapshot, croupier.database)
            await _catch_up_webchat(load, snapshot)
            drain_seconds = time.monotonic() - drain_started
        await croupier.stop()
        snapshot = await asyncio.to_thread(_snapshot, croupier.database)
    finally:
        stop_load.set()
        croupier.kill_now()
        await croupier.wait_dead()
        await telegram.close()
    report = _judge(load, telegram, snapshot)
    report.notes.extend(
        _notes(options, load, telegram, croupier, kills, snapshot, load_seconds, drain_seconds)
    )
    reasons = Counter(
        (row.last_error or "no reason").split(";")[0].split(",")[0][:60]
        for rows in snapshot.outbox_by_event.values()
        for row in rows
        if row.status == "dead"
    )
    report.notes.append(
        "dead-lettered replies by reason: "
        + ("; ".join(f"{reason} ×{count}" for reason, count in reasons.most_common()) or "none")
        + f"; of them the platform had accepted anyway: {report.dead_but_delivered}"
    )
    pushed_any = load.last_update_id >= FIRST_UPDATE_ID
    if pushed_any and snapshot.telegram_offset != load.last_update_id + 1:
        report.problems.append(
            f"telegram offset {snapshot.telegram_offset} at the end, expected "
            f"{load.last_update_id + 1} ({telegram.queued_updates} updates never confirmed)"
        )
    if restarts_in_drain:
        report.problems.append(f"croupier died on its own {restarts_in_drain} time(s)")
    return report


async def _catch_up_webchat(load: Load, snapshot: Snapshot) -> None:
    sent_by_session: dict[str, set[int]] = defaultdict(set)
    for rows in snapshot.outbox_by_event.values():
        for row in rows:
            if row.channel == "webchat" and row.status == "sent":
                sent_by_session[row.conversation_key].add(row.id)
    behind = [
        (conversation, sent_by_session[conversation.key])
        for conversation in load.conversations
        if conversation.channel == "webchat"
        and not sent_by_session[conversation.key] <= conversation.shown
    ]
    gate = asyncio.Semaphore(16)

    async def one(conversation: Conversation, expected: set[int]) -> None:
        async with gate:
            await load.catch_up(conversation, expected)

    await asyncio.gather(*(one(c, expected) for c, expected in behind))


def _notes(
    options: BenchOptions,
    load: Load,
    telegram: CountingTelegramApi,
    croupier: CroupierProcess,
    kills: list[KillRecord],
    snapshot: Snapshot,
    load_seconds: float,
    drain_seconds: float,
) -> list[str]:
    by_channel = Counter(m.channel for m in load.accepted)
    repushed = sum(c.frames.total() - len(c.shown) for c in load.conversations)
    redelivered = sum(1 for count in telegram.handed_out.values() if count > 1)
    expected_offset = load.last_update_id + 1
    offset_ok = snapshot.telegram_offset == expected_offset and telegram.queued_updates == 0
    starts = ", ".join(f"{s:.1f}" for s in croupier.start_seconds)
    kill_list = "; ".join(
        f"{k.at_seconds:.1f}s{' after a send' if k.aimed_at_send else ''}"
        f" ({k.undecided_events} undecided, {k.unsent_replies} unsent)"
        for k in kills
    )
    unacknowledged_but_stored = snapshot.event_rows - len(load.accepted)
    return [
        f"seed {options.seed}, aim {options.aim}, {options.rate:g} msg/s offered, "
        f"load {load_seconds:.1f} s, drain {drain_seconds:.1f} s",
        f"kills {len(kills)}: {kill_list}",
        f"starts {croupier.starts} (seconds to ready: {starts})",
        f"accepted webchat {by_channel['webchat']} telegram {by_channel['telegram']}; "
        f"webchat posts never acknowledged {load.unacknowledged}, rejected {len(load.rejected)}; "
        f"events stored beyond those accepted {unacknowledged_but_stored}",
        f"backlog finished after restarts: {sum(k.undecided_events for k in kills)} undecided "
        f"events, {sum(k.unsent_replies for k in kills)} unsent replies",
        f"telegram: {redelivered} updates handed out again after a kill (dropped by the store), "
        f"offset {snapshot.telegram_offset} (expected {expected_offset}, "
        f"{'ok' if offset_ok else 'WRONG'}), {telegram.refused_sends} sends refused (blocked)",
        f"webchat: {repushed} reply frames the page dropped (an id not above the last shown)",
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration")
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second offered")
    parser.add_argument("--telegram-share", type=float, default=0.5)
    parser.add_argument("--escalation-share", type=float, default=0.1)
    parser.add_argument("--blocked-share", type=float, default=0.03)
    parser.add_argument("--aim", choices=("any", "send"), default="any")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--drain-seconds", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true", help="keep the data dir and log")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every problem")
    args = parser.parse_args()
    if not 0 < args.rate <= 500 or not 0 <= args.kills <= 100 or not 0 < args.seconds <= 3600:
        parser.error("keep --rate in (0, 500], --kills in [0, 100], --seconds in (0, 3600]")
    options = BenchOptions(
        kills=args.kills,
        seconds=args.seconds,
        rate=args.rate,
        telegram_share=args.telegram_share,
        escalation_share=args.escalation_share,
        blocked_share=args.blocked_share,
        aim=args.aim,
        seed=args.seed,
        drain_seconds=args.drain_seconds,
    )
    data_dir = Path(tempfile.mkdtemp(prefix="croupier-crash-"))
    try:
        report = asyncio.run(run_crash_safety(options, data_dir))
    finally:
        if args.keep:
            print(f"data and log kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    for note in report.notes:
        print(note)
    shown = report.problems if args.verbose else report.problems[:10]
    for problem in shown:
        print(f"problem: {problem}")
    if len(report.problems) > len(shown):
        print(f"problem: … {len(report.problems) - len(shown)} more (-v lists them)")
    print(report.summary_line())
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
