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
from collections.abc import Callable

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


def _paired(
    modes: tuple[str, str], start: Callable[[str], dict[str, float]], pairs: int, keys: tuple[str, ...]
) -> None:
    """`pairs` rounds of one fresh start per mode, the order alternating; prints runs, medians and
    the second mode's medians over the first's for `keys`."""
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    print("load before", os.getloadavg(), flush=True)
    for i in range(pairs):
        for mode in modes if i % 2 == 0 else modes[::-1]:
            cpu = _child_cpu()
            run = start(mode)
            run["cpu"] = _child_cpu() - cpu
            run["total"] = run["import_s"] + run["load_s"]
            runs[mode].append(run)
            print(mode, {k: round(v, 2) for k, v in run.items()}, flush=True)
    print("load after", os.getloadavg(), flush=True)
    medians = {m: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]} for m, rs in runs.items()}
    print(json.dumps(medians))
    first, second = modes
    print(json.dumps({k: round(medians[second][k] / medians[first][k], 3) for k in keys}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--only", choices=SWITCHES, help="toggle this switch only (the other stays on)")
    parser.add_argument("--against", choices=("switches", "plain"), default="switches")
    args = parser.parse_args()
    _start_time(args.model, None)  # fills the import cache
    if args.against == "plain":
        path = resolve_model_path(args.model) if args.model == DEFAULT_MODEL else args.model

        def start(mode: str) -> dict[str, float]:
            return _plain_start(path) if mode == "plain" else _start_time(args.model, None)

        _paired(("plain", "ours"), start, args.pairs, ("total", "cpu"))
        return
    toggled = (args.only,) if args.only else SWITCHES

    def switched(mode: str) -> dict[str, float]:
        for name in SWITCHES:
            os.environ[name] = "0" if mode == "off" and name in toggled else "1"
        return _start_time(args.model, None)

    _paired(("off", "on"), switched, args.pairs, ("total", "load_s", "cpu"))


if __name__ == "__main__":
    main()
