"""Build a ready bot: its affect router (the bot's policy, or a policy file) and a chat session.

Kept apart from the session so that importing the session never loads the router's classifiers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from emotive_agents.bots.session import ChatSession, Router
from emotive_agents.bots.specs import BotSpec, get_bot
from emotive_agents.defaults import DEFAULT_MODEL

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine


def make_router(
    spec: BotSpec, policy: str | Path | None = None, *, engine: EmotiveEngine | None = None
) -> Router:
    """The affect router for a bot: its own policy, or `policy` (a shipped name or a YAML/JSON file).

    With `engine`, the router clips mixes to that engine's vector set (its calibrated range, its emotions).
    """
    from emotive_agents.router import AffectRouter
    from emotive_agents.router.policy import SHIPPED_POLICIES, Policy, load_policy

    vector_set = engine.vector_set if engine is not None else None
    chosen: str | Path | Policy = policy if policy is not None else spec.policy
    if policy is not None and vector_set is not None and str(policy) not in SHIPPED_POLICIES:
        chosen = load_policy(policy, emotions=vector_set.emotions)  # a typo'd emotion fails here
    return AffectRouter(policy=chosen, vector_set=vector_set)


def make_session(
    bot: str | BotSpec,
    *,
    engine: EmotiveEngine | None = None,
    router: Router | None = None,
    policy: str | Path | None = None,
    model: str = DEFAULT_MODEL,
    vectors: str | None = None,
    **session_options: Any,
) -> ChatSession:
    """A chat session for a shipped bot on the embedded model (or the given engine and router).

    Without `engine`, sessions share one process-wide engine per (model, vectors), so an app may open a
    session per user without loading the model again.
    """
    spec = bot if isinstance(bot, BotSpec) else get_bot(bot)
    if engine is None:
        from emotive_agents.runtime import shared_engine

        engine = shared_engine(model, vectors, device="cpu", dtype="float32")
    return ChatSession(spec, engine, router or make_router(spec, policy, engine=engine), **session_options)
