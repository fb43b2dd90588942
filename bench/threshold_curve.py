"""Coverage vs wrong answers on a labelled set, across answer thresholds.

The dev set is for measuring, not training; this prints the trade-off behind the one
``CROUPIER_ANSWER_THRESHOLD`` knob. Run:
``.venv/bin/python bench/threshold_curve.py ../shared/eval/dev-questions.jsonl``.
With ``--knob escalation`` it sweeps ``CROUPIER_ESCALATION_THRESHOLD`` (the escalation
model's) instead; use a set the model was not trained on.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts, build_decider
from handlers.decide import DecisionKind, MatchSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--faq", type=Path, default=DEFAULT_FAQ_DIR)
    parser.add_argument("--knob", choices=("answer", "escalation"), default="answer")
    args = parser.parse_args()
    knob = f"{args.knob}_threshold"
    items = [
        json.loads(line)
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    decider, _ = build_decider(args.faq, DecisionParts.load())
    default = getattr(decider.settings, knob)
    print(f"{'threshold':>9}  {'wrong':>6}  {'coverage':>8}  {'esc_recall':>10}  {'clarify':>7}")
    # The default is always a row of its own, so the curve shows where the shipped setting sits.
    steps = range(10, 62, 3) if args.knob == "answer" else range(40, 101, 5)
    thresholds = sorted({step / 100 for step in steps} | {round(default, 2)})
    for threshold in thresholds:
        decider.settings = replace(MatchSettings(), **{knob: threshold})
        wrong = covered = escalated = clarified = 0
        faq_kind = sum(1 for q in items if q["kind"] == "faq")
        esc_kind = sum(1 for q in items if q["kind"] == "escalate")
        for item in items:
            decision = decider.decide(item["text"])
            if decision.kind is DecisionKind.ANSWER:
                if decision.faq_id in item["accept"]:
                    covered += item["kind"] == "faq"
                else:
                    wrong += 1
            elif decision.kind is DecisionKind.CLARIFY and item["kind"] == "faq":
                clarified += 1
            elif decision.kind is DecisionKind.ESCALATE and item["kind"] == "escalate":
                escalated += 1
        marker = "  <- default" if abs(threshold - default) < 1e-9 else ""
        print(
            f"{threshold:9.2f}  {wrong / len(items):6.3f}  {covered / max(faq_kind, 1):8.3f}  "
            f"{escalated / max(esc_kind, 1):10.3f}  {clarified / max(faq_kind, 1):7.3f}{marker}"
        )


if __name__ == "__main__":
    main()
