"""Decision time per message (p50, p99) and FAQ load time, for the shipped FAQ and for a
generated 2,000-entry FAQ. Run: ``.venv/bin/python bench/decide_speed.py``."""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace

from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts
from faq.loader import load_faq_dir
from faq.model import Faq

SYLLABLES = ["ka", "ro", "mi", "tes", "lo", "van", "qu", "ber", "zin", "pol", "dar", "xen"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def generated_faq(base: Faq, size: int, seed: int = 3) -> Faq:
    """``size`` entries: the shipped ones, then variants of them, each about its own
    made-up product or game name, so every entry has distinct vocabulary like a real
    large operator's FAQ (per-game, per-payment-method, per-country entries)."""
    rng = random.Random(seed)
    entries = list(base.entries)
    while len(entries) < size:
        template = base.entries[len(entries) % len(base.entries)]
        names = [_word(rng) for _ in range(2)]
        questions = {
            lang: tuple(f"{q} {' '.join(names)}" for q in qs[:8])
            for lang, qs in template.questions.items()
        }
        entries.append(replace(template, id=f"{template.id}-{len(entries)}", questions=questions))
    return Faq(tuple(entries), base.languages)


def probe_messages(faq: Faq, count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    questions = [q for e in faq.entries[:16] for qs in e.questions.values() for q in qs]
    messages = []
    for _ in range(count):
        text = rng.choice(questions)
        if rng.random() < 0.5 and len(text) > 10:
            cut = rng.randrange(2, len(text) - 2)
            text = text[:cut] + text[cut + 1 :]
        if rng.random() < 0.2:
            text = "@LuckyOrbitCasino " + text + " 🙏"
        messages.append(text)
    return messages


def measure(label: str, faq: Faq, parts: DecisionParts, count: int = 3000) -> None:
    started = time.perf_counter()
    decider = parts.decider(faq)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    parts.decider(faq)  # what a reload after a content edit costs: unchanged texts are cached
    rebuild_seconds = time.perf_counter() - started
    messages = probe_messages(faq, count)
    for text in messages[:200]:
        decider.decide(text)  # warm caches and lazy language models
    timings = []
    for text in messages:
        t0 = time.perf_counter()
        decider.decide(text)
        timings.append(time.perf_counter() - t0)
    timings.sort()
    p50 = statistics.median(timings) * 1e6
    p99 = timings[int(len(timings) * 0.99) - 1] * 1e6
    print(
        f"{label:28} entries {len(faq.entries):5}  index build {build_seconds * 1000:7.1f} ms  "
        f"(reload {rebuild_seconds * 1000:7.1f} ms)  "
        f"decide p50 {p50:6.0f} µs  p99 {p99:6.0f} µs  ({count} messages)"
    )


def main() -> None:
    parts = DecisionParts.load()
    parts.languages.warm_up()
    result = load_faq_dir(DEFAULT_FAQ_DIR)
    assert result.faq is not None
    started = time.perf_counter()
    load_faq_dir(DEFAULT_FAQ_DIR)
    print(
        f"shipped FAQ files parsed and validated in {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    measure("shipped FAQ", result.faq, parts)
    measure("generated 2,000-entry FAQ", generated_faq(result.faq, 2000), parts)


if __name__ == "__main__":
    main()
