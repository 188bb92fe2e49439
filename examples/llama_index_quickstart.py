"""LlamaIndex quick start: EmotiveLLM chat, completion, streaming and async with per-call emotions.

Run: .venv/bin/python examples/llama_index_quickstart.py   (needs llama-index-core; runs offline, ~1 min)
"""

from __future__ import annotations

import asyncio
import time

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from emotive_agents.llama_index import EmotiveLLM

QUESTION = "My train was cancelled this morning, so I will be late for work. What should I do?"


def main() -> None:
    llm = EmotiveLLM(max_tokens=48, emotion={"calm": 0.8})  # embedded SmolLM2-135M, loaded on first use
    started = time.perf_counter()
    meta = llm.metadata
    elapsed = time.perf_counter() - started
    print(f"{meta.model_name}: context window {meta.context_window}, loaded in {elapsed:.1f}s\n")

    # 1. Chat with the model's default mix (calm), then a per-call mix.
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
        ChatMessage(role=MessageRole.USER, content=QUESTION),
    ]
    for label, kwargs in [("default: calm=0.8", {}), ("per call: joy=1.0", {"emotion": {"joy": 1.0}})]:
        response = llm.chat(messages, **kwargs)
        print(f"[chat, {label}]\n{str(response.message.content).strip()}")
        print(f"  usage {response.raw['usage']}\n")

    # 2. Completion (derived from chat) and streaming.
    print("[complete, sadness=0.8]")
    print(llm.complete("Describe a rainy Sunday afternoon.", emotion={"sadness": 0.8}).text.strip(), "\n")
    print("[stream_chat, encouraging=1.0] ", end="")
    for chunk in llm.stream_chat(messages, emotion={"encouraging": 1.0}):
        print(chunk.delta, end="", flush=True)
    print("\n")

    # 3. Async: the event loop stays free while the model generates in a worker thread.
    async def ask() -> str:
        response = await llm.acomplete("Give me one tip for a calm morning.", emotion={"patient": 1.0})
        return response.text

    print("[acomplete, patient=1.0]")
    print(asyncio.run(ask()).strip())


if __name__ == "__main__":
    main()
