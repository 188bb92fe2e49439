"""Lab script: how often the risk detector flags ordinary user turns that carry no risk at all.

The hard-negative sets measure false alarms on texts written to look risky. A chatbot mostly sees
ordinary turns (complaints, worries, sad or happy news), so this counts the crisis flags of the
single-turn detector on user turns that hold no suicide or self-harm content: the reader sets'
turns (JSONL `{"text", "label"}`) and every turn of the mood-shift sets (JSONL `{"turns": [...]}`),
whose writers were told to leave risk content out. Each turn is read alone (no conversation memory).

PYTHONPATH=$PWD OMP_NUM_THREADS=1 python -m benchmarks.risk_ordinary_turns \
    benchmarks/heldout3/reader/user_turns.jsonl benchmarks/heldout3/shift/conversations.jsonl --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def read_turns(path: Path) -> list[str]:
    """The user turns of a reader file (`text`) or a conversation file (`turns`)."""
    turns: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if isinstance(row.get("turns"), list):
            turns.extend(str(t) for t in row["turns"])
        elif isinstance(row.get("text"), str):
            turns.append(row["text"])
        else:
            raise SystemExit(f"{path}:{number}: a row needs 'text' or 'turns'")
    return turns


def flags(paths: list[Path]) -> dict[str, Any]:
    from emotive_agents.router.crisis import CrisisDetector

    detector = CrisisDetector()
    report: dict[str, Any] = {"files": {}}
    total = flagged = 0
    for path in paths:
        turns = read_turns(path)
        hits = []
        for text, result in zip(turns, detector.detect_many(turns), strict=True):  # each turn alone
            if result.crisis:
                hits.append(
                    {"text": text, "category": result.risk.category, "detectors": list(result.risk.detectors)}
                )
        report["files"][str(path)] = {
            "turns": len(turns),
            "flagged": len(hits),
            "rate": round(len(hits) / max(1, len(turns)), 4),
            "hits": hits,
        }
        total += len(turns)
        flagged += len(hits)
    report["turns"], report["flagged"] = total, flagged
    report["rate"] = round(flagged / max(1, total), 4)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="reader or conversation JSONL files")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    report = flags(args.files)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    for name, part in report["files"].items():
        print(f"{name}: {part['flagged']}/{part['turns']} ordinary turns flagged ({part['rate']:.1%})")
        for hit in part["hits"]:
            print(f"  [{hit['category']}; {'+'.join(hit['detectors'])}] {hit['text']}")
    print(f"all: {report['flagged']}/{report['turns']} ({report['rate']:.1%})")


if __name__ == "__main__":
    main()
