"""The semantic layer of the risk detector: MiniLM sentence embeddings read by a small trained head.

Patterns fail on every wording nobody wrote down; the head reads meaning instead. It is a multinomial
logistic regression over the risk categories plus "none" (weights in `data/router/risk_head/`,
trained by `python -m emotive_agents.router.train_risk` on the project-written risk corpus), applied to
the message, each sentence and each pair of adjacent sentences (`risk.units`), so a risk sentence at the
end of a refund request still counts. Its alarm threshold was chosen on the corpus's tune split for
recall first (the card records it). Scores are cached per text.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict

from emotive_agents.errors import ModelLoadError
from emotive_agents.models.embeddings import TextEmbedder

HEAD_DIR = Path(__file__).resolve().parent.parent / "data" / "router" / "risk_head"
FLAG_HEAD_DIR = HEAD_DIR.parent / "risk_flag_head"  # flags single turns (crisis.py, round 6b)
HEAD_FILE = "head.safetensors"
CARD_FILE = "card.json"
_CACHE_SIZE = 4096


class RiskHeadCard(BaseModel):
    """What the head was trained on and the thresholds chosen on the tune split."""

    model_config = ConfigDict(extra="allow")

    classes: tuple[str, ...]  # "none" first, then the categories
    threshold: float  # a unit scoring at least this (1 - p(none)) raises the alarm
    context_threshold: float  # the same for the last few user turns read together
    turn_floor: float  # a turn must reach this itself for the context to count
    accumulate_decay: float  # conversation risk: level = decay * level + turn score
    accumulate_threshold: float
    accumulate_floor: float  # turn scores under this do not add to the level
    tuned_layers: int = 0  # top MiniLM layers fine-tuned with the head (0: the shared embedder as is)
    encoder_rank: int | None = None  # the tuned layers ship as rank-r deltas from MiniLM (None: in full)


class RiskHead:
    """Linear head over sentence embeddings: probabilities over `card.classes`."""

    def __init__(self, directory: str | Path = HEAD_DIR) -> None:
        from safetensors.torch import load_file

        directory = Path(directory)
        try:
            tensors = load_file(str(directory / HEAD_FILE))
            self.card = RiskHeadCard.model_validate_json((directory / CARD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot load the risk head from {directory}: {exc}") from exc
        self.weight = tensors["weight"].float()
        self.bias = tensors["bias"].float()
        if self.weight.shape[0] != len(self.card.classes):
            raise ModelLoadError(f"{directory}: head has {self.weight.shape[0]} rows for {self.card.classes}")
        self.tuned: dict[str, torch.Tensor] = {}
        if self.card.tuned_layers > 0:
            from emotive_agents.router.risk_encoder import load_tuned_layers

            self.tuned = load_tuned_layers(directory)

    def probabilities(self, embeddings: torch.Tensor) -> torch.Tensor:
        return torch.softmax(embeddings @ self.weight.T + self.bias, dim=-1)


class UnitScore(BaseModel):
    """The head's reading of one text: risk score (1 - p(none)) and the most likely category."""

    model_config = ConfigDict(frozen=True)

    score: float
    category: str


class SemanticRiskScorer:
    """Scores texts with MiniLM + the risk head; thread-safe, caches the last few thousand texts.

    A head trained with tuned top layers (`card.tuned_layers`) reads the `RiskEncoder` built on the
    given embedder (the shared MiniLM by default); an embedder that is not a MiniLM `SentenceEmbedder`
    (a deployer's own, a test stand-in) is used as it is.
    """

    def __init__(
        self, *, embedder: TextEmbedder | None = None, head: RiskHead | None = None, device: str = "cpu"
    ) -> None:
        self._base = embedder
        self._embedder: TextEmbedder | None = None
        self.device = device
        self.head = head or RiskHead()
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, UnitScore] = OrderedDict()

    @property
    def embedder(self) -> TextEmbedder:
        with self._lock:
            if self._embedder is None:
                base = self._base
                if base is None:
                    from emotive_agents.models.embeddings import default_embedder

                    base = default_embedder(self.device)
                if self.head.card.tuned_layers > 0 and hasattr(base, "model") and hasattr(base, "tokenizer"):
                    from emotive_agents.router.risk_encoder import RiskEncoder

                    base = RiskEncoder(base, self.head.tuned, self.head.card.tuned_layers)
                self._embedder = base
            return self._embedder

    @property
    def card(self) -> RiskHeadCard:
        return self.head.card

    def score(self, texts: Sequence[str]) -> list[UnitScore]:
        """One UnitScore per text, embedding only the texts not cached (in one batch)."""
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            probs = self.head.probabilities(self.embedder.embed(missing))
            classes = self.card.classes
            for text, row in zip(missing, probs, strict=True):
                best = int(row[1:].argmax()) + 1
                known[text] = UnitScore(score=float(1.0 - row[0]), category=classes[best])
            with self._lock:
                self._cache.update((t, known[t]) for t in missing)
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [known[t] for t in texts]


def write_head(
    directory: Path,
    weight: torch.Tensor,
    bias: torch.Tensor,
    card: dict[str, Any],
    tuned: torch.nn.ModuleList | None = None,
    base: dict[str, torch.Tensor] | None = None,
    rank: int | None = None,
) -> None:
    """Save a trained head, and the tuned top layers when there are (used by the training script):
    as rank-`rank` deltas from MiniLM's own layers `base` when both are given."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    if tuned is not None:
        from emotive_agents.router.risk_encoder import write_tuned_layers

        write_tuned_layers(directory, tuned, base, rank)
        card = {**card, "tuned_layers": len(tuned), "encoder_rank": rank}
    save_file({"weight": weight.contiguous(), "bias": bias.contiguous()}, str(directory / HEAD_FILE))
    RiskHeadCard.model_validate(card)
    (directory / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
