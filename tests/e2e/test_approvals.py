"""Approvals: client-request at P2 or above needs U01SM or the S01MANAGERS group (U01SM, U01LEAD)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.e2e.conftest import Harness
from tests.e2e.test_lifecycle import create, open_modal


def dms_to(app: Harness, user: str) -> list[Any]:
    return [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def approval_dm(app: Harness, approver: str) -> dict[str, Any]:
    calls = [c for c in dms_to(app, approver) if "Approval needed" in c.args.get("text", "")]
    assert calls, f"no approval request to {approver}"
    resp = calls[-1].response
    return {"channel": resp["channel"], "ts": resp["ts"]}


def request(app: Harness, severity: str = "P2") -> None:
    create(app, text=f"client-request {severity} Acme wants the migration this week", client="Acme")


def test_pending_escalation_asks_every_approver_and_waits(app: Harness) -> None:
    request(app)
    esc = app.escalation(1)
    assert esc.status == "pending_approval"
    assert esc.respond_due is None and esc.resolve_due is None and esc.opened_at is None
    app.settle()
    # U01SM directly and through the group, U01LEAD through the group: one DM each.
    assert len([c for c in dms_to(app, "U01SM") if "Approval needed" in c.args["text"]]) == 1
    assert len([c for c in dms_to(app, "U01LEAD") if "Approval needed" in c.args["text"]]) == 1
    assert app.fake.calls_to("usergroups.users.list")
    lane_msg = json.dumps(app.lane_message(1)["blocks"])
    assert "Waiting for approval by" in lane_msg


def test_approve_starts_the_clock_updates_everyone_and_tells_the_requester(app: Harness) -> None:
    request(app)
    app.settle()
    dm = approval_dm(app, "U01SM")
    resp = app.slack.click(dm, action_id="approval_approve", user="U01SM")
    assert resp.status_code == 200
    app.settle()
    esc = app.escalation(1)
    assert esc.status == "open" and esc.decided_by == "U01SM"
    assert esc.opened_at is not None and esc.respond_due is not None and esc.resolve_due is not None
    # every approver's DM now shows the decision and has no buttons
    for approver in ("U01SM", "U01LEAD"):
        d = approval_dm(app, approver)
        msg = next(m for m in app.fake.messages(d["channel"]) if m["ts"] == d["ts"])
        dumped = json.dumps(msg["blocks"])
        assert "Approved* by <@U01SM>" in dumped
        assert "approval_approve" not in dumped
    told = [
        c for c in dms_to(app, "U01REQ") if "was approved by <@U01SM>" in c.args.get("text", "")
    ]
    assert len(told) == 1
    actions = [
        e["action_id"]
        for b in app.lane_message(1)["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert actions[0] == "esc_take"
    assert [e.kind for e in app.timeline(1)] == ["created", "approved"]


def test_reject_needs_a_reason_and_tells_the_requester(app: Harness) -> None:
    request(app)
    app.settle()
    dm = approval_dm(app, "U01LEAD")
    app.slack.click(dm, action_id="approval_reject", user="U01LEAD")
    view = app.fake.wait_for("views.open", count=2)[-1].response["view"]
    assert view["callback_id"] == "reject"
    resp = app.slack.submit_view(view["id"], user="U01LEAD", values={"reason": ""})
    assert resp.json()["response_action"] == "errors"
    assert app.escalation(1).status == "pending_approval"
    resp = app.slack.submit_view(
        view["id"], user="U01LEAD", values={"reason": "Not covered by <!channel> contract"}
    )
    assert b"errors" not in resp.content
    app.settle()
    esc = app.escalation(1)
    assert esc.status == "rejected" and esc.decision_reason == "Not covered by <!channel> contract"
    told = [c for c in dms_to(app, "U01REQ") if "was rejected" in c.args.get("text", "")]
    assert len(told) == 1
    assert "Reason: Not covered by &lt;!channel&gt; contract" in told[0].args["text"]
    assert "Rejected" in json.dumps(app.lane_message(1)["blocks"])
    entry = app.timeline(1)[-1]
    assert (entry.kind, entry.actor, entry.detail["reason"]) == (
        "rejected",
        "U01LEAD",
        "Not covered by <!channel> contract",
    )


def test_a_non_approver_is_refused_and_nothing_changes(app: Harness) -> None:
    request(app)
    app.settle()
    esc = app.escalation(1)
    resp = app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts},
        action_id="approval_approve",
        user="U01TECH1",
    )
    assert resp.status_code == 200
    app.settle()
    assert app.escalation(1).status == "pending_approval"
    said = app.fake.wait_for("response_url")
    assert said and "Only <@U01SM>, <@U01LEAD> can approve" in said[-1].args["text"]
    # and the reject button does not even open the reason form for them
    app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts},
        action_id="approval_reject",
        user="U01TECH1",
    )
    app.settle()
    assert [c.response["view"]["callback_id"] for c in app.fake.calls_to("views.open")] == [
        "escalate"
    ]


def test_a_forged_value_cannot_approve_another_escalation(app: Harness) -> None:
    request(app)  # ESC-1 in client-request: approvers U01SM, U01LEAD
    create(app, text="alert P2 noise")  # ESC-2, no approval needed
    app.settle()
    dm = approval_dm(app, "U01SM")
    # U01TECH1 replays the approver's DM button with a forged user and value: still refused.
    payload = app.slack.build_click(dm, action_id="approval_approve", user="U01TECH1", value="1")
    app.slack.send_interaction(payload)
    payload = app.slack.build_click(dm, action_id="approval_approve", user="U01TECH1", value="2")
    app.slack.send_interaction(payload)
    app.settle()
    assert app.escalation(1).status == "pending_approval"
    assert app.escalation(2).status == "open"
    assert [e.kind for e in app.timeline(2)] == ["created"]


def test_double_click_and_two_approvers_at_once_make_one_decision(app: Harness) -> None:
    request(app)
    app.settle()
    dm_sm = approval_dm(app, "U01SM")
    dm_lead = approval_dm(app, "U01LEAD")
    clicks = [(dm_sm, "U01SM"), (dm_sm, "U01SM"), (dm_lead, "U01LEAD"), (dm_lead, "U01LEAD")]
    threads = [
        threading.Thread(
            target=app.slack.click, args=(dm,), kwargs={"action_id": "approval_approve", "user": u}
        )
        for dm, u in clicks
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.settle()
    assert [e.kind for e in app.timeline(1)].count("approved") == 1
    told = [c for c in dms_to(app, "U01REQ") if "was approved" in c.args.get("text", "")]
    assert len(told) == 1
    winner = app.escalation(1).decided_by
    losers = [c.args["text"] for c in app.fake.wait_for("response_url", count=3)]
    assert len(losers) == 3
    assert all(f"already approved by <@{winner}>" in t for t in losers)


def test_requester_cannot_approve_their_own_request(app: Harness) -> None:
    create(app, text="client-request P1 Acme CEO laptop", user="U01SM", client="Acme")
    app.settle()
    esc = app.escalation(1)
    app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id="approval_approve", user="U01SM"
    )
    app.settle()
    assert app.escalation(1).status == "pending_approval"
    assert (
        "someone else must decide it: <@U01LEAD>"
        in app.fake.wait_for("response_url")[-1].args["text"]
    )


def test_below_the_threshold_no_approval_is_needed(app: Harness) -> None:
    request(app, severity="P3")
    assert app.escalation(1).status == "open"


def test_a_deleted_approver_group_never_stops_a_listed_approver(app: Harness) -> None:
    app.fake.refuse("usergroups.users.list", error="no_such_subteam")
    request(app)
    app.settle()
    dm = approval_dm(app, "U01SM")  # listed by user id: asked although the group is gone
    resp = app.slack.click(dm, action_id="approval_approve", user="U01SM")
    assert resp.status_code == 200
    app.settle()
    esc = app.escalation(1)
    assert esc.status == "open" and esc.decided_by == "U01SM"


def test_a_group_lookup_slack_does_not_answer_never_loses_a_decision(app: Harness) -> None:
    request(app)
    app.settle()
    lead_dm = approval_dm(app, "U01LEAD")
    sm_dm = approval_dm(app, "U01SM")
    app.container.deps.directory._cache.clear()  # a cold cache, as after a restart
    # Slack answers 503 once: the lookup is tried again and the decision is recorded.
    app.fake.fail_next("usergroups.users.list", status=503)
    app.slack.click(lead_dm, action_id="approval_reject", user="U01LEAD")
    opened = app.fake.wait_for("views.open", count=2)
    assert opened[-1].response["view"]["callback_id"] == "reject"
    # Slack keeps answering 503: U01SM, listed by id, decides regardless of the group ...
    app.container.deps.directory._cache.clear()
    app.fake.refuse("usergroups.users.list", status=503, error="service_unavailable")
    said_before = len(app.fake.calls_to("response_url"))
    # ... while U01LEAD, an approver only through the group, is told to try again.
    app.slack.click(lead_dm, action_id="approval_approve", user="U01LEAD")
    app.settle()
    assert app.escalation(1).status == "pending_approval"
    said = app.fake.wait_for("response_url", count=said_before + 1)
    assert "nothing was recorded" in said[-1].args["text"]
    assert "try again" in said[-1].args["text"]
    app.slack.click(sm_dm, action_id="approval_approve", user="U01SM")
    app.settle()
    esc = app.escalation(1)
    assert esc.status == "open" and esc.decided_by == "U01SM"


def test_approval_requests_wait_for_a_group_slack_does_not_answer(app: Harness) -> None:
    app.fake.refuse("usergroups.users.list", status=503, error="service_unavailable")
    view = open_modal(app, "client-request P2 Acme wants the migration this week")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    app.fake.wait_for("usergroups.users.list", count=2)
    deadline = time.monotonic() + 5
    while not dms_to(app, "U01SM") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(dms_to(app, "U01SM")) == 1  # the listed approver is asked at once
    assert not dms_to(app, "U01LEAD")
    app.fake.lift_refusals()
    app.settle(timeout=20)  # the group is looked up again and its member asked
    assert len([c for c in dms_to(app, "U01LEAD") if "Approval needed" in c.args["text"]]) == 1
    assert len([c for c in dms_to(app, "U01SM") if "Approval needed" in c.args["text"]]) == 1
