"""A small WSGI router: routes are (method set, path or prefix, handler) in one table.

A handler gets a :class:`Request` (method, path, query, headers, a bounded body) and returns a
:class:`Response`, or hands the raw WSGI call on (Bolt's own handler for OAuth). Unknown paths
answer 404, a known path with another method 405, and an exception inside a handler 500 with a
log line carrying an id — never a traceback or a driver error in the body.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    environ: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, data: Any, *, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        return cls(status, json.dumps(data).encode(), "application/json", headers)

    @classmethod
    def text(cls, status: int, text: str, *, content_type: str = "text/plain") -> Response:
        return cls(status, text.encode(), f"{content_type}; charset=utf-8")


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """``path`` matches exactly, or as a prefix when it ends with ``/``. A ``wsgi`` route passes
    the raw call on (its body unread); a ``handler`` route gets a parsed :class:`Request`."""

    methods: frozenset[str]
    path: str
    handler: Handler | None = None
    wsgi: WsgiApp | None = None
    max_body: int = 1_000_000

    def matches(self, path: str) -> bool:
        return path.startswith(self.path) if self.path.endswith("/") else path == self.path


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    out = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        out["content-type"] = str(environ["CONTENT_TYPE"])
    return out


def _send(start_response: StartResponse, r: Response) -> list[bytes]:
    headers = [("Content-Type", r.content_type), ("Content-Length", str(len(r.body))), *r.headers]
    start_response(f"{r.status} {_REASONS.get(r.status, 'Status')}", headers)
    return [r.body]


class WebApp:
    """The one WSGI application ``lanekeeper serve`` runs."""

    def __init__(
        self,
        routes: Iterable[Route],
        *,
        observe: Callable[[str, int, float], None] | None = None,
    ) -> None:
        self.routes = list(routes)
        self.observe = observe

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.observe is None:
            return self._route(environ, start_response)
        started = time.perf_counter()
        seen: dict[str, int] = {}

        def recording(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, *rest)

        body = self._route(environ, recording)
        path = environ.get("PATH_INFO", "") or "/"
        route = next((r.path for r in self.routes if r.matches(path)), "other")
        self.observe(route, seen.get("status", 0), started)
        return body

    def _route(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        matching = [r for r in self.routes if r.matches(path)]
        if not matching:
            return _send(start_response, Response.json(404, {"ok": False, "error": "not found"}))
        route = next((r for r in matching if method in r.methods), None)
        if route is None:
            allowed = ", ".join(sorted({m for r in matching for m in r.methods}))
            return _send(
                start_response,
                Response.json(
                    405, {"ok": False, "error": "method not allowed"}, headers=(("Allow", allowed),)
                ),
            )
        if route.wsgi is not None:
            return route.wsgi(environ, start_response)
        assert route.handler is not None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > route.max_body:
            return _send(
                start_response, Response.json(413, {"ok": False, "error": "body too large"})
            )
        body = environ["wsgi.input"].read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        request = Request(method, path, query, _headers(environ), body, environ)
        try:
            response = route.handler(request)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("request to %s failed (error id %s)", route.path, error_id)
            response = Response.json(500, {"ok": False, "error": f"internal error {error_id}"})
        return _send(start_response, response)
