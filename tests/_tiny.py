"""Builders for tiny in-process models, a character-level tokenizer and random emotion vectors.

Nothing here touches the network or the Hugging Face hub; every model is a few thousand parameters.
"""

from __future__ import annotations

import string
import threading
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<unk>")
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(4)
CHARS = tuple(c for c in string.printable if c not in "\t\r\x0b\x0c")
VOCAB = {token: i for i, token in enumerate((*SPECIAL_TOKENS, *CHARS))}
VOCAB_SIZE = len(VOCAB)
HIDDEN = 32
LLAMA_LAYERS = 3
GPT2_LAYERS = 2
CONTEXT = 256

# A chat template in the usual HF style (role markers, generation prompt).
SIMPLE_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def make_tokenizer(chat_template: str | None = None):
    """A character-level fast tokenizer: one token per printable ASCII character, plus 4 specials."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel(vocab=dict(VOCAB), unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    backend.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
        clean_up_tokenization_spaces=False,
    )
    tokenizer.chat_template = chat_template
    assert len(tokenizer) == VOCAB_SIZE
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id) == (PAD_ID, EOS_ID)
    return tokenizer


def _silence_special_tokens(head: torch.Tensor) -> None:
    """Zero the output rows of the special tokens: their logit is exactly 0 while the ~96 character logits
    are random around 0, so greedy decoding never ends early on <eos> (and never emits <pad>)."""
    with torch.no_grad():
        head[: len(SPECIAL_TOKENS)] = 0.0


def build_tiny_llama(seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=HIDDEN,
        intermediate_size=64,
        num_hidden_layers=LLAMA_LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=CONTEXT,
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
    )
    model = LlamaForCausalLM(config).eval()
    _silence_special_tokens(model.lm_head.weight)
    return model


def build_tiny_gpt2(seed: int = 0):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(
        n_layer=GPT2_LAYERS,
        n_embd=HIDDEN,
        n_head=4,
        vocab_size=VOCAB_SIZE,
        n_positions=CONTEXT,
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
    )
    model = GPT2LMHeadModel(config).eval()  # eval: GPT-2 has dropout
    _silence_special_tokens(model.lm_head.weight)  # tied to wte
    return model


def random_vectors(
    num_layers: int, emotions: Sequence[str] = ("joy", "anger", "sadness"), seed: int = 1, scale: float = 0.01
) -> dict[str, torch.Tensor]:
    """Random [layers, hidden] vectors. The default scale gives each layer a norm (~0.06) comparable to the
    tiny models' hidden states (~0.08): steering changes greedy outputs without swamping the prompt."""
    generator = torch.Generator().manual_seed(seed)
    return {name: torch.randn(num_layers, HIDDEN, generator=generator) * scale for name in emotions}


def hook_counts(model: nn.Module) -> dict[str, tuple[int, int]]:
    """Per module with any hook: (forward hooks, forward pre-hooks)."""
    counts = {}
    for name, module in model.named_modules():
        pair = (len(module._forward_hooks), len(module._forward_pre_hooks))
        if any(pair):
            counts[name] = pair
    return counts


def encode(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def left_pad(rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """input_ids, attention_mask and position_ids of left-padded rows (what generate would use)."""
    width = max(len(r) for r in rows)
    input_ids = torch.full((len(rows), width), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, width - len(row) :] = torch.tensor(list(row))
        mask[i, width - len(row) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp_min(0)
    return input_ids, mask, positions


class SlowForward:
    """Counts forward passes of a model and sleeps in each, to make generation observably slow."""

    def __init__(self, engine: Any, delay: float) -> None:
        self._model = engine.loaded.model
        self._delay = delay
        self._lock = threading.Lock()
        self.calls = 0

    def _hook(self, module: Any, args: Any) -> None:
        with self._lock:
            self.calls += 1
        time.sleep(self._delay)

    def __enter__(self) -> SlowForward:
        self._handle = self._model.register_forward_pre_hook(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.remove()


def save_tiny_model(path):
    """Write the tiny Llama and its tokenizer to `path`, a model directory the CLI can load."""
    build_tiny_llama().save_pretrained(path)
    make_tokenizer(SIMPLE_TEMPLATE).save_pretrained(path)
    return path


class PlantedTokens:
    """Forces a model's next token: forward i's last position picks `tokens[i % len]` (every row alike).

    Works on whatever decodes through the model (the executor's prefill and decode steps alike); `delay`
    sleeps per forward and `calls` counts them.
    """

    def __init__(self, model: nn.Module, tokens: Sequence[int], delay: float = 0.0) -> None:
        self._model = model
        self._tokens = list(tokens)
        self._delay = delay
        self.calls = 0

    def _hook(self, module: Any, args: Any, output: Any) -> Any:
        token = self._tokens[self.calls % len(self._tokens)]
        self.calls += 1
        if self._delay:
            time.sleep(self._delay)
        logits = output.logits
        planted = torch.full_like(logits[:, -1:], -1e4)
        planted[..., token] = 1e4
        output.logits = torch.cat((logits[:, :-1], planted), dim=1)
        return output

    def __enter__(self) -> PlantedTokens:
        self._handle = self._model.register_forward_hook(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.remove()
