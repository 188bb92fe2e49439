"""MiniLMEmbedding: LlamaIndex's embedding interface over the offline MiniLM (or any TextEmbedder)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter

from emotive_agents.llama_index import MiniLMEmbedding

WORDS = ("park", "car", "clinic", "open", "hours", "pills", "results", "blood")


class BagOfWords:
    """A deterministic TextEmbedder: normalised counts of a few words; counts its calls."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        self.calls.append(list(texts))
        rows = [[float(text.lower().count(word)) + 1e-3 for word in WORDS] for text in texts]
        return torch.nn.functional.normalize(torch.tensor(rows), dim=-1)


def test_sync_and_batched_embeddings_come_from_the_wrapped_embedder() -> None:
    embedder = BagOfWords()
    model = MiniLMEmbedding(embedder=embedder, embed_batch_size=2)
    query = model.get_query_embedding("where do I park my car?")
    assert len(query) == len(WORDS) and all(isinstance(x, float) for x in query)
    assert query == pytest.approx(embedder.embed(["where do I park my car?"])[0].tolist())
    texts = ["clinic hours", "blood results", "pills", "park"]
    batch = model.get_text_embedding_batch(texts)
    assert len(batch) == 4
    assert [len(call) for call in embedder.calls[-2:]] == [2, 2]  # embed_batch_size respected
    assert model.get_text_embedding("pills") == pytest.approx(batch[2])


async def test_async_embeddings_match_sync() -> None:
    model = MiniLMEmbedding(embedder=BagOfWords())
    assert await model.aget_query_embedding("open hours") == pytest.approx(
        model.get_query_embedding("open hours")
    )
    batch = await model.aget_text_embedding_batch(["a car", "blood"])
    assert batch == model.get_text_embedding_batch(["a car", "blood"])  # deterministic embedder


def test_a_vector_index_retrieves_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import llama_index.core.settings as li_settings

    monkeypatch.setattr(li_settings, "resolve_embed_model", lambda *a, **k: pytest.fail("used a default"))
    model = MiniLMEmbedding(embedder=BagOfWords())
    docs = [
        Document(text="Free parking for your car behind the clinic."),
        Document(text="Blood results in 5 days."),
    ]
    index = VectorStoreIndex.from_documents(docs, embed_model=model, transformations=[SentenceSplitter()])
    hit = index.as_retriever(similarity_top_k=1).retrieve("Where can I park the car?")[0]
    assert "parking" in hit.node.get_content()


def test_the_default_is_offline_minilm() -> None:
    model = MiniLMEmbedding()
    assert model.class_name() == "MiniLMEmbedding" and model.model_name == "all-MiniLM-L6-v2"
    park, car, results = model.get_text_embedding_batch(
        ["Where can I park my car?", "Is there parking near the clinic?", "My blood test results are late."]
    )
    assert len(park) == 384
    dot = lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    assert dot(park, park) == pytest.approx(1.0, abs=1e-4)  # L2-normalised
    assert dot(park, car) > dot(park, results)
