"""A Croupier server for the end-to-end benchmark, in full or in "ceiling" mode.

Ceiling mode keeps everything but the decision: the same HTTP in, the same durable
SQLite writes (event accepted, outcome applied, reply marked sent), the same WebSocket
out, with a constant reply instead of triage + matching. Croupier's rate as a share of
the ceiling's says what the decision logic costs.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def serve(port: int, data_dir: Path, ceiling: bool) -> None:
    settings = Settings(port=port, data_dir=data_dir, log_level="WARNING")
    app = Croupier(settings, secrets.token_urlsafe(12))
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
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.data_dir, args.ceiling))


if __name__ == "__main__":
    main()
