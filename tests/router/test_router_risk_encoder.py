"""The risk encoder: the shared MiniLM's lower layers plus the shipped tuned top layers, offline."""

from __future__ import annotations

import pytest
import torch

from emotive_agents.errors import ModelLoadError
from emotive_agents.models.embeddings import default_embedder
from emotive_agents.router.risk_encoder import (
    ENCODER_FILE,
    LOW_RANK_A,
    RiskEncoder,
    compress_low_rank,
    expand_low_rank,
)
from emotive_agents.router.risk_semantic import HEAD_DIR, RiskHead, SemanticRiskScorer

TEXTS = ["I want to go home.", "A much longer sentence, with padding needed for the shorter one."]


def test_untuned_layers_reproduce_the_shared_embedder() -> None:
    base = default_embedder("cpu")
    own = {k: v.clone() for k, v in torch.nn.ModuleList(base.model.encoder.layer[-2:]).state_dict().items()}
    encoder = RiskEncoder(base, own, 2)
    assert torch.allclose(encoder.embed(TEXTS), base.embed(TEXTS), atol=1e-5)
    assert encoder.embed([]).shape == (0, 384)


def test_layers_that_do_not_fit_are_a_clear_error() -> None:
    base = default_embedder("cpu")
    with pytest.raises(ModelLoadError, match="do not fit"):
        RiskEncoder(base, {"0.nonsense": torch.zeros(1)}, 1)
    with pytest.raises(ModelLoadError, match="cannot tune"):
        RiskEncoder(base, {}, 7)
    with pytest.raises(ModelLoadError, match="SentenceEmbedder"):
        RiskEncoder(object(), {}, 1)


def test_the_shipped_head_brings_its_small_tuned_layers() -> None:
    head = RiskHead(HEAD_DIR)
    assert head.card.tuned_layers > 0 and head.tuned
    assert (HEAD_DIR / ENCODER_FILE).stat().st_size <= 5 * 2**20  # the project's flag for tracked files
    assert head.card.encoder_rank and any(k.endswith(LOW_RANK_A) for k in head.tuned)
    scorer = SemanticRiskScorer(head=head)
    assert isinstance(scorer.embedder, RiskEncoder)
    tuned = scorer.embedder.embed(TEXTS)
    assert tuned.shape == (2, 384) and not torch.allclose(tuned, default_embedder("cpu").embed(TEXTS))


def test_low_rank_deltas_are_exact_for_a_low_rank_change() -> None:
    g = torch.Generator().manual_seed(0)
    base = {"w": torch.randn(12, 8, generator=g), "v": torch.randn(8, generator=g)}
    change = torch.randn(12, 2, generator=g) @ torch.randn(2, 8, generator=g) * 0.01
    tuned = {"w": base["w"] + change, "v": base["v"] + 0.5}
    stored = compress_low_rank(base, tuned, 2)
    assert set(stored) == {"w.lowrank_a", "w.lowrank_b", "v"} and stored["w.lowrank_a"].shape == (2, 8)
    full = expand_low_rank(base, stored)
    assert torch.allclose(full["w"], tuned["w"], atol=1e-3) and torch.allclose(
        full["v"], tuned["v"], atol=1e-3
    )
    # a rank that does not save anything keeps the matrix whole
    assert set(compress_low_rank(base, tuned, 8)) == {"w", "v"}


def test_an_untuned_delta_reproduces_the_shared_embedder() -> None:
    base = default_embedder("cpu")
    own = torch.nn.ModuleList(base.model.encoder.layer[-2:]).state_dict()
    stored = compress_low_rank(own, {k: v.clone() for k, v in own.items()}, 4)
    encoder = RiskEncoder(base, stored, 2)
    assert torch.allclose(encoder.embed(TEXTS), base.embed(TEXTS), atol=1e-3)
