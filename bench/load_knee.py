"""Where Croupier's knee is: open-loop load at rising rates, then a steady run for memory.

The server runs in its own process (``bench/server.py``) with Meta enabled against a
fake Graph API living in this process. Messages arrive on a fixed schedule whatever the
replies do (open loop, as players do during a campaign): about four in five by web chat
(POST, reply on the player's WebSocket), one in five as a signed Messenger webhook
(reply counted when the fake Graph API receives the Send API call). Time to reply runs
from just before the POST to the reply. Per step it prints offered and achieved rate,
p50/p99 time to reply and the server's resident memory; the knee is the first step that
keeps up with less than 95 % of the offered rate or has p99 over one second. Then a
steady run at ~70 % of the knee samples memory every five seconds.

Run: ``.venv/bin/python bench/load_knee.py [--rates 20,40,60,80,100,120,140]
[--step-seconds 10] [--steady-seconds 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.e2e import ROOT, _free_port, _player_messages

APP_SECRET = "bench-app-secret"
PAGE_ID = "104000000000001"
META_SHARE = 0.2


@dataclass
class Step:
    offered: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    unanswered: int = 0


class SendApi:
    """The Graph API's Send endpoint, enough for the bench: it answers like Meta and tells
    the waiting message when its reply arrived."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{version}/me/messages", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        recipient = str(body.get("recipient", {}).get("id"))
        waiter = self.waiting.pop(recipient, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.perf_counter())
        return web.json_response({"recipient_id": recipient, "message_id": uuid.uuid4().hex})


class Load:
    """Web chat players and Messenger senders, each new for every message (no hand-off
    silence to track), so a reply is attributed to the message that asked for it."""

    def __init__(self, base: str, send_api: SendApi, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.send_api = send_api
        self.http = http
        self.messages = _player_messages()
        self.rng = random.Random(11)
        self._ids = itertools.count(1)

    def text(self) -> str:
        return self.messages[next(self._ids) % len(self.messages)]

    async def webchat_message(self, step: Step) -> None:
        session = uuid.uuid4().hex  # a new player each time: no hand-off silence to track
        started = time.perf_counter()
        try:
            async with self.http.ws_connect(
                f"{self.base}/api/webchat/ws?session_id={session}"
            ) as ws:
                async with self.http.post(
                    f"{self.base}/api/webchat/messages",
                    json={"session_id": session, "client_message_id": "1", "text": self.text()},
                ) as response:
                    if response.status not in (200, 202):
                        step.errors += 1
                        return
                await ws.receive_json(timeout=30)
                step.latencies.append(time.perf_counter() - started)
        except (TimeoutError, aiohttp.ClientError):
            step.unanswered += 1

    async def meta_message(self, step: Step) -> None:
        sender = f"72{next(self._ids):013d}"
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": sender},
                            "recipient": {"id": PAGE_ID},
                            "timestamp": int(time.time() * 1000),
                            "message": {"mid": f"m_bench_{uuid.uuid4().hex}", "text": self.text()},
                        }
                    ],
                }
            ],
        }
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.send_api.waiting[sender] = waiter
        started = time.perf_counter()
        try:
            async with self.http.post(
                f"{self.base}/meta/webhook",
                data=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            ) as response:
                if response.status != 200:
                    step.errors += 1
                    return
            step.latencies.append(await asyncio.wait_for(waiter, 30) - started)
        except (TimeoutError, aiohttp.ClientError):
            step.unanswered += 1
        finally:
            self.send_api.waiting.pop(sender, None)

    async def run_step(self, rate: float, seconds: float) -> Step:
        step = Step(rate, seconds)
        tasks: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        for number in range(int(rate * seconds)):
            due = started + number / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            job = self.meta_message if self.rng.random() < META_SHARE else self.webchat_message
            tasks.append(asyncio.create_task(job(step)))
        await asyncio.gather(*tasks)
        return step


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(step: Step, elapsed: float, memory: float) -> tuple[float, float]:
    answered = len(step.latencies)
    achieved = answered / elapsed
    ordered = sorted(step.latencies) or [float("nan")]
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000
    print(
        f"offered {step.offered:6.1f}/s  achieved {achieved:6.1f}/s  p50 {p50:7.1f} ms  "
        f"p99 {p99:7.1f} ms  errors {step.errors}  unanswered {step.unanswered}  "
        f"rss {memory:6.1f} MB",
        flush=True,
    )
    return achieved, p99


async def bench(args: argparse.Namespace) -> None:
    graph = SendApi()
    await graph.start()
    try:
        port = _free_port()
        with tempfile.TemporaryDirectory() as data_dir:
            environment = os.environ | {
                "CROUPIER_META_APP_SECRET": APP_SECRET,
                "CROUPIER_META_VERIFY_TOKEN": "bench-verify",
                "CROUPIER_META_PAGE_ACCESS_TOKEN": "bench-page-token",
                "CROUPIER_META_PAGE_ID": PAGE_ID,
            }
            server = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "bench" / "server.py"),
                "--port",
                str(port),
                "--data-dir",
                data_dir,
                "--meta-graph-url",
                graph.url,
                stdout=asyncio.subprocess.PIPE,
                env=environment,
            )
            try:
                assert server.stdout is not None
                ready = await server.stdout.readline()
                if ready.strip() != b"ready":
                    raise SystemExit("bench server did not start")
                connector = aiohttp.TCPConnector(limit=0)
                async with aiohttp.ClientSession(connector=connector) as http:
                    load = Load(f"http://127.0.0.1:{port}", graph, http)
                    await _steps(load, server.pid, args)
            finally:
                server.terminate()
                await asyncio.wait_for(server.wait(), 30)
    finally:
        await graph.close()


async def _steps(load: Load, pid: int, args: argparse.Namespace) -> None:
    knee: float | None = None
    best = 0.0
    print(f"open-loop steps of {args.step_seconds:.0f} s ({META_SHARE:.0%} Messenger webhooks)")
    for rate in args.rates:
        started = time.perf_counter()
        step = await load.run_step(rate, args.step_seconds)
        achieved, p99 = report(step, time.perf_counter() - started, rss_mb(pid))
        best = max(best, achieved)
        if knee is None and (achieved < 0.95 * rate or p99 > 1000):
            knee = rate
            print(f"knee: between the previous step and {rate:.0f} msg/s offered")
            break
    steady = 0.7 * (knee if knee is not None else args.rates[-1])
    print(f"steady run: {steady:.0f} msg/s for {args.steady_seconds:.0f} s")
    samples: list[float] = [rss_mb(pid)]
    totals = Step(steady, args.steady_seconds)
    started = time.perf_counter()
    while time.perf_counter() - started < args.steady_seconds:
        step = await load.run_step(steady, 5.0)
        totals.latencies += step.latencies
        totals.errors += step.errors
        totals.unanswered += step.unanswered
        samples.append(rss_mb(pid))
    report(totals, time.perf_counter() - started, samples[-1])
    print("rss MB every 5 s: " + " ".join(f"{m:.0f}" for m in samples))
    half = len(samples) // 2
    print(
        f"memory: first half mean {statistics.mean(samples[:half]):.1f} MB, "
        f"second half mean {statistics.mean(samples[half:]):.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rates",
        type=lambda v: [float(r) for r in v.split(",")],
        default=[20, 40, 60, 80, 100, 120, 140, 160],
    )
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
