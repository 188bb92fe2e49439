"""The benchmark's extraction timing runs both configurations on the same work (tiny model)."""

from __future__ import annotations

from emotive_agents.bench import extraction_speed
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
    assert 0 < figures["teacher_forced_vs_generation"] < 10000
