"""Property: whatever a person (or a forged client) sends, the app answers sanely (issue 14).

Every modal field, slash-command text and button value is driven with arbitrary unicode (NUL
bytes, lone surrogates, emoji, CJK), sizes and shapes through signed HTTP requests to the
running app with the fake Slack, and: never a 500, never the generic error, never raw markup
from the input in any Slack call, never a stored partial row.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.adapters.models import Escalation, TimelineEntry
from tests.e2e.conftest import Harness, reply_text

MARKUP = ["<!channel>", "<!here>", "<@U0EVIL>", "<https://evil.example|bank>", "<#C0EVIL>"]
RAW = re.compile(r"<!channel>|<!here>|<@U0EVIL>|<https://evil\.example|<#C0EVIL>")
GENERIC = "Something went wrong"
POSTS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}

_chars = st.characters(codec=None, exclude_categories=())  # surrogates and NUL included
_piece = st.one_of(
    st.text(_chars, max_size=40),
    st.sampled_from(MARKUP),
    st.sampled_from(["😀" * 40, "漢" * 60, "\x00", "\ud800", "&amp;", " "]),
)
typed = st.one_of(
    st.lists(_piece, max_size=6).map("".join),
    st.builds(lambda p, n: p * n, _piece, st.integers(1, 3000)),
)


def fits(cap: int) -> st.SearchStrategy[str]:
    """Mostly what the modal allows (so it reaches the database), sometimes anything."""
    within = st.lists(_piece, min_size=1, max_size=4).map(lambda p: ("a" + "".join(p))[:cap])
    return st.one_of(within, within, within, typed)


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _posted_since(app: Harness, start: int) -> str:
    calls = [c for c in app.fake.calls[start:] if c.method in POSTS]
    return json.dumps([c.args for c in calls], ensure_ascii=False)


def _check(app: Harness, start: int, *answers: Any) -> None:
    for resp in answers:
        assert resp.status_code < 500, resp.text[:300]
        assert GENERIC not in resp.text and not RAW.search(resp.text), resp.text[:300]
    app.settle()
    posted = _posted_since(app, start)
    assert GENERIC not in posted
    assert not RAW.search(posted), RAW.search(posted)
    with app.container.sessions() as s:  # no partial row: every escalation is whole
        for esc in s.scalars(select(Escalation)):
            assert esc.summary and esc.client and esc.lane and esc.severity
            created = s.scalar(
                select(func.count(TimelineEntry.id)).where(TimelineEntry.escalation_id == esc.id)
            )
            assert created, f"{esc.ref} has no timeline"


@SETTINGS
@given(text=typed)
def test_any_slash_command_text(app: Harness, text: str) -> None:
    # A form body is UTF-8 bytes: a lone surrogate cannot travel in one (it can in JSON).
    text = text.encode("utf-8", "replace").decode("utf-8")
    start = len(app.fake.calls)
    answers = [
        app.slack.slash_command(command, text=text, user="U01TECH3", channel="C01NOC")
        for command in ("/focus", "/lanes", "/escalate")
    ]
    _check(app, start, *answers)
    assert all(reply_text(r) is not None for r in answers)


@SETTINGS
@given(client=fits(80), summary=fits(150), details=fits(2900), ticket=fits(40))
def test_any_modal_fields(
    app: Harness, client: str, summary: str, details: str, ticket: str
) -> None:
    start = len(app.fake.calls)
    before = len(app.fake.calls_to("views.open"))
    opened = app.slack.slash_command("/escalate", text="alert P2", user="U01REQ", channel="C01NOC")
    view = app.fake.wait_for("views.open", count=before + 1)[-1]
    payload = app.slack.build_view_submission(
        view.response["view"]["id"], user="U01REQ", values={"client": "x"}, strict=False
    )
    values = payload["view"]["state"]["values"]
    for block_id, value in (
        ("client", client),
        ("summary", summary),
        ("details", details),
        ("psa_ticket", ticket),
    ):
        values[block_id][block_id]["value"] = value
    resp = app.slack.send_interaction(payload)
    _check(app, start, opened, resp)
    if resp.status_code == 413:  # over the front's 1 MB: refused whole (Slack never sends one)
        assert resp.json() == {"ok": False, "error": "body too large"}
        return
    if resp.content.strip() not in (b"", b"{}"):
        answer = resp.json()
        assert answer["response_action"] == "errors" and answer["errors"]  # back in the modal


@SETTINGS
@given(value=typed, action=st.sampled_from(["esc_take", "route:alert", "approval_approve"]))
def test_any_button_value(app: Harness, value: str, action: str) -> None:
    start = len(app.fake.calls)
    payload = {
        "type": "block_actions",
        "user": {"id": "U01LEAD"},
        "team": {"id": "T0LANE"},
        "channel": {"id": "C01GENERAL"},
        "trigger_id": "1.2.abc",
        "response_url": app.fake.new_response_url(channel="C01GENERAL", user="U01LEAD"),
        "actions": [{"action_id": action, "block_id": "b", "type": "button", "value": value}],
    }
    _check(app, start, app.slack.send_interaction(payload))
