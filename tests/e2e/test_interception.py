"""Interception end to end: signed message events, clicks on the ephemeral offer, the modal it
opens, the note in the original thread; the message shortcut, @mentions and DMs to the bot.

Protected in the test lanes: U01TECH1 and U01TECH2 (service desk), always; C01GENERAL and the
other channels have every test user in them.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.adapters.models import Interception, OutboxMessage
from bot.services.interceptions import interruption_counts
from bot.testing.fake_slack import FakeSlack, RecordedCall
from tests.conftest import FIXTURES
from tests.e2e.conftest import (
    TEAM,
    Harness,
    running,
)
from tests.e2e.test_lifecycle import block, create

CHANNEL = "C01GENERAL"
LANE_BUTTONS = ["route:alert", "route:client-request", "route:coverage", "route_not_request"]


# --------------------------------------------------------------------------------- helpers


def say(app: Harness, text: str, *, user: str = "U01REQ", channel: str = CHANNEL, **kw: Any) -> str:
    """``user`` posts ``text``; the event is acked at once with an empty 200. Returns its ts."""
    resp, ts = app.slack.message(channel, user, text, **kw)
    assert resp.status_code == 200 and resp.content == b""
    app.settle()
    return ts


def ephemeral_calls(app: Harness) -> list[RecordedCall]:
    return app.fake.calls_to("chat.postEphemeral")


def offers(app: Harness, user: str = "U01REQ", channel: str = CHANNEL) -> list[dict[str, Any]]:
    """The lane offers ``user`` can see now (ephemerals with the route buttons)."""
    return [
        e
        for e in app.fake.ephemerals(channel, user=user)
        if any(b.get("block_id") == "route" for b in e.get("blocks") or [])
    ]


def action_ids(message: dict[str, Any], block_id: str) -> list[str]:
    return [e["action_id"] for e in block(message, block_id)["elements"]]


def caught(app: Harness) -> list[Interception]:
    with app.container.sessions() as s:
        rows = list(s.scalars(select(Interception).order_by(Interception.id)))
        for r in rows:
            s.expunge(r)
        return rows


def public_posts(app: Harness, channel: str = CHANNEL) -> list[RecordedCall]:
    return [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def assert_not_intercepted(app: Harness) -> None:
    assert ephemeral_calls(app) == []
    assert caught(app) == []
    assert public_posts(app) == []


def permalink(app: Harness, channel: str, ts: str) -> str:
    return f"https://{app.fake.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def route(app: Harness, lane: str, user: str = "U01REQ") -> dict[str, Any]:
    """Click ``lane`` on the offer shown to ``user``; returns the modal that opened."""
    [offer] = offers(app, user)
    before = len(app.fake.calls_to("views.open"))
    resp = app.slack.click(offer, f"route:{lane}", user=user)
    assert resp.status_code == 200
    opened = app.fake.wait_for("views.open", count=before + 1)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    # The modal opens first (its trigger id lives 3 s); the names of people the message
    # mentions follow by views.update once users.info answered (issue 13).
    app.settle()
    updates = [
        c for c in app.fake.calls_to("views.update") if c.args.get("view_id") == view["id"] and c.ok
    ]
    return updates[-1].response["view"] if updates else view


def submit(app: Harness, view: dict[str, Any], user: str = "U01REQ", **values: Any) -> None:
    resp = app.slack.submit_view(view["id"], user=user, values={"client": "Acme", **values})
    assert resp.status_code == 200
    assert resp.content in (b"", b"{}") or "errors" not in resp.json(), resp.text
    app.settle()


# ------------------------------------------------------------------------- the offer itself


def test_a_request_to_a_protected_person_gets_an_ephemeral_offer_to_the_sender_only(
    app: Harness,
) -> None:
    ts = say(app, "<@U01TECH1> can you check the backup alert on FS01 for Acme?")

    [call] = ephemeral_calls(app)
    assert call.ok
    assert (call.args["channel"], call.args["user"]) == (CHANNEL, "U01REQ")
    assert call.args["text"] == "<@U01TECH1> is heads-down; route this request into a lane."
    blocks = call.args["blocks"]
    intro = blocks[0]["text"]["text"]
    assert intro.startswith(":shield: <@U01TECH1> is heads-down. ")
    assert "Requests go through a lane so they get an owner and an SLA" in intro
    # not urgent: no severity hint; the suggested lane (keywords "backup", "alert") first
    assert [b["type"] for b in blocks] == ["section", "actions"]
    [offer] = offers(app)
    assert action_ids(offer, "route") == LANE_BUTTONS
    buttons = block(offer, "route")["elements"]
    assert [b["text"]["text"] for b in buttons] == [
        "Monitoring alert (suggested)",
        "Client priority request",
        "Coverage question",
        "Not a request",
    ]
    assert buttons[0]["style"] == "primary" and all("style" not in b for b in buttons[1:])

    [row] = caught(app)
    assert {b["value"] for b in buttons} == {str(row.id)}
    assert (row.channel, row.message_ts, row.sender, row.targets) == (
        CHANNEL,
        ts,
        "U01REQ",
        ["U01TECH1"],
    )
    assert (row.suggested_lane, row.urgent, row.outcome) == ("alert", False, "pending")
    assert row.text == "<@U01TECH1> can you check the backup alert on FS01 for Acme?"

    # nobody else sees anything, and nothing public is said
    assert app.fake.ephemerals(user="U01TECH1") == []
    assert [e["user"] for e in app.fake.ephemerals()] == ["U01REQ"]
    assert app.fake.calls_to("chat.postMessage") == []


def test_the_suggestion_follows_the_lane_keywords(app: Harness) -> None:
    say(app, "<@U01TECH2> could you cover the Thursday shift for me?")
    [offer] = offers(app)
    assert action_ids(offer, "route") == [
        "route:coverage",
        "route:alert",
        "route:client-request",
        "route_not_request",
    ]
    assert block(offer, "route")["elements"][0]["text"]["text"] == "Coverage question (suggested)"
    assert caught(app)[0].suggested_lane == "coverage"


def test_choosing_a_lane_opens_the_prefilled_modal_and_the_thread_says_where_it_went(
    app: Harness,
) -> None:
    text = "<@U01TECH1> Acme's exchange server is down, can you check the backup alert?"
    ts = say(app, text)
    [offer] = offers(app)
    hint = [b for b in offer["blocks"] if b["type"] == "context"]
    assert [b["elements"][0]["text"] for b in hint] == [
        ":rotating_light: Sounds urgent: the form will start at the highest severity."
    ]
    [row] = caught(app)
    assert row.urgent

    view = route(app, "alert")
    assert view["callback_id"] == "escalate"
    assert block(view, "lane")["element"]["initial_option"]["value"] == "alert"
    assert block(view, "severity")["element"]["initial_option"]["value"] == "P1"
    assert (
        block(view, "summary")["element"]["initial_value"]
        == "@u01tech1 Acme's exchange server is down, can you check the backup alert?"
    )  # the mention is named through users.info (the fake's user is called "u01tech1")
    assert "initial_value" not in block(view, "details")["element"]
    assert json.loads(view["private_metadata"]) == {
        "source": "intercepted",
        "source_channel": CHANNEL,
        "source_ts": ts,
        "requester": "U01REQ",
        "interception": row.id,
    }
    link = f"https://slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
    assert view["blocks"][-1]["elements"][0]["text"] == f"From <{link}|this message>."
    # opening the form changes nothing yet
    assert caught(app)[0].outcome == "pending"
    assert app.escalations() == []

    submit(app, view)

    esc = app.escalation(1)
    assert (esc.lane, esc.severity, esc.client, esc.status) == ("alert", "P1", "Acme", "open")
    assert esc.requester == "U01REQ" and esc.owner is None
    assert esc.source == "intercepted"
    assert (esc.source_channel, esc.source_ts) == (CHANNEL, ts)
    [asked] = app.fake.calls_to("chat.getPermalink")
    assert asked.args == {"channel": CHANNEL, "message_ts": ts}
    assert esc.source_permalink == asked.response["permalink"] == permalink(app, CHANNEL, ts)
    assert f"<{esc.source_permalink}|original message>" in json.dumps(app.lane_message(1))

    # the original message's thread says where it went, once, publicly
    [note] = public_posts(app)
    assert note.args["thread_ts"] == ts
    lane_link = f"https://slack.com/archives/C01ESC/p{esc.lane_ts.replace('.', '')}"  # type: ignore[union-attr]
    assert note.args["text"] == (
        f":arrow_right: Routed to *Monitoring alert* as <{lane_link}|ESC-1> — follow it there."
    )
    thread = app.fake.thread(CHANNEL, ts)
    assert [m["text"] for m in thread] == [text, note.args["text"]]

    [row] = caught(app)
    assert (row.outcome, row.lane, row.escalation_id) == ("routed", "alert", esc.id)
    assert row.decided_at is not None
    assert [e.kind for e in app.timeline(1)] == ["created"]
    assert app.timeline(1)[0].actor == "U01REQ"
    assert len(ephemeral_calls(app)) == 1  # no second offer anywhere


def test_another_lane_than_the_suggested_one_can_be_chosen(app: Harness) -> None:
    say(app, "<@U01TECH2> can you check the backup alert on FS01?")
    view = route(app, "coverage")
    assert block(view, "lane")["element"]["initial_option"]["value"] == "coverage"
    # not urgent: the lane's default severity (coverage has P2 and P3)
    assert block(view, "severity")["element"]["initial_option"]["value"] == "P3"
    submit(app, view, client="Globex")
    esc = app.escalation(1)
    assert (esc.lane, esc.severity, esc.team) == ("coverage", "P3", "service-desk")
    [row] = caught(app)
    assert (row.outcome, row.lane) == ("routed", "coverage")
    [note] = public_posts(app)
    assert "Routed to *Coverage question* as" in note.args["text"]


def test_a_long_message_goes_to_details_and_the_summary_is_cut(app: Harness) -> None:
    long = "<@U01TECH1> can you check the backup alert? " + "The job log says retry. " * 12
    say(app, long.strip())
    view = route(app, "alert")
    summary = block(view, "summary")["element"]["initial_value"]
    assert len(summary) == 150 and summary.endswith("…")
    assert block(view, "details")["element"]["initial_value"] == long.strip().replace(
        "<@U01TECH1>", "@u01tech1"
    )


def test_not_a_request_is_recorded_and_the_offer_disappears(app: Harness) -> None:
    say(app, "<@U01TECH1> can you check the backup alert on FS01?")
    [offer] = offers(app)
    resp = app.slack.click(offer, "route_not_request", user="U01REQ")
    assert resp.status_code == 200
    app.settle()

    [deleted] = app.fake.calls_to("response_url")
    assert deleted.args == {"text": "", "delete_original": True}
    assert deleted.response == {"ok": True}
    assert offers(app) == [] and app.fake.ephemerals() == []
    [row] = caught(app)
    assert row.outcome == "dismissed" and row.decided_at is not None
    assert row.lane is None and row.escalation_id is None
    # and nothing else happens
    assert app.fake.calls_to("views.open") == []
    assert app.fake.calls_to("chat.postMessage") == []
    assert len(ephemeral_calls(app)) == 1
    assert app.escalations() == []


def test_only_the_sender_can_choose_for_their_message(app: Harness) -> None:
    say(app, "<@U01TECH1> can you check the backup alert on FS01?")
    [offer] = offers(app)
    # someone replays the sender's buttons as themselves
    for action_id in ("route:alert", "route_not_request"):
        payload = app.slack.build_click(offer, action_id, user="U02OTHER")
        assert app.slack.send_interaction(payload).status_code == 200
    app.settle()
    assert app.fake.calls_to("views.open") == []
    # Each refusal is answered from the reply pool, so the two may arrive in either order.
    told = sorted(c.args["text"] for c in app.fake.calls_to("response_url"))
    assert told == [
        ":warning: Only the person who sent that message can decide where it goes.",
        ":warning: Only the person who sent that message can route it.",
    ]
    assert caught(app)[0].outcome == "pending"
    assert len(offers(app)) == 1  # the sender's offer is untouched


def test_a_routed_message_cannot_be_routed_again(app: Harness) -> None:
    say(app, "<@U01TECH1> can you check the backup alert on FS01?")
    [offer] = offers(app)
    submit(app, route(app, "alert"))
    # the offer is still on the sender's screen: a second lane, or Not a request, is refused
    app.slack.click(offer, "route:coverage", user="U01REQ")
    app.slack.click(offer, "route_not_request", user="U01REQ")
    app.settle()
    assert len(app.fake.calls_to("views.open")) == 1
    told = [c.args["text"] for c in app.fake.calls_to("response_url")]
    assert told == [
        ":warning: Already routed to Monitoring alert as ESC-1.",
        ":warning: Already routed to Monitoring alert as ESC-1.",
    ]
    assert len(app.escalations()) == 1
    [row] = caught(app)
    assert (row.outcome, row.lane) == ("routed", "alert")


def test_a_retried_event_delivery_replies_and_counts_once(app: Harness) -> None:
    resp, ts = app.slack.message(
        CHANNEL, "U01REQ", "<@U01TECH1> can you check the backup alert?", event_id="Ev0RETRY1"
    )
    assert resp.status_code == 200
    event = dict(app.slack.last_payload["event"])  # type: ignore[index]
    app.settle()
    for retry in (1, 2):
        again = app.slack.event(event, event_id="Ev0RETRY1", retry_num=retry)
        assert again.status_code == 200
    app.settle()
    assert len(ephemeral_calls(app)) == 1
    assert len(offers(app)) == 1
    [row] = caught(app)
    assert row.message_ts == ts


def test_retries_arriving_together_still_reply_once(app: Harness) -> None:
    app.fake.latency = 0.05  # the first delivery is still talking to Slack when the rest arrive
    resp, ts = app.slack.message(
        CHANNEL, "U01REQ", "<@U01TECH2> can you check the backup alert?", event_id="Ev0RETRY2"
    )
    event = dict(app.slack.last_payload["event"])  # type: ignore[index]
    codes: list[int] = []

    def redeliver(retry: int) -> None:
        codes.append(app.slack.event(event, event_id="Ev0RETRY2", retry_num=retry).status_code)

    threads = [threading.Thread(target=redeliver, args=(n,)) for n in (1, 2, 3, 1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.settle()
    assert resp.status_code == 200 and codes == [200] * 5
    assert len(ephemeral_calls(app)) == 1
    assert [r.message_ts for r in caught(app)] == [ts]


# ----------------------------------------------------------------------- not intercepted


def test_the_protected_person_mentioning_themselves_is_not_intercepted(app: Harness) -> None:
    say(app, "<@U01TECH1> can you check the backup alert? (note to self)", user="U01TECH1")
    assert_not_intercepted(app)


def test_bot_messages_are_not_intercepted(app: Harness) -> None:
    for event in (
        # another app's message: bot_id, no subtype
        {"bot_id": "B0OTHER", "app_id": "A0OTHER", "user": "U0OTHERBOT"},
        # a classic bot message
        {"subtype": "bot_message", "bot_id": "B0OTHER", "username": "monitor"},
        # our own post (Slack sends the bot its own messages too)
        {"bot_id": app.fake.bot_id, "user": app.fake.bot_user_id},
    ):
        ts = app.fake.add_message(CHANNEL, user="U0OTHERBOT", text="x")["ts"]
        base = {"type": "message", "channel": CHANNEL, "channel_type": "channel", "ts": ts}
        text = "<@U01TECH1> can you check the backup alert on FS01?"
        resp = app.slack.event({**base, "text": text, **event})
        assert resp.status_code == 200
    app.settle()
    assert_not_intercepted(app)


def test_edits_and_deletions_are_not_intercepted(app: Harness) -> None:
    original = app.fake.add_message(CHANNEL, user="U01REQ", text="morning all")
    request = "<@U01TECH1> can you check the backup alert on FS01?"
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "channel_type": "channel",
        "hidden": True,
        "ts": "1795000000.000200",
        "message": {
            "type": "message",
            "user": "U01REQ",
            "text": request,
            "ts": original["ts"],
            "edited": {"user": "U01REQ", "ts": "1795000000.000200"},
        },
        "previous_message": {"type": "message", "user": "U01REQ", "text": "morning all"},
    }
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": CHANNEL,
        "channel_type": "channel",
        "hidden": True,
        "ts": "1795000000.000300",
        "deleted_ts": original["ts"],
        "previous_message": {"type": "message", "user": "U01REQ", "text": request},
    }
    for event in (edited, deleted):
        assert app.slack.event(event).status_code == 200
    app.settle()
    assert_not_intercepted(app)


def test_replies_in_an_escalations_thread_are_not_intercepted(app: Harness) -> None:
    create(app, text="alert P2 Backups failed three nights")
    esc = app.escalation(1)
    assert esc.lane_ts is not None
    app.fake.reset_calls()
    say(
        app,
        "<@U01TECH1> can you check the backup alert again please?",
        channel="C01ESC",
        thread_ts=esc.lane_ts,
    )
    assert ephemeral_calls(app) == [] and caught(app) == []

    # a reply in any other thread is a ping like any other
    parent = say(app, "Acme's backups are red again")
    say(app, "<@U01TECH1> can you check the backup alert again please?", thread_ts=parent)
    [call] = ephemeral_calls(app)
    assert (call.args["channel"], call.args["user"]) == (CHANNEL, "U01REQ")
    [row] = caught(app)
    assert row.channel == CHANNEL


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> thanks for fixing the VPN yesterday, you're a legend!",
        "fyi <@U01TECH2> the Acme firewall was replaced over the weekend, no action needed",
        "<@U01TECH1> is out today, ask <@U01TECH3> about the backup alert",
        "can someone check the backup alert on FS01?",
        "<@U02OTHER> can you check the backup alert on FS01?",
        "<@U01TECH3> can you check the backup alert on FS01?",  # not protected (no focus)
    ],
)
def test_messages_that_are_not_requests_to_a_protected_person_are_left_alone(
    app: Harness, text: str
) -> None:
    say(app, text)
    assert_not_intercepted(app)


def test_channel_joins_and_other_housekeeping_subtypes_are_ignored(app: Harness) -> None:
    ts = app.fake.add_message(CHANNEL, user="U01REQ", text="x")["ts"]
    event = {
        "type": "message",
        "subtype": "channel_join",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": "U01REQ",
        "text": "<@U01REQ> has joined the channel, <@U01TECH1> can you check the alert?",
        "ts": ts,
    }
    assert app.slack.event(event).status_code == 200
    app.settle()
    assert_not_intercepted(app)


def test_a_file_shared_with_a_request_is_intercepted(app: Harness) -> None:
    ts = app.fake.add_message(CHANNEL, user="U01REQ", text="screenshot")["ts"]
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": "U01REQ",
        "text": "<@U01TECH1> can you check this backup alert? screenshot attached",
        "files": [{"id": "F0SHOT", "name": "alert.png"}],
        "upload": False,
        "ts": ts,
    }
    assert app.slack.event(event).status_code == 200
    app.settle()
    [call] = ephemeral_calls(app)
    assert (call.args["channel"], call.args["user"]) == (CHANNEL, "U01REQ")
    assert caught(app)[0].message_ts == ts


# ------------------------------------------------------------------- user_not_in_channel


def test_a_sender_outside_the_channel_gets_nothing_and_the_next_message_is_still_handled(
    app: Harness,
) -> None:
    app.fake.add_channel("C01OPS", name="ops", members=["U01TECH1", "U01REQ"])
    say(app, "<@U01TECH1> can you check the backup alert?", user="U02OTHER", channel="C01OPS")
    [refused] = ephemeral_calls(app)
    assert (refused.args["channel"], refused.args["user"]) == ("C01OPS", "U02OTHER")
    assert refused.response == {"ok": False, "error": "user_not_in_channel"}
    [row] = caught(app)
    assert (row.outcome, row.reason) == ("undeliverable", "user_not_in_channel")
    assert app.fake.calls_to("chat.postMessage") == []  # nothing public instead
    assert app.fake.ephemerals() == []

    ts = say(app, "<@U01TECH1> can you check the disk alert on SQL02?", channel="C01OPS")
    ok = ephemeral_calls(app)[-1]
    assert ok.ok and (ok.args["channel"], ok.args["user"]) == ("C01OPS", "U01REQ")
    assert len(offers(app, channel="C01OPS")) == 1
    assert [(r.message_ts, r.outcome) for r in caught(app)][-1] == (ts, "pending")
    # an undeliverable catch is not an interruption
    assert "undeliverable" not in {k[2] for k in counts(app)}


# ------------------------------------------------------------ DMs, @mentions, the shortcut


def test_a_direct_message_to_the_bot_gets_the_how_to_with_lane_buttons(app: Harness) -> None:
    dm = app.fake.im_channel("U01REQ")
    resp, _ = app.slack.message(dm, "U01REQ", "hi, how do I ask the techs for something?")
    assert resp.status_code == 200
    event = dict(app.slack.last_payload["event"])  # type: ignore[index]
    assert event["channel_type"] == "im"
    app.settle()
    app.slack.event(event, event_id=app.slack.last_payload["event_id"], retry_num=1)  # type: ignore[index]
    app.settle()

    [post] = app.fake.calls_to("chat.postMessage")
    assert post.ok and post.args["channel"] == dm
    assert post.args["text"] == "How to use Lanekeeper"
    intro = post.args["blocks"][0]["text"]["text"]
    assert "`/escalate [lane] [summary]`" in intro and "`/focus 90m`" in intro
    assert "*Escalate this message*" in intro
    message = app.fake.messages(dm)[-1]
    assert action_ids(message, "start") == ["start:alert", "start:client-request", "start:coverage"]
    assert [b["text"]["text"] for b in block(message, "start")["elements"]] == [
        "Monitoring alert",
        "Client priority request",
        "Coverage question",
    ]
    assert ephemeral_calls(app) == [] and caught(app) == []

    # a lane button opens the escalation form for that lane
    app.slack.click(message, "start:coverage", user="U01REQ")
    [opened] = app.fake.wait_for("views.open")
    view = opened.response["view"]
    assert block(view, "lane")["element"]["initial_option"]["value"] == "coverage"
    assert json.loads(view["private_metadata"]) == {"source": "slash_command"}
    submit(app, view, summary="Need cover for Thursday")
    esc = app.escalation(1)
    assert (esc.lane, esc.requester, esc.source) == ("coverage", "U01REQ", "slash_command")


def test_the_bots_own_dm_posts_and_dm_thread_replies_get_no_how_to(app: Harness) -> None:
    dm = app.fake.im_channel("U01REQ")
    first = app.fake.add_message(dm, user="U01REQ", text="hello")
    app.slack.event(
        {
            "type": "message",
            "channel": dm,
            "channel_type": "im",
            "user": app.fake.bot_user_id,
            "bot_id": app.fake.bot_id,
            "text": "How to use Lanekeeper",
            "ts": app.fake.add_message(dm, user=app.fake.bot_user_id, text="x")["ts"],
        }
    )
    app.slack.message(dm, "U01REQ", "thanks", thread_ts=first["ts"])
    app.settle()
    assert app.fake.calls_to("chat.postMessage") == []


def test_an_at_mention_of_the_bot_gets_the_how_to_as_an_ephemeral(app: Harness) -> None:
    bot = app.fake.bot_user_id
    text = f"<@{bot}> how does this work?"
    ts = say(app, text)  # the message event: nobody protected in it
    mention = {"type": "app_mention", "user": "U01REQ", "text": text, "ts": ts, "channel": CHANNEL}
    assert app.slack.event(mention, event_id="Ev0MENTION").status_code == 200
    app.settle()
    assert app.slack.event(mention, event_id="Ev0MENTION", retry_num=1).status_code == 200
    app.settle()

    [call] = ephemeral_calls(app)
    assert (call.args["channel"], call.args["user"]) == (CHANNEL, "U01REQ")
    assert call.args["text"] == "How to use Lanekeeper"
    [shown] = app.fake.ephemerals(CHANNEL, user="U01REQ")
    assert action_ids(shown, "start") == ["start:alert", "start:client-request", "start:coverage"]
    assert caught(app) == [] and app.fake.calls_to("chat.postMessage") == []


def test_an_at_mention_from_outside_the_channel_is_answered_by_nobody(app: Harness) -> None:
    app.fake.add_channel("C01OPS", name="ops", members=["U01REQ"])
    bot = app.fake.bot_user_id
    event = {
        "type": "app_mention",
        "user": "U02OTHER",
        "text": f"<@{bot}> help",
        "ts": app.fake.add_message("C01OPS", user="U02OTHER", text="x")["ts"],
        "channel": "C01OPS",
    }
    assert app.slack.event(event).status_code == 200
    app.settle()
    [refused] = ephemeral_calls(app)
    assert refused.response["error"] == "user_not_in_channel"
    assert app.fake.calls_to("chat.postMessage") == []


def test_the_message_shortcut_turns_any_message_into_an_escalation(app: Harness) -> None:
    text = "Acme wants the printer migration expedited before Friday <!channel>"
    ts = say(app, text)
    assert_not_intercepted(app)  # no protected mention: nothing offered
    resp = app.slack.message_shortcut("escalate_message", CHANNEL, ts, "U01TECH1")
    assert resp.status_code == 200
    [opened] = app.fake.wait_for("views.open")
    view = opened.response["view"]
    assert view["callback_id"] == "escalate"
    assert block(view, "lane")["element"]["initial_option"]["value"] == "client-request"
    assert (
        block(view, "summary")["element"]["initial_value"]
        == "Acme wants the printer migration expedited before Friday @channel"
    )
    assert json.loads(view["private_metadata"]) == {
        "source": "message_shortcut",
        "source_channel": CHANNEL,
        "source_ts": ts,
    }
    link = f"https://slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
    assert view["blocks"][-1]["elements"][0]["text"] == f"From <{link}|this message>."

    submit(app, view, user="U01TECH1", severity="P3")
    esc = app.escalation(1)
    assert (esc.lane, esc.severity, esc.status) == ("client-request", "P3", "open")
    assert esc.source == "message_shortcut" and esc.requester == "U01TECH1"
    assert (esc.source_channel, esc.source_ts) == (CHANNEL, ts)
    assert esc.source_permalink == permalink(app, CHANNEL, ts)
    [note] = public_posts(app)
    assert note.args["thread_ts"] == ts
    assert note.args["text"].startswith(":arrow_right: Routed to *Client priority request* as <")
    assert "|ESC-1>" in note.args["text"]
    assert "<!channel>" not in json.dumps(app.lane_message(1))
    assert caught(app) == []  # a shortcut is not an interruption


def test_the_shortcut_on_a_thread_reply_notes_it_in_that_thread(app: Harness) -> None:
    parent = say(app, "Backups at Acme")
    reply = say(app, "the backup alert fired again on FS01", thread_ts=parent)
    app.slack.message_shortcut("escalate_message", CHANNEL, reply, "U01TECH2")
    [opened] = app.fake.wait_for("views.open")
    view = opened.response["view"]
    assert block(view, "lane")["element"]["initial_option"]["value"] == "alert"
    submit(app, view, user="U01TECH2")
    esc = app.escalation(1)
    assert esc.source_ts == reply
    assert esc.source_permalink == (
        permalink(app, CHANNEL, reply) + f"?thread_ts={parent}&cid={CHANNEL}"
    )
    [note] = public_posts(app)
    assert note.ok and note.args["thread_ts"] == reply
    assert [m["ts"] for m in app.fake.thread(CHANNEL, parent)][:2] == [parent, reply]
    assert len(app.fake.thread(CHANNEL, parent)) == 3


# ---------------------------------------------------------------------------- counting


def counts(app: Harness, tz: str = "America/Chicago") -> Counter[tuple[str, date, str]]:
    now = app.container.clock()
    return interruption_counts(
        app.container.uow(),
        slack_team_id=TEAM,
        since=now - timedelta(days=7),
        until=now + timedelta(minutes=1),
        tz=tz,
        now=now,
    )


def test_interruptions_are_counted_per_person_day_and_outcome(app: Harness) -> None:
    chicago = ZoneInfo("America/Chicago")
    # 1: routed to the alert lane
    say(app, "<@U01TECH1> can you check the backup alert on FS01?")
    submit(app, route(app, "alert"))
    # 2: not a request
    say(app, "<@U01TECH1> can you look at the printer?", user="U01SM")
    app.slack.click(offers(app, "U01SM")[0], "route_not_request", user="U01SM")
    # 3: one message to both protected people, left alone
    say(app, "<@U01TECH1> <@U01TECH2> can you two check the VPN?", user="U01LEAD")
    # 4: to U01TECH2, left alone, and from yesterday: ignored
    say(app, "<@U01TECH2> could you cover Thursday?", user="U02OTHER")
    # 5: routed to coverage by someone else
    say(app, "<@U01TECH2> can you cover the on-call shift?", user="U01TECH1")
    submit(app, route(app, "coverage", user="U01TECH1"), user="U01TECH1", client="Globex")
    app.settle()

    rows = caught(app)
    assert [r.targets for r in rows] == [
        ["U01TECH1"],
        ["U01TECH1"],
        ["U01TECH1", "U01TECH2"],
        ["U01TECH2"],
        ["U01TECH2"],
    ]
    assert [r.outcome for r in rows] == ["routed", "dismissed", "pending", "pending", "routed"]
    yesterday = rows[3].created_at - timedelta(days=1)
    with app.container.sessions() as s:
        s.execute(
            update(Interception).where(Interception.id == rows[3].id).values(created_at=yesterday)
        )
        s.commit()
    app.clock.set(max(r.created_at for r in rows) + timedelta(seconds=1))

    day = {r.id: r.created_at.astimezone(chicago).date() for r in rows}
    assert counts(app) == Counter(
        {
            ("U01TECH1", day[rows[0].id], "routed:alert"): 1,
            ("U01TECH1", day[rows[1].id], "dismissed"): 1,
            ("U01TECH1", day[rows[2].id], "pending"): 1,
            ("U01TECH2", day[rows[2].id], "pending"): 1,
            ("U01TECH2", yesterday.astimezone(chicago).date(), "ignored"): 1,
            ("U01TECH2", day[rows[4].id], "routed:coverage"): 1,
        }
    )
    # the next day, what is still pending counts as ignored
    app.clock.set(app.clock() + timedelta(days=1))
    later = counts(app)
    assert later[("U01TECH1", day[rows[2].id], "ignored")] == 1
    assert later[("U01TECH2", day[rows[2].id], "ignored")] == 1
    assert not [k for k in later if k[2] == "pending"]


# ------------------------------------------------------------- other configurations


@contextmanager
def harness_with(
    db_url: str, fake: FakeSlack, tmp_path: Path, changes: dict[str, str]
) -> Iterator[Harness]:
    """The app over HTTP, like the ``app`` fixture, on the test lanes with ``changes``
    (old text → new text) applied to the file."""
    text = (FIXTURES / "lanes.yaml").read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "lanes.yaml"
    path.write_text(text)
    with running(db_url, fake, path) as harness:
        yield harness


def test_only_the_listed_channels_are_watched(
    db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    with harness_with(
        db_url, fake_slack, tmp_path, {"  channels: all": "  channels: [C01DESK]"}
    ) as app:
        say(app, "<@U01TECH1> can you check the backup alert on FS01?", channel=CHANNEL)
        assert_not_intercepted(app)
        say(app, "<@U01TECH1> can you check the backup alert on FS01?", channel="C01DESK")
        [call] = ephemeral_calls(app)
        assert (call.args["channel"], call.args["user"]) == ("C01DESK", "U01REQ")
        assert [r.channel for r in caught(app)] == ["C01DESK"]


def test_leads_and_admins_reach_their_own_team_when_exempt(
    db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    changes = {
        "  users: [U01TECH1, U01TECH2]\n": "  users: [U01TECH1, U01TECH2, U01TECH3]\n"
        "  exempt_leads: true\n",
        "    members: [U01TECH3]\n    leads: [U01LEAD]": "    members: [U01TECH3]\n    leads: [U01SM]",
    }
    with harness_with(db_url, fake_slack, tmp_path, changes) as app:
        assert app.container.lanes.config.protected.exempt_leads is True
        ask = "can you check the backup alert on FS01?"
        # U01LEAD leads the service desk (U01TECH1, U01TECH2); U01SM leads the NOC (U01TECH3)
        say(app, f"<@U01TECH1> {ask}", user="U01LEAD")
        say(app, f"<@U01TECH3> {ask}", user="U01SM")
        say(app, f"<@U01TECH2> {ask}", user="U01ADMIN")
        say(app, f"<@U01TECH3> {ask}", user="U01ADMIN")
        assert ephemeral_calls(app) == [] and caught(app) == []

        # a lead is not exempt towards another team, nor is anyone else
        say(app, f"<@U01TECH3> {ask}", user="U01LEAD")
        say(app, f"<@U01TECH1> <@U01TECH3> {ask}", user="U01LEAD")
        say(app, f"<@U01TECH1> {ask}", user="U01SM")
        say(app, f"<@U01TECH1> {ask}", user="U01REQ")
        assert [(r.sender, r.targets) for r in caught(app)] == [
            ("U01LEAD", ["U01TECH3"]),
            ("U01LEAD", ["U01TECH3"]),
            ("U01SM", ["U01TECH1"]),
            ("U01REQ", ["U01TECH1"]),
        ]
        texts = [c.args["text"] for c in ephemeral_calls(app)]
        assert texts[1] == "<@U01TECH3> is heads-down; route this request into a lane."


def test_leads_are_intercepted_like_anyone_unless_exempt(app: Harness) -> None:
    assert app.container.lanes.config.protected.exempt_leads is False
    say(app, "<@U01TECH1> can you check the backup alert on FS01?", user="U01LEAD")
    say(app, "<@U01TECH2> can you check the backup alert on FS01?", user="U01ADMIN")
    assert [(r.sender, r.targets) for r in caught(app)] == [
        ("U01LEAD", ["U01TECH1"]),
        ("U01ADMIN", ["U01TECH2"]),
    ]
    assert [c.args["user"] for c in ephemeral_calls(app)] == ["U01LEAD", "U01ADMIN"]


def test_no_outbox_rows_for_an_offer(app: Harness) -> None:
    """The offer goes straight to Slack (a late ephemeral is no use): nothing waits in the
    outbox, so a Slack outage cannot replay it minutes later."""
    say(app, "<@U01TECH1> can you check the backup alert on FS01?")
    with app.container.sessions() as s:
        assert list(s.scalars(select(OutboxMessage))) == []
    assert len(ephemeral_calls(app)) == 1


def test_a_message_event_is_acked_even_while_slack_refuses_the_reply(app: Harness) -> None:
    app.fake.set_down()  # every Web API call answers 503 for now
    ts = say(app, "<@U01TECH1> can you check the backup alert on FS01?")  # still 200, empty
    [refused] = ephemeral_calls(app)
    assert refused.status == 503
    [row] = caught(app)
    assert (row.message_ts, row.outcome) == (ts, "undeliverable")
    app.fake.set_down(False)
    say(app, "<@U01TECH1> can you check the disk alert on SQL02?")
    assert ephemeral_calls(app)[-1].ok
    assert [r.outcome for r in caught(app)] == ["undeliverable", "pending"]


def test_the_shortcut_works_where_the_bot_cannot_post(app: Harness) -> None:
    app.fake.add_channel(
        "C01CLIENT", name="client-acme", members=["U01REQ", "U01TECH1"], bot_is_member=False
    )
    ts = say(app, "the Acme backup alert fired again", channel="C01CLIENT")
    app.slack.message_shortcut("escalate_message", "C01CLIENT", ts, "U01TECH1")
    [opened] = app.fake.wait_for("views.open")
    submit(app, opened.response["view"], user="U01TECH1")
    esc = app.escalation(1)
    assert (esc.status, esc.source_ts) == ("open", ts)
    assert esc.source_permalink == permalink(app, "C01CLIENT", ts)
    assert esc.lane_ts is not None  # the lane message went out
    [refused] = public_posts(app, "C01CLIENT")
    assert refused.response == {"ok": False, "error": "not_in_channel"}


def test_the_modal_opens_before_any_name_lookup(app: Harness) -> None:
    say(app, "<@U01TECH1> <@U02OTHER> can you check the backup alert on FS01?")
    before = len(app.fake.calls)
    route(app, "alert")
    methods = [c.method for c in app.fake.calls[before:]]
    assert "views.open" in methods and "users.info" in methods
    assert methods.index("views.open") < methods.index("users.info")  # trigger ids live 3 s
    assert "views.update" in methods
