"""Router overhead per turn as a share of a typical turn's generation time, measured in one run.

A typical turn is a 64-token answer (two or three sentences), decoded to full length (`ignore_eos`) so
that an early end-of-sequence cannot make generation look cheap.

Router and generation runs alternate (median of `repeats` each), so load on a shared machine hits both
alike. The router is timed in the stateless mode (it reads the whole conversation), on conversations it
has not seen (its per-instance reading cache would otherwise hide the classifier's cost), and again with
a tracker (only the newest turn is read). `emotive-agents bench` reports the ratios
(`router_vs_turn`); `python -m benchmarks.router_overhead` prints every figure.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from emotive_agents.defaults import DEFAULT_MODEL

CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("I have my calculus final tomorrow.", "I'm terrified I'll blank out.", "What should I revise first?"),
    ("My order is two weeks late.", "Nobody answers my emails!", "Can I get a refund?"),
    ("I found a lump last week.", "I'm scared it might be cancer.", "How long do biopsy results take?"),
    ("I finally understood recursion!", "Can you give me another exercise?"),
    ("You charged my card twice.", "This is unacceptable.", "How do I get my money back?"),
    ("I've been feeling down for weeks.", "Nothing helps.", "Is it normal to sleep this much?"),
)


def _conversation(turns: tuple[str, ...], salt: int) -> list[dict[str, str]]:
    out = []
    for text in turns:
        out.append({"role": "user", "content": f"{text} ({salt})" if salt else text})
        out.append({"role": "assistant", "content": "I see. Tell me more."})
    return out[:-1]


def router_overhead(
    *,
    model: str = DEFAULT_MODEL,
    policy: str = "health",
    classifier: str | None = None,
    max_new_tokens: int = 64,
    repeats: int = 3,
) -> dict[str, Any]:
    """{'ratio': router seconds per turn / generation seconds per turn, ...} on the embedded model."""
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.models import embeddings
    from emotive_agents.router.router import AffectRouter

    engine = EmotiveEngine.load(model)
    router = AffectRouter(policy=policy, classifier=classifier, vector_set=engine.vector_set)
    started = time.perf_counter()
    router.route("warm-up: load the classifier")
    load_s = time.perf_counter() - started
    embedders_before = len(getattr(embeddings, "_CACHE", {}))
    engine.generate("Hello!", max_new_tokens=4)  # warm-up

    route_s: list[float] = []
    tracked_s: list[float] = []
    generate_s: list[float] = []
    tokens: list[int] = []
    salt = 0
    for _ in range(repeats):
        for turns in CONVERSATIONS:
            salt += 1
            conversation = _conversation(turns, salt)
            t0 = time.perf_counter()
            decision = router.route(conversation)
            route_s.append(time.perf_counter() - t0)
            salt += 1
            t0 = time.perf_counter()
            router.route(_conversation(turns, salt)[-1:], tracker=decision.tracker)
            tracked_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = engine.generate(
                conversation, decision.mix, max_new_tokens=max_new_tokens, ignore_eos=True
            )
            generate_s.append(time.perf_counter() - t0)
            tokens.append(result.usage.output_tokens)
    route_med, tracked_med, gen_med = (statistics.median(v) for v in (route_s, tracked_s, generate_s))
    return {
        "ratio": route_med / gen_med,
        "ratio_with_tracker": tracked_med / gen_med,
        "router_seconds_per_turn": route_med,
        "router_seconds_per_turn_with_tracker": tracked_med,
        "generation_seconds_per_turn": gen_med,
        "generated_tokens_median": statistics.median(tokens),
        "generation_seconds_per_token": gen_med / max(statistics.median(tokens), 1),
        "max_new_tokens": max_new_tokens,
        "turns_timed": len(route_s),
        "classifier": getattr(router.classifier, "name", type(router.classifier).__name__),
        "classifier_load_seconds": load_s,
        "embedding_models_loaded": len(getattr(embeddings, "_CACHE", {})),
        "embedding_models_loaded_before_timing": embedders_before,
        "target_ratio": 0.05,
    }
