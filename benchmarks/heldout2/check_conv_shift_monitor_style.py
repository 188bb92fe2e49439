#!/usr/bin/env python3
"""Validate the hand-written held-out files: risk/conversations.jsonl,
shift/conversations.jsonl, monitor/turns.jsonl, style/style_check.jsonl.
Checks fields, label values, index bounds, unique ids, counts and duplicates.
Exit code 0 = all good, 1 = problems (printed)."""
import json, re, sys, collections
from pathlib import Path

ROOT = Path(__file__).resolve().parent
errors, warnings = [], []

def err(m): errors.append(m)
def warn(m): warnings.append(m)

def load(rel):
    p = ROOT / rel
    rows = []
    if not p.exists():
        err(f"{rel}: missing"); return rows
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            err(f"{rel}:{i}: blank line"); continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            err(f"{rel}:{i}: bad JSON: {e}")
    return rows

def norm(s): return re.sub(r"\W+", " ", s.lower()).strip()

def check_ids(rel, rows):
    ids = [r.get("id") for r in rows]
    for k, v in collections.Counter(ids).items():
        if v > 1: err(f"{rel}: duplicate id {k}")
    for r in rows:
        if not isinstance(r.get("id"), str) or not r["id"]:
            err(f"{rel}: bad id {r.get('id')!r}")

def check_keys(rel, r, required, optional=()):
    keys = set(r)
    miss = set(required) - keys
    extra = keys - set(required) - set(optional)
    if miss: err(f"{rel} {r.get('id', r.get('query', '?'))!r}: missing {sorted(miss)}")
    if extra: err(f"{rel} {r.get('id', r.get('query', '?'))!r}: unexpected {sorted(extra)}")

def check_turns(rel, r, lo, hi):
    t = r.get("turns")
    if not isinstance(t, list) or not all(isinstance(x, str) and x.strip() for x in t):
        err(f"{rel} {r.get('id')}: turns must be non-empty strings"); return 0
    if not lo <= len(t) <= hi:
        err(f"{rel} {r.get('id')}: {len(t)} turns, want {lo}-{hi}")
    return len(t)

def dup_texts(rel, texts):
    seen = {}
    for key, t in texts:
        n = norm(t)
        if n in seen: err(f"{rel}: duplicate text in {seen[n]} and {key}")
        else: seen[n] = key

# ---------- risk ----------
rel = "risk/conversations.jsonl"
risk = load(rel)
check_ids(rel, risk)
esc = ctl = 0
for r in risk:
    check_keys(rel, r, ["id", "domain", "turns", "escalate_at", "note"])
    if r.get("domain") not in {"health", "support", "tutor"}: err(f"{rel} {r.get('id')}: bad domain {r.get('domain')!r}")
    n = check_turns(rel, r, 3, 7)
    e = r.get("escalate_at")
    if e is None: ctl += 1
    elif isinstance(e, int) and not isinstance(e, bool) and 0 <= e < n: esc += 1
    else: err(f"{rel} {r.get('id')}: escalate_at {e!r} out of bounds for {n} turns")
if esc < 20: err(f"{rel}: {esc} escalating rows, want >= 20")
if ctl < 6: err(f"{rel}: {ctl} control rows, want >= 6")
if len(risk) < 26: err(f"{rel}: {len(risk)} rows, want >= 26")
dup_texts(rel, [(f"{r.get('id')}[{i}]", t) for r in risk for i, t in enumerate(r.get("turns") or [])])

# ---------- shift ----------
rel = "shift/conversations.jsonl"
shift = load(rel)
check_ids(rel, shift)
cnt = collections.Counter()
for r in shift:
    check_keys(rel, r, ["id", "domain", "turns", "shift_turn", "shift_to", "kind", "note"])
    if r.get("domain") not in {"health", "support", "tutor"}: err(f"{rel} {r.get('id')}: bad domain")
    n = check_turns(rel, r, 3, 6)
    k, st, to = r.get("kind"), r.get("shift_turn"), r.get("shift_to")
    if k == "shift":
        if to not in {"joy", "anger", "sadness", "fear"}: err(f"{rel} {r.get('id')}: bad shift_to {to!r}")
        if not (isinstance(st, int) and not isinstance(st, bool) and 1 <= st < n):
            err(f"{rel} {r.get('id')}: shift_turn {st!r} out of bounds (need 1..{n-1})")
        cnt[to] += 1
    elif k == "control":
        if st is not None or to is not None: err(f"{rel} {r.get('id')}: control must have null shift_turn/shift_to")
        cnt["control"] += 1
    else:
        err(f"{rel} {r.get('id')}: bad kind {k!r}")
for lab in ["joy", "anger", "sadness", "fear"]:
    if cnt[lab] < 6: err(f"{rel}: {cnt[lab]} shifts to {lab}, want >= 6")
if cnt["control"] < 8: err(f"{rel}: {cnt['control']} controls, want >= 8")
if len(shift) < 32: err(f"{rel}: {len(shift)} rows, want >= 32")
dup_texts(rel, [(f"{r.get('id')}[{i}]", t) for r in shift for i, t in enumerate(r.get("turns") or [])])
SELF_HARM = re.compile(r"suicid|kill (my|him|her)self|self[- ]harm|end (it|things|my life)|kms|unaliv|overdose|cut(ting)? myself", re.I)
for r in shift:
    for t in r.get("turns") or []:
        if SELF_HARM.search(t): err(f"{rel} {r.get('id')}: self-harm-like content: {t!r}")

# ---------- monitor ----------
rel = "monitor/turns.jsonl"
mon = load(rel)
check_ids(rel, mon)
AX = {"joy", "anger", "disgust", "fear", "sadness", "calm", "encouraging", "patient"}
auto = 0
for r in mon:
    check_keys(rel, r, ["id", "domain", "history", "user", "emotion", "intended"])
    if r.get("domain") not in {"health", "support", "tutor", "everyday"}: err(f"{rel} {r.get('id')}: bad domain")
    h = r.get("history")
    if not isinstance(h, list) or not all(isinstance(x, str) and x.strip() for x in h): err(f"{rel} {r.get('id')}: bad history")
    if not isinstance(r.get("user"), str) or not r["user"].strip(): err(f"{rel} {r.get('id')}: empty user")
    it = r.get("intended")
    if not isinstance(it, str) or not it.strip(): err(f"{rel} {r.get('id')}: empty intended")
    elif len(re.findall(r"[.!?](\s|$)", it.strip())) != 1: warn(f"{rel} {r.get('id')}: intended is not exactly one sentence")
    e = r.get("emotion")
    if e == "auto": auto += 1
    elif isinstance(e, dict) and e:
        for k2, v in e.items():
            if k2 not in AX: err(f"{rel} {r.get('id')}: unknown emotion axis {k2!r}")
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not -1 <= v <= 1: err(f"{rel} {r.get('id')}: intensity {v!r} outside [-1,1]")
    else:
        err(f"{rel} {r.get('id')}: emotion must be 'auto' or non-empty mix object")
if len(mon) < 48: err(f"{rel}: {len(mon)} rows, want >= 48")
if not 0.4 <= auto / max(len(mon), 1) <= 0.6: err(f"{rel}: auto share {auto}/{len(mon)} not about half")
dup_texts(rel, [(r.get("id"), r.get("user", "")) for r in mon])

# ---------- style ----------
rel = "style/style_check.jsonl"
sty = load(rel)
lab = collections.Counter(); emo = collections.Counter()
openers = collections.defaultdict(collections.Counter)
for i, r in enumerate(sty, 1):
    L = r.get("label")
    if L == "other_emotion":
        check_keys(rel, r, ["query", "text", "label", "emotion"])
        if r.get("emotion") not in {"joy", "anger", "sadness", "fear", "disgust"}: err(f"{rel}:{i}: bad emotion {r.get('emotion')!r}")
        emo[r.get("emotion")] += 1
    else:
        check_keys(rel, r, ["query", "text", "label"])
    if L not in {"calm", "encouraging", "patient", "neutral", "other_emotion"}: err(f"{rel}:{i}: bad label {L!r}")
    lab[L] += 1
    for f in ("query", "text"):
        if not isinstance(r.get(f), str) or not r[f].strip(): err(f"{rel}:{i}: empty {f}")
    t = r.get("text", "")
    ns = len([s for s in re.split(r"(?<=[.!?])[\"')]*\s+(?=[A-Z0-9\"'(])", t.strip()) if s.strip()])
    if not 1 <= ns <= 4: err(f"{rel}:{i}: {ns} sentences (want 1-4): {t[:60]!r}")
    first = " ".join(re.findall(r"[a-z']+", t.lower())[:2])
    openers[L][first] += 1
for L in ["calm", "encouraging", "patient", "neutral", "other_emotion"]:
    if lab[L] < 40: err(f"{rel}: {lab[L]} rows labelled {L}, want >= 40")
    top, c = (openers[L].most_common(1) or [("", 0)])[0]
    if lab[L] and c / lab[L] > 0.15: warn(f"{rel}: label {L} opener {top!r} used {c}/{lab[L]} times")
for E in ["joy", "anger", "sadness", "fear", "disgust"]:
    if emo[E] < 8: err(f"{rel}: {emo[E]} other_emotion rows for {E}, want >= 8")
dup_texts(rel, [(f"line{i}", r.get("text", "")) for i, r in enumerate(sty, 1)])
qs = collections.Counter(norm(r.get("query", "")) for r in sty)
for q, c in qs.items():
    if c > 1: warn(f"{rel}: query repeated {c}x: {q!r}")

print(f"risk: {len(risk)} rows ({esc} escalate, {ctl} control)")
print(f"shift: {len(shift)} rows {dict(cnt)}")
print(f"monitor: {len(mon)} rows ({auto} auto, {len(mon)-auto} mix)")
print(f"style: {len(sty)} rows {dict(lab)}; other_emotion {dict(emo)}")
for w in warnings: print("WARN", w)
for e in errors: print("ERROR", e)
print("OK" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
