"""Security probe: bad inputs against a real `emotive-agents serve` on 127.0.0.1, and the CLI's bad inputs.

    PYTHONPATH=. python benchmarks/server_probe.py [--model smollm2-135m] [--json results.json]

Starts `serve` in a subprocess with a Python audit hook that logs every file *open* whose path is one
the probe sends as a `policy` (or lies in the probe's secret folder, which holds a valid policy file with
a sentinel string), then sends each bad request and checks: the status (never 5xx), an OpenAI-style body
with a stable `code`, no sentinel in any answer, the next normal request still served. At the end it
counts tracebacks in the server's log and audited opens. CLI cases run the real commands and check the
exit status and a one-line error. Prints a markdown table (the one in docs/server.md).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

SENTINEL = "SENTINEL-probe-4b1d"
AUDIT_HOOK = """
import os, sys
watch = [w for w in os.environ["PROBE_WATCH"].split("\\n") if w]
def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if any(w in path for w in watch):
            sys.stderr.write(f"PROBE-AUDIT-OPEN {path}\\n")
sys.addaudithook(hook)
from emotive_agents.cli import app
sys.argv[0] = "emotive-agents"
app()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chat(content: str = "Hello there", **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": content}], "max_tokens": 4, **extra}


def raw(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body, allow_nan=True).encode()


def _spellings(path: Path, count: int) -> list[str]:
    """`count` distinct strings that all name one valid policy file (the old server cached a router each)."""
    out = [str(path), os.path.relpath(path)]
    for i in range(count):
        if len(out) >= count:
            break
        out.append(f"{path.parent}/{'./' * (i + 1)}{path.name}")
        out.append(f"{path.parent}{'/' * (i + 2)}{path.name}")
    return out[:count]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def http_cases(secret: Path, model: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(group, name, request) rows; request: method, path, body, headers."""
    policy_file = str(secret / "leaky.yaml")
    policies = [
        policy_file,
        f"{secret}/./leaky.yaml",
        f"{secret}//leaky.yaml",
        f"{secret}/../{secret.name}/leaky.yaml",
        os.path.relpath(policy_file),
        "/etc/passwd",
        "/etc/hostname",
        "/proc/self/environ",
        "../../../../etc/shadow",
        "emotive_agents/data/policies/support.yaml",
        "nope",
    ]
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for p in policies:
        rows.append(("policy (file read)", f"auto {p}", {"body": chat(emotion="auto", policy=p)}))
        rows.append(
            (
                "policy (file read)",
                f"reading {p}",
                {"body": chat(emotion={"joy": 0.3}, emotive_reading=True, policy=p)},
            )
        )
    rows += [
        (
            "policy (memory)",
            f"spelling {i}",
            {"body": chat(emotion="auto", policy=spelling)},
        )
        for i, spelling in enumerate(_spellings(secret / "leaky.yaml", 100))
    ]
    body = [
        ("not json", b"{nope"),
        ("array", b"[1]"),
        ("empty", b""),
        ("invalid utf-8", b'{"messages": "\xff"}'),
        ("nested 200k", b"[" * 200_000 + b"]" * 200_000),
        ("nested 40", raw({**chat(), "x": json.loads("[" * 40 + "]" * 40)})),
        ("lone surrogate", b'{"messages": [{"role": "user", "content": "\\ud800"}]}'),
        ("over 1 MB", raw(chat("y" * 1_100_000))),
    ]
    rows += [("body", name, {"body": b}) for name, b in body]
    fields = [
        ("seed 2**70", chat(seed=2**70)),
        ("seed -2**70", chat(seed=-(2**70))),
        ("stream 'yes'", chat(stream="yes")),
        ("stream 1", chat(stream=1)),
        ("include_usage 'yes'", chat(stream=True, stream_options={"include_usage": "yes"})),
        ("emotive_reading 'true'", chat(emotion={"joy": 0.2}, emotive_reading="true")),
        ("stop ['']", chat(stop=[""])),
        ("stop x5", chat(stop=list("abcde"))),
        ("logprobs", chat(logprobs=True)),
        ("top_logprobs", chat(top_logprobs=2)),
        ("response_format json", chat(response_format={"type": "json_object"})),
        ("tools", chat(tools=[{"type": "function", "function": {"name": "f"}}])),
        ("tool_choice", chat(tool_choice="auto")),
        ("logit_bias", chat(logit_bias={"1": 2})),
        ("n 3", chat(n=3)),
        ("max_tokens 0", chat(max_tokens=0)),
        ("max_tokens 10**6", chat(max_tokens=10**6)),
        ("temperature NaN", chat(temperature=float("nan"))),
        ("temperature 9", chat(temperature=9)),
        ("top_p -1", chat(top_p=-1)),
        ("no messages", {"model": model}),
        ("messages []", {"messages": []}),
        ("role wizard", {"messages": [{"role": "wizard", "content": "x"}]}),
        ("role tool", {"messages": [{"role": "user", "content": "x"}, {"role": "tool", "content": "y"}]}),
        ("image part", {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}),
        ("blank user", {"messages": [{"role": "user", "content": "  "}]}),
        ("prompt 20k words", chat("word " * 20_000)),
        ("unknown model", {**chat(), "model": "gpt-4o"}),
        ("model 1000 chars", {**chat(), "model": "m" * 1000}),
    ]
    rows += [("fields", name, {"body": b}) for name, b in fields]
    emotions = [
        ("unknown name", chat(emotion={"glee": 0.5})),
        ("unknown at 0", chat(emotion={"happiness": 0})),
        ("unknown among zeros", chat(emotion={"joy": 0, "happiness": 0})),
        ("intensity 9", chat(emotion={"joy": 9})),
        ("intensity -1e308", chat(emotion={"joy": -1e308})),
        ("intensity NaN", chat(emotion={"joy": float("nan")})),
        ("intensity Infinity", chat(emotion={"joy": float("inf")})),
        ("bad name", chat(emotion={"Joy!": 0.5})),
        ("not a mix", chat(emotion="sometimes")),
        ("a list", chat(emotion=["joy"])),
    ]
    rows += [("emotion", name, {"body": b}) for name, b in emotions]
    good = chat()
    transport = [
        ("text/plain", {"body": raw(good), "headers": {"content-type": "text/plain"}}),
        ("form", {"body": b"a=b", "headers": {"content-type": "application/x-www-form-urlencoded"}}),
        ("no content type", {"body": raw(good), "headers": {}}),
        (
            "cross-origin simple POST",
            {"body": raw(good), "headers": {"content-type": "text/plain", "origin": "http://evil.example"}},
        ),
        ("cross-origin JSON POST", {"body": raw(good), "headers": {"origin": "http://evil.example"}}),
        ("DNS rebinding Host", {"body": raw(good), "headers": {"host": "evil.example:8000"}}),
        ("GET chat", {"method": "GET", "headers": {}}),
        ("unknown route", {"method": "GET", "path": "/v1/nothing", "headers": {}}),
        ("/docs", {"method": "GET", "path": "/docs", "headers": {}}),
        ("/openapi.json", {"method": "GET", "path": "/openapi.json", "headers": {}}),
    ]
    rows += [("transport", name, req) for name, req in transport]
    return rows


RSS: dict[str, int] = {}  # server RSS (kB) around the 100 policy spellings

# Inputs that once answered 500 and must now be served (200).
VALID = [
    ("intensity 1e-46", chat(emotion={"joy": 1e-46})),
    ("NUL in content", chat("a\u0000b")),
    ("response_format text", chat(response_format={"type": "text"})),
    ("logprobs false", chat(logprobs=False)),
]


def run_http(model: str, secret: Path, log_path: Path) -> tuple[list[dict[str, Any]], int]:
    """The HTTP cases' results and the log offset where serving began (start-up reads the shipped
    policies legitimately; only opens after that offset come from requests)."""
    port = free_port()
    policies = [
        c[2]["body"].get("policy") for c in http_cases(secret, model) if isinstance(c[2].get("body"), dict)
    ]
    watch = "\n".join({str(secret), "passwd", "shadow", "hostname", "environ", *[p for p in policies if p]})
    env = {**os.environ, "PROBE_WATCH": watch}
    cmd = [
        sys.executable,
        "-c",
        AUDIT_HOOK,
        "serve",
        "--model",
        model,
        "--port",
        str(port),
        "--classifier",
        "vader",
    ]
    results: list[dict[str, Any]] = []
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
                if proc.poll() is not None:
                    raise RuntimeError(f"serve exited: see {log_path}")
            serving_from = log_path.stat().st_size
            with httpx.Client(base_url=url, timeout=120) as http:
                memory: dict[str, int] = {}
                for group, name, req in http_cases(secret, model):
                    if group == "policy (memory)" and "before" not in memory:
                        memory["before"] = rss_kb(proc.pid)
                    if group != "policy (memory)" and "before" in memory and "after" not in memory:
                        memory["after"] = rss_kb(proc.pid)
                    headers = req.get("headers", {"content-type": "application/json"})
                    body = req.get("body")
                    content = None if body is None else raw(body)
                    try:
                        response = http.request(
                            req.get("method", "POST"),
                            req.get("path", "/v1/chat/completions"),
                            content=content,
                            headers=headers,
                        )
                        results.append(_judge(group, name, response, expect_error=True))
                    except httpx.HTTPError as exc:  # a reset connection is a failure, not a crash
                        results.append(_failed(group, name, exc))
                    try:
                        after = http.post("/v1/chat/completions", json=chat())
                        results[-1]["next_ok"] = after.status_code == 200
                    except httpx.HTTPError:
                        results[-1]["next_ok"] = False
                for name, body in VALID:
                    response = http.post("/v1/chat/completions", json=body)
                    results.append(_judge("served (was 500)", name, response, expect_error=False))
                    results[-1]["next_ok"] = True
        finally:
            proc.terminate()
            proc.wait(30)
    RSS.update(memory)
    return results, serving_from


def _failed(group: str, name: str, exc: Exception) -> dict[str, Any]:
    return {
        "group": group,
        "case": name,
        "status": 0,
        "code": type(exc).__name__,
        "clean": False,
        "leak": False,
    }


def _judge(group: str, name: str, response: httpx.Response, *, expect_error: bool) -> dict[str, Any]:
    code = None
    try:
        payload = response.json()
        if isinstance(payload, dict) and "error" in payload:
            code = payload["error"].get("code")
    except ValueError:
        payload = None
    clean = (
        (400 <= response.status_code < 500 and bool(code)) if expect_error else response.status_code == 200
    )
    return {
        "group": group,
        "case": name,
        "status": response.status_code,
        "code": code,
        "clean": clean,
        "leak": SENTINEL in response.text,
    }


LOAD_S: list[float] = []


def time_offline_load() -> None:
    """In-process, so the interpreter's import time is not counted: the old code retried 5 times."""
    from emotive_agents.errors import ModelLoadError
    from emotive_agents.models.loading import load_model

    os.environ.pop("HF_HUB_OFFLINE", None)
    os.environ.pop("TRANSFORMERS_OFFLINE", None)
    import transformers  # noqa: F401  (imported before the clock starts)

    start = time.perf_counter()
    try:
        load_model("nobody/no-such-model")
    except ModelLoadError:
        LOAD_S.append(time.perf_counter() - start)


def run_cli(model: str, work: Path) -> list[dict[str, Any]]:
    """CLI bad inputs: each must exit 2 with one `error:` line and no traceback."""
    base = [sys.executable, "-c", "from emotive_agents.cli import app; app()"]
    empty = work / "empty.jsonl"
    empty.write_text('{"prompt": ""}\n')
    typo = work / "typo.yaml"
    typo.write_text("name: typo\ndefault_mix: {jyo: 0.5}\n")
    tampered = work / "tampered"
    tampered.mkdir(exist_ok=True)
    shipped = Path(__file__).resolve().parents[1] / "vectors" / "smollm2-135m"
    meta = json.loads((shipped / "metadata.json").read_text())
    meta["intensity_scale"]["joy"] = 3.0  # a hand edit the scales checksum must catch
    (tampered / "metadata.json").write_text(json.dumps(meta))
    (tampered / "vectors.safetensors").write_bytes((shipped / "vectors.safetensors").read_bytes())
    cases: list[tuple[str, list[str], dict[str, str]]] = [
        ("generate: empty prompt in --prompts-file", ["generate", "--prompts-file", str(empty)], {}),
        ("route: policy naming an unknown emotion", ["route", "hi", "--policy", str(typo)], {}),
        ("serve --policy BAD", ["serve", "--policy", "no-such-policy", "--port", str(free_port())], {}),
        ("serve --policy typo.yaml", ["serve", "--policy", str(typo), "--port", str(free_port())], {}),
        ("serve --vectors TAMPERED", ["serve", "--vectors", str(tampered), "--port", str(free_port())], {}),
        (
            "generate: unknown model, HF_HUB_OFFLINE=1",
            ["generate", "hi", "--model", "nobody/no-such-model"],
            {"HF_HUB_OFFLINE": "1"},
        ),
        (
            "generate: unknown model, no network",
            ["generate", "hi", "--model", "nobody/no-such-model"],
            {"HF_HUB_OFFLINE": ""},
        ),
    ]
    out = []
    for name, args, env in cases:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [*base, *args], capture_output=True, text=True, timeout=240, env={**os.environ, **env}
            )
        except subprocess.TimeoutExpired:  # e.g. a server that started instead of refusing
            row = {"group": "cli", "case": name, "status": -1, "code": None, "clean": False}
            out.append({**row, "leak": False, "next_ok": True, "seconds": 240.0})
            continue
        elapsed = time.perf_counter() - start
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        out.append(
            {
                "group": "cli",
                "case": name,
                "status": done.returncode,
                "code": errors[0][:110] if errors else None,
                "clean": done.returncode == 2 and len(errors) == 1 and "Traceback" not in done.stderr,
                "leak": False,
                "next_ok": True,
                "seconds": round(elapsed, 1),
            }
        )
    return out


def table(results: list[dict[str, Any]], tracebacks: int, opens: int) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault(r["group"], []).append(r)
    lines = [
        "| group | cases | clean | 5xx | no `code` | next request ok | sentinel leaked |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for group, rows in groups.items():
        fivexx = sum(1 for r in rows if r["group"] != "cli" and r["status"] >= 500)
        nocode = sum(1 for r in rows if r["group"] not in ("cli", "served (was 500)") and not r["code"])
        lines.append(
            f"| {group} | {len(rows)} | {sum(r['clean'] for r in rows)} | {fivexx} | {nocode} | "
            f"{sum(r['next_ok'] for r in rows)} | {sum(r['leak'] for r in rows)} |"
        )
    total = len(results)
    lines.append(
        f"| **all** | {total} | {sum(r['clean'] for r in results)} | "
        f"{sum(1 for r in results if r['group'] != 'cli' and r['status'] >= 500)} | "
        f"{sum(1 for r in results if r['group'] not in ('cli', 'served (was 500)') and not r['code'])} | "
        f"{sum(r['next_ok'] for r in results)} | {sum(r['leak'] for r in results)} |"
    )
    lines.append("")
    lines.append(f"Server log: {tracebacks} tracebacks; audited opens of probed paths: {opens}.")
    if "before" in RSS and "after" in RSS:
        lines.append(
            f"Server RSS over 100 spellings of one policy file: {RSS['before'] / 1024:.1f} MB -> "
            f"{RSS['after'] / 1024:.1f} MB ({(RSS['after'] - RSS['before']) / 1024:+.1f} MB)."
        )
    if LOAD_S:
        lines.append(
            f"load_model of an uncached hub id, no network, HF_HUB_OFFLINE unset: {LOAD_S[0]:.1f} s."
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--json", type=Path, default=None, help="Write every case's result here.")
    parser.add_argument("--no-cli", action="store_true", help="Skip the CLI cases (each loads the model).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        work = Path(tmp)
        secret = work / "secret"
        secret.mkdir()
        (secret / "leaky.yaml").write_text(
            f"name: leaky\ndescription: {SENTINEL}\ndefault_mix: {{joy: 0.9}}\n"
        )
        log_path = work / "serve.log"
        results, serving_from = run_http(args.model, secret, log_path)
        log = log_path.read_text()
        tracebacks = log.count("Traceback")
        opens = sum(1 for line in log[serving_from:].splitlines() if line.startswith("PROBE-AUDIT-OPEN"))
        if not args.no_cli:
            results += run_cli(args.model, work)
            time_offline_load()
    print(table(results, tracebacks, opens))
    for r in results:
        if not r["clean"] or r["leak"] or not r["next_ok"]:
            print(f"NOT CLEAN: {r}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "results": results,
                    "tracebacks": tracebacks,
                    "opens": opens,
                    "rss_kb": RSS,
                    "load_s": LOAD_S,
                },
                indent=1,
            )
        )
    bad = [r for r in results if not r["clean"] or r["leak"] or not r["next_ok"]]
    return 1 if bad or tracebacks or opens else 0


if __name__ == "__main__":
    sys.exit(main())
