"""Tables from eval runs split over processes: ratios against one shared unsteered run.
usage: combine.py UNSTEERED_DIR RUN_DIR... ; prints one markdown row per condition."""
import json, sys
base = json.load(open(sys.argv[1] + "/metrics.json"))
b = next(r for r in base["results"] if r["condition"]["method"] == "unsteered")
print(f"unsteered: n={b['n']} d2={b['distinct_2']:.3f} ppl={b['perplexity']:.2f} topic={b['topic_similarity']:.3f} labels={ {k: round(v,2) for k,v in b['label_rates'].items()} }")
print("| condition | α | top-1 | top-1 other q | target prob (shift) | distinct-2 × | perplexity × | topic × |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for d in sys.argv[1:]:
    rep = json.load(open(d + "/metrics.json"))
    for r in rep["results"]:
        c = r["condition"]
        if c["method"] == "unsteered":
            continue
        e = c["emotion"]
        f = lambda x, k=2: "–" if x is None else f"{x:.{k}f}"
        shift = r["target_probability"] - b["mean_probabilities"].get(e, 0.0)
        print(f"| {c['method']} {e} | {c['alpha']:g} | {f(r['target_top1'])} | {f(r['target_top1_other_queries'])} | "
              f"{f(r['target_probability'])} ({shift:+.2f}) | {r['distinct_2']/b['distinct_2']:.2f} | "
              f"{r['perplexity']/b['perplexity']:.2f} | {r['topic_similarity']/b['topic_similarity']:.2f} |")
