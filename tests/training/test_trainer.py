"""Trained vectors on a tiny model: they recover a planted direction and make ordinary vector sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from _tiny import SIMPLE_TEMPLATE, SPECIAL_TOKENS, build_tiny_llama, encode, make_tokenizer

from emotive_agents.engine import EmotiveEngine
from emotive_agents.errors import VectorSetError
from emotive_agents.models.loading import LoadedModel
from emotive_agents.training.trainer import TrainConfig, _kl, _Reference, train_vectors
from emotive_agents.vectors.corpus import Reply, ReplyCorpus
from emotive_agents.vectors.store import load_vector_set, save_vector_set

QUERIES = [f"question {i}?" for i in range(8)]


def _planted_model() -> tuple[LoadedModel, torch.Tensor, int]:
    """A tiny Llama whose output row for 'z' points along a hidden direction u that no other token's
    row has any component on: the continuation 'zzzz' is reachable only by moving along u."""
    tokenizer = make_tokenizer(SIMPLE_TEMPLATE)
    model = build_tiny_llama(seed=5)
    z = encode(tokenizer, "z")[0]
    u = torch.randn(model.config.hidden_size, generator=torch.Generator().manual_seed(11))
    u = u / u.norm()
    with torch.no_grad():
        head = model.lm_head.weight
        head -= (head @ u)[:, None] * u[None, :]  # no other token sees u
        head[z] = 0.6 * u
        head[: len(SPECIAL_TOKENS)] = 0.0
    return LoadedModel.from_hf(model, tokenizer, name="planted"), u, z


def _corpus() -> ReplyCorpus:
    rows = []
    for query in QUERIES:
        rows.append(Reply(query=query, emotion="neutral", response="a plain answer"))
        rows.append(Reply(query=query, emotion="joy", response="zzzzzzzz"))
    return ReplyCorpus(rows=tuple(rows), source="planted")


def _planted_config(layer: int, **overrides: object) -> TrainConfig:
    """The planted-direction tests' shared settings: one layer, joy only, no KL, early stopping on."""
    settings: dict[str, object] = {
        "emotions": ("joy",),
        "layers": (layer,),
        "lr": 0.05,
        "steps": 60,
        "batch_size": 4,
        "kl_weight": 0.0,
        "holdout": 0.25,
        "eval_every": 20,
        "patience": 3,
    }
    return TrainConfig(**(settings | overrides))  # type: ignore[arg-type]


def test_trained_vector_recovers_the_planted_direction(tmp_path: Path) -> None:
    loaded, u, _ = _planted_model()
    last = loaded.num_layers - 1
    config = _planted_config(last, steps=120, eval_every=40)
    vector_set = train_vectors(loaded, _corpus(), config)
    trained = vector_set["joy"].tensor
    assert torch.cosine_similarity(trained[last], u, dim=0) > 0.9
    assert trained[:last].abs().max() == 0  # nothing outside the band
    assert all(p.requires_grad for p in loaded.model.parameters())  # the model is handed back as it was
    # An ordinary vector set: saved, reloaded and applied by the engine, it writes the planted text.
    path = save_vector_set(vector_set, tmp_path / "trained")
    reloaded = load_vector_set(path, model=loaded.fingerprint)
    meta = reloaded.metadata
    assert meta.created["method"] == "trained" and meta.pooling == "trained"
    assert meta.created["layers"] == [last] and meta.created["lr"] == 0.05
    assert meta.recipe.layers == (last,)
    assert torch.equal(reloaded.vectors, vector_set.vectors)
    engine = EmotiveEngine(loaded, reloaded)
    plain = engine.generate("question 1?", max_new_tokens=6).text
    steered = engine.generate("question 1?", {"joy": 1.0}, max_new_tokens=6).text
    assert steered == "zzzzzz" and plain != steered
    report = meta.created["training"]["joy"]
    assert report["held_out_replies"] == 2 and report["train_replies"] == 6
    losses = [h["held_out"] for h in report["history"]]
    assert report["best_held_out"] == min(losses) < losses[0]


def test_per_layer_vectors_and_the_kl_term(tmp_path: Path) -> None:
    loaded, _, _ = _planted_model()
    config = TrainConfig(emotions=("joy",), layers=(1, 2), shared=False, steps=6, batch_size=2, eval_every=3)
    vector_set = train_vectors(loaded, _corpus(), config, on_progress=lambda d, t: None)
    trained = vector_set["joy"].tensor
    assert not torch.allclose(trained[1], trained[2])  # one vector per layer
    assert trained[0].abs().max() == 0
    assert vector_set.metadata.created["kl_weight"] == 0.5


def test_bad_settings_are_refused() -> None:
    loaded, _, _ = _planted_model()
    with pytest.raises(VectorSetError, match="no replies for: anger"):
        train_vectors(loaded, _corpus(), TrainConfig(emotions=("anger",), layers=(2,)))
    with pytest.raises(VectorSetError, match=r"layers \[9\] do not exist"):
        train_vectors(loaded, _corpus(), TrainConfig(emotions=("joy",), layers=(9,)))
    with pytest.raises(ValueError, match="reference condition"):
        TrainConfig(emotions=("neutral",))


def test_the_contrast_term_alone_finds_the_planted_direction() -> None:
    """With the NLL weighted out by a large contrast weight, the margin over the same query's neutral
    reply still pulls the vector along u (the only way to favour 'z' over the plain answer)."""
    loaded, u, _ = _planted_model()
    last = loaded.num_layers - 1
    config = _planted_config(last, contrast_weight=20.0)
    vector_set = train_vectors(loaded, _corpus(), config)
    assert torch.cosine_similarity(vector_set["joy"].tensor[last], u, dim=0) > 0.8
    meta = vector_set.metadata.created
    assert meta["contrast_weight"] == 20.0 and meta["contrast_beta"] == 2.0
    losses = [h["held_out"] for h in meta["training"]["joy"]["history"]]
    assert meta["training"]["joy"]["best_held_out"] == min(losses) < losses[0]


def test_bidirectional_training_finds_the_direction_and_suppresses_with_minus_one() -> None:
    """BiPO's two signs: +v must favour 'z' over the plain answer and -v the plain answer over 'z'."""
    loaded, u, _ = _planted_model()
    last = loaded.num_layers - 1
    config = _planted_config(last, contrast_weight=20.0, bidirectional=True, nll_weight=0.0)
    vector_set = train_vectors(loaded, _corpus(), config)
    assert torch.cosine_similarity(vector_set["joy"].tensor[last], u, dim=0) > 0.8
    created = vector_set.metadata.created
    assert created["bidirectional"] is True and created["nll_weight"] == 0.0
    engine = EmotiveEngine(loaded, vector_set)
    plain = engine.generate("question 1?", max_new_tokens=6).text
    suppressed = engine.generate("question 1?", {"joy": -1.0}, max_new_tokens=6).text
    assert "z" in plain and "z" not in suppressed  # -1.0 removes the planted token
    assert engine.generate("question 1?", {"joy": 1.0}, max_new_tokens=6).text == "zzzzzz"


def test_the_kl_term_can_skip_the_reply_opener() -> None:
    """`kl_skip` N scores only positions N.. of each neutral reply (all of it when it is shorter)."""
    torch.manual_seed(0)
    ref_lp = torch.log_softmax(torch.randn(5, 7), -1)
    values, indices = ref_lp.topk(7, dim=-1)
    steered = torch.log_softmax(torch.randn(5, 7), -1)
    per_position = (ref_lp.exp() * (ref_lp - steered)).sum(-1)
    ref = _Reference(values, indices)
    assert torch.allclose(_kl([steered], [ref]), per_position.mean())
    assert torch.allclose(_kl([steered], [ref], skip=2), per_position[2:].mean())
    assert torch.allclose(_kl([steered], [ref], skip=9), per_position.mean())


def test_bidirectional_needs_the_contrast_and_something_must_be_trained() -> None:
    with pytest.raises(ValueError, match="needs the contrast"):
        TrainConfig(emotions=("joy",), bidirectional=True)
    with pytest.raises(ValueError, match="nothing to train"):
        TrainConfig(emotions=("joy",), nll_weight=0.0)
