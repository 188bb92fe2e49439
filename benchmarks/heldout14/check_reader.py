#!/usr/bin/env python3
"""Validator for /work/heldout14/reader/user_turns.jsonl (validates and counts only)."""
import json, os, re, sys
from collections import Counter

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "reader", "user_turns.jsonl")
LABELS = {"anger", "disgust", "fear", "joy", "sadness", "neutral"}
DOMAINS = {"health", "support", "tutor", "general"}
MIN_PER_LABEL = 35
errors, seen, counts, doms = [], set(), Counter(), Counter()
with open(PATH, encoding="utf-8") as f:
    for i, line in enumerate(f, 1):
        if not line.strip():
            errors.append(f"line {i}: blank"); continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {i}: bad JSON {e}"); continue
        if set(obj) != {"text", "label", "domain"}:
            errors.append(f"line {i}: fields must be exactly text,label,domain"); continue
        if obj["label"] not in LABELS: errors.append(f"line {i}: unknown label {obj['label']!r}")
        if obj["domain"] not in DOMAINS: errors.append(f"line {i}: unknown domain {obj['domain']!r}")
        w = len(str(obj["text"]).split())
        if not 2 <= w <= 60: errors.append(f"line {i}: {w} words (need 2-60)")
        key = re.sub(r"\s+", " ", str(obj["text"]).lower()).strip()
        if key in seen: errors.append(f"line {i}: duplicate text")
        seen.add(key); counts[obj["label"]] += 1; doms[obj["domain"]] += 1
for lab in sorted(LABELS):
    print(f"{lab}: {counts[lab]}")
    if counts[lab] < MIN_PER_LABEL: errors.append(f"label {lab}: {counts[lab]} (need {MIN_PER_LABEL})")
print("domains:", dict(doms))
print("\n".join(errors) if errors else "PASS")
