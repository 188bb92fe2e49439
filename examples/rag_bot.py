"""A clinic FAQ bot with LlamaIndex: retrieval over local Markdown, answers steered by the affect router.

The knowledge base is `examples/rag_kb/` (a made-up clinic's FAQ). A VectorStoreIndex embeds it with
all-MiniLM-L6-v2 (MiniLMEmbedding, offline); each turn the router reads the patient with the "health"
policy (through the turn pipeline: a crisis turn gets the policy's safe message, nothing generated),
the two best-matching FAQ sections go into the system prompt, and EmotiveLLM answers with the
router's mix. Both models are passed explicitly, so LlamaIndex never reaches for its OpenAI defaults.

Run: .venv/bin/python examples/rag_bot.py [--script FILE] [--max-new-tokens 60] [--json]
(offline on the embedded SmolLM2-135M; on a busy CPU prefix OMP_NUM_THREADS=1)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot_helpers import Show, run_bot
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.node_parser import MarkdownNodeParser

from emotive_agents.llama_index import EmotiveLLM, MiniLMEmbedding
from emotive_agents.router import AffectRouter, TurnPipeline

KB_DIR = Path(__file__).resolve().parent / "rag_kb"
SYSTEM = (
    "You are the front-desk assistant of Riverside Family Clinic. Answer the patient in two or three "
    "sentences using only the clinic information below; if it does not say, tell them to call the "
    "clinic. You are not a clinician and never give medical advice.\n\nClinic information:\n{context}"
)
TURNS = [
    "Where can I park when I come to the clinic?",
    "I've been waiting ages for my blood test results and I'm really worried something is wrong.",
    "Can I get a same-day appointment? I feel awful.",
]


def build_index(kb_dir: Path = KB_DIR) -> VectorStoreIndex:
    """One node per FAQ section (Markdown headers), embedded with MiniLM."""
    documents = [
        Document(text=path.read_text(encoding="utf-8"), metadata={"file_name": path.name})
        for path in sorted(kb_dir.glob("*.md"))
        if path.name != "README.md"
    ]
    nodes = MarkdownNodeParser().get_nodes_from_documents(documents)
    return VectorStoreIndex(nodes, embed_model=MiniLMEmbedding())


def chat(turns: Sequence[str], max_new_tokens: int = 60, show: Show | None = None) -> list[dict[str, Any]]:
    """Answer each patient turn; one {"user", "reply", "decision", "sources"} record per turn."""
    retriever = build_index().as_retriever(similarity_top_k=2)
    llm = EmotiveLLM(max_tokens=max_new_tokens, trim_to_sentence=True)  # replies end on a sentence
    # The turn pipeline decides on the whole conversation, then escalates (a crisis turn: the policy's
    # safe message, nothing generated) or steers; the FAQ answer needs only the newest turn.
    pipeline = TurnPipeline(AffectRouter(policy="health"), history_turns=0)
    said: list[dict[str, str]] = []  # the conversation, for the router
    records = []
    for text in turns:
        said.append({"role": "user", "content": text})
        plan = pipeline.plan(said)
        decision = plan.decision
        hits = retriever.retrieve(text)
        sources = [f"{h.node.metadata['file_name']}: {h.node.get_content().splitlines()[0]}" for h in hits]
        if show:
            show(f"\npatient: {text}\n  [decision: {decision.label} -> mix {decision.mix}]\n")
            show(f"  [sources: {'; '.join(sources)}]\nclinic: ")
        if plan.escalation is not None:
            reply = plan.escalation
            if show:
                show(reply)
        else:
            context = "\n\n".join(hit.node.get_content() for hit in hits)
            messages = [
                ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM.format(context=context)),
                *(ChatMessage(role=MessageRole(m["role"]), content=m["content"]) for m in plan.messages),
            ]
            reply = ""
            for chunk in llm.stream_chat(messages, emotion=plan.mix):
                reply += chunk.delta or ""
                if show:
                    show(chunk.delta or "")
        said.append({"role": "assistant", "content": reply})
        records.append(
            {"user": text, "reply": reply.strip(), "decision": decision.to_json(), "sources": sources}
        )
    return records


def main(argv: Sequence[str] | None = None) -> None:
    run_bot(
        chat,
        TURNS,
        argv,
        description="A clinic FAQ bot: LlamaIndex RAG steered by the router.",
        speaker="patient",
    )


if __name__ == "__main__":
    main()
