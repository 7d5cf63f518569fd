"""Socket Mode for the fake Slack: ``apps.connections.open`` and the WebSocket it hands out.

Slack's Socket Mode, as its documentation describes it and slack_sdk's clients expect it:

- ``apps.connections.open`` takes an app-level token (``xapp-…``; a bot or user token is refused
  with ``not_allowed_token_type``, and an app-level token is refused the same way by every other
  method) and answers ``{"ok": true, "url": "ws://127.0.0.1:<port>/link/?ticket=…&app_id=…"}``:
  a WebSocket endpoint on a free loopback port, started on the first call. A ticket is good for
  one connection (an unknown or used one is answered HTTP 401 at the handshake).
- On connect the first message is ``hello`` (``num_connections``, ``debug_info``,
  ``connection_info``).
- Then envelopes: ``{"envelope_id", "type": "events_api" | "slash_commands" | "interactive",
  "payload", "accepts_response_payload"}`` (``retry_attempt`` / ``retry_reason`` on
  ``events_api``), each to be acknowledged with ``{"envelope_id": …, "payload"?: …}`` within
  3 seconds. Every envelope and every ack is recorded; a late ack is recorded as late, a missing
  one shows in :meth:`SocketModeServer.unacked`.
- ``disconnect`` (``refresh_requested``, ``warning``, ``link_disabled``): the client is to open a
  new connection through a new ``apps.connections.open``; the fake closes the old one itself
  after ``close_after`` seconds if the client has not. A connection that closes with envelopes
  still un-acked gets them redelivered on the next connection (as Slack redelivers), events with
  ``retry_attempt`` raised and ``retry_reason: "timeout"``.

The WebSocket side is the ``websockets`` library's sync server (the ``dev`` extra), imported
only when a test first opens a connection, so the packaged fake (``lanekeeper demo``) does not
need it. The test-facing API is :class:`SocketModeServer`, reached as ``fake.socket_mode``::

    fake.add_app_token("xapp-1-A0LANE-1-test")
    # … start the app in Socket Mode against fake.api_url …
    fake.socket_mode.wait_connected()
    ack = fake.socket_mode.send("slash_commands", {"command": "/lanes", …})
    assert ack.latency < 3 and "Monitoring alert" in ack.payload["text"]
    fake.socket_mode.disconnect("refresh_requested")
    fake.socket_mode.wait_connected(count=2)
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ._fake_state import FakeState, _Identity
from ._slack_methods import JsonDict, SlackError

if TYPE_CHECKING:
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

ACK_TIMEOUT_SECONDS = 3.0
ENVELOPE_TYPES = frozenset({"events_api", "slash_commands", "interactive"})
DISCONNECT_REASONS = frozenset({"refresh_requested", "warning", "link_disabled"})
#: Methods an app-level token may call; every other method refuses it.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
#: Interaction types whose ack may carry a response (``response_action``, options).
_RESPONDING_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


@dataclass
class _AppIdentity(_Identity):
    """Who an app-level token is: the app, not a user or a bot."""

    app_id: str = ""


@dataclass
class Envelope:
    """One envelope the fake pushed, with each delivery: ``(connection id, sent at)``."""

    envelope_id: str
    type: str
    payload: JsonDict
    accepts_response_payload: bool
    pushed_at: float
    retry_attempt: int = 0
    retry_reason: str = ""
    deliveries: list[tuple[int, float]] = field(default_factory=list)
    acked: bool = False

    def wire(self) -> JsonDict:
        message: JsonDict = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            message["retry_attempt"] = self.retry_attempt
            message["retry_reason"] = self.retry_reason
        return message


@dataclass(frozen=True)
class Ack:
    """One acknowledgement the client sent: ``latency`` from the delivery it answers;
    ``late`` past Slack's 3 seconds; ``lost`` when the fake dropped it (see
    :meth:`SocketModeServer.lose_next_ack`), so Slack never counted it."""

    envelope_id: str
    payload: JsonDict | None
    at: float
    latency: float
    connection: int
    late: bool
    known: bool = True
    lost: bool = False


@dataclass
class SocketConnection:
    """One WebSocket connection: what went each way, and how it ended."""

    id: int
    opened_at: float
    sent: list[JsonDict] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    disconnect_reason: str | None = None
    closed_at: float | None = None
    ws: ServerConnection | None = field(default=None, repr=False)

    @property
    def open(self) -> bool:
        return self.closed_at is None


class SocketModeServer:
    """The fake's Socket Mode endpoint and what a test does with it."""

    def __init__(self, *, app_id: str, host: str, ack_timeout: float = ACK_TIMEOUT_SECONDS):
        self.app_id = app_id
        self.ack_timeout = ack_timeout
        self._host = host
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: dict[str, bool] = {}  # ticket -> used
        self._connections: list[SocketConnection] = []
        self._envelopes: dict[str, Envelope] = {}
        self._acks: list[Ack] = []
        self._lose_acks = 0
        self._timers: list[threading.Timer] = []

    # -- lifecycle ----------------------------------------------------------------------------

    def _ensure_started(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            from websockets.sync.server import serve

            server = serve(
                self._serve_connection,
                self._host,
                0,
                process_request=self._check_ticket,
                compression=None,  # Slack's clients do not ask for it
                server_header="fake-slack-socket-mode",
            )
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, name="fake-slack-socket-mode", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
        if server is None:
            return
        server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        self._ensure_started()
        assert self._server is not None
        return int(self._server.socket.getsockname()[1])

    def open_url(self) -> str:
        """A new single-use WebSocket URL (what ``apps.connections.open`` answers)."""
        self._ensure_started()
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets[ticket] = False
        return f"ws://{self._host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- the WebSocket side -------------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[0]
        with self._lock:
            if self._tickets.get(ticket) is not False:
                return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
            self._tickets[ticket] = True
        return None

    def _serve_connection(self, ws: ServerConnection) -> None:
        with self._lock:
            conn = SocketConnection(id=len(self._connections) + 1, opened_at=time.time(), ws=ws)
            self._connections.append(conn)
            num = sum(1 for c in self._connections if c.open)
            self._send(
                conn,
                {
                    "type": "hello",
                    "num_connections": num,
                    "debug_info": {
                        "host": f"applink-fake-{conn.id}",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                },
            )
            self._redeliver_pending(conn)
            self._changed.notify_all()
        try:
            for raw in ws:
                self._receive(conn, raw)
        except Exception:  # a dropped connection ends here like a closed one
            pass
        finally:
            with self._lock:
                conn.closed_at = time.time()
                conn.ws = None
                target = self._target()
                if target is not None:
                    self._redeliver_pending(target)
                self._changed.notify_all()

    def _send(self, conn: SocketConnection, message: JsonDict) -> bool:
        ws = conn.ws
        if ws is None:
            return False
        try:
            ws.send(json.dumps(message))
        except Exception:  # closing under our feet: the envelope stays pending
            return False
        conn.sent.append(message)
        return True

    def _receive(self, conn: SocketConnection, raw: str | bytes) -> None:
        now = time.time()
        try:
            message = json.loads(raw)
        except ValueError:
            message = raw
        lose = False
        with self._lock:
            conn.received.append(message)
            if not isinstance(message, dict) or "envelope_id" not in message:
                return
            envelope = self._envelopes.get(str(message["envelope_id"]))
            sent_at = envelope.deliveries[-1][1] if envelope and envelope.deliveries else now
            payload = message.get("payload")
            if self._lose_acks > 0 and envelope is not None:
                self._lose_acks -= 1
                lose = True
            elif envelope is not None:
                envelope.acked = True
            self._acks.append(
                Ack(
                    envelope_id=str(message["envelope_id"]),
                    payload=payload if isinstance(payload, dict) else None,
                    at=now,
                    latency=now - sent_at,
                    connection=conn.id,
                    late=now - sent_at > self.ack_timeout,
                    known=envelope is not None,
                    lost=lose,
                )
            )
            self._changed.notify_all()
        if lose and conn.ws is not None:
            conn.ws.close(1011, "connection lost")

    def _target(self) -> SocketConnection | None:
        """The newest open connection not told to go away: where envelopes go."""
        for conn in reversed(self._connections):
            if conn.open and conn.ws is not None and conn.disconnect_reason is None:
                return conn
        return None

    def _deliver(self, envelope: Envelope, conn: SocketConnection) -> None:
        if self._send(conn, envelope.wire()):
            envelope.deliveries.append((conn.id, time.time()))

    def _redeliver_pending(self, conn: SocketConnection) -> None:
        """Envelopes never acked and not in flight on an open connection go to ``conn``."""
        open_ids = {c.id for c in self._connections if c.open and c.ws is not None}
        for envelope in self._envelopes.values():
            if envelope.acked:
                continue
            if envelope.deliveries and envelope.deliveries[-1][0] in open_ids:
                continue
            if envelope.deliveries and envelope.type == "events_api":
                envelope.retry_attempt += 1
                envelope.retry_reason = "timeout"
            self._deliver(envelope, conn)

    # -- what a test does ---------------------------------------------------------------------

    def push(
        self,
        kind: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Envelope:
        """Push an envelope of ``kind`` (``events_api``, ``slash_commands``, ``interactive``)
        to the newest connection, or hold it until one opens; returns at once."""
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {kind!r}")
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands" or (
                kind == "interactive" and payload.get("type") in _RESPONDING_INTERACTIONS
            )
        envelope = Envelope(
            envelope_id=str(uuid.uuid4()),
            type=kind,
            payload=payload,
            accepts_response_payload=accepts_response_payload,
            pushed_at=time.time(),
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        with self._lock:
            self._envelopes[envelope.envelope_id] = envelope
            target = self._target()
            if target is not None:
                self._deliver(envelope, target)
        return envelope

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        """The first ack Slack counted for ``envelope_id`` (waits up to ``timeout``)."""

        def found() -> Ack | None:
            return next(
                (a for a in self._acks if a.envelope_id == envelope_id and not a.lost), None
            )

        with self._lock:
            if not self._changed.wait_for(found, timeout):
                raise TimeoutError(f"envelope {envelope_id} not acked within {timeout}s")
            ack = found()
            assert ack is not None
            return ack

    def send(self, kind: str, payload: JsonDict, *, timeout: float = 10.0, **options: Any) -> Ack:
        """Push an envelope and wait for its ack (with the ack's payload)."""
        return self.wait_ack(self.push(kind, payload, **options).envelope_id, timeout)

    def disconnect(self, reason: str = "refresh_requested", *, close_after: float = 5.0) -> int:
        """Send ``disconnect`` with ``reason`` on every open connection; each is closed by the
        fake after ``close_after`` seconds unless the client closed it first. Returns how many
        connections were told."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"unknown disconnect reason {reason!r}")
        told = 0
        with self._lock:
            for conn in self._connections:
                if conn.open and conn.ws is not None and conn.disconnect_reason is None:
                    conn.disconnect_reason = reason
                    self._send(
                        conn,
                        {
                            "type": "disconnect",
                            "reason": reason,
                            "debug_info": {"host": f"applink-fake-{conn.id}"},
                        },
                    )
                    timer = threading.Timer(close_after, self._close, args=(conn, 1001))
                    timer.daemon = True
                    self._timers.append(timer)
                    timer.start()
                    told += 1
        return told

    def drop(self) -> int:
        """Close every open connection at once, without a ``disconnect`` (a network drop)."""
        with self._lock:
            conns = [c for c in self._connections if c.open and c.ws is not None]
        for conn in conns:
            self._close(conn, 1011)
        return len(conns)

    def _close(self, conn: SocketConnection, code: int) -> None:
        ws = conn.ws
        if ws is not None:
            with contextlib.suppress(Exception):  # already gone
                ws.close(code, "closed by the fake")

    def lose_next_ack(self, times: int = 1) -> None:
        """The next ``times`` acks are lost in flight: the connection they came on closes and
        Slack, never having counted them, redelivers the envelopes on the next connection."""
        with self._lock:
            self._lose_acks += times

    def wait_connected(self, count: int = 1, timeout: float = 15.0) -> SocketConnection:
        """Wait until ``count`` connections were opened in all and one is open and not told to
        go away; returns that one."""

        def ready() -> SocketConnection | None:
            if len(self._connections) < count:
                return None
            return self._target()

        with self._lock:
            if not self._changed.wait_for(ready, timeout):
                raise TimeoutError(f"no Socket Mode connection #{count} within {timeout}s")
            conn = ready()
            assert conn is not None
            return conn

    def wait_closed(self, connection: int, timeout: float = 15.0) -> None:
        with self._lock:
            if not self._changed.wait_for(
                lambda: not self._connections[connection - 1].open, timeout
            ):
                raise TimeoutError(f"connection {connection} still open after {timeout}s")

    @property
    def connections(self) -> list[SocketConnection]:
        with self._lock:
            return list(self._connections)

    @property
    def envelopes(self) -> list[Envelope]:
        with self._lock:
            return list(self._envelopes.values())

    @property
    def acks(self) -> list[Ack]:
        with self._lock:
            return list(self._acks)

    def unacked(self, older_than: float = 0.0) -> list[Envelope]:
        """Envelopes Slack has no ack for, pushed at least ``older_than`` seconds ago (pass
        :data:`ACK_TIMEOUT_SECONDS` for the ones already past Slack's limit)."""
        now = time.time()
        with self._lock:
            return [
                e
                for e in self._envelopes.values()
                if not e.acked and now - e.pushed_at >= older_than
            ]

    def late_acks(self) -> list[Ack]:
        with self._lock:
            return [a for a in self._acks if a.late]


class SocketModeMethods(FakeState):
    """``apps.connections.open``, app-level tokens and ``fake.socket_mode``."""

    @cached_property
    def socket_mode(self) -> SocketModeServer:
        """The Socket Mode endpoint (its WebSocket server starts on first use)."""
        return SocketModeServer(app_id=self.app_id, host=self._host)

    def add_app_token(self, token: str = "xapp-1-A0LANE-1-test") -> str:
        """Accept ``token`` as this app's app-level token (``xapp-…``); returns it."""
        if not token.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        with self._lock:
            self._tokens[token] = _AppIdentity(self.bot_user_id, None, app_id=self.app_id)
        return token

    def _check_token_type(self, method: str, who: _Identity) -> None:
        """Slack's ``not_allowed_token_type``: an app-level token only opens connections, and
        only an app-level token may."""
        if isinstance(who, _AppIdentity) != (method in APP_TOKEN_METHODS):
            raise SlackError("not_allowed_token_type")

    def _apps_connections_open(self, args: JsonDict, who: _Identity) -> JsonDict:
        if not isinstance(who, _AppIdentity):
            raise SlackError("not_allowed_token_type")
        return {"url": self.socket_mode.open_url()}

    def _stop_socket_mode(self) -> None:
        if "socket_mode" in self.__dict__:
            self.socket_mode.stop()


__all__ = [
    "ACK_TIMEOUT_SECONDS",
    "Ack",
    "Envelope",
    "SocketConnection",
    "SocketModeMethods",
    "SocketModeServer",
]
