"""Per-player flood control: one player (or a script pretending to be one) sending
hundreds of messages must not fill the moderators' queue or delay everyone else's answers.

A token bucket per (channel, sender): ``burst`` messages at once, then ``per_minute``.
Messages over the limit are still stored (the platform was acknowledged, nothing may be
lost) but go straight to the dead letters with the reason, without a decision or reply,
so they cost one write instead of a decision, a ticket and a send.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

MAX_TRACKED_PLAYERS = 100_000
"""Buckets kept; the least recently seen player is forgotten first (a forgotten player
starts again with a full bucket, which only errs on the player's side)."""


class FloodGuard:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        """(tokens left, when counted) per player, least recently seen first."""

    def allow(self, channel: str, sender_id: str) -> bool:
        """Take one message's token; False when the player is over the limit."""
        key = (channel, sender_id)
        now = self._clock()
        tokens, counted_at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - counted_at) * self.per_minute / 60.0)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > MAX_TRACKED_PLAYERS:
            self._buckets.popitem(last=False)
        return allowed

    @property
    def reason(self) -> str:
        return (
            f"rate limited: more than {self.burst} messages at once or "
            f"{self.per_minute:g} a minute from this player"
        )
