"""Router policies: registered by name at start; a request's `policy` never reaches the filesystem."""

from __future__ import annotations

import builtins
import io
import os
import pathlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from _server_helpers import assert_openai_error, chat_body, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.router.policy import PolicyError, load_policy
from emotive_agents.server.app import create_app
from emotive_agents.server.policies import MAX_POLICY_BYTES, PolicyRegistry
from emotive_agents.server.runner import ServerThread

SENTINEL = "SENTINEL-7f3a9c-do-not-leak"
TINY_EMOTIONS = ("joy", "anger", "sadness", "base")


def _policy_file(folder: Path, name: str, mix: dict[str, float], *, marker: str = "") -> Path:
    data = {"name": name, "description": marker, "default_mix": mix, "rules": []}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def test_registry_holds_shipped_and_operator_policies(tmp_path: Path) -> None:
    own = _policy_file(tmp_path, "cheerful", {"joy": 0.5})
    folder = tmp_path / "more"
    folder.mkdir()
    _policy_file(folder, "grumpy", {"anger": 0.3})
    (folder / "notes.txt").write_text("not a policy")
    registry = PolicyRegistry.build([str(own), "tutor"], policy_dir=folder, emotions=TINY_EMOTIONS)
    assert set(registry.names) == {"support", "tutor", "health", "cheerful", "grumpy"}
    assert registry.default == "cheerful"
    assert registry["grumpy"].default_mix == {"anger": 0.3}
    assert PolicyRegistry.build(["health"]).default == "health"
    assert PolicyRegistry.build([]).default is None


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: str(d / "missing.yaml"), "neither a shipped policy"),
        (lambda d: str(_policy_file(d, "typo", {"jyo": 0.5})), "lacks: jyo"),
        (lambda d: str(_policy_file(d, "bad name!", {"joy": 0.5})), "not usable in requests"),
        (lambda d: _write(d / "broken.yaml", "name: [unclosed"), "cannot parse"),
        (lambda d: _write(d / "list.yaml", "- 1\n- 2\n"), "mapping"),
        (lambda d: _write(d / "big.yaml", "name: big\n#" + "x" * MAX_POLICY_BYTES), "limit"),
    ],
)
def test_bad_operator_policies_fail_at_start(
    tmp_path: Path, make: Callable[[Path], str], fragment: str, tiny_engine: EmotiveEngine
) -> None:
    source = make(tmp_path)
    with pytest.raises(PolicyError, match=fragment):
        PolicyRegistry.build([source], emotions=TINY_EMOTIONS)
    with pytest.raises(PolicyError, match=fragment):
        create_app(tiny_settings(policy=source), engine=tiny_engine)  # before anything serves


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_clashing_names_and_missing_dir_are_refused(tmp_path: Path) -> None:
    first = tmp_path / "a"
    second = tmp_path / "b"
    first.mkdir()
    second.mkdir()
    one = _policy_file(first, "same", {"joy": 0.1})
    two = _policy_file(second, "same", {"joy": 0.2})
    with pytest.raises(PolicyError, match="two policies are named 'same'"):
        PolicyRegistry.build([str(one), str(two)])
    with pytest.raises(PolicyError, match="not a directory"):
        PolicyRegistry.build([], policy_dir=tmp_path / "nope")


def test_load_policy_refuses_unknown_emotions_when_told_the_set(tmp_path: Path) -> None:
    path = _policy_file(tmp_path, "typo", {"joy": 0.2, "hapiness": 0.3})
    assert load_policy(path).default_mix["hapiness"] == 0.3  # without a vector set nothing to check
    with pytest.raises(PolicyError, match="hapiness"):
        load_policy(path, emotions=TINY_EMOTIONS)


def test_registered_file_policy_serves_requests(tmp_path: Path, tiny_engine: EmotiveEngine) -> None:
    path = _policy_file(tmp_path, "cheerful", {"joy": 0.4})
    app = create_app(tiny_settings(policies=(str(path),)), engine=tiny_engine)
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        config = http.get("/v1/emotions").json()
        assert "cheerful" in config["policies"] and config["default_policy"] == "support"
        reply = http.post("/v1/chat/completions", json=chat_body("Hi!", emotion="auto", policy="cheerful"))
        assert reply.status_code == 200, reply.text
        assert reply.json()["emotive"]["policy"] == "cheerful"
        assert reply.json()["emotive"]["mix"] == {"joy": 0.4}
        # the file's path is not a name requests may use
        by_path = http.post("/v1/chat/completions", json=chat_body("Hi!", emotion="auto", policy=str(path)))
        assert_openai_error(by_path, 400, "invalid_policy", "policy")
    assert set(app.state.server.routers) == {"support", "tutor", "health", "cheerful"}


class FileSpy:
    """Records every path opened or stat'ed through the usual Python entry points."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        real_open, real_io_open = builtins.open, io.open
        real_read_text, real_is_file, real_exists = (
            pathlib.Path.read_text,
            pathlib.Path.is_file,
            pathlib.Path.exists,
        )
        real_stat = os.stat

        def record(path: Any) -> None:
            self.paths.append(os.fspath(path) if isinstance(path, str | os.PathLike) else repr(path))

        def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            record(file)
            return real_open(file, *args, **kwargs)

        def spy_io_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            record(file)
            return real_io_open(file, *args, **kwargs)

        def spy_read_text(self_: pathlib.Path, *args: Any, **kwargs: Any) -> str:
            record(self_)
            return real_read_text(self_, *args, **kwargs)

        def spy_is_file(self_: pathlib.Path, *args: Any, **kwargs: Any) -> bool:
            record(self_)
            return real_is_file(self_, *args, **kwargs)

        def spy_exists(self_: pathlib.Path, *args: Any, **kwargs: Any) -> bool:
            record(self_)
            return real_exists(self_, *args, **kwargs)

        def spy_stat(path: Any, *args: Any, **kwargs: Any) -> Any:
            record(path)
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", spy_open)
        monkeypatch.setattr(io, "open", spy_io_open)
        monkeypatch.setattr(pathlib.Path, "read_text", spy_read_text)
        monkeypatch.setattr(pathlib.Path, "is_file", spy_is_file)
        monkeypatch.setattr(pathlib.Path, "exists", spy_exists)
        monkeypatch.setattr(os, "stat", spy_stat)


def test_100_policy_strings_touch_no_file_and_no_memory(
    tmp_path: Path, tiny_engine: EmotiveEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid policy files named by path in many spellings, plus junk: all refused alike, nothing read."""
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    sentinel = _policy_file(secret_dir, "leaky", {"joy": 0.9}, marker=SENTINEL)
    relative = os.path.relpath(sentinel)
    spellings = [
        str(sentinel),
        f"{secret_dir}/./leaky.yaml",
        f"{secret_dir}//leaky.yaml",
        f"{secret_dir}/../secret/leaky.yaml",
        relative,
        f"./{relative}",
        f"file://{sentinel}",
        str(sentinel).upper(),
        "/etc/passwd",
        "/etc/hostname",
        "/proc/self/environ",
        "../../../../etc/shadow",
        "~/.ssh/id_rsa",
        "emotive_agents/data/policies/support.yaml",
    ]
    strings = (
        spellings + [f"{secret_dir}/{'x' * i}.yaml" for i in range(40)] + [f"policy-{i}" for i in range(46)]
    )
    assert len(set(strings)) == 100
    app = create_app(tiny_settings(), engine=tiny_engine)
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        routers_before = dict(app.state.server.routers)
        http.post("/v1/chat/completions", json=chat_body(emotion="auto"))  # the reader loads once
        rss_before = _rss_kb()
        spy = FileSpy(monkeypatch)
        answers = []
        for i, policy in enumerate(strings):
            body = (
                chat_body(emotion="auto", policy=policy)
                if i % 2
                else chat_body(emotion={"joy": 0.2}, emotive_reading=True, policy=policy)
            )
            answers.append(http.post("/v1/chat/completions", json=body))
        monkeypatch.undo()
        rss_after = _rss_kb()
        assert http.post("/v1/chat/completions", json=chat_body()).status_code == 200
        assert app.state.server.routers == routers_before
    messages = set()
    for response in answers:
        error = assert_openai_error(response, 400, "invalid_policy", "policy")
        assert SENTINEL not in response.text
        messages.add(error["message"].split(";", 1)[1])  # the part after the (quoted) name
    assert len(messages) == 1  # same answer whether the file exists or not
    touched = [p for p in spy.paths if str(secret_dir) in p or p in strings or "passwd" in p or "shadow" in p]
    assert touched == []
    assert rss_after - rss_before < 40_000  # kB; each cached router used to cost ~49 MB
