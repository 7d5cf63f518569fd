"""NinjaOne activity webhooks: conditions TRIGGERED / RESET keyed by seriesUid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.adapters.alerts import AlertRejected, answer, parse_request
from bot.testing import alert_payloads as ap

TOKEN = "ninja-token-77c1"
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def post(activity: dict, *, in_query: bool = True):
    headers, query = ap.request_parts(TOKEN, in_query=in_query)
    return parse_request(
        "ninjaone",
        headers=headers,
        query=query,
        body=ap.json_body(activity),
        tokens={"ninjaone": TOKEN},
        now=NOW,
    )


def test_triggered_then_reset_share_the_series_key_with_new_activity_ids():
    triggered = post(ap.ninjaone_activity(status_code="TRIGGERED", activity_id=501))
    reset = post(ap.ninjaone_activity(status_code="RESET", activity_id=502))
    (fire,), (clear,) = triggered.events, reset.events
    assert fire.key == clear.key == "4b1c2a9e-7f3d-4e1a-9c55-0d6b8e2f1a77"
    assert (fire.action, clear.action) == ("trigger", "resolve")
    assert (fire.delivery_id, clear.delivery_id) == ("501", "502")
    assert fire.severity == "error"
    assert fire.title == "Disk free space below 10%"
    assert fire.description == "ACME-FS01: disk C: free space is 6% (< 10%)"
    assert fire.device == "ACME-FS01"
    assert fire.url is None
    assert fire.occurred_at == datetime(2024, 5, 6, 9, 12, 31, 482_000, tzinfo=UTC)
    assert fire.labels["organizationId"] == "17"
    assert fire.labels["deviceId"] == "1042"


def test_a_redelivery_repeats_the_activity_id():
    first = post(ap.ninjaone_activity(activity_id=900)).events[0]
    again = post(ap.ninjaone_activity(activity_id=900)).events[0]
    assert first == again


def test_decisions_use_status_code_never_the_localised_words():
    activity = ap.ninjaone_activity(status_code="RESET", localised_status="Triggered")
    activity["type"] = "CONDITION TRIGGERED"
    assert post(activity).events[0].action == "resolve"
    activity = ap.ninjaone_activity(status_code="TRIGGERED", localised_status="Reset")
    assert post(activity).events[0].action == "trigger"


@pytest.mark.parametrize(
    ("activity_type", "status_code"),
    [
        ("ACTIONSET", "START_REQUESTED"),
        ("CONDITION", "ACKNOWLEDGED"),
        ("CONDITION_ACTIONSET", "TRIGGERED"),
        ("SYSTEM", "DEVICE_ONLINE"),
        ("PATCH_MANAGEMENT", "PATCH_MANAGEMENT_APPLY_PATCH_COMPLETED"),
        ("CONDITION", None),
    ],
)
def test_activities_not_handled_are_ignored_with_a_2xx(activity_type, status_code):
    activity = ap.ninjaone_activity(activity_type=activity_type, status_code=status_code or "")
    if status_code is None:
        del activity["statusCode"]
    del activity["seriesUid"]  # not even needed for an ignored activity
    result = post(activity)
    assert result.events == () and result.ignored
    status, body = answer(result)
    assert 200 <= status < 300 and body["accepted"] == 0


def test_the_ignored_builder():
    assert post(ap.ninjaone_ignored_activity()).ignored


@pytest.mark.parametrize(
    ("severity", "priority", "expected"),
    [
        ("CRITICAL", "LOW", "critical"),
        ("MAJOR", "NONE", "error"),
        ("MODERATE", "HIGH", "warning"),
        ("MINOR", "HIGH", "warning"),
        ("NONE", "HIGH", "error"),
        ("NONE", "NONE", "info"),
        ("NONE", "MEDIUM", "warning"),
        ("UNHEARD_OF", "LOW", "info"),
    ],
)
def test_severity_from_severity_then_priority(severity, priority, expected):
    activity = ap.ninjaone_activity(severity=severity, priority=priority)
    assert post(activity).events[0].severity == expected


def test_sparse_activity_uses_device_id_and_now():
    activity = {
        "id": 77,
        "activityType": "CONDITION",
        "statusCode": "TRIGGERED",
        "seriesUid": "abc",
        "deviceId": 9,
    }
    event = post(activity).events[0]
    assert event.device == "device 9"
    assert event.occurred_at == NOW
    assert event.severity == "warning"
    assert event.title == "NinjaOne condition on device 9"


def test_activity_time_in_milliseconds_and_bearer_auth():
    activity = ap.ninjaone_activity(activity_time=1_714_986_751_482)
    event = post(activity, in_query=False).events[0]
    assert event.occurred_at == datetime(2024, 5, 6, 9, 12, 31, 482_000, tzinfo=UTC)


def test_a_missing_series_uid_on_a_condition_is_refused():
    activity = ap.ninjaone_activity()
    activity["seriesUid"] = "   "
    with pytest.raises(AlertRejected) as caught:
        post(activity)
    assert (caught.value.status, caught.value.field) == (400, "seriesUid")
