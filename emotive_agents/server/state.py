"""What the app holds between requests: engine, scheduler, registered policies, one router per policy.

Policies and routers are built once at start (`build_policies`, `build_routers`); a request's `policy`
is only a key into them, so no request can make the server load anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emotive_agents.errors import EmotiveError
from emotive_agents.server.http_errors import APIError
from emotive_agents.server.protocol import short
from emotive_agents.server.settings import ServerSettings

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.server.policies import PolicyRegistry
    from emotive_agents.server.scheduler import Scheduler

DEFAULT_POLICY = "support"


@dataclass
class ServerState:
    """What the app holds between requests: the engine, its scheduler, the policies and their routers."""

    settings: ServerSettings
    engine: EmotiveEngine
    scheduler: Scheduler
    policies: PolicyRegistry | None = None  # None: the router (langchain extra) is not installed
    routers: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @property
    def default_policy(self) -> str | None:
        """The policy for `emotion: auto` without `policy` (and for every request, with `--policy`)."""
        if self.policies is None:
            return None
        return self.policies.default or (DEFAULT_POLICY if DEFAULT_POLICY in self.policies else None)

    def router(self, policy: str) -> Any:
        """The AffectRouter of a registered policy; any other name is refused without touching a file."""
        if self.policies is None:
            raise APIError(
                400,
                '"emotion": "auto" needs the affect router: install the langchain extra',
                param="emotion",
                code="router_unavailable",
            )
        router = self.routers.get(policy)
        if router is None:
            raise APIError(
                400,
                f"unknown policy {short(policy)}; this server has: {', '.join(self.policies.names)}",
                param="policy",
                code="invalid_policy",
            )
        return router

    def pipeline(self, policy: str) -> Any:
        """The shared turn pipeline (decide, then escalate or steer) over a registered policy's router.

        `shift_turns=None`: the server answers the messages the client sent; trimming history on a mood
        shift is the client's choice here, unlike the session and the chain."""
        from emotive_agents.router.turn import TurnPipeline

        return TurnPipeline(self.router(policy), shift_turns=None)


def build_policies(settings: ServerSettings, engine: EmotiveEngine) -> PolicyRegistry | None:
    """The registered policies (shipped + operator's), checked against the engine's emotions.

    Raises PolicyError for a bad operator policy, so that `serve` fails at start, not per request.
    None when the router cannot be imported and the operator asked for no policy.
    """
    sources = [*([settings.policy] if settings.policy else []), *settings.policies]
    try:
        from emotive_agents.server.policies import PolicyRegistry
    except ImportError as exc:  # the router needs the langchain extra
        if sources or settings.policy_dir:
            raise EmotiveError(
                f"router policies need the affect router, which failed to import: {exc}"
            ) from None
        return None
    emotions = engine.emotions if engine.vector_set is not None else None
    return PolicyRegistry.build(
        sources,
        policy_dir=settings.policy_dir,
        emotions=emotions,
        default_first=settings.policy is not None,
    )


def build_routers(
    settings: ServerSettings, engine: EmotiveEngine, policies: PolicyRegistry
) -> dict[str, Any]:
    """One AffectRouter per registered policy, all sharing one lazily built affect reader."""
    from emotive_agents.router import AffectRouter
    from emotive_agents.server.policies import SharedClassifier

    reader = SharedClassifier(settings.router_classifier, device=settings.device, engine=engine)
    return {
        name: AffectRouter(policies[name], classifier=reader, vector_set=engine.vector_set)
        for name in policies.names
    }
