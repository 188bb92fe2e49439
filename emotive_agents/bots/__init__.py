"""Example bots (tutor, health companion, support agent) and the chat session behind `emotive-agents chat`.

A bot is a system prompt plus an affect-router policy; `ChatSession` asks the router for a decision on
every user turn and answers with that turn's emotion mix (or the escalation text on a crisis turn).
`emotive_agents.bots.side_by_side` writes docs/bots.md (unsteered vs prompt-only vs routed steering).

>>> from emotive_agents.bots import make_session
>>> session = make_session("support")                 # embedded model + AffectRouter(policy="support")
>>> record = session.respond("This is the third time my order is late!")
>>> record.decision["label"], record.decision["mix"], record.reply
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents._lazy import lazy_exports

_EXPORTS = {
    "make_router": "emotive_agents.bots.factory",
    "make_session": "emotive_agents.bots.factory",
    "run_interactive": "emotive_agents.bots.runner",
    "run_script": "emotive_agents.bots.runner",
    "ScriptError": "emotive_agents.bots.script",
    "load_script": "emotive_agents.bots.script",
    "parse_script": "emotive_agents.bots.script",
    "ChatSession": "emotive_agents.bots.session",
    "CommandError": "emotive_agents.bots.session",
    "CommandOutcome": "emotive_agents.bots.session",
    "TurnRecord": "emotive_agents.bots.session",
    "format_mix": "emotive_agents.bots.session",
    "reply_status": "emotive_agents.bots.session",
    "status_line": "emotive_agents.bots.session",
    "BOTS": "emotive_agents.bots.specs",
    "BotSpec": "emotive_agents.bots.specs",
    "UnknownBotError": "emotive_agents.bots.specs",
    "get_bot": "emotive_agents.bots.specs",
}

if TYPE_CHECKING:
    from emotive_agents.bots.factory import make_router, make_session
    from emotive_agents.bots.runner import run_interactive, run_script
    from emotive_agents.bots.script import ScriptError, load_script, parse_script
    from emotive_agents.bots.session import (
        ChatSession,
        CommandError,
        CommandOutcome,
        TurnRecord,
        format_mix,
        reply_status,
        status_line,
    )
    from emotive_agents.bots.specs import BOTS, BotSpec, UnknownBotError, get_bot

__all__ = [
    "BOTS",
    "BotSpec",
    "ChatSession",
    "CommandError",
    "CommandOutcome",
    "ScriptError",
    "TurnRecord",
    "UnknownBotError",
    "format_mix",
    "get_bot",
    "load_script",
    "make_router",
    "make_session",
    "parse_script",
    "reply_status",
    "run_interactive",
    "run_script",
    "status_line",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
