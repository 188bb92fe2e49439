"""`emotive-agents eval`, minus the conditions of some methods (lab helper, not part of the package).

`eval --prompt-steering A` always runs the plain prompting condition too. When that one was already
run in another process on the same queries, this skips it: the remaining conditions are generated,
scored and aggregated by the unchanged harness, so their numbers are the ones one `eval` would give.

usage: EV_SKIP=prompting python benchmarks/issue14/eval_skip.py eval ARGS...
"""

from __future__ import annotations

import os

from emotive_agents.evaluation import harness

_original = harness._conditions
_skip = {m.strip() for m in os.environ.get("EV_SKIP", "").split(",") if m.strip()}


def _filtered(config: harness.EvalConfig, prompting: bool) -> list[harness.Condition]:
    return [c for c in _original(config, prompting) if c.method not in _skip]


harness._conditions = _filtered

if __name__ == "__main__":
    from emotive_agents.cli import app

    app()
