"""LangChain quick start: ChatEmotive per-call emotion, bind, streaming, one-call batches and an LCEL chain.

Run: .venv/bin/python examples/langchain_quickstart.py   (needs langchain-core; runs offline, ~1 min)
On a CPU busy with other work, run it with OMP_NUM_THREADS=1: torch's spinning OpenMP threads can make
a batched step many times slower there.
"""

from __future__ import annotations

import time

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import ConfigurableField

from emotive_agents.langchain import ChatEmotive

QUESTION = "My train was cancelled this morning, so I will be late for work. What should I do?"


def show(label: str, text: str) -> None:
    print(f"[{label}]\n{text.strip()}\n")


def main() -> None:
    chat = ChatEmotive(max_tokens=48)  # the embedded SmolLM2-135M; loaded on first use, then shared

    # 1. Emotion per call (replaces the model's default mix, here none).
    started = time.perf_counter()
    reply = chat.invoke(QUESTION, emotion={"joy": 1.0})
    show("invoke, joy=1.0", str(reply.content))
    print(f"  usage {reply.usage_metadata}, applied {reply.response_metadata['emotion']}")
    print(f"  ({time.perf_counter() - started:.1f}s including the model load)\n")

    # 2. bind(): a runnable that always answers calmly.
    calm = chat.bind(emotion={"calm": 1.0, "patient": 0.6})
    show("bind, calm+patient", str(calm.invoke(QUESTION).content))

    # 3. Streaming, token by token.
    print("[stream, sadness=0.8]")
    for chunk in chat.stream("Tell me about your Monday.", emotion={"sadness": 0.8}):
        print(chunk.content, end="", flush=True)
    print("\n")

    # 4. A batch whose rows have different mixes: ONE engine call, every row steered on its own.
    moody = chat.configurable_fields(emotion=ConfigurableField(id="emotion"))
    mixes = [{"joy": 1.0}, {"anger": 1.0}, {"fear": 1.0}]
    started = time.perf_counter()
    replies = moody.batch([QUESTION] * 3, config=[{"configurable": {"emotion": m}} for m in mixes])
    for mix, message in zip(mixes, replies, strict=True):
        show(f"batch row, {next(iter(mix))}", str(message.content))
    print(f"  3 rows, one batched generation: {time.perf_counter() - started:.1f}s\n")

    # 5. An LCEL chain: prompt | model | parser, with the mix bound into the chain.
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a concise, encouraging coach."), ("human", "{goal}")]
    )
    chain = prompt | chat.bind(emotion={"encouraging": 1.0}) | StrOutputParser()
    show("LCEL chain, encouraging", chain.invoke({"goal": "I want to start running but I keep giving up."}))


if __name__ == "__main__":
    main()
