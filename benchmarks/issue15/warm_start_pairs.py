"""Fresh warm starts with the start-up changes off and on, interleaved; medians of wall and CPU time.

Both switches (`EMOTIVE_AGENTS_IMPORT_CACHE`, `EMOTIVE_AGENTS_GC_PAUSE`) are set together, or one of
them with `--only`. `cpu` is the child's user + system time, which other jobs on a shared machine
distort least. Run from the repository root with the package importable:

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/issue15/warm_start_pairs.py --pairs 6
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics

from emotive_agents.bench import _start_time

SWITCHES = ("EMOTIVE_AGENTS_IMPORT_CACHE", "EMOTIVE_AGENTS_GC_PAUSE")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--only", choices=SWITCHES, help="toggle this switch only (the other stays on)")
    args = parser.parse_args()
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
