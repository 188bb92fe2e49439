"""Merge vector sets that one run split over processes (the machine had other jobs on both cores).

usage:
  merge_parts.py train OUT PART...   trained parts with the same TrainConfig except `emotions`
  merge_parts.py calib OUT PART...   `calibrate --emotions` outputs of one set, disjoint emotions

Training is seeded per emotion (`Random(f"{seed}:{emotion}")`) and the held-out split by the seed,
so a part's vectors equal those of one process training every emotion. `base` is recomputed over
the merged basic emotions. In `calib` mode each part contributes the scales and the calibration
record of its own emotions; the tensors must be identical.
"""

import sys

import torch

from emotive_agents.vectors.store import load_vector_set, save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet

mode, out, *paths = sys.argv[1:]
parts = [load_vector_set(p) for p in paths]
first = parts[0].metadata
skip = {"training", "emotions", "calibration"}
for part in parts[1:]:
    a = {k: v for k, v in first.created.items() if k not in skip}
    b = {k: v for k, v in part.metadata.created.items() if k not in skip}
    assert a == b, f"parts differ in settings: {set(a.items()) ^ set(b.items())}"
    assert part.metadata.recipe == first.recipe and part.metadata.dataset_hash == first.dataset_hash

if mode == "train":
    emotions = [e for p in parts for e in p.metadata.created["emotions"]]
    assert len(set(emotions)) == len(emotions), "parts share an emotion"
    tensors = {e: p[e].tensor for p in parts for e in p.metadata.created["emotions"]}
    training = {e: p.metadata.created["training"][e] for p in parts for e in p.metadata.created["emotions"]}
    created = {**first.created, "emotions": emotions, "training": training}
    created["processes"] = [list(p.metadata.created["emotions"]) for p in parts]
    scales: dict[str, float] = {}
elif mode == "calib":
    for part in parts[1:]:
        assert torch.equal(part.vectors, parts[0].vectors), "calibrated parts of different sets"
    names = [e for p in parts for e in p.metadata.created["calibration"]["emotions"]]
    assert len(set(names)) == len(names), "parts calibrated the same emotion"
    tensors = {e: parts[0][e].tensor for e in first.emotions if e != "base"}
    scales = {e: p.metadata.scale(e) for p in parts for e in p.metadata.created["calibration"]["emotions"]}
    records = [p.metadata.created["calibration"] for p in parts]
    calibration = {**records[0], "emotions": names, "results": [r for rec in records for r in rec["results"]]}
    calibration["processes"] = [rec["emotions"] for rec in records]
    created = {**first.created, "calibration": calibration}
else:
    sys.exit(f"unknown mode {mode!r}: train or calib")

merged = EmotionVectorSet.from_vectors(
    tensors,
    first.model,
    recipe=first.recipe,
    pooling=first.pooling,
    dataset_hash=first.dataset_hash,
    intensity_scale=scales,
    created=created,
)
save_vector_set(merged, out)
print(merged, merged.metadata.intensity_scale)
