"""Reply reading's cost per turn as a share of the turn's generation time (the ≤ 5 % goal).

Like the router's benchmark: a typical turn is a 64-token answer decoded to full length, and the
reading of each fresh reply alternates with generation (median of each), so machine load hits both.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from emotive_agents.defaults import DEFAULT_MODEL

PROMPTS: tuple[str, ...] = (
    "My order is two weeks late. Can I get a refund?",
    "I have my calculus final tomorrow and I'm scared.",
    "Can I get a same-day appointment? I feel awful.",
    "I finally understood recursion! Give me another exercise.",
    "You charged my card twice. How do I get my money back?",
    "I've been feeling down for weeks. Is it normal to sleep this much?",
)
MIXES: tuple[dict[str, float], ...] = ({"calm": 0.8}, {"joy": 0.6}, {"sadness": -0.5, "calm": 0.5})


def reply_reading_overhead(
    *, model: str = DEFAULT_MODEL, reader: str = "ensemble", max_new_tokens: int = 64, repeats: int = 2
) -> dict[str, Any]:
    """{'ratio': reading seconds per reply / generation seconds per turn, ...} on the embedded model."""
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.monitor.reading import shared_reply_reader

    engine = EmotiveEngine.load(model)
    reading = shared_reply_reader(reader)
    started = time.perf_counter()
    reading.read("warm-up: load the reader")
    load_s = time.perf_counter() - started
    engine.generate("Hello!", max_new_tokens=4)
    read_s: list[float] = []
    generate_s: list[float] = []
    for _ in range(repeats):
        for i, prompt in enumerate(PROMPTS):
            mix = {k: v for k, v in MIXES[i % len(MIXES)].items() if k in engine.emotions}
            t0 = time.perf_counter()
            result = engine.generate(prompt, mix, max_new_tokens=max_new_tokens, ignore_eos=True)
            generate_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            reading.read(result.text)
            read_s.append(time.perf_counter() - t0)
    read_med, gen_med = statistics.median(read_s), statistics.median(generate_s)
    return {
        "ratio": read_med / gen_med,
        "reading_seconds_per_reply": read_med,
        "generation_seconds_per_turn": gen_med,
        "reader": reading.name,
        "reader_load_seconds": load_s,
        "turns_timed": len(read_s),
        "max_new_tokens": max_new_tokens,
        "target_ratio": 0.05,
    }
