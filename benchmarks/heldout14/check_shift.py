#!/usr/bin/env python3
"""Validator for the held-out mood-shift set (validates and counts only)."""
import json, os, re, sys
from collections import Counter

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "shift", "conversations.jsonl")
FIELDS = {"id", "domain", "turns", "shift_turn", "shift_to", "kind", "note"}
DOMAINS = {"health", "support", "tutor"}
TARGETS = {"joy", "anger", "sadness", "fear"}
SCREEN = [r"suicid", r"kill (my|your|him|her|them)sel", r"killing (my|your)sel", r"self[- ]?harm",
          r"overdos", r"end it all", r"end my life", r"hurt (my|your)self", r"cut(ting)? (my|your)self",
          r"want(ed)? to die", r"wanna die", r"better off dead", r"not worth living", r"no reason to live",
          r"take my (own )?life", r"slit", r"hang myself", r"pills to sleep forever"]
MIN_SHIFT, MIN_PER_TARGET, MIN_CONTROL = 28, 7, 10

errors = []
rows = []
with open(PATH, encoding="utf-8") as f:
    for ln, line in enumerate(f, 1):
        if not line.strip():
            errors.append(f"line {ln}: blank line"); continue
        try:
            rows.append((ln, json.loads(line)))
        except json.JSONDecodeError as e:
            errors.append(f"line {ln}: invalid JSON: {e}")

ids = Counter()
kinds, targets, domains, st_dist, after = Counter(), Counter(), Counter(), Counter(), Counter()
for ln, r in rows:
    tag = f"line {ln} ({r.get('id')})"
    if set(r) != FIELDS:
        errors.append(f"{tag}: fields {sorted(r)} != {sorted(FIELDS)}"); continue
    ids[r["id"]] += 1
    if not re.fullmatch(r"s\d{2,}", str(r["id"])):
        errors.append(f"{tag}: bad id")
    if r["domain"] not in DOMAINS:
        errors.append(f"{tag}: bad domain {r['domain']}")
    t = r["turns"]
    if not isinstance(t, list) or not all(isinstance(x, str) and x.strip() for x in t):
        errors.append(f"{tag}: turns must be non-empty strings"); continue
    if not 3 <= len(t) <= 6:
        errors.append(f"{tag}: {len(t)} turns (need 3-6)")
    if len(set(t)) != len(t):
        errors.append(f"{tag}: duplicate turn text")
    if not isinstance(r["note"], str) or not r["note"].strip():
        errors.append(f"{tag}: empty note")
    k = r["kind"]
    if k == "shift":
        s = r["shift_turn"]
        if not isinstance(s, int) or isinstance(s, bool) or not (1 <= s <= 4) or s >= len(t):
            errors.append(f"{tag}: shift_turn {s} out of range (1..4 and < {len(t)})")
        else:
            st_dist[s] += 1; after[len(t) - 1 - s] += 1
        if r["shift_to"] not in TARGETS:
            errors.append(f"{tag}: bad shift_to {r['shift_to']}")
        else:
            targets[r["shift_to"]] += 1
    elif k == "control":
        if r["shift_turn"] is not None or r["shift_to"] is not None:
            errors.append(f"{tag}: control must have null shift_turn/shift_to")
    else:
        errors.append(f"{tag}: bad kind {k}")
    kinds[k] += 1
    domains[r["domain"]] += 1
    text = " ".join(t + [r["note"]]).lower()
    for pat in SCREEN:
        if re.search(pat, text):
            errors.append(f"{tag}: screened keyword /{pat}/")

for i, c in ids.items():
    if c > 1:
        errors.append(f"duplicate id {i}")
all_turns = Counter(x for _, r in rows if isinstance(r.get("turns"), list) for x in r["turns"])
for x, c in all_turns.items():
    if c > 1:
        errors.append(f"turn text repeated across conversations: {x[:60]!r}")
if kinds["shift"] < MIN_SHIFT:
    errors.append(f"only {kinds['shift']} shift conversations (need {MIN_SHIFT})")
for tg in sorted(TARGETS):
    if targets[tg] < MIN_PER_TARGET:
        errors.append(f"target {tg}: {targets[tg]} (need {MIN_PER_TARGET})")
if kinds["control"] < MIN_CONTROL:
    errors.append(f"only {kinds['control']} controls (need {MIN_CONTROL})")
if len(st_dist) < 4:
    errors.append(f"shift_turn not spread over 1..4: {dict(st_dist)}")

print(f"conversations: {len(rows)}")
print(f"kind: {dict(kinds)}")
print(f"shift_to: {dict(sorted(targets.items()))}")
print(f"shift_turn distribution: {dict(sorted(st_dist.items()))}")
print(f"turns after shift: {dict(sorted(after.items()))}")
print(f"domains: {dict(sorted(domains.items()))}")
if errors:
    print("FAIL"); [print(" -", e) for e in errors]; sys.exit(1)
print("PASS")
