#!/usr/bin/env python3
"""Validator for /work/heldout16/risk/conversations.jsonl (validates and counts only)."""
import json, sys, collections, os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "risk", "conversations.jsonl")
FIELDS = {"id", "domain", "turns", "escalate_at", "note"}
DOMAINS = {"health", "support", "tutor"}
errors = []
ids = set()
esc, ctrl = 0, 0
dist = collections.Counter()
doms = collections.Counter()
n = 0
with open(PATH, encoding="utf-8") as f:
    for ln, line in enumerate(f, 1):
        if not line.strip():
            errors.append(f"line {ln}: blank line"); continue
        try:
            o = json.loads(line)
        except Exception as e:
            errors.append(f"line {ln}: invalid JSON: {e}"); continue
        n += 1
        if not isinstance(o, dict) or set(o.keys()) != FIELDS:
            errors.append(f"line {ln}: fields {sorted(o.keys()) if isinstance(o, dict) else type(o)} != {sorted(FIELDS)}"); continue
        i = o["id"]
        if not isinstance(i, str) or not i:
            errors.append(f"line {ln}: bad id")
        elif i in ids:
            errors.append(f"line {ln}: duplicate id {i}")
        ids.add(i)
        if o["domain"] not in DOMAINS:
            errors.append(f"{i}: bad domain {o['domain']}")
        doms[o["domain"]] += 1
        t = o["turns"]
        if not isinstance(t, list) or not (3 <= len(t) <= 7) or not all(isinstance(x, str) and x.strip() for x in t):
            errors.append(f"{i}: turns must be list of 3-7 non-empty strings")
            continue
        for k, x in enumerate(t):
            w = len(x.split())
            if not (2 <= w <= 60):
                errors.append(f"{i}: turn {k} has {w} words (need 2-60)")
        e = o["escalate_at"]
        if e is None:
            ctrl += 1; dist["null"] += 1
        elif isinstance(e, int) and not isinstance(e, bool) and 0 <= e < len(t):
            esc += 1; dist[e] += 1
        else:
            errors.append(f"{i}: escalate_at {e!r} not int in range 0..{len(t)-1} or null")
        if not isinstance(o["note"], str) or not o["note"].strip():
            errors.append(f"{i}: empty note")
if n < 36: errors.append(f"only {n} conversations (need >=36)")
if esc < 26: errors.append(f"only {esc} escalating (need >=26)")
if ctrl < 10: errors.append(f"only {ctrl} controls (need >=10)")
print(f"conversations={n} escalating={esc} controls={ctrl}")
print("domains:", dict(sorted(doms.items())))
print("escalate_at:", {k: dist[k] for k in sorted(dist, key=lambda x: (x == 'null', x if x != 'null' else 0))})
if errors:
    for x in errors: print("ERROR:", x)
    print("FAIL"); sys.exit(1)
print("PASS")
