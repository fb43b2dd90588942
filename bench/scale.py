"""Croupier at scale: front end + workers as processes on real PostgreSQL and Redis.

Two uses:

- figures (``main``): messages/s and time to reply for the SQLite single process
  (``bench/e2e.py``'s server and load) against PostgreSQL + Redis with 1 and 2 workers
  behind one front end, with the same closed-loop web chat players;
- the kill test (:func:`run_kill_test`, used by ``tests/test_scale_cluster.py``): a
  steady web chat load while one worker is SIGKILLed (and restarted or not), then a
  drain and a count, at the web chat and in the store, of what was lost or doubled.

Run: ``.venv/bin/python bench/scale.py [--players 32] [--seconds 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.e2e import _free_port, _load, _player_messages  # noqa: E402
from bench.e2e import _run as run_sqlite_single_process  # noqa: E402
from tests.servers import PostgresServer, RedisServer  # noqa: E402

PASSWORD = "scale-bench-console-password"


class Node:
    """One ``croupier run`` child process (front end or worker)."""

    def __init__(self, role: str, env: dict[str, str], logs: Path, number: int) -> None:
        self.role = role
        self.port = _free_port()
        self._env = env
        self._log_path = logs / f"{role}-{number}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self._log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "croupier.cli",
                "run",
                "--role",
                self.role,
                "--port",
                str(self.port),
            ],
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    async def ready(self, seconds: float = 120.0) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.role} exited; see {self._log_path}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.role} did not start; see {self._log_path}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Cluster:
    """PostgreSQL + Redis + one front end + ``workers`` workers, all on loopback."""

    def __init__(self, workers: int, work_dir: Path, *, claim_idle: float, lease: float) -> None:
        self.work_dir = work_dir
        self.postgres = PostgresServer(durable=True)
        self.redis = RedisServer()
        self._workers = workers
        self._claim_idle = claim_idle
        self._lease = lease
        self.frontend: Node | None = None
        self.workers: list[Node] = []
        self.dsn = ""
        self.stream_url = ""

    async def start(self) -> None:
        self.postgres.start()
        self.redis.start()
        self.dsn = await self.postgres.empty_database()
        self.stream_url = self.redis.url()
        env = {
            **os.environ,
            "CROUPIER_STORE": self.dsn,
            "CROUPIER_STREAM": self.stream_url,
            "CROUPIER_CONSOLE_PASSWORD": PASSWORD,
            "CROUPIER_LOG_LEVEL": "WARNING",
            # Bench players send as fast as they are answered, far beyond a human's pace:
            # flood control would measure itself, not the pipeline.
            "CROUPIER_PLAYER_MESSAGES_PER_MINUTE": "1e9",
            "CROUPIER_PLAYER_BURST": "1000000",
            "CROUPIER_DATA_DIR": str(self.work_dir / "var"),
            "CROUPIER_STREAM_CLAIM_IDLE_SECONDS": str(self._claim_idle),
            "CROUPIER_OUTBOX_LEASE_SECONDS": str(self._lease),
        }
        upgrade = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "croupier.cli", "db", "upgrade", env=env, cwd=ROOT
        )
        if await upgrade.wait() != 0:
            raise RuntimeError("croupier db upgrade failed")
        self.frontend = Node("frontend", env, self.work_dir, 0)
        self.workers = [Node("worker", env, self.work_dir, n + 1) for n in range(self._workers)]
        for node in (self.frontend, *self.workers):
            node.start()
        await asyncio.gather(*(node.ready() for node in (self.frontend, *self.workers)))

    def stop(self) -> None:
        for node in (*self.workers, *([self.frontend] if self.frontend else [])):
            node.stop()
        self.redis.stop()
        self.postgres.stop()


# -- figures ----------------------------------------------------------------------------


def _figures(latencies: list[float], errors: list[str], elapsed: float) -> dict[str, float]:
    latencies.sort()
    return {
        "messages": len(latencies),
        "errors": len(errors),
        "rate": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else 0.0,
    }


async def _cluster_figures(workers: int, players: int, seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="croupier-scale-") as work:
        cluster = Cluster(workers, Path(work), claim_idle=30.0, lease=120.0)
        try:
            await cluster.start()
            assert cluster.frontend is not None
            return _figures(*await _load(cluster.frontend.base, players, seconds))
        finally:
            cluster.stop()


def _print(name: str, result: dict[str, float], players: int, seconds: float) -> None:
    print(
        f"{name:28} {result['rate']:7.1f} msg/s  p50 {result['p50_ms']:7.1f} ms  "
        f"p99 {result['p99_ms']:7.1f} ms  ({result['messages']:.0f} replies, "
        f"{result['errors']:.0f} errors, {players} players, {seconds:.0f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores on this machine", flush=True)
    _print(
        "SQLite, one process",
        run_sqlite_single_process(False, args.players, args.seconds),
        args.players,
        args.seconds,
    )
    for workers in (1, 2):
        result = asyncio.run(_cluster_figures(workers, args.players, args.seconds))
        _print(f"PostgreSQL+Redis, {workers} worker(s)", result, args.players, args.seconds)


# -- the kill test ---------------------------------------------------------------------------


@dataclass
class KillReport:
    posted: int = 0
    """Messages the front end accepted (HTTP 202)."""
    events: int = 0
    undecided: int = 0
    answered: int = 0
    escalated: int = 0
    dead_lettered: int = 0
    decided_twice: int = 0
    """Conversations with more player transcript lines than events: an event applied twice."""
    outbox_unsent: int = 0
    replies_seen: int = 0
    """Distinct reply ids the players' pages showed (live pushes plus catch-up)."""
    pushed_twice: int = 0
    """Reply ids a socket received more than once (the page shows each id once)."""
    history_mismatch: int = 0
    """Sessions whose page missed a reply the store recorded as sent, or the reverse."""
    lost: int = 0
    left_pending: int = 0
    """Stream entries the killed worker had read and not acknowledged (claimed by others)."""
    notes: list[str] = field(default_factory=list)


@dataclass
class _Session:
    session_id: str
    posted: int = 0
    frames: Counter[int] = field(default_factory=Counter)


async def _chat(base: str, messages: list[str], stop: asyncio.Event, sessions: list[_Session]):  # type: ignore[no-untyped-def]
    """A player on the front end: one message, wait for a reply (or 5 s), the next one."""
    async with aiohttp.ClientSession() as http:
        while not stop.is_set():
            session = _Session(uuid.uuid4().hex)
            sessions.append(session)
            ws = await http.ws_connect(f"{base}/api/webchat/ws?session_id={session.session_id}")
            for text in messages[:4]:
                if stop.is_set():
                    break
                async with http.post(
                    f"{base}/api/webchat/messages",
                    json={
                        "session_id": session.session_id,
                        "client_message_id": uuid.uuid4().hex,
                        "text": text,
                    },
                ) as response:
                    if response.status == 202:
                        session.posted += 1
                with contextlib.suppress(TimeoutError):
                    frame = await ws.receive_json(timeout=5)
                    session.frames[int(frame["reply_id"])] += 1
            # Keep listening a moment, then the page closes; it catches up at the end.
            with contextlib.suppress(TimeoutError):
                while True:
                    frame = await ws.receive_json(timeout=0.2)
                    session.frames[int(frame["reply_id"])] += 1
            await ws.close()
            messages = messages[4:] + messages[:4]


async def run_kill_test(
    work_dir: Path,
    *,
    players: int = 6,
    seconds: float = 20.0,
    restart: bool = True,
    drain_seconds: float = 60.0,
) -> KillReport:
    """Load the front end, SIGKILL worker 1 mid-run (restart it after a pause if
    ``restart``), stop the load, wait for the drain, count."""
    cluster = Cluster(2, work_dir, claim_idle=3.0, lease=5.0)
    report = KillReport()
    try:
        await cluster.start()
        assert cluster.frontend is not None
        base = cluster.frontend.base
        stop = asyncio.Event()
        sessions: list[_Session] = []
        all_messages = _player_messages()
        load = [
            asyncio.create_task(_chat(base, all_messages[i * 17 :], stop, sessions))
            for i in range(players)
        ]
        await asyncio.sleep(seconds / 3)
        victim = cluster.workers[0]
        assert victim.process is not None
        victim.kill()
        report.left_pending = await _pending_of(cluster, victim.process.pid)
        report.notes.append(
            f"worker 1 SIGKILLed at {seconds / 3:.0f} s with {report.left_pending} stream "
            "entries read and not acknowledged"
        )
        await asyncio.sleep(seconds / 3)
        if restart:
            cluster.workers[0].start()
            await cluster.workers[0].ready()
            report.notes.append("worker 1 restarted")
        await asyncio.sleep(seconds / 3)
        stop.set()
        await asyncio.gather(*load)
        await _drain(cluster.dsn, drain_seconds, report)
        await _count(cluster.dsn, base, sessions, report)
    finally:
        cluster.stop()
    return report


async def _pending_of(cluster: Cluster, pid: int) -> int:
    """Stream entries the worker process ``pid`` read and did not acknowledge (its
    consumer name is ``host-pid-random``, see croupier/stream/redis_streams.py)."""
    import socket

    import redis.asyncio as aioredis

    from croupier.stream.redis_streams import GROUP, STREAM_KEY

    client = aioredis.from_url(cluster.stream_url, decode_responses=True)
    try:
        consumers = await client.xinfo_consumers(STREAM_KEY, GROUP)
    finally:
        await client.aclose()
    prefix = f"{socket.gethostname()}-{pid}-"
    return sum(int(c["pending"]) for c in consumers if str(c["name"]).startswith(prefix))


async def _drain(dsn: str, seconds: float, report: KillReport) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            waiting = await connection.fetchval(
                "SELECT (SELECT COUNT(*) FROM events WHERE status = 'accepted') + "
                "(SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending'))"
            )
            if waiting == 0:
                return
            await asyncio.sleep(0.5)
        report.notes.append(f"drain not finished after {seconds:.0f} s")
    finally:
        await connection.close()


async def _count(dsn: str, base: str, sessions: list[_Session], report: KillReport) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        statuses = dict(
            await connection.fetch("SELECT status, COUNT(*) FROM events GROUP BY status")
        )
        report.events = sum(statuses.values())
        report.undecided = statuses.get("accepted", 0)
        report.answered = statuses.get("answered", 0)
        report.escalated = statuses.get("escalated", 0)
        report.dead_lettered = statuses.get("dead", 0)
        report.decided_twice = await connection.fetchval(
            "SELECT COUNT(*) FROM conversations c WHERE "
            "(SELECT COUNT(*) FROM transcript t WHERE t.conversation_id = c.id "
            "AND t.author = 'player') > "
            "(SELECT COUNT(*) FROM events e WHERE e.conversation_id = c.id "
            "AND e.status <> 'accepted')"
        )
        report.outbox_unsent = await connection.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        )
        sent = Counter(
            dict(
                await connection.fetch(
                    "SELECT conversation_key, COUNT(*) FROM outbox WHERE status = 'sent' "
                    "AND channel = 'webchat' GROUP BY conversation_key"
                )
            )
        )
    finally:
        await connection.close()
    report.posted = sum(s.posted for s in sessions)
    report.lost = report.posted - report.events
    slots = asyncio.Semaphore(32)
    async with aiohttp.ClientSession() as http:

        async def shown(session: _Session) -> set[int]:
            async with slots:
                ws = await http.ws_connect(
                    f"{base}/api/webchat/ws?session_id={session.session_id}&after=0"
                )
                history: set[int] = set()
                with contextlib.suppress(TimeoutError):
                    while True:
                        frame = await ws.receive_json(timeout=0.5)
                        history.add(int(frame["reply_id"]))
                await ws.close()
                return history | set(session.frames)

        pages = await asyncio.gather(*(shown(session) for session in sessions))
    for session, page in zip(sessions, pages, strict=True):
        report.pushed_twice += sum(1 for n in session.frames.values() if n > 1)
        report.replies_seen += len(page)
        if len(page) != sent.get(session.session_id, 0):
            report.history_mismatch += 1


if __name__ == "__main__":
    main()
