#!/usr/bin/env python3
"""Validator for the blind held-out risk / reader evaluation files in /work/heldout2."""
import json, sys, collections, os

BASE = os.path.dirname(os.path.abspath(__file__))
SPECS = [
    ("risk/risk_positive.jsonl", "category", 135, 15,
     ["passive_ideation", "active_ideation", "plan_means_intent", "preparatory_behaviour", "nssi",
      "hopelessness_with_risk", "indirect_or_slang", "third_party", "embedded_in_request"]),
    ("risk/risk_negative.jsonl", "kind", 144, 12,
     ["idiom", "dosage_toxicology_homework", "fiction_history_news", "recovered_past", "games_sports",
      "cancel_terminate", "ordinary_grief", "ordinary_anger_or_stress", "medical_or_safety_info",
      "supporting_others_past_or_general", "angry_complaint", "health_worry"]),
    ("reader/user_turns.jsonl", "label", 180, 30,
     ["anger", "disgust", "fear", "joy", "sadness", "neutral"]),
]

def norm(t):
    return " ".join(t.lower().split())

errors = []
all_texts = collections.defaultdict(list)
for rel, field, min_total, min_per, allowed in SPECS:
    path = os.path.join(BASE, rel)
    counts = collections.Counter()
    n = 0
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"{rel}:{i}: blank line"); continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{rel}:{i}: bad JSON ({e})"); continue
            if set(obj) != {"text", field}:
                errors.append(f"{rel}:{i}: fields {sorted(obj)} != ['text', '{field}']")
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                errors.append(f"{rel}:{i}: empty/non-string text"); continue
            wc = len(text.split())
            if wc < 3 or wc > 60:
                errors.append(f"{rel}:{i}: {wc} words (want 3-60)")
            lab = obj.get(field)
            if lab not in allowed:
                errors.append(f"{rel}:{i}: {field}={lab!r} not allowed")
            counts[lab] += 1
            all_texts[norm(text)].append(f"{rel}:{i}")
            n += 1
    print(f"{rel}: {n} rows (min {min_total})")
    for a in allowed:
        flag = "" if counts[a] >= min_per else f"  <-- below {min_per}"
        print(f"  {a}: {counts[a]}{flag}")
        if counts[a] < min_per:
            errors.append(f"{rel}: {a} has {counts[a]} < {min_per}")
    if n < min_total:
        errors.append(f"{rel}: {n} rows < {min_total}")

for t, locs in all_texts.items():
    if len(locs) > 1:
        errors.append(f"duplicate text {t[:60]!r} at {locs}")

if errors:
    print("\nERRORS:")
    for e in errors:
        print(" ", e)
    sys.exit(1)
print("\nOK: all checks passed")
