"""One conversation per bot answered three ways, written as a Markdown page (docs/bots.md).

The three variants share the bot's system prompt and the user's turns; each keeps its own history (the
model sees the last exchange of it, as in `ChatSession`; the router reads the whole routed one):
  unsteered  - no router, no steering;
  prompt-only - the router's mix put into words in the system prompt (the usual prompting baseline);
  routed EV  - the router's mix applied as Emotion Vectors.
Both routed variants take the escalation path on crisis turns. Each turn's three generations run as one
batch with a mix per row.

Run: emotive-agents chat --side-by-side --out docs/bots.md
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from emotive_agents.bots.script import load_script
from emotive_agents.bots.session import Router, format_mix
from emotive_agents.bots.specs import BOTS, BotSpec
from emotive_agents.defaults import DEFAULT_MODEL

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine

COMMAND = "emotive-agents chat --side-by-side --out docs/bots.md"
VARIANTS = ("unsteered", "prompt_only", "steered")
# How each emotion reads as a tone word in the prompt-only variant.
TONE_WORDS = {
    "joy": "joyful",
    "anger": "angry",
    "disgust": "disgusted",
    "fear": "fearful",
    "sadness": "sad",
    "calm": "calm",
    "encouraging": "encouraging",
    "patient": "patient",
}


def mix_instruction(mix: Mapping[str, float]) -> str:
    """The router's mix in words, for the system prompt: 'Sound very calm and somewhat patient.'"""

    def degree(value: float) -> str:
        return "very " if value >= 0.75 else "" if value >= 0.4 else "slightly "

    ranked = sorted(mix.items(), key=lambda item: -abs(item[1]))
    wanted = [f"{degree(v)}{TONE_WORDS.get(k, k)}" for k, v in ranked if v > 0]
    avoided = [TONE_WORDS.get(k, k) for k, v in ranked if v < 0]
    sentences = []
    if wanted:
        joined = ", ".join(wanted[:-1]) + (" and " if len(wanted) > 1 else "") + wanted[-1]
        sentences.append(f"In this reply, sound {joined}.")
    if avoided:
        sentences.append(f"Do not sound {' or '.join(avoided)}.")
    return " ".join(sentences)


class ComparedTurn(BaseModel):
    """One user turn, the router's decision and the three replies."""

    model_config = ConfigDict(frozen=True)

    user: str
    decision: dict[str, Any]
    instruction: str
    unsteered: str
    prompt_only: str
    steered: str


class ComparedBot(BaseModel):
    model_config = ConfigDict(frozen=True)

    bot: str
    turns: list[ComparedTurn]


def compare_bot(
    spec: BotSpec,
    engine: EmotiveEngine,
    router: Router,
    lines: Sequence[str],
    *,
    max_new_tokens: int = 60,
    history_turns: int = 1,
) -> ComparedBot:
    """Play `lines` through the three variants of one bot (greedy decoding, so it is reproducible)."""
    histories: dict[str, list[dict[str, str]]] = {v: [] for v in VARIANTS}
    turns = []
    for user in lines:
        decision = router.invoke([*histories["steered"], {"role": "user", "content": user}])
        payload = dict(decision.to_json())
        mix = dict(payload.get("mix") or {})
        instruction = mix_instruction(mix)
        systems = {
            "unsteered": spec.system_prompt,
            "prompt_only": f"{spec.system_prompt} {instruction}".strip(),
            "steered": spec.system_prompt,
        }
        mixes: dict[str, dict[str, float]] = {"unsteered": {}, "prompt_only": {}, "steered": mix}
        replies: dict[str, str] = {}
        escalation = decision.escalation
        if escalation is not None:  # the routed variants escalate; only the router-less one generates
            replies["prompt_only"] = replies["steered"] = escalation
        todo = [v for v in VARIANTS if v not in replies]
        recent = {v: histories[v][-2 * history_turns :] if history_turns else [] for v in VARIANTS}
        requests = [
            engine.request(
                [{"role": "system", "content": systems[v]}, *recent[v], {"role": "user", "content": user}],
                mixes[v],
                max_new_tokens=max_new_tokens,
            )
            for v in todo
        ]
        for variant, result in zip(todo, engine.generate_batch(requests), strict=True):
            replies[variant] = result.text.strip()
        for variant in VARIANTS:
            histories[variant] += [
                {"role": "user", "content": user},
                {"role": "assistant", "content": replies[variant]},
            ]
        turns.append(ComparedTurn(user=user, decision=payload, instruction=instruction, **replies))
    return ComparedBot(bot=spec.name, turns=turns)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip() or "(empty)"


def render_markdown(
    results: Sequence[ComparedBot], *, model: str, max_new_tokens: int, history_turns: int = 1
) -> str:
    """The docs page: per bot, per turn, the decision and the three replies."""
    seen = {0: "no earlier turns", 1: "the last exchange"}.get(
        history_turns, f"the last {history_turns} exchanges"
    )
    out = [
        "# The example bots side by side",
        "",
        f"<!-- Generated by `{COMMAND}`; do not edit by hand. -->",
        "",
        f"Generated by `{COMMAND}` on `{model}` (greedy decoding, at most {max_new_tokens} new tokens per "
        "reply, the shipped demo scripts in `emotive_agents/data/scripts/`). Each user turn is answered "
        f"three ways, each variant keeping its own history (the model sees {seen} of it, as in "
        "`emotive-agents chat`; the router reads the whole routed one):",
        "",
        "- **unsteered**: the bot's system prompt only;",
        "- **prompt-only**: the router's mix asked for in words at the end of the system prompt;",
        "- **routed EV**: the router's mix applied as Emotion Vectors (the bots' default).",
        "",
        "Both routed variants answer a crisis turn with the policy's escalation text instead of a "
        "generation. The decision line shows the router's reading of the user (top label and its "
        "probability), whether it saw a crisis, the mix and its rationale. The replies come from a "
        "135M-parameter model and are shown as generated, cut at the token limit.",
    ]
    for compared in results:
        spec = BOTS[compared.bot]
        out += ["", f"## {spec.title} ({spec.domain})", "", f"Router policy `{spec.policy}`. System prompt:"]
        out += ["", f"> {spec.system_prompt}"]
        if spec.disclaimer:
            out += ["", f"Shown before the first turn: *{spec.disclaimer}*"]
        for number, turn in enumerate(compared.turns, start=1):
            decision = turn.decision
            asked = turn.instruction or "no tone asked for"
            reading = decision.get("reading") or {}
            label = decision.get("label", "?")
            confidence = float(reading.get(label, 0.0)) if isinstance(reading, dict) else 0.0
            crisis = "**yes, escalation**" if decision.get("crisis") else "no"
            out += [
                "",
                f"### Turn {number}",
                "",
                f"**User:** {_one_line(turn.user)}",
                "",
                f"Decision: reading `{label} {confidence:.2f}`, crisis {crisis}, mix "
                f"`{format_mix(decision.get('mix') or {})}`. {_one_line(str(decision.get('rationale', '')))}",
                "",
                f"- **unsteered:** {_one_line(turn.unsteered)}",
                f"- **prompt-only** (*{asked}*): {_one_line(turn.prompt_only)}",
                f"- **routed EV** (`{format_mix(decision.get('mix') or {})}`): {_one_line(turn.steered)}",
            ]
    return "\n".join(out) + "\n"


def generate_page(
    engine: EmotiveEngine,
    make_router: Callable[[BotSpec, EmotiveEngine], Router],
    *,
    bots: Sequence[str] = tuple(BOTS),
    scripts: Mapping[str, Sequence[str]] | None = None,
    max_new_tokens: int = 60,
    history_turns: int = 1,
) -> str:
    """Compare every bot in `bots` on its shipped script (or `scripts[name]`) and render the page."""
    results = []
    for name in bots:
        spec = BOTS[name]
        lines = (scripts or {}).get(name) or load_script(spec.script_path())
        lines = [line for line in lines if not line.startswith("/")]
        router = make_router(spec, engine)
        results.append(
            compare_bot(
                spec, engine, router, lines, max_new_tokens=max_new_tokens, history_turns=history_turns
            )
        )
    return render_markdown(
        results, model=engine.model_name, max_new_tokens=max_new_tokens, history_turns=history_turns
    )


def write_page(
    out: str | Path,
    *,
    model: str = DEFAULT_MODEL,
    vectors: str | None = None,
    bots: Sequence[str] = tuple(BOTS),
    max_new_tokens: int = 60,
    history_turns: int = 1,
) -> Path:
    """Load the model and the routers, generate the page and write it to `out`."""
    from emotive_agents.bots.factory import make_router
    from emotive_agents.engine import EmotiveEngine

    engine = EmotiveEngine.load(model, vectors)
    text = generate_page(
        engine,
        lambda spec, eng: make_router(spec, engine=eng),
        bots=bots,
        max_new_tokens=max_new_tokens,
        history_turns=history_turns,
    )
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
