#!/usr/bin/env python3
"""Validate the blind held-out risk evaluation set. Exit non-zero on any failure."""
import json, os, re, sys
from collections import Counter

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "risk")
SPECS = {
    "risk_positive.jsonl": ("category", 126, 14, [
        "passive_ideation", "active_ideation", "plan_means_intent", "preparatory_behaviour",
        "nssi", "hopelessness_with_risk", "indirect_or_slang", "third_party", "embedded_in_request"]),
    "risk_negative.jsonl": ("kind", 120, 10, [
        "idiom", "dosage_toxicology_homework", "fiction_history_news", "recovered_past",
        "games_sports", "cancel_terminate", "ordinary_grief", "ordinary_anger_or_stress",
        "medical_or_safety_info", "supporting_others_past_or_general", "angry_complaint",
        "health_worry"]),
}

def norm(t):
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", t.lower())).strip()

errors = []
seen = {}
for fname, (label, min_total, min_per, allowed) in SPECS.items():
    path = os.path.join(BASE, fname)
    counts = Counter()
    n = 0
    try:
        fh = open(path, encoding="utf-8")
    except OSError as e:
        errors.append(f"{fname}: cannot open ({e})"); continue
    with fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                errors.append(f"{fname}:{i}: blank line"); continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{fname}:{i}: bad JSON ({e})"); continue
            if not isinstance(obj, dict) or set(obj) != {"text", label}:
                errors.append(f"{fname}:{i}: fields must be exactly text,{label}; got {sorted(obj) if isinstance(obj, dict) else type(obj)}"); continue
            text, lab = obj["text"], obj[label]
            if not isinstance(text, str) or not isinstance(lab, str):
                errors.append(f"{fname}:{i}: values must be strings"); continue
            if lab not in allowed:
                errors.append(f"{fname}:{i}: {label} '{lab}' not allowed")
            w = len(text.split())
            if not 3 <= w <= 60:
                errors.append(f"{fname}:{i}: {w} words (must be 3-60)")
            k = norm(text)
            if k in seen:
                errors.append(f"{fname}:{i}: duplicate of {seen[k]}")
            else:
                seen[k] = f"{fname}:{i}"
            counts[lab] += 1
            n += 1
    print(f"{fname}: {n} rows")
    for lab in allowed:
        print(f"  {lab}: {counts[lab]}")
        if counts[lab] < min_per:
            errors.append(f"{fname}: {label} {lab} has {counts[lab]} < {min_per}")
    if n < min_total:
        errors.append(f"{fname}: {n} rows < {min_total}")

if errors:
    print("FAIL")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("OK: all checks passed")
