"""Ollama's API over the same serving pipeline: /api/chat, /api/generate (NDJSON streams or one JSON
body), /api/tags, /api/show, /api/version.

A request is translated to the OpenAI chat request the server already validates (`openai_body`) and
runs through the same pipeline as /v1: validation, affect routing, limits, the continuous-batching
scheduler, reply monitoring. Errors keep their HTTP status and take Ollama's shape, `{"error": "..."}`
(server/http_errors.py answers APIErrors under /api/ so).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emotive_agents.server.bodies import parse_chat
from emotive_agents.server.http_errors import APIError
from emotive_agents.server.ollama_protocol import (
    OllamaAssistantMessage,
    OllamaChatChunk,
    OllamaChatRequest,
    OllamaChunk,
    OllamaError,
    OllamaGenerateChunk,
    OllamaGenerateRequest,
    OllamaModel,
    OllamaModelDetails,
    OllamaRequest,
    OllamaShowRequest,
    OllamaShowResponse,
    OllamaTags,
    OllamaVersion,
    now,
    openai_body,
    refusal,
    strip_tag,
)
from emotive_agents.server.protocol import EmotiveInfo
from emotive_agents.server.serving import Disconnected, Serving, Stream, Wire

if TYPE_CHECKING:
    from pydantic import BaseModel

    from emotive_agents.server.scheduler import Completion

NDJSON = "application/x-ndjson"


async def _one(line: bytes) -> Any:
    yield line


@dataclass
class OllamaWire(Wire):
    """NDJSON: one line per text delta, then the final line (done, counters, `emotive`)."""

    media_type = NDJSON

    model: str
    chat: bool
    started: float = field(default_factory=time.monotonic)

    def line(self, text: str, done: bool, **fields: Any) -> OllamaChunk:
        if self.chat:
            message = OllamaAssistantMessage(content=text)
            return OllamaChatChunk(model=self.model, created_at=now(), message=message, done=done, **fields)
        return OllamaGenerateChunk(model=self.model, created_at=now(), response=text, done=done, **fields)

    def delta(self, text: str) -> OllamaChunk:
        return self.line(text, False)

    def final(
        self, completion: Completion, emotive: EmotiveInfo, first_token: float | None, text: str
    ) -> OllamaChunk:
        usage = completion.usage
        last = self.line(
            text,
            True,
            done_reason=completion.finish_reason,
            trimmed=True if usage.trimmed else None,
            emotive=emotive,
            **({} if self.chat else {"context": []}),
        )
        return last.with_timings(
            self.started, first_token, time.monotonic(), usage.input_tokens, usage.output_tokens
        )

    def closing(
        self, completion: Completion, emotive: EmotiveInfo, first_token: float | None
    ) -> list[BaseModel]:
        return [self.final(completion, emotive, first_token, "")]

    def whole(self, completion: Completion, emotive: EmotiveInfo) -> OllamaChunk:
        return self.final(completion, emotive, None, completion.text)

    def error(self, error: APIError) -> OllamaError:
        return OllamaError(error=error.message)

    def encode(self, chunk: BaseModel) -> bytes:
        return (chunk.model_dump_json() + "\n").encode()


class OllamaServing(Serving):
    """The /api routes' handlers: each takes a validated Ollama request and returns a model or a Stream."""

    async def chat(
        self, request: OllamaChatRequest, disconnected: Disconnected | None = None
    ) -> BaseModel | Stream:
        return await self._generate(request, disconnected)

    async def generate(
        self, request: OllamaGenerateRequest, disconnected: Disconnected | None = None
    ) -> BaseModel | Stream:
        return await self._generate(request, disconnected)

    async def _generate(
        self, request: OllamaRequest, disconnected: Disconnected | None
    ) -> BaseModel | Stream:
        refused = refusal(request)
        if refused:
            raise APIError(400, refused)
        wire = OllamaWire(
            strip_tag(request.model) or self.settings.model_id, isinstance(request, OllamaChatRequest)
        )
        messages = request.openai_messages()
        if not messages:  # Ollama's "load the model" call: nothing to answer
            loaded = wire.line("", True, done_reason="load")
            return Stream(_one(wire.encode(loaded)), NDJSON) if request.stream else loaded
        turn = await self.prepare(parse_chat(openai_body(request, messages)))
        return await self.answer(turn, wire, disconnected)

    def version(self) -> OllamaVersion:
        return OllamaVersion()

    def tags(self) -> OllamaTags:
        return OllamaTags(models=[self._model()])

    def show(self, request: OllamaShowRequest) -> OllamaShowResponse:
        """The model card of the served model (404 for any other name, with or without `:latest`)."""
        settings, engine = self.settings, self.state.engine
        name = strip_tag(request.model or request.name)
        if name not in {settings.model_id, settings.model, engine.model_name}:
            raise APIError(404, f"model {name!r} not found", code="model_not_found")
        entry = self._model()
        config = engine.loaded.model.config
        arch = str(getattr(config, "model_type", "unknown"))
        return OllamaShowResponse(
            modelfile=f"# served by emotive-agents\nFROM {settings.model}\n",
            details=entry.details,
            model_info={
                "general.architecture": arch,
                "general.parameter_count": sum(p.numel() for p in engine.loaded.model.parameters()),
                f"{arch}.context_length": int(getattr(config, "max_position_embeddings", 0) or 0),
                f"{arch}.embedding_length": int(getattr(config, "hidden_size", 0) or 0),
                f"{arch}.block_count": int(getattr(config, "num_hidden_layers", 0) or 0),
            },
            modified_at=entry.modified_at,
            emotions=entry.emotions,
        )

    def _model(self) -> OllamaModel:
        """The served model as Ollama describes one (name, digest, size, details)."""
        loaded = self.state.engine.loaded
        config = loaded.model.config
        first = next(loaded.model.parameters())
        parameters = sum(p.numel() for p in loaded.model.parameters())
        family = str(getattr(config, "model_type", "unknown"))
        name = self.settings.model_id
        size = f"{parameters / 1e6:.0f}M" if parameters < 1e9 else f"{parameters / 1e9:.1f}B"
        return OllamaModel(
            name=name,
            model=name,
            modified_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.state.started)),
            size=parameters * first.element_size(),
            digest=hashlib.sha256(name.encode()).hexdigest(),
            details=OllamaModelDetails(
                family=family,
                families=[family],
                parameter_size=size,
                quantization_level=str(first.dtype).removeprefix("torch.").upper().replace("FLOAT", "F"),
            ),
            emotions=[e for e in self.state.engine.emotions if e != "base"],
        )
