"""The listener pools (issue 14, item 4): events and replies never run on the ack pool; a reply
backlog is bounded; a listener that would ack after Slack gave up does nothing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.slack.errors import guarded
from bot.slack.executor import RECEIVED, LeanPool, ListenerExecutor, ReplyPool, route_events


class _Ack:
    response = None

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.response = "acked"


def test_a_listener_that_starts_after_the_ack_deadline_does_nothing() -> None:
    done: list[str] = []

    @guarded
    def listener(ack: Any, body: dict[str, Any]) -> None:
        ack()
        done.append("focus started")

    late = {RECEIVED: time.monotonic() - 2.6}
    listener(ack=_Ack(), body={}, client=None, context=late)
    assert done == []  # Slack already told the person it failed: nothing happens
    listener(ack=_Ack(), body={}, client=None, context={RECEIVED: time.monotonic()})
    assert done == ["focus started"]


def test_events_run_on_the_event_pool_and_acks_on_their_own() -> None:
    executor = ListenerExecutor(1)
    seen: list[str] = []
    gate = threading.Event()

    def slow_event() -> None:
        gate.wait(5)

    def submit_as(body: dict[str, Any], fn: Any) -> None:
        route_events(body=body, context={}, next=lambda: executor.submit(fn))

    submit_as({"type": "event_callback"}, slow_event)  # holds the event pool's one thread
    submit_as({"type": "block_actions"}, lambda: seen.append(threading.current_thread().name))
    assert executor.wait_idle(0.5) is False  # the event still runs …
    deadline = time.monotonic() + 2
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen and seen[0].startswith("listener")  # … but the ack ran at once, on its pool
    gate.set()
    assert executor.wait_idle(2)
    executor.shutdown()


def test_a_full_reply_backlog_drops_replies_and_says_why() -> None:
    pool = ReplyPool(1, backlog=2)
    gate = threading.Event()
    dropped: list[str] = []
    assert pool.submit(lambda: gate.wait(5), on_drop=dropped.append)
    assert pool.submit(lambda: None, on_drop=dropped.append)
    assert not pool.submit(lambda: None, on_drop=dropped.append)
    assert dropped == ["too many replies waiting for Slack"]
    gate.set()
    deadline = time.monotonic() + 2
    while pool.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.busy == 0


def test_a_reply_that_waited_too_long_is_dropped() -> None:
    pool = ReplyPool(1, backlog=5, max_age=0.05)
    gate = threading.Event()
    sent: list[int] = []
    dropped: list[str] = []
    pool.submit(lambda: gate.wait(5), on_drop=dropped.append)
    pool.submit(lambda: sent.append(1), on_drop=dropped.append)
    time.sleep(0.1)
    gate.set()
    deadline = time.monotonic() + 2
    while pool.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent == [] and dropped == ["Slack answered too slowly; the reply would be stale"]


def _bolt_with_pools(api_url: str) -> tuple[Any, ListenerExecutor, dict[str, list[str]]]:
    """A real Bolt app wired the way bot/slack/app.py wires it: the executor and the middleware."""
    from slack_bolt import App
    from slack_sdk import WebClient

    executor = ListenerExecutor(2, event_workers=2)
    app = App(
        client=WebClient(token="xoxb-test", base_url=api_url),
        signing_secret="secret",
        listener_executor=executor,
        token_verification_enabled=False,
    )
    app.use(route_events)
    ran: dict[str, list[str]] = {"message": [], "command": []}

    @app.event("message")
    def on_message() -> None:
        ran["message"].append(threading.current_thread().name)

    @app.command("/focus")
    def on_focus(ack: Any) -> None:
        ack()
        ran["command"].append(threading.current_thread().name)

    return app, executor, ran


def _dispatch(app: Any, body: str, content_type: str) -> Any:
    from slack_bolt.request import BoltRequest

    from bot.testing._signing import signed_headers

    headers = {"content-type": content_type, **signed_headers("secret", body)}
    return app.dispatch(BoltRequest(body=body, headers=headers))


def test_through_bolt_a_message_event_runs_on_the_event_pool_and_a_command_on_the_ack_pool() -> (
    None
):
    """Bolt runs the global middleware first and submits the listener only after they all
    returned: the mark ``route_events`` sets must still be there when Bolt submits."""
    import json
    from urllib.parse import urlencode

    from bot.testing.fake_slack import FakeSlack

    fake = FakeSlack(bot_token="xoxb-test", team_id="T0LANE").start()
    app, executor, ran = _bolt_with_pools(fake.api_url)
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0LANE",
            "event_id": "Ev1",
            "event": {"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"},
        }
    )
    command = urlencode(
        {"command": "/focus", "text": "", "user_id": "U1", "team_id": "T0LANE", "channel_id": "C1"}
    )
    try:
        for _ in range(2):  # in turn on one thread: the mark of one request never leaks
            assert _dispatch(app, event, "application/json").status == 200
            assert _dispatch(app, command, "application/x-www-form-urlencoded").status == 200
        assert executor.wait_idle(5)
        assert len(ran["message"]) == 2 and len(ran["command"]) == 2
        assert all(name.startswith("event") for name in ran["message"]), ran
        assert all(name.startswith("listener") for name in ran["command"]), ran
    finally:
        executor.shutdown()
        fake.stop()


def test_lean_pool_runs_work_hands_back_results_and_errors_and_stops_after_queued_work() -> None:

    pool = LeanPool(3, "t")
    assert pool.submit(lambda a, b=0: a + b, 2, b=3).result(5) == 5
    boom = pool.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        boom.result(5)
    gate = threading.Event()
    started = [pool.submit(gate.wait, 5) for _ in range(3)]  # every thread busy
    waiting = pool.submit(lambda: "ran")
    dropped = pool.submit(lambda: "never")
    assert not waiting.done()
    dropped.cancel()
    gate.set()
    assert waiting.result(5) == "ran" and dropped.cancelled()
    assert all(f.result(5) for f in started)
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)


def test_lean_pool_submits_do_not_share_a_lock_with_other_pools() -> None:
    """ThreadPoolExecutor.submit takes one lock shared by every pool in the process
    (concurrent.futures.thread._global_shutdown_lock); held elsewhere, it blocks every submit.
    A LeanPool's submit must not wait for it (issue 19)."""
    import concurrent.futures.thread as cft

    pool = LeanPool(2, "t")
    with cft._global_shutdown_lock:
        done = threading.Event()
        threading.Thread(target=lambda: (pool.submit(done.set), None), daemon=True).start()
        assert done.wait(5)
    pool.shutdown()


def test_lean_pool_starts_threads_only_as_work_needs_them_and_ends_them_when_dropped() -> None:
    import gc

    before = threading.active_count()
    pool = LeanPool(64, "lazy")
    assert threading.active_count() == before  # nothing started up front
    for _ in range(20):
        pool.submit(time.sleep, 0).result(5)  # one at a time: one thread is enough
    assert threading.active_count() - before <= 2
    gate = threading.Event()
    busy = [pool.submit(gate.wait, 5) for _ in range(10)]
    deadline = time.monotonic() + 5
    while threading.active_count() - before < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() - before >= 10  # ten at once: ten threads
    gate.set()
    assert all(f.result(5) for f in busy)
    del pool, busy
    gc.collect()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before  # a dropped pool's threads end
