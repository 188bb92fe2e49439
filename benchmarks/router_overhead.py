"""Lab script: every figure of the router's per-turn overhead (`emotive-agents bench` reports the ratios).

PYTHONPATH=$PWD OMP_NUM_THREADS=1 python -m benchmarks.router_overhead
"""

from __future__ import annotations

import json

import torch

from emotive_agents.router.bench import router_overhead

if __name__ == "__main__":
    torch.set_num_threads(1)
    print(json.dumps(router_overhead(), indent=1))
