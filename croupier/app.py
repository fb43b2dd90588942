"""The composition root: builds every part from settings and plugs them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bots.channel import ChannelRegistry
from bots.social.meta import MetaChannel, MetaSettings
from bots.social.x import XChannel, x_settings_from
from bots.telegram.channel import TelegramChannel
from bots.telegram.settings import telegram_settings_from
from bots.webchat.channel import WebChatChannel
from croupier.config import Settings
from croupier.console.auth import ConsoleAuth
from croupier.console.live import LiveFeed
from croupier.console.routes import ConsoleRoutes, closing_note_factory
from croupier.console.users import UserDirectory
from croupier.decisions import DecisionParts
from croupier.flood import FloodGuard
from croupier.live_content import LiveContent
from croupier.log_context import request_id_middleware
from croupier.metrics import CONTENT_TYPE_LATEST, Metrics
from croupier.outbox import Outbox
from croupier.processor import Processor
from croupier.roles import ScaledRuntime
from croupier.store.factory import make_store
from croupier.store.postgres import PostgresStore
from croupier.worker import settle_sends_forever
from handlers.decide import Decider

log = logging.getLogger(__name__)

RETENTION_EVERY_SECONDS = 6 * 3600.0
OUTBOX_STOP_SECONDS = 10.0
"""How long a clean stop waits for the sends under way (each is bounded by its timeout)."""


class Croupier:
    """One running service: store, content, processor, outbox, channels and web app."""

    def __init__(
        self,
        settings: Settings,
        console_password: str,
        parts: DecisionParts | None = None,
        channel_environment: Mapping[str, str] | None = None,
    ) -> None:
        """``channel_environment`` holds platform credentials (``CROUPIER_META_*``…); each
        channel whose credentials are there is enabled. None: web chat only (the demo)."""
        self.settings = settings
        self.store = make_store(settings.store_url, settings.database_path)
        self.parts = parts or DecisionParts.load(settings.escalation_model, settings.learned_words)
        self.content = LiveContent(
            settings.faq_dir,
            settings.bot_texts,
            self.parts,
            settings.match_settings(),
            settings.languages,
        )
        self.channels = ChannelRegistry()
        self.metrics = Metrics()
        self.outbox = Outbox(
            self.store,
            self.channels,
            settings.outbox_max_attempts,
            send_timeout=settings.outbox_send_timeout_seconds,
            backoff_base=settings.outbox_backoff_seconds,
            metrics=self.metrics,
        )
        self.processor = Processor(
            self.store,
            self.content,
            self.outbox,
            self.metrics,
            FloodGuard(settings.player_messages_per_minute, settings.player_burst),
        )
        self.scaled: ScaledRuntime | None = None
        accept = self.processor.accept
        if settings.stream_url:
            # Front ends and workers over Redis Streams (croupier/roles.py).
            self.scaled = ScaledRuntime(
                settings.role,
                settings.stream_url,
                self.store,
                self.processor,
                claim_idle_seconds=settings.stream_claim_idle_seconds,
                outbox_lease_seconds=settings.outbox_lease_seconds,
            )
            accept = self.scaled.accept
        elif settings.role != "all":
            raise ValueError("a frontend or worker role needs a stream (--stream redis://…)")
        self.webchat = WebChatChannel(accept, self.store.delivered_replies)
        self.channels.register(self.scaled.webchat_sender if self.scaled else self.webchat)
        self.telegram: TelegramChannel | None = None
        telegram_settings = telegram_settings_from(channel_environment or {})
        if telegram_settings is not None:
            self.telegram = TelegramChannel(
                telegram_settings,
                accept,
                self.store,
                send_journal=self.store,
                edits=self.store,
            )
            self.channels.register(self.telegram)
        self.x: XChannel | None = None
        x_settings = x_settings_from(channel_environment or {})
        if x_settings is not None:
            self.x = XChannel(x_settings, accept, self.store)
            self.channels.register(self.x)
        self.meta: MetaChannel | None = None
        meta_settings = MetaSettings.from_environment(channel_environment or {})
        if meta_settings is not None:
            self.meta = MetaChannel(meta_settings, accept, cursors=self.store)
            self.channels.register(self.meta)
        # Console users come from the store; the configured user is the admin fallback.
        self.console_auth = ConsoleAuth(
            UserDirectory(self.store, settings.console_user, console_password), self.store
        )
        self.live_feed = LiveFeed()
        if self.scaled is None:
            self.store.add_ticket_listener(self.live_feed.ticket_changed)
        else:  # every process's ticket changes reach every front end's feed via Redis
            self.scaled.connect(
                self.webchat.deliver, self.live_feed.ticket_changed, self.outbox.wake
            )
        self._retries: set[asyncio.Task[None]] = set()
        self.web = web.Application(
            client_max_size=1024 * 1024, middlewares=[request_id_middleware]
        )
        self.webchat.add_routes(self.web)
        if self.meta is not None:
            self.meta.add_routes(self.web)
        if self.telegram is not None:
            self.telegram.add_routes(self.web)
        if self.x is not None:
            self.x.add_routes(self.web)
        ConsoleRoutes(
            self.store,
            self.console_auth,
            closing_note_factory(self._phrase),
            self.scaled.relay.wake_outbox if self.scaled else self.outbox.wake,
            self._content_status,
            live_decider=self._live_decider,
            live_feed=self.live_feed,
            retry_event=self._retry_event,
            first_response_sla_seconds=settings.first_response_sla_seconds,
            attachment_sources=self.channels.get,
        ).add_routes(self.web)
        self.web.on_shutdown.append(self._end_live_streams)
        self.web.router.add_get("/healthz", self._health)
        self.web.router.add_get("/readyz", self._ready)
        self.web.router.add_get("/metrics", self._metrics_page)
        self._started = False
        self._tasks: list[asyncio.Task[None]] = []
        self._outbox_task: asyncio.Task[None] | None = None

    def _phrase(self, key: str, lang: str) -> str:
        responder = self.content.responder
        assert responder is not None
        return responder.texts.get(key, lang)

    async def _end_live_streams(self, _app: web.Application) -> None:
        """Open console tabs hold event streams: end them so the server stops at once."""
        self.live_feed.close()

    def _live_decider(self) -> Decider | None:
        responder = self.content.responder
        return responder.decider if responder else None

    def _retry_event(self, event_id: int) -> None:
        """A dead-lettered event the console retries: decided again, as on a restart."""
        if self.scaled is not None:
            self.scaled.retry_event(event_id)
            return
        task = asyncio.create_task(self._decide_again(event_id), name=f"retry-{event_id}")
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _decide_again(self, event_id: int) -> None:
        try:
            await self.processor.process(event_id)
        except Exception:
            log.exception("event %d: retry from the console failed; it stays queued", event_id)
        self.outbox.wake()

    def _content_status(self) -> dict[str, object]:
        return asdict(self.content.status)

    async def _apply_retention(self) -> None:
        """Purge what is older than the retention period now and then every few hours."""
        assert self.settings.retention_days is not None
        while True:
            cutoff = datetime.now(UTC) - timedelta(days=self.settings.retention_days)
            try:
                removed = await self.store.purge_older_than(cutoff)
                log.info("retention: removed %s", removed)
            except Exception:
                log.exception("retention: purge failed; trying again later")
            await asyncio.sleep(RETENTION_EVERY_SECONDS)

    async def _ready(self, request: web.Request) -> web.Response:
        """Ready to take traffic: a load balancer sends players here only when the store
        answers, an FAQ is live and the processor and outbox are running. 503 otherwise,
        with what is wrong."""
        problems: list[str] = []
        if not self._started:
            problems.append("starting")
        if self.content.responder is None:
            problems.append("no FAQ is live")
        problems += [f"{t.get_name()} stopped" for t in self._tasks if t.done()]
        try:
            # One indexed read: a probe every few seconds must not scan the events table.
            await self.store.get_cursor("readyz")
        except Exception as exc:
            problems.append(f"store: {type(exc).__name__}")
        status = 503 if problems else 200
        return web.json_response({"ready": not problems, "problems": problems}, status=status)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        """Prometheus exposition; the waiting-work gauges are read from the store now, so
        they are right whichever process did the work."""
        backlog = await self.store.backlog()
        self.metrics.outbox_depth.set(backlog.outbox_waiting)
        age = 0.0
        if backlog.oldest_waiting_since is not None:
            age = max(0.0, (datetime.now(UTC) - backlog.oldest_waiting_since).total_seconds())
        self.metrics.outbox_oldest_age.set(age)
        self.metrics.dead_letters_open.set(backlog.dead_letters_open)
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _health(self, request: web.Request) -> web.Response:
        counts = await self.store.event_status_counts()
        return web.json_response({"ok": True, "events": counts, "faq": self._content_status()})

    async def start(self) -> None:
        """Open the store and load content first: a broken FAQ stops start-up loudly."""
        await asyncio.to_thread(self.content.load_now)
        await asyncio.to_thread(self.parts.languages.warm_up)
        await self.store.open()
        self._tasks = [
            asyncio.create_task(
                self.content.watch(self.settings.faq_reload_seconds), name="faq-watch"
            )
        ]
        if self.scaled is None:
            self._tasks.append(asyncio.create_task(self.processor.run(), name="processor"))
        else:
            await self.scaled.start()
        if self.scaled is None or self.scaled.runs_worker:
            self._outbox_task = asyncio.create_task(self.outbox.run(), name="outbox")
            self._tasks.append(self._outbox_task)
            if isinstance(self.store, PostgresStore):
                self._tasks.append(
                    asyncio.create_task(settle_sends_forever(self.store), name="settle-sends")
                )
        if self.settings.retention_days is not None:
            self._tasks.append(asyncio.create_task(self._apply_retention(), name="retention"))
        # Workers of a scaled deployment only send; updates come in at the front ends.
        ingress = self.scaled is None or self.scaled.runs_frontend
        if self.telegram is not None:
            await self.telegram.start(ingress)  # a bad token fails start-up loudly
        if self.x is not None:
            await self.x.start(ingress)
        self._started = True

    async def stop(self) -> None:
        self.live_feed.close()  # ends open console event streams
        if self._outbox_task is not None:
            # Sends under way finish first (channels still open): none is left in doubt.
            self.outbox.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._outbox_task), OUTBOX_STOP_SECONDS)
        if self.telegram is not None:
            await self.telegram.stop()  # before the store closes: polling saves its offset
        if self.x is not None:
            await self.x.stop()
        if self.scaled is not None:
            await self.scaled.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.webchat.close()
        if self.meta is not None:
            await self.meta.close()
        await self.store.close()
