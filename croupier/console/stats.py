"""Figures a support lead looks at, for the dashboard's charts.

The store counts; this module shapes the counts into series and computes the
first-response median and 90th percentile (SQLite has no percentile function).
"""

from __future__ import annotations

import math
from collections import defaultdict

from aiohttp import web

from croupier.console.access import Access
from croupier.console.users import Permission
from croupier.store.base import Store
from croupier.store.models import FirstResponse

DECISION_GROUPS = {
    "answer": "auto_answered",
    "clarify": "clarified",
    "escalate": "escalated",
    "joined_ticket": "escalated",
}
"""Recorded decisions by the share they count in; greetings, feedback turns and empty
messages are ``other``."""


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), for small lists."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def response_times(responses: list[FirstResponse], key: str) -> list[dict[str, object]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for response in responses:
        groups[getattr(response, key)].append(response.seconds)
    return [
        {
            key: name,
            "tickets": len(seconds),
            "median_seconds": round(percentile(seconds, 0.5), 1),
            "p90_seconds": round(percentile(seconds, 0.9), 1),
        }
        for name, seconds in sorted(groups.items())
    ]


async def dashboard_stats(store: Store, days: int = 30) -> dict[str, object]:
    per_day = await store.messages_per_day(days)
    dates = sorted({day for day, _, _ in per_day})
    channels = sorted({channel for _, channel, _ in per_day})
    counts = {(day, channel): n for day, channel, n in per_day}
    shares: dict[str, int] = defaultdict(int)
    for decision, n in (await store.decision_counts()).items():
        shares[DECISION_GROUPS.get(decision, "other")] += n
    responses = await store.first_responses()
    resolutions = await store.resolution_counts()
    return {
        "days": days,
        "messages_per_day": {
            "days": dates,
            "channels": {c: [counts.get((d, c), 0) for d in dates] for c in channels},
        },
        "decisions": {
            k: shares.get(k, 0) for k in (*dict.fromkeys(DECISION_GROUPS.values()), "other")
        },
        "resolutions": {k: resolutions.get(k, 0) for k in ("confirmed", "rejected", "assumed")},
        "escalations_by_reason": await store.ticket_reason_counts(),
        "first_response": {
            "by_moderator": response_times(responses, "moderator"),
            "by_language": response_times(responses, "lang"),
        },
    }


class StatsRoutes:
    def __init__(self, store: Store, access: Access) -> None:
        self._store = store
        self._access = access

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/console/api/stats", self.stats)

    async def stats(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.DASHBOARD)
        try:
            days = max(1, min(int(request.query.get("days", "30")), 365))
        except ValueError:
            days = 30
        return web.json_response(await dashboard_stats(self._store, days))
