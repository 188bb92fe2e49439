"""Build one ordinary vector set from per-emotion sources (fourth pass: trained3).

usage: hybrid_set.py OUT NAME=SET_DIR:SCALE ...   e.g. anger=/tmp/rs4/sets/T-anger:1.5 joy=smollm2-135m-paper:1.5

Every source must add block contributions at every position. Trained vectors are zero outside their
layer band, so the combined set uses every layer (recipe layers None) and applies each part exactly
as its own set did. SCALE is the alpha that intensity 1.0 stands for (chosen on dev). The metadata
says method "trained" and records each condition's source set, its training record and its scale.
"""

import sys

from emotive_agents.vectors.recipe import SteeringRecipe
from emotive_agents.vectors.store import load_vector_set, save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet

out, *specs = sys.argv[1:]
tensors, scales, sources, training = {}, {}, {}, {}
first = None
for spec in specs:
    name, rest = spec.split("=", 1)
    path, scale = rest.rsplit(":", 1)
    part = load_vector_set(path)
    first = first or part
    assert part.recipe.hook_point == first.recipe.hook_point and part.recipe.positions == first.recipe.positions
    assert part.metadata.model == first.metadata.model, f"{path} is for another model"
    tensors[name] = part[name].tensor
    scales[name] = float(scale)
    created = part.metadata.created
    sources[name] = {
        "set": path,
        "method": created.get("method", part.metadata.pooling),
        "recipe_layers": list(part.recipe.layers) if part.recipe.layers else None,
        "settings": {k: v for k, v in created.items() if k not in ("training", "calibration", "emotions")},
    }
    if "training" in created and name in created["training"]:
        training[name] = created["training"][name]
assert first is not None, "give at least one NAME=SET:SCALE"
merged = EmotionVectorSet.from_vectors(
    tensors,
    first.metadata.model,
    recipe=SteeringRecipe(hook_point=first.recipe.hook_point, positions=first.recipe.positions),
    pooling="trained",
    dataset_hash=first.metadata.dataset_hash,
    intensity_scale=scales,
    created={"method": "trained", "hybrid": True, "sources": sources, "training": training},
)
save_vector_set(merged, out)
print(merged, merged.metadata.intensity_scale)
