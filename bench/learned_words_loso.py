"""What the learned words (``faq/learned_words.py``) are worth on sets they never saw.

Each set in ``bench/sets`` is held out in turn: the table is learned from the other sets
(with any message of the held-out set removed) and the held-out set is decided with it,
then without any table. The shipped table has read every set, so only this figure is fair.
Run: ``.venv/bin/python bench/learned_words_loso.py``.
"""

from __future__ import annotations

from dataclasses import replace

from held_out import Tally, decisions, held_out_sets

from croupier.decisions import DecisionParts
from faq.learned_words import LearnedWords
from faq.matcher import Featuriser


def main() -> None:
    parts = DecisionParts.load()
    tallies = {"without": Tally(), "learned": Tally()}
    print(f"{'set':16} {'without: wrong cover':>22} {'learned: wrong cover':>22}")
    for held_out in held_out_sets(parts.lexicon):
        row = []
        for name, table in (("without", LearnedWords()), ("learned", held_out.learned)):
            variant = replace(parts, featuriser=Featuriser(parts.lexicon, table))
            items = held_out.items
            decided = decisions(variant.decider(held_out.faq), items)
            tallies[name].add_decisions(items, decided)
            this_set = Tally()
            this_set.add_decisions(items, decided)
            row.append("{:10.3f} {:10.3f}".format(*this_set.rates()))
        print(f"{held_out.name:16} {row[0]:>22} {row[1]:>22}", flush=True)
    for name, tally in tallies.items():
        print(f"{name:8} all sets: {tally.summary()}")


if __name__ == "__main__":
    main()
