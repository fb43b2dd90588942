"""Cutting a long reply into the messages a platform accepts, at the most natural break.

Each platform measures length its own way (Telegram in UTF-16 units, Instagram in UTF-8
bytes, Messenger and X in characters); the cutting rule is the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable

SEPARATORS = ("\n\n", "\n", " ")


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` (as ``measure`` counts).

    Prefers the last paragraph break, then line break, then space inside the limit; a
    coarser break wins only if it keeps at least half the window, so no stub messages.
    Only a single unbroken run longer than the limit is cut mid-word. The separator at a
    cut is dropped; nothing else is lost.
    """
    parts: list[str] = []
    rest = text
    while measure(rest) > limit:
        window = rest[: max(1, longest_prefix_within(rest, limit, measure))]
        cut, skip = _break_in(window)
        parts.append(rest[:cut])
        rest = rest[cut + skip :]
    if rest or not parts:
        parts.append(rest)
    return parts


def longest_prefix_within(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """Length of the longest prefix of ``text`` that ``measure`` counts within ``limit``."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _break_in(window: str) -> tuple[int, int]:
    """Where to cut inside ``window`` and how many separator characters to drop there."""
    for minimum in (max(1, len(window) // 2), 1):
        for separator in SEPARATORS:
            position = window.rfind(separator)
            if position >= minimum:
                return position, len(separator)
    return len(window), 0
