"""A request becomes a generation request: messages (or a raw prompt), routing, the mix, limits, sampling.

Runs in a worker thread (routing may run the affect reader). Every refusal is an `APIError` 4xx with a
stable `code` and the request field at fault as `param`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from emotive_agents.errors import EmotiveError, UnknownEmotionError
from emotive_agents.server.bodies import validation_error
from emotive_agents.server.http_errors import APIError
from emotive_agents.server.protocol import (
    ChatCompletionRequest,
    CompletionRequest,
    EmotiveInfo,
    SteeredRequest,
    short,
)
from emotive_agents.server.state import DEFAULT_POLICY, ServerState

if TYPE_CHECKING:
    from emotive_agents.generation.types import GenerationRequest


def check_model(chat: SteeredRequest, state: ServerState) -> None:
    names = {state.settings.model_id, state.settings.model, state.engine.model_name}
    if chat.model is not None and chat.model not in names:
        raise APIError(
            404,
            f"the model {short(chat.model)} does not exist; this server serves {state.settings.model_id!r}",
            param="model",
            code="model_not_found",
        )


def chat_messages(chat: ChatCompletionRequest) -> list[dict[str, str]]:
    """The conversation as plain messages; tool turns and non-text parts are refused."""
    out = []
    for i, message in enumerate(chat.messages):
        if message.role in ("tool", "function"):
            raise APIError(
                400,
                f"messages.{i}: role {message.role!r} is not supported",
                param=f"messages.{i}.role",
                code="unsupported_value",
            )
        try:
            text = message.text()
        except ValueError as exc:
            raise APIError(
                400, f"messages.{i}: {exc}", param=f"messages.{i}.content", code="unsupported_value"
            ) from None
        out.append({"role": "system" if message.role == "developer" else message.role, "content": text})
    if not any(m["role"] == "user" and m["content"].strip() for m in out):
        raise APIError(
            400, "messages need at least one non-empty user message", param="messages", code="invalid_value"
        )
    return out


def prompt_messages(request: CompletionRequest) -> list[dict[str, str]]:
    """A raw prompt, as the one user message the affect router reads."""
    if not request.text.strip():
        raise APIError(400, "prompt must not be empty", param="prompt", code="invalid_value")
    return [{"role": "user", "content": request.text}]


def request_input(request: SteeredRequest) -> tuple[list[dict[str, str]], str | None, str]:
    """(messages the router reads, the raw prompt or None, the request field they came from)."""
    if isinstance(request, CompletionRequest):
        return prompt_messages(request), request.text, "prompt"
    assert isinstance(request, ChatCompletionRequest)
    return chat_messages(request), None, "messages"


def prepare_generation(
    state: ServerState,
    chat: SteeredRequest,
    messages: list[dict[str, str]],
    prompt: str | None = None,
) -> tuple[GenerationRequest, EmotiveInfo, str | None]:
    """Route and build the generation request (in a worker thread: routing may run models).

    `messages` are what the router reads and, without a raw `prompt`, what the model answers."""
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.steering.mix import EmotionMix

    settings = state.settings
    emotive = EmotiveInfo()
    escalation = None
    if chat.policy is not None:
        state.router(chat.policy)  # an unknown name is refused even when nothing is routed
    default_policy = state.default_policy
    wants_auto = chat.emotion == "auto" or (
        chat.emotion is None and state.policies is not None and state.policies.default is not None
    )
    if wants_auto or (chat.emotive_reading and isinstance(chat.emotion, dict)):
        policy = chat.policy or default_policy or DEFAULT_POLICY
        try:
            plan = state.pipeline(policy).plan(messages)
        except (EmotiveError, ValueError) as exc:
            raise APIError(400, f"affect router: {exc}", param="messages", code="invalid_value") from exc
        emotive.policy, emotive.decision = policy, plan.decision.to_json()
        if wants_auto:
            emotive.source, emotive.mix = "router", dict(plan.mix)
            if plan.escalated:
                escalation = plan.escalation
                emotive.escalated = True
    if isinstance(chat.emotion, dict):
        emotive.source, emotive.mix = "request", dict(chat.emotion)
    try:
        mix = EmotionMix.coerce(emotive.mix)
        state.engine.check_mix(mix)
    except UnknownEmotionError as exc:
        raise APIError(400, f"emotion: {exc}", param="emotion", code="unknown_emotion") from None
    except ValidationError as exc:
        message = validation_error(exc).message.split(": ", 1)[-1]
        raise APIError(400, f"emotion: {message}", param="emotion", code="invalid_emotion") from None
    except (ValueError, EmotiveError) as exc:
        raise APIError(400, f"emotion: {exc}", param="emotion", code="invalid_emotion") from None
    emotive.mix = mix.as_dict()
    budget = chat.token_budget or settings.default_max_tokens
    if budget > settings.max_tokens_limit:
        raise APIError(
            400,
            f"max_tokens is {budget}; this server allows at most {settings.max_tokens_limit}",
            param=chat.budget_param,
            code="max_tokens_exceeded",
        )
    try:
        generation = GenerationRequest.build(
            messages,
            mix,
            max_new_tokens=budget,
            temperature=settings.default_temperature if chat.temperature is None else chat.temperature,
            top_p=1.0 if chat.top_p is None else chat.top_p,
            top_k=chat.top_k,
            seed=chat.seed,
            stop=chat.stop,
            repetition_penalty=chat.repetition_penalty or 1.0,
            no_repeat_ngram_size=chat.no_repeat_ngram_size or 0,
            trim_to_sentence=bool(chat.trim_to_sentence),
        )
        if prompt is not None:  # /v1/completions: the raw text is continued, no chat template
            generation = generation.model_copy(update={"messages": (), "prompt": prompt})
    except ValidationError as exc:
        raise _sampling_error(exc) from None
    except EmotiveError as exc:
        raise APIError(400, str(exc), code="invalid_value") from None
    return generation, emotive, escalation


def _sampling_error(exc: ValidationError) -> APIError:
    """A GenerationRequest error named by the request field it came from (`params.stop` -> `stop`)."""
    error = validation_error(exc)
    if error.param is not None:
        field_name = error.param.split(".")[-1]
        param = {"max_new_tokens": "max_tokens", "emotion": "emotion"}.get(field_name, field_name)
        message = error.message.split(": ", 1)[-1]
        return APIError(400, f"{param}: {message}", param=param, code=error.code)
    return error
