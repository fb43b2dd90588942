"""Russian typed with the keyboard still on the Latin layout ("gfhjkm yt gjl[jlbn" for "пароль
не подходит"), turned back into Cyrillic.

Russian speakers switch layouts all day and send such a line often enough that support
teams learn to read it. Without this the message is gibberish to every later step and
escalates for want of a match. The test is cheap, so it runs on every Latin message:
few of the letters may be Latin vowels (Russian vowels sit on f, t, b, j, s, z, '.', "'"
and '`'), and many must be vowels in the Cyrillic reading.
"""

from __future__ import annotations

import re

_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_SHIFTED = 'QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>~'
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
_TO_CYRILLIC = str.maketrans(_LATIN + _SHIFTED, _CYRILLIC + _CYRILLIC.upper())

_TYPED_WORD = re.compile(
    r"(?:(?<=\s)|^)[\[\];',.`{}:\"<>~]?[A-Za-z`~]+(?:[\[\];',.`{}:\"<>~][A-Za-z`~]+)*[\[\];'`{}:\"~]?"
)
"""A word as typed on the Latin layout: letters, and the keys that carry Russian letters
where they sit inside it ("gjl[jlbn"), open it (",jyec" for "бонус") or end it; a comma or
full stop at its end is punctuation."""
_LATIN_VOWEL = re.compile(r"[aeiouAEIOU]")
_RUSSIAN_VOWEL = re.compile("[аеёиоуыэюяАЕЁИОУЫЭЮЯ]")
_ANY_NON_LATIN_LETTER = re.compile(r"[^\W\da-zA-Z_]")

SAMPLE_CHARS = 400
"""The test reads at most the message's opening: a few sentences tell the layout, and a huge
hostile message costs no more than a short one."""
MIN_WORDS = 3
LONG_WORD = 5
"""At least three words, one of five letters or more: chat shorthand ("brb thx") has few
vowels too, but no long words."""
LATIN_VOWEL_SHARE = 0.2
"""At most this share of the letters are the Latin vowels a, e, i, o, u. Russian on the
Latin layout stays near 0.1 (its vowels land on f, t, b, j, s and z; "у" on e lifts it to
0.17 in "жду уже"). Across our 13,000 labelled messages in Latin letters only three go
as low (Polish "czy prawo jazdy wystarczy", shorthand "forgot my pw", "my wd got
rejected"), and the Cyrillic reading gives none of them a vowel lead."""
RUSSIAN_VOWEL_LEAD = 0.15
"""...and the Cyrillic reading has this much more of its letters as vowels (Russian words
hold about 0.4; the three above gain 0.04, 0 and 0.1)."""


def from_wrong_layout(text: str) -> str | None:
    """``text`` in Cyrillic when it reads as Russian typed on the Latin layout, else None."""
    sample = text[:SAMPLE_CHARS]
    if _ANY_NON_LATIN_LETTER.search(sample):
        return None  # a Cyrillic or accented letter: the player's layout was right
    words = [w for w in _TYPED_WORD.findall(sample) if len(w) >= 2]
    if len(words) < MIN_WORDS or max(map(len, words)) < LONG_WORD:
        return None
    letters = sum(map(len, words))
    latin_vowels = sum(len(_LATIN_VOWEL.findall(w)) for w in words)
    if latin_vowels > LATIN_VOWEL_SHARE * letters:
        return None
    switched = "".join(words).translate(_TO_CYRILLIC)
    if len(_RUSSIAN_VOWEL.findall(switched)) < latin_vowels + RUSSIAN_VOWEL_LEAD * letters:
        return None
    return _TYPED_WORD.sub(lambda m: m[0].translate(_TO_CYRILLIC), text)
