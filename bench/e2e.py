"""End-to-end throughput and time-to-reply over loopback, against the bare ceiling.

Starts the server in a separate process (``bench/server.py``), then plays N players
from this process: each posts a message over HTTP and waits for the reply on its
WebSocket (closed loop). Time-to-reply is from just before the POST to the reply frame.
Run: ``.venv/bin/python bench/e2e.py [--players 32] [--seconds 15]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from croupier.config import DEFAULT_BOT_TEXTS, DEFAULT_FAQ_DIR
from faq.loader import load_faq_dir
from faq.texts import load_bot_texts

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _player_messages() -> list[str]:
    """FAQ-style questions in the five languages, with small typos, as a campaign hour brings."""
    faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert faq is not None
    rng = random.Random(7)
    messages = []
    for entry in faq.entries:
        for questions in entry.questions.values():
            for question in questions:
                if len(question) > 12 and rng.random() < 0.3:
                    cut = rng.randrange(3, len(question) - 3)
                    question = question[:cut] + question[cut + 1 :]
                messages.append(question)
    rng.shuffle(messages)
    return messages


def _handoff_texts() -> set[str]:
    texts, _ = load_bot_texts(DEFAULT_BOT_TEXTS)
    assert texts is not None
    keys = (
        "holding_reply",
        "holding_reply_harm",
        "holding_reply_minor",
        "attachment_received",
        "public_private_invite",
    )
    return {t for key in keys for t in texts.phrases[key].values()}


async def _player(
    base: str,
    messages: list[str],
    handoff: set[str],
    deadline: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    async with aiohttp.ClientSession() as http:
        session_id = uuid.uuid4().hex
        ws = await http.ws_connect(f"{base}/api/webchat/ws?session_id={session_id}")
        index = 0
        while time.perf_counter() < deadline:
            text = messages[index % len(messages)]
            index += 1
            started = time.perf_counter()
            async with http.post(
                f"{base}/api/webchat/messages",
                json={
                    "session_id": session_id,
                    "client_message_id": uuid.uuid4().hex,
                    "text": text,
                },
            ) as response:
                if response.status not in (200, 202):
                    errors.append(f"HTTP {response.status}")
                    continue
            try:
                frame = await ws.receive_json(timeout=10)
            except TimeoutError:
                errors.append("no reply within 10 s")
                continue
            latencies.append(time.perf_counter() - started)
            if frame["text"] in handoff:
                # Escalated: the bot now stays silent in this conversation; start a new one.
                await ws.close()
                session_id = uuid.uuid4().hex
                ws = await http.ws_connect(f"{base}/api/webchat/ws?session_id={session_id}")
        await ws.close()


async def _load(base: str, players: int, seconds: float) -> tuple[list[float], list[str], float]:
    messages = _player_messages()
    handoff = _handoff_texts()
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _player(
                base, messages[i * 37 :] + messages[: i * 37], handoff, deadline, latencies, errors
            )
            for i in range(players)
        )
    )
    return latencies, errors, time.perf_counter() - started


def _run(ceiling: bool, players: int, seconds: float) -> dict[str, float]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        command = [
            sys.executable,
            str(ROOT / "bench" / "server.py"),
            "--port",
            str(port),
            "--data-dir",
            data_dir,
        ]
        if ceiling:
            command.append("--ceiling")
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            if server.stdout.readline().strip() != "ready":
                raise SystemExit("bench server did not start")
            latencies, errors, elapsed = asyncio.run(
                _load(f"http://127.0.0.1:{port}", players, seconds)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()
    return {
        "messages": len(latencies),
        "errors": len(errors),
        "rate": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    results = {}
    for name, ceiling in (("ceiling (no decision)", True), ("croupier", False)):
        result = _run(ceiling, args.players, args.seconds)
        results[name] = result
        print(
            f"{name:22} {result['rate']:7.1f} msg/s  p50 {result['p50_ms']:6.1f} ms  "
            f"p99 {result['p99_ms']:6.1f} ms  ({result['messages']:.0f} replies, "
            f"{result['errors']:.0f} errors, {args.players} players, {args.seconds:.0f} s)"
        )
    share = results["croupier"]["rate"] / results["ceiling (no decision)"]["rate"]
    print(f"croupier / ceiling     {share:7.1%}")


if __name__ == "__main__":
    main()
