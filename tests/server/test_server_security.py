"""Who may call the server: the API key (Bearer, constant time), Host/Origin checks, CORS, docs off."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

import httpx
import pytest
from _server_helpers import assert_openai_error, chat_body, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.app import create_app
from emotive_agents.server.runner import ServerThread
from emotive_agents.server.security import ApiGuard, is_loopback, normalise_origin
from emotive_agents.server.settings import API_KEY_ENV, ServerSettings

KEY = "sk-test-0123456789"
PATH = "/v1/chat/completions"


@pytest.fixture(scope="module")
def keyed(tiny_engine: EmotiveEngine) -> Iterator[ServerThread]:
    with ServerThread(create_app(tiny_settings(api_key=KEY), engine=tiny_engine)) as server:
        yield server


@pytest.fixture(scope="module")
def cors(tiny_engine: EmotiveEngine) -> Iterator[ServerThread]:
    settings = tiny_settings(cors_origins=("http://app.example:3000",), allowed_hosts=("emotive.box",))
    with ServerThread(create_app(settings, engine=tiny_engine)) as server:
        yield server


# -- API key --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"authorization": ""}, "missing_api_key"),
        ({"authorization": "Bearer wrong"}, "invalid_api_key"),
        ({"authorization": f"Bearer {KEY}x"}, "invalid_api_key"),
        ({"authorization": f"Bearer {KEY[:-1]}"}, "invalid_api_key"),
        ({"authorization": f"Basic {KEY}"}, "invalid_api_key"),
        ({"authorization": "Bearer"}, "invalid_api_key"),
        ({"x-api-key": KEY}, "missing_api_key"),
    ],
)
def test_api_routes_need_the_key(keyed: ServerThread, headers: dict[str, str], code: str) -> None:
    with httpx.Client(base_url=keyed.url, timeout=60) as http:
        for method, path in (("GET", "/v1/models"), ("GET", "/v1/emotions"), ("POST", PATH)):
            response = http.request(
                method, path, json=chat_body() if method == "POST" else None, headers=headers
            )
            assert_openai_error(response, 401, code, None)
            assert response.headers["www-authenticate"] == "Bearer"
            assert KEY not in response.text


def test_the_right_key_is_served_and_health_stays_open(keyed: ServerThread) -> None:
    auth = {"authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=keyed.url, timeout=60) as http:
        assert http.get("/health").status_code == 200
        assert http.get("/").status_code == 200  # the chat page asks for the key itself
        assert http.get("/static/chat.js").status_code == 200
        assert http.get("/v1/models", headers=auth).status_code == 200
        assert http.post(PATH, json=chat_body(), headers=auth).status_code == 200
        assert (
            http.post(PATH, json=chat_body(), headers={"authorization": f"bearer {KEY}"}).status_code == 200
        )


def test_the_openai_client_sends_the_key(keyed: ServerThread) -> None:
    openai = pytest.importorskip("openai")
    good = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key=KEY, max_retries=0)
    reply = good.chat.completions.create(
        model="tiny-llama", messages=[{"role": "user", "content": "hi"}], max_tokens=4
    )
    assert reply.choices[0].finish_reason in ("stop", "length")
    bad = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(
            model="tiny-llama", messages=[{"role": "user", "content": "hi"}], max_tokens=4
        )


def test_keys_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    guard = ApiGuard(lambda *a: None, api_key=KEY)  # type: ignore[arg-type,return-value]
    assert guard.authorised(f"Bearer {KEY}")
    assert not guard.authorised("Bearer x")
    assert not guard.authorised("Bearer " + "y" * 5000)
    assert calls and all(a == b == 32 for a, b in calls)  # equal-length digests whatever was sent


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    settings = ServerSettings()
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)
    assert ServerSettings(api_key="flag").api_key.get_secret_value() == "flag"  # type: ignore[union-attr]
    monkeypatch.setenv(API_KEY_ENV, "")
    assert ServerSettings().api_key is None
    with pytest.raises(ValueError, match="must not be empty"):
        ServerSettings(api_key="  ")


# -- Host, Origin, CORS ---------------------------------------------------------------------------------


def test_loopback_server_refuses_foreign_hosts_and_origins(server: ServerThread) -> None:
    own = f"http://127.0.0.1:{server.port}"
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post(PATH, json=chat_body(), headers={"origin": own}).status_code == 200  # the chat page
        assert http.get("/v1/models", headers={"host": f"localhost:{server.port}"}).status_code == 200
        rebinding = {
            "host": f"attacker.example:{server.port}",
            "origin": f"http://attacker.example:{server.port}",
        }
        for headers in (rebinding, {"host": f"attacker.example:{server.port}"}):
            assert_openai_error(http.post(PATH, json=chat_body(), headers=headers), 403, "invalid_host", None)
        assert_openai_error(
            http.get("/health", headers={"host": "attacker.example"}), 403, "invalid_host", None
        )
        for origin in (
            "http://evil.example",
            "null",
            f"http://localhost:{server.port + 1}",
            f"http://127.0.0.1:{server.port}.evil.example",
        ):
            response = http.post(PATH, json=chat_body(), headers={"origin": origin})
            assert_openai_error(response, 403, "forbidden_origin", None)
            assert "access-control-allow-origin" not in response.headers
        # a browser's "simple" cross-site POST (text/plain, no preflight) is refused before any work
        simple = http.post(
            PATH, content=b"{}", headers={"origin": "http://evil.example", "content-type": "text/plain"}
        )
        assert_openai_error(simple, 403, "forbidden_origin", None)
        preflight = http.options(
            PATH, headers={"origin": "http://evil.example", "access-control-request-method": "POST"}
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers


def test_cors_allow_list(cors: ServerThread) -> None:
    allowed = "http://app.example:3000"
    with httpx.Client(base_url=cors.url, timeout=60) as http:
        preflight = http.options(
            PATH,
            headers={
                "origin": allowed,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == allowed
        assert "POST" in preflight.headers["access-control-allow-methods"]
        response = http.post(PATH, json=chat_body(), headers={"origin": allowed})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == allowed
        other = http.post(PATH, json=chat_body(), headers={"origin": "http://app.example:3001"})
        assert_openai_error(other, 403, "forbidden_origin", None)
        assert http.get("/v1/models", headers={"host": "emotive.box"}).status_code == 200  # --allowed-host
        assert http.get("/v1/models", headers={"host": "other.box"}).status_code == 403


def test_non_loopback_bind_accepts_any_host_but_still_checks_origins(tiny_engine: EmotiveEngine) -> None:
    app = create_app(tiny_settings(host="0.0.0.0"), engine=tiny_engine)
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.get("/v1/models", headers={"host": "lan-box:8000"}).status_code == 200
        same = http.post(
            PATH, json=chat_body(), headers={"host": "lan-box:8000", "origin": "http://lan-box:8000"}
        )
        assert same.status_code == 200
        cross = http.post(
            PATH, json=chat_body(), headers={"host": "lan-box:8000", "origin": "http://evil.example"}
        )
        assert_openai_error(cross, 403, "forbidden_origin", None)


def test_docs_only_when_asked(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.get("/docs").status_code == 404
        assert http.get("/openapi.json").status_code == 404
    app = create_app(tiny_settings(enable_docs=True), engine=tiny_engine)
    with ServerThread(app) as docs, httpx.Client(base_url=docs.url, timeout=60) as http:
        assert http.get("/docs").status_code == 200
        assert "/v1/chat/completions" in http.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("example.com", False),
        ("::", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_cors_origins_are_validated() -> None:
    assert normalise_origin("HTTP://App.Example:3000/") == "http://app.example:3000"
    assert normalise_origin("*") == "*"
    for bad in ("app.example", "ftp://x", "http://x/path", "http://user@x", "null", "http://x?q=1"):
        with pytest.raises(ValueError):
            normalise_origin(bad)
    with pytest.raises(ValueError):
        ServerSettings(cors_origins=("http://x/path",))
