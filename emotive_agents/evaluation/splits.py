"""Fixed, seeded dev/test splits: recipes and calibration are chosen on dev, results reported on test.

EmotionQuery+ is shuffled within each of its blocks (50 per emotion, then 150 neutral) with one
seed; dev takes the first `dev` queries of each block, test the next `test`, so the two never share
a query and both keep every category. Dev also gets project-written queries from the held-out half
of the extraction queries (everyday requests), so calibration sees both kinds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from emotive_agents.vectors.queries import (
    DEFAULT_QUERIES,
    EMOTION_QUERY_PLUS_BLOCKS,
    Query,
    label_blocks,
    load_queries,
)

SEED = 14


class SplitSizes(BaseModel):
    """Queries per EmotionQuery+ block in each split, and project queries added to dev."""

    model_config = ConfigDict(frozen=True)

    dev_per_emotion: int = 4
    dev_neutral: int = 10
    test_per_emotion: int = 12
    test_neutral: int = 40
    dev_project: int = 10


def emotionquery_splits(
    queries: Sequence[Query], sizes: SplitSizes = SplitSizes(), seed: int = SEED
) -> dict[str, list[Query]]:
    """{"dev": [...], "test": [...]} from the 400 EmotionQuery+ queries (labelled by block here)."""
    labelled = label_blocks(list(queries), EMOTION_QUERY_PLUS_BLOCKS)
    out: dict[str, list[Query]] = {"dev": [], "test": []}
    start = 0
    for name, size in EMOTION_QUERY_PLUS_BLOCKS:
        block = labelled[start : start + size]
        start += size
        order = random.Random(f"{seed}:{name}").sample(range(size), size)
        dev_n = sizes.dev_neutral if name == "neutral" else sizes.dev_per_emotion
        test_n = sizes.test_neutral if name == "neutral" else sizes.test_per_emotion
        if dev_n + test_n > size:
            raise ValueError(f"block {name!r} has {size} queries; dev {dev_n} + test {test_n} do not fit")
        out["dev"] += [block[i] for i in sorted(order[:dev_n])]
        out["test"] += [block[i] for i in sorted(order[dev_n : dev_n + test_n])]
    return out


def project_dev_queries(count: int, seed: int = SEED) -> list[Query]:
    """`count` project queries from the half of extraction_queries.json that extraction never used."""
    held_out = load_queries(DEFAULT_QUERIES)
    held_out = held_out[len(held_out) // 2 :]
    order = random.Random(f"{seed}:project").sample(range(len(held_out)), min(count, len(held_out)))
    return [held_out[i] for i in sorted(order)]


def make_splits(
    emotionquery: Sequence[Query], sizes: SplitSizes = SplitSizes(), seed: int = SEED
) -> dict[str, list[Query]]:
    """The project's dev split (EmotionQuery+ dev + project queries) and test split (EmotionQuery+)."""
    splits = emotionquery_splits(emotionquery, sizes, seed)
    splits["dev"] += project_dev_queries(sizes.dev_project, seed)
    return splits
