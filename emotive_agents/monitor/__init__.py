"""Reply monitoring: read every reply's emotion; opt-in, regenerate once when it reads against the request.

The project's routers read the *user*; this package reads the model's own *reply* with the evaluation
judge's reader, so an app can see whether the requested tone actually came out, and `monitor="retry"`
closes the loop with one bounded retry round: an adjusted mix, a tone sentence in the system prompt
and a few sampled candidates, the best of which is kept only when it reads better.
"""

from emotive_agents.monitor.loop import Attempt, MonitorMode, MonitorRecord, ReplyMonitor
from emotive_agents.monitor.reading import (
    ReplyReader,
    ReplyReading,
    register_reply_reader,
    shared_reply_reader,
)
from emotive_agents.monitor.verdict import MonitorThresholds, RetryPlan, Verdict, check_reply, plan_retry

__all__ = [
    "Attempt",
    "MonitorMode",
    "MonitorRecord",
    "MonitorThresholds",
    "ReplyMonitor",
    "ReplyReader",
    "ReplyReading",
    "RetryPlan",
    "Verdict",
    "check_reply",
    "plan_retry",
    "register_reply_reader",
    "shared_reply_reader",
]
