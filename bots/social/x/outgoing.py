"""What we post on X, made to fit: tweets of at most 280 weighted characters, DMs in parts.

Pure functions. X counts a tweet's length the twitter-text way: most Latin, Greek and
Cyrillic characters weigh 1, CJK characters and emoji weigh 2, and every link weighs 23
(t.co) whatever its length. The ``@handle`` X puts in front of a reply does not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bots.events import ReplyOption
from bots.text_split import longest_prefix_within, split_text

TWEET_LIMIT = 280
DM_LIMIT_CHARS = 10_000
LINK_WEIGHT = 23
ELLIPSIS = "…"

CONTACT_HINT = "Please DM us or use live chat on our website."
"""Fallback only: the handlers send the approved phrase (``public_contact_hint``) with
each public reply, in the player's language."""
"""Said in public when the player does not accept our DMs, so the full answer cannot reach
them privately. Belongs in faq/texts/bot.yaml (translated); kept here until it moves."""

_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
"""Code points weighing 1 (twitter-text v3 configuration); all others weigh 2."""
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
"""``example.com/help``: X links those too (23), unless it does not know the TLD."""
_SENTENCE_END = re.compile(r"[.!?…](?=\s)|[。！？]|\n")


def tweet_length(text: str) -> int:
    """X's weighted length of ``text`` (a little high for emoji sequences, never low)."""
    text = unicodedata.normalize("NFC", text)
    length = 0
    position = 0
    for match in _LINK.finditer(text):
        length += _weight(text[position : match.start()]) + LINK_WEIGHT
        position = match.end()
    rest = text[position:]
    for match in _BARE_DOMAIN.finditer(rest):
        # Counted as a link when X links it, as its letters when it does not: the larger.
        length += max(LINK_WEIGHT, _weight(match.group()))
        rest = rest.replace(match.group(), "", 1)
    return length + _weight(rest)


def fit_tweet(text: str, tail: str = "", limit: int = TWEET_LIMIT) -> str:
    """``text`` then ``tail`` (after a blank line) in one tweet of at most ``limit``.

    ``tail`` (numbered options, the contact hint) is kept whole; ``text`` is shortened at
    the last sentence end that keeps at least half of it, else at the last space, never
    inside a word, and marked with "…". Only a single word longer than the whole tweet is
    cut inside (nothing else can fit).
    """
    text = text.strip()
    tail = tail.strip()
    joined = _join(text, tail)
    if tweet_length(joined) <= limit:
        return joined
    budget = limit - (tweet_length("\n\n" + tail) if tail else 0) - tweet_length(" " + ELLIPSIS)
    if budget <= 0:
        return _hard_cut(tail, limit)
    prefix = text[: longest_prefix_within(text, budget, tweet_length)]
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(prefix + " ")]
    if sentence_ends and sentence_ends[-1] >= len(prefix) // 2:
        short = prefix[: sentence_ends[-1]].rstrip() + " " + ELLIPSIS
    else:
        space = max(prefix.rfind(" "), prefix.rfind("\n"))
        cut = prefix[:space] if space > 0 else prefix
        short = cut.rstrip(" ,;:-–—\n") + ELLIPSIS
    return _join(short, tail)


def options_block(options: Sequence[ReplyOption]) -> str:
    """Choices as numbered lines; the player answers with the number (X has no buttons)."""
    return "\n".join(f"{option.number}. {' '.join(option.title.split())}" for option in options)


def split_direct_message(text: str, limit: int = DM_LIMIT_CHARS) -> list[str]:
    """Cut a text into DMs X accepts (10,000 characters each) at paragraph or word ends."""
    return split_text(text.strip(), limit)


def _weight(text: str) -> int:
    return sum(
        1 if any(low <= ord(ch) <= high for low, high in _LIGHT_RANGES) else 2 for ch in text
    )


def _join(text: str, tail: str) -> str:
    return f"{text}\n\n{tail}" if text and tail else text or tail


def _hard_cut(text: str, limit: int) -> str:
    return text[: longest_prefix_within(text, limit - 1, tweet_length)].rstrip() + ELLIPSIS
