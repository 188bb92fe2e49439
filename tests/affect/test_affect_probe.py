"""The hidden-state probe: EV projections of the LM's own states, scoped hooks, a stored readout."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from emotive_agents.affect.probe import (
    HiddenStateProjector,
    ProbeCard,
    ProbeClassifier,
    default_probe_dir,
    fit_readout,
    save_probe,
)
from emotive_agents.affect.types import LABELS
from emotive_agents.errors import ModelLoadError

TEXTS = ["I am so happy today", "this is awful and I hate it", "what time is it", "I miss her so much"]


def _fit(engine, out: Path, weights_hash: str | None = None) -> ProbeCard:
    projector = HiddenStateProjector(engine, layers=[0, 1, 2])
    states = projector.mean_states(TEXTS)
    centre = states.mean(0)
    scale = (states - centre).norm(dim=-1).mean(0) / states.shape[-1] ** 0.5
    x = projector.project(states, centre, scale)
    y = torch.tensor([3, 0, 6, 4])
    weight, bias = fit_readout(x, y, weight_decay=0.0)
    card = ProbeCard(
        model_name=engine.loaded.name,
        weights_hash=weights_hash or engine.loaded.fingerprint.weights_hash,
        emotions=projector.emotions,
        layers=projector.layers,
    )
    save_probe(out, card, centre, scale, weight, bias)
    return card


def test_features_are_projections_on_unit_emotion_vectors(tiny_engine, assert_model_untouched) -> None:
    assert_model_untouched(tiny_engine.loaded)
    projector = HiddenStateProjector(tiny_engine, layers=[0, 2])
    states = projector.mean_states(TEXTS)
    assert states.shape == (len(TEXTS), 2, tiny_engine.loaded.hidden_size)
    centre, scale = torch.zeros(2, states.shape[-1]), torch.ones(2)
    feats = projector.project(states, centre, scale)
    emotions = [e for e in tiny_engine.vector_set.emotions if e != "base"]
    assert feats.shape == (len(TEXTS), len(emotions) * 2)
    ev = tiny_engine.vector_set.vectors[tiny_engine.vector_set.index(emotions[0]), 2]
    expected = states[1, 1] @ (ev / ev.norm())
    assert torch.allclose(feats[1].reshape(len(emotions), 2)[0, 1], expected, atol=1e-4)


def test_batching_does_not_change_the_states(tiny_engine) -> None:
    projector = HiddenStateProjector(tiny_engine, layers=[1], batch_size=1)
    one_by_one = projector.mean_states(TEXTS)
    projector.batch_size = 4
    assert torch.allclose(one_by_one, projector.mean_states(TEXTS), atol=1e-4)


def test_stored_probe_reads_its_training_texts(tiny_engine, tmp_path: Path) -> None:
    _fit(tiny_engine, tmp_path)
    probe = ProbeClassifier(tiny_engine, tmp_path)
    readings = probe.predict(TEXTS)
    assert [r.label for r in readings] == [LABELS[i] for i in (3, 0, 6, 4)]
    assert all(abs(sum(r.probabilities.values()) - 1) < 1e-4 for r in readings)
    assert probe.predict([]) == []


def test_probe_for_another_model_or_missing_is_refused(tiny_engine, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no hidden-state probe"):
        ProbeClassifier(tiny_engine, tmp_path / "nothing")
    _fit(tiny_engine, tmp_path, weights_hash="0" * 16)
    with pytest.raises(ModelLoadError, match="another model"):
        ProbeClassifier(tiny_engine, tmp_path)


def test_shipped_probe_is_small_and_carded() -> None:
    path = default_probe_dir("smollm2-135m")
    card = ProbeCard.model_validate_json((path / "card.json").read_text())
    assert (path / "probe.safetensors").stat().st_size < 200_000
    assert card.metrics["test"]["n"] >= 500 and "command" in card.metrics


@pytest.mark.integration
def test_shipped_probe_runs_on_the_embedded_model() -> None:
    from emotive_agents.engine import EmotiveEngine

    probe = ProbeClassifier(EmotiveEngine.load())
    readings = probe.predict(["I'm so happy, I passed!", "I'm terrified of the surgery."])
    assert all(set(r.probabilities) == set(LABELS) for r in readings)
