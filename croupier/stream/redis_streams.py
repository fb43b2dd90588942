"""Redis Streams with a consumer group: any number of front ends ``XADD``, any number of
workers ``XREADGROUP`` and ``XACK`` after deciding.

An entry a worker read but never acknowledged (it was killed mid-event) stays pending in
the group; after ``claim_idle`` seconds another worker takes it over with ``XAUTOCLAIM``.
Redelivery is harmless: the worker decides an event only while it is ``accepted`` in
the store, under the conversation's lock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from croupier.stream.base import StreamEntry

log = logging.getLogger(__name__)

STREAM_KEY = "croupier:events"
GROUP = "croupier-workers"
MAX_LENGTH = 1_000_000
"""Approximate cap on the stream: old acknowledged entries go. The store keeps the events."""


def consumer_name() -> str:
    """Unique per process: a restarted worker is a new consumer, so its predecessor's
    pending entries are claimed by idle time like any dead worker's."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class RedisStream:
    def __init__(
        self,
        url: str,
        *,
        claim_idle: float = 30.0,
        batch: int = 16,
        block_seconds: float = 1.0,
        consumer: str | None = None,
    ) -> None:
        self._url = url
        self._claim_idle_ms = int(claim_idle * 1000)
        self._batch = batch
        self._block_ms = int(block_seconds * 1000)
        self.consumer = consumer or consumer_name()
        self._redis: aioredis.Redis | None = None

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("stream is not open")
        return self._redis

    async def open(self) -> None:
        self._redis = aioredis.from_url(self._url, decode_responses=True)
        try:
            await self._redis.xgroup_create(STREAM_KEY, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def publish(self, event_id: int) -> None:
        await self.redis.xadd(
            STREAM_KEY, {"event_id": str(event_id)}, maxlen=MAX_LENGTH, approximate=True
        )

    async def entries(self) -> AsyncIterator[StreamEntry]:
        """Claimed (abandoned) entries first, then new ones; loops until cancelled."""
        next_claim = 0.0
        loop = asyncio.get_running_loop()
        while True:
            if loop.time() >= next_claim:
                next_claim = loop.time() + self._claim_idle_ms / 2000
                for entry in await self._claim_abandoned():
                    yield entry
            response = await self.redis.xreadgroup(
                GROUP, self.consumer, {STREAM_KEY: ">"}, count=self._batch, block=self._block_ms
            )
            for _stream, messages in response or ():
                for entry_id, fields in messages:
                    yield StreamEntry(entry_id, int(fields["event_id"]))

    async def _claim_abandoned(self) -> list[StreamEntry]:
        claimed: list[StreamEntry] = []
        start = "0-0"
        while True:
            result = await self.redis.xautoclaim(
                STREAM_KEY,
                GROUP,
                self.consumer,
                min_idle_time=self._claim_idle_ms,
                start_id=start,
                count=100,
            )
            start, messages = result[0], result[1]
            for entry_id, fields in messages:
                if fields:  # None/empty: trimmed meanwhile; the store's sweep covers it
                    claimed.append(StreamEntry(entry_id, int(fields["event_id"])))
            if start == "0-0" or not messages:
                break
        if claimed:
            log.info("claimed %d stream entries a stopped worker left", len(claimed))
        return claimed

    async def ack(self, entry: StreamEntry) -> None:
        await self.redis.xack(STREAM_KEY, GROUP, entry.entry_id)

    async def pending_count(self) -> int:
        info = await self.redis.xpending(STREAM_KEY, GROUP)
        return int(info["pending"])
