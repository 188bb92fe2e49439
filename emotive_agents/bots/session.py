"""One conversation with a bot: read the user with the affect router, answer with the router's mix.

The session owns the history and an optional `/emotion` override; each turn is planned by the router's
`TurnPipeline` (when the decision carries an escalation text, that text is the reply and nothing is
generated). The router is injected, so tests and custom apps can pass any object with
`invoke(messages) -> decision`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.affect.types import AffectReading
from emotive_agents.bots.specs import BotSpec
from emotive_agents.errors import EmotiveError
from emotive_agents.mix_text import MixTextError, parse_mix_items
from emotive_agents.router.turn import TurnPipeline
from emotive_agents.steering.mix import EmotionMix

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine

HELP = (
    "commands: /emotion NAME=INTENSITY [...] (override the router's mix), /emotion auto (back to the "
    "router), /reset (forget the conversation), /quit"
)


class Decision(Protocol):
    """What the session needs from an affect router's per-turn decision (e.g. `RouteDecision`)."""

    @property
    def escalation(self) -> str | None:
        """The safe message to send instead of generating, or None."""
        ...

    @property
    def current(self) -> AffectReading:
        """This turn's reading alone (the decision's own reading is smoothed over the conversation)."""
        ...

    def to_json(self) -> dict[str, Any]:
        """reading, label, crisis, mix, rationale and shift (the scripted chat's `decision`)."""
        ...


class Router(Protocol):
    """Anything that reads a conversation and decides the reply's emotion mix (e.g. `AffectRouter`)."""

    def invoke(self, messages: Any, /) -> Decision: ...


class CommandError(EmotiveError, ValueError):
    """A chat command with bad arguments (e.g. `/emotion joy`)."""


class TurnRecord(BaseModel):
    """One answered user turn: what was said, what was replied, and the decision behind the reply.

    `decision` is the router's `to_json()`; under an `/emotion` override its `mix` is the applied
    override and its `rationale` says so, so the record always shows what steered the reply.
    """

    model_config = ConfigDict(frozen=True)

    user: str
    reply: str
    decision: dict[str, Any]
    escalated: bool = Field(description="True when the reply is the escalation text, not a generation.")
    overridden: bool = Field(default=False, description="True when an /emotion override set the mix.")
    # This turn's own top label and its probability; `decision["label"]` is smoothed over the conversation.
    current: tuple[str, float] | None = None
    # The reply's own affect reading ({"label", "probabilities", "valence"}), when the session reads replies.
    reply_reading: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The scripted chat's `--json` line: user, reply and decision (the reading is on the record)."""
        return {"user": self.user, "reply": self.reply, "decision": self.decision}

    @property
    def confidence(self) -> float:
        """Probability of the reading's label (how sure the router was)."""
        reading = self.decision.get("reading") or {}
        return float(reading.get(self.decision.get("label"), 0.0)) if isinstance(reading, dict) else 0.0


@dataclass(frozen=True)
class CommandOutcome:
    """What a chat command did: a message for the user, and whether the chat should end."""

    message: str
    quit: bool = False


def parse_override(args: list[str]) -> dict[str, float] | None:
    """`["joy=0.5", "calm=1"]` -> mix; `["auto"]` -> None (back to the router)."""
    if args == ["auto"]:
        return None
    if not args:
        raise CommandError("usage: /emotion NAME=INTENSITY [NAME=INTENSITY ...] or /emotion auto")
    try:
        return parse_mix_items(args)
    except MixTextError as exc:
        raise CommandError(str(exc)) from None


def format_mix(mix: Mapping[str, float]) -> str:
    """`calm=0.80 patient=0.60`, or `none` for an empty mix."""
    items = [f"{name}={value:.2f}" for name, value in mix.items() if value]
    return " ".join(items) or "none"


def status_line(record: TurnRecord, *, rationale: bool = False) -> str:
    """The compact per-turn status: reading label + confidence, mix, escalation/override markers."""
    decision = record.decision
    smoothed = f"{decision.get('label', '?')} {record.confidence:.2f}"
    reading = smoothed
    if record.current is not None and record.current[0] != decision.get("label"):
        reading = f"{record.current[0]} {record.current[1]:.2f} now, {smoothed} overall"
    parts = [reading, f"mix {format_mix(decision['mix'])}"]
    shift = decision.get("shift")
    if isinstance(shift, Mapping):
        parts.append(f"shift {shift.get('from')} -> {shift.get('to')}")
    if record.escalated:
        parts.append("CRISIS -> escalation")
    elif record.overridden:
        parts.append("override")
    if rationale and decision.get("rationale"):
        parts.append(str(decision["rationale"]))
    return "[" + " | ".join(parts) + "]"


def reply_status(record: TurnRecord) -> str:
    """The reply's own reading after it is written: `[reply reads joy 0.62, valence +0.41]` ('' if none)."""
    reading = record.reply_reading
    if not reading:
        return ""
    p = reading["probabilities"].get(reading["label"], 0.0)
    return f"[reply reads {reading['label']} {p:.2f}, valence {reading['valence']:+.2f}]"


class ChatSession:
    """A conversation between a user and one bot, steered turn by turn by an affect router.

    >>> session = ChatSession(get_bot("support"), engine, AffectRouter(policy="support"))
    >>> record = session.respond("My order is late and nobody answers!", on_token=print)
    >>> record.decision["mix"]   # what steered this reply
    """

    def __init__(
        self,
        spec: BotSpec,
        engine: EmotiveEngine,
        router: Router,
        *,
        max_new_tokens: int = 60,
        temperature: float = 0.0,
        seed: int | None = None,
        history_turns: int = 1,
        trim_to_sentence: bool = True,
        repetition_penalty: float = 1.0,
        no_repeat_ngram_size: int = 3,
        read_replies: bool = True,
        reply_reader: str = "ensemble",
        shift_history_turns: int = 1,
        joy_shift_history_turns: int = 0,
    ) -> None:
        self.spec = spec
        self.engine = engine
        self.router = router
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.seed = seed
        # Earlier user/bot exchanges the model sees; the router always reads the whole conversation.
        # One by default: a 135M model given longer histories tends to copy its earlier replies.
        self.history_turns = history_turns
        # On a detected mood shift the model sees at most this many earlier exchanges (one by default):
        # older replies written for the old mood pull a small model back into it (docs/router.md).
        self.shift_history_turns = min(shift_history_turns, history_turns)
        # On a shift to joy (good news after worry) none by default: even the last sympathetic reply
        # pulls the model back into "I'm so sorry" (docs/router.md, "Fourth round").
        self.joy_shift_history_turns = min(joy_shift_history_turns, self.shift_history_turns)
        self.history: list[dict[str, str]] = []
        self.override: dict[str, float] | None = None
        # Replies end on a sentence (a budget-cut tail is trimmed) and never repeat a 3-gram: on the eval
        # harness that raised distinct-2 from 0.77 to 0.90 with the same emotion hit (docs/server.md).
        self.sampling: dict[str, Any] = {
            "trim_to_sentence": trim_to_sentence,
            "repetition_penalty": repetition_penalty,
            "no_repeat_ngram_size": no_repeat_ngram_size,
        }
        self.read_replies = read_replies
        self.reply_reader = reply_reader

    # -- commands ---------------------------------------------------------------------------------------
    @staticmethod
    def is_command(line: str) -> bool:
        return line.strip().startswith("/")

    def command(self, line: str) -> CommandOutcome:
        """Apply `/emotion ...`, `/reset`, `/quit` or `/help`; bad input raises CommandError."""
        name, *args = line.strip().split()
        if name == "/quit":
            return CommandOutcome("bye", quit=True)
        if name == "/reset":
            self.history.clear()
            self.override = None
            return CommandOutcome("conversation reset; the router picks the mix again")
        if name == "/help":
            return CommandOutcome(HELP)
        if name == "/emotion":
            mix = parse_override(args)
            if mix is None:
                self.override = None
                return CommandOutcome("mix: automatic (the router decides)")
            try:
                self.engine.check_mix(EmotionMix.coerce(mix))
            except (EmotiveError, ValueError) as exc:
                raise CommandError(str(exc)) from None
            self.override = mix
            return CommandOutcome(f"mix override: {format_mix(mix)} (until /emotion auto)")
        raise CommandError(f"unknown command {name!r}; {HELP}")

    # -- turns ------------------------------------------------------------------------------------------
    @property
    def pipeline(self) -> TurnPipeline:
        """The turn pipeline for the session's current settings: decide, then escalate or steer."""
        return TurnPipeline(
            self.router,
            system_prompt=self.spec.system_prompt,
            history_turns=self.history_turns,
            shift_turns=self.shift_history_turns,
            joy_shift_turns=self.joy_shift_history_turns,
        )

    def _conversation(self, user: str) -> list[dict[str, str]]:
        return [*self.history, {"role": "user", "content": user}]

    def messages_for(
        self, user: str, *, shift: bool = False, shift_to: str | None = None
    ) -> list[dict[str, str]]:
        """The system prompt, the recent history and the new user turn, as the model sees them.

        `shift`: the turn is a detected change of mood, so only `shift_history_turns` exchanges are kept
        (`joy_shift_history_turns` when `shift_to` is joy).
        """
        return self.pipeline.prompt(self._conversation(user), shift=shift, shift_to=shift_to)

    def decide(self, user: str) -> Decision:
        """The router's decision for the conversation so far plus `user` (no system prompt)."""
        return self.pipeline.decide(self._conversation(user))

    def respond(
        self,
        user: str,
        *,
        on_decision: Callable[[TurnRecord], None] | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> TurnRecord:
        """Answer one user turn. `on_decision` sees the record (empty reply) before any token is made;
        `on_token` receives the reply as it streams. An escalating decision (a crisis turn under a policy
        that escalates) is answered with its escalation text; an `/emotion` override never changes that."""
        user = user.strip()
        if not user:
            raise CommandError("an empty message cannot be answered")
        plan = self.pipeline.plan(self._conversation(user), override=self.override)
        decision = plan.decision
        payload = dict(decision.to_json())
        if plan.overridden:
            payload["rationale"] = (
                f"/emotion override {format_mix(plan.mix)} (router chose "
                f"{format_mix(payload.get('mix') or {})}: {payload.get('rationale', '')})"
            )
            payload["mix"] = dict(plan.mix)
        current = decision.current
        pending = TurnRecord(
            user=user,
            reply="",
            decision=payload,
            escalated=plan.escalated,
            overridden=plan.overridden,
            current=(current.label, current.probabilities[current.label]),
        )
        if on_decision is not None:
            on_decision(pending)
        if plan.escalation is not None:
            reply = plan.escalation.strip()
            if on_token is not None:
                on_token(reply)
        else:
            reply = self._generate(plan.messages, plan.mix, on_token)
        self.history += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        reading = None
        if self.read_replies:
            from emotive_agents.monitor.reading import shared_reply_reader

            reading = shared_reply_reader(self.reply_reader).read(reply).to_json()
        return pending.model_copy(update={"reply": reply, "reply_reading": reading})

    def _generate(
        self,
        messages: list[dict[str, str]],
        mix: Mapping[str, float],
        on_token: Callable[[str], None] | None,
    ) -> str:
        stream = self.engine.stream(
            messages,
            dict(mix),
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            seed=self.seed,
            **self.sampling,
        )
        pieces: list[str] = []
        for piece in stream:
            if not pieces:
                piece = piece.lstrip()  # the reply as stored starts with text, so stream it that way
                if not piece:
                    continue
            pieces.append(piece)
            if on_token is not None:
                on_token(piece)
        return "".join(pieces).strip()

    def reset(self) -> None:
        self.command("/reset")
