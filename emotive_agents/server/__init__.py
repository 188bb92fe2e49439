"""OpenAI-compatible HTTP server with per-request emotion, continuous batching and a chat page.

>>> from emotive_agents.server import ServerSettings, create_app
>>> app = create_app(ServerSettings(model="smollm2-135m"))   # uvicorn.run(app)

Needs the `server` extra (fastapi, uvicorn); `emotive-agents serve` runs it from the command line.
"""

from emotive_agents.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> object:
    """`create_app` imports FastAPI lazily, so `ServerSettings` stays importable without the extra."""
    if name == "create_app":
        from emotive_agents.server.app import create_app

        return create_app
    raise AttributeError(name)
