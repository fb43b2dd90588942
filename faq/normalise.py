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

from faq.keyboard_layout import from_wrong_layout

# Bidi overrides/isolates, zero-width characters, BOM: invisible, used to spoof or to break rules.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|help|info|xyz|top|site|online|app|link|ly|me|ru|pl|de|fr|bet|vip|cc|co|biz|ws|click|club|shop|store|space|icu|buzz|cam|uk|eu|tk|pw|su|ua|cz|nl|gg|tv)(?:/\S*)?\b"
)
_MENTION = re.compile(r"(?<!\w)@\w{1,64}")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CODE_NAME = re.compile(
    r"(?i:\b(?:promo\s*|bonus\s*|gutschein)?(?:codes?|kod|kodu|kodem|код|кода|кодом|промокод\w*)"
    r"\s+[\"'«„“]?)"
    r"([A-Z][A-Z0-9]{3,}|[A-Za-z]{2,}\d{2,})\b"
)
"""A promo code's name after the word "code" ("code SPIN50", "kod ZIMA"): a name, not its
words; "SPIN" must not make a missing bonus a free-spins question."""
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_SPECIAL_FOLDS = str.maketrans(
    {"ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i"}
)


_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299\U0001f000-\U0001faff]"
)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-ZÀ-ÞĀ-ſА-ЯЁЄІЇҐ]")
_SENTENCE_END = re.compile(r"[!?;]|\.(?!\d)")
"""Where a sentence ends: not at the stop inside "1.5", nor at the first one of "4.6."."""


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
    sentence_starts: frozenset[int] = frozenset()
    """Indexes of the ``words`` that open a sentence after the first: what a negation
    denies stays in its own sentence."""


def fold(text: str) -> str:
    """Lower-case and strip diacritics, keeping the script (``wypłata`` → ``wyplata``)."""
    return without_diacritics(text.casefold())


def without_diacritics(text: str) -> str:
    """Diacritics stripped, case kept: also how rules written with ``й`` or ``ł`` are
    brought to the folded form the text they run over has (case matters in a regex)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_FOLDS))
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed))


@lru_cache(maxsize=65536)
def ascii_key(word: str) -> str:
    """A word's transliterated key: ``вывод`` and ``vyvod`` give the same key."""
    return _NON_ALNUM.sub("", anyascii(word).lower())


def visible_text(raw: str) -> str:
    """Drop invisible/bidi-control characters and normalise compatibility forms.

    Lone surrogates become U+FFFD: the language detector encodes text as UTF-8 and would
    raise on them (the workbench and ``faq batch`` take text that never passed an Event)."""
    if raw.isascii():
        return raw  # nothing invisible, no surrogate, NFKC changes nothing
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", _SURROGATE.sub("\ufffd", raw)))


def _may_hold_url(text: str) -> bool:
    """Every URL has a dot or a slash: without one the URL regex, which costs more than
    the rest of normalising, need not run."""
    return "." in text or "/" in text


def without_links(text: str) -> str:
    """``text`` with URLs and @mentions blanked out."""
    if _may_hold_url(text):
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    return text


_MINUTES = re.compile(r"(\d+)(mins?)")
_CLOCK = re.compile(r"\d{1,2}(?:am|pm)")
_UNIT_AFTER_NUMBER = re.compile(r"\d(?:min|am|pm)")


def _with_minutes_spelled_out(words: tuple[str, ...]) -> tuple[str, ...]:
    """Read "15 min" and "15min" as minutes, not "min" (minimum): a player saying when
    they paid must not read as asking for a minimum deposit. "3am" is a time of day."""
    if not _UNIT_AFTER_NUMBER.search("".join(words)):  # spares the loop for nearly every text
        return words
    spelled: list[str] = []
    for word in words:
        split = _MINUTES.fullmatch(word)
        if split:
            spelled.extend((split[1], "minutes"))
        elif _CLOCK.fullmatch(word):
            spelled.extend((word[:-2], "oclock"))  # "open at 3am?" asks about a time of day
        elif word in ("min", "mins") and spelled and spelled[-1].isdigit():
            spelled.append("minutes")
        else:
            spelled.append(word)
    return tuple(spelled)


def words_of(raw: str) -> tuple[str, ...]:
    """Just the folded words, for FAQ text we wrote ourselves: building the index reads
    tens of thousands of questions and needs none of the player-text signals. Words are
    folded one by one through a cache (a large FAQ repeats its vocabulary endlessly)."""
    text = without_links(visible_text(raw))
    if text.isascii():
        return _with_minutes_spelled_out(tuple(_WORD.findall(text.lower())))
    words: list[str] = []
    for word in _WORD.findall(_COMBINING.sub("", text)):  # a lone accent must not split a word
        words.extend(_folded_words(word))
    return _with_minutes_spelled_out(tuple(words))


@lru_cache(maxsize=65536)
def _folded_words(word: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(word)))


def ascii_text_of(words: tuple[str, ...]) -> str:
    return " ".join(k for k in (ascii_key(w) for w in words) if k)


def _sentence_starts(folded: str, words: tuple[str, ...]) -> frozenset[int]:
    """Which words open a new sentence: "noch nicht eingezahlt. Wie erhalte ich den
    Bonus?" does not say the bonus failed to arrive. None when spelling out minutes
    changed the word count (the indexes would not line up)."""
    stops = [stop.start() for stop in _SENTENCE_END.finditer(folded)]
    if not stops or stops[0] >= len(folded) - 1:
        return frozenset()  # most messages: no stop, or one at the very end
    starts: set[int] = set()
    next_stop = count = 0
    for count, match in enumerate(_WORD.finditer(folded), start=1):
        if next_stop < len(stops) and stops[next_stop] < match.start():
            if count > 1:
                starts.add(count - 1)
            while next_stop < len(stops) and stops[next_stop] < match.start():
                next_stop += 1
    return frozenset(starts) if count == len(words) else frozenset()


def normalise(raw: str) -> Normalised:
    text = visible_text(raw)
    if (switched := from_wrong_layout(text)) is not None and not _URL.search(text):
        text = switched  # "gfhjkm yt gjl[jlbn": Russian typed on the Latin layout
    urls = tuple(_URL.findall(text)) if _may_hold_url(text) else ()
    mentions = tuple(m[1:] for m in _MENTION.findall(text)) if "@" in text else ()
    unlinked = without_links(text)
    if _CODE_NAME.search(unlinked):
        unlinked = _CODE_NAME.sub(lambda m: m[0][: m.start(1) - m.start(0)], unlinked)
    emoji = tuple(_EMOJI.findall(unlinked))
    folded = _SPACES.sub(" ", fold(unlinked)).strip()
    words = _with_minutes_spelled_out(tuple(_WORD.findall(folded)))
    ascii_text = ascii_text_of(words)
    letter_count = len(_LETTER.findall(unlinked))
    upper_count = len(_UPPER.findall(unlinked))
    upper_ratio = upper_count / letter_count if letter_count >= 12 else 0.0
    return Normalised(
        text=text,
        plain=_SPACES.sub(" ", unlinked).strip(),
        folded=folded,
        ascii=ascii_text,
        words=words,
        urls=urls,
        mentions=mentions,
        emoji=emoji,
        has_cyrillic=bool(_CYRILLIC.search(folded)),
        upper_ratio=upper_ratio,
        exclamations=text.count("!"),
        sentence_starts=_sentence_starts(folded, words),
    )
