"""The generic flat JSON webhook."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.adapters.alerts import AlertRejected, parse_request
from bot.testing import alert_payloads as ap

TOKEN = "generic-token-3a9d"
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def post(alert: dict):
    headers, query = ap.request_parts(TOKEN)
    return parse_request(
        "generic",
        headers=headers,
        query=query,
        body=ap.json_body(alert),
        tokens={"generic": TOKEN},
        now=NOW,
    )


def test_a_full_alert():
    (event,) = post(ap.generic_alert()).events
    assert event.source == "generic"
    assert event.key == "datto-7f31c2"
    assert event.action == "trigger"
    assert event.severity == "critical"
    assert event.title == "Backup job failed: ACME-FS01 nightly"
    assert event.description == "Veeam job 'Nightly' ended with status Failed (3 of 4 VMs)."
    assert (event.client, event.device) == ("Acme Dental", "ACME-FS01")
    assert event.url == "https://rmm.example.net/alerts/7f31c2"
    assert event.occurred_at == datetime(2024, 5, 6, 9, 12, 31, tzinfo=UTC)
    assert event.labels == {}


def test_a_minimal_resolve():
    (event,) = post({"dedup_key": "datto-7f31c2", "status": "resolved"}).events
    assert event.action == "resolve"
    assert (event.severity, event.title, event.url) == (None, None, None)
    assert event.occurred_at == NOW


def test_numbers_as_ids_synonyms_and_extra_fields():
    alert = ap.generic_alert(dedup_key=4711, severity="High", status="FIRING")
    alert["site"] = "HQ"
    alert["alert_uid"] = 99
    alert["nested"] = {"ignored": True}
    event = post(alert).events[0]
    assert event.key == "4711"
    assert event.severity == "error"
    assert event.labels == {"site": "HQ", "alert_uid": "99"}


def test_severity_defaults_to_warning_and_the_title_may_be_a_number():
    alert = ap.generic_alert(severity=None, title=None)
    alert["title"] = 404
    event = post(alert).events[0]
    assert (event.severity, event.title) == ("warning", "404")


def test_occurred_at_without_an_offset_is_refused_naming_the_field():
    with pytest.raises(AlertRejected) as caught:
        post(ap.generic_alert(occurred_at="2024-05-06T09:12:31"))
    assert (caught.value.status, caught.value.field) == (400, "occurred_at")
    assert "offset" in caught.value.reason


def test_javascript_url_is_dropped_not_refused_and_markup_kept():
    alert = ap.generic_alert(
        url="javascript:alert(1)", title="<!channel> <@U02ABC> <http://x|y> & co"
    )
    event = post(alert).events[0]
    assert event.url is None
    assert event.title == "<!channel> <@U02ABC> <http://x|y> & co"


def test_delivery_id_is_kept_when_given():
    alert = ap.generic_alert()
    alert["delivery_id"] = 123
    assert post(alert).events[0].delivery_id == "123"
