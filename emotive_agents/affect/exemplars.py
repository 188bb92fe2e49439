"""Nearest-exemplar reading: cosine similarity to hand-written sentences per label.

Needs no training data, so it covers the assistant-reply register that GoEmotions (Reddit) lacks, and a
user can add exemplars for their own domain. Score per label = mean of its top-k cosines to the text;
probabilities = softmax(score / temperature).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from emotive_agents.affect.embedding import TextEmbedder
from emotive_agents.affect.types import LABELS, AffectReading, reading

DEFAULT_EXEMPLARS = Path(__file__).resolve().parent.parent / "data" / "affect" / "exemplars.json"


def load_exemplars(path: str | Path = DEFAULT_EXEMPLARS) -> dict[str, list[str]]:
    """Label -> sentences, from a JSON file with an "exemplars" object (every label needed)."""
    data = json.loads(Path(path).read_text())
    exemplars = data.get("exemplars", data)
    missing = [label for label in LABELS if not exemplars.get(label)]
    if missing:
        raise ValueError(f"{path} has no exemplars for {missing}")
    return {label: list(exemplars[label]) for label in LABELS}


class ExemplarClassifier:
    """Softmax over each label's mean top-k cosine similarity to its exemplars."""

    def __init__(
        self,
        exemplars: Mapping[str, Sequence[str]] | str | Path | None = None,
        *,
        k: int = 5,
        temperature: float = 0.1,
        device: str = "cpu",
        embedder: TextEmbedder | None = None,
        name: str = "exemplars",
        bank: torch.Tensor | None = None,
    ) -> None:
        """`bank`: the exemplars' embeddings, precomputed with `embedder`, in LABELS order (optional)."""
        if k < 1 or temperature <= 0:
            raise ValueError("k must be >= 1 and temperature > 0")
        # A path is another exemplar file (e.g. the router's user-message set, data/router/exemplars.json).
        if exemplars is None or isinstance(exemplars, str | Path):
            exemplars = load_exemplars(DEFAULT_EXEMPLARS if exemplars is None else exemplars)
        missing = [label for label in LABELS if not exemplars.get(label)]
        if missing:
            raise ValueError(f"no exemplars for {missing}")
        if embedder is None:
            from emotive_agents.models.embeddings import default_embedder

            embedder = default_embedder(device)
        self.embedder, self.k, self.temperature, self.name = embedder, k, temperature, name
        texts = [t for label in LABELS for t in exemplars[label]]
        self._owner = torch.tensor([i for i, label in enumerate(LABELS) for _ in exemplars[label]])
        if bank is not None and tuple(bank.shape) != (len(texts), bank.shape[-1]):
            raise ValueError(f"bank has shape {tuple(bank.shape)}, expected {len(texts)} rows")
        self._bank = (embedder.embed(texts) if bank is None else bank).float()

    def scores(self, embeddings: torch.Tensor) -> torch.Tensor:
        """[n, 7] mean top-k cosine per label (embeddings are L2-normalised)."""
        sims = embeddings.float() @ self._bank.T  # [n, exemplars]
        out = torch.empty(sims.shape[0], len(LABELS))
        for i in range(len(LABELS)):
            own = sims[:, self._owner == i]
            out[:, i] = own.topk(min(self.k, own.shape[1]), dim=1).values.mean(1)
        return out

    def predict_embeddings(self, embeddings: torch.Tensor) -> list[AffectReading]:
        probs = torch.softmax(self.scores(embeddings) / self.temperature, dim=-1)
        return [reading(row) for row in probs.tolist()]

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        if not texts:
            return []
        return self.predict_embeddings(self.embedder.embed(list(texts)))
