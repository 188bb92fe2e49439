"""EmotiveEngine: a loaded model, its vector set and its executor (the one decode loop) behind one API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from emotive_agents._startup import paused_gc

with paused_gc():  # importing torch and this package's core, without cyclic GC passes (_startup.py)
    import torch

    from emotive_agents.errors import VectorSetError
    from emotive_agents.generation.chat import MessagesLike
    from emotive_agents.generation.executor import Executor
    from emotive_agents.generation.generator import DEFAULT_MAX_BATCH, GenerationStream, Generator
    from emotive_agents.generation.types import GenerationRequest, GenerationResult
    from emotive_agents.mix import EmotionMix
    from emotive_agents.models.loading import DEFAULT_MODEL, LoadedModel, load_model
    from emotive_agents.steering.hooks import Steering, steer
    from emotive_agents.vectors.deltas import check_mix
    from emotive_agents.vectors.recipe import SteeringRecipe
    from emotive_agents.vectors.store import SHIPPED_DEFAULTS, check_compatible, load_vector_set
    from emotive_agents.vectors.vector_set import EmotionVectorSet

MixLike = EmotionMix | Mapping[str, float] | None


class EmotiveEngine:
    """Generate text whose emotional tone follows an emotion mix, per call or per batch row.

    >>> engine = EmotiveEngine.load()  # embedded SmolLM2-135M and its shipped vectors
    >>> engine.generate("How was your weekend?", emotion={"joy": 1.0}).text
    """

    def __init__(
        self,
        loaded: LoadedModel,
        vector_set: EmotionVectorSet | None = None,
        *,
        recipe: SteeringRecipe | None = None,
        strict: bool = True,
        max_batch_size: int = DEFAULT_MAX_BATCH,
    ) -> None:
        if vector_set is not None:
            check_compatible(vector_set.metadata, loaded.fingerprint, strict=strict)
        self.loaded = loaded
        self.vector_set = vector_set
        self.recipe = recipe or (vector_set.recipe if vector_set is not None else SteeringRecipe())
        self.generator = Generator(loaded, vector_set, recipe=self.recipe, max_batch_size=max_batch_size)

    @classmethod
    def load(
        cls,
        model: str = DEFAULT_MODEL,
        vectors: str | Path | None = None,
        *,
        dtype: str | torch.dtype = "float32",
        device: str = "cpu",
        strict: bool = True,
        **kwargs: Any,
    ) -> EmotiveEngine:
        """Load a model and a vector set (by default the model's shipped set, if there is one)."""
        with paused_gc():  # transformers' model stack and the weights, without cyclic GC passes
            loaded = load_model(model, dtype=dtype, device=device)
            vectors = vectors if vectors is not None else SHIPPED_DEFAULTS.get(model)
            if vectors is None:
                return cls(loaded, None, **kwargs)
            vector_set = load_vector_set(vectors, model=loaded.fingerprint, strict=strict)
            return cls(loaded, vector_set, strict=strict, **kwargs)

    @property
    def executor(self) -> Executor:
        """The decode loop every call of this engine (and of its integrations) is a row in."""
        return self.generator.executor

    @property
    def model_name(self) -> str:
        return self.loaded.name

    @property
    def emotions(self) -> tuple[str, ...]:
        return self.vector_set.emotions if self.vector_set is not None else ()

    def request(self, messages: MessagesLike, emotion: MixLike = None, **params: Any) -> GenerationRequest:
        request = GenerationRequest.build(messages, emotion, **params)
        self.check_mix(request.emotion)
        return request

    def check_mix(self, mix: EmotionMix) -> None:
        """Fail early on emotions the vector set lacks (instead of inside a worker thread).

        Every name is checked, whatever its intensity: `{"hapiness": 0}` is a typo, not a neutral mix.
        """
        check_mix(self.vector_set, mix)

    def generate(self, messages: MessagesLike, emotion: MixLike = None, **params: Any) -> GenerationResult:
        return self.generator.generate([self.request(messages, emotion, **params)])[0]

    def generate_batch(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Many requests at once; different mixes in one batch share a single forward per step."""
        return self.generator.generate(requests)  # the executor checks each mix once, at submit

    def stream(self, messages: MessagesLike, emotion: MixLike = None, **params: Any) -> GenerationStream:
        return self.generator.stream(self.request(messages, emotion, **params))

    def submit(self, request: GenerationRequest, *, deadline: float | None = None) -> GenerationStream:
        """Queue a prepared request in the executor; iterate (or `async for`) the stream for its text.

        Concurrent submissions share decode steps. Past `deadline` (time.monotonic) it is cancelled and
        TimeoutError raised.
        """
        return self.generator.stream(request, deadline=deadline)

    def steer(self, emotion: MixLike | Sequence[MixLike], **kwargs: Any) -> Steering:
        """Steer the raw HF model inside a `with` block (for custom forward passes)."""
        if self.vector_set is None:
            raise VectorSetError("this engine has no vector set; load one to steer emotions")
        kwargs.setdefault("recipe", self.recipe)
        return steer(self.loaded, self.vector_set, emotion, **kwargs)  # type: ignore[arg-type]
