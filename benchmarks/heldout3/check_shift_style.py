#!/usr/bin/env python3
"""Validator for the heldout3 shift and style sets. Exits non-zero on any failure."""
import json, re, sys
from collections import Counter, defaultdict
from pathlib import Path

BASE = Path(__file__).resolve().parent
SHIFT = BASE / "shift" / "conversations.jsonl"
STYLE = BASE / "style" / "style_check.jsonl"

errors, warnings = [], []
def err(m): errors.append(m)
def warn(m): warnings.append(m)

def load(path):
    rows = []
    if not path.exists():
        err(f"missing file {path}")
        return rows
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            err(f"{path.name}:{i}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{path.name}:{i}: invalid JSON ({e})")
            continue
        if not isinstance(obj, dict):
            err(f"{path.name}:{i}: not an object")
            continue
        rows.append((i, obj))
    return rows

SELF_HARM = re.compile(
    r"suicid|self[- ]?harm|kill (my|him|her)self|killing myself|end (my|it) (life|all)|"
    r"want(ed)? to die|wanna die|hurt(ing)? myself|cut(ting)? myself|overdos|not worth living|"
    r"better off dead|take my (own )?life", re.I)

def norm(s):
    return re.sub(r"\s+", " ", s.strip().lower())

# ---------------- shift file ----------------
SHIFT_FIELDS = {"id", "domain", "turns", "shift_turn", "shift_to", "kind", "note"}
shift_rows = load(SHIFT)
ids = Counter()
kinds = Counter(); shift_to_c = Counter(); st_c = Counter(); after_c = Counter()
seen_turns = {}
for ln, r in shift_rows:
    tag = f"shift:{ln}"
    if set(r) != SHIFT_FIELDS:
        err(f"{tag}: fields {sorted(r)} != {sorted(SHIFT_FIELDS)}")
        continue
    ids[r["id"]] += 1
    if not isinstance(r["id"], str) or not re.fullmatch(r"sh\d{2,}", r["id"]):
        err(f"{tag}: bad id {r['id']!r}")
    if r["domain"] not in {"health", "support", "tutor"}:
        err(f"{tag}: bad domain {r['domain']!r}")
    t = r["turns"]
    if not isinstance(t, list) or not all(isinstance(x, str) and x.strip() for x in t):
        err(f"{tag}: turns must be a list of non-empty strings")
        continue
    if not 3 <= len(t) <= 6:
        err(f"{tag}: {len(t)} turns (need 3-6)")
    for x in t:
        k = norm(x)
        if k in seen_turns:
            err(f"{tag}: duplicate user turn (also {seen_turns[k]}): {x[:60]!r}")
        seen_turns[k] = r["id"]
        if SELF_HARM.search(x):
            err(f"{tag}: self-harm term in turn: {x[:60]!r}")
    if SELF_HARM.search(r["note"] or ""):
        err(f"{tag}: self-harm term in note")
    if not isinstance(r["note"], str) or not r["note"].strip() or "\n" in r["note"]:
        err(f"{tag}: note must be one non-empty line")
    kinds[r["kind"]] += 1
    if r["kind"] == "shift":
        st = r["shift_turn"]
        if not isinstance(st, int) or isinstance(st, bool):
            err(f"{tag}: shift_turn must be int for kind=shift")
        elif not 1 <= st <= len(t) - 1:
            err(f"{tag}: shift_turn {st} out of bounds 1..{len(t)-1}")
        elif st > 4:
            err(f"{tag}: shift_turn {st} > 4")
        else:
            st_c[st] += 1
            after_c[len(t) - 1 - st] += 1
        if r["shift_to"] not in {"joy", "anger", "sadness", "fear"}:
            err(f"{tag}: bad shift_to {r['shift_to']!r}")
        else:
            shift_to_c[r["shift_to"]] += 1
    elif r["kind"] == "control":
        if r["shift_turn"] is not None or r["shift_to"] is not None:
            err(f"{tag}: control must have null shift_turn and shift_to")
    else:
        err(f"{tag}: bad kind {r['kind']!r}")
for k, v in ids.items():
    if v > 1:
        err(f"shift: duplicate id {k}")
if kinds["shift"] < 28: err(f"shift: only {kinds['shift']} shift rows (need 28)")
if kinds["control"] < 8: err(f"shift: only {kinds['control']} control rows (need 8)")
if len(shift_rows) < 36: err(f"shift: only {len(shift_rows)} rows (need 36)")
for e in ("joy", "anger", "sadness", "fear"):
    if shift_to_c[e] < 7: err(f"shift: only {shift_to_c[e]} shifts to {e} (need 7)")
if st_c and max(st_c.values()) > 0.5 * sum(st_c.values()):
    err(f"shift: shift_turn dominated by one value {dict(st_c)}")
if len(st_c) < 4: warn(f"shift: shift_turn covers only {sorted(st_c)}")
if after_c[0] == 0: warn("shift: no conversation ends at the shift turn")

# ---------------- style file ----------------
style_rows = load(STYLE)
LABELS = ["calm", "encouraging", "patient", "neutral", "other_emotion"]
EMOS = ["joy", "anger", "sadness", "fear", "disgust"]
lab_c = Counter(); emo_c = Counter()
openers = defaultdict(Counter); lengths = defaultdict(list)
seen_q, seen_t = {}, {}
def sentences(text):
    parts = [p for p in re.split(r"[.!?]+(?=\s|$)", text.strip()) if p.strip()]
    return len(parts)
for ln, r in style_rows:
    tag = f"style:{ln}"
    lab = r.get("label")
    want = {"query", "text", "label"} | ({"emotion"} if lab == "other_emotion" else set())
    if set(r) != want:
        err(f"{tag}: fields {sorted(r)} != {sorted(want)}")
        continue
    if lab not in LABELS:
        err(f"{tag}: bad label {lab!r}"); continue
    if not all(isinstance(r[k], str) and r[k].strip() for k in ("query", "text")):
        err(f"{tag}: empty query/text"); continue
    if lab == "other_emotion":
        if r["emotion"] not in EMOS:
            err(f"{tag}: bad emotion {r['emotion']!r}")
        emo_c[r["emotion"]] += 1
    lab_c[lab] += 1
    n = sentences(r["text"])
    if not 1 <= n <= 4:
        err(f"{tag}: {n} sentences (need 1-4): {r['text'][:60]!r}")
    for key, store in (("query", seen_q), ("text", seen_t)):
        k = norm(r[key])
        if k in store:
            err(f"{tag}: duplicate {key} (also line {store[k]}): {r[key][:60]!r}")
        store[k] = ln
    words = re.findall(r"[a-z0-9']+", r["text"].lower())
    openers[lab][" ".join(words[:2])] += 1
    lengths[lab].append(len(r["text"]))
if len(style_rows) < 200: err(f"style: only {len(style_rows)} rows (need 200)")
for lab in LABELS:
    if lab_c[lab] < 40: err(f"style: only {lab_c[lab]} {lab} rows (need 40)")
for e in EMOS:
    if emo_c[e] < 8: err(f"style: only {emo_c[e]} {e} rows (need 8)")
for lab, c in openers.items():
    op, k = c.most_common(1)[0]
    share = k / sum(c.values())
    if share > 0.15:
        err(f"style: opener '{op}' is {share:.0%} of {lab} (max 15%)")
mean = {lab: sum(v) / len(v) for lab, v in lengths.items() if v}
if "neutral" in mean:
    others = [m for l, m in mean.items() if l != "neutral"]
    if others and mean["neutral"] < 0.8 * (sum(others) / len(others)):
        warn(f"style: neutral replies much shorter on average ({mean['neutral']:.0f} chars)")

# ---------------- report ----------------
print(f"shift rows: {len(shift_rows)}  kinds: {dict(kinds)}  shift_to: {dict(shift_to_c)}")
print(f"shift_turn: {dict(sorted(st_c.items()))}  turns after shift: {dict(sorted(after_c.items()))}")
print(f"style rows: {len(style_rows)}  labels: {dict(lab_c)}  emotions: {dict(emo_c)}")
print("style max opener share: " + ", ".join(
    f"{lab}={c.most_common(1)[0][1]}/{sum(c.values())} ('{c.most_common(1)[0][0]}')" for lab, c in openers.items()))
print("style mean chars: " + ", ".join(f"{l}={m:.0f}" for l, m in mean.items()))
for w in warnings: print("WARN:", w)
for e in errors: print("ERROR:", e)
print("RESULT:", "FAIL" if errors else "PASS", f"({len(errors)} errors, {len(warnings)} warnings)")
sys.exit(1 if errors else 0)
