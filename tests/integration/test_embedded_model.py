"""A few end-to-end checks on the embedded SmolLM2-135M model and its shipped vectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emotive_agents import BASIC_EMOTIONS, EmotiveEngine
from emotive_agents.models.loading import DEFAULT_MODEL, default_cache_dir

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine() -> EmotiveEngine:
    return EmotiveEngine.load()


def test_embedded_model_is_the_30_layer_smollm2(engine: EmotiveEngine) -> None:
    loaded = engine.loaded
    assert type(loaded.model).__name__ == "LlamaForCausalLM"
    assert (loaded.num_layers, loaded.hidden_size) == (30, 576)
    converted = list((default_cache_dir() / "models").glob(f"{DEFAULT_MODEL}-*/model.safetensors"))
    assert converted, "the converted weights should be cached"


def test_shipped_vectors_match_the_model(engine: EmotiveEngine) -> None:
    assert engine.vector_set is not None
    assert set(BASIC_EMOTIONS) | {"base"} <= set(engine.emotions)
    assert engine.vector_set.metadata.model.weights_hash == engine.loaded.fingerprint.weights_hash


def test_steering_changes_greedy_output_and_restores_the_model(engine: EmotiveEngine) -> None:
    before = {k: v.clone() for k, v in engine.loaded.model.state_dict().items()}
    prompt = "What should I cook for dinner tonight?"
    plain = engine.generate(prompt, max_new_tokens=24)
    joy = engine.generate(prompt, {"joy": 1.0}, max_new_tokens=24)
    again = engine.generate(prompt, max_new_tokens=24)
    assert plain.text and joy.text
    assert joy.text != plain.text
    assert again.text == plain.text  # nothing leaked from the steered call
    assert joy.emotion == {"joy": 1.0}
    assert 0 < joy.usage.output_tokens <= 24
    after = engine.loaded.model.state_dict()
    assert all(before[k].equal(after[k]) for k in before)


def test_batch_rows_get_their_own_mix(engine: EmotiveEngine) -> None:
    prompt = "My order arrived late. What can I do?"
    rows = [engine.request(prompt, mix, max_new_tokens=16) for mix in ({"joy": 1.0}, {}, {"sadness": 1.0})]
    batch = engine.generate_batch(rows)
    solo = [engine.generate_batch([row])[0] for row in rows]
    assert [r.emotion for r in batch] == [{"joy": 1.0}, {}, {"sadness": 1.0}]
    assert batch[0].text != batch[1].text  # the joy row is steered, the plain row is not
    # Same prompt length, so no padding: each batched row should match its solo run token for token.
    assert [r.text for r in batch] == [r.text for r in solo]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emotive_agents", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_cli_generate_json() -> None:
    out = _cli("generate", "How was your weekend?", "--emotion", "joy=1", "-n", "12", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["emotion"] == {"joy": 1.0}
    assert payload["model"] == DEFAULT_MODEL
    assert payload["text"]
    assert set(payload["usage"]) >= {"input_tokens", "output_tokens"}


def test_cli_prompts_file_keeps_order_and_per_row_mix(tmp_path: Path) -> None:
    rows = [
        {"prompt": "Tell me about bicycles.", "emotion": {"sadness": 1.0}},
        {"prompt": "How do I reset my password?"},
        {"prompt": "What is a good breakfast?", "emotion": {"joy": 0.5, "fear": -0.5}},
    ]
    path = tmp_path / "prompts.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = _cli("generate", "--prompts-file", str(path), "-e", "anger=-1", "-n", "8", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [line["emotion"] for line in lines] == [
        {"sadness": 1.0},
        {"anger": -1.0},
        {"joy": 0.5, "fear": -0.5},
    ]


def test_cli_reports_unknown_emotion_clearly() -> None:
    out = _cli("generate", "Hi", "--emotion", "smugness=1", "-n", "4")
    assert out.returncode == 2
    assert "unknown emotion 'smugness'" in out.stderr
