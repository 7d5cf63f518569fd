"""``serve``'s front with LANEKEEPER_DELIVERY=worker (issue 19), on SQLite and PostgreSQL: which
signed requests it stores and acks at once, which it still answers itself, retries, and what a
database failure answers. The worker's half runs in real processes in test_worker_handling."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from bot.adapters.models import Interception, SlackInboxRequest
from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import SlackClientSimulator
from tests.e2e.conftest import Harness, running

PING = "<@U01TECH1> can you check the backup alert on FS01 for Acme?"


@pytest.fixture
def front(db_url: str, fake_slack: FakeSlack) -> Iterator[Harness]:
    with running(db_url, fake_slack, lanekeeper_delivery="worker") as harness:
        yield harness


def stored(h: Harness) -> list[SlackInboxRequest]:
    assert h.container.inbox_writer().flush(10)
    with h.container.sessions() as s:
        return list(s.scalars(select(SlackInboxRequest).order_by(SlackInboxRequest.id)))


def ping_and_retry(slack: SlackClientSimulator, event_id: str) -> str:
    """A ping to a protected person and Slack's retry of the same event: both acked empty."""
    resp, ts = slack.message("C01GENERAL", "U01REQ", PING, event_id=event_id)
    assert (resp.status_code, resp.content) == (200, b"")
    retry = slack.event(
        {"type": "message", "channel": "C01GENERAL", "user": "U01REQ", "text": PING, "ts": ts},
        event_id=event_id,
        retry_num=1,
    )
    assert (retry.status_code, retry.content) == (200, b"")
    return ts


def test_deferrable_requests_are_stored_and_acked_empty(front: Harness) -> None:
    slack = front.slack
    ping_and_retry(slack, "EvFRONT00001")
    command = slack.slash_command("/focus", "90m", user="U01TECH2", channel="C01GENERAL")
    assert (command.status_code, command.content) == (200, b"")
    button = {
        "type": "actions",
        "block_id": "b",
        "elements": [
            {
                "type": "button",
                "action_id": "esc_take",
                "text": {"type": "plain_text", "text": "Take"},
                "value": "1",
            }
        ],
    }
    message = front.fake.add_message("C01GENERAL", user="UBOT", text="ESC-1", blocks=[button])
    click = slack.click({"channel": "C01GENERAL", "ts": message["ts"]}, "esc_take", user="U01TECH1")
    assert (click.status_code, click.content) == (200, b"")

    rows = stored(front)
    assert [r.kind for r in rows] == ["message", "command", "click"]
    assert rows[0].key == f"event:{front.slack.team_id}:EvFRONT00001"
    assert rows[1].key is None and rows[2].key is None
    assert {r.slack_team_id for r in rows} == {front.slack.team_id}
    assert json.loads(rows[0].body)["event"]["text"] == PING
    health = httpx.get(front.url.replace("/slack/events", "/healthz")).json()
    assert health["slack_requests_waiting"] == 3 and health["oldest_waiting_seconds"] >= 0
    assert rows[1].content_type == "application/x-www-form-urlencoded"
    # serve did none of the work: no reply, no interception, no focus.
    assert front.fake.calls_to("chat.postEphemeral") == []
    assert front.fake.calls_to("response_url") == []


def test_what_serve_still_answers_itself(front: Harness) -> None:
    challenge = front.slack.url_verification("abc123")
    assert challenge.status_code == 200 and "abc123" in challenge.text
    bad = front.slack.raw(
        "command=%2Ffocus&text=90m", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert bad.status_code == 400  # malformed: refused, not stored
    unsigned = front.slack.raw(json.dumps({"type": "event_callback"}), sign=False)
    assert unsigned.status_code == 401
    assert stored(front) == []


def test_while_the_database_refuses_serve_answers_503_and_keeps_what_it_acked(
    front: Harness, db_url: str
) -> None:
    """The request acked before the failure was known is kept and stored once the database
    takes it again; the ones after answer 503 (Slack retries them) until then."""
    writer = front.container.inbox_writer()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE slack_inbox RENAME TO slack_inbox_away"))
    try:
        first, _ts = front.slack.message("C01GENERAL", "U01REQ", PING + " first")
        assert first.status_code == 200
        deadline = time.monotonic() + 10
        while writer.healthy and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not writer.healthy
        refused, _ts = front.slack.message("C01GENERAL", "U01REQ", PING + " refused")
        assert refused.status_code == 503
        assert refused.json() == {"ok": False, "error": "storage unavailable"}
        health = httpx.get(front.url.replace("/slack/events", "/healthz"))
        assert health.status_code == 503  # the database cannot answer for the inbox either
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE slack_inbox_away RENAME TO slack_inbox"))
        engine.dispose()
    assert writer.flush(10)
    assert writer.healthy
    later, _ts = front.slack.message("C01GENERAL", "U01REQ", PING + " later")
    assert later.status_code == 200  # the process kept serving
    texts = [json.loads(r.body)["event"]["text"] for r in stored(front)]
    assert texts == [PING + " first", PING + " later"]
    assert front.fake.calls_to("chat.postEphemeral") == []


def _ping_acked_ten_minutes_ago(front: Harness) -> None:
    """A ping stored while no worker ran, ten minutes ago (every request stored so far)."""
    front.slack.message("C01GENERAL", "U01REQ", PING + " (ten minutes ago)")
    assert front.container.inbox_writer().flush(10)
    with front.container.engine.begin() as conn:
        conn.execute(
            text("UPDATE slack_inbox SET received_at = :at"),
            {"at": datetime.now(UTC) - timedelta(minutes=10)},
        )


def test_the_worker_handles_what_serve_stored_and_offers_nothing_for_a_stale_ping(
    front: Harness,
) -> None:
    """The worker's half in-process: a ping acked while no worker ran for ten minutes gets no
    offer (the sender has moved on); a fresh one does."""
    from bot.bootstrap import build
    from bot.config.loader import load_config
    from bot.slack.inbox_worker import InboxWorker
    from tests.conftest import FIXTURES

    _ping_acked_ten_minutes_ago(front)
    front.slack.message("C01GENERAL", "U01REQ", PING + " (now)")
    assert front.container.inbox_writer().flush(10)

    worker = build(front.container.settings, config=load_config(FIXTURES / "lanes.yaml"))
    try:
        handled = InboxWorker(worker.inbox(), worker.bolt(request_verification=False)).run_once()
        assert handled == 2
        assert worker.wait_idle(10)
        offered = [c for c in front.fake.calls_to("chat.postEphemeral") if c.ok]
        assert [c.args["user"] for c in offered] == ["U01REQ"]
        assert stored(front) == []  # handled requests leave nothing behind
        with front.container.sessions() as s:
            texts = [r.text for r in s.scalars(select(Interception))]
        assert texts == [PING + " (now)"]
    finally:
        worker.close()


def test_a_click_that_opens_a_form_is_stored_to_go_before_other_clicks(front: Harness) -> None:
    """Resolve opens a modal with the click's trigger id (3 s): stored as "form", which the
    worker does not leave behind other clicks; Take is stored as "click"."""
    from bot.slack.forms import opens_a_form

    buttons = [
        {"type": "button", "action_id": a, "text": {"type": "plain_text", "text": a}, "value": "1"}
        for a in ("esc_resolve", "esc_take")
    ]
    message = front.fake.add_message(
        "C01GENERAL",
        user="UBOT",
        text="ESC-1",
        blocks=[{"type": "actions", "block_id": "b", "elements": buttons}],
    )
    for action in ("esc_resolve", "esc_take"):
        resp = front.slack.click(
            {"channel": "C01GENERAL", "ts": message["ts"]}, action, user="U01TECH1"
        )
        assert (resp.status_code, resp.content) == (200, b"")
    assert [r.kind for r in stored(front)] == ["form", "click"]
    assert opens_a_form("route:alert") and opens_a_form("start:coverage")
    assert opens_a_form("approval_reject") and opens_a_form("esc_reassign")
    assert not any(
        opens_a_form(a) for a in ("esc_take", "esc_wait", "approval_approve", "route_not_request")
    )
    assert not opens_a_form(None)


def _worker_of(front: Harness) -> Any:
    """A second container, as ``lanekeeper deliver`` builds it (same database and Slack)."""
    from bot.bootstrap import build
    from bot.config.loader import load_config
    from tests.conftest import FIXTURES

    return build(front.container.settings, config=load_config(FIXTURES / "lanes.yaml"))


def _deliver_once(front: Harness) -> int:
    """One claim handled by a worker built as ``lanekeeper deliver`` builds it."""
    from bot.cli_serve import _inbox_worker

    worker = _worker_of(front)
    try:
        handled = _inbox_worker(worker).run_once()
        assert worker.wait_idle(10)
        return handled
    finally:
        worker.close()


def _offered_to(front: Harness) -> list[str]:
    return [c.args["user"] for c in front.fake.calls_to("chat.postEphemeral") if c.ok]


def _storing_a_catch_fails_on_call(monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    from bot.services import interceptions as service

    real, calls = service.store_catch, [0]

    def store(uow: Any, values: dict[str, Any]) -> int | None:
        calls[0] += 1
        if calls[0] == failing:
            raise RuntimeError("the database went away")
        return real(uow, values)

    monkeypatch.setattr(service, "store_catch", store)


def test_the_worker_decides_stored_channel_messages_together_in_one_transaction(
    front: Harness,
) -> None:
    """``lanekeeper deliver``'s worker (cli_serve._inbox_worker) decides the channel messages it
    claimed in one transaction (issue 19): five pings from five senders, a message to nobody
    protected, a ping acked ten minutes ago and a direct message to the bot. Each fresh ping
    gets its offer and its row, the stale one neither, and the DM its how-to (through Bolt)."""
    from sqlalchemy import event

    from bot.cli_serve import _inbox_worker

    senders = [f"U09SEND{n}" for n in range(5)]
    for sender in senders:
        front.fake.add_user(sender, name=sender.lower())
        front.fake.add_members("C01GENERAL", sender)
    _ping_acked_ten_minutes_ago(front)
    for sender in senders:
        front.slack.message("C01GENERAL", sender, f"{PING} ({sender})")
    front.slack.message("C01GENERAL", "U01REQ", "<@U02OTHER1> lunch at 12?")
    front.slack.message(front.fake.im_channel("U01REQ"), "U01REQ", "how do I ask for help?")
    assert front.container.inbox_writer().flush(10)

    worker = _worker_of(front)
    commits: list[int] = []
    event.listen(worker.engine, "commit", lambda _conn: commits.append(1))
    try:
        deliver = _inbox_worker(worker)
        assert deliver.messages is not None  # single workspace: batches on
        handled = deliver.run_once()
        assert handled == 8
        assert worker.wait_idle(10)
        offered = [c for c in front.fake.calls_to("chat.postEphemeral") if c.ok]
        assert sorted(c.args["user"] for c in offered) == senders
        with front.container.sessions() as s:
            caught = sorted(r.sender for r in s.scalars(select(Interception)))
        assert caught == senders
        # The how-to went to the DM: that one went through the Bolt app.
        [howto] = front.fake.calls_to("chat.postMessage")
        assert howto.args["text"] == "How to use Lanekeeper"
        # Claim, the five catches together, the DM's event-id claim, the delete: one message
        # at a time would have been five transactions for the catches alone.
        assert len(commits) <= 4, len(commits)
        assert stored(front) == []
    finally:
        worker.close()


def test_when_deciding_together_fails_each_stored_message_is_decided_alone(
    front: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose transaction fails has sent nothing; each of its messages is then decided
    in a transaction of its own, and every sender gets exactly one offer."""

    senders = [f"U09SEND{n}" for n in range(3)]
    for sender in senders:
        front.fake.add_user(sender, name=sender.lower())
        front.fake.add_members("C01GENERAL", sender)
        front.slack.message("C01GENERAL", sender, f"{PING} ({sender})")
    assert front.container.inbox_writer().flush(10)

    _storing_a_catch_fails_on_call(monkeypatch, 3)
    assert _deliver_once(front) == 3
    assert sorted(_offered_to(front)) == senders
    with front.container.sessions() as s:
        assert sorted(r.sender for r in s.scalars(select(Interception))) == senders
    assert stored(front) == []


def test_after_a_failed_batch_an_earlier_ping_is_not_read_as_an_answer_to_a_later_question(
    front: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deciding alone after a failed batch reuses each message's first reading: her question
    that came after the ping (same claim) does not turn the ping into an answer to it."""

    front.slack.message("C01GENERAL", "U01REQ", "<@U01TECH1> the VPN at Acme is down again")
    front.slack.message("C01GENERAL", "U01TECH1", "which site is down?")
    assert front.container.inbox_writer().flush(10)
    _storing_a_catch_fails_on_call(monkeypatch, 1)
    assert _deliver_once(front) == 2
    assert _offered_to(front) == ["U01REQ"]


def test_a_ping_in_a_slack_connect_channel_is_decided_in_our_workspace(front: Harness) -> None:
    """In a shared channel the event's team_id is the sender's organisation; the workspace is
    ours, from authorizations[0], as Bolt reads it. The batch takes it, no fallback needed."""

    front.slack.message("C01GENERAL", "U01REQ", PING + " (from a partner org)")
    assert front.container.inbox_writer().flush(10)
    with front.container.engine.begin() as conn:
        [(row_id, body)] = conn.execute(text("SELECT id, body FROM slack_inbox")).all()
        payload = json.loads(body)
        payload["team_id"] = "T0PARTNER"
        payload["event"]["team"] = "T0PARTNER"
        conn.execute(
            text("UPDATE slack_inbox SET body = :b WHERE id = :i"),
            {"b": json.dumps(payload), "i": row_id},
        )
    assert _deliver_once(front) == 1
    assert _offered_to(front) == ["U01REQ"]
    with front.container.sessions() as s:
        assert [r.slack_team_id for r in s.scalars(select(Interception))] == ["T0LANE"]
