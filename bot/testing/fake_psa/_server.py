"""Shared bits of the fake PSAs: a threaded HTTP server on a free loopback port that records
every request whole, injected faults (status, ``Retry-After``, how many times), and the fake's
own clock (sent as the ``Date`` header, as a real server's would be)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the fake received it."""

    server: str  # which of the fake's hosts ("api", "zone", "discovery", …)
    method: str
    url: str  # the full URL as received (scheme and host of the fake)
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # as sent; use header() for a case-insensitive read
    body: bytes
    at: float  # time.monotonic() on arrival

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def arg(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v[0] for k, v in self.query.items() if k.lower() == lowered and v), None)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass(slots=True)
class Answer:
    status: int
    body: Any = None  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Fault:
    status: int
    times: int
    retry_after: str | None
    path_contains: str | None
    body: Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    dispatch: Callable[[str, str, str, dict[str, str], bytes], Answer]
    clock: Callable[[], datetime]
    label: str


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_PATCH(self) -> None:
        self._answer("PATCH")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def _answer(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        answer = self.server.dispatch(
            self.server.label, verb, f"http://{host}{self.path}", dict(self.headers.items()), body
        )
        if isinstance(answer.body, bytes):
            data = answer.body
            ctype = "text/plain; charset=utf-8"
        else:
            data = json.dumps(answer.body, separators=(",", ":")).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        self.send_response_only(answer.status)
        self.send_header("Date", format_datetime(self.server.clock(), usegmt=True))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the fake's ``requests``."""


class FakeHttpBase:
    """A fake vendor: one or more loopback servers, recorded requests, faults and a clock.

    Subclasses implement :meth:`handle` and list their hosts in ``_server_labels``.
    """

    _server_labels: tuple[str, ...] = ("api",)

    def __init__(self, *, now: datetime | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self.record_bodies = True
        self._now = now
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        #: called after each answered request (a test moves data "while paging" here)
        self.after_request: Callable[[RecordedRequest], None] | None = None

    # --- clock ---------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self._now if self._now is not None else datetime.now(UTC)

    @now.setter
    def now(self, value: datetime) -> None:
        self._now = value

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        for label in self._server_labels:
            server = _Server(("127.0.0.1", 0), _Handler)
            server.dispatch = self._dispatch
            server.clock = lambda: self.now
            server.label = label
            thread = threading.Thread(
                target=server.serve_forever, name=f"fake-{label}", daemon=True
            )
            thread.start()
            self._servers[label] = server
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> FakeHttpBase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url_of(self, label: str = "api") -> str:
        host, port = self._servers[label].server_address[:2]
        return f"http://{host!s}:{port}"

    # --- faults --------------------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: str | int | None = None,
        path_contains: str | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (after recording them)."""
        with self._lock:
            self._faults.append(
                Fault(
                    status,
                    times,
                    None if retry_after is None else str(retry_after),
                    path_contains,
                    body if body is not None else {"error": f"injected {status}"},
                )
            )

    def _fault_for(self, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.path_contains is None or fault.path_contains in path:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # --- dispatch ------------------------------------------------------------------------
    def _dispatch(
        self, label: str, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> Answer:
        parts = urlsplit(url)
        request = RecordedRequest(
            server=label,
            method=method,
            url=url,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body if self.record_bodies else b"",
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
            fault = self._fault_for(parts.path)
        if fault is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return Answer(fault.status, fault.body, extra)
        try:
            answer = self.handle(request, body)
        except Exception as exc:  # a bug in the fake must show, not hang the client
            return Answer(500, {"error": f"fake failed: {type(exc).__name__}: {exc}"})
        if self.after_request is not None:
            self.after_request(request)
        return answer

    def handle(self, request: RecordedRequest, body: bytes) -> Answer:
        raise NotImplementedError

    # --- assertions helpers --------------------------------------------------------------
    def requests_to(
        self, path_contains: str, *, server: str | None = None
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if path_contains in r.path and (server is None or r.server == server)
            ]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
