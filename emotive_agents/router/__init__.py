"""The affect router: read the user's emotion each turn, choose an EV mix by policy, escalate crises safely.

>>> from emotive_agents.router import AffectRouter, empathetic_chain
>>> router = AffectRouter(policy="health")
>>> decision = router.invoke([{"role": "user", "content": "I'm scared about my scan results."}])
>>> decision.label, decision.mix, decision.rationale
>>> chain = router | ChatEmotive()   # messages -> AIMessage; response_metadata["decision"] per turn
>>> plan = TurnPipeline(router, system_prompt="...").plan(messages)   # escalation, or mix + prompt

Needs langchain-core (the `langchain` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents._lazy import lazy_exports

_EXPORTS = {
    "EmpatheticChain": "emotive_agents.router.chain",
    "empathetic_chain": "emotive_agents.router.chain",
    "CrisisDetector": "emotive_agents.router.crisis",
    "CrisisResult": "emotive_agents.router.crisis",
    "Condition": "emotive_agents.router.policy",
    "Escalation": "emotive_agents.router.policy",
    "Policy": "emotive_agents.router.policy",
    "PolicyError": "emotive_agents.router.policy",
    "Rule": "emotive_agents.router.policy",
    "apply_guard_rails": "emotive_agents.router.policy",
    "load_policy": "emotive_agents.router.policy",
    "DEFAULT_CLASSIFIER": "emotive_agents.router.router",
    "AffectRouter": "emotive_agents.router.router",
    "RouteDecision": "emotive_agents.router.decision",
    "RouterInputError": "emotive_agents.router.decision",
    "make_classifier": "emotive_agents.router.router",
    "router_ensemble": "emotive_agents.router.router",
    "user_texts": "emotive_agents.router.router",
    "AffectTracker": "emotive_agents.router.tracker",
    "Shift": "emotive_agents.router.shift",
    "ShiftSettings": "emotive_agents.router.shift",
    "TurnPipeline": "emotive_agents.router.turn",
    "TurnPlan": "emotive_agents.router.turn",
}

if TYPE_CHECKING:
    from emotive_agents.router.chain import EmpatheticChain, empathetic_chain
    from emotive_agents.router.crisis import CrisisDetector, CrisisResult
    from emotive_agents.router.decision import RouteDecision, RouterInputError
    from emotive_agents.router.policy import (
        Condition,
        Escalation,
        Policy,
        PolicyError,
        Rule,
        apply_guard_rails,
        load_policy,
    )
    from emotive_agents.router.router import (
        DEFAULT_CLASSIFIER,
        AffectRouter,
        make_classifier,
        router_ensemble,
        user_texts,
    )
    from emotive_agents.router.shift import Shift, ShiftSettings
    from emotive_agents.router.tracker import AffectTracker
    from emotive_agents.router.turn import TurnPipeline, TurnPlan

__all__ = [
    "DEFAULT_CLASSIFIER",
    "AffectRouter",
    "AffectTracker",
    "Condition",
    "CrisisDetector",
    "CrisisResult",
    "EmpatheticChain",
    "Escalation",
    "Policy",
    "PolicyError",
    "RouteDecision",
    "RouterInputError",
    "Rule",
    "Shift",
    "ShiftSettings",
    "TurnPipeline",
    "TurnPlan",
    "apply_guard_rails",
    "empathetic_chain",
    "load_policy",
    "make_classifier",
    "router_ensemble",
    "user_texts",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
