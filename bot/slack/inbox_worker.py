"""The worker's half of LANEKEEPER_DELIVERY=worker: Slack requests that ``serve`` stored and
acked (bot/adapters/inbox.py) are run through the same Bolt app here, in ``lanekeeper deliver``.

Each stored request is dispatched to Bolt as it arrived, minus the signature check (``serve``
checked it; this Bolt app has request verification off and takes no HTTP). Listeners run exactly
as in ``serve``: interception replies, clicks, commands, App Home. What a slash command's ack
would have shown the person (``ack("Focus on until 14:00")``) goes to the command's
``response_url`` instead, because the HTTP answer was already given. A request is deleted once
Bolt has acknowledged it; a worker that dies before that leaves it to the next one when its lease
runs out, so a request is handled at least once (the listeners' own keys make a repeat harmless:
event ids, interception per message, versioned escalations).
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.webhook import WebhookClient

from .executor import WAITED, LeanPool

log = logging.getLogger(__name__)


class Inbox(Protocol):
    def claim(self, count: int) -> list[Any]: ...
    def done(self, ids: list[int]) -> None: ...
    def release(self, ids: list[int]) -> None: ...


MESSAGES_PER_TASK = 8


@dataclass(frozen=True)
class MessageBatches:
    """Channel message events decided many at a time, beside the Bolt app
    (:meth:`~bot.slack.interception.MessageInterceptor.handle_batch`): ``accepts`` a stored
    request's parsed body, ``handle`` a list of (body, seconds waited) in one transaction,
    deciding each alone itself when that fails."""

    accepts: Callable[[dict[str, Any]], bool]
    handle: Callable[[list[tuple[dict[str, Any], float]]], None]


class InboxWorker:
    def __init__(
        self,
        inbox: Inbox,
        bolt: App,
        *,
        threads: int = 16,
        batch: int = 32,
        messages: MessageBatches | None = None,
    ) -> None:
        self.inbox = inbox
        self.bolt = bolt
        self.messages = messages
        self.threads = threads
        self.batch = batch
        self._pool: LeanPool | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished: list[int] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(threads * 2)

    def wake(self) -> None:
        self._wake.set()

    def start(self, *, interval: float = 1.0) -> None:
        if self._thread is not None:
            return
        self._pool = LeanPool(self.threads, "inbox")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="inbox", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Requests being handled finish; claimed ones not started go back at once."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._flush()

    def run_once(self) -> int:
        """Claim and dispatch one batch of what is waiting, on the calling thread (tests)."""
        items = self.inbox.claim(self.batch)
        batched, rest = self._split(items)
        if batched:
            self._handle_messages(batched)
        for item in rest:
            self._handle(item)
        self._flush()
        return len(items)

    def _split(self, items: list[Any]) -> tuple[list[tuple[Any, dict[str, Any]]], list[Any]]:
        """The channel message events :attr:`messages` takes, and the rest (for Bolt)."""
        if self.messages is None:
            return [], items
        batched, rest = [], []
        for item in items:
            body = None
            if item.kind == "message" and item.content_type.startswith("application/json"):
                try:
                    body = json.loads(item.body)
                except ValueError:
                    body = None
            if isinstance(body, dict) and self.messages.accepts(body):
                batched.append((item, body))
            else:
                rest.append(item)
        return batched, rest

    def _handle_messages(self, batched: list[tuple[Any, dict[str, Any]]]) -> None:
        """Decide the batch (its own failures are handled there, each message alone); what
        still escapes is logged and the requests are done, as a listener's error is."""
        assert self.messages is not None
        now = datetime.now(UTC)
        try:
            self.messages.handle(
                [(body, (now - item.received_at).total_seconds()) for item, body in batched]
            )
        except Exception:
            log.exception("handling %s stored messages failed", len(batched))
        finally:
            with self._lock:
                self._finished.extend(item.id for item, _body in batched)

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            got = 0
            try:
                got = self._round()
            except Exception:  # a database hiccup must not end the worker
                log.exception("claiming Slack requests failed")
                self._stop.wait(1.0)
            self._flush()
            if got < self.batch:  # a full batch means more may wait: claim again at once
                self._wake.wait(interval)
                self._wake.clear()

    def _round(self) -> int:
        claimed = self.inbox.claim(self.batch)
        pool = self._pool
        assert pool is not None
        batched, items = self._split(claimed)
        # A few tasks of a few messages each, every one a transaction (MessageBatches). One
        # task for a whole claim, its thread's share of the GIL beside the clicks' and commands'
        # listeners was all the messages got: in the 200 requests/s mix their offers waited
        # 1.8 s at p50 (issue 19).
        for i in range(0, len(batched), MESSAGES_PER_TASK):
            self._slots.acquire()
            chunk = batched[i : i + MESSAGES_PER_TASK]
            pool.submit(contextvars.Context().run, self._run_messages, chunk)
        for i, item in enumerate(items):
            if self._stop.is_set():
                self.inbox.release([it.id for it in items[i:]])
                return len(claimed)
            self._slots.acquire()  # at most two requests queued per thread: the rest stay
            # in the database, where another worker process can take them
            # Each request runs in a fresh context: no workspace scope leaks between them.
            pool.submit(contextvars.Context().run, self._run, item)
        return len(claimed)

    def _run(self, item: Any) -> None:
        try:
            self._handle(item)
        finally:
            self._slots.release()

    def _run_messages(self, batched: list[tuple[Any, dict[str, Any]]]) -> None:
        try:
            self._handle_messages(batched)
        finally:
            self._slots.release()

    def _handle(self, item: Any) -> None:
        try:
            waited = (datetime.now(UTC) - item.received_at).total_seconds()
            request = BoltRequest(
                body=item.body,
                headers={"content-type": [item.content_type]},
                context={WAITED: waited},
                mode="http",
            )
            response = self.bolt.dispatch(request)
            if response.status != 200:
                log.warning(
                    "a stored Slack %s was answered %s by the app", item.kind, response.status
                )
            elif item.kind == "command" and response.body:
                _respond(item.body, response.body)
        except Exception:
            log.exception("handling a stored Slack %s failed", item.kind)
        finally:
            with self._lock:
                self._finished.append(item.id)

    def _flush(self) -> None:
        with self._lock:
            ids, self._finished = self._finished, []
        if ids:
            try:
                self.inbox.done(ids)
            except Exception:
                log.exception("could not delete %s handled Slack requests", len(ids))
                with self._lock:
                    self._finished.extend(ids)


def _respond(form_body: str, ack_body: str) -> None:
    """A slash command's ack content, sent to its response_url (ephemeral unless it says)."""
    url = (parse_qs(form_body).get("response_url") or [""])[0]
    if not url:
        return
    try:
        message = json.loads(ack_body)
    except ValueError:
        message = {"text": ack_body}
    if not isinstance(message, dict):
        return
    try:
        answer = WebhookClient(url, timeout=10).send_dict(message)
        if answer.status_code != 200:
            log.warning("the response URL answered %s to a command's reply", answer.status_code)
    except Exception as exc:
        log.warning("could not send a command's reply to its response URL: %s", type(exc).__name__)
