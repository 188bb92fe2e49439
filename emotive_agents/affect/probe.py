"""Read the user's emotion from the steered LM's own hidden states, through the emotion vectors.

The paper's Fisher-direction argument: an emotion vector is the mean shift between emotional and neutral
activations, i.e. a discriminant direction for that emotion. So projecting a text's mean hidden state
(per layer, centred) onto each layer's unit EV gives emotion evidence without any extra model. A small
multinomial logistic readout (a few hundred weights) maps those projections to LABELS; it is fitted
once per model + vector set on GoEmotions (`python -m benchmarks.affect_probe_fit ...`) and stored
with the model fingerprint, so it refuses to run on another model.

Hidden states are captured with forward hooks that live only for one call (the model is never changed),
and the forward stops after the last probed layer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors.torch import load_file, save_file

from emotive_agents.affect.types import LABELS, AffectReading, reading
from emotive_agents.errors import ModelLoadError
from emotive_agents.vectors.recipe import HookPoint
from emotive_agents.vectors.record import Recorder

PROBE_DIR = Path(__file__).resolve().parent.parent / "data" / "affect" / "probe"
WEIGHTS_FILE = "probe.safetensors"
CARD_FILE = "card.json"


class ProbeCard(BaseModel):
    """What the readout was fitted for and how well it does."""

    model_config = ConfigDict(frozen=True)

    format_version: int = 1
    labels: tuple[str, ...] = LABELS
    model_name: str
    weights_hash: str
    emotions: tuple[str, ...]  # EVs projected on, in feature order
    layers: tuple[int, ...]  # layers probed, in feature order
    max_tokens: int = 64
    temperature: float = Field(default=1.0, gt=0.0)
    data: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)


def default_probe_dir(model_name: str) -> Path:
    safe = model_name.replace("/", "--").lower()
    return PROBE_DIR / safe


class HiddenStateProjector:
    """Per-layer mean hidden states of texts projected onto the unit emotion vectors: [n, E * L] features."""

    def __init__(
        self,
        engine: Any,
        emotions: Sequence[str] | None = None,
        layers: Sequence[int] | None = None,
        *,
        max_tokens: int = 64,
        batch_size: int = 16,
    ) -> None:
        vs = engine.vector_set
        if vs is None:
            raise ModelLoadError("the hidden-state probe needs an engine with a vector set")
        self.loaded = engine.loaded
        self.emotions = tuple(emotions or [e for e in vs.emotions if e != "base"])
        n_layers = self.loaded.num_layers
        self.layers = tuple(layers if layers is not None else range(n_layers))
        bank = torch.stack([vs.vectors[vs.index(e)] for e in self.emotions])  # [E, L, d]
        bank = bank[:, list(self.layers)].float()
        self.directions = bank / bank.norm(dim=-1, keepdim=True).clamp_min(1e-8)  # [E, L', d]
        self.max_tokens = max_tokens
        self.batch_size = batch_size

    @torch.inference_mode()
    def mean_states(self, texts: Sequence[str]) -> torch.Tensor:
        """[n, L', d] mean over tokens of each probed layer's output."""
        tokenizer, model, layout = self.loaded.tokenizer, self.loaded.model, self.loaded.layout
        device = self.loaded.device
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            # Right padding by hand (pad id 0, masked out): positions match unpadded runs on any tokenizer.
            ids = [tokenizer(t, truncation=True, max_length=self.max_tokens)["input_ids"] for t in batch]
            width = max(len(i) for i in ids)
            input_ids = torch.zeros(len(ids), width, dtype=torch.long)
            mask = torch.zeros(len(ids), width, dtype=torch.long)
            for row, seq in enumerate(ids):
                input_ids[row, : len(seq)] = torch.tensor(seq)
                mask[row, : len(seq)] = 1
            # Layer outputs, recorded until the deepest probed layer (later layers are not run).
            with Recorder(model, layout, self.layers, HookPoint.RESIDUAL, stop_after_last=True) as recorder:
                recorder.run(input_ids=input_ids.to(device), attention_mask=mask.to(device), use_cache=False)
            captured = recorder.states
            m = mask.to(device).unsqueeze(-1).float()
            states = torch.stack([(captured[i] * m).sum(1) / m.sum(1).clamp_min(1.0) for i in self.layers], 1)
            out.append(states.cpu())
        return torch.cat(out) if out else torch.zeros(0, len(self.layers), self.loaded.hidden_size)

    def project(self, states: torch.Tensor, centre: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """[n, E * L'] projections of centred states onto the unit EVs, per-layer standardised."""
        centred = (states - centre) / scale.unsqueeze(-1)  # [n, L', d]
        return torch.einsum("nld,eld->nel", centred, self.directions).reshape(states.shape[0], -1)


class ProbeClassifier:
    """Emotion reader on the steered LM's hidden states (see module docstring)."""

    def __init__(self, engine: Any, probe_dir: str | Path | None = None, *, name: str = "ev-probe") -> None:
        loaded = engine.loaded
        probe_dir = Path(probe_dir) if probe_dir is not None else default_probe_dir(loaded.name)
        weights, card_path = probe_dir / WEIGHTS_FILE, probe_dir / CARD_FILE
        if not weights.is_file() or not card_path.is_file():
            raise ModelLoadError(
                f"no hidden-state probe fitted for {loaded.name!r} in {probe_dir}; fit one (from a source "
                "checkout) with: python -m benchmarks.affect_probe_fit --data ../shared/data/goemotions_ekman"
            )
        self.card = ProbeCard.model_validate(json.loads(card_path.read_text()))
        if self.card.weights_hash != loaded.fingerprint.weights_hash:
            raise ModelLoadError(
                f"the probe in {probe_dir} was fitted for another model ({self.card.model_name})"
            )
        tensors = load_file(str(weights))
        self.projector = HiddenStateProjector(
            engine, self.card.emotions, self.card.layers, max_tokens=self.card.max_tokens
        )
        self.centre, self.scale = tensors["centre"], tensors["scale"]
        self.weight, self.bias = tensors["weight"], tensors["bias"]
        self._order = [self.card.labels.index(label) for label in LABELS]
        self.name = name

    def features(self, texts: Sequence[str]) -> torch.Tensor:
        return self.projector.project(self.projector.mean_states(texts), self.centre, self.scale)

    def probabilities(self, features: torch.Tensor) -> torch.Tensor:
        logits = (features @ self.weight.T + self.bias) / self.card.temperature
        return torch.softmax(logits, -1)[:, self._order]

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        if not texts:
            return []
        return [reading(row) for row in self.probabilities(self.features(texts)).tolist()]


def save_probe(
    out: Path,
    card: ProbeCard,
    centre: torch.Tensor,
    scale: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
) -> None:
    """Write probe.safetensors (centre [L', d], scale [L'], weight [7, E*L'], bias [7]) and card.json."""
    out.mkdir(parents=True, exist_ok=True)
    tensors = {"centre": centre, "scale": scale, "weight": weight, "bias": bias}
    save_file({k: v.float().contiguous() for k, v in tensors.items()}, str(out / WEIGHTS_FILE))
    (out / WEIGHTS_FILE).chmod(0o644)
    (out / CARD_FILE).write_text(json.dumps(card.model_dump(mode="json"), indent=2) + "\n")


def fit_readout(
    x: torch.Tensor, y: torch.Tensor, *, weight_decay: float = 1e-3, power: float = 0.5, steps: int = 300
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-weighted multinomial logistic regression (LBFGS); y holds label indices."""
    counts = torch.bincount(y, minlength=len(LABELS)).float().clamp_min(1.0)
    w_cls = (counts.sum() / (len(LABELS) * counts)) ** power
    w_cls = w_cls / w_cls[y].mean()
    weight = torch.zeros(len(LABELS), x.shape[1], requires_grad=True)
    bias = torch.zeros(len(LABELS), requires_grad=True)
    opt = torch.optim.LBFGS([weight, bias], lr=0.5, max_iter=steps)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight.T + bias, y, weight=w_cls)
        loss = loss + weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return weight.detach(), bias.detach()
