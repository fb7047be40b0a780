"""What keeps the workspace private: loopback only, a token per run, a strict page policy.

:class:`Guard` is ASGI middleware in front of every route:

- the ``Host`` header must name the loopback interface (``127.0.0.1``, ``localhost`` or
  ``[::1]``), so that a web page elsewhere cannot reach the server through a DNS name
  rebound to 127.0.0.1 (403 otherwise);
- the request must carry the run's token: in the first URL (``?token=...``, as Jupyter
  does), which sets a cookie (HttpOnly, SameSite=Strict) and redirects to the same page
  without the token, or in that cookie afterwards (403 otherwise, tokens compared in
  constant time);
- a request that changes something (POST) must come from the workspace's own pages: an
  ``Origin`` header, when the browser sends one, names the same loopback host;
- every response carries a Content-Security-Policy allowing nothing but the workspace's
  own scripts, styles and images (no inline script, no other origin, no frames), and is
  not cached or sent on as a referrer.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def new_token() -> str:
    """A random token for one run of the server (256 bits)."""
    return secrets.token_urlsafe(32)


def host_name(host: str) -> str:
    """``127.0.0.1:8765`` -> ``127.0.0.1``; ``[::1]:80`` -> ``[::1]``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """ASGI middleware: refuse (403) what is not loopback or lacks the token."""

    def __init__(self, app, token: str, cookie: str = "chronos_token"):
        self.app = app
        self.token = token
        self.cookie = cookie

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # no websockets here
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if host_name(headers.get("host", "")) not in LOOPBACK:
            return await _refuse(send, "This workspace answers only on this computer "
                                       "(127.0.0.1): the Host header names another.")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.get("token")
        if given is not None:
            if not self._same(given):
                return await _refuse(send, "Wrong token: use the address chronos serve printed.")
            return await self._welcome(scope, query, send)
        if not self._same(_cookies(headers.get("cookie", "")).get(self.cookie, "")):
            return await _refuse(send, "No token: open the address that chronos serve printed "
                                       "(it ends with ?token=...).")
        if scope.get("method", "GET") not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if origin not in (None, "null") and host_name(origin.split("://", 1)[-1]) \
                    not in LOOPBACK:
                return await _refuse(send, "A change requested from another site was refused.")
        return await self.app(scope, receive, _with_headers(send))

    def _same(self, given: str) -> bool:
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    async def _welcome(self, scope, query: dict, send) -> None:
        """The token in the URL: set the cookie, send the browser to the page without it."""
        rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
        target = (scope.get("root_path", "") + scope["path"]) + (f"?{rest}" if rest else "")
        cookie = (f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict")
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", target.encode("latin-1")),
                                (b"set-cookie", cookie.encode("latin-1")), *HEADERS]})
        await send({"type": "http.response.body", "body": b""})


def _cookies(header: str) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed cookie header is no token
        return {}
    return {k: m.value for k, m in jar.items()}


def _with_headers(send):
    async def sender(message):
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            message = {**message, "headers": [*message.get("headers", []),
                                              *[h for h in HEADERS if h[0] not in names]]}
        await send(message)
    return sender


async def _refuse(send, why: str) -> None:
    body = why.encode("utf-8")
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})
