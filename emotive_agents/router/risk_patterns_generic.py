"""Generic risk structures for the pattern layer (fifth round): shapes, not phrases.

The blind sets kept finding risk stated without a risk word: a method described by its parts (an engine
running in a shut garage, coals in a taped-up room, walking into the sea and not coming back), not
waking up as a hope, a "last" meal or drive asked for as if it were an errand, a farewell joined to a
finality (a grave emoji, "for good", "the long nap"), emoji pairs that stand for cutting or a gun.
Each pattern pairs two cues that are each ordinary alone, and excludes the everyday readings found in
the hard negatives (a last night "in Lisbon", a last dinner "before the diet", a cut "chopping onions",
"rest in peace" for a pet, deleting oneself "from" a platform). `risk_patterns.CATEGORY_PATTERNS`
merges these into its categories, so idioms, framing and anchors apply to them as to every other hit.
"""

from __future__ import annotations

# Emoji written as escapes so the source stays ASCII: knife, razor, blood drop, pistol, dizzy face,
# pill, knot (rope), headstone, coffin, dove, skull, bridge at night.
_BLADE = "(?:\U0001f52a|\U0001fa92|\U0001f5e1\ufe0f?)"
_BLOOD = "\U0001fa78"
_GUN = "\U0001f52b"
_DIZZY = "\U0001f635"
_PILL = "\U0001f48a"
_KNOT = "\U0001faa2"
_GRAVE = "(?:\U0001faa6|\u26b0\ufe0f?)"
_BRIDGE = "\U0001f309"
# Everyday contexts for the same emoji (cooking, a costume, a book, a pet's grave).
_EVERYDAY_EMOJI = (
    r"^(?!.*\b(chop|chopp(ed|ing)|cook(ing|ed)?|onions?|recipe|kitchen|finger|halloween|costume|vampire|"
    r"book|film|movie|murder\s+mystery|game|rest\s+in\s+peace|r\.?i\.?p|goldfish|hamster|pet|photos?|"
    r"sunset|walk|trip)\b)"
)
# Method research for oneself (sixth round): a question or search about a method's amount or effect,
# joined to a statement that the answer is for the writer ("asking for me", "I'm serious", "need it to
# be certain", "I kind of want to know"). Each half alone is an ordinary dosage or safety question.
_SUBSTANCE = (
    r"(pills|tablets|meds|medication|medicine|paracetamol|acetaminophen|tylenol|aspirin|insulin|lithium|"
    r"oxycodone|codeine|morphine|tramadol|sleeping\s+pills|antidepressants|bleach|antifreeze|poison|dose|"
    r"overdose)"
)
_MEANS = (
    r"(" + _SUBSTANCE + r"|fall|height|drop|jump|floors?|storeys?|bridge|cliff|roof|rope|drown|drowning|"
    r"hang|hanging)"
)
# a question about how much, what it does, how high (the means named inside it) ...
_METHOD_QUESTION = (
    r"\bhow\s+(many|much)\b[^.?!]{0,30}?\b" + _MEANS + r"\b"
    r"|\bwhat\s+happens\s+(if|when)\s+(you|u|i|someone|a\s+person)\s+(\w+\s+){0,2}?(take|takes|drink|drinks|"
    r"swallow|swallows|inject|injects|mix|mixes|jump|jumps|fall|falls|overdose|overdoses)\b"
    r"|\b(what\s+height|how\s+(high|far)\s+(up\s+)?)[^.?!]{0,30}?\b(fall|jump|drop)"
)
# ... or whether a substance named anywhere in the message would work or be enough
_ENOUGH_QUESTION = (
    r"\b(which\s+(one\s+)?(would|will|is)\s+(work\s+)?(faster|quicker|better|more\s+certain|surer)|"
    r"would\s+(that|it|this|they)\s+be\s+enough|is\s+(that|it|this)\s+enough)\b"
)
_FOR_ME = (
    r"\b(asking\s+for\s+(me|myself)|(it'?s|its|this\s+is|that'?s)\s+for\s+me\b|(for|need|want)\s+it\s+to\s+be\s+"
    r"(certain|sure|final|quick|painless)|i'?m\s+(serious|not\s+joking|being\s+serious)|i\s+mean\s+it|"
    r"not\s+(for|asking\s+for)\s+(a|an|my|school|homework|class|uni|work)\b|"
    r"i\s+(kind\s+of|kinda|sort\s+of|really|just|actually)\s+want\s+to\s+know|i'?d\s+like\s+it\s+to|"
    r"for\s+someone\s+my\s+(weight|size|age))"
)
# Safe-use, accident and other people's questions about the same things ("how many can I take a day",
# "by mistake", "my toddler swallowed").
_NOT_SAFE_USE = (
    r"^(?!.*\b(safe(ly)?|per\s+day|a\s+day|in\s+a\s+day|daily|how\s+often|max(imum)?|by\s+mistake|"
    r"accident(al|ally)?|licked|toothache|headache|hangover|period\s+pain|my\s+(dog|cat|toddler|baby|kid|son|"
    r"daughter|puppy|child|little\s+\w+|baby\s+\w+|younger\s+\w+))\b)"
)
_METHOD_FOR_ME = (
    _NOT_SAFE_USE
    + r"(?:(?=.*("
    + _METHOD_QUESTION
    + r"))|(?=.*\b"
    + _SUBSTANCE
    + r"\b)(?=.*"
    + _ENOUGH_QUESTION
    + r"))(?=.*"
    + _FOR_ME
    + r").+"
)

_FAREWELL = (
    r"(been\s+a\s+pleasure|been\s+nice\s+knowing|nice\s+knowing\s+(you|u|y'?all)|goodbye\s+(everyone|all|"
    r"world)|bye\s+(everyone|all|world)|take\s+care\s+of\s+(yourselves|each\s+other)|signing\s+off|"
    r"peace\s+out|it\s+was\s+fun\s+while\s+it\s+lasted)"
)
_FINAL = (
    r"(the\s+long(est)?\s+(nap|sleep)|for\s+good|forever|permanently|last\s+(post|message|time)|"
    r"won'?t\s+be\s+back|the\s+end|" + _GRAVE + r"|\U0001f54a)"
)

# Seventh round: the shapes the ninth to eleventh blind sets found missing (docs/router.md, "Round 7").
# A lethality question joined to wanting it to work; a high place with roof access wanted "for
# tonight"; an act "gone through with" beside a death or its paperwork.
_LETHAL = r"\b(fatal|lethal|deadly|guaranteed\s+to\s+(kill|work))\b"
_SURE_IT_WORKS = (
    r"\bi\s+(want|need)\s+(to\s+(be\s+)?(sure|certain)\s+(it|that\s+it)\s+(works|will\s+work|is\s+enough)|"
    r"it\s+to\s+be\s+(sure|certain|quick|painless))\b"
)
_HIGH_PLACE = (
    r"\b(tallest|highest)\b[^.?!]*\b(roof\s+access|"
    r"access\s+to\s+the\s+roof|get\s+(up\s+)?on(to)?\s+the\s+roof|open\s+roof)\b"
)
_NOT_A_VISIT = (
    r"^(?!.*\b(bar|restaurant|view|views|sunset|photos?|tour|tickets?|date|drinks|cafe|wedding|party)\b)"
)
_DEATH_PAPERS = (
    r"\b(if|when|after)\s+i\s+die\b|\b(my\s+)?(pension|will|life\s+insurance)\b[^.?!]*\b(die|dead|gone)\b"
)
_JOIN_THE_DEAD = (
    r"(?=.*\b(just\s+)?(want|wanna|need|long)\s+to\s+(go\s+(and\s+)?see|(go\s+)?be\s+with|join)\s+(my\s+)?(\w+\s+)?again\b)"
    r"(?=.*\b(passed(\s+away)?|died|is\s+dead|was\s+killed)\b)"
    r"(?!.*\b(grave|graveside|cemetery|memorial|headstone|plaque|photos?|videos?)\b).+"
)
_NO_BARRIER_PLACE = (
    r"\b(platform|bridge|car\s+park|roof|balcony|cliff|station|train\s+line|tube\s+line)s?\b[^.?!]*\b(no|without|"
    r"doesn'?t\s+have|don'?t\s+have|with\s+no)\s+(any\s+)?(barriers?|railings?|fences?|fencing|netting|nets?|"
    r"screen\s+doors?|gates?)\b"
)
_RESOLVED = r"\b(made\s+up\s+my\s+mind|i'?ve\s+decided|i'?m\s+ready|for\s+tonight|it'?s\s+for\s+me)\b"
_NOT_A_COUPLE = (
    r"^(?!.*\b(end(s|ed|ing)?\s+(things|it\s+all|everything)\s+with|boyfriend|girlfriend|partner|husband|wife|"
    r"relationship|marriage|"
    r"engagement|we|us|contract|lease|subscription|membership|account|job|course|friendship)\b)"
)
_JOIN_SOON = (
    r"(?=.*\b(going|gonna|ready|about|want|wanna)\s+to\s+(go\s+)?(join|be\s+with)\s+(him|her|them)\s+(soon|tonight|now|"
    r"there|again|at\s+last)\b)(?=.*\b(passed(\s+away)?|died|is\s+dead|was\s+killed|lost\s+(him|her|them))\b).+"
)
_GO_THROUGH = r"\b(before|when|once|after|until)\s+i\s+(finally\s+)?go\s+through\s+with\s+(it|this)\b"

GENERIC_PATTERNS: dict[str, tuple[str, ...]] = {
    "plan_means_intent": (
        # an engine running with the garage shut, or a car left to run in a closed garage
        r"\b(engine|car|motor)('s|\s+is)?\s+(on|running|started|idling)\b[^.?!]*\b(garage|door\s+(is\s+)?"
        r"(shut|closed))\b|\bgarage\b[^.?!]*\b(engine|car|motor)('s|\s+is)?\s+(on|running|idling)\b"
        r"|\blet\s+the\s+(car|engine)\s+run\s+in\s+the\s+(closed\s+|shut\s+)?garage\b",
        r"\b(hose|pipe|tube)\s+(from|off)\s+the\s+(car'?s?\s+)?exhaust\b",
        # fumes in a sealed room: taping or sealing joined to coals, a grill, an engine or gas
        r"\b(tap(e|ed|ing)|seal(ed|ing)?|block(ed|ing)?)\s+(up\s+)?(all\s+)?(the\s+)?(gaps|vents?|door|windows?|"
        r"cracks)\b[^.?!]*\b(charcoal|coals|barbecue|bbq|grill|engine|exhaust|gas)\b"
        r"|\b(charcoal|coals|barbecue|bbq|grill)\b[^.?!]*\b(tap(e|ed|ing)|seal(ed|ing)?)\s+(up\s+)?(all\s+)?"
        r"(the\s+)?(gaps|vents?|door|windows?|cracks)\b",
        # into the water and not back
        r"\b(walk|swim|wade)(ing)?\s+(out\s+)?(into|out\s+into|out\s+past|out\s+to|past)\s+(the\s+)?(\w+\s+)?"
        r"(sea|ocean|river|lake|water|waves|buoys)\b[^.?!]*\b(keep\s+(walking|swimming|going)|not\s+(come|coming|"
        r"swim|swimming)\s+back|can'?t\s+(swim|get|come)\s+back|never\s+come\s+back)\b",
        # in front of / onto a train, lorry or traffic; lying on the tracks or the road
        r"\b(jump|jumping|step|stepping|walk|walking|throw\s+myself)\s+(out\s+)?(in\s+front\s+of|under|onto)\s+"
        r"(a|the|an)\s+(\w+\s+)?(train|express|tube|lorry|truck|bus|tram|freight)\b",
        r"\b(lie|lying|lay|stand|standing)\s+(down\s+)?(on|across|in)\s+the\s+(tracks?|rails|railway\s+line|"
        r"road)\b(?!\s+(works?|trip|map|sign))",
        # a car driven into something on purpose
        r"\b(i'?ll|i\s+will|gonna|going\s+to|plan\s+(is\s+)?to|want\s+to|thinking\s+(of|about)|might)\s+(just\s+)?"
        r"(drive|driving|crash|crashing|steer|steering|swerve|swerving|plough|plow)\s+(my\s+car\s+|the\s+car\s+|"
        r"it\s+)?(into|off|in\s+front\s+of)\s+(a|the|an)\s+(\w+\s+){0,2}(barrier|tree|wall|lorry|truck|bridge|"
        r"cliff|river|sea|quarry|pillar|oncoming|traffic|overpass|flyover|embankment)\b",
        r"\b(drive|driving)\s+(the\s+)?wrong\s+way\b[^.?!]*\b(tonight|over|on\s+purpose|that'?s\s+what)\b",
        # over the railing; off a multi-storey, flyover or overpass
        r"\b(climbed|climbing|climb)\s+(over|past|onto)\s+the\s+(railing|parapet|balustrade)\b"
        r"|\b(other|wrong)\s+side\s+of\s+the\s+(railing|barrier|parapet)\b",
        r"\b(yeet|launch|fling|chuck|hurl)(ing)?\s+myself\s+(off|from|out\s+of|in\s+front\s+of|into)\b",
        r"\b(jump|jumping|throw\s+myself|step)\s+(off|from)\s+(a|the|this|my)\s+(\w+\s+)?(multi-?\s?storey|"
        r"flyover|overpass|viaduct|pier|quarry|car\s+park\s+roof|top\s+floor)\b",
        # a number of pills taken: "took like 30 of my nan's pills"
        r"\b(took|taken|swallowed|downed)\s+(like\s+|about\s+|around\s+|maybe\s+|over\s+|nearly\s+|almost\s+)?"
        r"(\d{2,}|twenty|thirty|forty|fifty|a\s+hundred)\s+(of\s+)?(my\s+|the\s+|these\s+|those\s+|his\s+|her\s+)?"
        r"(\w+('s)?\s+){0,2}(pills|tablets|meds|capsules|paracetamol|painkillers)\b",
        # most of a packet already taken (not biscuits or wine)
        r"\b(already\s+)?(taken|took|swallowed)\s+(about\s+|nearly\s+|almost\s+|like\s+|over\s+|more\s+than\s+)?"
        r"(half|most|all|the\s+rest)\s+(of\s+)?(the|my|a|this)\s+(packet|pack|box|strip|blister\s+pack|tub|"
        r"bottle|prescription)\b(?!\s+of\s+(biscuits|crisps|sweets|chocolates?|wine|beer|water|juice|cereal|gum))",
        # a method's amount or effect asked about for oneself ("what happens if you take ...? I kind of
        # want to know", "how many would it take, asking for me", "need it to be certain")
        _METHOD_FOR_ME,
        # the top of a car park or building without barriers
        r"\b(highest|top|tallest)\s+(floor|level|storey|deck)\b[^.?!]*\b(no|without|doesn'?t\s+have|don'?t\s+have|"
        r"hasn'?t\s+got|with\s+no)\s+(any\s+)?(barriers?|railings?|fences?|fencing|netting|nets?)\b",
        # enough stocked up "to end it"
        r"\b(stock(ing)?\s+up|stockpil(e|ing)|sav(e|ing)\s+up|hoard(ing)?|collect(ing)?)\s+(on\s+)?enough\b[^.?!]*\bto\s+"
        r"(end\s+(it|it\s+all|things|myself|my\s+life)|finish\s+(myself|me\s+off|my\s+life))\b",
        # pills already taken in a heap ("took a load of my mum's tablets an hour ago")
        r"\bi\s+(just\s+|already\s+)?(took|swallowed|have\s+taken|'ve\s+taken|'ve\s+swallowed|downed)\s+(a\s+load|"
        r"loads|a\s+lot|a\s+handful|handfuls|a\s+bunch|a\s+pile|a\s+heap)\s+of\s+(\w+('s)?\s+){0,2}(pills|tablets|meds|"
        r"painkillers|paracetamol|capsules)\b",
    ),
    "passive_ideation": (
        # praying not to wake up ("pray every night that I won't wake up in the morning")
        r"\b(pray|hope|wish)(ing|s)?\b[^.?!]*\b(won'?t|don'?t|never|not)\s+wake\s+up\b(?!\s+(late|early|too|at|in\s+time|"
        r"with|before|after|on\s+time|the\s+|everyone|my|when|if|until|till))",
        # a fatal diagnosis as a relief
        r"\b(terminal|fatal|incurable)\s+(diagnosis|illness|cancer|disease)\b[^.?!]*\b(i'?d|i\s+would|i'?ll|i\s+will)\s+"
        r"(\w+\s+){0,2}(relieved|glad|grateful|welcome\s+it|not\s+mind)\b",
        # not waking up, not seeing the morning, a heart that stops, as a hope
        r"\b(pray|hope|wish)(ing|s)?\b[^.?!]*\b(won'?t|don'?t|never|not)\s+(see|make\s+it\s+to)\s+(the\s+)?"
        r"(morning|tomorrow|sunrise|next\s+(day|week|year))\b",
        r"\b(hope|hoping|wish|pray)(ing|s)?\b[^.?!]*\b(my\s+heart\s+(just\s+)?stops|i\s+(just\s+)?(don'?t|"
        r"never|won'?t)\s+come\s+(round|back|to))\b",
        r"\bif\s+i\s+(didn'?t|don'?t|never)\s+wake\s+up\b[^.?!]*\b(relieved|fine|okay|ok|glad|good\s+thing|"
        r"better|wouldn'?t\s+mind)\b",
        r"\b(not|never|skip)\s+(do|doing|bother(ing)?\s+with)\s+the\s+waking\s+up\b",
        # not getting out of the way; not minding a crash
        r"\bi\s+(wouldn'?t|won'?t|would\s+not|will\s+not)\s+(bother\s+to\s+)?(jump|move|step|get)\s+out\s+of\s+"
        r"(the|its|their)\s+way\b",
        r"\b(wouldn'?t|would\s+not|don'?t|won'?t)\s+(mind|care)\s+if\s+(the|a|my|this)\s+(\w+\s+){0,2}(plane|"
        r"car|bus|train|truck|lorry|boat|ferry)\s+(went\s+down|goes\s+down|crashed|crashes|hit\s+me|hits\s+me|"
        r"sank|sinks)\b",
    ),
    "active_ideation": (
        # a decision "to end things", not a relationship, contract or job ("I've decided to end things
        # before then")
        _NOT_A_COUPLE
        + r".*\bi('ve|\s+have|'m|\s+am)?\s+(just\s+|finally\s+)?(decided|deciding|going|gonna|planning|"
        r"ready|made\s+up\s+my\s+mind)\s+to\s+end\s+(things|it\s+all|everything)\b",
        # thoughts of suicide as an ongoing state, the subject often dropped ("Been having thoughts of
        # suicide every day")
        r"\b(been|keep|kept|still|constantly|always)\s+(having|getting|had)\s+(\w+\s+){0,2}(thoughts|urges)\s+(of|"
        r"about)\s+(suicide|killing\s+myself|ending\s+(it\s+all|things|my\s+life)|taking\s+my\s+(own\s+)?life)\b",
        r"\b(thoughts|urges)\s+(of|about)\s+(suicide|killing\s+myself|ending\s+my\s+life)\s+(every\s+(day|night|"
        r"morning)|all\s+the\s+time|constantly|daily|non-?stop)\b",
        # an urge to jump or step off where one stands ("the urge to jump whenever I'm on the bridge")
        r"\b(urges?|impulse|pull|tempt(ed|ation))\s+to\s+(jump|step\s+(off|out)|let\s+go|throw\s+myself)\b"
        r"[^.?!]*\b(bridge|platform|roof|ledge|edge|cliff|balcony|train|tracks|window|car\s+park)\b"
        r"|\b(bridge|platform|roof|ledge|edge|cliff|balcony|window)\b[^.?!]*\b(urges?|impulse|tempt(ed|ation))\s+to\s+"
        r"(jump|step\s+(off|out)|let\s+go|throw\s+myself)\b",
        r"\b(terminat(e|ing)|delet(e|ing)|eras(e|ing)|switch(ing)?\s+off|turn(ing)?\s+off|unplug(ging)?)\s+"
        r"my\s*self\b(?!\s+(from|off|out\s+of|for\s+a\s+(bit|while|week|day)))"
        r"|\b(switch|turn)(ing)?\s+myself\s+off\b(?!\s+(from|for\s+a\s+(bit|while|week|day)))",
    ),
    "preparatory_behaviour": (
        # rehearsing the means ("practised tying the knot last night, just to see if I could")
        r"\b(practi[sc]ed|practi[sc]ing|tested|testing|rehears(ed|ing))\s+(tying|making)\s+(a|the)\s+(noose|knot|rope)\b",
        # not around after a date ("if I'm not around after next week")
        r"\bi'?m\s+(not\s+around|gone|not\s+here)\s+(any\s+more\s+|anymore\s+)?(after|from|beyond)\s+(next\s+\w+|"
        r"tomorrow|tonight|this\s+\w+|(mon|tues|wednes|thurs|fri|satur|sun)day)\b",
        # a goodbye cut off before its end: "just wanted you to know before"
        r"\b(wanted|want)\s+(you|u|y'?all|everyone)\s+to\s+know\s+before\s*[.!]*\s*$",
        r"\blove\s+(you|u)(\s+all)?\b[^.?!]*\bbefore\s+i\s+go\s*[.!]*\s*$",
        # a will or the last things sorted, young and well
        r"\b(will|affairs|everything)\b[^.?!]*\b(i'?m|im|i\s+am)\s+\d\d\s+and\s+(not\s+sick|healthy|perfectly\s+"
        r"healthy|not\s+ill)\b",
    ),
    "hopelessness_with_risk": (
        r"\b(don'?t|do\s+not|never)\s+deserve\s+to\s+(live|be\s+alive|exist|breathe)\b"
        r"|\b(don'?t|do\s+not)\s+deserve\s+to\s+be\s+here\s+(anymore|any\s+more|at\s+all)\b",
        r"\bout\s+of\s+(hope|options|everything|energy)\b[^.?!]*\bout\s+of\s+reasons\b"
        r"|\bout\s+of\s+reasons\s*[.!]*\s*$",
    ),
    "nssi": (
        r"\bclean(ing)?\s+(a|the|my)\s+(blade|razor|sharpener\s+blade)\b[^.?!]*\bcuts?\b",
        r"\bsh'd\b|\bsh-?ed\s+(again|last\s+night|today|tonight)\b",
        # blades kept for use ("a box of blades under my bed for emergencies")
        r"\b(keep|kept|keeping|hide|hid|hiding|stash|stashed|stashing)\s+(a\s+)?((box|tin|pack|stash|bag|case)\s+of\s+)?"
        r"(my\s+)?(blades|razor\s+blades|razors)\b[^.?!]*\b(for\s+(emergencies|bad\s+days|when\s+i\s+need)|"
        r"just\s+in\s+case|in\s+case\s+i\s+need)\b",
        r"\b(did|do|doing|craving|crave|urges?\s+to|relapsed\s+(on|with)|clean\s+from|better\s+after)\s+sh\b"
        r"(?!\s*(script|file|command|-|\.))",
        r"\bcraving\s+(the\s+)?(sting|blade|cut|cutting|pain\s+again|razor)\b",
    ),
    "indirect_or_slang": (
        # emoji for cutting, a gun, pills in bed, a rope; a grave joined to a farewell or "me"
        _EVERYDAY_EMOJI + r".*(" + _BLADE + r"\s*" + _BLOOD + r"|" + _BLOOD + r"\s*" + _BLADE + r")",
        _EVERYDAY_EMOJI + r".*" + _GUN + r"\s*" + _DIZZY,
        _EVERYDAY_EMOJI + r".*(" + _PILL + r"\s*){3,}",
        _EVERYDAY_EMOJI + r".*" + _KNOT + r"[^.?!]*\b(soon|tonight|bye|knowing|goodbye|me)\b",
        _EVERYDAY_EMOJI + r".*\b(me|myself|i'?m|im|energy|forever|soon|tonight|goodnight)\b[^.?!]*" + _GRAVE,
        _EVERYDAY_EMOJI + r".*\b(me|i)\s+and\s+the\s+" + _BRIDGE + r"|" + _BRIDGE + r"[^.?!]*\btonight\b",
        # a farewell joined to a finality
        _FAREWELL + r"[^.?!]*" + _FINAL + r"|" + _FINAL + r"[^.?!]*" + _FAREWELL,
        r"\b(time\s+(to|for)|going\s+to|gonna|about\s+to)\s+(take\s+)?the\s+long(est)?\s+(nap|sleep)\b"
        r"(?!\s+(after|before|tonight\s+after|on\s+the|till|until))",
        r"\b(go(ing)?|gonna)\s+(offline|dark|quiet)\s+(permanently|for\s+good|forever)\b",
        r"\bcheck(ing)?\s+out\s+(for\s+good|permanently|forever|of\s+life)\b",
    ),
    "third_party": (
        # self-harm found on someone else ("fresh cuts on his forearms", "blood-stained tissues in his bin")
        r"\b(found|find|noticed|notice|seen|saw|spotted)\b[^.?!]*\b((fresh|new|deep)\s+)?(cuts|burns|blood[\s-]?stained\s+"
        r"\w+)\s+(on|in|under)\s+(his|her|their)\s+(arms?|forearms?|wrists?|thighs?|bin|bed|room|sheets)\b",
        # a gun taken out and no answer
        r"\b(gun|shotgun|rifle|pistol)\b[^.?!]*\b(won'?t|refuses\s+to|refusing\s+to)\s+(come\s+(back\s+)?(in|out|down|home)|"
        r"answer|respond|open\s+the\s+door)\b",
        # someone else's last night, said today ("a customer posted that tonight is their last night")
        r"\b(tonight|today|this\s+weekend)\s+(is|will\s+be)\s+(their|his|her)\s+last\s+(night|day)\b"
        r"(?!\s+(in|at|of|on|before|with|here|there|as|together|off))",
    ),
    "embedded_in_request": (
        # a "last" meal, drive or film asked for as an errand, with nothing after it
        r"\blast\s+(meal|dinner|supper|film|movie|drive|walk|song|book|sunset|birthday|christmas)\s+(i'?ll|"
        r"i\s+will)\s+ever\b",
        r"\blast\s+(dinner|meal|supper|drive|night|day|weekend|christmas|birthday|time)\b[^.?!]*\bbefore\s+i\s+"
        r"go\b(?!\s+(to|on|back|away|abroad|home|off|travell?ing|into|for|in|out|up|down|there|somewhere))",
        r"\b(it'?s|its|this\s+is|this'?ll\s+be)\s+my\s+(very\s+)?last\s+(drive|meal|dinner|supper|walk|sunset)\b"
        r"(?!\s+(in|at|of|before|with|as|here|there|on|for|out|of\s+the)\b)",
        r"\b(last|final)\s+(meal|dinner|supper)\s+(i'?ll|i\s+will|i'?m)\s+(be\s+)?(cook|cooking|mak|making)",
    ),
}

# Structures whose halves often sit in adjacent sentences ("What happens if you take ...? I kind of
# want to know."): matched on each sentence and on each run of two or three adjacent sentences of a message.
PAIR_PATTERNS: dict[str, tuple[str, ...]] = {
    "plan_means_intent": (
        _METHOD_FOR_ME,
        _NOT_SAFE_USE + r"(?=.*" + _LETHAL + r")(?=.*" + _SURE_IT_WORKS + r").+",
        _NOT_A_VISIT + r"(?=.*" + _HIGH_PLACE + r")(?=.*\b(for\s+tonight|by\s+tonight|tonight)\b).+",
        _NOT_A_VISIT + r"(?=.*" + _NO_BARRIER_PLACE + r")(?=.*" + _RESOLVED + r").+",
        # a lethal amount asked about, enough at hand, and a resolve ("I have plenty at home, and I'm done")
        _NOT_SAFE_USE + r"(?=.*\b(lethal|fatal|deadly|overdose)\b)"
        r"(?=.*\bi\s+(have|'ve\s+got|got)\s+(enough|plenty|loads|more\s+than\s+enough)\b)"
        r"(?=.*(" + _RESOLVED + r"|\bi'?m\s+done\b(?!\s+with)|\bi\s+mean\s+it\b)).+",
    ),
    "preparatory_behaviour": (r"(?=.*(" + _DEATH_PAPERS + r"))(?=.*" + _GO_THROUGH + r").+",),
    "indirect_or_slang": (
        _JOIN_THE_DEAD,
        _JOIN_SOON,
        r"(?=.*\b(go\s+)?be\s+with\s+(my\s+)?(\w+\s+)?again\b)(?=.*\b(actually|really|properly|literally|just)\s+"
        r"join\s+(him|her|them)\b).+",
    ),
}
