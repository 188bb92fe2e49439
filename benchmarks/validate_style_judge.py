"""Lab script: score the frozen style judge on an independent check set and (with --record) store the result
in emotive_agents/data/style_judge/card.json, where every eval report reads it from.

The check set is JSONL of {"query", "text", "label"} rows with labels calm, encouraging, patient, neutral
or other_emotion (the last two count as hits when the judge says `other`). Run it once, after the judge
is frozen and committed; never tune on it. benchmarks/heldout/style and benchmarks/heldout2/style are
burned (the judge trains on them since the third round); the fresh set of that round is heldout3.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python benchmarks/validate_style_judge.py \
        --checkset /work/heldout3/style/style_check.jsonl [--record]
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from emotive_agents.evaluation.style_judge import DEFAULT_STYLE_DIR, StyleJudge, validate_style_judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkset", type=Path, required=True)
    parser.add_argument("--judge", type=Path, default=DEFAULT_STYLE_DIR)
    parser.add_argument("--record", action="store_true", help="write the result into the judge's card")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.checkset.read_text().splitlines() if line.strip()]
    judge = StyleJudge(args.judge)
    result = validate_style_judge(judge, items)
    result.update(
        {
            "check_set": f"{args.checkset.name} ({len(items)} texts, written blind by another session)",
            "date": datetime.date.today().isoformat(),
            "command": "PYTHONPATH=$PWD python benchmarks/validate_style_judge.py "
            f"--checkset {args.checkset} --record",
        }
    )
    print(json.dumps(result, indent=2))
    if args.record:
        judge.card.check_set = result
        judge.save(args.judge)
        print(f"recorded in {args.judge / 'card.json'}")


if __name__ == "__main__":
    main()
