"""``GET /metrics`` through the real HTTP front (waitress, the fake Slack, each database): every
figure the README lists moves when the thing it counts happens — a slash command, a click, a
message event and a view submission each under its own kind with its acknowledgement time; a
post delivered, retried, refused for good, or found already posted by an attempt whose answer
never came; an alert stored or refused, by source; posts waiting for Slack and their age."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.adapters.models import OutboxMessage, SlackInboxRequest
from bot.testing import alert_payloads as ap
from bot.testing.fake_slack import FakeSlack
from tests.e2e.conftest import (
    Harness,
    running,
)

METRICS_TOKEN = "metrics-token-5150"
ALERT_TOKEN = "alertmanager-token-2718"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def served(db_url: str, fake_slack: FakeSlack) -> Iterator[Harness]:
    with running(
        db_url,
        fake_slack,
        lanekeeper_metrics_token=METRICS_TOKEN,
        lanekeeper_alert_token_alertmanager=ALERT_TOKEN,
    ) as harness:
        yield harness


def scrape(app: Harness) -> Samples:
    base = app.url.removesuffix("/slack/events")
    resp = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def open_modal(app: Harness, text: str) -> dict[str, Any]:
    before = len(app.fake.calls_to("views.open"))
    resp = app.slack.slash_command("/escalate", text=text, user="U01REQ", channel="C01GENERAL")
    assert resp.status_code == 200
    view: dict[str, Any] = app.fake.wait_for("views.open", count=before + 1)[-1].response["view"]
    return view


def escalate(app: Harness, text: str) -> None:
    view = open_modal(app, text)
    resp = app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    assert resp.status_code == 200
    app.settle(timeout=20)


def test_slack_requests_and_their_acks_are_counted_by_kind(served: Harness) -> None:
    app = served
    before = scrape(app)
    view = open_modal(app, "alert P2 Backups failed")  # a command
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})  # a view
    app.settle()
    esc = app.escalation(1)
    resp = app.slack.click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id="esc_take", user="U01TECH3"
    )
    assert resp.status_code == 200
    resp, _ts = app.slack.message("C01GENERAL", "U01REQ", "morning all")  # a message event
    assert resp.status_code == 200
    app.slack.app_home_opened("U01REQ")  # another event: other
    app.settle()
    after = scrape(app)
    for kind in ("command", "view", "click", "message", "other"):
        assert moved(before, after, "lanekeeper_slack_requests_total", kind=kind, status="200") == 1
        assert moved(before, after, "lanekeeper_slack_ack_seconds_count", kind=kind) == 1, kind
        # each acknowledgement took some time, counted in the 3 s bucket or past it
        assert moved(before, after, "lanekeeper_slack_ack_seconds_sum", kind=kind) > 0
    # A forged request is counted (401, kind unknown before its signature) but has no ack time.
    forged = httpx.post(app.url, content=b"command=%2Flanes", headers={"X-Slack-Signature": "v0=x"})
    assert forged.status_code == 401
    last = scrape(app)
    assert moved(after, last, "lanekeeper_slack_requests_total", kind="other", status="401") == 1
    assert moved(after, last, "lanekeeper_slack_ack_seconds_count", kind="other") == 0
    assert (
        moved(before, last, "lanekeeper_http_requests_total", route="/slack/events", status="200")
        == 5
    )


def test_deliveries_are_counted_by_outcome(served: Harness) -> None:
    app = served
    lane = ("lanekeeper_outbox_deliveries_total", "lane_message")
    before = scrape(app)
    escalate(app, "alert P2 Backups failed")  # delivered at once
    first = scrape(app)
    assert moved(before, first, lane[0], kind=lane[1], outcome="delivered") == 1
    assert moved(before, first, lane[0], kind=lane[1], outcome="failed") == 0

    app.fake.fail_next("chat.postMessage", status=500)  # Slack's 500: retried, then delivered
    escalate(app, "alert P2 Disk nearly full")
    second = scrape(app)
    assert moved(first, second, lane[0], kind=lane[1], outcome="retried") == 1
    assert moved(first, second, lane[0], kind=lane[1], outcome="delivered") == 1

    app.fake.refuse("chat.postMessage", channel="C01ESC")  # refused for good
    escalate(app, "alert P2 Printer offline")
    app.fake.lift_refusals()
    third = scrape(app)
    assert moved(second, third, lane[0], kind=lane[1], outcome="failed") == 1
    assert moved(second, third, lane[0], kind=lane[1], outcome="delivered") == 0
    assert value(third, "lanekeeper_outbox_refused_24h") >= 1

    app.container.client.timeout = 1
    app.fake.answer_late("chat.postMessage", 2.5)  # posted, answered past the timeout
    escalate(app, "alert P1 Exchange down")
    fourth = scrape(app)
    assert moved(third, fourth, lane[0], kind=lane[1], outcome="already_posted") == 1
    assert moved(third, fourth, lane[0], kind=lane[1], outcome="delivered") == 0
    assert moved(third, fourth, lane[0], kind=lane[1], outcome="retried") == 1


def test_posts_waiting_for_slack_show_as_depth_and_age(served: Harness) -> None:
    app = served
    assert value(scrape(app), "lanekeeper_outbox_pending") == 0
    app.container.deliverer.stop()  # nobody delivers: the post waits
    view = open_modal(app, "alert P2 Backups failed")
    app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    app.container.wait_idle(10)
    assert value(scrape(app), "lanekeeper_outbox_oldest_pending_seconds") > 0
    with app.container.sessions() as s:  # as if stored ten minutes ago
        s.execute(
            update(OutboxMessage).values(created_at=datetime.now(UTC) - timedelta(minutes=10))
        )
        s.commit()
    waiting = scrape(app)
    assert value(waiting, "lanekeeper_outbox_pending") >= 1
    # what the README's "outbox older than 5 minutes" rule fires on
    assert value(waiting, "lanekeeper_outbox_oldest_pending_seconds") > 300
    app.container.deliverer.start(interval=0.2)
    app.settle()
    assert value(scrape(app), "lanekeeper_outbox_pending") == 0
    assert value(scrape(app), "lanekeeper_outbox_oldest_pending_seconds") == 0


def test_slack_requests_waiting_for_the_worker_show_as_depth_and_age(
    db_url: str, fake_slack: FakeSlack
) -> None:
    """LANEKEEPER_DELIVERY=worker with no worker running: what serve acked and stored shows as
    waiting, with its age, until a worker has handled it."""
    from bot.cli_serve import _inbox_worker

    with running(
        db_url, fake_slack, lanekeeper_metrics_token=METRICS_TOKEN, lanekeeper_delivery="worker"
    ) as app:
        assert value(scrape(app), "lanekeeper_slack_requests_waiting") == 0
        app.slack.message("C01GENERAL", "U01REQ", "<@U01TECH1> can you check the backup alert?")
        assert app.container.inbox_writer().flush(10)
        with app.container.sessions() as s:  # as if acked ten minutes ago
            s.execute(
                update(SlackInboxRequest).values(
                    received_at=datetime.now(UTC) - timedelta(minutes=10)
                )
            )
            s.commit()
        waiting = scrape(app)
        assert value(waiting, "lanekeeper_slack_requests_waiting") == 1
        assert value(waiting, "lanekeeper_slack_request_oldest_waiting_seconds") > 300
        assert _inbox_worker(app.container).run_once() == 1
        handled = scrape(app)
        assert value(handled, "lanekeeper_slack_requests_waiting") == 0
        assert value(handled, "lanekeeper_slack_request_oldest_waiting_seconds") == 0


def test_alerts_are_counted_by_source_and_outcome(served: Harness) -> None:
    app = served
    hook = app.url.removesuffix("/slack/events") + "/hooks/alerts/"
    headers, _ = ap.request_parts(ALERT_TOKEN)
    body = ap.alertmanager_body(ap.node_down_notification())
    before = scrape(app)
    assert httpx.post(hook + "alertmanager", content=body, headers=headers).status_code == 200
    wrong, _ = ap.request_parts("not-the-token")
    assert httpx.post(hook + "alertmanager", content=body, headers=wrong).status_code == 401
    assert httpx.post(hook + "ninjaone", content=b"{}", headers=headers).status_code == 404
    app.settle()
    after = scrape(app)
    m = "lanekeeper_alerts_total"
    assert moved(before, after, m, source="alertmanager", outcome="stored") == 1
    assert moved(before, after, m, source="alertmanager", outcome="refused") == 1
    assert moved(before, after, m, source="ninjaone", outcome="refused") == 1
    assert moved(before, after, m, source="generic", outcome="stored") == 0


def test_the_readme_lists_exactly_the_metrics_served(served: Harness) -> None:
    """README "Monitor it": every metric it names is served, every served one is named there,
    and its stuck-outbox alert rule reads a served gauge with the 5 minutes in seconds."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Monitor it", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`(lanekeeper_[a-z0-9_]+)`", section))
    base = served.url.removesuffix("/slack/events")
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    served_names = {
        f.name + "_total" if f.type == "counter" else f.name
        for f in text_string_to_metric_families(text)
        if f.name.startswith("lanekeeper_")
    }
    assert listed == served_names
    rule = re.search(r"expr: (lanekeeper_[a-z_]+) > (\d+)", section)
    assert rule is not None and rule.group(1) in served_names and int(rule.group(2)) == 300
