"""Alertmanager webhook notifications (payload version 4), as Alertmanager posts them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapters.alerts import AlertRejected, parse_request
from bot.adapters.alerts.base import DESCRIPTION_MAX, ELLIPSIS, TITLE_MAX
from bot.testing import alert_payloads as ap

TOKEN = "am-token-5f8a1c"
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def post(notification: dict | bytes, *, in_query: bool = False):
    body = notification if isinstance(notification, bytes) else ap.alertmanager_body(notification)
    headers, query = ap.request_parts(TOKEN, in_query=in_query)
    return parse_request(
        "alertmanager",
        headers=headers,
        query=query,
        body=body,
        tokens={"alertmanager": TOKEN},
        now=NOW,
    )


def test_a_real_notification_becomes_one_event_per_alert():
    body = ap.alertmanager_body(ap.node_down_notification())
    assert b"\\u0026" in body and b"\\u003c" in body  # Go's escaping, as sent
    result = post(body)
    assert result.source == "alertmanager"
    assert result.truncated_alerts == 0
    (event,) = result.events
    assert event.source == "alertmanager"
    assert event.action == "trigger"
    assert event.key == json.loads(body)["alerts"][0]["fingerprint"]
    assert event.severity == "critical"
    assert event.title == "fs01.acme.local:9100 is down"
    assert event.description is not None and "& its backups <will> fail." in event.description
    assert event.client == "Acme Dental"
    assert event.device == "fs01.acme.local:9100"
    assert event.url is not None and event.url.startswith(
        "http://prometheus.example.net:9090/graph?"
    )
    assert event.occurred_at == datetime(2024, 5, 6, 9, 12, 31, 482_113, tzinfo=UTC)
    assert event.group == '{}:{alertname="HostDown", client="Acme Dental"}'
    assert event.labels["alertname"] == "HostDown"
    assert event.delivery_id is None


def test_the_query_token_works_too():
    assert post(ap.node_down_notification(), in_query=True).events


def test_a_firing_notification_can_carry_resolved_alerts_act_per_alert():
    firing = ap.alertmanager_alert("DiskFull", labels={"instance": "a:9100", "severity": "warning"})
    resolved = ap.alertmanager_alert(
        "DiskFull", status="resolved", labels={"instance": "b:9100", "severity": "warning"}
    )
    notification = ap.alertmanager_notification([firing, resolved])
    assert notification["status"] == "firing"
    result = post(notification)
    assert [e.action for e in result.events] == ["trigger", "resolve"]
    assert [e.key for e in result.events] == [firing["fingerprint"], resolved["fingerprint"]]
    assert result.events[0].key != result.events[1].key
    # groupKey names the group, never an alert
    assert result.events[0].group == result.events[1].group


def test_a_resolved_notification_with_a_firing_alert_still_fires_it():
    alert = ap.alertmanager_alert("X")
    notification = ap.alertmanager_notification([alert])
    notification["status"] = "resolved"
    assert post(notification).events[0].action == "trigger"


def test_zero_ends_at_while_firing_and_real_ends_at_when_resolved():
    firing = ap.alertmanager_alert("X")
    assert firing["endsAt"] == "0001-01-01T00:00:00Z"
    event = post(ap.alertmanager_notification([firing])).events[0]
    assert event.action == "trigger"
    assert event.occurred_at.year == 2024

    ended = datetime(2024, 5, 6, 9, 30, 0, tzinfo=UTC)
    resolved = ap.alertmanager_alert("X", status="resolved", ends_at=ended)
    event = post(ap.alertmanager_notification([resolved])).events[0]
    assert event.action == "resolve"
    assert event.occurred_at == ended


def test_a_resolved_alert_with_zero_ends_at_is_resolved_now():
    resolved = ap.alertmanager_alert("X", status="resolved")
    resolved["endsAt"] = ap.GO_ZERO_TIME
    event = post(ap.alertmanager_notification([resolved])).events[0]
    assert (event.action, event.occurred_at) == ("resolve", NOW)


@pytest.mark.parametrize("nanos", [0, 100_000_000, 120_000_000, 123_456_000, 123_456_789, 1])
def test_timestamps_with_0_to_9_fraction_digits(nanos):
    start = datetime(2024, 5, 6, 9, 12, 31, tzinfo=UTC)
    alert = ap.alertmanager_alert("X", starts_at=start, starts_at_nanos=nanos)
    digits = alert["startsAt"][20:-1]
    assert len(digits) <= 9
    event = post(ap.alertmanager_notification([alert])).events[0]
    assert event.occurred_at == start.replace(microsecond=nanos // 1000)


def test_timestamps_with_a_local_offset():
    alert = ap.alertmanager_alert("X")
    alert["startsAt"] = "2024-05-06T11:12:31.482113071+02:00"
    event = post(ap.alertmanager_notification([alert])).events[0]
    assert event.occurred_at == datetime(2024, 5, 6, 9, 12, 31, 482_113, tzinfo=UTC)


def test_title_falls_back_to_alertname_then_fingerprint_and_severity_defaults_to_warning():
    alert = ap.alertmanager_alert("BackupMissing", labels={"customer": "Globex", "host": "nas1"})
    event = post(ap.alertmanager_notification([alert])).events[0]
    assert event.title == "BackupMissing"
    assert event.severity == "warning"
    assert (event.client, event.device) == ("Globex", "nas1")
    alert = ap.alertmanager_alert("X")
    alert["labels"] = {}
    event = post(ap.alertmanager_notification([alert])).events[0]
    assert event.title == f"Alert {alert['fingerprint']}"
    assert (event.client, event.device) == (None, None)


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", "critical"),
        ("page", "critical"),
        ("error", "error"),
        ("warning", "warning"),
        ("info", "info"),
        ("none", "info"),
        ("whatever", "warning"),
    ],
)
def test_severity_label(word, severity):
    alert = ap.alertmanager_alert("X", labels={"severity": word})
    assert post(ap.alertmanager_notification([alert])).events[0].severity == severity


def test_slack_markup_and_odd_text_are_kept_raw():
    alert = ap.alertmanager_alert(
        "X",
        annotations={
            "summary": "<!channel> disk <@U0123ABC> full <http://evil.example|click> & more",
            "description": "NUL\x00here, lone \ud800 surrogate, emoji 😀",
        },
    )
    event = post(ap.alertmanager_notification([alert])).events[0]
    assert event.title == "<!channel> disk <@U0123ABC> full <http://evil.example|click> & more"
    assert event.description == "NULhere, lone  surrogate, emoji 😀"


def test_long_free_text_is_truncated_not_refused():
    alert = ap.alertmanager_alert(
        "X", annotations={"summary": "s" * 100_000, "description": "d" * 100_000}
    )
    notification = ap.alertmanager_notification([alert])
    notification["commonAnnotations"] = {}
    event = post(notification).events[0]
    assert (
        event.title is not None and len(event.title) == TITLE_MAX and event.title.endswith(ELLIPSIS)
    )
    assert event.description is not None and len(event.description) == DESCRIPTION_MAX


def test_a_javascript_generator_url_is_dropped_for_the_external_url():
    alert = ap.alertmanager_alert("X", generator_url="javascript:alert(document.cookie)")
    event = post(ap.alertmanager_notification([alert])).events[0]
    assert event.url == ap.EXTERNAL_URL
    notification = ap.alertmanager_notification([alert], external_url="javascript:void(0)")
    assert post(notification).events[0].url is None


def test_empty_group_and_truncated_alerts():
    notification = ap.alertmanager_notification([], truncated_alerts=0)
    assert post(notification).events == ()
    alerts = [ap.alertmanager_alert("X", labels={"instance": f"h{i}"}) for i in range(3)]
    result = post(ap.alertmanager_notification(alerts, truncated_alerts=12))
    assert len(result.events) == 3 and result.truncated_alerts == 12


def test_a_storm_of_alerts_in_one_notification():
    alerts = [
        ap.alertmanager_alert("SiteDown", labels={"instance": f"10.0.0.{i}:9100", "site": "hq"})
        for i in range(200)
    ]
    result = post(ap.alertmanager_notification(alerts, group_by=("site",)))
    assert len({e.key for e in result.events}) == 200


def test_every_alert_is_validated_before_anything_is_returned():
    good = ap.alertmanager_alert("X")
    bad = ap.alertmanager_alert("Y")
    del bad["fingerprint"]
    with pytest.raises(AlertRejected) as caught:
        post(ap.alertmanager_notification([good, good, bad]))
    assert (caught.value.status, caught.value.field) == (400, "alerts[2].fingerprint")


def test_missing_version_is_accepted_but_another_version_is_not():
    notification = ap.node_down_notification()
    del notification["version"]
    assert post(notification).events
    notification["version"] = "5"
    with pytest.raises(AlertRejected) as caught:
        post(notification)
    assert caught.value.field == "version"
