"""Slack's endpoint, ``POST /slack/events``, in front of Bolt.

In front of Bolt because Bolt's adapters raise on a body whose ``payload`` is not JSON, which a
WSGI server turns into a 500 (PITFALLS): here a bad signature answers 401 and a malformed body
400, before Bolt sees either, and nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from ..instruments import observe_ack, slack_kind
from ..slack import validate
from ..slack.forms import opens_a_form

if TYPE_CHECKING:
    from ..adapters.inbox import InboxWriter

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # Slack's own payloads stay far below this
StartResponse = Callable[..., Any]


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def malformed(body: bytes, content_type: str) -> str | None:
    """Why a signed Slack body cannot be handled, or None when it is well-formed.

    Shapes no Slack client sends (``actions`` that is no list, a ``view`` that is a string, ids
    of no Slack shape, JSON nested deeper than any payload) are refused here with a 400, before
    Bolt, whose own parsing would raise on them (a 500) or hand listeners a body they cannot use.
    """
    return inspect(body, content_type).problem


class Seen(NamedTuple):
    """What one parse of a signed body tells: why it is refused (None: well-formed), its kind
    for the metrics (command, click, message, view, other), whether its answer may be an empty
    200 with the work done later by the worker (LANEKEEPER_DELIVERY=worker), and, for an
    Events API delivery, the key that makes Slack's retries of it one request."""

    problem: str | None
    kind: str
    deferrable: bool = False
    key: str | None = None
    workspace: str = ""
    # The kind stored for the worker: as ``kind``, but "form" for a click that opens a modal
    # (its trigger id lives 3 s), which is not left behind other clicks.
    stored: str = ""


# Interactions whose acknowledgement carries nothing Slack shows or uses: a click, a shortcut.
# A view submission's ack may carry errors, and a suggestion's the options: those are answered
# by ``serve`` itself, as are the url_verification challenge and the SSL check.
_DEFERRABLE_INTERACTIONS = frozenset({"block_actions", "shortcut", "message_action"})


def inspect(body: bytes, content_type: str) -> Seen:
    """:func:`malformed`'s answer, the request's kind, and whether it may be deferred, from one
    parse of the body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Seen("body is not UTF-8", "other")
    if content_type.startswith("application/json"):
        data, problem = _loads(text)
        if problem:
            return Seen(problem, "other")
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return Seen("JSON body has no type", "other")
        problem = validate.event_problem(data)
        if data["type"] != "event_callback" or problem:
            return Seen(problem, slack_kind(None, data))
        event_id, workspace = data.get("event_id"), _text(data.get("team_id"))
        key = f"event:{workspace}:{event_id}" if isinstance(event_id, str) else None
        return Seen(None, slack_kind(None, data), True, key, workspace)
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        payload, problem = _loads(form["payload"][0], what="payload")
        if problem:
            return Seen(problem, "other")
        problem = validate.interaction_problem(payload)
        deferrable = not problem and payload.get("type") in _DEFERRABLE_INTERACTIONS
        team = payload.get("team") if deferrable else None
        workspace = _text(team.get("id")) if isinstance(team, dict) else ""
        kind = slack_kind(None, payload)
        stored = "form" if kind == "click" and _opens_a_form(payload) else kind
        return Seen(problem, kind, deferrable, None, workspace, stored)
    if "command" in form:
        problem = validate.command_problem(form)
        return Seen(problem, "command", not problem, None, (form.get("team_id") or [""])[0])
    if "ssl_check" in form:
        return Seen(None, "other")
    return Seen("unrecognised body", "other")


def _opens_a_form(payload: dict[str, Any]) -> bool:
    actions = payload.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return isinstance(first, dict) and opens_a_form(first.get("action_id"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _loads(text: str, what: str = "body") -> tuple[Any, str | None]:
    """The JSON in ``text``, or why there is none (nested too deeply, not JSON)."""
    if validate.json_depth_exceeds(text):
        return None, f"{what} JSON is nested too deeply"
    try:
        return json.loads(text), None
    except (ValueError, RecursionError):
        return None, f"{what} is not JSON"


MAX_AGE = 60 * 5  # seconds; Slack's own guidance for refusing replayed requests


def is_signed(body: bytes, timestamp: str, signature: str, secret: str, *, now: float) -> bool:
    """Slack's v0 signature over the raw bytes (a non-UTF-8 body is still checked, then refused)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class SlackEndpoint:
    """A WSGI app for ``POST /slack/events``: size, signature and shape checked, then Bolt."""

    def __init__(self, bolt: App, *, signing_secret: str, inbox: InboxWriter | None = None) -> None:
        self.bolt_handler = SlackRequestHandler(bolt)
        self.signing_secret = signing_secret
        # LANEKEEPER_DELIVERY=worker: deferrable requests are stored and answered at once.
        self.inbox = inbox

    def signed(self, body: bytes, headers: dict[str, str]) -> bool:
        return is_signed(
            body,
            headers["x-slack-request-timestamp"],
            headers["x-slack-signature"],
            self.signing_secret,
            now=time.time(),
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, Any] = {"kind": "other", "status": 0}

        def recording(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, *rest)

        try:
            return self._handle(environ, recording, seen)
        finally:
            # The acknowledgement is the answer Bolt gives back (listeners go on after it).
            observe_ack(seen["kind"], seen["status"], time.perf_counter() - started)

    def _handle(
        self, environ: dict[str, Any], start_response: StartResponse, seen: dict[str, Any]
    ) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return _reply(
                start_response, "413 Payload Too Large", {"ok": False, "error": "body too large"}
            )
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        }
        if not self.signed(body, headers):
            # Logged (without the signature) so "requests answered 401" can be diagnosed: a
            # wrong SLACK_SIGNING_SECRET, a clock off by minutes, or somebody probing.
            stamp = headers["x-slack-request-timestamp"]
            log.warning(
                "refused a Slack request (401): %s",
                "no signature"
                if not headers["x-slack-signature"]
                else "stale or bad timestamp"
                if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_AGE
                else "signature does not match SLACK_SIGNING_SECRET",
            )
            return _reply(
                start_response, "401 Unauthorized", {"ok": False, "error": "invalid signature"}
            )
        content_type = environ.get("CONTENT_TYPE", "")
        parsed = inspect(body, content_type)
        seen["kind"] = parsed.kind
        if parsed.problem:
            log.warning("refused a malformed Slack request: %s", parsed.problem)
            return _reply(start_response, "400 Bad Request", {"ok": False, "error": parsed.problem})
        if self.inbox is not None and parsed.deferrable:
            return self._store(body, content_type, parsed, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.bolt_handler(environ, start_response)

    def _store(
        self, body: bytes, content_type: str, parsed: Seen, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Queue the request for the worker and answer 200 with an empty body, the way Bolt
        acks an event or a click (:class:`~bot.adapters.inbox.InboxWriter` stores it within
        milliseconds). While the database refuses, 503: Slack retries an event, and a person
        sees their click or command fail instead of it being lost silently."""
        assert self.inbox is not None
        row = self.inbox.inbox.row(
            kind=parsed.stored or parsed.kind,
            content_type=content_type.split(";", 1)[0].strip() or "application/json",
            body=body.decode("utf-8"),
            key=parsed.key,
            workspace=parsed.workspace[:32],
        )
        if not self.inbox.offer(row):
            return _reply(
                start_response,
                "503 Service Unavailable",
                {"ok": False, "error": "storage unavailable"},
            )
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]
