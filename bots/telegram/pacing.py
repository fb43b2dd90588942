"""Send pacing under Telegram's flood limits, so we rarely earn a 429 in the first place.

Limits (Bot API FAQ): about one message a second to one private chat, twenty a minute to
one group, thirty a second overall. Each send reserves the next free slot for its chat,
then for the bot, and sleeps until then; reserving takes no ``await``, so concurrent
senders never claim the same slot.
"""

from __future__ import annotations

import asyncio

_PRUNE_ABOVE = 10_000
"""Forget chats whose slot is in the past once we track this many."""


class SendPacer:
    def __init__(
        self, private_interval: float, group_interval: float, messages_per_second: float
    ) -> None:
        self._private_interval = private_interval
        self._group_interval = group_interval
        self._global_interval = 1.0 / messages_per_second
        self._next_chat_slot: dict[int, float] = {}
        self._next_global_slot = 0.0

    async def wait_turn(self, chat_id: int) -> None:
        """Return when a message to ``chat_id`` may go (group and channel ids are negative)."""
        loop = asyncio.get_running_loop()
        interval = self._group_interval if chat_id < 0 else self._private_interval
        now = loop.time()
        chat_slot = max(now, self._next_chat_slot.get(chat_id, now))
        self._next_chat_slot[chat_id] = chat_slot + interval
        if len(self._next_chat_slot) > _PRUNE_ABOVE:
            self._prune(now)
        if chat_slot > now:
            await asyncio.sleep(chat_slot - now)
        now = loop.time()
        global_slot = max(now, self._next_global_slot)
        self._next_global_slot = global_slot + self._global_interval
        if global_slot > now:
            await asyncio.sleep(global_slot - now)

    def _prune(self, now: float) -> None:
        self._next_chat_slot = {
            chat: slot for chat, slot in self._next_chat_slot.items() if slot > now
        }
