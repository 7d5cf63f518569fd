"""Socket Mode: the same Bolt app, reached through Slack's WebSocket instead of HTTP.

Bolt checks signatures only of HTTP requests (its verification middleware skips
``mode="socket_mode"``), so Socket Mode needs no ``SLACK_SIGNING_SECRET``: the app is built with
a placeholder when none is set. The WebSocket URL comes from ``apps.connections.open`` called with
the app-level token through the bot's own Web API client, so ``SLACK_API_URL`` applies to it too.

One fix over slack_sdk's built-in client (seen against the fake Slack, slack_sdk 3.48): when Slack
asks for a new connection (``disconnect``, reason ``refresh_requested`` or ``warning``), the client
opens the new one, then closes the old one under the lock its reader holds while it blocks in
``recv`` for up to 3 seconds, and reads nothing from the new connection meanwhile: the first
envelopes after every refresh were acked 3 s late, past Slack's limit. Here the old socket is shut
down first, which ends that ``recv`` at once. And when Slack closes the connection itself, the
client asked whether it was still connected before marking it closed, so it reconnected only at
its next health check, up to 10 s later: here it checks again right after.

Stopping (``lanekeeper socket`` on SIGTERM, :meth:`PromptRefreshClient.close_gracefully`): no new
envelope is taken, the ones being handled are acknowledged on the open connection, then the
WebSocket is closed with a close frame (1000, normal closure) instead of a dropped TCP connection.
Envelopes Slack sent meanwhile stay unacknowledged, and Slack sends them again to the next
connection (another process, or this one restarted).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.frame_header import FrameHeader
from slack_sdk.socket_mode.builtin.internals import _build_data_frame_for_sending

if TYPE_CHECKING:
    from ..bootstrap import Container

log = logging.getLogger(__name__)

#: Never used to check anything: Bolt skips signature checks in Socket Mode.
UNSIGNED = "socket-mode-does-not-sign"
NORMAL_CLOSURE = 1000


class PromptRefreshClient(SocketModeClient):
    """slack_sdk's built-in client, closing a replaced connection without waiting for its
    reader's 3 s receive timeout."""

    def connect(self) -> None:
        old = self.current_session
        if old is not None:
            close = old.close

            def close_now() -> None:
                sock = old.sock
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv
                close()

            old.close = close_now  # type: ignore[method-assign]
        super().connect()

    def _on_close(self, code: int, reason: str | None = None) -> None:
        super()._on_close(code, reason)
        if self.auto_reconnect_enabled and not self.closed:
            timer = threading.Timer(0.2, self._reconnect_if_down)
            timer.daemon = True
            timer.start()

    def close_gracefully(self) -> None:
        """Take no new envelope, let those in progress be acknowledged, then close the
        connection with a WebSocket close frame."""
        self.auto_reconnect_enabled = False
        self.closed = True  # the dispatcher stops after its current wait (at most 1 s)
        if self.message_processor.is_alive():
            self.message_processor.shutdown()
        self.message_workers.shutdown(wait=True)  # envelopes handed to Bolt: acked by now
        session = self.current_session
        sock = session.sock if session is not None else None
        if session is not None and sock is not None:
            frame = _build_data_frame_for_sending(
                struct.pack("!H", NORMAL_CLOSURE) + b"stopping", FrameHeader.OPCODE_CLOSE
            )
            with contextlib.suppress(OSError), session.sock_send_lock:
                sock.sendall(frame)
            # Slack answers with its own close frame; the reader then drops the socket.
            deadline = time.monotonic() + 2.0
            while session.is_active() and time.monotonic() < deadline:
                time.sleep(0.02)
        self.close()

    def _reconnect_if_down(self) -> None:
        if self.auto_reconnect_enabled and not self.closed and not self.is_connected():
            self.logger.info("Slack closed the connection; reconnecting now")
            self.connect_to_new_endpoint()


class LanekeeperSocketModeHandler(SocketModeHandler):
    """Bolt's built-in Socket Mode handler with :class:`PromptRefreshClient`."""

    def __init__(self, app: App, app_token: str, *, concurrency: int) -> None:
        self.app = app
        self.app_token = app_token
        self.client = PromptRefreshClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=10,
            concurrency=concurrency,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        self.prompt_client = self.client

    def stop(self) -> None:
        """Stop cleanly (SIGTERM): see :meth:`PromptRefreshClient.close_gracefully`."""
        self.prompt_client.close_gracefully()


def socket_mode_handler(container: Container, app_token: str) -> LanekeeperSocketModeHandler:
    """A handler for ``container``'s Bolt app; ``connect()`` it, or ``start()`` to block."""
    if not container.settings.slack_signing_secret:
        container.settings.slack_signing_secret = UNSIGNED
    return LanekeeperSocketModeHandler(
        container.bolt(),
        app_token,
        # Each envelope holds one of these threads until Bolt's ack (PITFALLS: a small pool
        # queues acks past 3 s under load): as many as the listener threads.
        concurrency=container.settings.lanekeeper_listener_threads,
    )
