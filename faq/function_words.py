"""Function words ("does", "czy", "ли", "ob", "est-ce"): every FAQ uses them somewhere, so
which entry happens to use one says nothing about what a message asks.

The matcher weighs a word by how few entries use it. In a sixteen-entry FAQ "does" may sit
in a single question ("how long does sign-up take?"); it then outweighed "verification" in
"how long does verification normally take?" and sent the message to registration. The
index counts a function word as used by at least ``FUNCTION_WORD_SHARE`` of the entries
(see faq.matcher). It does not drop them: a message full of words the FAQ does not use is
likelier about something else, and dropping them doubled wrong answers (README).

The lists are the maintained ``stop-words`` package's, for each language the matcher stems:
each word's key and its stem's key, as the featuriser names a word it has no concept for.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import Stemmer
from stop_words import StopWordError, get_stop_words

from faq.normalise import ascii_key, fold


def function_word_keys(stemmers: Mapping[str, str]) -> frozenset[str]:
    """Keys of the function words of every language in ``stemmers`` (language code ->
    Snowball stemmer name) that ``stop-words`` has a list for."""
    return _keys(tuple(sorted(stemmers.items())))


@cache
def _keys(stemmers: tuple[tuple[str, str], ...]) -> frozenset[str]:
    keys: set[str] = set()
    for lang, stemmer_name in stemmers:
        try:
            words = get_stop_words(lang)
        except StopWordError:
            continue  # a language without a list keeps plain inverse document frequency
        stem = Stemmer.Stemmer(stemmer_name).stemWord
        for word in words:
            # as spelled and as a message's words are folded ("какой" is read as "какои")
            for spelling in {word, fold(word)}:
                keys.update((ascii_key(spelling), ascii_key(stem(spelling))))
    keys.discard("")
    return frozenset(keys)
