"""How the clarify lead (``MatchSettings.clarify_lead`` and ``clarify_other_share``) trades
wrong answers for coverage, each labelled set held out in turn.

A close call (two entries within ``clarify_ratio``) is answered after all when the message
leans far enough to the top entry, measured along the difference of the two entries
(``FaqIndex.lead``). The grid below is how the shipped values were chosen; ``off`` is the
plain clarify rule. Run: ``.venv/bin/python bench/clarify_lead.py``.
"""

from __future__ import annotations

from dataclasses import replace

from held_out import Tally, decisions, held_out_sets

from croupier.decisions import DecisionParts
from faq.matcher import Featuriser
from handlers.decide import MatchSettings

GRID = {
    "off": MatchSettings(clarify_lead=2.0),
    **{
        f"lead {lead:.2f}, other {share:.1f}": MatchSettings(
            clarify_lead=lead, clarify_other_share=share
        )
        for lead, share in [
            (0.04, 0.6),
            (0.06, 0.5),
            (0.06, 0.6),
            (0.06, 0.7),
            (0.08, 0.6),
            (0.10, 0.6),
            (0.04, 10.0),
            (0.06, 10.0),
            (0.08, 10.0),
            (0.10, 10.0),
        ]
    },
}
"""Other share 10 leaves it out: the lead alone decides."""


def main() -> None:
    parts = DecisionParts.load()
    tallies = {name: Tally() for name in GRID}
    for held_out in held_out_sets(parts.lexicon):
        variant = replace(parts, featuriser=Featuriser(parts.lexicon, held_out.learned))
        for name, settings in GRID.items():
            decider = variant.decider(held_out.faq, settings)
            tallies[name].add_decisions(held_out.items, decisions(decider, held_out.items))
        print(f"{held_out.name} done", flush=True)
    shipped = MatchSettings()
    print(f"shipped: lead {shipped.clarify_lead}, other {shipped.clarify_other_share}")
    for name, tally in tallies.items():
        print(f"{name:22} {tally.summary()}")


if __name__ == "__main__":
    main()
