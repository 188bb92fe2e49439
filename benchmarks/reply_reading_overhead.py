"""Lab script: every figure of reading the reply, per turn (`emotive-agents bench` reports the ratio).

PYTHONPATH=$PWD OMP_NUM_THREADS=1 python -m benchmarks.reply_reading_overhead
"""

from __future__ import annotations

import json

import torch

from emotive_agents.monitor.bench import reply_reading_overhead

if __name__ == "__main__":
    torch.set_num_threads(1)
    print(json.dumps(reply_reading_overhead(), indent=1))
