"""Declarative policies: which emotion mix answers which user affect, with guard rails no policy can break.

A policy is data (pydantic; YAML or JSON on disk): ordered rules, each a condition on the user's
(smoothed) affect, optionally on this turn's reading (`current:`) and a detected mood shift (`shift:`),
and a mix; the first rule that matches wins. Whatever a rule says, `apply_guard_rails`
then (1) never lets a negative emotion (anger, disgust, fear, sadness) be amplified toward a distressed
user, (2) clips each intensity into the vector set's calibrated range and (3) caps the total intensity
(sum of |intensity|) at that range's upper end, because mixed vectors add up linearly in the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS, AffectReading
from emotive_agents.errors import EmotiveError
from emotive_agents.router.shift import Shift

POLICY_DIR = Path(__file__).resolve().parent.parent / "data" / "policies"
SHIPPED_POLICIES: dict[str, str] = {"tutor": "tutor.yaml", "health": "health.yaml", "support": "support.yaml"}
# Emotions a policy may never amplify toward a distressed user (the vector set's names for them).
GUARDED_EMOTIONS: tuple[str, ...] = NEGATIVE_LABELS
DEFAULT_RANGE: tuple[float, float] = (-1.0, 1.0)


class PolicyError(EmotiveError, ValueError):
    """A policy file or object is malformed, or names a shipped policy that does not exist."""


def _check_mix(value: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for name, intensity in value.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"emotion names must be non-empty strings, got {name!r}")
        if not math.isfinite(float(intensity)):
            raise ValueError(f"intensity of {name!r} must be finite")
        out[name] = float(intensity)
    return out


def _known(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(value) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}; labels are {LABELS}")
    return value


class ReadingCondition(BaseModel):
    """Bounds on one reading. Every field set must hold (AND); an empty condition always holds.

    `labels` + `min_mass`: the summed probability of those labels reaches `min_mass` (default: they are
    the top label). Valence and confidence bounds read the reading's fields.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    labels: tuple[str, ...] = ()
    min_mass: float | None = Field(default=None, ge=0.0, le=1.0)
    valence_below: float | None = Field(default=None, ge=-1.0, le=1.0)
    valence_above: float | None = Field(default=None, ge=-1.0, le=1.0)
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known(value)

    def reading_holds(self, reading: AffectReading) -> bool:
        p = reading.probabilities
        if self.labels:
            if self.min_mass is None:
                if reading.label not in self.labels:
                    return False
            elif sum(p[label] for label in self.labels) < self.min_mass:
                return False
        if self.valence_below is not None and not reading.valence < self.valence_below:
            return False
        if self.valence_above is not None and not reading.valence > self.valence_above:
            return False
        return not (self.min_confidence is not None and reading.confidence < self.min_confidence)


class ShiftCondition(BaseModel):
    """Holds on a turn where the tracker detected a change of mood (`router.shift`) matching these bounds.

    `to` / `from`: the new label / the smoothed label before the turn must be one of these (empty: any).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    to: tuple[str, ...] = ()
    from_: tuple[str, ...] = Field(default=(), alias="from")
    min_strength: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("to", "from_")
    @classmethod
    def _known_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known(value)

    def shift_holds(self, shift: Shift | None) -> bool:
        if shift is None:
            return False
        if self.to and shift.to not in self.to:
            return False
        if self.from_ and shift.from_ not in self.from_:
            return False
        return not (self.min_strength is not None and shift.strength < self.min_strength)


class Condition(ReadingCondition):
    """When a rule applies: bounds on the smoothed reading, plus optional per-turn ones (AND).

    The reading bounds read the smoothed reading; `distressed` compares the policy's distress test;
    `trend_below` is the valence trend over recent turns; `current` holds the same bounds for this turn's
    reading alone; `shift` requires a detected change of mood (e.g. `shift: {to: [joy]}`).
    """

    distressed: bool | None = None
    trend_below: float | None = None
    current: ReadingCondition | None = None
    shift: ShiftCondition | None = None

    def holds(
        self,
        reading: AffectReading,
        *,
        distressed: bool,
        trend: float,
        current: AffectReading | None = None,
        shift: Shift | None = None,
    ) -> bool:
        if not self.reading_holds(reading):
            return False
        if self.distressed is not None and distressed != self.distressed:
            return False
        if self.trend_below is not None and not trend < self.trend_below:
            return False
        if self.current is not None and not self.current.reading_holds(current or reading):
            return False
        return self.shift is None or self.shift.shift_holds(shift)

    def answers(self) -> set[str]:
        """The labels this condition singles out (smoothed, current or shift target): what it answers."""
        out = set(self.labels)
        if self.current is not None:
            out |= set(self.current.labels)
        if self.shift is not None:
            out |= set(self.shift.to)
        return out


class Rule(BaseModel):
    """A named condition and the mix that answers it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    when: Condition = Condition()
    mix: dict[str, float]
    rationale: str = ""

    @field_validator("mix")
    @classmethod
    def _valid_mix(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_mix(value)


# When the person at risk is someone else: how to help them, then the resources (any policy's).
THIRD_PARTY_TEMPLATE = (
    "Thank you for looking out for them; it matters. If they might be in immediate danger, call "
    "{emergency_number} now and stay with them if it is safe to. Ask them directly whether they are "
    "thinking about suicide: asking does not put the idea in their head. Listen without judging, tell "
    "them you care, help them move pills, weapons or other means out of reach, and help them contact "
    "{crisis_line} (you can call it too, for advice on supporting them). Don't promise to keep it "
    "secret, and look after yourself as well. {extra}"
)
_THIRD_PARTY_DEFAULTS = {
    "emergency_number": "your local emergency number",
    "crisis_line": "a local crisis line",
    "extra": "",
}


class Escalation(BaseModel):
    """What a crisis turn returns instead of free generation: a template with deployer-set resources.

    `template` uses `{name}` placeholders filled from `resources` (e.g. a local crisis line); a
    placeholder without a value is an error at load time, so a deployment cannot ship a hole.
    `third_party_template` answers risk to someone else (a friend, a student); by default guidance on
    helping them, filled from the same resources.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    template: str
    third_party_template: str | None = None
    resources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _placeholders_filled(self) -> Escalation:
        for template in (self.template, self.third_party_template):
            if template is None:
                continue
            try:
                template.format(**self.resources)
            except (KeyError, IndexError) as exc:
                raise ValueError(f"escalation template placeholder {exc} has no value in resources") from exc
        return self

    def message(self, category: str | None = None) -> str:
        """The escalation text; for `category == "third_party"`, the helper's guidance."""
        if category == "third_party":
            if self.third_party_template is not None:
                return self.third_party_template.format(**self.resources)
            return THIRD_PARTY_TEMPLATE.format(**{**_THIRD_PARTY_DEFAULTS, **self.resources}).strip()
        return self.template.format(**self.resources)


class Policy(BaseModel):
    """A named, ordered list of rules plus the default, crisis handling and guard-rail settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    default_mix: dict[str, float] = Field(default_factory=dict)
    default_rationale: str = "no rule matched: the policy's default tone"
    # Distress test for the guard rails and `distressed:` conditions: negative mass or valence.
    distress_mass: float = Field(default=0.35, ge=0.0, le=1.0)
    distress_valence: float = Field(default=-0.3, ge=-1.0, le=1.0)
    # Total |intensity| budget; the effective cap is min(this, the vector set's calibrated upper bound).
    max_total: float = Field(default=1.0, gt=0.0)
    crisis_mix: dict[str, float] = Field(default_factory=lambda: {"calm": 0.6, "patient": 0.4})
    escalation: Escalation | None = None
    # Turns after a crisis message during which later turns are still treated as crisis turns.
    crisis_memory_turns: int = Field(default=0, ge=0)

    @field_validator("default_mix", "crisis_mix")
    @classmethod
    def _valid_mixes(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_mix(value)

    @property
    def escalates(self) -> bool:
        return self.escalation is not None and self.escalation.enabled

    def is_distressed(self, *readings: AffectReading) -> bool:
        """True when any of the readings (e.g. this turn and the smoothed one) shows distress."""
        return any(
            sum(r.probabilities[label] for label in NEGATIVE_LABELS) >= self.distress_mass
            or r.valence <= self.distress_valence
            for r in readings
        )

    def select(
        self,
        reading: AffectReading,
        *,
        distressed: bool,
        trend: float = 0.0,
        current: AffectReading | None = None,
        shift: Shift | None = None,
    ) -> tuple[str, dict[str, float], str]:
        """(rule name, raw mix, rationale) of the first matching rule, or the default.

        `current` is this turn's reading (default: `reading`), `shift` the tracker's detected change.
        """
        for rule in self.rules:
            if rule.when.holds(reading, distressed=distressed, trend=trend, current=current, shift=shift):
                return rule.name, dict(rule.mix), rule.rationale or rule.name
        return "default", dict(self.default_mix), self.default_rationale


class GuardedMix(BaseModel):
    """A mix after the guard rails, with what they changed (for the rationale)."""

    mix: dict[str, float]
    notes: list[str] = Field(default_factory=list)


def _round_inward(value: float, digits: int = 4) -> float:
    rounded = round(value, digits)
    if abs(rounded) > abs(value):
        rounded = math.copysign(round(abs(rounded) - 10**-digits, digits), value)
    return rounded


def apply_guard_rails(
    mix: Mapping[str, float],
    *,
    distressed: bool,
    max_total: float = 1.0,
    intensity_range: tuple[float, float] = DEFAULT_RANGE,
    available: Iterable[str] | None = None,
) -> GuardedMix:
    """The mix a policy may actually use: rails first, then range clip, then the total cap.

    Scaling to the cap keeps signs, so a mix that passed the anger/disgust/fear/sadness rail still does.
    """
    lo, hi = intensity_range
    notes: list[str] = []
    out: dict[str, float] = {}
    known = None if available is None else set(available)
    for name, value in mix.items():
        if known is not None and name not in known:
            notes.append(f"dropped {name} (not in the vector set)")
            continue
        if distressed and name in GUARDED_EMOTIONS and value > 0:
            notes.append(f"{name} not amplified toward a distressed user")
            continue
        clipped = min(max(float(value), lo), hi)
        if clipped != value:
            notes.append(f"{name} clipped to the calibrated range")
        if clipped != 0.0:
            out[name] = clipped
    cap = min(max_total, hi) if hi > 0 else max_total
    total = sum(abs(v) for v in out.values())
    if total > cap:
        factor = cap / total
        out = {k: v * factor for k, v in out.items()}
        notes.append(f"total intensity {total:.2f} scaled to the cap {cap:.2f}")
    # Rounded toward zero, so rounding can never push a value past the range or the cap.
    rounded = {k: _round_inward(v) for k, v in out.items()}
    return GuardedMix(mix={k: v for k, v in rounded.items() if v != 0.0}, notes=notes)


def _parse(text: str, suffix: str) -> Any:
    if suffix == ".json":
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def load_policy(source: str | Path | Mapping[str, Any] | Policy) -> Policy:
    """A Policy from a shipped name ('tutor', 'health', 'support'), a YAML/JSON path, a dict or a Policy."""
    if isinstance(source, Policy):
        return source
    if isinstance(source, Mapping):
        try:
            return Policy.model_validate(dict(source))
        except ValidationError as exc:
            raise PolicyError(f"invalid policy: {exc}") from exc
    if isinstance(source, str) and source in SHIPPED_POLICIES:
        path = POLICY_DIR / SHIPPED_POLICIES[source]
    else:
        path = Path(source)
        if not path.is_file():
            raise PolicyError(
                f"policy {str(source)!r} is neither a shipped policy {sorted(SHIPPED_POLICIES)} nor a file"
            )
    try:
        data = _parse(path.read_text(encoding="utf-8"), path.suffix.lower())
    except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError
        raise PolicyError(f"cannot parse policy file {path}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise PolicyError(f"policy file {path} must hold a mapping at the top level")
    try:
        return Policy.model_validate(dict(data))
    except ValidationError as exc:
        raise PolicyError(f"invalid policy in {path}: {exc}") from exc
