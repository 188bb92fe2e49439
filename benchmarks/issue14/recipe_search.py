"""Recipe search (second pass): train one variant in-process, then eval it on dev queries only.

Usage: first `--baseline --load vectors/smollm2-135m-paper` (the unsteered run, saved as base.json),
then `--name NAME --emotions anger --cfg '{TrainConfig fields as JSON}' --alphas 1,1.5 --limit 10`.
One thread: on an oversubscribed 2-core machine two torch threads per process were ~10x slower.
"""
import argparse, json, os, time, sys, math, statistics
import torch
from emotive_agents.models.loading import load_model
from emotive_agents.training.trainer import TrainConfig, train_vectors
from emotive_agents.vectors.corpus import load_replies, DEFAULT_REPLIES
from emotive_agents.vectors.queries import load_queries
from emotive_agents.vectors.store import save_vector_set, load_vector_set
from emotive_agents.engine import EmotiveEngine
from emotive_agents.evaluation.harness import EvalConfig, run_eval
from emotive_agents.evaluation.judge import EmotionJudge
from emotive_agents.evaluation.style_judge import StyleJudge
from emotive_agents.models.embeddings import default_embedder

p = argparse.ArgumentParser()
p.add_argument("--name", required=True)
p.add_argument("--emotions", default="anger")
p.add_argument("--cfg", default="{}")
p.add_argument("--alphas", default="1,1.5")
p.add_argument("--limit", type=int, default=10)
p.add_argument("--tokens", type=int, default=40)
p.add_argument("--load", default=None, help="existing set dir instead of training")
p.add_argument("--baseline", action="store_true")
p.add_argument("--train-only", action="store_true", help="train and save, no eval")
p.add_argument("--dev", default="splits/dev.json", help="make-splits dev.json (never test.json)")
p.add_argument("--work", default="/tmp/recipe-search", help="where sets and results go")
p.add_argument("--responses", default=None, help="reply corpus JSONL (default: the shipped one)")
p.add_argument("--first-n", type=int, default=None, help="steer only the first N reply tokens (first_n.py)")
p.add_argument("--tail", type=float, default=0.0, help="with --first-n: scale of the delta after token N")
p.add_argument("--samples", type=int, default=2, help="replies kept per condition in the result JSON")
p.add_argument("--train-first-n", type=int, default=None, help="train with the vector on the first N reply tokens only")
a = p.parse_args()
if a.train_first_n is not None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import first_n

    first_n.install_training(a.train_first_n)
if a.first_n is not None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import first_n

    first_n.install(a.first_n, a.tail)
import os
os.makedirs(f"{a.work}/sets", exist_ok=True); os.makedirs(f"{a.work}/res", exist_ok=True)
torch.set_num_threads(1)
t0 = time.time()
loaded = load_model("smollm2-135m")
emotions = tuple(a.emotions.split(","))
if a.load:
    vs = load_vector_set(a.load)
    train_s = None
else:
    cfg = TrainConfig(emotions=emotions, **json.loads(a.cfg))
    corpus = load_replies(a.responses or DEFAULT_REPLIES)
    t1 = time.time()
    last = [time.time()]
    def tick(done, total):
        if done % 2 == 0:
            print(f"  step {done}/{total} {time.time() - t1:.0f} s", flush=True)
    vs = train_vectors(loaded, corpus, cfg, on_progress=tick)
    train_s = time.time() - t1
    save_vector_set(vs, f"{a.work}/sets/{a.name}")
    for e, r in vs.metadata.created["training"].items():
        print(e, "steps", r["steps_run"], "best", r["best_held_out"], r["seconds"], "s", [h.get("held_out") for h in r["history"]], flush=True)
print("train_s", train_s, flush=True)
if a.train_only:
    sys.exit(0)
queries = load_queries(a.dev)
engine = EmotiveEngine(loaded, vs)
alphas = tuple(float(x) for x in a.alphas.split(","))
config = EvalConfig(alphas=alphas if not a.baseline else (0.0,), emotions=emotions, limit=a.limit,
                    max_new_tokens=a.tokens, prompting_baseline=False, steering=not a.baseline, unsteered=a.baseline)
t2 = time.time()
rep = run_eval(engine, queries, EmotionJudge(), default_embedder(), config, vectors_name=a.name,
               style_scorer=StyleJudge(), samples_per_condition=a.samples)
eval_s = time.time() - t2
out = {"name": a.name, "cfg": a.cfg, "train_first_n": a.train_first_n, "first_n": a.first_n, "tail": a.tail, "train_s": train_s, "eval_s": eval_s, "results": [m.model_dump() for m in rep.results],
       "samples": [s.model_dump() for s in rep.samples]}
json.dump(out, open(f"{a.work}/res/{a.name}.json", "w"), indent=1, default=str)
base = json.load(open(f"{a.work}/res/base.json"))["results"][0] if not a.baseline else None
for m in rep.results:
    c = m.condition
    line = f"{c.method:10s} {str(c.emotion):8s} a={c.alpha:<4} top1={m.target_top1} tp={(m.target_probability or 0):.2f} judge={m.target_judge} d2={m.distinct_2:.3f} ppl={m.perplexity:.2f} topic={m.topic_similarity:.3f}"
    if base:
        line += f" | d2x={m.distinct_2/base['distinct_2']:.2f} pplx={m.perplexity/base['perplexity']:.2f} topx={m.topic_similarity/base['topic_similarity']:.2f}"
    print(line, flush=True)
for s in rep.samples[:: max(1, len(rep.samples)//6)]:
    print("  >", s.condition.emotion, s.condition.alpha, s.label, repr(s.response[:160]))
print("eval_s", eval_s, "total", time.time() - t0)
