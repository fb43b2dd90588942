"""Throwaway PostgreSQL and Redis servers for tests and benches, on loopback.

Real servers, not mocks: ``initdb`` into a temporary directory and ``pg_ctl start`` on a
free port; ``redis-server`` with persistence off. PostgreSQL refuses to run as root, so
as root the cluster belongs to the ``postgres`` user and its commands run through
``runuser`` (Debian's packages create that user); as anyone else they run directly.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian puts it off PATH)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class ServerUnavailable(RuntimeError):
    pass


class PostgresServer:
    """One cluster; :meth:`new_database` hands each test its own migrated database."""

    def __init__(self, *, durable: bool = False) -> None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise ServerUnavailable("PostgreSQL server binaries not installed")
        self._bin = bin_dir
        self._durable = durable
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="croupier-pg-"))
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise ServerUnavailable("running as root and no runuser to drop to postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")
        self._numbers = itertools.count(1)
        self._template_ready = False

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as_user, *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.dir,
        )

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        self._run(
            str(self._bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "croupier",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        # synchronous_commit=off: a crashed *server* may lose its last ~0.6 s of commits,
        # never a crashed client (the same promise as SQLite's WAL + synchronous=NORMAL).
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-k {self.dir}",
            "-c max_connections=300",
            "-c synchronous_commit=off",
        ]
        if not self._durable:
            options += ["-c fsync=off", "-c full_page_writes=off"]
        self._run(
            str(self._bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "server.log"),
            "-o",
            " ".join(options),
            "-w",
            "start",
        )
        return self

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://croupier@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._run(
                str(self._bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"
            )
        shutil.rmtree(self.dir, ignore_errors=True)

    async def new_database(self) -> str:
        """A fresh database with the schema migrated (copied from a migrated template)."""
        from croupier.store.migrate import upgrade

        if not self._template_ready:
            await self._admin("CREATE DATABASE croupier_template")
            upgrade(self.dsn("croupier_template"))
            self._template_ready = True
        name = f"test_{os.getpid()}_{next(self._numbers)}"
        await self._admin(f"CREATE DATABASE {name} TEMPLATE croupier_template")
        return self.dsn(name)

    async def empty_database(self) -> str:
        name = f"empty_{os.getpid()}_{next(self._numbers)}"
        await self._admin(f"CREATE DATABASE {name}")
        return self.dsn(name)

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(self.dsn())
        try:
            await connection.execute(sql)
        finally:
            await connection.close()


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server not installed")
        self._binary = binary
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._numbers = itertools.count(1)

    def start(self) -> RedisServer:
        self._process = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--databases",
                "1000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.05)
        self.stop()
        raise ServerUnavailable("redis-server did not start")

    def url(self) -> str:
        """A URL on a database of its own: tests do not see each other's streams."""
        return f"redis://127.0.0.1:{self.port}/{next(self._numbers) % 1000}"

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)
            self._process = None
