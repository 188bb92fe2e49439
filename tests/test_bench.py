"""The benchmark's extraction timing runs both configurations on the same work (tiny model)."""

from __future__ import annotations

import pytest

from emotive_agents import bench
from emotive_agents.bench import extraction_speed, run_benchmark
from emotive_agents.engine import EmotiveEngine
from emotive_agents.vectors.queries import EmotionPrompts, Query


def test_extraction_speed_reports_both_runs_and_their_ratio(tiny_engine: EmotiveEngine) -> None:
    prompts = EmotionPrompts(
        neutral="plain", emotions={e: f"be {e}" for e in ("anger", "disgust", "fear", "joy", "sadness")}
    )
    queries = [Query(text=t) for t in ("hi", "rain?", "a joke", "help")]
    figures = extraction_speed(tiny_engine, queries=3, max_new_tokens=2, query_list=queries, prompts=prompts)
    assert figures["extraction_queries"] == 3
    assert figures["extraction_batched_s"] > 0 and figures["extraction_sequential_s"] > 0
    # Tiny runs take milliseconds, so the ratio (from unrounded times) is only checked for sanity.
    assert 0 < figures["extraction_batched_vs_sequential"] < 1000


def test_teacher_forced_speed_compares_forcing_with_generating(tiny_engine: EmotiveEngine) -> None:
    from emotive_agents.bench import teacher_forced_speed
    from emotive_agents.vectors.corpus import Reply, ReplyCorpus

    emotions = ("neutral", "anger", "disgust", "fear", "joy", "sadness")
    rows = tuple(
        Reply(query=q, emotion=e, response=f"{e} {q}") for q in ("hi", "rain?", "x") for e in emotions
    )
    prompts = EmotionPrompts(neutral="plain", emotions={e: f"be {e}" for e in emotions[1:]})
    figures = teacher_forced_speed(
        tiny_engine, queries=2, max_new_tokens=3, corpus=ReplyCorpus(rows=rows), prompts=prompts
    )
    assert figures["teacher_forced_queries"] == 2
    assert figures["teacher_forced_s"] > 0 and figures["generation_extraction_s"] > 0
    assert figures["teacher_forced_per_row_s"] > 0
    for key in ("", "_cpu"):
        assert 0 < figures[f"teacher_forced_vs_generation{key}"] < 10000
    assert 0 < figures["teacher_forced_per_row_vs_generation"] < 10000


def test_teacher_forced_speed_alternates_the_three_runs(
    tiny_engine: EmotiveEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each round runs forced, per-row and generated once, in that order; one step per run."""
    import emotive_agents.vectors.extract as extract
    import emotive_agents.vectors.teacher_forced as teacher_forced
    from emotive_agents.bench import teacher_forced_speed
    from emotive_agents.vectors.corpus import Reply, ReplyCorpus

    order: list[str] = []
    monkeypatch.setattr(
        teacher_forced,
        "extract_from_replies",
        lambda loaded, corpus, config: order.append("forced" if config.shared_prompt else "per_row"),
    )
    monkeypatch.setattr(extract, "extract_vectors", lambda *a, **k: order.append("generated"))
    rows = tuple(Reply(query="hi", emotion=e, response=f"{e} hi") for e in ("neutral", "joy"))
    steps: list[None] = []
    figures = teacher_forced_speed(
        tiny_engine,
        corpus=ReplyCorpus(rows=rows),
        prompts=EmotionPrompts(neutral="plain", emotions={"joy": "be joyful"}),
        repeats=3,
        step=lambda: steps.append(None),
    )
    assert order == ["forced", "per_row", "generated"] * 3
    assert len(steps) == 9
    assert figures["teacher_forced_queries"] == 1


def test_benchmark_reports_progress_per_timed_run(
    tiny_engine: EmotiveEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every timed run is one unit; the last report is total/total (start-up and router runs stubbed)."""
    import emotive_agents.monitor.bench as monitor_bench
    import emotive_agents.router.bench as router_bench

    class _Engine:
        @staticmethod
        def load(model: str) -> EmotiveEngine:
            return tiny_engine

    monkeypatch.setattr(bench, "EmotiveEngine", _Engine)
    monkeypatch.setattr(bench, "MIXES", ({"joy": 1.0}, {"anger": 0.5}, {"sadness": -0.5}))
    monkeypatch.setattr(
        bench,
        "_start_time",
        lambda model, cache, **_: {"import_s": 1.0, "transformers_s": 0.5, "load_s": 1.0, "reload_s": 1.0},
    )
    monkeypatch.setattr(
        router_bench, "router_overhead", lambda **_: {"ratio": 0.1, "ratio_with_tracker": 0.2}
    )
    monkeypatch.setattr(monitor_bench, "reply_reading_overhead", lambda **_: {"ratio": 0.01})
    progress: list[tuple[int, int]] = []
    report = run_benchmark(
        model="tiny",
        max_new_tokens=4,
        repeats=2,
        extraction=False,
        half_precision=False,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    # warm-up, 5 configurations x 2 repeats, mixed vs sequential, starts, router, reply reading, executor
    total = 1 + 5 * 2 + 2 + 2 + 1 + 1 + 1
    assert progress == [(i, total) for i in range(total + 1)]
    assert report["repeats"] == 2 and report["steered_tok_s_b8"] > 0
    assert report["executor_vs_hf_generate_b24"] > 0 and report["seeded_vs_greedy_b8"] > 0


def test_warm_start_is_the_median_start(monkeypatch: pytest.MonkeyPatch) -> None:
    totals = iter([5.0, 3.0, 4.0])

    def start(model: str, cache: str | None, script: str = bench._START_SCRIPT) -> dict[str, float]:
        assert cache is None  # warm: the user's cache
        if script == bench._STACK_SCRIPT:
            return {"transformers_s": 0.5}
        return {"import_s": 1.0, "load_s": next(totals), "reload_s": 0.2}

    monkeypatch.setattr(bench, "_start_time", start)
    warm = bench._warm_start("tiny", 3)
    assert (warm["load_s"], warm["transformers_s"]) == (4.0, 0.5)
