"""Who may act on an escalation, over HTTP (SPEC, "Who may act"): the owning team, the lane's
approvers and the admins work it; its requester may reopen; everyone else is refused with a
clear message and nothing changes."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import TEAM, Harness
from tests.e2e.test_lifecycle import click, create

OUTSIDER = "U02OTHER"  # in no team, no approver, no admin


def refusals(app: Harness) -> list[str]:
    return [c.args["text"] for c in app.fake.wait_for("response_url")]


@pytest.mark.parametrize("action", ["esc_take", "esc_wait"])
def test_an_outsider_is_refused_and_nothing_changes(
    app: Harness, action: str, caplog: pytest.LogCaptureFixture
) -> None:
    create(app)  # alert lane, owned by the NOC
    with caplog.at_level(logging.INFO, logger="bot.services.escalations"):
        click(app, 1, action, OUTSIDER)
    assert [e.kind for e in app.timeline(1)] == ["created"]
    assert app.escalation(1).status == "open"
    assert any("Only NOC (its members and leads)" in t for t in refusals(app))
    assert f"by {OUTSIDER} (not allowed)" in caplog.text


def test_the_requester_may_reopen_but_not_work_it(app: Harness) -> None:
    create(app, user="U01REQ")
    click(app, 1, "esc_take", "U01REQ")
    assert app.escalation(1).owner is None
    assert any("as its requester you can reopen it" in t for t in refusals(app))
    click(app, 1, "esc_take", "U01TECH3")
    click(app, 1, "esc_resolve", "U01TECH3")
    view = app.fake.calls_to("views.open")[-1].response["view"]
    app.slack.submit_view(
        view["id"], user="U01TECH3", values={"done_0": ["0", "1"], "note": "Re-ran the job"}
    )
    app.settle()
    assert app.escalation(1).status == "resolved"
    click(app, 1, "esc_reopen", OUTSIDER)
    assert app.escalation(1).status == "resolved"
    click(app, 1, "esc_reopen", "U01REQ")
    assert app.escalation(1).status == "reopened"


@pytest.mark.parametrize("user", ["U01ADMIN", "U01LEAD", "U01TECH3"])
def test_admins_leads_and_members_may_take_it(app: Harness, user: str) -> None:
    create(app)
    click(app, 1, "esc_take", user)
    assert app.escalation(1).owner == user


def test_a_request_from_another_workspace_is_refused_and_changes_nothing(app: Harness) -> None:
    create(app)
    esc = app.escalation(1)
    app.slack.team_id = "T0FORGED"  # a signed request naming a workspace we are not in
    try:
        resp = app.slack.click(
            {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id="esc_take", user="U01TECH3"
        )
        assert resp.status_code == 200
        app.settle()
    finally:
        app.slack.team_id = TEAM
    assert app.escalation(1).owner is None
    assert [e.kind for e in app.timeline(1)] == ["created"]
    assert any("not set up for this Slack workspace" in t for t in refusals(app))
