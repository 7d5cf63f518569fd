"""An escalation from /escalate to resolution, through signed HTTP requests and the fake Slack."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

from tests.e2e.conftest import Harness, reply_text


def open_modal(app: Harness, text: str, user: str = "U01REQ") -> dict[str, Any]:
    before = len(app.fake.calls_to("views.open"))
    resp = app.slack.slash_command("/escalate", text=text, user=user, channel="C01GENERAL")
    assert resp.status_code == 200
    calls = app.fake.wait_for("views.open", count=before + 1)
    call = calls[-1]
    assert call.response["ok"], call.response
    return call.response["view"]


def block(view_or_msg: dict[str, Any], block_id: str) -> dict[str, Any]:
    for b in view_or_msg["blocks"]:
        if b.get("block_id") == block_id:
            return b
    raise AssertionError(f"no block {block_id}")


def create(
    app: Harness,
    *,
    text: str = "alert P2 Backups failed three nights",
    user: str = "U01REQ",
    client: str = "Acme Dental",
    **values: Any,
) -> dict[str, Any]:
    view = open_modal(app, text, user=user)
    resp = app.slack.submit_view(view["id"], user=user, values={"client": client, **values})
    assert resp.status_code == 200
    assert resp.content in (b"", b"{}") or resp.json().get("response_action") != "errors", resp.text
    app.settle()
    return view


def click(app: Harness, number: int, action_id: str, user: str) -> Any:
    esc = app.escalation(number)
    resp = app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id=action_id, user=user
    )
    assert resp.status_code == 200
    app.settle()
    return resp


def test_modal_is_prefilled_from_the_command(app: Harness) -> None:
    view = open_modal(app, "alert P1 Acme firewall offline")
    assert view["callback_id"] == "escalate"
    assert block(view, "lane")["element"]["initial_option"]["value"] == "alert"
    assert block(view, "severity")["element"]["initial_option"]["value"] == "P1"
    assert block(view, "summary")["element"]["initial_value"] == "Acme firewall offline"


def test_unknown_lane_opens_the_modal_and_names_the_valid_lanes(app: Harness) -> None:
    resp = app.slack.slash_command(
        "/escalate", text="alrt backups failed", user="U01REQ", channel="C01GENERAL"
    )
    assert resp.status_code == 200
    text = reply_text(resp)
    assert "no lane `alrt`" in text
    assert "`alert`, `client-request`, `coverage`" in text
    view = app.fake.wait_for("views.open")[-1].response["view"]
    # the lane is suggested from the text's keywords ("backups" → alert)
    assert block(view, "lane")["element"]["initial_option"]["value"] == "alert"
    assert block(view, "summary")["element"]["initial_value"] == "backups failed"


def test_create_take_wait_resume_resolve_reopen(app: Harness) -> None:
    create(app)
    esc = app.escalation(1)
    assert esc.ref == "ESC-1"
    assert (esc.lane, esc.severity, esc.client, esc.status) == (
        "alert",
        "P2",
        "Acme Dental",
        "open",
    )
    assert esc.summary == "Backups failed three nights"
    assert esc.team == "noc" and esc.requester == "U01REQ"
    assert esc.respond_due is not None and esc.resolve_due is not None
    # NOC runs 24/7: P2 respond 1h, resolve 1d (one 24h business day) from creation.
    assert abs((esc.respond_due - esc.opened_at).total_seconds() - 3600) < 1
    assert abs((esc.resolve_due - esc.opened_at).total_seconds() - 86400) < 1

    posts = [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01ESC"]
    assert len(posts) == 1
    msg = app.lane_message(1)
    assert msg["blocks"][0]["text"]["text"] == "ESC-1 · Monitoring alert"
    action_ids = [e["action_id"] for e in block(msg, "esc_actions")["elements"]]
    assert action_ids == ["esc_take", "esc_wait", "esc_resolve", "esc_reassign"]

    click(app, 1, "esc_take", "U01TECH3")
    esc = app.escalation(1)
    assert (esc.status, esc.owner) == ("acknowledged", "U01TECH3")
    assert esc.responded_at is not None
    assert "<@U01TECH3>" in json.dumps(block(app.lane_message(1), "esc_fields"))

    click(app, 1, "esc_wait", "U01TECH3")
    esc = app.escalation(1)
    assert esc.status == "waiting" and esc.paused_since is not None
    due_before = esc.resolve_due
    assert (
        next(e["action_id"] for e in block(app.lane_message(1), "esc_actions")["elements"])
        == "esc_resume"
    )

    click(app, 1, "esc_resume", "U01TECH3")
    esc = app.escalation(1)
    assert esc.status == "acknowledged" and esc.paused_since is None
    assert esc.resolve_due is not None and due_before is not None and esc.resolve_due >= due_before

    # Resolve: the definition-of-done modal refuses a missing box, and changes nothing.
    click(app, 1, "esc_resolve", "U01TECH3")
    view = app.fake.calls_to("views.open")[-1].response["view"]
    assert view["callback_id"] == "resolve"
    resp = app.slack.submit_view(
        view["id"], user="U01TECH3", values={"done_0": ["0"], "note": "Re-ran the job"}
    )
    body = resp.json()
    assert body["response_action"] == "errors"
    assert "1 not ticked" in body["errors"]["done_0"]
    assert app.escalation(1).status == "acknowledged"
    resp = app.slack.submit_view(
        view["id"], user="U01TECH3", values={"done_0": ["0", "1"], "note": "Re-ran the job"}
    )
    assert resp.status_code == 200 and b"errors" not in resp.content
    app.settle()
    esc = app.escalation(1)
    assert esc.status == "resolved" and esc.resolved_at is not None
    assert esc.resolution_note == "Re-ran the job"
    assert esc.done_checked == ["Alert cleared in the RMM", "Root cause noted on the ticket"]
    assert [e["action_id"] for e in block(app.lane_message(1), "esc_actions")["elements"]] == [
        "esc_reopen"
    ]

    click(app, 1, "esc_reopen", "U01REQ")
    esc = app.escalation(1)
    assert esc.status == "reopened" and esc.reopen_count == 1 and esc.resolved_at is None

    kinds = [e.kind for e in app.timeline(1)]
    assert kinds == ["created", "taken", "waiting", "resumed", "resolved", "reopened"]
    actors = [e.actor for e in app.timeline(1)]
    assert actors == ["U01REQ", "U01TECH3", "U01TECH3", "U01TECH3", "U01TECH3", "U01REQ"]

    # Every change is a line in the lane message's thread, and the message was updated in place.
    esc = app.escalation(1)
    thread = [
        c for c in app.fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == esc.lane_ts
    ]
    assert len(thread) == 5
    assert "took it" in thread[0].args["text"]
    assert "Re-ran the job" in thread[3].args["text"]
    assert len(app.fake.calls_to("chat.update")) == 5


def test_reassign_through_its_modal(app: Harness) -> None:
    create(app)
    click(app, 1, "esc_reassign", "U01LEAD")
    view = app.fake.calls_to("views.open")[-1].response["view"]
    assert view["callback_id"] == "reassign"
    # The alert lane belongs to the NOC (U01TECH3); the service desk's U01TECH1 is not in it,
    # and SPEC's "Who may act" allows reassigning within the owning team only (changed with it).
    refused = app.slack.submit_view(view["id"], user="U01LEAD", values={"owner": "U01TECH1"})
    assert "member or lead of NOC" in json.dumps(refused.json()["errors"])
    assert app.escalation(1).owner is None
    app.slack.submit_view(view["id"], user="U01LEAD", values={"owner": "U01TECH3"})
    app.settle()
    esc = app.escalation(1)
    assert (esc.owner, esc.status) == ("U01TECH3", "acknowledged")
    assert app.timeline(1)[-1].text == "<@U01LEAD> assigned it to <@U01TECH3>"


def test_user_text_is_escaped_everywhere_it_is_shown(app: Harness) -> None:
    create(
        app,
        text="alert P2 <!channel> look <@U01TECH1> <http://evil.example|bank>",
        client="<!here> & Co",
    )
    msg = app.lane_message(1)
    # the notification text is escaped too: Slack notifies from it
    assert "<!channel>" not in msg["text"] and "<!here>" not in msg["text"]
    assert "&lt;!here&gt; &amp; Co" in msg["text"]
    dumped = json.dumps(msg["blocks"])
    assert "<!channel>" not in dumped and "<!here>" not in dumped
    assert "<http://evil.example|bank>" not in dumped
    assert "&lt;!channel&gt;" in dumped and "&lt;!here&gt; &amp; Co" in dumped
    assert "&lt;@U01TECH1&gt;" in dumped


def test_validation_errors_come_back_to_the_modal_and_store_nothing(app: Harness) -> None:
    view = open_modal(app, "alert P2")
    resp = app.slack.submit_view(view["id"], user="U01REQ", values={"client": "", "summary": ""})
    body = resp.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) >= {"summary", "client"}
    assert app.escalations() == []


def test_a_retried_view_submission_creates_one_escalation(app: Harness) -> None:
    view = open_modal(app, "alert P2 Disk full on FS01")
    for _ in range(3):
        resp = app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Contoso"})
        assert resp.status_code == 200
    app.settle()
    assert len(app.escalations()) == 1
    assert (
        len([c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01ESC"])
        == 1
    )


def test_a_retried_click_delivery_acts_once(app: Harness) -> None:
    create(app)
    esc = app.escalation(1)
    payload = app.slack.build_click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id="esc_take", user="U01TECH3"
    )
    for _ in range(3):
        assert app.slack.send_interaction(payload).status_code == 200
    app.settle()
    assert [e.kind for e in app.timeline(1)] == ["created", "taken"]


def test_a_double_click_tells_the_second_click_and_changes_nothing(app: Harness) -> None:
    create(app)
    snapshot = copy.deepcopy(app.lane_message(1))  # both clicks come from the same rendering
    app.slack.click(snapshot, action_id="esc_take", user="U01TECH3")
    app.settle()
    app.slack.click(snapshot, action_id="esc_take", user="U01TECH3")
    app.settle()
    assert [e.kind for e in app.timeline(1)] == ["created", "taken"]
    said = app.fake.wait_for("response_url")
    assert said and "You already own ESC-1" in said[-1].args["text"]


def test_concurrent_clicks_make_one_change(app: Harness) -> None:
    create(app)
    esc = app.escalation(1)
    results: list[int] = []

    def wait_click() -> None:
        r = app.slack.click(
            {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id="esc_wait", user="U01TECH3"
        )
        results.append(r.status_code)

    threads = [threading.Thread(target=wait_click) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.settle()
    assert results == [200] * 6
    assert [e.kind for e in app.timeline(1)].count("waiting") == 1
    assert app.escalation(1).status == "waiting"


def test_slack_down_then_back_keeps_the_escalation_and_posts_once(app: Harness) -> None:
    app.fake.fail_next("chat.postMessage", status=500, times=2)
    view = open_modal(app, "alert P1 Exchange down")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    esc = app.escalation(1)
    assert esc.status == "open"
    app.settle(timeout=20)
    esc = app.escalation(1)
    assert esc.lane_ts is not None
    posts = [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01ESC"]
    assert [c.response.get("ok", False) for c in posts] == [False, False, True]


def test_rate_limited_post_waits_for_retry_after(app: Harness) -> None:
    app.fake.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    view = open_modal(app, "alert P1 Exchange down")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    app.settle(timeout=20)
    posts = [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01ESC"]
    assert len(posts) == 2
    assert posts[1].at - posts[0].at >= 0.9


def test_lanes_help_and_mine(app: Harness) -> None:
    resp = app.slack.slash_command("/lanes", text="", user="U01REQ", channel="C01GENERAL")
    text = json.dumps(resp.json())
    assert "Monitoring alert" in text and "A client asks for a faster turnaround" in text
    create(app)
    resp = app.slack.slash_command("/lanes", text="mine", user="U01REQ", channel="C01GENERAL")
    body = resp.json()
    assert body["text"] == "You have 1 open escalations."
    assert "ESC-1" in json.dumps(body["blocks"]) and "Acme Dental" in json.dumps(body["blocks"])
    resp = app.slack.slash_command("/lanes", text="mine", user="U01TECH2", channel="C01GENERAL")
    assert resp.json()["text"] == "You have no open escalations."
