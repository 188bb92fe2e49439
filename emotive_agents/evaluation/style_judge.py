"""The style judge: reads calm, encouraging and patient replies, which the emotion judge has no labels for.

The router's policies are mostly made of these styles, so the eval table must measure them. A small
linear head on MiniLM embeddings of the whole reply, its first sentence and its last sentence (where an
assistant's style mostly shows; the whole-reply embedding alone is dominated by the topic) plus lexical
cues of pace, reassurance and repetition tolerance (style_cues.py), trained on the reply corpus's style
and other rows, data/style_judge/style_texts.jsonl and the two burned blind check sets, gives
probabilities over calm, encouraging, patient and `other` (neutral or any emotion). The card says which
feature parts the head reads, so an older head keeps loading. Its accuracy on
an independent check set is stored in the card next to the weights (with date and command), and every
eval report prints it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.models.embeddings import TextEmbedder

STYLE_LABELS: tuple[str, ...] = ("calm", "encouraging", "patient", "other")
STYLES: tuple[str, ...] = STYLE_LABELS[:-1]
DEFAULT_STYLE_DIR = Path(__file__).resolve().parent.parent / "data" / "style_judge"
STYLE_TEXTS = DEFAULT_STYLE_DIR / "style_texts.jsonl"
HEAD_FILE = "head.safetensors"
CARD_FILE = "card.json"
# Gold labels of a check set that the judge reads as `other` (it has no finer label for them).
OTHER_GOLD: frozenset[str] = frozenset({"other", "neutral", "other_emotion"})


def sentences(text: str) -> list[str]:
    """The text split after sentence-ending punctuation (the text itself when it has no such break)."""
    parts = [s for s in re.split(r"(?<=[.!?;])\s+", text.strip()) if s]
    return parts or [text]


FEATURE_PARTS: tuple[str, ...] = ("whole", "first", "last", "mean", "cues")
DEFAULT_FEATURES = "whole+first+last+mean+cues"


def _parts(features: str) -> list[str]:
    parts = features.split("+")
    unknown = [p for p in parts if p not in FEATURE_PARTS]
    if unknown or not parts:
        raise ValueError(f"unknown style feature parts {unknown}; known: {FEATURE_PARTS}")
    return parts


def style_features(
    embedder: TextEmbedder,
    texts: Sequence[str],
    features: str = "whole+first+last",
    *,
    cue_scale: float = 1.0,
) -> torch.Tensor:
    """[n, d]: the `features` parts side by side: MiniLM embeddings of the whole text, its first and last
    sentence and the mean of its sentences' embeddings, and lexical cues (style_cues) times `cue_scale`."""
    parts = _parts(features)
    split = [sentences(t) for t in texts]
    blocks: dict[str, torch.Tensor] = {}
    if "whole" in parts:
        blocks["whole"] = embedder.embed(list(texts)).float()
    if {"first", "last", "mean"} & set(parts):
        flat = embedder.embed([s for ss in split for s in ss]).float()
        bounds = torch.tensor([0] + [len(ss) for ss in split]).cumsum(0).tolist()
        rows = [flat[a:b] for a, b in itertools.pairwise(bounds)]
        blocks["first"] = torch.stack([r[0] for r in rows]) if rows else flat[:0]
        blocks["last"] = torch.stack([r[-1] for r in rows]) if rows else flat[:0]
        means = [torch.nn.functional.normalize(r.mean(0), dim=-1) for r in rows]
        blocks["mean"] = torch.stack(means) if rows else flat[:0]
    if "cues" in parts:
        from emotive_agents.evaluation.style_cues import cue_features

        blocks["cues"] = cue_features(texts) * cue_scale
    return torch.cat([blocks[p] for p in parts], dim=1).float()


class StyleCard(BaseModel):
    """What the head is, how it was trained, and how it scored on a check set (filled in once)."""

    labels: tuple[str, ...] = STYLE_LABELS
    features: str = "whole+first+last"
    cue_scale: float = Field(default=1.0, gt=0.0)
    temperature: float = Field(default=1.0, gt=0.0)
    training: dict[str, Any] = Field(default_factory=dict)
    dev: dict[str, Any] = Field(default_factory=dict)
    check_set: dict[str, Any] | None = None


class StyleReading(BaseModel):
    """A style distribution; `valence` is 0 so a reading fits the harness's Reading protocol."""

    model_config = ConfigDict(frozen=True)

    probabilities: dict[str, float]
    valence: float = 0.0

    @property
    def label(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)


def fit_head(
    embeddings: torch.Tensor,
    labels: Sequence[str],
    *,
    l2: float = 1e-3,
    steps: int = 400,
    lr: float = 0.1,
    seed: int = 0,
    sample_weight: Sequence[float] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-balanced multinomial logistic regression (full-batch Adam) on `style_features` rows;
    `sample_weight` (one per row, default 1) weighs some sources more; returns (weight [4, d], bias [4])."""
    unknown = set(labels) - set(STYLE_LABELS)
    if unknown:
        raise ValueError(f"labels outside {STYLE_LABELS}: {sorted(unknown)}")
    if embeddings.shape[0] != len(labels) or not labels:
        raise ValueError("need one label per embedding, and at least one")
    torch.manual_seed(seed)
    x = embeddings.float().clone()  # embeddings may be inference tensors
    y = torch.tensor([STYLE_LABELS.index(label) for label in labels])
    counts = torch.bincount(y, minlength=len(STYLE_LABELS)).float()
    class_weight = torch.where(counts > 0, counts.sum() / (len(STYLE_LABELS) * counts.clamp_min(1)), 0.0)
    if sample_weight is not None and len(sample_weight) != len(labels):
        raise ValueError("need one sample weight per label")
    row_weight = class_weight[y] * (
        torch.tensor(list(sample_weight)).float() if sample_weight is not None else 1.0
    )
    weight = torch.zeros(len(STYLE_LABELS), x.shape[1], requires_grad=True)
    bias = torch.zeros(len(STYLE_LABELS), requires_grad=True)
    optimiser = torch.optim.Adam([weight, bias], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        per_row = torch.nn.functional.cross_entropy(x @ weight.T + bias, y, reduction="none")
        loss = (per_row * row_weight).sum() / row_weight.sum()
        (loss + l2 * weight.pow(2).sum()).backward()
        optimiser.step()
    return weight.detach(), bias.detach()


class StyleJudge:
    """Probabilities over STYLE_LABELS for replies; `score` makes it a harness EmotionScorer."""

    name = "style-head"

    def __init__(
        self,
        path: str | Path = DEFAULT_STYLE_DIR,
        *,
        embedder: TextEmbedder | None = None,
        device: str = "cpu",
        weight: torch.Tensor | None = None,
        bias: torch.Tensor | None = None,
        card: StyleCard | None = None,
    ) -> None:
        if weight is None or bias is None:
            from safetensors.torch import load_file

            directory = Path(path)
            if not (directory / HEAD_FILE).is_file():
                raise FileNotFoundError(
                    f"{directory / HEAD_FILE} is missing; train it with benchmarks/train_style_judge.py"
                )
            tensors = load_file(str(directory / HEAD_FILE))
            weight, bias = tensors["weight"], tensors["bias"]
            card = StyleCard.model_validate_json((directory / CARD_FILE).read_text())
        if embedder is None:
            from emotive_agents.models.embeddings import default_embedder

            embedder = default_embedder(device)
        self.embedder = embedder
        self.card = card or StyleCard()
        if tuple(self.card.labels) != STYLE_LABELS or weight.shape[0] != len(STYLE_LABELS):
            raise ValueError(f"the style head must have the labels {STYLE_LABELS}")
        self.weight, self.bias = weight.float(), bias.float()

    @property
    def labels(self) -> tuple[str, ...]:
        return STYLE_LABELS

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        x = style_features(self.embedder, texts, self.card.features, cue_scale=self.card.cue_scale)
        logits = x @ self.weight.T + self.bias
        probs = torch.softmax(logits / self.card.temperature, dim=-1).tolist()
        return [dict(zip(STYLE_LABELS, row, strict=True)) for row in probs]

    def score(self, texts: Sequence[str]) -> list[StyleReading]:
        return [StyleReading(probabilities=p) for p in self.probabilities(texts)]

    def hits(self, texts: Sequence[str], target: str) -> list[bool]:
        """Top-1 equals `target` (a style, or 'other') for each text."""
        if target not in STYLE_LABELS:
            raise ValueError(f"unknown style {target!r}; known: {STYLE_LABELS}")
        return [max(p, key=p.__getitem__) == target for p in self.probabilities(texts)]

    def describe(self) -> dict[str, Any]:
        """What an eval report records next to style scores, the check-set accuracy included."""
        check = self.card.check_set or {"accuracy": None, "note": "not measured on a check set yet"}
        return {"classifier": self.name, "labels": list(STYLE_LABELS), "check_set": check}

    def save(self, path: str | Path) -> None:
        from safetensors.torch import save_file

        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        save_file(
            {"weight": self.weight.contiguous(), "bias": self.bias.contiguous()}, str(directory / HEAD_FILE)
        )
        (directory / CARD_FILE).write_text(self.card.model_dump_json(indent=2) + "\n")


def load_style_texts(path: str | Path = STYLE_TEXTS) -> list[tuple[str, str]]:
    """(text, label) pairs from a JSONL file of {"text", "label"} rows; labels must be STYLE_LABELS."""
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in STYLE_LABELS or not str(row.get("text", "")).strip():
            raise ValueError(f"{path}:{number}: need a non-empty text and a label in {STYLE_LABELS}")
        pairs.append((row["text"], row["label"]))
    return pairs


def expected_label(gold: str) -> str:
    """The judge label a gold check-set label should be read as (neutral and other emotions are `other`)."""
    return "other" if gold in OTHER_GOLD else gold


def validate_style_judge(
    judge: StyleJudge, items: Sequence[Mapping[str, str]], *, text_key: str = "text"
) -> dict[str, Any]:
    """Accuracy overall and per gold label, and the confusion matrix (gold label -> judge label -> count)."""
    if not items:
        raise ValueError("the check set is empty")
    gold = [str(i["label"]) for i in items]
    unknown = {g for g in gold if expected_label(g) not in STYLE_LABELS}
    if unknown:
        raise ValueError(f"check-set labels the style judge cannot read: {sorted(unknown)}")
    predicted = [max(p, key=p.__getitem__) for p in judge.probabilities([str(i[text_key]) for i in items])]
    hits = [expected_label(g) == p for g, p in zip(gold, predicted, strict=True)]
    pairs = Counter(zip(gold, predicted, strict=True))
    per_label = {}
    for label in dict.fromkeys(gold):
        own = [h for g, h in zip(gold, hits, strict=True) if g == label]
        per_label[label] = {"n": len(own), "accuracy": sum(own) / len(own)}
    confusion = {g: {p: pairs[(g, p)] for p in STYLE_LABELS if pairs[(g, p)]} for g in per_label}
    return {
        "n": len(items),
        "accuracy": sum(hits) / len(hits),
        "per_label": per_label,
        "confusion": confusion,
    }
