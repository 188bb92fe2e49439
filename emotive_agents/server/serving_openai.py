"""OpenAI's API over the serving pipeline: chat completions, completions, models, plus the server's own
/v1/emotions and /health. Each reply is written by a `Wire`: SSE `chat.completion.chunk` /
`text_completion` chunks ending in `data: [DONE]`, or one JSON body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from emotive_agents.server.http_errors import APIError
from emotive_agents.server.protocol import (
    AssistantMessage,
    ChatChoice,
    ChatChunkChoice,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatCompletionResponse,
    CompletionChoice,
    CompletionRequest,
    CompletionResponse,
    DeltaMessage,
    EmotionsInfo,
    EmotiveInfo,
    ErrorResponse,
    HealthResponse,
    ModelCard,
    ModelList,
    UsageInfo,
    new_id,
)
from emotive_agents.server.serving import Disconnected, Serving, Stream, Wire

if TYPE_CHECKING:
    from pydantic import BaseModel

    from emotive_agents.server.scheduler import Completion

SSE = "text/event-stream"


def usage_of(completion: Completion) -> UsageInfo:
    usage = completion.usage
    return UsageInfo.of(usage.input_tokens, usage.output_tokens, usage.trimmed)


class _SSEWire(Wire):
    media_type = SSE
    headers: ClassVar[dict[str, str]] = {"Cache-Control": "no-cache"}
    terminator = "data: [DONE]\n\n"

    def error(self, error: APIError) -> ErrorResponse:
        return error.response()

    def encode(self, chunk: BaseModel) -> str:
        return f"data: {chunk.model_dump_json()}\n\n"


@dataclass
class ChatWire(_SSEWire):
    """/v1/chat/completions: a role chunk with `emotive`, content chunks, the finish chunk, usage."""

    model: str
    include_usage: bool = False
    id: str = field(default_factory=new_id)
    created: int = field(default_factory=lambda: int(time.time()))

    def _chunk(self, **fields: object) -> ChatCompletionChunk:
        return ChatCompletionChunk(id=self.id, created=self.created, model=self.model, **fields)  # type: ignore[arg-type]

    def opening(self, emotive: EmotiveInfo) -> list[BaseModel]:
        role = ChatChunkChoice(delta=DeltaMessage(role="assistant", content=""))
        return [self._chunk(choices=[role], emotive=emotive)]

    def delta(self, text: str) -> ChatCompletionChunk:
        return self._chunk(choices=[ChatChunkChoice(delta=DeltaMessage(content=text))])

    def closing(
        self, completion: Completion, emotive: EmotiveInfo, first_token: float | None
    ) -> list[BaseModel]:
        out: list[BaseModel] = [
            self._chunk(choices=[ChatChunkChoice(finish_reason=completion.finish_reason)], emotive=emotive)
        ]
        if self.include_usage:
            out.append(self._chunk(usage=usage_of(completion), emotive=emotive))
        return out

    def whole(self, completion: Completion, emotive: EmotiveInfo) -> ChatCompletionResponse:
        choice = ChatChoice(
            message=AssistantMessage(content=completion.text), finish_reason=completion.finish_reason
        )
        return ChatCompletionResponse(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[choice],
            usage=usage_of(completion),
            emotive=emotive,
        )


@dataclass
class CompletionWire(_SSEWire):
    """/v1/completions: an empty first chunk with `emotive`, text chunks, the finish chunk, usage."""

    model: str
    include_usage: bool = False
    id: str = field(default_factory=lambda: new_id("cmpl"))
    created: int = field(default_factory=lambda: int(time.time()))

    def _chunk(self, **fields: object) -> CompletionResponse:
        return CompletionResponse(id=self.id, created=self.created, model=self.model, **fields)  # type: ignore[arg-type]

    def opening(self, emotive: EmotiveInfo) -> list[BaseModel]:
        return [self._chunk(choices=[CompletionChoice(text="")], emotive=emotive)]

    def delta(self, text: str) -> CompletionResponse:
        return self._chunk(choices=[CompletionChoice(text=text)])

    def closing(
        self, completion: Completion, emotive: EmotiveInfo, first_token: float | None
    ) -> list[BaseModel]:
        finish = CompletionChoice(text="", finish_reason=completion.finish_reason)
        out: list[BaseModel] = [self._chunk(choices=[finish], emotive=emotive)]
        if self.include_usage:
            out.append(self._chunk(usage=usage_of(completion), emotive=emotive))
        return out

    def whole(self, completion: Completion, emotive: EmotiveInfo) -> CompletionResponse:
        choice = CompletionChoice(text=completion.text, finish_reason=completion.finish_reason)
        return self._chunk(choices=[choice], usage=usage_of(completion), emotive=emotive)


class OpenAIServing(Serving):
    """The /v1 routes' handlers: each takes a validated request model and returns a response model or
    a `Stream`."""

    async def create_chat_completion(
        self, request: ChatCompletionRequest, disconnected: Disconnected | None = None
    ) -> ChatCompletionResponse | Stream:
        return await self._create(request, ChatWire, disconnected)  # type: ignore[return-value]

    async def create_completion(
        self, request: CompletionRequest, disconnected: Disconnected | None = None
    ) -> CompletionResponse | Stream:
        return await self._create(request, CompletionWire, disconnected)  # type: ignore[return-value]

    async def _create(
        self,
        request: ChatCompletionRequest | CompletionRequest,
        wire: type[ChatWire | CompletionWire],
        disconnected: Disconnected | None,
    ) -> BaseModel | Stream:
        turn = await self.prepare(request)
        return await self.answer(turn, wire(self.settings.model_id, request.include_usage), disconnected)

    def models(self) -> ModelList:
        card = ModelCard(
            id=self.settings.model_id,
            created=int(self.state.started),
            emotions=list(self.state.engine.emotions),
        )
        return ModelList(data=[card])

    def emotions(self) -> EmotionsInfo:
        """What the chat page offers: steerable emotions, router policies and the server's limits."""
        state = self.state
        return EmotionsInfo(
            model=self.settings.model_id,
            emotions=[e for e in state.engine.emotions if e != "base"],
            policies=state.policies.names if state.policies is not None else [],
            default_policy=state.default_policy,
            max_tokens_limit=self.settings.max_tokens_limit,
        )

    def health(self) -> HealthResponse:
        """`ok` while the decode loop runs (`unavailable`, answered 503, otherwise)."""
        stats = self.state.scheduler.snapshot()
        return HealthResponse(
            status="ok" if self.state.scheduler.running else "unavailable",
            model=self.settings.model_id,
            uptime_s=round(time.time() - self.state.started, 1),
            scheduler={**stats.__dict__, "mean_batch": round(stats.mean_batch, 2)},
        )
