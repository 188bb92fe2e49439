"""Choose the mood-shift detector's thresholds on the shift tune sets (lab code).

    python -m benchmarks.shift_grid [FILES ...] [--grid thresholds|round4|round5] [--out report.json]

Default files: the project tune conversations and the two burned blind shift sets
(`benchmarks/heldout/shift`, `benchmarks/heldout2/shift`), all tune data; `--grid round4` adds the
third (`benchmarks/heldout3/shift`, used) and the strong-valence settings of the fourth round; `--grid
round5` adds the fifth (`benchmarks/heldout5/shift`, used) and the fifth round's options. Every
grid point of `ShiftSettings` is scored with `route-eval-shift`'s rules; the reader's readings and the risk
detector's results are computed once (neither depends on the shift settings). A point is eligible
only when every control stays gentle and every steady conversation reports no shift; among those, the
most shift turns followed wins (ties: the point nearest the middle of the grid). One thread.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emotive_agents.router.crisis import CrisisDetector, CrisisResult
from emotive_agents.router.router import AffectRouter
from emotive_agents.router.shift import ShiftSettings
from emotive_agents.router.shift_eval import TUNE_SET, load_conversations, score

FILES = (
    TUNE_SET,
    Path("benchmarks/heldout/shift/conversations.jsonl"),
    Path("benchmarks/heldout2/shift/conversations.jsonl"),
)
FILES_ROUND4 = (*FILES, Path("benchmarks/heldout3/shift/conversations.jsonl"))
FILES_ROUND5 = (*FILES_ROUND4, Path("benchmarks/heldout5/shift/conversations.jsonl"))
GRID: dict[str, tuple[Any, ...]] = {
    "min_mass": (0.16, 0.18, 0.20, 0.22, 0.24),
    "min_gain": (0.05, 0.08, 0.10, 0.12),
    "confident_mass": (0.20, 0.25, 0.30, 0.35, 0.40),
    "min_valence_change": (0.10, 0.20, 0.30),
}
# The fourth round (issue 18, docs/router.md): whether a strong fall in valence confirms a smaller rise
# of a negative mood, around the third round's thresholds; the third blind shift set is tune data now.
GRID_ROUND4: dict[str, tuple[Any, ...]] = {
    "min_mass": (0.16, 0.18, 0.20),
    "min_gain": (0.08, 0.10, 0.12),
    "confident_mass": (0.22, 0.25, 0.28),
    "min_valence_change": (0.15, 0.20, 0.25),
    "strong_valence_change": (0.3, 0.4, 0.5, 0.6, 2.0),
    "strong_min_gain": (0.03, 0.05, 0.07),
}
# The fifth round (issue 18, docs/router.md): the strongest label with a smaller rise, and a smoothed
# label that blocks its family only when established; the fourth round's thresholds stay. Tune data:
# the project set and all four used blind shift sets.
GRID_ROUND5: dict[str, tuple[Any, ...]] = {
    "top_min_gain": (None, 0.0, 0.02, 0.04),
    "prefer_top": (False, True),
    "established_mass": (0.0, 0.25, 0.3, 0.35),
    "valence_tolerance": (2.0, 0.1, 0.2, 0.3, 0.4),
}
GRIDS = {"thresholds": GRID, "round4": GRID_ROUND4, "round5": GRID_ROUND5}


class MemoDetector(CrisisDetector):
    """The shipped detector, remembering each call's result (the grid replays the same turns)."""

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[Any, CrisisResult] = {}

    def detect(self, text: str, context: Sequence[str] = (), level: float = 0.0, **kw: Any) -> CrisisResult:
        key = (text, tuple(context), round(level, 9), tuple(sorted(kw.items())))
        if key not in self._memo:
            self._memo[key] = super().detect(text, context, level, **kw)
        return self._memo[key]


def run(files: Sequence[Path], settings: ShiftSettings, routers: dict[str, AffectRouter]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in files:
        rows = []
        for c in load_conversations(f):
            r = routers[c.domain]
            r.shift_settings = settings
            d = r.route([{"role": "user", "content": t} for t in c.turns[: c.shift_turn + 1]])
            rows.append(score(c, d, r.policy))
        shifts = [x for x in rows if x["kind"] == "shift"]
        out[str(f)] = {
            "follows": sum(x["follows"] for x in shifts),
            "shifts": len(shifts),
            "crisis": sum(x["crisis"] for x in shifts),
            "controls_gentle": sum(x["gentle"] for x in rows if x["kind"] == "control"),
            "controls": sum(x["kind"] == "control" for x in rows),
            "steady_ok": sum(x["no_shift"] for x in rows if x["kind"] == "steady"),
            "steady": sum(x["kind"] == "steady" for x in rows),
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", type=Path, nargs="*", default=None)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument(
        "--grid", choices=sorted(GRIDS), default="thresholds", help="which grid (default: the third round's)"
    )
    p.add_argument(
        "--weights", default=None, help="reader weights head,exemplars,user-turns (default: shipped)"
    )
    p.add_argument("--k", type=int, default=None, help="the nearest-turn member's k (default: shipped)")
    args = p.parse_args(argv)
    import torch

    from emotive_agents.router import router as router_module

    torch.set_num_threads(1)
    if args.k is not None:
        router_module.ROUTER_TURN_K = args.k
    weights = None
    if args.weights:
        h, e, t = (float(v) for v in args.weights.split(","))
        weights = {"minilm-head": h, "exemplars": e, "user-turns": t, "vader": 0.0}
    classifier = router_module.router_ensemble(weights=weights)
    shared = AffectRouter(policy="support", classifier=classifier, crisis_detector=MemoDetector())
    routers = {
        n: AffectRouter(policy=n, classifier=shared.classifier, crisis_detector=shared.crisis_detector)
        for n in ("health", "support", "tutor")
    }
    grid = GRIDS[args.grid]
    files = args.files or list(
        {"thresholds": FILES, "round4": FILES_ROUND4, "round5": FILES_ROUND5}[args.grid]
    )
    names = list(grid)
    # Ties go to the grid's middle; in the fifth round's grid, whose first values are "off", to the
    # point that changes least.
    pick = 0 if args.grid == "round5" else None
    middle = {n: grid[n][len(grid[n]) // 2 if pick is None else pick] for n in names}
    results = []
    for values in itertools.product(*(grid[n] for n in names)):
        s = ShiftSettings(**dict(zip(names, values, strict=True)))
        per = run(files, s, routers)
        ok = all(
            v["controls_gentle"] == v["controls"] and v["steady_ok"] == v["steady"] for v in per.values()
        )
        follows = sum(v["follows"] for v in per.values())
        dist = sum(abs(grid[n].index(getattr(s, n)) - grid[n].index(middle[n])) for n in names)
        results.append(
            {
                "eligible": ok,
                "follows": follows,
                "distance": dist,
                "settings": {n: getattr(s, n) for n in names},
                "per_file": per,
            }
        )
    results.sort(key=lambda r: (not r["eligible"], -r["follows"], r["distance"]))
    defaults = {n: getattr(ShiftSettings(), n) for n in names}
    shipped = next((r for r in results if r["settings"] == defaults), None)
    report = {
        "reader": {"weights": weights, "k": args.k},
        "best": results[0],
        "top": results[:10],
        "shipped_defaults": shipped,
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
