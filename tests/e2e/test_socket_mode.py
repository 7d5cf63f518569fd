"""The end-to-end story of HTTP mode, through Socket Mode: the fake Slack's WebSocket endpoint,
the real Bolt Socket Mode handler, on each database — in process (fine-grained) and against
``lanekeeper socket`` started as a real process.

The story: ``/escalate`` and its modal; Take, Waiting, Resume; Resolve refused without the whole
definition of done, then accepted; a request to a protected person intercepted, offered, routed;
an escalation that needs approval, approved. Along the way Slack refreshes the connection
(``disconnect``) and an ack is lost in flight so the envelope is redelivered on the new
connection: every envelope is acked within 3 seconds, nothing is done twice, and the app keeps
serving.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.models import Escalation, Interception, OutboxMessage
from bot.bootstrap import build
from bot.config.loader import load_config
from bot.settings import Settings
from bot.slack.socket_mode import socket_mode_handler
from bot.testing._fake_socket_mode import ACK_TIMEOUT_SECONDS
from bot.testing.fake_slack import FakeSlack
from bot.testing.socket_requests import SocketModeSimulator
from tests.conftest import FIXTURES
from tests.e2e.conftest import BOT_TOKEN, TEAM, FakeClock, Harness
from tests.e2e.test_lifecycle import block

APP_TOKEN = "xapp-1-A0LANE-1-socket-test"
LANES = FIXTURES / "lanes.yaml"


def eventually(check: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what or check}")
        time.sleep(0.05)


class ProcessHarness(Harness):
    """The app runs in another process: settle by watching the database and the fake."""

    def settle(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            with self.container.sessions() as s:
                pending = s.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                    )
                )
            calls = len(self.fake.calls)
            if calls != seen:
                seen, quiet_since = calls, time.monotonic()
            if not pending and time.monotonic() - quiet_since > 0.4:
                return
            time.sleep(0.05)
        raise AssertionError("outbox did not settle")


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture
def socket_app(db_url: str, fake_slack: FakeSlack) -> Iterator[Harness]:
    """The app in this process, connected through the fake's Socket Mode endpoint; no
    signing secret anywhere."""
    fake_slack.add_app_token(APP_TOKEN)
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=None,
        slack_api_url=fake_slack.api_url,
        database_url=db_url,
        lanekeeper_config=str(LANES),
        lanekeeper_listener_threads=16,
    )
    container = build(settings, config=load_config(LANES), clock=FakeClock())
    container.deliverer.start(interval=0.2)
    handler = socket_mode_handler(container, APP_TOKEN)
    handler.connect()
    fake_slack.socket_mode.wait_connected()
    slack = SocketModeSimulator(fake_slack, team_id=TEAM)
    try:
        yield Harness(
            url="socket-mode", fake=fake_slack, slack=slack, container=container, clock=FakeClock()
        )
    finally:
        handler.close()
        slack.close()
        container.close()


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_"))
    }
    env.update(extra)
    return env


@pytest.fixture
def socket_process(
    db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> Iterator[tuple[ProcessHarness, subprocess.Popen[str]]]:
    """``lanekeeper socket`` as a real process: only SLACK_BOT_TOKEN and SLACK_APP_TOKEN."""
    fake_slack.add_app_token(APP_TOKEN)
    log = (tmp_path / "socket.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lanekeeper", "socket"],
        cwd=tmp_path,
        env=_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL=fake_slack.api_url,
            DATABASE_URL=db_url,
            LANEKEEPER_CONFIG=str(LANES),
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Read-only view of the same database for the assertions (its deliverer never started).
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_api_url=fake_slack.api_url,
        database_url=db_url,
        lanekeeper_config=str(LANES),
    )
    container = build(settings, config=load_config(LANES))
    slack = SocketModeSimulator(fake_slack, team_id=TEAM)
    harness = ProcessHarness(
        url="socket-mode", fake=fake_slack, slack=slack, container=container, clock=FakeClock()
    )
    try:
        try:
            fake_slack.socket_mode.wait_connected(timeout=30)
        except TimeoutError:
            proc.kill()
            pytest.fail(
                "lanekeeper socket never connected:\n" + (tmp_path / "socket.log").read_text()
            )
        yield harness, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        slack.close()
        container.engine.dispose()


# ---------------------------------------------------------------------------------- story


def escalations(app: Harness) -> list[Escalation]:
    return app.escalations()


def lane_posts(app: Harness, number: int) -> list[Any]:
    esc = app.escalation(number)
    return [
        c
        for c in app.fake.calls_to("chat.postMessage")
        if c.ok and c.response.get("ts") == esc.lane_ts
    ]


def open_escalate(app: Harness, text: str, user: str = "U01REQ") -> dict[str, Any]:
    before = len(app.fake.calls_to("views.open"))
    resp = app.slack.slash_command("/escalate", text=text, user=user, channel="C01GENERAL")
    assert resp.status_code == 200
    opened = app.fake.wait_for("views.open", count=before + 1)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    return view


def submit(app: Harness, view: dict[str, Any], user: str, **values: Any) -> Any:
    resp = app.slack.submit_view(view["id"], user=user, values=values)
    assert resp.status_code == 200
    return resp


def click_lane(app: Harness, number: int, action_id: str, user: str) -> None:
    esc = app.escalation(number)
    resp = app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id=action_id, user=user
    )
    assert resp.status_code == 200
    app.settle()


def status(app: Harness, number: int, expected: str) -> Escalation:
    return eventually(
        lambda: (e := app.escalation(number)).status == expected and e,
        what=f"ESC-{number} {expected}",
    )


def lifecycle(app: Harness, *, refresh_midway: bool) -> None:
    """ESC-1 from /escalate to resolved; with ``refresh_midway`` Slack asks for a new connection
    between Take and Waiting."""
    view = open_escalate(app, "alert P2 Backups failed three nights")
    assert block(view, "lane")["element"]["initial_option"]["value"] == "alert"
    submit(app, view, "U01REQ", client="Acme Dental")
    app.settle()
    esc = status(app, 1, "open")
    assert (esc.lane, esc.severity, esc.client) == ("alert", "P2", "Acme Dental")
    assert len(lane_posts(app, 1)) == 1

    click_lane(app, 1, "esc_take", "U01TECH3")
    assert status(app, 1, "acknowledged").owner == "U01TECH3"

    if refresh_midway:
        sm = app.fake.socket_mode
        before = len(sm.connections)
        assert sm.disconnect("refresh_requested") == 1
        sm.wait_connected(count=before + 1)

    click_lane(app, 1, "esc_wait", "U01TECH3")
    assert status(app, 1, "waiting").paused_since is not None
    click_lane(app, 1, "esc_resume", "U01TECH3")
    assert status(app, 1, "acknowledged").paused_since is None

    before = len(app.fake.calls_to("views.open"))
    click_lane(app, 1, "esc_resolve", "U01TECH3")
    view = app.fake.wait_for("views.open", count=before + 1)[-1].response["view"]
    assert view["callback_id"] == "resolve"
    refused = submit(app, view, "U01TECH3", done_0=["0"], note="Re-ran the job").json()
    assert refused["response_action"] == "errors" and "1 not ticked" in refused["errors"]["done_0"]
    assert app.escalation(1).status == "acknowledged"
    done = submit(app, view, "U01TECH3", done_0=["0", "1"], note="Re-ran the job")
    assert b"errors" not in done.content
    app.settle()
    esc = status(app, 1, "resolved")
    assert esc.resolution_note == "Re-ran the job"
    assert esc.done_checked == ["Alert cleared in the RMM", "Root cause noted on the ticket"]
    assert len(lane_posts(app, 1)) == 1  # updated in place, never posted again


def interception(app: Harness, *, number: int) -> None:
    """A request to a protected person in a watched channel: offered, routed to ESC-``number``."""
    before = len(app.fake.calls_to("chat.postEphemeral"))
    resp, ts = app.slack.message(
        "C01GENERAL", "U01REQ", "<@U01TECH1> can you check the backup alert on FS01 for Acme?"
    )
    assert resp.status_code == 200 and resp.content == b""  # events are acked empty
    app.fake.wait_for("chat.postEphemeral", count=before + 1)
    [offer] = [
        e
        for e in app.fake.ephemerals("C01GENERAL", user="U01REQ")
        if any(b.get("block_id") == "route" for b in e.get("blocks") or [])
    ]
    opened = len(app.fake.calls_to("views.open"))
    assert app.slack.click(offer, "route:alert", user="U01REQ").status_code == 200
    view = app.fake.wait_for("views.open", count=opened + 1)[-1].response["view"]
    submit(app, view, "U01REQ", client="Acme")
    app.settle()
    esc = status(app, number, "open")
    assert esc.lane == "alert"
    with app.container.sessions() as s:
        [row] = list(s.scalars(select(Interception).where(Interception.message_ts == ts)))
        assert (row.outcome, row.escalation_id) == ("routed", esc.id)
    notes = [
        c
        for c in app.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == "C01GENERAL" and c.args.get("thread_ts") == ts
    ]
    assert len(notes) == 1 and "Routed to *Monitoring alert* as" in notes[0].args["text"]


def approval(app: Harness, *, number: int) -> None:
    view = open_escalate(app, "client-request P2 Acme wants the migration this week")
    submit(app, view, "U01REQ", client="Acme")
    app.settle()
    assert status(app, number, "pending_approval").opened_at is None
    asks = eventually(
        lambda: [
            c
            for c in app.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == "U01SM" and "Approval needed" in c.args.get("text", "")
        ],
        what="the approval DM",
    )
    assert len(asks) == 1
    dm = {"channel": asks[0].response["channel"], "ts": asks[0].response["ts"]}
    assert app.slack.click(dm, action_id="approval_approve", user="U01SM").status_code == 200
    app.settle()
    esc = status(app, number, "open")
    assert esc.decided_by == "U01SM" and esc.respond_due is not None


def assert_acks_in_time(app: Harness) -> None:
    sm = app.fake.socket_mode
    assert sm.envelopes, "nothing went through Socket Mode"
    assert sm.unacked() == []
    late = [(a.envelope_id, round(a.latency, 2)) for a in sm.late_acks()]
    assert late == [], f"acks past {ACK_TIMEOUT_SECONDS}s: {late}"
    assert all(a.known for a in sm.acks)


def the_story(app: Harness) -> None:
    lifecycle(app, refresh_midway=True)
    interception(app, number=2)
    approval(app, number=3)
    assert [e.number for e in escalations(app)] == [1, 2, 3]
    assert_acks_in_time(app)


# ---------------------------------------------------------------------------------- tests


def test_the_story_in_process(socket_app: Harness) -> None:
    the_story(socket_app)
    hello = socket_app.fake.socket_mode.connections[0].sent[0]
    assert hello["type"] == "hello"
    # the app answered Slack's refresh by opening a new connection through a new URL
    opens = socket_app.fake.calls_to("apps.connections.open")
    assert len(opens) == 2 and all(c.token == APP_TOKEN for c in opens)
    others = [
        c
        for c in socket_app.fake.calls
        if c.method not in ("apps.connections.open", "response_url", "response_action")
    ]
    assert others and {(c.method, c.token) for c in others if c.token != BOT_TOKEN} == set()


def test_a_redelivered_view_submission_makes_one_escalation(socket_app: Harness) -> None:
    app = socket_app
    sm = app.fake.socket_mode
    view = open_escalate(app, "alert P2 Backups failed three nights")
    sm.lose_next_ack()  # stored, acked, but the ack never reaches Slack: redelivered
    submit(app, view, "U01REQ", client="Acme Dental")
    app.settle()
    [envelope] = [e for e in sm.envelopes if e.payload.get("type") == "view_submission"]
    assert len(envelope.deliveries) == 2 and envelope.deliveries[0][0] != envelope.deliveries[1][0]
    assert [a.lost for a in sm.acks if a.envelope_id == envelope.envelope_id] == [True, False]
    assert [e.number for e in escalations(app)] == [1]
    assert len(lane_posts(app, 1)) == 1
    # and the app keeps serving on the new connection
    click_lane(app, 1, "esc_take", "U01TECH3")
    assert status(app, 1, "acknowledged").owner == "U01TECH3"
    assert_acks_in_time(app)


def test_a_redelivered_message_event_offers_once(socket_app: Harness) -> None:
    app = socket_app
    sm = app.fake.socket_mode
    sm.lose_next_ack()
    resp, _ts = app.slack.message(
        "C01GENERAL", "U01REQ", "<@U01TECH1> can you check the backup alert on FS01 for Acme?"
    )
    assert resp.status_code == 200
    [envelope] = [e for e in sm.envelopes if e.type == "events_api"]
    assert (envelope.retry_attempt, envelope.retry_reason) == (1, "timeout")
    app.fake.wait_for("chat.postEphemeral")
    app.settle()
    time.sleep(0.3)
    assert len(app.fake.calls_to("chat.postEphemeral")) == 1
    with app.container.sessions() as s:
        assert s.scalar(select(func.count(Interception.id))) == 1


def test_a_warning_disconnect_is_followed_and_nothing_is_lost(socket_app: Harness) -> None:
    app = socket_app
    sm = app.fake.socket_mode
    sm.disconnect("warning", close_after=1.0)
    sm.wait_connected(count=2)
    lifecycle(app, refresh_midway=False)
    assert_acks_in_time(app)
    assert [c.disconnect_reason for c in sm.connections[:1]] == ["warning"]
    sm.wait_closed(1)


def test_an_envelope_pushed_while_no_connection_is_open_waits_for_the_next(
    socket_app: Harness,
) -> None:
    app = socket_app
    sm = app.fake.socket_mode
    sm.drop()
    resp = app.slack.slash_command("/lanes", user="U01REQ", channel="C01GENERAL")
    assert "Monitoring alert" in resp.text
    assert len(sm.connections) >= 2


def test_the_story_against_lanekeeper_socket_as_a_process(
    socket_process: tuple[ProcessHarness, subprocess.Popen[str]],
) -> None:
    app, proc = socket_process
    the_story(app)
    # a redelivered submission after a lost ack: still one escalation more, not two
    sm = app.fake.socket_mode
    view = open_escalate(app, "alert P3 Disk nearly full on FS02")
    sm.lose_next_ack()
    submit(app, view, "U01REQ", client="Acme Dental")
    app.settle()
    assert [e.number for e in escalations(app)] == [1, 2, 3, 4]
    assert len(lane_posts(app, 4)) == 1
    assert_acks_in_time(app)
    assert proc.poll() is None, "lanekeeper socket stopped"
    opens = app.fake.calls_to("apps.connections.open")
    assert len(opens) >= 3 and all(c.token == APP_TOKEN and c.ok for c in opens)


def test_lanekeeper_socket_stops_cleanly_on_sigterm(
    socket_process: tuple[ProcessHarness, subprocess.Popen[str]], tmp_path: Path
) -> None:
    """SIGTERM while a post is on its way to Slack: the post is finished (not dropped, not left
    claimed), every envelope was acknowledged, the WebSocket is closed, one log line, exit 0."""
    app, proc = socket_process
    sm = app.fake.socket_mode
    view = open_escalate(app, "alert P2 Backups failed three nights")
    app.fake.answer_late("chat.postMessage", 2.0)  # the lane post is in flight for 2 s
    submit(app, view, "U01REQ", client="Acme Dental")

    def claimed() -> bool:
        with app.container.sessions() as s:
            return bool(
                s.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.claimed_until.is_not(None),
                        OutboxMessage.delivered_at.is_(None),
                    )
                )
            )

    eventually(claimed, what="the lane post claimed by lanekeeper socket")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    log = (tmp_path / "socket.log").read_text()
    assert log.count("lanekeeper socket stopped on SIGTERM") == 1, log
    assert "Traceback" not in log, log
    with app.container.sessions() as s:
        rows = list(s.scalars(select(OutboxMessage)))
    lane = [r for r in rows if r.kind == "lane_message"]
    assert len(lane) == 1 and lane[0].delivered_at is not None, [
        (r.kind, r.delivered_at, r.last_error) for r in rows
    ]
    assert [r.id for r in rows if r.claimed_until is not None and r.delivered_at is None] == []
    assert app.escalation(1).lane_ts is not None
    assert len(lane_posts(app, 1)) == 1
    assert sm.unacked() == []
    eventually(lambda: not any(c.open for c in sm.connections), what="the WebSocket closed")
