"""Run Croupier as a process: ``croupier demo`` and ``croupier run``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal

from aiohttp import web

from croupier.app import Croupier
from croupier.config import Settings, merged_environment
from croupier.live_content import ContentLoadError
from croupier.logging_setup import configure_logging, secret_values
from faq.learned_words import LearnedWordsError
from handlers.escalation_model import ModelFileError

log = logging.getLogger(__name__)


def run_service(settings: Settings, *, demo: bool) -> int:
    configure_logging(
        settings.log_level,
        secret_values(merged_environment()),
        json_lines=settings.log_format == "json",
    )
    if settings.console_password is not None:
        password = settings.console_password.get_secret_value()
        announce_password = False
    elif demo:
        password = secrets.token_urlsafe(12)
        announce_password = True
    else:
        log.error("set CROUPIER_CONSOLE_PASSWORD (environment or secrets file) for the console")
        return 2
    try:
        return asyncio.run(_serve(settings, password, announce_password, demo))
    except ContentLoadError as exc:
        for problem in exc.problems:
            log.error("FAQ: %s", problem)
        return 2
    except ModelFileError as exc:
        log.error("escalation model: %s", exc)
        return 2
    except LearnedWordsError as exc:
        log.error("learned words: %s", exc)
        return 2
    except Exception:
        # Through the log (secrets redacted), not Python's raw traceback on stderr.
        log.exception("Croupier stopped on an unexpected error")
        return 1


async def _serve(settings: Settings, password: str, announce_password: bool, demo: bool) -> int:
    app = Croupier(settings, password, channel_environment=None if demo else merged_environment())
    try:
        await app.start()
    except ContentLoadError:
        raise
    except Exception as exc:
        # A rejected token or an unreachable platform: say so and exit non-zero. Without
        # the stop() the open store's thread kept the process alive, hung, forever.
        log.error("start-up failed: %s: %s", type(exc).__name__, exc)
        with contextlib.suppress(Exception):
            await app.stop()
        return 2
    # No access log: webhook verification puts tokens in query strings.
    runner = web.AppRunner(app.web, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    base = f"http://{settings.host}:{settings.port}"
    channels = ", ".join(app.channels.names())
    print(f"Croupier is running with channels: {channels}", flush=True)
    print(f"  player web chat:   {base}/", flush=True)
    print(f"  moderator console: {base}/console  (user: {settings.console_user})", flush=True)
    if announce_password:
        # Printed once to the operator's terminal, never logged.
        print(f"  one-time console password for this demo: {password}", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()
    await app.stop()
    return 0
