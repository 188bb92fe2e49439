"""The new default: trained emotion vectors (dev-calibrated) + the paper set's style vectors.
Both are block contributions added at every position; the trained ones are zero outside layers 8-19,
so the combined set uses every layer (recipe layers None) and applies each part exactly as before.
usage: assemble.py SCALES_JSON OUT   (SCALES_JSON: {"anger": 1.5, ...} chosen on dev)"""
import json, os, sys
from emotive_agents.vectors.recipe import SteeringRecipe
from emotive_agents.vectors.store import load_vector_set, save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet
scales_file, out = sys.argv[1:3]
scales = json.load(open(scales_file))
R = os.environ.get("RUNS", "runs")
emotions = ["anger", "disgust", "fear", "joy", "sadness"]
parts = {e: load_vector_set(f"{R}/trained-{e}") for e in emotions}
paper = load_vector_set("smollm2-135m-paper")
tensors = {e: parts[e][e].tensor for e in emotions}
styles = ["calm", "encouraging", "patient"]
tensors.update({s: paper[s].tensor for s in styles})
first = parts["anger"].metadata
created = {k: v for k, v in first.created.items() if k not in ("training", "emotions")}
created.update(
    emotions=emotions,
    training={e: parts[e].metadata.created["training"][e] for e in emotions},
    styles={"source": "smollm2-135m-paper", "names": styles,
            "note": "paper-recipe vectors with their own calibration; not trained (no CPU left on 2026-12-01)"},
    calibration=json.load(open(scales_file.replace("scales.json", "scales-detail.json"))),
)
intensity = {**{e: scales[e] for e in emotions}, **{s: paper.metadata.scale(s) for s in styles}}
merged = EmotionVectorSet.from_vectors(
    tensors, first.model, recipe=SteeringRecipe(hook_point=first.recipe.hook_point, positions=first.recipe.positions),
    pooling="trained", dataset_hash=first.dataset_hash, intensity_scale=intensity, created=created)
save_vector_set(merged, out)
print(merged, merged.metadata.intensity_scale)
