"""Lab script: a pool of ordinary texts for the flag head's negatives, built outside the repo.

The flag head still fired on ordinary turns whose *shape* resembles a risk message: "I've packed the
boxes for the kitchen", "Heading off to my sister's now, two hours on the M6", a homework question that
mentions a date (docs/router.md, "Round 7"). Its ordinary negatives were 678 blind-set turns. This adds
far more ordinary text of every mood, none of it risky, as `none` rows:

- GoEmotions comments (CC BY 4.0, read from `--goemotions`, never copied into the project), a seeded
  sample per Ekman class, single-label rows only;
- EmotionQuery+ queries (MIT, read from `--emotionquery`);
- the project's own user turns (`data/affect/user_turns.json`, the router's shift tune set) and the user
  turns of the used blind reader and shift sets not yet used as risk negatives (`benchmarks/heldout3`,
  `benchmarks/heldout5`).

Every text goes through a broad screen first: any pattern-layer hit, or a word near suicide, death,
self-harm or a method, drops it, so a Reddit comment about someone's death never trains as "none".
The output is an ordinary risk set folder (`risk_negative.jsonl`, kind "ordinary_pool") for
`train_risk --extra-train DIR`. Write it to a temporary folder: the GoEmotions rows must not land in
the repo.

    PYTHONPATH=$PWD python -m benchmarks.risk_ordinary_pool --out /tmp/risk_pool
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emotive_agents.router.crisis import CrisisDetector

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
# Broad on purpose: dropping an ordinary text costs nothing, training a risky one as "none" does.
SCREEN = re.compile(
    r"suicid|\bkill|\bdie\b|\bdied\b|\bdying\b|\bdead\b|\bdeath|\bend (it|my|this|things)|"
    r"self[- ]?harm|\bharm|\bhurt (my|him|her|them)sel|\bcut(ting)?\b|\bblade|\bbleed|\boverdos|"
    r"\bpills?\b|\btablets?\b|\bjump|\bbridge|\brope|\bhang|\bgun\b|\bshoot|\bwrists?\b|"
    r"\balive\b|\bliving\b|\blive\b|\blife\b|\bgone\b|\bgoodbye|\bbye\b|\bletters?\b|\bburden|"
    r"\bworthless|\bhopeless|\bpointless|\bno point|\bgive up|\bgiving up|\bdisappear|\bsleep forever|"
    r"\bunalive|\bkms\b|\bkys\b|\bctb\b|\bsewer|\boff (my|him|her)sel|\bmurder|\bfuneral|\bgrave\b|"
    r"\bwant out\b|\bcan'?t (go on|take|do this)|\bbetter off|\bnot be here|\bnot here anymore",
    re.IGNORECASE,
)
GOEMOTIONS_PER_CLASS = {
    "sadness": 350,
    "fear": 300,
    "anger": 250,
    "disgust": 150,
    "joy": 250,
    "surprise": 150,
    "neutral": 250,
}


def _screened(texts: list[str], detector: CrisisDetector) -> list[str]:
    out = []
    for text in texts:
        words = len(text.split())
        if words < 3 or words > 60 or SCREEN.search(text):
            continue
        if detector.pattern_hits(text):
            continue
        out.append(text)
    return out


def goemotions(path: Path, seed: int) -> list[str]:
    """A seeded sample of single-label comments per Ekman class (`GOEMOTIONS_PER_CLASS`)."""
    labels = (path.parent / "labels.txt").read_text(encoding="utf-8").split()
    by: dict[str, list[str]] = {name: [] for name in labels}
    with path.open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 2 and row[1].isdigit():  # single-label rows only
                by[labels[int(row[1])]].append(row[0].replace("[NAME]", "Sam"))
    rng = random.Random(seed)
    out: list[str] = []
    for name, n in GOEMOTIONS_PER_CLASS.items():
        pool = sorted(set(by.get(name, [])))
        rng.shuffle(pool)
        out += pool[: n * 2]  # twice as many: the screen drops some
    return out


def project_turns() -> list[str]:
    corpus = json.loads((ROOT / "emotive_agents/data/affect/user_turns.json").read_text(encoding="utf-8"))
    turns = [t["text"] for t in corpus["turns"]]
    for path in (
        ROOT / "emotive_agents/data/router/shift_tune.jsonl",
        ROOT / "benchmarks/heldout3/reader/user_turns.jsonl",
        ROOT / "benchmarks/heldout3/shift/conversations.jsonl",
        ROOT / "benchmarks/heldout5/shift/conversations.jsonl",
    ):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                turns += row["turns"] if "turns" in row else [row["text"]]
    return turns


def known_risk_texts() -> set[str]:
    """Every text of the project's risk sets (positives and negatives): never duplicated here."""
    out: set[str] = set()
    for path in ROOT.glob("**/risk*/risk_*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.add(_key(json.loads(line)["text"]))
    return out


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def build(out: Path, goemotions_tsv: Path, emotionquery: Path, seed: int = 0) -> dict[str, int]:
    from emotive_agents.router.crisis import CrisisDetector

    detector = CrisisDetector(semantic=False)
    known = known_risk_texts()
    sources = {
        "goemotions": goemotions(goemotions_tsv, seed),
        "emotionquery": list(json.loads(emotionquery.read_text(encoding="utf-8"))),
        "project_turns": project_turns(),
    }
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    counts: Counter[str] = Counter()
    for source, texts in sources.items():
        kept = _screened(texts, detector)
        if source == "goemotions":
            kept = kept[: sum(GOEMOTIONS_PER_CLASS.values())]
        for text in kept:
            key = _key(text)
            if key in seen or key in known:
                continue
            seen.add(key)
            rows.append({"text": text, "kind": "ordinary_pool"})
            counts[source] += 1
    out.mkdir(parents=True, exist_ok=True)
    with (out / "risk_negative.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="a folder outside the repo")
    parser.add_argument("--goemotions", type=Path, default=SHARED / "goemotions_ekman" / "train.tsv")
    parser.add_argument("--emotionquery", type=Path, default=SHARED / "emotionquery" / "EmotionQuery+.json")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if ROOT in args.out.resolve().parents:
        raise SystemExit("--out must lie outside the repo (GoEmotions text is not ours to ship)")
    print(json.dumps(build(args.out, args.goemotions, args.emotionquery, args.seed)))


if __name__ == "__main__":
    main()
