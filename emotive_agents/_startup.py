"""Start-up without cyclic garbage collection: importing torch and transformers and loading a model.

Those steps allocate millions of long-lived objects, and every few thousand allocations Python's cyclic
collector walks the young ones, and now and then all of them, finding almost no garbage. Pausing it for
the import of `emotive_agents.engine` and for `EmotiveEngine.load` made a warm start about 20 % faster
(docs/performance.md). Reference counting still frees everything that is not in a cycle; the collector's
previous state is restored on the way out (also on errors), so nothing of this outlives the call.
`EMOTIVE_AGENTS_GC_PAUSE=0` turns it off. Torch-free.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

ENV_SWITCH = "EMOTIVE_AGENTS_GC_PAUSE"


def pause_enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection inside the block; the collector is left as it was found (nests)."""
    was_enabled = gc.isenabled()
    if was_enabled and pause_enabled():
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
