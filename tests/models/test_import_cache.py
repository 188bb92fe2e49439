"""The cached lazy-module tables of transformers: a pure function of its files, never stale, never kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _tiny import build_tiny_llama, make_tokenizer

from emotive_agents.models.import_cache import (
    StructureCache,
    cache_file,
    cached,
    decode,
    encode,
    tree_fingerprint,
)

STRUCTURE = {
    frozenset(): {"models.llama.modeling_llama": {"LlamaModel", "LlamaForCausalLM"}},
    frozenset({"tokenizers"}): {"models.llama.tokenization_llama_fast": {"LlamaTokenizerFast"}},
}


def _models_tree(root: Path) -> Path:
    models = root / "transformers" / "models"
    (models / "llama" / "__pycache__").mkdir(parents=True)
    (models / "__init__.py").write_text("")
    (models / "llama" / "modeling_llama.py").write_text("__all__ = ['LlamaModel']\n")
    return models


def test_encoding_round_trips() -> None:
    assert decode(json.loads(json.dumps(encode(STRUCTURE)))) == STRUCTURE


def test_fingerprint_follows_every_file_but_not_bytecode(tmp_path: Path) -> None:
    models = _models_tree(tmp_path)
    first = tree_fingerprint(models)
    (models / "llama" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert tree_fingerprint(models) == first
    (models / "llama" / "modeling_llama.py").write_text("__all__ = ['LlamaModel', 'LlamaForCausalLM']\n")
    assert tree_fingerprint(models) != first
    (models / "llama" / "new.py").write_text("")
    assert len({first, tree_fingerprint(models)}) == 2


def test_the_models_folder_is_answered_from_the_cache_until_a_file_changes(tmp_path: Path) -> None:
    models = _models_tree(tmp_path)
    calls: list[tuple[object, object]] = []

    def original(module_path, prefix=None):
        calls.append((module_path, prefix))
        return {frozenset(): {"models.llama.modeling_llama": {"LlamaModel"}}}

    wrapped = cached(original, StructureCache(tmp_path / "cache.json"))
    first = wrapped(models, prefix="models")
    assert wrapped(models, prefix="models") == first and len(calls) == 1
    wrapped(str(models / "__init__.py"))  # keyed apart, as transformers' lru_cache keys it
    assert len(calls) == 2
    again = cached(original, StructureCache(tmp_path / "cache.json"))  # a new process
    assert again(models, prefix="models") == first and len(calls) == 2
    os.utime(models / "llama" / "modeling_llama.py", ns=(1, 1))
    cached(original, StructureCache(tmp_path / "cache.json"))(models, prefix="models")
    assert len(calls) == 3
    wrapped(tmp_path / "elsewhere")  # any other folder: never cached
    wrapped(tmp_path / "elsewhere")
    assert len(calls) == 5


def test_a_corrupt_cache_falls_back_to_the_scan(tmp_path: Path) -> None:
    models = _models_tree(tmp_path)
    (tmp_path / "cache.json").write_text("{not json")
    wrapped = cached(lambda path, prefix=None: STRUCTURE, StructureCache(tmp_path / "cache.json"))
    assert wrapped(models, prefix="models") == STRUCTURE
    assert json.loads((tmp_path / "cache.json").read_text())["format"] == 1


_PROBE = """
import gc, json, sys
import torch
import emotive_agents.engine
from emotive_agents.models.import_cache import import_transformers
used = import_transformers()
import transformers
from transformers.utils import import_utils
from emotive_agents.models.loading import load_model
loaded = load_model(sys.argv[1])
with torch.no_grad():
    logits = loaded.model(input_ids=torch.tensor([[5, 6, 7, 8]])).logits
print(json.dumps({
    "used": used,
    "restored": hasattr(import_utils.define_import_structure, "cache_info"),
    "gc": gc.isenabled(),
    "finders": [type(f).__name__ for f in sys.meta_path],
    "names": len(dir(transformers)) + len(dir(transformers.models)),
    "logits": logits.flatten().tolist(),
}))
"""


@pytest.fixture(scope="module")
def saved_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny-saved")
    build_tiny_llama().save_pretrained(path)
    make_tokenizer().save_pretrained(path)
    return path


def _probe(model: Path, cache: Path, switch: str) -> dict:
    env = {**os.environ, "EMOTIVE_AGENTS_CACHE": str(cache), "EMOTIVE_AGENTS_IMPORT_CACHE": switch}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(model)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_fresh_process_with_the_cache_loads_the_same_model(
    saved_tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fill the cache here (transformers' own scan), then compare a process reading it with one scanning."""
    import transformers
    from transformers.utils.import_utils import define_import_structure

    monkeypatch.setenv("EMOTIVE_AGENTS_CACHE", str(tmp_path))
    models = Path(transformers.__file__).parent / "models"
    cache = StructureCache(cache_file(transformers.__version__))
    for path, prefix in ((models, "models"), (str(models / "__init__.py"), None)):
        cache.put(f"{Path(path)}|{prefix}", models, define_import_structure(path, prefix))
    written = cache.file.stat().st_mtime_ns
    plain = _probe(saved_tiny, tmp_path, "0")
    fast = _probe(saved_tiny, tmp_path, "1")
    assert (plain["used"], fast["used"]) == (False, True)
    assert cache.file.stat().st_mtime_ns == written  # read, not rewritten: every table came from it
    assert fast["restored"] and "_Wrapping" not in fast["finders"]
    assert fast["gc"] and plain["gc"]  # the collector paused for the imports and the load is back on
    assert fast["names"] == plain["names"]
    assert fast["logits"] == plain["logits"]
