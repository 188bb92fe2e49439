"""AffectRouter: read the user's affect each turn, pick an emotion mix by policy, escalate crises safely.

A LangChain Runnable: messages in, `RouteDecision` out. It reads the whole message list each turn (so it
works statelessly, replaying the user's turns through an `AffectTracker`), or takes a tracker state and
reads only the newest user turn. Readings are cached per router instance, so replaying a conversation
classifies each user message once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig

from emotive_agents.affect.types import LABELS, AffectClassifier, AffectReading
from emotive_agents.router.crisis import CONTEXT_TURNS, CrisisDetector
from emotive_agents.router.decision import RouteDecision, RouterInputError
from emotive_agents.router.policy import DEFAULT_RANGE, Policy, apply_guard_rails, load_policy
from emotive_agents.router.risk import RiskAssessment
from emotive_agents.router.shift import ShiftSettings
from emotive_agents.router.tracker import AffectTracker, is_low_mood

if TYPE_CHECKING:
    from emotive_agents.affect.ensemble import EnsembleClassifier
    from emotive_agents.vectors.vector_set import EmotionVectorSet

# The default reader, chosen with data (docs/router.md): see `make_classifier`.
DEFAULT_CLASSIFIER = "ensemble"
# User-message exemplars for the router's exemplar reader. The evaluation judge keeps its own set
# (data/affect/exemplars.json, written for model replies) so that no evaluation number moves.
ROUTER_EXEMPLARS = Path(__file__).resolve().parent.parent / "data" / "router" / "exemplars.json"
# The router's MiniLM head: trained on GoEmotions plus project-written user turns
# (`python -m benchmarks.affect_train_user`, docs/router.md). The judge keeps the GoEmotions-only head.
ROUTER_HEAD = Path(__file__).resolve().parent.parent / "data" / "router" / "minilm_head"
# The router ensemble's weights and the nearest-turn member's k, checked by cross-validation over the
# two burned blind reader sets (`python -m benchmarks.reader_cv --retrain-head --folds 0`: 0.943 macro
# recall here, the grid's best 0.948 is within one turn per set) and kept because they follow more mood
# shifts on the shift tune sets (docs/router.md, "Third round"); "user-turns" is the nearest labelled
# user turns (`affect.user_turns`).
ROUTER_WEIGHTS: dict[str, float] = {"minilm-head": 0.2, "exemplars": 0.3, "user-turns": 0.5, "vader": 0.0}
ROUTER_TURN_K = 5
CLASSIFIERS = ("ensemble", "minilm", "exemplars", "vader", "probe")
_CACHE_SIZE = 512
MAX_REPLAY_TURNS = 8  # stateless mode replays at most this many user turns
# The distress lift (a risk turn near the line in a low conversation) needs LOW_MOOD_TURNS of the
# last LOW_MOOD_WINDOW user turns read as low mood: "several sad turns", not one fearful one.
LOW_MOOD_TURNS, LOW_MOOD_WINDOW = 2, 3


def make_classifier(
    name: str = DEFAULT_CLASSIFIER, *, device: str = "cpu", engine: Any = None
) -> AffectClassifier:
    """A reader by name: 'ensemble' (default), 'minilm', 'exemplars', 'vader' or 'probe' (needs `engine`)."""
    if name == "ensemble":
        return router_ensemble(device)
    if name == "minilm":
        from emotive_agents.affect.embedding import EmbeddingClassifier

        return EmbeddingClassifier(ROUTER_HEAD, device=device)
    if name == "exemplars":
        from emotive_agents.affect.exemplars import ExemplarClassifier

        return ExemplarClassifier(ROUTER_EXEMPLARS, device=device)
    if name == "vader":
        from emotive_agents.affect.vader import VaderClassifier

        return VaderClassifier()
    if name == "probe":
        if engine is None:
            raise RouterInputError(
                "the 'probe' classifier reads the steered model's hidden states: pass engine="
            )
        from emotive_agents.affect.probe import ProbeClassifier

        return ProbeClassifier(engine)
    raise RouterInputError(f"unknown classifier {name!r}; choose one of {CLASSIFIERS} or pass an object")


def router_ensemble(
    device: str = "cpu",
    weights: Mapping[str, float] | None = None,
    *,
    exemplars: str | Path = ROUTER_EXEMPLARS,
) -> EnsembleClassifier:
    """The router's default reader: user-turn MiniLM head + user-message exemplars + nearest user turns +
    VADER (valence).

    The judge's `default_ensemble` has the same members but the GoEmotions-only head and reply
    exemplars; both share one embedder.
    """
    from emotive_agents.affect.embedding import EmbeddingClassifier
    from emotive_agents.affect.ensemble import EnsembleClassifier
    from emotive_agents.affect.exemplars import ExemplarClassifier
    from emotive_agents.affect.user_turns import turn_reader
    from emotive_agents.affect.vader import VaderClassifier
    from emotive_agents.models.embeddings import default_embedder

    embedder = default_embedder(device)
    members: list[AffectClassifier] = [
        EmbeddingClassifier(ROUTER_HEAD, embedder=embedder),
        ExemplarClassifier(exemplars, embedder=embedder),
        turn_reader(embedder, k=ROUTER_TURN_K),
        VaderClassifier(),
    ]
    return EnsembleClassifier(members, dict(ROUTER_WEIGHTS if weights is None else weights))


def user_texts(messages: Any) -> list[str]:
    """The user's turns, oldest first, from a str, PromptValue, LangChain messages or role/content dicts."""
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, PromptValue):
        messages = messages.to_messages()
    if isinstance(messages, Mapping) and "messages" in messages:  # a LangGraph-style state
        messages = messages["messages"]
    if not isinstance(messages, Sequence) or isinstance(messages, bytes):
        raise RouterInputError(
            f"expected a message, a list of messages or a prompt value, got {type(messages).__name__}"
        )
    try:
        converted: list[BaseMessage] = convert_to_messages(list(messages))
    except (ValueError, TypeError, NotImplementedError) as exc:
        raise RouterInputError(f"cannot read the conversation: {exc}") from exc
    texts = []
    for message in converted:
        if message.type == "human":
            content = message.content
            if isinstance(content, list):  # content blocks: keep the text ones
                content = " ".join(
                    b if isinstance(b, str) else str(b.get("text", ""))
                    for b in content
                    if isinstance(b, str | dict)
                )
            texts.append(str(content))
    if not texts:
        raise RouterInputError("the conversation has no user message to read")
    return texts


def _fmt_mix(mix: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {v:+.2f}" for k, v in mix.items()) or "unsteered"


class AffectRouter(Runnable[Any, RouteDecision]):
    """Reads the user's affect and picks an emotion mix by policy.

    >>> router = AffectRouter(policy="support")
    >>> router.invoke("My order is two weeks late and nobody answers!").mix
    {'calm': 0.5, 'patient': 0.3, 'anger': -0.2}
    >>> chain = router | ChatEmotive()            # or empathetic_chain(router, ChatEmotive())
    """

    def __init__(
        self,
        policy: str | Path | Policy | Mapping[str, Any] = "support",
        *,
        classifier: AffectClassifier | str | None = None,
        crisis_detector: CrisisDetector | None = None,
        vector_set: EmotionVectorSet | None = None,
        alpha: float = 0.5,
        shift: ShiftSettings | None = None,
        device: str = "cpu",
        engine: Any = None,
    ) -> None:
        self.policy = load_policy(policy)
        self._classifier_spec = classifier if classifier is not None else DEFAULT_CLASSIFIER
        self._classifier: AffectClassifier | None = (
            None if isinstance(self._classifier_spec, str) else self._classifier_spec
        )
        self.crisis_detector = crisis_detector or CrisisDetector(device=device)
        self.vector_set = vector_set
        self.alpha = alpha
        self.shift_settings = shift or ShiftSettings()
        self.device = device
        self.engine = engine
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, AffectReading] = OrderedDict()

    # -- reading ----------------------------------------------------------------------------------
    @property
    def classifier(self) -> AffectClassifier:
        """The reader, built on first use (the embedding model loads once per process)."""
        with self._lock:
            if self._classifier is None:
                assert isinstance(self._classifier_spec, str)
                self._classifier = make_classifier(
                    self._classifier_spec, device=self.device, engine=self.engine
                )
            return self._classifier

    def read(self, texts: Sequence[str]) -> list[AffectReading]:
        """Readings of texts, classifying only the ones this router has not seen recently (one batch)."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            fresh = self.classifier.predict(missing)
            with self._lock:
                for text, r in zip(missing, fresh, strict=True):
                    self._cache[text] = r
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._lock:
            found = {t: self._cache.get(t) for t in texts}
        # A text evicted by a concurrent call in between is simply read again.
        again = [t for t, r in found.items() if r is None]
        if again:
            found.update(zip(again, self.classifier.predict(again), strict=True))
        return [found[t] for t in texts]  # type: ignore[misc]

    # -- deciding ---------------------------------------------------------------------------------
    def route(
        self,
        messages: Any,
        *,
        tracker: AffectTracker | None = None,
        vector_set: EmotionVectorSet | None = None,
    ) -> RouteDecision:
        """The decision for the newest user turn.

        Without `tracker`, the last MAX_REPLAY_TURNS user turns are replayed from a fresh state; with one,
        only the newest turn is read and added to it (the returned decision carries the new state).
        """
        texts = user_texts(messages)
        if tracker is None:
            tracker = AffectTracker(alpha=self.alpha, shift_settings=self.shift_settings)
            start = max(0, len(texts) - MAX_REPLAY_TURNS)
        else:
            start = len(texts) - 1
        turns = texts[start:]
        readings = self.read(turns)
        crises = []
        for i, reading_ in enumerate(readings, start=start):
            context = texts[max(0, i - CONTEXT_TURNS) : i]
            crisis = self.crisis_detector.detect(
                texts[i], context, tracker.risk_level, distressed=self.low_mood_before(tracker)
            )
            tracker = tracker.update(
                reading_,
                crisis=crisis.crisis,
                risk_level=crisis.level,
                crisis_category=crisis.risk.category,
                low_mood=is_low_mood(reading_, self.policy.is_distressed(reading_)),
            )
            crises.append(crisis)
        last = crises[-1]
        return self.decide(readings[-1], tracker, last.matches, vector_set=vector_set, risk=last.risk)

    def low_mood_before(self, tracker: AffectTracker) -> bool:
        """The conversation so far is low: the smoothed reading is distressed and at least
        LOW_MOOD_TURNS of the last LOW_MOOD_WINDOW user turns read as low mood (`is_low_mood`)."""
        before = tracker.smoothed
        if before is None or not self.policy.is_distressed(before):
            return False
        return sum(tracker.low_mood[-LOW_MOOD_WINDOW:]) >= LOW_MOOD_TURNS

    def decide(
        self,
        current: AffectReading,
        tracker: AffectTracker,
        crisis_matches: Sequence[str] = (),
        *,
        vector_set: EmotionVectorSet | None = None,
        risk: RiskAssessment | None = None,
    ) -> RouteDecision:
        """Apply the policy and the guard rails to a turn already added to `tracker`.

        `risk` is this turn's assessment (flagged, or not); without one, `crisis_matches` alone flag it.
        """
        policy = self.policy
        smoothed = tracker.smoothed or current
        distressed = policy.is_distressed(current, smoothed)
        since = tracker.turns_since_crisis
        flagged = bool(crisis_matches) or (risk is not None and risk.flagged)
        crisis = flagged or (since is not None and since <= policy.crisis_memory_turns)
        if risk is None:
            risk = RiskAssessment(
                category="unspecified" if flagged else "none",
                score=1.0 if flagged else 0.0,
                evidence=tuple(crisis_matches),
                detectors=("patterns",) if flagged else (),
                flagged=flagged,
            )
        escalation = None
        shift = None if crisis else tracker.shift  # a crisis is never shifted away
        if crisis:
            rule, raw = "crisis", dict(policy.crisis_mix)
            if not flagged:  # remembered: keep the earlier turn's category (e.g. third-party guidance)
                risk = risk.model_copy(
                    update={
                        "category": tracker.crisis_category or "unspecified",
                        "evidence": (*risk.evidence, f"crisis {since} turn(s) ago"),
                        "detectors": (*risk.detectors, "memory"),
                    }
                )
            if crisis_matches:
                why = f"crisis language ({'; '.join(crisis_matches[:2])})"
            elif flagged:
                why = f"crisis risk ({risk.category}, {', '.join(risk.detectors)})"
            else:
                why = f"crisis language {since} turn(s) ago"
            why += f" [{risk.category}]"
            if policy.escalates:
                assert policy.escalation is not None
                escalation = policy.escalation.message(risk.category)
                why += ": escalated to the safe support message, no free generation"
            distressed = True  # the rails treat a crisis turn as distress whatever the classifier says
        else:
            rule, raw, why = policy.select(
                smoothed, distressed=distressed, trend=tracker.trend, current=current, shift=shift
            )
        vs = vector_set if vector_set is not None else self.vector_set
        guarded = apply_guard_rails(
            raw,
            distressed=distressed,
            max_total=policy.max_total,
            intensity_range=vs.metadata.intensity_range if vs is not None else DEFAULT_RANGE,
            available=[e for e in vs.emotions if e != "base"] if vs is not None else None,
        )
        p = smoothed.probabilities[smoothed.label]
        over = f" over {tracker.turns} turns" if tracker.turns > 1 else ""
        parts = [
            f"user reads {smoothed.label} ({p:.2f}{over}, valence {smoothed.valence:+.2f}"
            + (", distressed)" if distressed else ")"),
            f"{rule}: {why}",
            f"mix {_fmt_mix(guarded.mix)}",
            *guarded.notes,
        ]
        if shift is not None:
            parts.insert(
                1,
                f"mood shift {shift.from_} -> {shift.to} (this turn {current.probabilities[shift.to]:.2f},"
                f" +{shift.strength:.2f})",
            )
        elif crisis and tracker.shift is not None:
            parts.insert(1, f"mood shift to {tracker.shift.to} ignored: crisis handling stays")
        return RouteDecision(
            reading=smoothed,
            label=shift.to if shift is not None else smoothed.label,
            crisis=crisis,
            mix=guarded.mix,
            rationale="; ".join(parts),
            escalation=escalation,
            current=current,
            rule=rule,
            distressed=distressed,
            crisis_matches=tuple(crisis_matches),
            risk=risk,
            policy=policy.name,
            tracker=tracker,
            shift=shift,
        )

    # -- Runnable ---------------------------------------------------------------------------------
    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> RouteDecision:
        """`kwargs`: tracker=AffectTracker, vector_set=EmotionVectorSet (see `route`)."""
        unknown = set(kwargs) - {"tracker", "vector_set"}
        if unknown:
            raise TypeError(f"AffectRouter.invoke got unknown options {sorted(unknown)}")
        return self._call_with_config(partial(self._route_input, **kwargs), input, config, run_type="chain")

    def _route_input(self, input: Any, **kwargs: Any) -> RouteDecision:
        if (
            isinstance(input, Mapping)
            and "messages" in input
            and "tracker" in input
            and "tracker" not in kwargs
        ):
            tracker = input["tracker"]
            kwargs["tracker"] = AffectTracker.model_validate(tracker) if tracker is not None else None
        return self.route(input, **kwargs)

    def __or__(self, other: Any) -> Any:
        """`router | chat_model` builds the empathetic chain; anything else composes as usual.

        A documented contract, kept one-way: the chain knows routers only as a `Decider` protocol and
        never imports this module.
        """
        from langchain_core.language_models import BaseChatModel

        if isinstance(other, BaseChatModel):
            from emotive_agents.router.chain import empathetic_chain

            return empathetic_chain(self, other)
        return super().__or__(other)

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS
