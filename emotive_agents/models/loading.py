"""Load a causal LM and its tokenizer: the embedded SmolLM2 GGUF (converted once, cached) or any HF model."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from emotive_agents._startup import paused_gc
from emotive_agents.errors import ModelLoadError
from emotive_agents.models.cache import cache_problem, discard, write_manifest
from emotive_agents.models.checkpoint import ModelFingerprint
from emotive_agents.models.import_cache import import_transformers
from emotive_agents.models.layers import LayerLayout, find_layers
from emotive_agents.models.paths import (
    DEFAULT_MODEL,
    default_cache_dir,
    embedded_gguf_path,
    embedded_model_dir,
)

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass
class LoadedModel:
    """A model, its tokenizer and where its layers are; the unit the engine steers."""

    model: Any  # a transformers PreTrainedModel (typed loosely: transformers ships partial stubs)
    tokenizer: Any
    name: str
    layout: LayerLayout
    fingerprint: ModelFingerprint

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def hidden_size(self) -> int:
        return self.fingerprint.hidden_size

    @property
    def num_layers(self) -> int:
        return self.layout.num_layers

    @classmethod
    def from_hf(cls, model: Any, tokenizer: Any, name: str | None = None) -> LoadedModel:
        """Wrap a model the user already loaded; it is never modified (hooks are scoped to calls)."""
        layout = find_layers(model)
        fingerprint = fingerprint_model(model, layout, name or _model_name(model))
        return cls(model, tokenizer, fingerprint.name, layout, fingerprint)


def _model_name(model: Any) -> str:
    config = getattr(model, "config", None)
    return str(getattr(config, "_name_or_path", "") or type(model).__name__)


def _hidden_size(model: nn.Module) -> int:
    config = getattr(model, "config", None)
    text_config = getattr(config, "text_config", None) or config
    for attr in ("hidden_size", "n_embd", "d_model"):
        value = getattr(text_config, attr, None)
        if isinstance(value, int):
            return value
    raise ModelLoadError(f"Cannot read the hidden size of {type(model).__name__} from its config.")


def weights_hash(model: nn.Module, sample: int = 512) -> str:
    """A fast fingerprint of the weights: names, shapes and a head/tail sample of every tensor."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(f"{name}:{tuple(tensor.shape)};".encode())
        flat = tensor.detach().reshape(-1)
        picked = torch.cat([flat[:sample], flat[-sample:]]).to(device="cpu")
        # Hash at fp16 precision so that fp32 and fp16 loads of one checkpoint agree.
        digest.update(picked.to(torch.float16).view(torch.int16).numpy().tobytes())
    return digest.hexdigest()[:32]


def fingerprint_model(model: nn.Module, layout: LayerLayout, name: str) -> ModelFingerprint:
    config = getattr(model, "config", None)
    return ModelFingerprint(
        name=name,
        architecture=type(model).__name__,
        model_type=str(getattr(config, "model_type", "unknown")),
        hidden_size=_hidden_size(model),
        num_layers=layout.num_layers,
        weights_hash=weights_hash(model),
    )


def _convert_gguf(gguf: Path, target: Path) -> None:
    """Dequantise the GGUF once (~18 s) into plain safetensors that load in well under a second."""
    try:
        import_transformers()
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - transformers is a hard dependency
        raise ModelLoadError("transformers is required: pip install transformers") from exc
    for needed in ("gguf", "accelerate"):
        if importlib.util.find_spec(needed) is None:
            raise ModelLoadError(
                f"Converting the embedded GGUF model needs `{needed}`. Install it with: pip install {needed}"
            )
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    save_converted(model, tokenizer, target)


def save_converted(model: Any, tokenizer: Any, target: Path) -> None:
    """Write a converted copy atomically: staged beside `target`, manifest last, then renamed into place."""
    from safetensors.torch import save_file

    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = [type(model).__name__]  # lets `info` name it without loading it
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".convert-"))
    try:
        type(model.config).from_dict(config).save_pretrained(staging)
        tied = {"lm_head.weight"} if getattr(model.config, "tie_word_embeddings", False) else set()
        state = {k: v.contiguous() for k, v in model.state_dict().items() if k not in tied}
        save_file(state, str(staging / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_pretrained(staging)
        write_manifest(staging)  # last: its presence means the copy is complete
        if target.exists():  # another process won the race; keep its copy
            shutil.rmtree(staging)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def resolve_model_path(name_or_path: str, cache_dir: Path | None = None) -> str:
    """Map the embedded model's name to its cached converted copy (converting on first use)."""
    if name_or_path != DEFAULT_MODEL:
        return name_or_path
    target = embedded_model_dir(cache_dir)
    if cache_problem(target) is not None:
        discard(target)  # a partial or corrupt copy (ours, in the cache; the GGUF is never touched)
        _convert_gguf(embedded_gguf_path(), target)
    return str(target)


_TRUE = ("1", "true", "yes", "on")
HUB_PROBE_TIMEOUT_S = 3.0


def hub_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) as the hub client reads it, checked at call time."""
    return any(
        os.environ.get(name, "").strip().lower() in _TRUE
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _hub_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "huggingface.co"


def hub_reachable(timeout: float = HUB_PROBE_TIMEOUT_S) -> bool:
    """One TCP connect to the hub (or the HTTPS proxy): seconds, instead of the client's 5 retries."""
    import socket
    from urllib.parse import urlsplit

    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or os.environ.get("ALL_PROXY")
    target = urlsplit(proxy) if proxy else urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host = target.hostname or "huggingface.co"
    port = target.port or (443 if target.scheme in ("https", "") else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def hub_access(path: str) -> dict[str, Any]:
    """from_pretrained options for `path`: none for a local directory or a reachable hub; otherwise
    `local_files_only`, so an uncached id fails at once (the Hugging Face cache still serves)."""
    if Path(path).exists():
        return {}
    if hub_offline() or not hub_reachable():
        return {"local_files_only": True}
    return {}


def auto_dtype(device: str | torch.device = "cpu") -> torch.dtype:
    """What `dtype="auto"` loads: the fastest dtype of equal measured quality on `device`.

    CPU: float32. Half precision keeps the eval's emotion hit, distinct-2 and topic (docs/performance.md),
    but a CPU without native fp16/bf16 arithmetic (AVX2, as measured here) converts every weight back to
    fp32: batch-1 decode steps get 1.1-1.5x faster while prefills (5-10x) and batched steps (2-3x) get
    slower, so a whole turn is no faster and any batch is slower. CUDA: bfloat16 where the GPU has it,
    else float16 (the usual choice for tensor cores; not measured here). Other devices: float32.
    """
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _resolve_dtype(dtype: str | torch.dtype, device: str | torch.device = "cpu") -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        return auto_dtype(device)
    if dtype not in _DTYPES:
        raise ModelLoadError(f"Unknown dtype {dtype!r}; use one of {', '.join(_DTYPES)} or 'auto'.")
    return _DTYPES[dtype]


def load_model(
    name_or_path: str = DEFAULT_MODEL,
    *,
    dtype: str | torch.dtype = "float32",
    device: str | torch.device = "cpu",
    cache_dir: Path | None = None,
) -> LoadedModel:
    """Load the embedded model (by its name), an HF hub id or a local directory, ready to steer.

    `dtype` is float32, float16, bfloat16 or "auto" (`auto_dtype(device)`: float32 on CPU).
    """
    path = resolve_model_path(name_or_path, cache_dir)
    torch_dtype = _resolve_dtype(dtype, device)
    hub = hub_access(path)
    try:
        with paused_gc():  # millions of long-lived objects, next to no cyclic garbage (_startup.py)
            import_transformers()  # its lazy-module tables from the user cache (models/import_cache.py)
            from transformers import AutoModelForCausalLM, AutoTokenizer

            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype, **hub)
            tokenizer = AutoTokenizer.from_pretrained(path, **hub)
    except (OSError, ValueError) as exc:
        if hub:  # offline, or the hub is unreachable: say so instead of quoting the hub client
            why = "HF_HUB_OFFLINE is set" if hub_offline() else f"{_hub_host()} cannot be reached"
            raise ModelLoadError(
                f"Could not load model {name_or_path!r}: it is not a local directory, not in the Hugging "
                f"Face cache, and {why}. Pass a local model directory, the embedded model's name "
                f"{DEFAULT_MODEL!r}, or download the model once with network access."
            ) from exc
        raise ModelLoadError(
            f"Could not load model {name_or_path!r}: {exc}. Pass the embedded model's name "
            f"{DEFAULT_MODEL!r}, a Hugging Face model id (needs hub access) or a local model directory."
        ) from exc
    model = model.to(torch.device(device))  # type: ignore[arg-type]  # transformers types .to oddly
    model.eval()
    layout = find_layers(model)
    fingerprint = fingerprint_model(model, layout, name_or_path)
    if torch_dtype not in (torch.float32, torch.float16, torch.float64) and Path(path).is_dir():
        # The hash samples weights at fp16 precision, which a bf16 load no longer has: take it from the
        # checkpoint on disk instead (the same function of the stored weights), so vectors made on the
        # fp32 model still match.
        from emotive_agents.models.checkpoint import read_checkpoint

        stored = read_checkpoint(path).weights_hash
        if stored is not None:
            fingerprint = fingerprint.model_copy(update={"weights_hash": stored})
    return LoadedModel(model, tokenizer, name_or_path, layout, fingerprint)


__all__ = [
    "DEFAULT_MODEL",
    "LoadedModel",
    "ModelFingerprint",
    "auto_dtype",
    "default_cache_dir",
    "embedded_gguf_path",
    "fingerprint_model",
    "load_model",
    "resolve_model_path",
    "weights_hash",
]
