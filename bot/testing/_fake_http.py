"""The fake's HTTP plumbing: reading a request's arguments the way Slack does (query string,
form, JSON or multipart body, JSON-in-form arguments decoded) and the threaded server that hands
each request to :meth:`FakeSlack.handle_http <bot.testing.fake_slack.FakeSlack.handle_http>`."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ._slack_methods import JSON_ARGS, JsonDict, SlackError

if TYPE_CHECKING:
    from .fake_slack import FakeSlack


class _Answered(Exception):
    """The answer is already set (injected failure, outage)."""


def _bearer(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "authorization" and value.lower().startswith("bearer "):
            return value[7:].strip() or None
    return None


def _json_or_raise(text: str, error: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SlackError(error) from exc


def _parse_args(query: str, headers: Mapping[str, str], body: bytes) -> tuple[JsonDict, str | None]:
    """Merge query string and body (form, JSON or multipart); decode JSON-valued arguments.

    Returns the arguments and, when the body could not be read, the error Slack would give.
    """
    args: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    error: str | None = None
    if body:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                decoded, error = {}, "invalid_json"
            if isinstance(decoded, dict):
                args.update(decoded)
            else:
                error = "invalid_json"
        elif kind == "multipart/form-data":
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if isinstance(name, str):
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        args[name] = payload.decode("utf-8", "replace")
        else:
            try:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                error = "invalid_form_data"
    for name in (*JSON_ARGS, "payload"):
        value = args.get(name)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # else left as text: answered invalid_*
                args[name] = json.loads(value)
    return args, error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # benchmarks open many connections at once
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        status, headers, payload = self.server.fake.handle_http(
            verb, self.path, dict(self.headers.items()), body
        )
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (answer_late)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read ``FakeSlack.calls`` instead."""
