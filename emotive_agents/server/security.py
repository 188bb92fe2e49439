"""Who may talk to the server: Host and Origin checks, CORS allow-list, API key, JSON-only bodies.

Two pure ASGI middlewares (no buffering, so SSE streams pass through untouched):

- `HostOriginGuard` (outermost) refuses a `Host` header that is not the server's own name when it is
  bound to loopback (a DNS-rebinding page resolves its own name to 127.0.0.1 and sends that name), and
  any `Origin` that is neither the server itself nor on the CORS allow-list (so a web page the user
  visits cannot drive generation with a "simple" text/plain POST, which browsers send without asking).
- `ApiGuard` (inside Starlette's CORS middleware, so preflights are answered first) asks every route
  but the open ones (`/health`, the chat page) for `Authorization: Bearer KEY` when a key is set,
  compared in constant time, and answers 415 to a POST whose body is not `application/json`.

Refusals are OpenAI-style error bodies with a stable `code`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from emotive_agents.server.http_errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
OPEN_PATHS = frozenset({"/health", "/", "/favicon.ico"})
OPEN_PREFIXES = ("/static/",)
JSON_TYPES = frozenset({"application/json"})


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (the interfaces only this machine can reach)."""
    if host.lower() in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hostname(value: str) -> str:
    """The host part of a Host header or an origin's netloc, lower-case, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _refuse(
    send: Send, status: int, message: str, code: str, headers: Iterable[tuple[str, str]] = ()
) -> None:
    body = json.dumps(error_body(status, message, code=code)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def normalise_origin(origin: str) -> str:
    """scheme://host[:port] in lower case; raises ValueError for anything else (paths, no scheme)."""
    if origin == "*":
        return origin
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"a CORS origin is scheme://host[:port] (or *), got {origin!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"a CORS origin is scheme://host[:port] (or *), got {origin!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


class HostOriginGuard:
    """Refuse foreign Host headers on a loopback bind and Origins that are neither us nor allowed."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        bind_host: str,
        allowed_hosts: Iterable[str] = (),
        cors_origins: Iterable[str] = (),
    ) -> None:
        self.app = app
        extra = {_hostname(h) for h in allowed_hosts}
        self.check_host = is_loopback(bind_host) or bool(extra)
        self.hosts = frozenset(LOOPBACK_NAMES | extra | ({_hostname(bind_host)} if bind_host else set()))
        self.origins = frozenset(normalise_origin(o) for o in cors_origins)

    def host_allowed(self, host: str | None) -> bool:
        if not self.check_host:
            return True
        return host is not None and _hostname(host) in self.hosts

    def origin_allowed(self, origin: str, host: str | None) -> bool:
        if "*" in self.origins or origin.lower() in self.origins:
            return True
        parts = urlsplit(origin)
        same = host is not None and parts.netloc.lower() == host.strip().lower()
        return same and self.host_allowed(parts.netloc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if not self.host_allowed(host):
            await _refuse(
                send,
                403,
                "the Host header is not this server's name (DNS rebinding protection); "
                "add the name with --allowed-host",
                "invalid_host",
            )
            return
        origin = _header(scope, b"origin")
        if origin is not None and not self.origin_allowed(origin, host):
            await _refuse(
                send,
                403,
                "cross-origin requests are not allowed from this origin; add it with --cors-origin",
                "forbidden_origin",
            )
            return
        await self.app(scope, receive, send)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class ApiGuard:
    """Bearer-key authentication (when a key is set) and JSON-only POST bodies for the API routes."""

    def __init__(self, app: ASGIApp, *, api_key: str | None) -> None:
        self.app = app
        self._key = _digest(api_key) if api_key else None

    @staticmethod
    def is_open(path: str) -> bool:
        return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)

    def authorised(self, header: str | None) -> bool:
        assert self._key is not None
        scheme, _, token = (header or "").partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else ""
        # Equal-length digests compared in constant time: neither the key nor its length leaks.
        return hmac.compare_digest(_digest(given), self._key) and bool(given)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_open(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if self._key is not None and scope.get("method") != "OPTIONS":
            header = _header(scope, b"authorization")
            if not self.authorised(header):
                missing = header is None or not header.strip()
                message = (
                    "You didn't provide an API key. Send it as `Authorization: Bearer KEY`."
                    if missing
                    else "Incorrect API key provided."
                )
                await _refuse(
                    send,
                    401,
                    message,
                    "missing_api_key" if missing else "invalid_api_key",
                    headers=[("www-authenticate", "Bearer")],
                )
                return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            kind = (_header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
            if kind not in JSON_TYPES:
                await _refuse(
                    send,
                    415,
                    "request bodies must be JSON: send `Content-Type: application/json`",
                    "unsupported_media_type",
                )
                return
        await self.app(scope, receive, send)
