"""Waking ``lanekeeper deliver`` (LANEKEEPER_DELIVERY=separate): the web process NOTIFYs a
PostgreSQL channel after commits that stored outbox rows, and the deliver process LISTENs on it
and wakes its :class:`~bot.adapters.outbox.OutboxDeliverer` workers (on SQLite they poll)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

CHANNEL = "lanekeeper_outbox"
# Slack requests stored for the worker (LANEKEEPER_DELIVERY=worker, bot/adapters/inbox.py): a
# channel of its own, so that a stored request wakes the request handler only, and a stored
# post the outbox's workers only (issue 19: with one channel, every store of requests set every
# outbox worker claiming, a fifth of the deliver process's time at 200 requests/s).
INBOX_CHANNEL = "lanekeeper_inbox"


class OutboxNotifier:
    """NOTIFY ``CHANNEL`` after commits that stored outbox rows, from one background thread:
    the committing request only sets a flag, and a burst of commits becomes one NOTIFY (a
    listener drains everything due when woken). A failed NOTIFY is logged; the deliver
    process's poll sends the posts anyway."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._pending = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = 0

    def notify(self) -> None:
        self._pending.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, name="outbox-notify", daemon=True
                    )
                    self._thread.start()

    def _loop(self) -> None:
        from sqlalchemy import text

        while True:
            self._pending.wait()
            self._pending.clear()
            try:
                with self.engine.connect() as conn:
                    conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
                    conn.commit()
                self.sent += 1
            except SQLAlchemyError as exc:
                log.warning("could not NOTIFY the deliver process: %s", type(exc).__name__)
                time.sleep(1.0)


class OutboxListener:
    """LISTEN on ``CHANNEL`` (its own connection, outside the pool) and call ``wake`` for each
    notification, and on each channel of ``also`` its own callable; reconnects after a lost
    connection (waking every one once, a notification may have been missed). ``stop`` ends it
    within ``timeout`` seconds."""

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        timeout: float = 1.0,
        *,
        also: dict[str, Callable[[], None]] | None = None,
    ) -> None:
        self.url = url
        self.wake = wake
        self.wakes: dict[str, Callable[[], None]] = {CHANNEL: wake, **(also or {})}
        self.timeout = timeout
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-listen", daemon=True)

    def start(self) -> OutboxListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 5)

    def _loop(self) -> None:
        import psycopg

        delay = 1.0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    for channel in self.wakes:
                        conn.execute(f"LISTEN {channel}")
                    self.listening.set()
                    for wake in self.wakes.values():
                        wake()  # anything stored while we were not listening
                    delay = 1.0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self.timeout):
                            self.wakes.get(note.channel, self.wake)()
                            if self._stop.is_set():
                                break
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning(
                    "outbox LISTEN connection lost (%s); polling, reconnecting in %.0f s",
                    type(exc).__name__,
                    delay,
                )
                self._stop.wait(delay)
                delay = min(30.0, delay * 2)
        self.listening.clear()
