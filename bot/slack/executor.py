"""Bolt's listener pool, sized on purpose, kept for acks, and able to say when it is idle.

Slow outbound calls must never starve the threads that ack (PITFALLS: with ``chat.postEphemeral``
answering in 5 s and 50 intercepted messages a second, slash commands queued behind the replies
and missed Slack's 3 s — while the ``/focus`` they carried still took effect). So three pools:

- the **ack pool** runs commands, clicks and view submissions, which Slack needs acked in 3 s;
- the **event pool** runs Events API listeners, which Bolt acks before they run (a middleware,
  :func:`route_events`, tells the executor which kind of request it is submitting for);
- the **reply pool** (:class:`ReplyPool`) sends fire-and-forget replies such as interception
  offers: a few threads and a bounded backlog, so a slow Slack drops late replies (recorded by
  the caller) instead of queueing them for minutes or holding listener threads.

"Idle" (all three) is how tests, the demo and a graceful shutdown know that work acknowledged to
Slack has finished.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

_route = threading.local()
RECEIVED = "lanekeeper_received"  # context key: when the request reached the app (monotonic)
# Context key (LANEKEEPER_DELIVERY=worker): seconds the request waited, acked, for the worker.
WAITED = "lanekeeper_waited"


def route_events(body: dict[str, Any], context: dict[str, Any], next: Callable[[], Any]) -> Any:
    """Bolt global middleware: stamp when the request arrived, and mark Events API requests so
    their listeners run on the event pool.

    Middleware and the submit run on the same thread, but Bolt submits the listener only after
    every global middleware has *returned* (``next`` merely records that it was called): the
    mark must outlive this function. The executor's ``submit`` takes it (reads and clears it),
    and every request sets it afresh here. (Cleared in a ``finally``, it was gone before the
    submit and every event listener ran on the ack pool, issue 19.)"""
    context[RECEIVED] = time.monotonic()
    _route.events = isinstance(body, dict) and body.get("type") == "event_callback"
    return next()


def _take_event_mark() -> bool:
    """Whether the request this thread is dispatching is an event; the mark is used once."""
    events = bool(getattr(_route, "events", False))
    _route.events = False
    return events


_Work = tuple[Future[Any], Callable[[], Any]] | None


class LeanPool:
    """A pool of up to ``workers`` threads fed by a ``queue.SimpleQueue``: what these pools need
    of ``ThreadPoolExecutor`` without its cost under load.

    ``ThreadPoolExecutor.submit`` takes ``concurrent.futures.thread._global_shutdown_lock``, one
    lock shared by every pool in the process. Under load, with ~150 threads contending for the
    GIL, each hand-over of that lock waited on the GIL (a lock convoy): a profile of
    ``lanekeeper deliver`` at 200 interceptions/s found the message listeners spending 23% of
    their time waiting in ``submit`` to queue their reply, and the replies fell seconds behind
    (issue 19). Here a submit is one ``SimpleQueue.put`` and a look at an idle count; a thread
    is started only when none is idle (under this pool's own lock, never a shared one). The
    threads hold the queue, not the pool: a pool that is dropped without ``shutdown`` ends its
    idle threads when it is collected, as ``ThreadPoolExecutor`` does.
    """

    def __init__(self, workers: int, name: str) -> None:
        self.workers = workers
        self.name = name
        self._queue: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = [0]  # shared with the threads (a list: they must not hold the pool)
        self._closed = False
        self._finalizer = weakref.finalize(self, _stop_threads, self._queue, self._threads)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._closed:
            raise RuntimeError("cannot schedule new work after shutdown")
        future: Future[Any] = Future()
        self._queue.put((future, lambda: fn(*args, **kwargs)))
        # More work queued than threads waiting for it: start one (the idle count is a hint;
        # comparing with the queue's length keeps a drifted count from stranding work).
        if self._queue.qsize() > self._idle[0] and len(self._threads) < self.workers:
            with self._lock:
                if self._queue.qsize() > self._idle[0] and len(self._threads) < self.workers:
                    thread = threading.Thread(
                        target=_work,
                        args=(self._queue, self._idle),
                        name=f"{self.name}-{len(self._threads)}",
                        daemon=True,
                    )
                    thread.start()
                    self._threads.append(thread)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop after the work already queued (``cancel_futures``: drop what has not started)."""
        if self._closed:
            return
        self._closed = True
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        self._finalizer.detach()
        with self._lock:
            threads = list(self._threads)
        _stop_threads(self._queue, threads)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()


def _work(work: queue.SimpleQueue[_Work], idle: list[int]) -> None:
    while True:
        idle[0] += 1  # only a hint for submit (racy increments cost at most an extra thread)
        item = work.get()
        idle[0] -= 1
        if item is None:
            return
        future, call = item
        if not future.set_running_or_notify_cancel():
            continue
        try:
            result = call()
        except BaseException as exc:  # handed to whoever holds the future, as a pool does
            future.set_exception(exc)
        else:
            future.set_result(result)
        del item, future, call


def _stop_threads(work: queue.SimpleQueue[_Work], threads: list[threading.Thread]) -> None:
    for _ in threads:
        work.put(None)


class _Counted:
    def __init__(self) -> None:
        self._busy = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self._busy += 1

    def _leave(self) -> None:
        with self._lock:
            self._busy -= 1

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy


class ReplyPool(_Counted):
    """A bounded pool for replies nobody waits on: at most ``backlog`` queued or running; a
    reply that cannot be queued, or that waited longer than ``max_age`` seconds, is dropped and
    ``on_drop(reason)`` is called instead (the caller records it)."""

    def __init__(self, workers: int = 8, *, backlog: int = 200, max_age: float = 30.0) -> None:
        super().__init__()
        self._pool = LeanPool(workers, "reply")
        self._slots = threading.BoundedSemaphore(backlog)
        self.max_age = max_age

    def submit(self, fn: Callable[[], Any], *, on_drop: Callable[[str], Any]) -> bool:
        if not self._slots.acquire(blocking=False):
            _safely(on_drop, "too many replies waiting for Slack")
            return False
        queued = time.monotonic()
        self._enter()
        ctx = contextvars.copy_context()  # the workspace in scope, among others

        def run() -> None:
            try:
                if time.monotonic() - queued > self.max_age:
                    _safely(on_drop, "Slack answered too slowly; the reply would be stale")
                    return
                fn()
            except Exception:
                log.exception("a reply failed")
            finally:
                self._slots.release()
                self._leave()

        self._pool.submit(ctx.run, run)
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _safely(fn: Callable[[str], Any], reason: str) -> None:
    try:
        fn(reason)
    except Exception:
        log.exception("recording a dropped reply failed")


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's ``listener_executor`` (Bolt wants an ``Executor``): the ack, event and reply
    pools, each a :class:`LeanPool`; the base class's own pool is never used."""

    def __init__(
        self,
        max_workers: int,
        *,
        event_workers: int | None = None,
        # 200 offers a second to a Slack answering in 100 ms keep 20 in flight: 8 threads
        # capped replies at 80 a second and the rest were dropped as stale (issue 19).
        reply_workers: int = 32,
        reply_backlog: int = 200,
    ) -> None:
        super().__init__(max_workers=1, thread_name_prefix="listener-unused")
        self._count = _Counted()
        self.acks = LeanPool(max_workers, "listener")
        self.events = LeanPool(event_workers or max_workers, "event")
        self.replies = ReplyPool(reply_workers, backlog=reply_backlog)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._count._enter()
        ctx = contextvars.copy_context()  # the workspace in scope, among others

        def run() -> Any:
            try:
                return ctx.run(fn, *args, **kwargs)
            finally:
                self._count._leave()

        if _take_event_mark():
            return self.events.submit(run)
        return self.acks.submit(run)

    @property
    def busy(self) -> int:
        return self._count.busy + self.replies.busy

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.busy

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.replies.shutdown()
        self.events.shutdown(wait=wait, cancel_futures=cancel_futures)
        self.acks.shutdown(wait=wait, cancel_futures=cancel_futures)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
