"""Everyday words that sit one letter from a lexicon term: never read as a typo of it.

The lexicon reads an unknown word one edit from a term as that term misspelt, and
mostly rightly ("widthdraw", "verifcation"). But an everyday word can be one edit from a
term too: "have" and "werden" read as a negation, "after" as an age, "comment" as
"commence", "apple" (pay) as the French "appel" (a phone call). Each added a concept the
player never wrote, and across the labelled sets such look-alikes outnumbered real typos.

Which words are everyday comes from ``wordfreq`` (word frequencies from subtitles, news,
books and the web, per language): a word used at least ``COMMON_ZIPF`` times on the Zipf
scale (3.5 = about three times per million words) in one of ``LANGUAGES``. Only those one
edit from a term are kept, so the file is small (about 4,000 words) and the frequency lists
are read only when it is written (``croupier faq common-words``), never at start-up. Leaving each
labelled set out: wrong answers 70 -> 68 of 6,701, coverage 0.843 -> 0.851 (with the
inflections the near misses had caught, "attente", "wpłynął", added to the lexicon).
"""

from __future__ import annotations

from faq.lexicon import COMMON_WORDS_FILE, DEFAULT_LEXICON, MIN_FUZZY_LEN, Lexicon
from faq.normalise import ascii_key

DEFAULT_COMMON_WORDS = DEFAULT_LEXICON.with_name(COMMON_WORDS_FILE)
"""Beside ``lexicon.yaml``: ``load_lexicon`` reads it with the lexicon."""
COMMON_ZIPF = 3.5
"""Read against 26 FAQs, the dev set had 2 more wrong answers at 3.0; leaving each labelled
set out, 4.0 gave the same figures within one message."""
LANGUAGES = ("en", "pl", "ru", "de", "fr", "uk")


def derive(lexicon: Lexicon) -> list[str]:
    """The word keys (as the lexicon matches them, transliterated) of everyday words that
    the lexicon would otherwise read as a typo of one of its terms, sorted."""
    import wordfreq  # only when relearning: its lists take seconds to read

    cut = 10 ** (COMMON_ZIPF - 9)  # Zipf = log10(frequency per word) + 9
    keys: set[str] = set()
    for lang in LANGUAGES:
        frequencies = wordfreq.get_frequency_dict(lang)
        keys |= {ascii_key(word) for word, frequency in frequencies.items() if frequency >= cut}
    return sorted(key for key in keys if len(key) >= MIN_FUZZY_LEN and lexicon.typo_of(key))
