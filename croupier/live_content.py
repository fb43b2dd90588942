"""The FAQ and bot phrases as they are live now, reloaded when content staff save a file.

A broken edit is logged with ``path:line`` and kept as ``last_problems``; the last
good version keeps answering players.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from croupier.decisions import DecisionParts
from faq.loader import faq_files, load_faq_dir
from faq.model import Problem
from faq.texts import load_bot_texts
from handlers.decide import MatchSettings
from handlers.respond import Responder

log = logging.getLogger(__name__)


@dataclass
class ContentStatus:
    loaded_at: str = ""
    version: int = 0
    entries: int = 0
    warnings: list[str] = field(default_factory=list)
    last_error: list[str] = field(default_factory=list)
    """Problems of the last failed reload (empty once a good version loads)."""
    last_error_at: str | None = None


class ContentLoadError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class LiveContent:
    def __init__(
        self,
        faq_dir: Path,
        bot_texts: Path,
        parts: DecisionParts,
        settings: MatchSettings,
        languages: tuple[str, ...],
    ) -> None:
        self._faq_dir = faq_dir
        self._bot_texts = bot_texts
        self._parts = parts
        self._settings = settings
        self._languages = languages
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        self.responder: Responder | None = None
        self.status = ContentStatus()

    def _current_fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        paths = [*faq_files(self._faq_dir), self._bot_texts]
        prints = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            prints.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(prints)

    def _build(self) -> tuple[Responder, list[Problem]]:
        result = load_faq_dir(self._faq_dir, self._languages)
        texts, text_problems = load_bot_texts(self._bot_texts, self._languages)
        problems = list(result.problems) + text_problems
        if result.faq is None or texts is None:
            raise ContentLoadError([p for p in problems if p.severity == "error"] or problems)
        responder = Responder(
            self._parts.decider(result.faq, self._settings), texts, self._parts.feedback_words
        )
        return responder, problems

    def load_now(self) -> None:
        """First load, at start-up: a broken FAQ here stops the service with the problems."""
        fingerprint = self._current_fingerprint()
        responder, problems = self._build()
        self._install(responder, problems, fingerprint)

    def _install(
        self,
        responder: Responder,
        problems: list[Problem],
        fingerprint: tuple[tuple[str, int, int], ...],
    ) -> None:
        self.responder = responder
        self._fingerprint = fingerprint
        self.status.version += 1
        self.status.loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.status.entries = len(responder.decider.index.faq.entries)
        self.status.warnings = [str(p) for p in problems]
        self.status.last_error = []
        for problem in problems:
            log.warning("FAQ: %s", problem)
        log.info("FAQ version %d live: %d entries", self.status.version, self.status.entries)

    async def reload_if_changed(self) -> bool:
        """Reload when a file changed; returns True when a new version went live."""
        fingerprint = await asyncio.to_thread(self._current_fingerprint)
        if fingerprint == self._fingerprint:
            return False
        try:
            responder, problems = await asyncio.to_thread(self._build)
        except ContentLoadError as exc:
            self._fingerprint = fingerprint
            self.status.last_error = [str(p) for p in exc.problems]
            self.status.last_error_at = datetime.now(UTC).isoformat(timespec="seconds")
            for problem in exc.problems:
                log.error("FAQ edit rejected, previous version stays live: %s", problem)
            return False
        self._install(responder, problems, fingerprint)
        return True

    async def watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reload_if_changed()
            except Exception:  # a watcher must never die; the next tick tries again
                log.exception("FAQ reload failed unexpectedly")
