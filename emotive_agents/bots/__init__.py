"""Example bots (tutor, health companion, support agent) and the chat session behind `emotive-agents chat`.

A bot is a system prompt plus an affect-router policy; `ChatSession` asks the router for a decision on
every user turn and answers with that turn's emotion mix (or the escalation text on a crisis turn).
`emotive_agents.bots.side_by_side` writes docs/bots.md (unsteered vs prompt-only vs routed steering).

>>> from emotive_agents.bots import make_session
>>> session = make_session("support")                 # embedded model + AffectRouter(policy="support")
>>> record = session.respond("This is the third time my order is late!")
>>> record.decision["label"], record.decision["mix"], record.reply
"""

from emotive_agents.bots.factory import make_router, make_session
from emotive_agents.bots.runner import run_interactive, run_script
from emotive_agents.bots.script import ScriptError, load_script, parse_script
from emotive_agents.bots.session import (
    ChatSession,
    CommandError,
    CommandOutcome,
    TurnRecord,
    format_mix,
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
    "run_interactive",
    "run_script",
    "status_line",
]
