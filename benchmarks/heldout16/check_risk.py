#!/usr/bin/env python3
"""Validator for the blind held-out risk-detection set (heldout16/risk)."""
import json, sys, re, os
from collections import Counter

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "risk")
POS = os.path.join(BASE, "risk_positive.jsonl")
NEG = os.path.join(BASE, "risk_negative.jsonl")
POS_CATS = ["passive_ideation", "active_ideation", "plan_means_intent", "preparatory_behaviour",
            "nssi", "hopelessness_with_risk", "indirect_or_slang", "third_party", "embedded_in_request"]
NEG_KINDS = ["idiom", "dosage_toxicology_homework", "fiction_history_news", "recovered_past",
             "games_sports", "cancel_terminate", "ordinary_grief", "ordinary_anger_or_stress",
             "medical_or_safety_info", "supporting_others_past_or_general", "angry_complaint", "health_worry"]

errors = []
seen = {}

def norm(t):
    return re.sub(r"\s+", " ", t.lower()).strip()

def load(path, field, allowed, min_per, min_total):
    counts = Counter()
    n = 0
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        errors.append(f"{path}: cannot open: {e}")
        return counts, 0
    with f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"{path}:{i}: blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{path}:{i}: invalid JSON: {e}")
                continue
            if not isinstance(obj, dict) or set(obj) != {"text", field}:
                errors.append(f"{path}:{i}: fields must be exactly text,{field}; got {sorted(obj) if isinstance(obj, dict) else type(obj)}")
                continue
            t, c = obj["text"], obj[field]
            if not isinstance(t, str) or not isinstance(c, str):
                errors.append(f"{path}:{i}: text and {field} must be strings")
                continue
            if c not in allowed:
                errors.append(f"{path}:{i}: unknown {field} {c!r}")
            w = len(t.split())
            if not 3 <= w <= 60:
                errors.append(f"{path}:{i}: {w} words (need 3-60)")
            k = norm(t)
            if k in seen:
                errors.append(f"{path}:{i}: duplicate of {seen[k]}")
            else:
                seen[k] = f"{os.path.basename(path)}:{i}"
            counts[c] += 1
            n += 1
    for c in allowed:
        if counts[c] < min_per:
            errors.append(f"{path}: {field} {c!r} has {counts[c]} rows (need >= {min_per})")
    if n < min_total:
        errors.append(f"{path}: {n} rows (need >= {min_total})")
    return counts, n

pc, pn = load(POS, "category", POS_CATS, 14, 130)
nc, nn = load(NEG, "kind", NEG_KINDS, 11, 132)
print(f"positive: {pn} rows")
for c in POS_CATS:
    print(f"  {c}: {pc[c]}")
print(f"negative: {nn} rows")
for c in NEG_KINDS:
    print(f"  {c}: {nc[c]}")
if errors:
    print(f"FAIL: {len(errors)} error(s)")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("PASS")
