"""The auditable layer of the risk detector: regular expressions by risk category, idioms, framing cues.

Patterns are written for recall (inflections, "wanna", missing apostrophes) and organised by the risk
taxonomy (`emotive_agents.router.risk.RISK_CATEGORIES`), so a match says *what kind* of risk it is.
Idioms ("this exam is killing me") are removed before matching, each specific enough never to swallow a
crisis phrase. Framing cues (a past stated as resolved, fiction, news or history, a game, coursework)
may lower a pattern hit below the alarm line, never one in a sentence with a present-tense first-person
anchor ("I'm going to", "I want", "tonight", "again"): framing never cancels an explicit present plan.
"""

from __future__ import annotations

import re

from emotive_agents.router.risk_patterns_generic import GENERIC_PATTERNS

# category -> patterns. First person unless the category is third_party.
CATEGORY_PATTERNS: dict[str, tuple[str, ...]] = {
    "passive_ideation": (
        r"\bwish\s+i\s+(was|were|had|'?d)\s+(dead|never\s+been\s+born|not\s+(here|alive|born))\b",
        r"\bwish\s+i\s+(could|would)\s+(just\s+)?(die|disappear\s+(forever|for\s+good)|not\s+wake\s+up|"
        r"stop\s+existing|cease\s+to\s+exist|sleep\s+forever|fall\s+asleep\s+and\s+(never|not))",
        r"\b(hope|pray|wish)\s+(that\s+)?i\s+(don'?t|do\s+not|won'?t|never)\s+wake\s+up\b"
        r"(?!\s+(late|early|in\s+time|on\s+time|before|after|with|at\s+\d|too\s+(late|early)))",
        r"\b(disappointed|upset|gutted|sorry)\s+(that\s+)?i\s+(woke|wake|keep\s+waking)\s+up\b"
        r"(?!\s+(late|early|too|at\s+(?!all)|in|with|to|and\s+(missed|forgot)))",
        r"\b(don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(live|be\s+alive|be\s+here|exist|wake\s+up)\b",
        r"\bnot\s+want(ing)?\s+to\s+(live|be\s+alive|wake\s+up)\b",
        r"\b(better\s+off|be\s+better|happier|be\s+fine|be\s+easier|be\s+lighter)\s+(dead|without\s+me)\b",
        r"\bbetter\s+off\s+if\s+i\s+(was|were|wasn'?t|weren'?t)\s+(gone|dead|not\s+(here|around)|here|around)\b",
        r"\b(tired|sick)\s+of\s+(being\s+alive|existing|living|life)\b",
        r"\bno\s+(reason|point)\s+(to|in)\s+(live|living|going\s+on|being\s+alive|keep\s+going)\b",
        r"\b(wouldn'?t|would\s+not|don'?t)\s+(mind|care)\s+if\s+i\s+(died|was\s+dead|didn'?t\s+wake|never\s+woke)",
        r"\b(stop|cease)\s+(existing|to\s+exist)\b",
        r"\b(rather|want\s+to)\s+(just\s+)?not\s+be\s+alive\b",
        r"\b(hopes?|hoping|wish(es|ing)?|prays?|praying)\b.*\b(takes|kills|finishes|ends)\s+me\b",
        # wanting out of life itself, not out of a contract or a job
        r"\b(existing|existence|life|living|being\s+alive)\b.*\bi\s+(just\s+|really\s+)?want\s+out\b(?!\s+of\b)",
    ),
    "active_ideation": (
        r"\b(i'?m|i\s+am|im|feel(ing)?|felt|been|get|getting|go|going|am)\s+(so\s+|really\s+|very\s+|quite\s+|"
        r"a\s+bit\s+|kind\s+of\s+|pretty\s+)?suicidal\b",
        r"\b(having|have|had|get|getting|with|my)\s+suicidal\s+(thoughts|urges|feelings|ideation)\b",
        r"\bsuicidal\s+(thoughts|urges|feelings)\s+(are|have\s+been|keep|won'?t|came|come|got)\b",
        r"\b(thinking|thought)\s+(about|of)\s+(overdosing|jumping|hanging\s+myself|cutting\s+my\s+wrists)\b",
        r"\bkill(ing)?\s+my\s*self\b",
        r"\bend(ing)?\s+(my|it)\s+(own\s+)?(life|all)\b(?!\s+(insurance|assurance|cover|policy|savings))",
        r"\bend\s+it\s+all\b",
        r"\btak(e|ing)\s+my\s+(own\s+)?life\b",
        r"\bcommit(ting)?\s+suicide\b",
        r"\b(i\s+keep|i'?ve\s+been|i'?m|i\s+am|i\s+have|i'?ve\s+had|my|i\s+can'?t\s+stop)\s+(\w+\s+){0,2}(thinking|thought|"
        r"thoughts)\s+(about|of)\s+(suicide|ending\s+(it|things|my\s+life))\b",
        r"\b(want|wanna|wish|going|planning|plan|ready|tempted|decided|need)\s+(to\s+)?"
        r"(just\s+|really\s+|simply\s+|so\s+badly\s+)?(die|be\s+dead)\b",
        r"\bi\s+(just\s+|really\s+|seriously\s+)?want\s+to\s+die\b",
        r"\b(ways|how)\s+to\s+(die|kill\s+myself|end\s+(it|my\s+life))\b",
        r"\bnot\s+safe\s+(from|with)\s+myself\b",
        r"\bslit(ting)?\s+my\s+(own\s+)?(wrists?|throat)\b",
        r"\b(what'?s|whats)\s+the\s+point\s+(of|in)\s+(waking\s+up|living|being\s+alive|going\s+on|staying\s+alive)\b",
        r"\bsuicide\s+(is|as)\s+(my|the)\s+only\b",
    ),
    "plan_means_intent": (
        r"\b(swallow|swallowed|take|took|taking|swallowing)\s+(all|every(thing)?|the\s+whole|a\s+whole|a\s+full|"
        r"a\s+bunch|enough)\s+(of\s+)?((packet|pack|box|bottle|strip|handful|load)s?\s+of\s+)?"
        r"(my\s+|the\s+|these\s+|those\s+|in\s+the\s+)?(\w+('s)?\s+)?(pills|tablets|meds|medication|"
        r"bottle|medicine\s+cabinet)\b",
        # a whole pack of a named drug, already taken ("just took a whole pack of paracetamol")
        r"\b(took|swallowed|downed|have\s+taken|'ve\s+taken)\s+(all|the\s+whole|a\s+whole|a\s+full)\s+(of\s+)?"
        r"((packet|pack|box|bottle|strip|tub)s?\s+of\s+)?(my\s+|the\s+)?(\w+('s)?\s+)?(paracetamol|acetaminophen|"
        r"tylenol|ibuprofen|painkillers|co-?codamol|codeine|antidepressants|sleeping\s+pills|sleeping\s+tablets)\b",
        r"\b(going\s+to|gonna|will|'ll|want\s+to|planning\s+to|plan\s+to)\s+(overdose|od)\b",
        r"\benough\s+(of\s+(my|the|these)\s+)?(pills|tablets|meds|medication|paracetamol|painkillers|sleeping\s+pills|"
        r"insulin|morphine)\s+to\s+(finish|end)\s+(it|things|myself|me\s+off)\b",
        r"\b(jump|jumping|step|stepping|throw\s+myself)\s+(off|from|in\s+front\s+of)\s+(a|the|this|my)\s+"
        r"(\w+\s+)?(bridge|roof|building|balcony|train|cliff|ledge|tower|car\s+park|parking\s+garage)\b",
        r"\bhang(ing)?\s+my\s*self\b",
        r"\b(i'?m|i\s+am|im)\s+(standing\s+|sitting\s+)?(on|at)\s+the\s+(edge|ledge|roof|bridge)\b",
        r"\b(saving|saved|stockpil(e|ed|ing)|hoard(ed|ing))\s+(up\s+)?(my\s+)?(pills|meds|tablets|medication|"
        r"antidepressants|sleeping\s+pills)\b",
        r"\b(pills|tablets|blade|razor|rope|gun)\s+(are\s+|is\s+)?(ready|in\s+my\s+hand|lined\s+up)\b",
        r"\b(i\s+have|i'?ve\s+got|i\s+got)\s+(the|my|all\s+my|enough)\s+(\w+\s+)?(pills|tablets|meds|rope|gun|blade|"
        r"razor)\b.*\b(going\s+to|gonna|will|'ll)\s+(take|use|swallow|do\s+it)\b",
        r"\btonight'?s\s+the\s+night\b",
        r"\b(picked|chosen|set)\s+a\s+date\b.*\b(end|die|do\s+it|it'?s)\b",
        r"\b(lethal|fatal)\s+dose\b.*\b(for\s+(me|tonight|myself)|to\s+kill\s+me|would\s+kill\s+me)\b",
        r"\b(dose|much|many)\b.*\bwould\s+kill\s+me\b",
        r"\b(lethal|fatal|deadly)\b.*\b(i\s+have|i'?ve\s+got)\s+(enough|plenty|more\s+than\s+enough|loads)\b",
        r"\b(use|using|used)\s+(it|them|that|this|the\s+\w+|a\s+\w+|his\s+\w+|her\s+\w+)\s+on\s+myself\b",
        r"\b(going\s+to|gonna|i'?ll|i\s+will|i\s+decide\s+to|decide\s+to)\s+(swallow|take|down)\s+(them|it|these|those)\s+all\b",
        r"\b(swallow|take|taking|swallowing)\s+(them|it|these|those)\s+all\s+(at\s+once|tonight|together)\b",
        r"\bhow\s+many\s+(of\s+)?(my|these|the)\s+(\w+\s+)?\w+\s+would\s+it\s+take\b",
        r"\bhow\s+(high|far|tall|long)\b.*\b(to\s+be\s+(fatal|lethal)|would\s+kill\s+me|to\s+die)\b",
        r"\b(looked|looking|look)\s+up\b.*\b(fatal|lethal|painless|overdoses?|ways\s+to\s+die)\b"
        r"|\b(researched|researching|googled|googling|searched|searching)\b.*\b(fatal|lethal|painless|overdoses?|"
        r"ways\s+to\s+die)\b",
        r"\bpainless\s+(way|ways|method|overdose|death|suicide)\b|\b(overdoses?|ways\s+to\s+die)\s+(are|is)\s+painless\b",
        r"\b(edge|ledge)\s+of\s+(the|a)\s+(cliff|roof|bridge|building|platform)\b",
    ),
    "preparatory_behaviour": (
        r"\b(goodbye|suicide)\s+(letters?|notes?|messages?|videos?)\b",
        r"\b(wrote|written|writing|write|left|finished)\s+(my\s+|a\s+|the\s+)?(last|final)\s+(letters?|notes?)\b",
        r"\b(for|after)\s+(when\s+)?i'?m\s+(gone|dead|not\s+(here|around))\b",
        r"\bafter\s+i\s+(die|go|am\s+gone)\b",
        r"\b(won'?t|will\s+not)\s+(be\s+)?(need|needing)\s+(it|them|these|this|my\s+\w+)\s+"
        r"(anymore|after|much\s+longer|soon)\b",
        r"\bone\s+last\s+time\b",
        r"\b(gave|giving|give|given)\s+(\w+\s+){0,4}away\b.*\b(won'?t|will\s+not)\s+(be\s+)?need",
        r"\b(watch|read|open|find)\s+(it\s+|them\s+)?after(wards)?\s*[.!]?$",
        r"\b(plann?(ed|ing)|instructions\s+for|arrang(ed|ing))\s+my\s+(own\s+)?funeral\b",
        r"\b(no\s*one|nobody)\s+(has|have|will\s+have)\s+to\s+(deal\s+with|clean\s+up|sort\s+out)\b.*\bafter\b",
        r"\bit'?s\s+(really|actually|the\s+final|the\s+last|a\s+final)\s+goodbye\b",
        r"\b(insurance|pension|policy|lump\s+sum|payout)\b.*\b(pays?\s+out|paid\s+out|covers?|covered|still\s+pays?)\b.*"
        r"\b(suicide|self[\s-]inflicted|take\s+my\s+own\s+life|kill\s+myself)\b",
        r"\b(put(ting)?|get(ting)?|sort(ed|ing)?)\s+(out\s+)?my\s+affairs\s+in\s+order\b",
        r"\bsort(ed|ing)?\s+out\s+my\s+affairs\b(?!\s+(before|for)\s+(the|my|our)\s+(house\s+)?(move|trip|holiday|"
        r"wedding|surgery|operation|baby))",
        r"\b(say|said|saying)\s+(my\s+)?goodbyes?\s+to\s+(everyone|people|everybody)\b(?!.*\b(moving|move|leaving\s+for|trip))",
        # settling things "before the end" (not the end of a month, a film, a match)
        r"\b(things|everything|it\s+all|all\s+of\s+it|accounts|affairs)\s+(square|right|settled|sorted|straight|"
        r"in\s+order|tidy|tied\s+up)\s+before\s+(the|my)\s+end\b(?!\s+of\b)",
        r"\b(apologi[sz](e|ed|ing)|apolog(y|ies)|amends|peace|goodbyes?)\b[^.?!]*\bbefore\s+(the|my)\s+end\b"
        r"(?!\s+of\b)",
        r"\b(messaged|texted|called|wrote\s+to|apologi[sz]ed\s+to)\s+(everyone|everybody|all\s+the\s+people)\s+"
        r"i'?ve\s+ever\s+(hurt|wronged|let\s+down)\b",
        # a personal farewell (not a band's farewell tour): "kind of a farewell tour", "my farewell trip"
        r"\b(my\s+(own\s+)?(little\s+)?|kind\s+of\s+a\s+|sort\s+of\s+a\s+|like\s+a\s+|a\s+personal\s+)farewell\s+"
        r"(tour|trip|visits?|round|letters?|notes?|messages?)\b",
        # after giving things away: "he won't understand why for a while"
        r"\b(won'?t|will\s+not)\s+(understand|get|know)\s+why\s+(for\s+a\s+(while|bit)|until\s+(later|after))\b",
        r"\b(lethal|fatal|deadly|kill|overdose)\b.*\b(need\s+to\s+know|want\s+to\s+know|asking)\s+(it\s+)?for\s+"
        r"(me|myself)\b",
    ),
    "nssi": (
        r"\b(cut|cutting|burn|burning|burnt|burned|hurt|hurting|harm|harming|punish|punishing|starve|starving|"
        r"hit|hitting|slice|slicing)\s+my\s*self\b(?!\s+(laughing|by\s+accident|accidentally|cooking|shaving))",
        r"(?<!ever\s)\bself[\s-]?harm(ing|ed)\b",
        r"\b(i|i'?ve|been|started|start|keep|to|my)\s+(\w+\s+)?self[\s-]?harm\b|\bself[\s-]?harm\s+(urges?|again)\b",
        r"\b(started|start|began|back\s+to)\s+cutting\b|\bcutting\s+(again|deeper)\b|\bcut\s+(again|deeper)\b",
        r"\brelapsed\b.*\b(blade|razor|cut|cutting|burn|burning|self[\s-]?harm)",
        r"\b(cut|cutting|burn|burning|scratch|scratching|scratched|carve|carved|carving)\s+(my\s+|into\s+my\s+)?"
        r"(arms?|wrists?|thighs?|legs?|stomach|skin)\b",
        r"\bcarv(e|ed|ing)\s+(\w+\s+){0,2}into\s+my\s+(skin|arms?|wrists?|legs?|thighs?)\b",
        r"\b(hide|hiding|cover|covering)\s+(up\s+)?(my\s+|the\s+)?((fresh|new|latest|recent|deep)\s+)?"
        r"(cuts|scars|marks|wounds|burns)\b",
        r"\burges?\s+to\s+(cut|self[\s-]?harm|hurt\s+myself|burn)\b",
    ),
    "hopelessness_with_risk": (
        r"\bwant\s+(it|this|everything|the\s+pain|all\s+of\s+it)\s+(all\s+)?to\s+(end|stop|be\s+over)\b"
        r"(?!\s+(so|quickly|soon\s+so))",
        r"\bnothing\s+(left\s+)?to\s+live\s+for\b",
        r"\b(give|giving|gave)\s+up\s+on\s+(life|living)\b",
        r"\b(can'?t|cannot)\s+(keep\s+)?(living|go\s+on\s+living|go\s+on\s+like\s+this)\b",
        r"\bcan'?t\s+go\s+on\s+(anymore|any\s+longer)\b",
        r"\b(no|don'?t\s+see\s+a)\s+(reason|point)\s+(to|in)\s+(keep\s+going|going\s+on|stay(ing)?\s+alive)\b",
        r"\b(run|ran)\s+out\s+of\s+reasons\s+to\s+(stay|live|keep\s+going)\b(?!\s+(in|at|with|on|for)\b)",
        r"\bno\s+future\s+(with|for)\s+me\b",
        r"\bready\s+(for\s+it\s+)?to\s+(be\s+over|check\s+out|stop\s+(living|existing))\b",
        r"\bthere\s+is\s+no\s+tomorrow\s+for\s+me\b",
        r"\bonly\s+(one\s+)?way\s+(out|to\s+make\s+(it|this)\s+stop)\b",
    ),
    "indirect_or_slang": (
        r"\bun[\s-]?aliv(e|ed|ing)\b",
        r"\bsewer\s*slide\b",
        r"\bkms\b",
        r"\bctb\b",
        r"\b(sleep|nap)\s+forever\b|\beternal\s+(sleep|nap|rest)\b|\bthe\s+big\s+sleep\b",
        r"\b(won'?t|will\s+not|not\s+going\s+to|not\s+gonna)\s+be\s+alive\b",
        r"\bplan(ning)?\s+(to\s+)?(not\s+be|on\s+not\s+being)\s+(around|here|alive)\b",
        r"\b(go\s+to\s+sleep|fall\s+asleep)\s+and\s+(never|not)\s+(wake|come\s+back)\b",
        r"\b(won'?t|will\s+not|not\s+going\s+to|not\s+gonna)\s+be\s+(a\s+problem|a\s+burden|around|here|alive)\s+"
        r"(for\s+(anyone|anybody|you)\s+)?(much\s+longer|any\s*more|for\s+long|after\s+(tonight|today|this)|"
        r"tomorrow|to\s+see)\b",
        r"\bwon'?t\s+have\s+to\s+(deal\s+with|worry\s+about|see|put\s+up\s+with)\s+me\s+"
        r"(again|anymore|after|much\s+longer)\b",
        r"\bout\s+of\s+(everyone'?s|your|their)\s+way\s+for\s+good\b",
        r"\b(log(ging)?\s+off|check(ing)?\s+out|tap(ping)?\s+out)\s+(from\s+|of\s+)?(life|everything)"
        r"(\s+(permanently|for\s+good|early))?\b",
        r"\b(checking|check)\s+out\s+early\b",
        r"\bpull(ing)?\s+the\s+plug\s+on\s+myself\b",
        r"\bmake\s+it\s+permanent\b",
        r"\blast\s+time\s+(you'?ll|you\s+will|anyone\s+will)\s+(hear|see)\s+(from\s+)?me\b",
        r"\b(one\s+less|no\s+more)\s+(problem|burden)\s+(in|for)\b",
        # "asking for a friend ... the friend is me"
        r"\b(the|this|my)\s+friend\s+(is|was|=)\s+(me|myself|actually\s+me)\b",
        r"\basking\s+for\s+a\s+friend\b.*\b(it'?s|it\s+is|jk\s+it'?s)\s+(me|myself)\b",
        # a one-way journey with a grave, a coffin or no return
        r"\bone[\s-]way\s+(ticket|trip|journey)\b.*(\bno\s+(return|coming\s+back|way\s+back)\b|"
        r"\bdefinitely\s+one[\s-]way\b|\U0001faa6|\u26b0|\U0001f480)",
        r"\bno\s+return\s+(journey|ticket|trip)\b\W*(\U0001faa6|\u26b0)",
        r"\bgetting\s+(closer|close)\s+to\s+(actually\s+)?(doing\s+it|going\s+through\s+with\s+it)\b",
    ),
    "third_party": (
        r"\bkill(ing|ed)?\s+(him|her|them)\s*sel(f|ves)\b",
        r"\bend(ing)?\s+(his|her|their)\s+(own\s+)?life\b(?!\s+(insurance|assurance|cover|policy|savings))",
        r"\b(he|she|they)('s|'re|\s+is|\s+are)?\s+(\w+\s+){0,3}(wants?|wanted|going|gonna|plans?|planning)\s+to\s+"
        r"(die|end\s+(it|things|(his|her|their)\s+life)|be\s+dead|unalive|kill(?!\s+(me|you|us)\b)|jump)",
        r"\b(hurt(ing)?|cut(ting)?|burn(ing|s)?|harm(ing)?)\s+(him|her|them)\s*sel(f|ves)\b",
        r"\b(he|she|they)\s*('s|'re|\s+is|\s+are|\s+was|\s+were|\s+seems?|\s+sounds?)\s+suicidal\b",
        r"\b(doesn'?t|does\s+not)\s+want\s+to\s+(live|be\s+alive|be\s+here)\b",
        r"\bbetter\s+off\s+without\s+(him|her|them)\b",
        r"\b(my|our)\s+(\w+\s+){1,2}(is|seems|sounds|might\s+be|may\s+be|could\s+be|has\s+been|feels)\s+suicidal\b",
        r"\b(found|saw|noticed|came\s+across)\b.*\b(search(es|ed)?|browser|history|notes?|letters?|messages?)\b.*"
        r"\b(fatal|lethal|overdose|suicide|to\s+die|kill\s+(him|her|them)sel(f|ves)|end\s+(his|her|their)\s+life)\b",
        r"\b(strange|weird|odd|worrying|scary|unsettling|alarming|final)\s+(farewell|goodbye)\s+(note|message|letter|"
        r"email|e-mail|text|post|video)\b",
    ),
}

# The generic structures (two ordinary cues that together state a method, a farewell, a last request).
CATEGORY_PATTERNS = {
    c: (*CATEGORY_PATTERNS.get(c, ()), *GENERIC_PATTERNS.get(c, ()))
    for c in dict.fromkeys([*CATEGORY_PATTERNS, *GENERIC_PATTERNS])
}

# Figurative uses removed before matching. Each is specific enough never to swallow a crisis phrase.
IDIOM_PATTERNS: tuple[str, ...] = (
    r"\b(is|are|was|were|'s|'re)\s+(literally\s+|totally\s+|absolutely\s+|just\s+|really\s+)?killing\s+me\b",
    r"\b(gonna|going\s+to|will|would|'ll)\s+(literally\s+)?kill\s+me\b",
    r"\bcould\s+(literally\s+)?kill\s+(for|someone|him|her|them|you)\b",
    r"\bkill(ed|ing)?\s+(it|them)\b",
    r"\bkill(ed|ing)?\s+myself\s+laughing\b",
    r"\bdying\s+(to|for|of\s+laughter|laughing)\b",
    r"\b(to|would|'d)\s+die\s+for\b",
    r"\b(going\s+to|gonna)\s+die\s+(from|of)\s+(this|the|a|my)\s+(flu|cold|cough|fever|heat|boredom)\b",
    r"\b(bored|scared|frightened|worried|tickled|loved|stressed)\s+to\s+death\b",
    r"\bdie\s+(of|from)\s+(embarrassment|boredom|shame|laughter|laughing)\b",
    r"\b(going\s+to|gonna)\s+die\s+if\s+i\s+(don'?t|do\s+not|can'?t)\s+(get|have|eat|drink)\b",
    # seventh round: an idiom's whole phrase, so the hit inside it ("going to die", "ending it all") goes
    r"\b(going\s+to|gonna|will|'ll|could|might)\s+(literally\s+|actually\s+)?die\s+(of|from)\s+(embarrassment|"
    r"boredom|shame|laughter|laughing|cringe)\b",
    r"\bend(ing|ed)?\s+it\s+all\s+with\s+(you|your|this|the|my)\s+(\w+\s+)?(service|company|bank|provider|gym|"
    r"subscription|app|account|contract|network|airline|broadband|insurer)\b",
    r"\bjump(ing)?\s+off\s+(the\s+|a\s+)?(\w+\s+){0,2}(tower|cliff|building|bridge|ledge|roof|platform)\s+(in|on)\s+"
    r"(the\s+)?(map|game|level|server|lobby)\b",
    r"\b(i'?d|i\s+would)\s+(literally\s+)?rather\s+(jump\s+off\s+a\s+(cliff|bridge|building|roof)|die|be\s+dead)\s+"
    r"than\s+(do|file|fill|pay|sit|watch|wear|listen|attend|read|write|eat|work\s+on|deal\s+with)\b",
    # a health question about an illness, not a wish ("am I going to die from this mole?")
    r"\b(am\s+i|will\s+i|could\s+i|would\s+i|is\s+it)\s+(going\s+to|gonna)\s+die\s+(from|of)\s+(this|a|my|the)\s+"
    r"(mole|lump|cold|flu|cough|rash|fever|headache|bite|sting|infection|illness|disease|condition|virus|covid)\b",
    r"\bi'?m\s+dead\s*(lol|lmao|😂|💀)",
    r"\b(lol|lmao)\s+i'?m\s+dead\b",
    r"\bdrop[\s-]dead\s+gorgeous\b",
    r"\bmy\s+(phone|battery|laptop|car|plant|plants)\s+(is\s+)?(dying|died|dead)\b",
    r"\bsuicide\s+(squad|squeeze|sprints?|drills?)\b",
    # questions about risk in general or about a history, not statements of it
    r"\b(whether|if)\s+(i|you|they|he|she)('ve|\s+have|\s+has|'s)?\s+ever\s+(been|felt)\s+suicidal\b",
    r"\b(someone|somebody|a\s+person|people|anyone)\b[^.?!]{0,30}\b(if|whether)\s+(they|he|she)"
    r"('re|\s+are|'s|\s+is)\s+suicidal\b",
)

# Framing that may lower a pattern hit (never one with a present anchor in its sentence).
FRAMING_CUES: dict[str, str] = {
    "past_resolved": r"\b(years?|months?|decades?|long)\s+ago\b|\bused\s+to\b|\bback\s+then\b"
    r"|\bback\s+in\s+(the\s+)?(\w+\s+){0,2}(form|school|college|uni|university|year|grade|day|days|times|teens|"
    r"twenties|thirties|\d0s|(19|20)\d\d)\b|\bback\s+in\s+my\s+\w+\b"
    r"|\bwhen\s+i\s+was\s+"
    r"(younger|little|a\s+(kid|child|teen|teenager)|\d+)\b|\bthere\s+(was|were)\s+(a\s+time|times)\b|\b(in|since)\s+(19|20)\d\d\b|\brecover(ed|y|ing)\b"
    r"|\bwhen\s+i\s+was\b|\bsince\s+i\s+last\b|\bbetter\s+place\b|\bin\s+remission\b|\bclean\s+for\b|\bsurviv(ed|or)\b|\blong\s+behind\s+me\b|\b(don'?t|no\s+longer)"
    r"\s+feel\s+(that\s+way|suicidal)\b|\bi'?m\s+(doing\s+)?(well|better|fine|okay|ok|healthy|stable|happy)"
    r"(\s+now)?\b|\bstayed\s+safe\b|\bgot\s+(through|help)\b|\bin\s+my\s+(teens|twenties|youth)\b",
    "fiction": r"\b(novel|story|stories|fanfic|fiction|screenplay|script|poem|poetry|song|lyrics|film|movie|"
    r"play|scene|chapter|character|protagonist|villain|hero|heroine|anime|comic|episode|monologue|"
    # "book" the noun, not the verb ("book me a table")
    r"book(?!\s+(me|us|a|an|my|the|it|in|tickets?|tables?|appointments?|flights?|rooms?|slots?))|"
    r"d&d|dnd|plot|fantasy|thriller|mystery|drama\s+class)\b",
    "news_history": r"\b(news|article|reports?|reported|headlines?|documentary|historians?|history|century|"
    r"(19|20|1[0-8])\d\d|coroner|study|research(ers)?|statistics|rates?|according\s+to|ancient|medieval|"
    r"roman|victorian|feudal)\b",
    "coursework_info": r"\b(exam|homework|class|course|essay|assignment|study\s+guide|lecture|pharmacology|"
    r"studying|revising|revision|literature|english\s+lit|shakespeare|"
    r"toxicology|nursing|paramedic|biology|chemistry|biochem|forensic|flashcards|debate|presentation)\b",
    "game_sport": r"\b(game|boss|respawn|minecraft|fortnite|call\s+of\s+duty|sims|"
    r"league|skydive|bungee|chess|cyclist|descent|striker|goalkeeper|referee)\b",
}

# A present-tense first-person anchor in the sentence keeps a hit at full strength whatever the framing.
PRESENT_ANCHORS: tuple[str, ...] = (
    r"\bi\s*(?:'m|am|m)\s+(?:going|gonna|about|planning|ready|thinking|considering|tempted|close|standing|"
    r"sitting|done|on\s+the|feeling|having|still)\b",
    r"\bi\s+(?:just\s+|really\s+|still\s+|honestly\s+|seriously\s+)?(?:want|wanna|need|plan|intend|keep|will|"
    r"'ll|can'?t\s+stop|wish|hope|feel|think|have\s+(?:the|a|my|enough))\b",
    r"\bi\s+(?:do\s+not|don'?t|can'?t|cannot|won'?t|will\s+not)\s+(?:want|wanna|see|go\s+on|take|cope|do\s+this|"
    r"keep|be\s+(?:around|here|alive))\b",
    r"\bi(?:'ve|\s+have)\s+(?:got|decided|made|just\s+\w+|already\s+\w+|written|bought|been\s+(?:thinking|"
    r"planning|cutting|saving|stockpiling|hurting|self|burning|giving))",
    r"\b(?:better\s+off|happier)\s+(?:dead|without\s+me)\b",
    r"\bi\s*(?:'m|am)\s+(?:so\s+|too\s+|really\s+|just\s+)?(?:tired|sick|done|ready|afraid|scared|worried)\b",
    r"\bi\s+(?:might|may|could|would)\b",
    r"\bi\s*(?:'m|am|m)\s+(?:in|at|on)\s+(?:the|my)\b",
    r"\bnow\b",
    r"\b(?:tonight|right\s+now|this\s+(?:week|weekend)|tomorrow)\b",
    r"\bagain\b",
    # text-speak drops the subject: a clause that starts with the intent ("gonna jump off ... after
    # this exam") is as present as "I'm going to"
    r"^\s*(?:gonna|going\s+to|about\s+to|planning\s+(?:to|on)|ready\s+to|wanna|want\s+to|finna)\b",
)

RELATION = (
    r"\b(my|our)\s+(\w+\s+)?(friend|son|daughter|brother|sister|mum|mom|mother|dad|father|husband|wife|"
    r"partner|boyfriend|girlfriend|bf|gf|student|pupil|child|kid|roommate|flatmate|colleague|coworker|"
    r"co-worker|employee|patient|client|cousin|uncle|aunt|grandfather|grandmother|grandpa|grandma|nephew|"
    r"niece|neighbou?r|mate|classmate|teen|teenager|sibling|parent|care)\b|\b(a|one\s+of\s+(my|the|our)|someone\s+in"
    r"\s+my)\s+(\w+\s+)?(kid|child|student|girl|boy|classmate|friend|employees?|students|group|class|customer|"
    r"user|member|client|follower|player)\b"
)


# A past marker in the hit's own clause frames it whatever else the clause says, unless the clause
# also names the present ("used to think they'd be better off without me" vs "... and tonight I will").
PAST_IN_CLAUSE = (
    r"\bused\s+to\b|\b(years?|months?|decades?|long)\s+ago\b|\bwhen\s+i\s+was\b|\bback\s+(then|in)\b"
    r"|\bi\s+once\b|\bthere\s+(was|were)\s+(a\s+time|times|days|months|years)\b"
)
PRESENT_TIME = r"\b(tonight|right\s+now|today|again|still|anymore|now)\b"

# Clauses: a present anchor counts in the clause of the hit ("years ago I ..., and tonight I'm going to").
CLAUSE_SPLIT = r",|;|:|\s+-\s+|\b(?:and|but|so|because|although|though)\b"


def compile_all(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]
