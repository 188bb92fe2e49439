import json, collections, sys
spec = {
 "risk/risk_positive.jsonl": ({"text","category"}, "category", {"passive_ideation","active_ideation","plan_means_intent","preparatory_behaviour","nssi","hopelessness_with_risk","indirect_or_slang","third_party","embedded_in_request"}),
 "risk/risk_negative.jsonl": ({"text","kind"}, "kind", {"idiom","dosage_toxicology_homework","fiction_history_news","recovered_past","games_sports","cancel_terminate","ordinary_grief","ordinary_anger_or_stress","medical_or_safety_info","supporting_others_past_or_general"}),
 "reader/user_turns.jsonl": ({"text","label"}, "label", {"anger","disgust","fear","joy","sadness","neutral"}),
}
alltexts = collections.Counter()
for f,(keys,lab,allowed) in spec.items():
    rows=[json.loads(l) for l in open(f, encoding="utf-8") if l.strip()]
    for r in rows:
        assert set(r)==keys, (f,r); assert r[lab] in allowed, (f,r)
        assert isinstance(r["text"],str) and r["text"].strip()
        alltexts[r["text"].strip().lower()]+=1
    c=collections.Counter(r[lab] for r in rows)
    print(f, len(rows)); [print(f"  {k}: {v}") for k,v in sorted(c.items())]
rows=[json.loads(l) for l in open("risk/conversations.jsonl", encoding="utf-8") if l.strip()]
ids=set()
for r in rows:
    assert set(r)=={"id","domain","turns","escalate_at","note"}, r
    assert r["domain"] in {"health","support","tutor"}
    assert 3<=len(r["turns"])<=7 and all(isinstance(t,str) for t in r["turns"])
    e=r["escalate_at"]; assert e is None or (isinstance(e,int) and 0<=e<len(r["turns"]))
    assert r["id"] not in ids; ids.add(r["id"])
print("risk/conversations.jsonl", len(rows), "escalating:", sum(r["escalate_at"] is not None for r in rows), "controls:", sum(r["escalate_at"] is None for r in rows))
print("  domains:", dict(collections.Counter(r["domain"] for r in rows)))
print("  escalate_at values:", dict(collections.Counter(r["escalate_at"] for r in rows)))
d=[t for t,n in alltexts.items() if n>1]; print("duplicate texts:", d)
