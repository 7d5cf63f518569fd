"""Property tests: whatever JSON (or bytes) arrives, the intake answers with an IntakeResult or an
AlertRejected of a 4xx status, never another exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.alerts import AlertEvent, AlertRejected, IntakeResult, parse_request
from bot.testing import alert_payloads as ap

TOKEN = "property-token-0042"
PD_KEY = "PDROUTINGKEY00000000000000000042"
TOKENS = {"alertmanager": TOKEN, "ninjaone": TOKEN, "generic": TOKEN, "pagerduty": PD_KEY}
SOURCES = ("alertmanager", "pagerduty", "ninjaone", "generic")
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "firing",
            "resolved",
            "trigger",
            "acknowledge",
            "resolve",
            "TRIGGERED",
            "RESET",
            "CONDITION",
            "critical",
            "info",
            "4",
            "0001-01-01T00:00:00Z",
            "2024-05-06T09:12:31.123456789Z",
            "2024-05-06T09:12:31",
            "javascript:alert(1)",
            "https://example.net/x",
            "\ud800",
            "\x00",
            "<!channel>",
            TOKEN,
            PD_KEY,
        ]
    )
)
keys = st.text(max_size=12) | st.sampled_from(
    [
        "alerts",
        "status",
        "fingerprint",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "generatorURL",
        "version",
        "truncatedAlerts",
        "groupKey",
        "routing_key",
        "event_action",
        "dedup_key",
        "payload",
        "summary",
        "source",
        "severity",
        "timestamp",
        "links",
        "href",
        "custom_details",
        "activityType",
        "statusCode",
        "seriesUid",
        "activityTime",
        "id",
        "device",
        "data",
        "title",
        "occurred_at",
        "url",
        "client",
    ]
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=30,
)


def check(source: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    if headers is None:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    try:
        result = parse_request(source, headers=headers, query={}, body=body, tokens=TOKENS, now=NOW)
    except AlertRejected as error:
        assert error.status in (400, 401, 404, 413, 415)
        json.dumps(error.body())
        assert TOKEN not in str(error) and PD_KEY not in str(error)
        return
    assert isinstance(result, IntakeResult)
    for event in result.events:
        assert isinstance(event, AlertEvent)
        assert event.occurred_at.tzinfo is UTC
        assert event.key and PD_KEY not in event.key
        assert event.url is None or event.url.startswith(("http://", "https://"))
        for text in (event.title, event.description, event.client, event.device, event.key):
            if text is not None:
                text.encode("utf-8")  # no lone surrogates
                assert "\x00" not in text
        json.dumps(dict(event.labels))


def encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "backslashreplace")


@SETTINGS
@given(source=st.sampled_from(SOURCES), value=json_values)
def test_arbitrary_json_never_raises_anything_else(source, value):
    check(source, encode(value))


@SETTINGS
@given(source=st.sampled_from(SOURCES), body=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_else(source, body):
    check(source, body)


def _valid_documents() -> dict[str, dict]:
    return {
        "alertmanager": ap.node_down_notification(),
        "pagerduty": ap.pagerduty_trigger(PD_KEY),
        "ninjaone": ap.ninjaone_activity(),
        "generic": ap.generic_alert(),
    }


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


@SETTINGS
@given(source=st.sampled_from(SOURCES), data=st.data(), replacement=json_values)
def test_any_field_of_a_real_payload_replaced_by_anything(source, data, replacement):
    document = _valid_documents()[source]
    path = data.draw(st.sampled_from(_paths(document)))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = replacement
    check(source, encode(document))


@SETTINGS
@given(
    source=st.sampled_from(SOURCES),
    content_type=st.text(max_size=30),
    authorization=st.text(max_size=40),
    token=st.text(max_size=40),
)
def test_arbitrary_headers_and_query(source, content_type, authorization, token):
    body = encode(_valid_documents()[source])
    headers = {"Content-Type": content_type, "Authorization": authorization}
    try:
        parse_request(source, headers=headers, query={"token": token}, body=body, tokens=TOKENS)
    except AlertRejected as error:
        assert error.status in (400, 401, 404, 413, 415)
