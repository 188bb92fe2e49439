"""Quick start: one prompt answered under several emotion mixes, then a batch with a mix per row.

Run: make demo   (or: .venv/bin/python examples/quickstart.py)
"""

from __future__ import annotations

import time

from emotive_agents import EmotiveEngine

PROMPT = "My train was cancelled this morning, so I will be late for work. What should I do?"


def main() -> None:
    start = time.perf_counter()
    engine = EmotiveEngine.load()  # embedded SmolLM2-135M-Instruct and its shipped vectors
    print(
        f"loaded {engine.model_name} with emotions {', '.join(engine.emotions)} "
        f"in {time.perf_counter() - start:.1f}s\n"
    )
    print(f"USER: {PROMPT}\n")

    # Intensity 1.0 is calibrated as the strongest setting that stays fluent *on average*; single prompts
    # can already loop there, so the demo stays a little below it.
    mixes = [{}, {"joy": 0.8}, {"anger": 0.8}, {"sadness": 0.8}, {"fear": 0.8}, {"joy": 0.6, "sadness": -0.6}]
    requests = [engine.request(PROMPT, mix, max_new_tokens=60) for mix in mixes]
    start = time.perf_counter()
    results = engine.generate_batch(requests)  # one batch, a different mix on every row
    elapsed = time.perf_counter() - start
    for mix, result in zip(mixes, results, strict=True):
        label = ", ".join(f"{k}={v:+.1f}" for k, v in mix.items()) or "unsteered"
        print(f"[{label}]\n{result.text.strip()}\n")
    tokens = sum(r.usage.output_tokens for r in results)
    print(f"{len(results)} rows with different mixes in one batch: {tokens} tokens in {elapsed:.1f}s\n")

    print("[streaming, joy=0.8] ", end="", flush=True)
    for chunk in engine.stream("Tell me something nice about Mondays.", {"joy": 0.8}, max_new_tokens=40):
        print(chunk, end="", flush=True)
    print()


if __name__ == "__main__":
    main()
