"""The event-stream interface front ends publish to and workers consume from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StreamEntry:
    entry_id: str
    """The stream's own id (Redis ``1700000000000-0``); acknowledged after the decision."""
    event_id: int


class EventStream(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, event_id: int) -> None:
        """Called after the event is stored: a worker will decide it."""
        ...

    def entries(self) -> AsyncIterator[StreamEntry]:
        """Entries for this consumer, including ones a dead consumer left unacknowledged."""
        ...

    async def ack(self, entry: StreamEntry) -> None:
        """The event is decided (or was already): the entry is done."""
        ...
