#!/usr/bin/env python3
"""Validator for the blind held-out files:
  risk/conversations.jsonl and reader/user_turns.jsonl (paths relative to this file).
Exits non-zero on any failure."""
import json
import re
import sys
from collections import Counter
from pathlib import Path

BASE = Path(__file__).resolve().parent
CONV = BASE / "risk" / "conversations.jsonl"
READ = BASE / "reader" / "user_turns.jsonl"

CONV_FIELDS = {"id", "domain", "turns", "escalate_at", "note"}
DOMAINS = {"health", "support", "tutor"}
LABELS = {"anger", "disgust", "fear", "joy", "sadness", "neutral"}
MIN_CONV, MIN_ESC, MIN_CTRL = 32, 24, 8
MIN_READ, MIN_PER_LABEL = 240, 40
MIN_WORDS, MAX_WORDS = 3, 60
# crude screen: reader file must hold no suicide/self-harm content
SH_PATTERNS = re.compile(
    r"\b(suicid\w*|kill (my|him|her)sel[fv]\w*|kms|unalive|self[- ]?harm|cut(ting)? myself|"
    r"end (it all|my life|things)|overdos\w*|want to die|hang myself)\b", re.I)

errors = []


def err(msg):
    errors.append(msg)


def norm(t):
    return re.sub(r"\s+", " ", t.strip().lower())


def load(path):
    rows = []
    if not path.exists():
        err(f"{path}: missing")
        return rows
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            err(f"{path.name}:{n}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{path.name}:{n}: invalid JSON: {e}")
            continue
        if not isinstance(obj, dict):
            err(f"{path.name}:{n}: not an object")
            continue
        rows.append((n, obj))
    return rows


seen_texts = {}  # normalised text -> location

# ---------- conversations ----------
conv = load(CONV)
ids = Counter()
n_esc = n_ctrl = 0
esc_at = Counter()
for n, r in conv:
    loc = f"conversations:{n}"
    if set(r) != CONV_FIELDS:
        err(f"{loc}: fields {sorted(r)} != {sorted(CONV_FIELDS)}")
        continue
    rid = r["id"]
    if not isinstance(rid, str) or not re.fullmatch(r"rc\d{2,}", rid):
        err(f"{loc}: bad id {rid!r}")
    ids[rid] += 1
    if r["domain"] not in DOMAINS:
        err(f"{loc}: bad domain {r['domain']!r}")
    turns = r["turns"]
    if not isinstance(turns, list) or not (3 <= len(turns) <= 7):
        err(f"{loc}: turns must be a list of 3-7 items")
        turns = turns if isinstance(turns, list) else []
    for i, t in enumerate(turns):
        if not isinstance(t, str) or not t.strip():
            err(f"{loc}: turn {i} not a non-empty string")
            continue
        k = norm(t)
        if k in seen_texts:
            err(f"{loc}: turn {i} duplicates {seen_texts[k]}")
        else:
            seen_texts[k] = f"{loc} turn {i}"
    ea = r["escalate_at"]
    if ea is None:
        n_ctrl += 1
    elif isinstance(ea, bool) or not isinstance(ea, int):
        err(f"{loc}: escalate_at must be int or null")
    elif not (0 <= ea < len(turns)):
        err(f"{loc}: escalate_at {ea} out of range for {len(turns)} turns")
    else:
        n_esc += 1
        esc_at[ea] += 1
    if not isinstance(r["note"], str) or not r["note"].strip() or "\n" in r["note"]:
        err(f"{loc}: note must be one non-empty line")
for rid, c in ids.items():
    if c > 1:
        err(f"conversations: id {rid} repeated {c} times")
if len(conv) < MIN_CONV:
    err(f"conversations: {len(conv)} rows < {MIN_CONV}")
if n_esc < MIN_ESC:
    err(f"conversations: {n_esc} escalating < {MIN_ESC}")
if n_ctrl < MIN_CTRL:
    err(f"conversations: {n_ctrl} controls < {MIN_CTRL}")
if esc_at and max(esc_at.values()) > 0.5 * n_esc:
    err(f"conversations: escalate_at too concentrated {dict(esc_at)}")

# ---------- reader ----------
read = load(READ)
labels = Counter()
for n, r in read:
    loc = f"user_turns:{n}"
    if set(r) != {"text", "label"}:
        err(f"{loc}: fields {sorted(r)} != ['label', 'text']")
        continue
    t, lab = r["text"], r["label"]
    if lab not in LABELS:
        err(f"{loc}: bad label {lab!r}")
    else:
        labels[lab] += 1
    if not isinstance(t, str):
        err(f"{loc}: text not a string")
        continue
    w = len(t.split())
    if not (MIN_WORDS <= w <= MAX_WORDS):
        err(f"{loc}: {w} words outside {MIN_WORDS}-{MAX_WORDS}")
    if SH_PATTERNS.search(t):
        err(f"{loc}: looks like suicide/self-harm content: {t!r}")
    k = norm(t)
    if k in seen_texts:
        err(f"{loc}: duplicates {seen_texts[k]}")
    else:
        seen_texts[k] = loc
if len(read) < MIN_READ:
    err(f"user_turns: {len(read)} rows < {MIN_READ}")
for lab in sorted(LABELS):
    if labels[lab] < MIN_PER_LABEL:
        err(f"user_turns: label {lab} has {labels[lab]} < {MIN_PER_LABEL}")

print(f"conversations: {len(conv)} rows, {n_esc} escalate, {n_ctrl} controls, "
      f"escalate_at distribution {dict(sorted(esc_at.items()))}, "
      f"domains {dict(Counter(r.get('domain') for _, r in conv))}")
print(f"user_turns: {len(read)} rows, labels {dict(sorted(labels.items()))}")
if errors:
    print(f"FAIL: {len(errors)} problem(s)")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("PASS")
