"""Fresh warm starts with the start-up changes off and on, interleaved; medians of wall and CPU time.

Both switches (`EMOTIVE_AGENTS_IMPORT_CACHE`, `EMOTIVE_AGENTS_GC_PAUSE`) are set together, or one of
them with `--only`. `--against plain` instead pairs our start (switches on) with plain transformers
loading the same converted checkpoint (`import torch`, `from_pretrained` of model and tokenizer): what
transformers itself costs for this model. `cpu` is the child's user + system time,
which other jobs on a shared machine distort least. Run from the repository root with the package importable:

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/issue15/warm_start_pairs.py --pairs 6
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys

from emotive_agents.bench import _start_time
from emotive_agents.models.loading import DEFAULT_MODEL, resolve_model_path

SWITCHES = ("EMOTIVE_AGENTS_IMPORT_CACHE", "EMOTIVE_AGENTS_GC_PAUSE")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# Plain transformers on the same directory, timed like `_start_time` (import, then load).
_PLAIN = (
    "import time, json; t0 = time.perf_counter()\n"
    "import torch\n"
    "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
    "t1 = time.perf_counter()\n"
    "AutoModelForCausalLM.from_pretrained({path!r}); AutoTokenizer.from_pretrained({path!r})\n"
    "print(json.dumps({{'import_s': t1 - t0, 'load_s': time.perf_counter() - t1}}))\n"
)


def _plain_start(path: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _PLAIN.format(path=path)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _against_plain(model: str, pairs: int) -> None:
    path = resolve_model_path(model) if model == DEFAULT_MODEL else model
    _start_time(model, None)
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "ours": []}
    print("load before", os.getloadavg(), flush=True)
    for i in range(pairs):
        for mode in ("plain", "ours") if i % 2 == 0 else ("ours", "plain"):
            cpu = _child_cpu()
            run = _plain_start(path) if mode == "plain" else _start_time(model, None)
            run.pop("reload_s", None)
            run["cpu"] = _child_cpu() - cpu
            run["total"] = run["import_s"] + run["load_s"]
            runs[mode].append(run)
            print(mode, {k: round(v, 2) for k, v in run.items()}, flush=True)
    print("load after", os.getloadavg(), flush=True)
    medians = {m: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]} for m, rs in runs.items()}
    print(json.dumps(medians))
    print(json.dumps({k: round(medians["ours"][k] / medians["plain"][k], 3) for k in ("total", "cpu")}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--only", choices=SWITCHES, help="toggle this switch only (the other stays on)")
    parser.add_argument("--against", choices=("switches", "plain"), default="switches")
    args = parser.parse_args()
    if args.against == "plain":
        _against_plain(args.model, args.pairs)
        return
    toggled = (args.only,) if args.only else SWITCHES
    _start_time(args.model, None)  # fills the import cache
    runs: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    print("load before", os.getloadavg(), flush=True)
    for i in range(args.pairs):
        for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):
            for name in SWITCHES:
                os.environ[name] = "0" if mode == "off" and name in toggled else "1"
            cpu = _child_cpu()
            run = _start_time(args.model, None)
            run["cpu"] = _child_cpu() - cpu
            run["total"] = run["import_s"] + run["load_s"]
            runs[mode].append(run)
            print(mode, {k: round(v, 2) for k, v in run.items()}, flush=True)
    print("load after", os.getloadavg(), flush=True)
    medians = {m: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]} for m, rs in runs.items()}
    print(json.dumps(medians))
    print(json.dumps({k: round(medians["on"][k] / medians["off"][k], 3) for k in ("total", "load_s", "cpu")}))


if __name__ == "__main__":
    main()
