"""Alert webhooks with many workspaces (OAuth): ``POST /hooks/alerts/<TEAM_ID>/<source>`` with
that workspace's own token (``LANEKEEPER_ALERT_TOKEN_<TEAM_ID>_<SOURCE>``). Two workspaces
installed through the flow against the fake Slack: an alert for one is stored and posted there,
with its token, and never touches the other; another workspace's token, a forged or unknown team
id, a workspace without a lanes file, and the single-workspace URL are refused with a clear 404
(401 for the wrong token) and store nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bot.adapters.models import AlertLink, Escalation, OutboxMessage
from bot.testing import alert_payloads as ap
from tests.e2e.test_workspaces import ALPHA, BETA, GAMMA, Multi, multi  # noqa: F401

TOKENS = {ALPHA: "alpha-alerts-7c1e", BETA: "beta-alerts-94d0", GAMMA: "gamma-alerts-3b5a"}
SINGLE = "single-workspace-token-0f2a"


@pytest.fixture(autouse=True)
def alert_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each workspace's Alertmanager token, set before the app is built (autouse fixtures come
    first), and a single-workspace token that multi-workspace mode ignores."""
    for team, token in TOKENS.items():
        monkeypatch.setenv(f"LANEKEEPER_ALERT_TOKEN_{team}_ALERTMANAGER", token)
    monkeypatch.setenv("LANEKEEPER_ALERT_TOKEN_ALERTMANAGER", SINGLE)


@pytest.fixture
def m(multi: Multi) -> Multi:  # noqa: F811
    return multi


def post(m: Multi, path: str, token: str, body: bytes) -> httpx.Response:
    headers, _ = ap.request_parts(token)
    return httpx.post(f"{m.base}/hooks/alerts/{path}", content=body, headers=headers)


def stored(m: Multi) -> dict[str, tuple[int, int, int]]:
    """Per workspace: escalations, alert links, posts queued."""
    out = {}
    with m.container.sessions() as s:
        for team in (ALPHA, BETA, GAMMA):
            out[team] = tuple(
                int(s.scalar(sa.select(sa.func.count()).where(model.slack_team_id == team)) or 0)
                for model in (Escalation, AlertLink, OutboxMessage)  # type: ignore[attr-defined]
            )
    return out  # type: ignore[return-value]


def lane_posts(m: Multi, channel: str) -> list[Any]:
    return [
        c
        for c in m.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == channel and not c.args.get("thread_ts") and c.ok
    ]


def test_an_alert_files_into_the_workspace_its_url_names_and_no_other(m: Multi) -> None:
    body = ap.alertmanager_body(ap.node_down_notification())
    resp = post(m, f"{ALPHA}/alertmanager", TOKENS[ALPHA], body)
    assert resp.status_code == 200, resp.text
    m.settle()
    [esc] = m.escalations(ALPHA)
    assert (esc["lane"], esc["lane_channel"], esc["client"]) == ("alert", "C01ESC", "Acme Dental")
    assert m.escalations(BETA) == []
    [posted] = lane_posts(m, "C01ESC")
    assert m.fake.team_of_token(posted.token) == ALPHA  # posted with ALPHA's own token
    assert lane_posts(m, "C02ESC") == []

    # The same alert (same fingerprint) sent to BETA is BETA's own escalation, ESC-1 there.
    resp = post(m, f"{BETA}/alertmanager", TOKENS[BETA], body)
    assert resp.status_code == 200, resp.text
    m.settle()
    [esc_b] = m.escalations(BETA)
    assert esc_b["number"] == 1 and esc_b["lane_channel"] == "C02ESC"
    [posted_b] = lane_posts(m, "C02ESC")
    assert m.fake.team_of_token(posted_b.token) == BETA
    assert [e["id"] for e in m.escalations(ALPHA)] == [esc["id"]]  # ALPHA's untouched

    # Its clear resolves BETA's only.
    clear = ap.alertmanager_body(ap.node_down_notification(status="resolved"))
    assert post(m, f"{BETA}/alertmanager", TOKENS[BETA], clear).status_code == 200
    m.settle()
    assert m.escalations(BETA)[0]["status"] == "resolved"
    assert m.escalations(ALPHA)[0]["status"] == "open"


@pytest.mark.parametrize(
    ("path", "token", "status", "says"),
    [
        # ALPHA's token on BETA's URL: BETA's token does not match
        (f"{BETA}/alertmanager", TOKENS[ALPHA], 401, "Authorization"),
        # a team id nobody configured, with a real token: no token of its own, so off
        ("T0FORGED/alertmanager", TOKENS[ALPHA], 404, "switched off"),
        # lower case, too long, path tricks: not a team id
        ("t0alpha/alertmanager", TOKENS[ALPHA], 404, "switched off"),
        (f"{ALPHA}/{BETA}/alertmanager", TOKENS[ALPHA], 404, "name the workspace"),
        # a source ALPHA has no token for
        (f"{ALPHA}/generic", TOKENS[ALPHA], 404, "switched off"),
        # installed, token set, but no lanes file: nothing to file into
        (f"{GAMMA}/alertmanager", TOKENS[GAMMA], 404, "lanes file"),
        # the single-workspace URL and token: the URL must name the workspace
        ("alertmanager", SINGLE, 404, "name the workspace"),
        ("alertmanager", TOKENS[ALPHA], 404, "name the workspace"),
    ],
)
def test_a_forged_unknown_or_unconfigured_workspace_is_refused_and_nothing_stored(
    m: Multi, path: str, token: str, status: int, says: str
) -> None:
    body = ap.alertmanager_body(ap.node_down_notification())
    before = stored(m)
    resp = post(m, path, token, body)
    assert resp.status_code == status, resp.text
    assert says in resp.text, resp.text
    assert token not in resp.text
    m.settle()
    assert stored(m) == before
    assert lane_posts(m, "C01ESC") == lane_posts(m, "C02ESC") == []
