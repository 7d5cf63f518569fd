"""Bad input gets a clear message and changes nothing (issue 14, items 7–10).

Every value the server receives is validated as if the client were hostile: what a person typed
is escaped when echoed and capped; NUL bytes and lone surrogates never reach the database; ids
are held to Slack's shapes and links to http(s); malformed payloads answer 400, never 500, and
never end on the generic "Something went wrong".
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.testing.fake_slack import RecordedCall
from tests.e2e.conftest import Harness, reply_text
from tests.e2e.test_approvals import approval_dm, request
from tests.e2e.test_interception import caught, offers, say
from tests.e2e.test_lifecycle import click, create, open_modal

GENERIC = "Something went wrong"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
RAW_MARKUP = re.compile(r"<!channel>|<!here>|<!everyone>|<@U01TECH1>|<https?://evil[^>]*>")


def all_text(calls: list[RecordedCall]) -> str:
    return json.dumps([c.args for c in calls], ensure_ascii=False)


def generic_errors(app: Harness) -> list[RecordedCall]:
    return [c for c in app.fake.calls if GENERIC in json.dumps(c.args)]


# ------------------------------------------------------------------------- item 7: echoes


@pytest.mark.parametrize(
    "typed",
    [
        "<!channel> look",
        "<!here|here> now",
        "<@U01TECH1> 90m",
        "<https://evil.example|click me> 2h",
        "until <!everyone>",
        "&lt;!channel&gt; 90m",
    ],
)
def test_focus_echoes_what_was_typed_escaped(app: Harness, typed: str) -> None:
    resp = app.slack.slash_command("/focus", text=typed, user="U01TECH3", channel="C01NOC")
    assert resp.status_code == 200
    said = reply_text(resp)
    assert said.startswith(":warning:"), said
    assert not RAW_MARKUP.search(said), said
    assert "<" not in said.split(". Use")[0], said  # the echo itself carries no markup
    assert "&amp;lt;" in said or "&lt;" in said


def test_focus_with_100_kb_of_text_is_refused_briefly(app: Harness) -> None:
    resp = app.slack.slash_command(
        "/focus", text="<!channel>" + "x" * 100_000, user="U01TECH3", channel="C01NOC"
    )
    assert resp.status_code == 200
    said = reply_text(resp)
    assert len(said) < 500 and "100010 characters" in said
    assert "<!channel>" not in said


# ---------------------------------------------------------- item 8: NUL and lone surrogates


def test_nul_bytes_and_lone_surrogates_in_the_modal_are_dropped_field_by_field(
    app: Harness,
) -> None:
    view = open_modal(app, "alert P2 Backups failed")
    resp = app.slack.submit_view(
        view["id"],
        user="U01REQ",
        values={
            "client": "Acme\x00 Dental\ud800",
            "summary": "Backups\x00 failed \udfff three nights",
            "details": "log\x00 says \ud83d no",
            "psa_ticket": "48\x0013",
        },
    )
    assert resp.status_code == 200
    assert GENERIC not in resp.text and generic_errors(app) == []
    app.settle()
    esc = app.escalation(1)
    assert (esc.client, esc.summary, esc.details, esc.psa_ticket) == (
        "Acme Dental",
        "Backups failed  three nights",
        "log says  no",
        "4813",
    )


def test_nul_bytes_and_lone_surrogates_in_a_resolution_note(app: Harness) -> None:
    create(app)
    click(app, 1, "esc_resolve", "U01TECH3")
    view = app.fake.calls_to("views.open")[-1].response["view"]
    resp = app.slack.submit_view(
        view["id"],
        user="U01TECH3",
        values={"done_0": ["0", "1"], "note": "Cleared\x00 the alert \udc00"},
    )
    assert resp.status_code == 200 and GENERIC not in resp.text
    app.settle()
    esc = app.escalation(1)
    assert (esc.status, esc.resolution_note) == ("resolved", "Cleared the alert")
    assert generic_errors(app) == []


def test_a_message_with_nul_bytes_and_lone_surrogates_is_still_intercepted(app: Harness) -> None:
    say(app, "<@U01TECH1> can you check the disk\x00 alert on SQL02? \ud83d")
    [row] = caught(app)
    assert "\x00" not in row.text and "\ud83d" not in row.text
    assert row.text.startswith("<@U01TECH1> can you check the disk alert")
    assert len(offers(app)) == 1
    assert generic_errors(app) == []


# ------------------------------------------------- item 9: caps, id shapes, link schemes


def test_a_100_kb_reject_reason_is_refused_in_the_modal(app: Harness) -> None:
    request(app)
    app.settle()
    app.slack.click(approval_dm(app, "U01LEAD"), action_id="approval_reject", user="U01LEAD")
    view = app.fake.wait_for("views.open", count=2)[-1].response["view"]
    payload = app.slack.build_view_submission(
        view["id"], user="U01LEAD", values={"reason": "no"}, strict=False
    )
    payload["view"]["state"]["values"]["reason"]["reason"]["value"] = "<!channel> " * 10_000
    resp = app.slack.send_interaction(payload)
    assert resp.status_code == 200
    assert resp.json()["response_action"] == "errors"
    assert "under 1000 characters" in resp.json()["errors"]["reason"]
    app.settle()
    assert app.escalation(1).status == "pending_approval"
    assert max(len(json.dumps(c.args)) for c in app.fake.calls) < 20_000


def test_a_forged_selected_user_is_refused_and_never_posted(app: Harness) -> None:
    create(app)
    click(app, 1, "esc_reassign", "U01LEAD")
    view = app.fake.calls_to("views.open")[-1].response["view"]
    payload = app.slack.build_view_submission(
        view["id"], user="U01LEAD", values={"owner": "U01TECH3"}, strict=False
    )
    payload["view"]["state"]["values"]["owner"]["owner"]["selected_user"] = "U1><!channel"
    resp = app.slack.send_interaction(payload)
    assert resp.json() == {"response_action": "errors", "errors": {"owner": "Pick the new owner."}}
    app.settle()
    assert app.escalation(1).owner is None
    assert "<!channel>" not in all_text(app.fake.calls)


@pytest.mark.parametrize(
    "permalink",
    [
        "javascript:alert(1)",
        "JavaScript://slack.com/%0aalert(1)",
        "data:text/html,<script>x</script>",
        "https://evil.example|click>",
    ],
)
def test_a_forged_permalink_in_private_metadata_is_never_stored_or_shown(
    app: Harness, permalink: str
) -> None:
    view = open_modal(app, "alert P2 Backups failed")
    payload = app.slack.build_view_submission(
        view["id"], user="U01REQ", values={"client": "Acme"}, strict=False
    )
    payload["view"]["private_metadata"] = json.dumps(
        {
            "source": "intercepted",
            "permalink": permalink,
            "source_channel": "C1><!channel",
            "source_ts": "1.2|<!here>",
            "requester": "U1><!channel",
            "interception": "12abc",
        }
    )
    resp = app.slack.send_interaction(payload)
    assert resp.status_code == 200 and b"errors" not in resp.content
    app.settle()
    esc = app.escalation(1)
    assert esc.source_permalink is None and esc.source_channel is None
    assert esc.requester == "U01REQ"
    dumped = all_text(app.fake.calls)
    assert "javascript:" not in dumped.lower() and "data:text" not in dumped
    assert "<!channel>" not in dumped and "<!here>" not in dumped


# -------------------------------------------------------------- item 10: malformed payloads


def _interaction(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": "U01REQ", "name": "u01req"},
        "team": {"id": "T0LANE"},
        "trigger_id": "1.2.abc",
        "api_app_id": "A0LANE",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def _form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


DEEP = "[" * 50_000 + "]" * 50_000
MALFORMED: list[tuple[str, bytes, dict[str, str]]] = [
    ("actions as a dict", _form(_interaction(actions={"action_id": "esc_take"})), FORM),
    ("actions empty", _form(_interaction(actions=[])), FORM),
    ("actions of strings", _form(_interaction(actions=["esc_take"])), FORM),
    ("action without id", _form(_interaction(actions=[{"value": "1"}])), FORM),
    ("view as a string", _form(_interaction(type="view_submission", view="escalate")), FORM),
    (
        "view without id",
        _form(_interaction(type="view_submission", view={"callback_id": "x"})),
        FORM,
    ),
    (
        "view state as a list",
        _form(
            _interaction(
                type="view_submission",
                view={"id": "V1", "callback_id": "escalate", "state": {"values": []}},
            )
        ),
        FORM,
    ),
    ("user as a string", _form(_interaction(user="U01REQ", actions=[{"action_id": "a"}])), FORM),
    ("forged user id", _form(_interaction(user={"id": "U1><!channel"})), FORM),
    ("team as a string", _form(_interaction(team="T0LANE", actions=[{"action_id": "a"}])), FORM),
    ("shortcut without callback", _form(_interaction(type="message_action")), FORM),
    ("50,000-deep payload", urlencode({"payload": DEEP}).encode(), FORM),
    ("50,000-deep JSON body", DEEP.encode(), {"Content-Type": "application/json"}),
    (
        "50,000-deep event",
        ('{"type":"event_callback","event":' + "[" * 50_000 + "]" * 50_000 + "}").encode(),
        {"Content-Type": "application/json"},
    ),
    (
        "event as a list",
        json.dumps({"type": "event_callback", "event": []}).encode(),
        {"Content-Type": "application/json"},
    ),
    (
        "event text as a dict",
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0LANE",
                "event": {"type": "message", "user": "U01REQ", "channel": "C01GENERAL", "text": {}},
            }
        ).encode(),
        {"Content-Type": "application/json"},
    ),
    ("command without a user", urlencode({"command": "/focus", "text": "x"}).encode(), FORM),
    (
        "command with a forged user",
        urlencode({"command": "/focus", "user_id": "U1><!here", "text": "x"}).encode(),
        FORM,
    ),
]


@pytest.mark.parametrize("name,body,headers", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_payloads_answer_400_never_500(
    app: Harness, name: str, body: bytes, headers: dict[str, str]
) -> None:
    resp = app.slack.raw(body, headers)
    assert resp.status_code == 400, (name, resp.status_code, resp.text[:200])
    assert resp.json()["ok"] is False
    app.settle()
    assert generic_errors(app) == [] and app.escalations() == []
    ok = app.slack.slash_command("/lanes", text="", user="U01REQ", channel="C01GENERAL")
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "action_id,value",
    [
        ("esc_take", "1e3"),
        ("esc_take", "²"),
        ("esc_take", "9" * 40),
        ("esc_take", "-1"),
        ("route:alert", "abc"),
        ("route:alert", "٣"),
        ("route_not_request", ""),
        ("approval_approve", "1; DROP TABLE"),
    ],
)
def test_forged_button_values_get_a_clear_message(app: Harness, action_id: str, value: str) -> None:
    create(app)
    payload = _interaction(
        actions=[{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
        channel={"id": "C01GENERAL"},
        response_url=app.fake.new_response_url(channel="C01GENERAL", user="U01LEAD"),
        user={"id": "U01LEAD"},
    )
    resp = app.slack.send_interaction(payload)
    assert resp.status_code == 200
    app.settle()
    assert generic_errors(app) == []
    told = [c for c in app.fake.calls if c.method == "response_url"]
    assert told and ":warning:" in told[-1].args["text"], [c.args for c in told]
    assert app.escalation(1).status == "open"
