"""How specific is a trained vector? Mean reply log-prob gain under it, per corpus condition.

Usage: specificity.py SET_DIR EMOTION ALPHA [N_LAST_QUERIES]
"""
import sys, torch
from emotive_agents.models.loading import load_model
from emotive_agents.vectors.corpus import load_replies, DEFAULT_REPLIES
from emotive_agents.vectors.store import load_vector_set
from emotive_agents.vectors.teacher_forced import forced_pairs
from emotive_agents.training.trainer import _Batcher, _mean_logprob
from emotive_agents.steering.hooks import Steering
torch.set_num_threads(1)
setdir, emotion, alpha = sys.argv[1], sys.argv[2], float(sys.argv[3])
n = int(sys.argv[4]) if len(sys.argv) > 4 else 12
loaded = load_model("smollm2-135m"); vs = load_vector_set(setdir)
corpus = load_replies(DEFAULT_REPLIES); qs = corpus.queries[-n:]  # the last queries (held out by most splits)
sub = corpus.subset(qs); b = _Batcher(loaded)
layers = vs.metadata.recipe.layers
deltas = {l: alpha * vs[emotion].tensor[l : l + 1] for l in layers}
out = {}
with torch.no_grad():
    for cond in ["neutral", emotion, "joy" if emotion != "joy" else "sadness"]:
        pairs = forced_pairs(loaded, sub.replies(cond), max_response_tokens=48)
        base = _mean_logprob(b.forward(pairs), pairs)
        with Steering(loaded.model, loaded.layout, deltas, vs.metadata.recipe):
            st = _mean_logprob(b.forward(pairs), pairs)
        out[cond] = (float(base.mean()), float(st.mean()), float((st - base).mean()))
        print(setdir.split('/')[-1], emotion, alpha, cond, "base %.3f steered %.3f gain %+.3f" % out[cond], flush=True)
