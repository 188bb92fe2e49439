"""The labelled user turns: the corpus, and the router's nearest-turn reader built from it.

`data/affect/user_turns.json` (CC0, written by hand for the project) holds labelled user messages in
two splits: 'train' (the router head's training rows and the nearest-turn reader's bank) and 'tune'
(settings and weights are chosen on it). Each row records its `source`: the project's own turns, or
the two burned blind reader sets (written by other sessions, no longer evaluation data), which are
train rows now because other writers' phrasings are what the reader missed.

The nearest-turn reader is an `ExemplarClassifier` whose exemplars are the train turns: many
real-sounding user phrasings per label, where the router's hand-picked exemplar file has about a
dozen. Embedding ~1,150 turns takes seconds on a CPU, so their
embeddings ship precomputed (`data/router/turn_bank.safetensors`, written by the lab trainer
`python -m benchmarks.affect_train_user`) and
are used when they match the corpus and the embedder; otherwise the bank is embedded at load.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors import safe_open
from safetensors.torch import save_file

from emotive_agents.affect.embedding import EMBEDDING_MODEL_ID
from emotive_agents.affect.exemplars import ExemplarClassifier
from emotive_agents.affect.types import LABELS
from emotive_agents.models.embeddings import TextEmbedder

_DATA = Path(__file__).resolve().parent.parent / "data"
USER_TURNS = _DATA / "affect" / "user_turns.json"
TURN_BANK = _DATA / "router" / "turn_bank.safetensors"
TURN_SPLITS: tuple[str, ...] = ("train", "tune")
BANK_SPLIT = "train"


class UserTurn(BaseModel):
    """One project-written user message with its label and the split it belongs to."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1)
    label: str
    split: str
    # Who wrote it: "project" (the corpus author), or a burned blind set used as training data now
    # (benchmarks/heldout*/; written by other sessions, docs/router.md "Third round").
    source: str = "project"

    def model_post_init(self, __context: object) -> None:
        if self.label not in LABELS:
            raise ValueError(f"label {self.label!r} is not one of {LABELS}")
        if self.split not in TURN_SPLITS:
            raise ValueError(f"split {self.split!r} is not one of {TURN_SPLITS}")


def load_user_turns(path: str | Path = USER_TURNS, split: str | None = None) -> list[UserTurn]:
    """The labelled user turns of `path` (all, or one split)."""
    rows = [UserTurn.model_validate(r) for r in json.loads(Path(path).read_text())["turns"]]
    return [r for r in rows if split is None or r.split == split]


def turn_exemplars(path: str | Path = USER_TURNS) -> dict[str, list[str]]:
    """Label -> the bank split's texts, in file order (the nearest-turn reader's exemplars)."""
    rows = load_user_turns(path, BANK_SPLIT)
    return {label: [r.text for r in rows if r.label == label] for label in LABELS}


def _digest(exemplars: dict[str, list[str]]) -> str:
    flat = [[label, t] for label in LABELS for t in exemplars[label]]
    return hashlib.sha256(json.dumps(flat, ensure_ascii=False).encode()).hexdigest()


def write_turn_bank(
    embedder: TextEmbedder, out: str | Path = TURN_BANK, path: str | Path = USER_TURNS
) -> int:
    """Embed the bank split with `embedder` and save it with the corpus digest; returns the row count."""
    exemplars = turn_exemplars(path)
    texts = [t for label in LABELS for t in exemplars[label]]
    emb = embedder.embed(texts).float().half().contiguous()
    meta = {"texts_sha256": _digest(exemplars), "embedding_model": EMBEDDING_MODEL_ID}
    save_file({"embeddings": emb}, str(out), metadata=meta)
    return len(texts)


def _shipped_bank(
    exemplars: dict[str, list[str]], embedder: TextEmbedder, bank_file: Path
) -> torch.Tensor | None:
    """The precomputed bank when it matches the corpus and `embedder` (two rows are re-embedded)."""
    if not bank_file.is_file():
        return None
    with safe_open(str(bank_file), framework="pt") as f:
        meta = f.metadata() or {}
        emb = f.get_tensor("embeddings").float()
    if meta.get("texts_sha256") != _digest(exemplars) or emb.shape[0] != sum(map(len, exemplars.values())):
        return None
    texts = [t for label in LABELS for t in exemplars[label]]
    probe = [0, len(texts) - 1]
    fresh = embedder.embed([texts[i] for i in probe]).float()
    if fresh.shape[-1] != emb.shape[-1] or (fresh * emb[probe]).sum(-1).min() < 0.995:
        return None  # another embedder: its space is not the bank's
    return emb


def turn_reader(
    embedder: TextEmbedder,
    *,
    path: str | Path = USER_TURNS,
    bank_file: str | Path = TURN_BANK,
    k: int = 5,
    temperature: float = 0.1,
    name: str = "user-turns",
) -> ExemplarClassifier:
    """Nearest project-written user turns (mean top-k cosine per label), with the shipped bank if valid."""
    exemplars = turn_exemplars(path)
    bank = _shipped_bank(exemplars, embedder, Path(bank_file))
    return ExemplarClassifier(
        exemplars, k=k, temperature=temperature, embedder=embedder, name=name, bank=bank
    )
