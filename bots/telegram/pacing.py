"""Send pacing under Telegram's flood limits, so we rarely earn a 429 in the first place.

Limits (Bot API FAQ): about one message a second to one chat, twenty a minute to one
group, thirty a second overall. Each send first reserves its chat's next free slot (the
per-chat spacing and, for groups, the 20-in-any-60-seconds window), sleeps until then,
and only then reserves a bot-wide slot: a message held back by its group's window does not
hold a bot-wide slot that a private chat could use meanwhile. Reserving takes no
``await``, so concurrent senders never claim the same slot.

The clock and the sleep are injectable so the tests can check the schedule on a fake
clock instead of timing real sleeps.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

_PRUNE_ABOVE = 10_000
"""Forget chats whose slots are all in the past once we track this many."""
GROUP_WINDOW_SECONDS = 60.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SendPacer:
    def __init__(
        self,
        private_interval: float,
        group_interval: float,
        messages_per_second: float,
        group_messages_per_minute: int = 20,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self._private_interval = private_interval
        self._group_interval = group_interval
        self._group_per_window = group_messages_per_minute
        self._global_interval = 1.0 / messages_per_second
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._next_chat_slot: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        """Per group, the slots of its last ``group_messages_per_minute`` messages."""
        self._next_global_slot = 0.0

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def wait_turn(self, chat_id: int) -> None:
        """Return when a message to ``chat_id`` may go (group and channel ids are negative)."""
        now = self._now()
        chat_slot = self.reserve_chat_slot(chat_id, now)
        if chat_slot > now:
            await self._sleep(chat_slot - now)
        now = self._now()
        global_slot = max(now, self._next_global_slot)
        self._next_global_slot = global_slot + self._global_interval
        if global_slot > now:
            await self._sleep(global_slot - now)

    def reserve_chat_slot(self, chat_id: int, now: float) -> float:
        """Claim the earliest time a message to ``chat_id`` may leave, from ``now`` on."""
        is_group = chat_id < 0
        interval = self._group_interval if is_group else self._private_interval
        slot = max(now, self._next_chat_slot.get(chat_id, now))
        if is_group and self._group_per_window > 0:
            window = self._group_sends.setdefault(chat_id, deque(maxlen=self._group_per_window))
            if len(window) == self._group_per_window:
                # The oldest of the last N must be a minute old before one more may go.
                slot = max(slot, window[0] + GROUP_WINDOW_SECONDS)
            window.append(slot)
        self._next_chat_slot[chat_id] = slot + interval
        if len(self._next_chat_slot) > _PRUNE_ABOVE:
            self._prune(now)
        return slot

    def _prune(self, now: float) -> None:
        self._next_chat_slot = {
            chat: slot for chat, slot in self._next_chat_slot.items() if slot > now
        }
        self._group_sends = {
            chat: sends
            for chat, sends in self._group_sends.items()
            if sends and sends[-1] + GROUP_WINDOW_SECONDS > now
        }
