"""The outbox under Slack's permanent and slow failures (issue 14, items 1 and 3): one refused
post blocks nothing that does not depend on it, and a post whose answer never came is found in
Slack before it is sent again. Against the fake Slack as a real server, on both databases."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.adapters.models import OutboxMessage
from tests.e2e.conftest import Harness
from tests.e2e.test_approvals import approval_dm, dms_to, request
from tests.e2e.test_lifecycle import open_modal


def outbox(app: Harness) -> list[OutboxMessage]:
    with app.container.sessions() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for r in rows:
            s.expunge(r)
        return rows


def test_a_lane_message_refused_for_good_blocks_nothing_that_does_not_need_it(
    app: Harness,
) -> None:
    app.fake.refuse("chat.postMessage", channel="C01ESC", error="channel_not_found")
    request(app)  # client-request P2: a lane message in C01ESC and approval DMs
    dm = approval_dm(app, "U01SM")  # the approvers were asked all the same
    homes_before = len(app.fake.calls_to("views.publish"))
    resp = app.slack.click(dm, action_id="approval_approve", user="U01SM")
    assert resp.status_code == 200
    app.settle(timeout=15)

    rows = outbox(app)
    assert all(r.delivered_at or r.failed_at for r in rows)
    assert all(r.attempts >= 1 for r in rows)  # every try counted, none re-claimed for free
    lane = [r for r in rows if r.kind == "lane_message"]
    assert lane and all(r.failed_at and r.last_error == "channel_not_found" for r in lane)
    notes = [r for r in rows if r.kind == "thread_note"]
    assert notes, "the approval adds a thread note"
    for note in notes:  # settled with the reason, not deferred forever
        assert note.failed_at is not None
        assert note.last_error == "lane message not posted: channel_not_found"
    # What does not depend on the lane message went on: the decision reached the approvers'
    # DMs, the requester was told, the App Homes were refreshed.
    esc = app.escalation(1)
    assert esc.status == "open"
    for approver in ("U01SM", "U01LEAD"):
        d = approval_dm(app, approver)
        msg = next(m for m in app.fake.messages(d["channel"]) if m["ts"] == d["ts"])
        assert "approval_approve" not in str(msg["blocks"])
    told = [c.args["text"] for c in dms_to(app, "U01REQ") if c.response.get("ok")]
    assert any("was approved by <@U01SM>" in t for t in told)
    # ... and a person learns that the lane message could not be posted, and why
    assert any("could not be posted" in t and "channel_not_found" in t for t in told)
    published = [c.args["user_id"] for c in app.fake.calls_to("views.publish")[homes_before:]]
    assert {"U01REQ", "U01SM", "U01LEAD"} <= set(published)

    # A later change refreshes those App Homes again: no stuck row holds a coalescing key.
    homes_before = len(app.fake.calls_to("views.publish"))
    view = open_modal(app, "alert P2 Backups failed")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    app.settle(timeout=15)
    later = [c.args["user_id"] for c in app.fake.calls_to("views.publish")[homes_before:]]
    assert "U01REQ" in later


def test_a_post_whose_answer_never_came_is_found_not_posted_again(app: Harness) -> None:
    app.container.client.timeout = 1
    app.fake.answer_late("chat.postMessage", 2.5)  # stored at once, answered after the timeout
    view = open_modal(app, "alert P1 Exchange down")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    app.settle(timeout=20)

    esc = app.escalation(1)
    assert esc.lane_ts is not None
    in_lane = [m for m in app.fake.messages("C01ESC") if m.get("bot_id")]
    assert len(in_lane) == 1, [m.get("text") for m in in_lane]
    assert in_lane[0]["ts"] == esc.lane_ts
    assert in_lane[0]["metadata"]["event_type"] == "lanekeeper_outbox"
    [lookup] = [
        c
        for c in app.fake.calls_to("conversations.history")
        if c.args.get("channel") == "C01ESC" and c.args.get("include_all_metadata")
    ]
    first = next(c for c in app.fake.calls_to("chat.postMessage") if c.args["channel"] == "C01ESC")
    # The retry was due counting from when the call gave up (1 s timeout + 0.5 s backoff),
    # not from before it: never back to back.
    assert lookup.at - first.at >= 1.4
    lane_rows = [r for r in outbox(app) if r.kind == "lane_message"]
    assert lane_rows[0].delivered_at is not None and lane_rows[0].attempts == 2
    assert lane_rows[0].result and lane_rows[0].result["ts"] == esc.lane_ts


def test_a_thread_note_whose_answer_never_came_is_found_in_the_thread(app: Harness) -> None:
    view = open_modal(app, "alert P1 Exchange down")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    app.settle()
    esc = app.escalation(1)
    app.container.client.timeout = 1
    app.fake.answer_late("chat.postMessage", 2.5)
    started = time.monotonic()
    resp = app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id="esc_take", user="U01TECH3"
    )
    assert resp.status_code == 200
    app.settle(timeout=20)
    assert time.monotonic() - started < 15
    replies = [
        m
        for m in app.fake.messages("C01ESC", include_replies=True)
        if m.get("thread_ts") == esc.lane_ts and m.get("ts") != esc.lane_ts
    ]
    assert len(replies) == 1, [m.get("text") for m in replies]
    assert any(
        c.args.get("include_all_metadata") for c in app.fake.calls_to("conversations.replies")
    )


def test_run_job_delivery_keeps_its_deadline_and_never_doubles_a_late_post(app: Harness) -> None:
    from datetime import UTC, datetime

    from bot.cli import _deliver_then_report

    app.container.deliverer.stop()  # only the command delivers here, as in run-job
    app.container.deliverer._stop.clear()
    app.fake.answer_late("chat.postMessage", 4.0, times=5)
    with app.container.uow() as uow:
        uow.outbox.call(
            "T0LANE", "chat.postMessage", dedupe_key="standup:noc:2026-11-24", channel="C01NOC",
            text="digest",
        )  # fmt: skip
        uow.commit()
    started = time.monotonic()
    code = _deliver_then_report(
        app.container, ["standup noc: sent (2026-11-24)"], since=datetime.now(UTC), within=3
    )
    took = time.monotonic() - started
    assert took < 4.5, took  # 3 s asked: no call outlasts the deadline
    # The unanswered post was looked up (found) rather than posted again.
    assert code == 0
    assert len(app.fake.calls_to("chat.postMessage")) == 1
    assert app.fake.calls_to("conversations.history")
    app.container.client.timeout = 5
    time.sleep(1.5)  # its retry is due
    app.container.deliverer.deliver_due()  # a later process finds it instead of posting again
    digests = [m for m in app.fake.messages("C01NOC") if m.get("text") == "digest"]
    assert len(digests) == 1


def test_stopping_releases_claimed_posts_it_did_not_start(app: Harness) -> None:
    deliverer = app.container.deliverer
    deliverer.stop()
    with app.container.uow() as uow:
        for n in range(3):
            uow.outbox.call("T0LANE", "chat.postMessage", channel="C01NOC", text=f"n{n}")
        uow.commit()
    claimed = deliverer._claim(3)
    assert len(claimed) == 3
    assert deliverer.stop() == 3  # SIGTERM arrives before they are sent: all released
    assert deliverer.deliver_due() == 0
    rows = outbox(app)
    assert all(r.claimed_until is None and r.delivered_at is None for r in rows)


def test_a_post_a_crashed_process_left_in_flight_is_found_not_posted_again(app: Harness) -> None:
    """A process claims a post, Slack takes it, and the process dies before it stores that
    (SIGKILL, an OOM kill): once its lease runs out the next process finds the post in Slack
    by the outbox id in its metadata instead of posting it a second time."""
    from datetime import timedelta

    from bot.adapters.outbox import UNANSWERED, OutboxDeliverer, metadata_for

    deliverer = app.container.deliverer
    deliverer.stop()
    deliverer._stop.clear()
    with app.container.uow() as uow:
        uow.outbox.call("T0LANE", "chat.postMessage", channel="C01NOC", text="only once")
        uow.commit()
    crashed = OutboxDeliverer(
        session_factory=app.container.sessions,
        client_for=lambda _team: app.container.client,
        worker_id="crashed-web",
        lease=timedelta(milliseconds=300),
    )
    [msg_id] = crashed._claim(1)
    # What the crashed process did before it died: Slack took the post; nothing was stored.
    app.container.client.chat_postMessage(
        channel="C01NOC", text="only once", metadata=metadata_for(msg_id)
    )
    assert deliverer.deliver_due() == 0  # its lease holds: nobody else touches it
    time.sleep(0.4)
    assert deliverer.deliver_due() == 1
    [row] = outbox(app)
    assert row.delivered_at is not None and row.claimed_by == deliverer.worker_id
    assert [m["text"] for m in app.fake.messages("C01NOC")] == ["only once"]
    assert len(app.fake.calls_to("chat.postMessage")) == 1
    assert row.last_error == f"{UNANSWERED}the lease of crashed-web ran out"


def test_approval_dms_carry_their_outbox_id_so_a_crash_never_doubles_them(app: Harness) -> None:
    from bot.adapters.outbox import METADATA_EVENT

    request(app)
    app.settle()
    dms = [c for c in app.fake.calls_to("chat.postMessage") if "Approval needed" in c.args["text"]]
    assert len(dms) == 2
    ids = {row.id for row in outbox(app) if row.kind == "approval_dm"}
    assert {c.args["metadata"]["event_payload"]["outbox_id"] for c in dms} == ids
    assert all(c.args["metadata"]["event_type"] == METADATA_EVENT for c in dms)
