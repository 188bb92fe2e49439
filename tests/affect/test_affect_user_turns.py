"""The user-turn corpus module and the nearest-turn reader: its shipped bank is used only when valid."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from emotive_agents.affect.exemplars import ExemplarClassifier
from emotive_agents.affect.types import LABELS
from emotive_agents.affect.user_turns import (
    TURN_BANK,
    load_user_turns,
    turn_exemplars,
    turn_reader,
    write_turn_bank,
)


class HashEmbedder:
    """Deterministic unit vectors per text; `salt` makes a second, incompatible embedding space."""

    def __init__(self, salt: int = 0) -> None:
        self.salt, self.calls = salt, 0

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        self.calls += len(texts)
        rows = []
        for t in texts:
            g = torch.Generator().manual_seed(hash((t, self.salt)) % (2**31))
            rows.append(torch.randn(16, generator=g))
        return torch.nn.functional.normalize(torch.stack(rows), dim=-1)


def _corpus(tmp_path: Path, extra: str = "") -> Path:
    turns = [
        {"text": f"{label} turn {i}{extra}", "label": label, "split": "train"}
        for label in LABELS
        for i in range(3)
    ]
    turns.append({"text": "a tune row", "label": "joy", "split": "tune"})
    path = tmp_path / "turns.json"
    path.write_text(json.dumps({"turns": turns}))
    return path


def test_exemplars_are_the_train_split_only(tmp_path: Path) -> None:
    exemplars = turn_exemplars(_corpus(tmp_path))
    assert all(len(exemplars[label]) == 3 for label in LABELS)
    assert "a tune row" not in {t for v in exemplars.values() for t in v}


def test_a_valid_bank_is_used_and_a_stale_or_foreign_one_is_not(tmp_path: Path) -> None:
    corpus, bank = _corpus(tmp_path), tmp_path / "bank.safetensors"
    assert write_turn_bank(HashEmbedder(), bank, corpus) == 3 * len(LABELS)
    same = HashEmbedder()
    reader = turn_reader(same, path=corpus, bank_file=bank)
    assert same.calls == 2  # only the two probe rows are re-embedded
    fresh = ExemplarClassifier(turn_exemplars(corpus), embedder=HashEmbedder())
    assert torch.allclose(reader._bank, fresh._bank, atol=1e-2)
    foreign = HashEmbedder(salt=1)
    turn_reader(foreign, path=corpus, bank_file=bank)
    assert foreign.calls == 2 + 3 * len(LABELS)  # probe failed: the bank is embedded afresh
    stale = HashEmbedder()
    turn_reader(stale, path=_corpus(tmp_path, extra="!"), bank_file=bank)
    assert stale.calls == 3 * len(LABELS)  # the corpus changed: the digest does not match


def test_a_bank_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="bank"):
        ExemplarClassifier(
            {label: ["x", "y"] for label in LABELS}, embedder=HashEmbedder(), bank=torch.zeros(3, 16)
        )


def test_the_shipped_bank_matches_the_corpus_and_the_minilm_embedder() -> None:
    from emotive_agents.models.embeddings import default_embedder

    embedder = default_embedder("cpu")
    reader = turn_reader(embedder)
    rows = load_user_turns(split="train")
    assert TURN_BANK.is_file() and reader._bank.shape[0] == len(rows)
    exemplars = turn_exemplars()
    texts = [t for label in LABELS for t in exemplars[label]]
    sample = [0, len(texts) // 2, len(texts) - 1]
    again = embedder.embed([texts[i] for i in sample])
    assert (again * reader._bank[sample]).sum(-1).min() > 0.995


def test_burned_blind_rows_are_train_rows_that_name_their_source() -> None:
    """The two burned blind reader sets are training data now (docs/router.md, "Third round"): their
    rows are labelled as in the set they came from, train only, and no project row repeats one."""
    root = Path(__file__).resolve().parents[2]
    rows = load_user_turns()
    sources = {"heldout1-reader": "benchmarks/heldout", "heldout2-reader": "benchmarks/heldout2"}
    assert {r.source for r in rows} == {"project", *sources}
    for source, folder in sources.items():
        blind = {}
        for line in (root / folder / "reader" / "user_turns.jsonl").read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                blind[row["text"]] = row["label"]
        ours = [r for r in rows if r.source == source]
        assert ours and all(r.split == "train" and blind.get(r.text) == r.label for r in ours)
    burned = {r.text.lower() for r in rows if r.source != "project"}
    assert not [r.text for r in rows if r.source == "project" and r.text.lower() in burned]
