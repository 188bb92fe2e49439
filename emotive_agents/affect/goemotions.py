"""Read the GoEmotions (Ekman mapping) TSVs: `text<TAB>label ids<TAB>comment id`, ids index labels.txt.

The data stays where the user keeps it (CC BY 4.0, Reddit text); nothing here copies it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from emotive_agents.affect.types import LABELS

SPLITS: tuple[str, ...] = ("train", "dev", "test")


class Example(BaseModel):
    """One comment with its gold labels (several when annotators disagreed or it mixes emotions)."""

    model_config = ConfigDict(frozen=True)

    text: str
    labels: tuple[str, ...]


def label_names(data_dir: str | Path) -> tuple[str, ...]:
    """The label of each id, from labels.txt; all must be ours (their order may differ)."""
    path = Path(data_dir) / "labels.txt"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: point --data at the goemotions_ekman folder")
    names = tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
    unknown = set(names) - set(LABELS)
    if unknown:
        raise ValueError(f"{path} has labels outside {LABELS}: {sorted(unknown)}")
    return names


def load_split(data_dir: str | Path, split: str) -> list[Example]:
    """All rows of `split` ('train', 'dev' or 'test')."""
    names = label_names(data_dir)
    path = Path(data_dir) / f"{split}.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (splits: {SPLITS})")
    out: list[Example] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 2:
                continue
            ids = [int(i) for i in row[1].split(",") if i.strip()]
            out.append(Example(text=row[0], labels=tuple(dict.fromkeys(names[i] for i in ids))))
    return out


def single_label(examples: Sequence[Example]) -> list[Example]:
    """Rows with one gold label: the ones where top-1 accuracy and macro-F1 are well defined."""
    return [e for e in examples if len(e.labels) == 1]
