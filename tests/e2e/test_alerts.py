"""Monitoring alerts over HTTP into the running app, with the fake Slack, on SQLite and PostgreSQL:
each sender's own payloads become escalations, repeat deliveries change nothing, clears resolve,
flaps keep one message, storms are rolled up, hostile bodies and wrong tokens change nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.adapters.models import AlertLink, AlertRollup, Escalation, OutboxMessage, TimelineEntry
from bot.services import alerts as alert_service
from bot.testing import alert_payloads as ap
from tests.adapters.alerts.test_hostile import CASES, PD_KEY, TOKEN, headers_for
from tests.e2e.conftest import Harness

CHANNEL = "C01ESC"  # the fixture's alert lane channel
DONE = ["Alert cleared in the RMM", "Root cause noted on the ticket"]
SOURCES = ("alertmanager", "pagerduty", "ninjaone", "generic")


@pytest.fixture(autouse=True)
def alert_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source switched on (read by Settings when the app is built)."""
    for source in ("ALERTMANAGER", "NINJAONE", "GENERIC"):
        monkeypatch.setenv(f"LANEKEEPER_ALERT_TOKEN_{source}", TOKEN)
    monkeypatch.setenv("LANEKEEPER_ALERT_TOKEN_PAGERDUTY", PD_KEY)


@pytest.fixture
def hooks(app: Harness) -> Iterator[Hooks]:
    with httpx.Client(timeout=30) as client:
        yield Hooks(app, client)
    # Nothing the alerts queued was refused by Slack (an App Home of ``alertmanager`` …).
    with app.container.sessions() as s:
        refused = s.execute(
            select(OutboxMessage.kind, OutboxMessage.last_error).where(
                OutboxMessage.failed_at.is_not(None)
            )
        ).all()
    assert [tuple(r) for r in refused] == []


class Hooks:
    def __init__(self, app: Harness, client: httpx.Client) -> None:
        self.app = app
        self.client = client
        self.base = app.url.removesuffix("/slack/events") + "/hooks/alerts/"

    def post(
        self,
        source: str,
        body: bytes | dict[str, Any],
        *,
        token: str | None = TOKEN,
        in_query: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        if isinstance(body, dict):
            body = ap.alertmanager_body(body) if source == "alertmanager" else ap.json_body(body)
        if headers is None:
            headers, query = ap.request_parts(
                None if source == "pagerduty" else token, in_query=in_query
            )
        else:
            query = {}
        return self.client.post(self.base + source, content=body, headers=headers, params=query)

    def lane_posts(self) -> list[dict[str, Any]]:
        return [
            c.args
            for c in self.app.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == CHANNEL and not c.args.get("thread_ts")
        ]

    def thread(self, number: int = 1) -> list[dict[str, Any]]:
        esc = self.app.escalation(number)
        return [
            c.args
            for c in self.app.fake.calls_to("chat.postMessage")
            if c.args.get("thread_ts") == esc.lane_ts
        ]

    def stored(self) -> tuple[int, int, int]:
        with self.app.container.sessions() as s:
            return (
                int(s.scalar(select(func.count(Escalation.id))) or 0),
                int(s.scalar(select(func.count(AlertLink.id))) or 0),
                int(s.scalar(select(func.count(TimelineEntry.id))) or 0),
            )

    def link(self, number: int = 1) -> AlertLink:
        esc = self.app.escalation(number)
        with self.app.container.sessions() as s:
            row = s.scalar(select(AlertLink).where(AlertLink.escalation_id == esc.id))
            assert row is not None
            s.expunge(row)
            return row


def message_text(message: dict[str, Any]) -> str:
    import json

    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + str(message.get("text"))


def fire_and_clear(source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sender's firing payload and the payload that clears the same alert."""
    if source == "alertmanager":
        return ap.node_down_notification(), ap.node_down_notification(status="resolved")
    if source == "pagerduty":
        return ap.pagerduty_trigger(PD_KEY), ap.pagerduty_resolve(PD_KEY, "acme-sql01-disk-c")
    if source == "ninjaone":
        return (
            ap.ninjaone_activity(activity_id=501),
            ap.ninjaone_activity(status_code="RESET", activity_id=502),
        )
    return ap.generic_alert(), ap.generic_alert(status="resolved")


# --------------------------------------------------------------------------- each sender


@pytest.mark.parametrize("source", SOURCES)
def test_a_firing_alert_becomes_one_escalation_and_its_clear_resolves_it(
    app: Harness, hooks: Hooks, source: str
) -> None:
    fire, clear = fire_and_clear(source)
    first = hooks.post(source, fire)
    assert first.status_code == (202 if source == "pagerduty" else 200), first.text
    app.settle()
    (esc,) = app.escalations()
    assert esc.source == "alert_webhook" and esc.lane == "alert" and esc.requester == source
    assert esc.status == "open" and esc.respond_due is not None
    assert len(hooks.lane_posts()) == 1
    message = message_text(app.lane_message())
    assert "Raised by" in message and f"<@{source}>" not in message
    assert "Device" in message
    if source == "alertmanager":
        assert esc.severity == "P1"  # critical → P1 through alerts.severities
        assert "&amp; its backups &lt;will&gt; fail" in message  # escaped, never live
        assert "open in Alertmanager" in message

    before = hooks.stored()
    again = hooks.post(source, fire)  # the same delivery again
    assert again.status_code == first.status_code
    app.settle()
    assert hooks.stored() == before
    assert len(hooks.lane_posts()) == 1

    cleared = hooks.post(source, clear)
    assert cleared.status_code == first.status_code, cleared.text
    app.settle()
    esc = app.escalation()
    assert esc.status == "resolved"
    assert esc.resolved_by == source and esc.resolved_at is not None
    assert esc.done_checked == DONE
    assert "monitor" in (esc.resolution_note or "")
    line = app.timeline()[-1]
    assert line.kind == "resolved" and "cleared it" in line.text
    assert "definition of done recorded as met by the monitor" in line.text
    assert any("cleared it" in t["text"] for t in hooks.thread())
    assert len(hooks.lane_posts()) == 1  # the resolve edits the message
    assert "Alert cleared" in message_text(app.lane_message())

    before = hooks.stored()
    assert hooks.post(source, clear).status_code == first.status_code  # a repeated clear
    app.settle()
    assert hooks.stored() == before


def test_alertmanager_firing_notification_carrying_a_resolved_alert_acts_per_alert(
    app: Harness, hooks: Hooks
) -> None:
    labels = [{"instance": f"fs0{i}:9100", "client": "Acme", "severity": "warning"} for i in (1, 2)]
    firing = [ap.alertmanager_alert("HostDown", labels=lab) for lab in labels]
    assert hooks.post("alertmanager", ap.alertmanager_notification(firing)).status_code == 200
    app.settle()
    assert [e.status for e in app.escalations()] == ["open", "open"]
    assert {e.severity for e in app.escalations()} == {"P2"}
    mixed = [
        ap.alertmanager_alert("HostDown", labels=labels[0]),
        ap.alertmanager_alert("HostDown", labels=labels[1], status="resolved"),
    ]
    notification = ap.alertmanager_notification(mixed)
    assert notification["status"] == "firing"
    answer = hooks.post("alertmanager", notification)
    assert answer.status_code == 200 and answer.json()["accepted"] == 2
    app.settle()
    assert [e.status for e in app.escalations()] == ["open", "resolved"]
    assert [hooks.link(n).active for n in (1, 2)] == [True, False]


def test_a_flapping_alert_keeps_one_lane_message_with_its_flap_count(
    app: Harness, hooks: Hooks
) -> None:
    for n in range(6):  # fires, clears, fires, clears, fires, clears
        status = "firing" if n % 2 == 0 else "resolved"
        assert hooks.post("generic", ap.generic_alert(status=status)).status_code == 200
    app.settle()
    (esc,) = app.escalations()
    assert esc.status == "resolved" and esc.reopen_count == 0
    assert len(hooks.lane_posts()) == 1
    assert hooks.link().fired == 3 and hooks.link().flaps == 2
    assert "flapped 2× (fired 3 times)" in message_text(app.lane_message())
    kinds = [t.kind for t in app.timeline()]
    assert kinds == [
        "created",
        "resolved",
        "alert_refired",
        "resolved",
        "alert_refired",
        "resolved",
    ]
    notes = [t["text"] for t in hooks.thread()]
    assert len(notes) == 5 and "flapped 2×" in notes[3]
    updates = [c for c in app.fake.calls_to("chat.update") if c.args.get("ts") == esc.lane_ts]
    assert updates  # edited in place, never reposted


def test_a_storm_of_50_alerts_is_one_roll_up_message_and_50_escalations(
    app: Harness, hooks: Hooks
) -> None:
    start = datetime.now(UTC)
    for n in range(50):
        app.clock.set(start + timedelta(seconds=n))  # 50 alerts in under a minute
        alert = ap.generic_alert(
            f"site-outage-{n:02d}",
            title=f"ACME-WS{n:02d} offline",
            device=f"ACME-WS{n:02d}",
        )
        assert hooks.post("generic", alert).status_code == 200
    app.settle(timeout=30)
    escalations = app.escalations()
    assert len(escalations) == 50 and all(e.status == "open" for e in escalations)
    with app.container.sessions() as s:
        (rollup,) = s.scalars(select(AlertRollup)).all()
    assert rollup.alerts == 50 and rollup.ts is not None
    posts = hooks.lane_posts()
    rollups = [p for p in posts if "Alert storm" in str(p.get("text"))]
    assert len(rollups) == 1
    individual = len(posts) - 1
    assert individual == alert_service.STORM_THRESHOLD - 1  # before the storm was recognised
    shown = app.fake.message(CHANNEL, rollup.ts)
    assert shown is not None
    assert "50 alerts, 50 firing" in message_text(shown)
    assert "ESC-50" in message_text(shown)

    # The storm clears: the same message says so, no new post.
    for n in range(50):
        cleared = ap.generic_alert(f"site-outage-{n:02d}", status="resolved")
        assert hooks.post("generic", cleared).status_code == 200
    app.settle(timeout=30)
    assert all(e.status == "resolved" for e in app.escalations())
    assert len(hooks.lane_posts()) == len(posts)
    shown = app.fake.message(CHANNEL, rollup.ts)
    assert shown is not None and "50 alerts, 0 firing" in message_text(shown)


# --------------------------------------------------------------------------- PagerDuty


def test_pagerduty_trigger_without_dedup_key_then_acknowledge_and_resolve_by_key(
    app: Harness, hooks: Hooks
) -> None:
    answer = hooks.post("pagerduty", ap.pagerduty_trigger(PD_KEY, dedup_key=None))
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "success" and body["message"] == "Event processed"
    minted = body["dedup_key"]
    assert minted
    app.settle()
    assert app.escalation().status == "open"

    ack = hooks.post("pagerduty", ap.pagerduty_acknowledge(PD_KEY, minted))
    assert ack.status_code == 202 and ack.json()["dedup_key"] == minted
    app.settle()
    esc = app.escalation()
    assert esc.status == "acknowledged" and esc.owner is None and esc.responded_at is not None

    resolved = hooks.post("pagerduty", ap.pagerduty_resolve(PD_KEY, minted))
    assert resolved.status_code == 202
    app.settle()
    assert app.escalation().status == "resolved"
    assert PD_KEY not in str(hooks.link().key)  # the routing key is never stored in clear


def test_a_trigger_after_the_resolve_opens_a_new_escalation(app: Harness, hooks: Hooks) -> None:
    start = datetime.now(UTC)
    app.clock.set(start)
    trigger = ap.pagerduty_trigger(PD_KEY, dedup_key="acme-fw01")
    assert hooks.post("pagerduty", trigger).status_code == 202
    assert hooks.post("pagerduty", ap.pagerduty_resolve(PD_KEY, "acme-fw01")).status_code == 202
    app.clock.set(start + alert_service.FLAP_WINDOW + timedelta(minutes=1))
    assert hooks.post("pagerduty", trigger).status_code == 202
    app.settle()
    assert [(e.number, e.status) for e in app.escalations()] == [(1, "resolved"), (2, "open")]
    assert hooks.link(2).cycle == 1 and hooks.link(2).fired == 1
    assert len(hooks.lane_posts()) == 2


def test_after_a_person_resolved_it_a_new_trigger_opens_a_new_escalation(
    app: Harness, hooks: Hooks
) -> None:
    from bot.services.escalations import act

    assert hooks.post("generic", ap.generic_alert()).status_code == 200
    act(
        app.container.uow,
        app.container.lanes,
        slack_team_id=app.escalation().slack_team_id,
        number=1,
        action="resolve",
        actor="U01TECH3",
        now=datetime.now(UTC),
        checked=DONE,
        note="Replaced the failed disk",
    )
    assert hooks.post("generic", ap.generic_alert(status="resolved")).status_code == 200
    assert hooks.post("generic", ap.generic_alert()).status_code == 200
    app.settle()
    assert [(e.number, e.status) for e in app.escalations()] == [(1, "resolved"), (2, "open")]
    assert app.escalation(1).resolved_by == "U01TECH3"
    assert app.timeline(1)[-1].kind == "alert_cleared"


def test_a_ninjaone_activity_it_does_not_handle_changes_nothing(app: Harness, hooks: Hooks) -> None:
    answer = hooks.post("ninjaone", ap.ninjaone_ignored_activity())
    assert answer.status_code == 200 and answer.json()["accepted"] == 0
    assert hooks.stored() == (0, 0, 0)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("source", "body", "extra", "status", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_hostile_bodies_are_refused_over_http_and_store_nothing(
    app: Harness,
    hooks: Hooks,
    source: str,
    body: bytes,
    extra: dict[str, str],
    status: int,
    field: str,
) -> None:
    answer = hooks.post(source, body, headers=headers_for(source, extra))
    assert answer.status_code == status, answer.text
    assert 400 <= answer.status_code < 500
    if answer.status_code != 413 or len(body) <= 256 * 1024 + 1:
        assert field in answer.text
    assert TOKEN not in answer.text and PD_KEY not in answer.text
    assert hooks.stored() == (0, 0, 0)
    assert not hooks.lane_posts()


def test_there_are_at_least_30_hostile_bodies() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("source", SOURCES)
def test_wrong_or_missing_credentials_answer_401(app: Harness, hooks: Hooks, source: str) -> None:
    fire, _clear = fire_and_clear(source)
    if source == "pagerduty":
        wrong = dict(fire, routing_key="R0WRONGKEY0000000000000000000000")
        assert hooks.post(source, wrong).status_code == 401
        assert (
            hooks.post(source, {k: v for k, v in fire.items() if k != "routing_key"}).status_code
            == 401
        )
    else:
        assert hooks.post(source, fire, token="not-the-token").status_code == 401
        assert hooks.post(source, fire, token="not-the-token", in_query=True).status_code == 401
        assert hooks.post(source, fire, token=None).status_code == 401
        basic = {"Content-Type": "application/json", "Authorization": f"Basic {TOKEN}"}
        assert hooks.post(source, fire, headers=basic).status_code == 401
    assert hooks.stored() == (0, 0, 0)


def test_unknown_source_is_404(app: Harness, hooks: Hooks) -> None:
    answer = hooks.post("zabbix", ap.generic_alert())
    assert answer.status_code == 404
    assert hooks.stored() == (0, 0, 0)


def test_the_token_never_reaches_a_log_line(
    app: Harness, hooks: Hooks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert hooks.post("ninjaone", ap.ninjaone_activity(), in_query=True).status_code == 200
    assert hooks.post("generic", ap.generic_alert(), in_query=True).status_code == 200
    assert (
        hooks.post("generic", ap.generic_alert(), token=TOKEN + "x", in_query=True).status_code
        == 401
    )
    assert hooks.post("generic", b"{", in_query=True).status_code == 415
    assert hooks.post("pagerduty", ap.pagerduty_trigger(PD_KEY)).status_code == 202
    app.settle()
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage()
        assert TOKEN not in line and PD_KEY not in line, line
    assert TOKEN not in caplog.text and PD_KEY not in caplog.text


def test_a_database_failure_answers_503_and_stores_nothing(
    app: Harness, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_a: Any, **_k: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(alert_service, "_ingest_once", broken)
    answer = hooks.post("generic", ap.generic_alert())
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    pd = hooks.post("pagerduty", ap.pagerduty_trigger(PD_KEY))
    assert pd.status_code == 503 and pd.json()["status"] == "error"
    assert hooks.stored() == (0, 0, 0)
    monkeypatch.undo()
    assert hooks.post("generic", ap.generic_alert()).status_code == 200  # the sender's retry
    assert hooks.stored()[0] == 1
