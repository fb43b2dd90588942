"""Turn untrusted player text into comparable forms.

Three views of one message are kept: ``folded`` (lower case, diacritics and control
characters gone, script kept) for rules written per language, ``ascii`` (transliterated)
so Cyrillic and its Latin spelling meet, and word tokens for features.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

# Bidi overrides/isolates, zero-width characters, BOM: invisible, used to spoof or to break rules.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|help|info|xyz|top|site|online|app|link|ly|me|ru|pl|de|fr|bet|vip|cc|co|biz|ws)(?:/\S*)?\b"
)
_MENTION = re.compile(r"(?<!\w)@\w{1,64}")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_SPECIAL_FOLDS = str.maketrans(
    {"ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i"}
)


def _is_emoji(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "So" or (category == "Sk" and ord(char) > 0x1F000)


@dataclass(frozen=True)
class Normalised:
    text: str
    """Visible text: invisible characters removed, NFKC, original case."""
    plain: str
    """``text`` without URLs and @mentions (what a language detector should read)."""
    folded: str
    """Lower case, no diacritics, URLs and @mentions removed, single spaces."""
    ascii: str
    """``folded`` transliterated to a-z0-9 and spaces."""
    words: tuple[str, ...]
    """Tokens of ``folded``."""
    urls: tuple[str, ...]
    mentions: tuple[str, ...]
    emoji: tuple[str, ...]
    has_cyrillic: bool
    upper_ratio: float
    """Share of capital letters among letters (shouting), 0 for short texts."""
    exclamations: int


def fold(text: str) -> str:
    """Lower-case and strip diacritics, keeping the script (``wypłata`` → ``wyplata``)."""
    lowered = text.casefold().translate(_SPECIAL_FOLDS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


@lru_cache(maxsize=65536)
def ascii_key(word: str) -> str:
    """A word's transliterated key: ``вывод`` and ``vyvod`` give the same key."""
    return _NON_ALNUM.sub("", anyascii(word).lower())


def visible_text(raw: str) -> str:
    """Drop invisible/bidi-control characters and normalise compatibility forms."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw))


def normalise(raw: str) -> Normalised:
    text = visible_text(raw)
    urls = tuple(_URL.findall(text))
    mentions = tuple(m[1:] for m in _MENTION.findall(text))
    without_links = _MENTION.sub(" ", _URL.sub(" ", text))
    emoji = tuple(c for c in without_links if _is_emoji(c))
    folded = _SPACES.sub(" ", fold(without_links)).strip()
    words = tuple(_WORD.findall(folded))
    ascii_text = " ".join(k for k in (ascii_key(w) for w in words) if k)
    letters = [c for c in without_links if c.isalpha()]
    uppers = sum(1 for c in letters if c.isupper())
    upper_ratio = uppers / len(letters) if len(letters) >= 12 else 0.0
    return Normalised(
        text=text,
        plain=_SPACES.sub(" ", without_links).strip(),
        folded=folded,
        ascii=ascii_text,
        words=words,
        urls=urls,
        mentions=mentions,
        emoji=emoji,
        has_cyrillic=bool(_CYRILLIC.search(folded)),
        upper_ratio=upper_ratio,
        exclamations=text.count("!"),
    )
