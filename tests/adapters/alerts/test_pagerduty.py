"""PagerDuty Events API v2, as a PagerDuty-compatible sender posts it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from bot.adapters.alerts import AlertRejected, answer, answer_error, parse_request
from bot.adapters.alerts.pagerduty import error_body, success_body
from bot.testing import alert_payloads as ap

ROUTING_KEY = "R0UT1NGKEY0123456789ABCDEFabcdef"
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def post(event: dict | bytes, *, routing_key: str = ROUTING_KEY):
    body = event if isinstance(event, bytes) else ap.json_body(event)
    return parse_request(
        "pagerduty",
        headers={"Content-Type": "application/json"},
        query={},
        body=body,
        tokens={"pagerduty": routing_key},
        now=NOW,
    )


def refused(event: dict | bytes) -> AlertRejected:
    with pytest.raises(AlertRejected) as caught:
        post(event)
    return caught.value


def test_a_full_trigger():
    result = post(ap.pagerduty_trigger(ROUTING_KEY))
    (event,) = result.events
    assert result.dedup_key == "acme-sql01-disk-c"
    assert event.action == "trigger"
    assert event.severity == "error"
    assert event.title == "Disk C: on SQL01 is 96% full"
    assert event.device == "sql01.acme.local"
    assert event.client == "Acme Dental"
    assert event.group == "acme-prod"
    assert event.url == "https://zabbix.example.net/tr_events.php?eventid=4411"
    assert event.occurred_at == datetime(2024, 5, 6, 7, 12, 31, 482_000, tzinfo=UTC)
    assert event.description is not None and "free_space: 4.1 GB" in event.description
    assert event.labels["component"] == "disk" and event.labels["class"] == "disk-space"
    assert answer(result) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "acme-sql01-disk-c"},
    )


def test_the_routing_key_is_never_stored_in_clear():
    result = post(ap.pagerduty_trigger(ROUTING_KEY))
    event = result.events[0]
    assert ROUTING_KEY not in repr(result)
    assert ROUTING_KEY.lower() not in event.key.lower()
    assert re.fullmatch(r"[0-9a-f]{16}:acme-sql01-disk-c", event.key)
    # the same routing key and dedup key give the same alert key
    assert post(ap.pagerduty_resolve(ROUTING_KEY, "acme-sql01-disk-c")).events[0].key == event.key


def test_a_trigger_without_dedup_key_gets_one_minted_and_returned():
    first = post(ap.pagerduty_trigger(ROUTING_KEY, dedup_key=None))
    second = post(ap.pagerduty_trigger(ROUTING_KEY, dedup_key=None))
    assert first.dedup_key and re.fullmatch(r"[0-9a-f]{32}", first.dedup_key)
    assert first.dedup_key != second.dedup_key
    assert first.events[0].key.endswith(":" + first.dedup_key)
    assert answer(first)[1]["dedup_key"] == first.dedup_key


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_with_only_three_keys(action):
    build = ap.pagerduty_acknowledge if action == "acknowledge" else ap.pagerduty_resolve
    event = build(ROUTING_KEY, "acme-sql01-disk-c")
    assert set(event) == {"routing_key", "dedup_key", "event_action"}
    result = post(event)
    (alert,) = result.events
    assert alert.action == action
    assert (alert.severity, alert.title, alert.description, alert.url) == (None, None, None, None)
    assert alert.occurred_at == NOW
    assert answer(result) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "acme-sql01-disk-c"},
    )


def test_a_trigger_after_a_resolve_has_the_same_key():
    # the escalation service opens a new escalation for it: the key alone does not say "new"
    keys = [
        post(ap.pagerduty_trigger(ROUTING_KEY, dedup_key="k1")).events[0].key,
        post(ap.pagerduty_resolve(ROUTING_KEY, "k1")).events[0].key,
        post(ap.pagerduty_trigger(ROUTING_KEY, dedup_key="k1")).events[0].key,
    ]
    assert len(set(keys)) == 1


def test_minimal_trigger_and_severity_case():
    event = {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "payload": {"summary": "Ping lost", "source": "fw01", "severity": "CRITICAL"},
    }
    alert = post(event).events[0]
    assert (alert.severity, alert.url, alert.description, alert.occurred_at) == (
        "critical",
        None,
        None,
        NOW,
    )


def test_custom_details_as_a_string_and_odd_links():
    event = ap.pagerduty_trigger(
        ROUTING_KEY,
        custom_details="free text <!here>",
        links=[{"href": "javascript:alert(1)"}, {"href": "https://ok.example/x", "text": "ok"}],
        client_url=None,
    )
    alert = post(event).events[0]
    assert alert.description == "free text <!here>"
    assert alert.url == "https://ok.example/x"
    event = ap.pagerduty_trigger(ROUTING_KEY, links=[{"href": "javascript:alert(1)"}])
    assert post(event).events[0].url == "https://zabbix.example.net/"


@pytest.mark.parametrize(
    "event",
    [
        {"event_action": "trigger"},
        {"routing_key": "", "event_action": "trigger"},
        {"routing_key": 12345, "event_action": "trigger"},
        {
            "routing_key": "R0UT1NGKEY0123456789ABCDEFabcdeX",
            "event_action": "resolve",
            "dedup_key": "k",
        },
        {"routing_key": ROUTING_KEY.lower(), "event_action": "resolve", "dedup_key": "k"},
    ],
)
def test_wrong_or_missing_routing_key_is_401_in_pagerdutys_shape(event):
    error = refused(ap.json_body(event))
    assert (error.status, error.field) == (401, "routing_key")
    status, body = answer_error("pagerduty", error)
    assert status == 401 and body["status"] != "success"
    assert ROUTING_KEY not in json.dumps(body) and ROUTING_KEY.lower() not in json.dumps(body)


def test_an_array_body_carries_no_credential():
    assert refused(ap.json_body([ap.pagerduty_trigger(ROUTING_KEY)])).status == 401


def test_credential_is_checked_before_the_event():
    error = refused({"routing_key": "wrong", "event_action": "explode"})
    assert error.status == 401


def test_invalid_event_answer_is_pagerdutys():
    error = refused({"routing_key": ROUTING_KEY, "event_action": "trigger"})
    assert (error.status, error.field) == (400, "payload")
    assert error_body(error) == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["payload: is required"],
    }
    assert success_body("x") == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "x",
    }
