"""Prometheus metrics: what an operator graphs and alerts on.

One registry per running service (not the library's global one) so that tests and
several services in one process never share counts. Labels are kept to small, known
sets: channel names, decision kinds, reason classes, error codes; never player text,
ids or free-form error messages, which would make every series unique.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "reason_class"]

TIME_TO_REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, float("inf"))
MAX_TRACKED_REPLIES = 100_000
"""Replies decided but not yet sent whose start time we remember; beyond that the oldest
are forgotten (a long platform outage must not grow memory without bound)."""


def reason_class(reason: str) -> str:
    """A bounded label for a free-form reason: its head before ':' or '(', digits as N.

    ``"gave up after 8 attempts: telegram: TimedOut"`` → ``"gave_up_after_N_attempts"``.
    """
    head = re.split(r"[:(]", reason, maxsplit=1)[0].strip().lower()
    head = re.sub(r"\d+", "N", head)
    head = re.sub(r"[^a-zN]+", "_", head).strip("_")
    return head[:40] or "unknown"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events_in = Counter(
            "croupier_events_total",
            "Player events accepted (stored), by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "croupier_events_duplicate_total",
            "Redeliveries of an event already stored (acknowledged, not processed again).",
            ["channel"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "croupier_decisions_total",
            "Decisions by kind (answered, clarify, escalated, …) and reason.",
            ["kind", "reason"],
            registry=self.registry,
        )
        self.time_to_reply = Histogram(
            "croupier_time_to_reply_seconds",
            "From an event's arrival to the platform accepting the bot's reply.",
            ["channel"],
            buckets=TIME_TO_REPLY_BUCKETS,
            registry=self.registry,
        )
        self.platform_errors = Counter(
            "croupier_platform_errors_total",
            "Failed send attempts by channel and error code (HTTP status, platform code, "
            "timeout).",
            ["channel", "code"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "croupier_dead_letters_total",
            "Events and replies that became dead letters, by kind and reason class.",
            ["kind", "reason"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "croupier_outbox_depth",
            "Replies waiting to be sent (pending or sending).",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "croupier_outbox_oldest_age_seconds",
            "Age of the oldest reply still waiting to be sent (0 when none).",
            registry=self.registry,
        )
        self.dead_letters_open = Gauge(
            "croupier_dead_letters_open",
            "Dead letters no moderator has retried or discarded yet.",
            registry=self.registry,
        )
        self._decided_at: OrderedDict[int, tuple[str, float]] = OrderedDict()

    def replies_queued(self, outbox_ids: list[int], channel: str, received_at: datetime) -> None:
        """Remember when the event behind these replies arrived, for time-to-reply."""
        waited = max(0.0, time.time() - received_at.timestamp())
        started = time.monotonic() - waited
        for outbox_id in outbox_ids:
            self._decided_at[outbox_id] = (channel, started)
        while len(self._decided_at) > MAX_TRACKED_REPLIES:
            self._decided_at.popitem(last=False)

    def reply_sent(self, outbox_id: int) -> None:
        tracked = self._decided_at.pop(outbox_id, None)
        if tracked is not None:
            channel, started = tracked
            self.time_to_reply.labels(channel).observe(time.monotonic() - started)

    def reply_dead(self, outbox_id: int, reason: str) -> None:
        self._decided_at.pop(outbox_id, None)
        self.dead_letters.labels("outbox", reason_class(reason)).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
