"""Mood shifts: when this turn's reading clearly leaves the smoothed mood, the new mood must win.

Smoothing keeps one neutral question after several distressed turns gentle, but it also dilutes a
real change ("I passed my check-up, everything is fine!" after three worried turns). A shift is
detected when an *emotion* of this turn (neutral and surprise excluded: a plain or curious question
carries no new mood to follow) has enough probability, is the one that rose most against the smoothed
state, belongs to another family than the smoothed label, and is confident: either its probability is
high, or the valence moved strongly in its direction. Since the fifth round the strongest emotion of
the turn, when it leads confidently, needs only to hold its ground (the reader's baseline already puts
anger or fear near 0.25 in calm turns), no emotion the valence moved against counts, and a smoothed
label blocks its own family only when it is established. The shift decides its own turn; the smoothed
state is updated as usual, so the memory of distress that keeps a later neutral question gentle is
not cut short. The thresholds were chosen on a grid
(`benchmarks/shift_grid.py`) over the project-written tune conversations `data/router/shift_tune.jsonl`
and the used blind shift sets (docs/router.md, "Mood shifts").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.affect.types import NEGATIVE_LABELS, VALENCE_SIGN, AffectReading

# Labels a shift can go to; neutral and surprise are never a new mood to follow.
SHIFT_TARGETS: tuple[str, ...] = ("joy", *NEGATIVE_LABELS)
# Labels that are one mood for shift purposes (anger and disgust both read as "upset with something").
FAMILY: dict[str, str] = {"disgust": "anger"}


class ShiftSettings(BaseModel):
    """When a turn counts as a confident change of mood, and how strongly the tracker then follows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    # Chosen by `python -m benchmarks.shift_grid` on the project tune conversations and the two burned
    # blind shift sets (docs/router.md, "Third round"); the rise (min_gain) is what keeps a neutral
    # question after distress from reading as relief: its joy rises by 0.08 at most there.
    min_mass: float = Field(default=0.18, ge=0.0, le=1.0)  # this turn's probability of the new label
    min_gain: float = Field(default=0.10, ge=0.0, le=1.0)  # its rise over the smoothed probability
    confident_mass: float = Field(default=0.25, ge=0.0, le=1.0)  # confident by probability alone...
    min_valence_change: float = Field(default=0.20, ge=0.0, le=2.0)  # ...or by valence moving its way
    # A strong fall in valence confirms a smaller rise of a *negative* mood: sadness (and fear) already
    # sit at 0.1-0.2 in the smoothed state of cheerful turns, so a turn to them rises less than a turn
    # to joy. Never toward joy: a false shift to relief would drop the gentleness a distressed user
    # needs. Chosen by `python -m benchmarks.shift_grid --grid round4` (docs/router.md, "Fourth round");
    # 2.0 turns it off (valence moves by 2 at most).
    strong_valence_change: float = Field(default=0.5, ge=0.0, le=2.0)
    strong_min_gain: float = Field(default=0.05, ge=0.0, le=1.0)  # the rise then needed
    # This turn's *strongest* label, when it is a shift target of another family than the smoothed label
    # and confident (`confident_mass`), needs only this rise: in calm practical conversations the
    # reader's baseline already puts anger (or fear) at 0.2-0.25, so a turn that becomes angry lifts it
    # little although it now leads. None turns it off. `prefer_top`: the strongest label then wins over
    # the one that rose most. Fifth round (docs/router.md).
    top_min_gain: float | None = Field(default=0.0, ge=0.0, le=1.0)
    prefer_top: bool = True
    # No emotion is a new mood when the valence moved against it by more than this ("stress fracture,
    # no running" read as joy, with the valence falling 0.4, is no relief). 2.0: never refused.
    valence_tolerance: float = Field(default=0.2, ge=0.0, le=2.0)
    # The smoothed label's family blocks a shift only when the smoothed state holds it at this mass or
    # more: a distressed state whose label is joy by a hair (joy 0.23, fear 0.23) is no joyful mood to
    # stay in. 0.0: the family always blocks (before the fifth round).
    established_mass: float = Field(default=0.3, ge=0.0, le=1.0)
    # Weight of the shift turn in the smoothed state, if above the tracker's alpha (0.5). Default 0.5:
    # no extra weight (0.75 made a misread joyful turn cut a grieving user's distress memory short).
    alpha: float = Field(default=0.5, gt=0.0, le=1.0)


class Shift(BaseModel):
    """A detected change of mood: from the smoothed label to this turn's, with the new label's rise."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    strength: float = Field(ge=0.0, le=1.0)  # P(to) now minus P(to) in the smoothed state before
    valence_change: float = 0.0  # this turn's valence minus the smoothed valence before

    def to_json(self) -> dict[str, str | float]:
        return {"from": self.from_, "to": self.to, "strength": round(self.strength, 4)}


def _family(label: str) -> str:
    return FAMILY.get(label, label)


def detect_shift(
    previous: AffectReading | None, current: AffectReading, settings: ShiftSettings | None = None
) -> Shift | None:
    """The shift from the smoothed state `previous` (before this turn) to `current`, or None."""
    s = settings or ShiftSettings()
    if previous is None or not s.enabled:
        return None
    p, before = current.probabilities, previous.probabilities
    source = previous.label
    dv = current.valence - previous.valence

    def gain(label: str) -> float:
        return p[label] - before[label]

    def toward(label: str) -> float:  # positive when valence moved in the label's direction
        return VALENCE_SIGN.get(label, 0.0) * dv

    def risen(label: str) -> bool:
        g = gain(label)
        if g >= s.min_gain:
            return True
        negative = VALENCE_SIGN.get(label, 0.0) < 0
        return negative and g >= s.strong_min_gain and toward(label) >= s.strong_valence_change

    def other_family(label: str) -> bool:
        return _family(label) != _family(source) or before[source] < s.established_mass

    def confident(label: str) -> bool:
        return p[label] >= s.confident_mass or toward(label) >= s.min_valence_change

    def leading(label: str) -> bool:  # the strongest label, confident, needing only the smaller rise
        return (
            s.top_min_gain is not None
            and p[label] == max(p.values())
            and p[label] >= s.confident_mass
            and gain(label) >= s.top_min_gain
            and other_family(label)
        )

    # The new mood: of the emotions strong enough this turn, the one that rose most (two emotions can
    # nearly tie: "fear 0.32, joy 0.31" after worried turns is relief, not more fear), or the strongest
    # one when it leads confidently (`prefer_top`, fifth round).
    candidates = [
        label for label in SHIFT_TARGETS if p[label] >= s.min_mass and toward(label) >= -s.valence_tolerance
    ]
    if not candidates:
        return None
    top = max(candidates, key=p.__getitem__)
    to = max(candidates, key=gain)
    if s.prefer_top and leading(top):
        to = top
    elif not (other_family(to) and risen(to) and confident(to)):
        if not leading(top):
            return None
        to = top
    if _family(to) == _family(source):  # an unestablished smoothed label: name the mood it leaves
        source = max((k for k in before if _family(k) != _family(to)), key=before.__getitem__)
    return Shift.model_validate(
        {"from": source, "to": to, "strength": min(1.0, max(0.0, gain(to))), "valence_change": dv}
    )
