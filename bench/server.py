"""A Croupier server for the end-to-end benchmark, in full or in "ceiling" mode.

Ceiling mode keeps everything but the decision: the same HTTP in, the same durable
SQLite writes (event accepted, outcome applied, reply marked sent), the same WebSocket
out, with a constant reply instead of triage + matching. Croupier's rate as a share of
the ceiling's says what the decision logic costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
from pathlib import Path

from aiohttp import web

from bots.events import Event, Reply
from croupier.app import Croupier
from croupier.config import Settings
from handlers.outcome import ConversationMode, ConversationState, EventStatus, Outcome


class ConstantResponder:
    """Stands in for the decision code only, in the ceiling run."""

    def respond(self, event: Event, state: ConversationState) -> Outcome:
        reply = Reply(
            channel=event.channel,
            conversation_key=event.conversation_key,
            text="Thanks, noted.",
            in_reply_to=event.platform_message_id,
        )
        return Outcome(
            status=EventStatus.ANSWERED,
            mode=ConversationMode.BOT,
            lang="en",
            replies=(reply,),
            decision={"decision": "answer"},
        )


async def serve(
    port: int, data_dir: Path, ceiling: bool, meta_environment: dict[str, str] | None = None
) -> None:
    # Each simulated player sends as fast as it is answered: far beyond a human's pace,
    # so per-player flood control is lifted to measure the pipeline itself.
    settings = Settings(
        port=port,
        data_dir=data_dir,
        log_level="WARNING",
        player_messages_per_minute=1e9,
        player_burst=1_000_000,
    )
    app = Croupier(settings, secrets.token_urlsafe(12), channel_environment=meta_environment)
    await app.start()
    if ceiling:
        app.content.responder = ConstantResponder()  # type: ignore[assignment]
    runner = web.AppRunner(app.web, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()
    await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--ceiling", action="store_true")
    parser.add_argument(
        "--meta-graph-url",
        help="enable Meta, sending to this (fake) Graph API; the app "
        "secret and tokens come from CROUPIER_META_* in the environment",
    )
    args = parser.parse_args()
    meta = None
    if args.meta_graph_url:
        meta = {k: v for k, v in os.environ.items() if k.startswith("CROUPIER_META_")}
        meta["CROUPIER_META_GRAPH_BASE_URL"] = args.meta_graph_url
    asyncio.run(serve(args.port, args.data_dir, args.ceiling, meta))


if __name__ == "__main__":
    main()
