"""Hostile and broken bodies: the right 4xx with a reason naming the field, never another
exception, and nothing returned (so the caller changes nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.adapters.alerts import AlertRejected, answer_error, parse_request
from bot.testing import alert_payloads as ap

TOKEN = "hostile-test-token-91b2"
PD_KEY = "PDROUTINGKEY00000000000000000001"
TOKENS = {"alertmanager": TOKEN, "ninjaone": TOKEN, "generic": TOKEN, "pagerduty": PD_KEY}
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def am(mutate: Callable[[dict], object] | None = None, alerts: int = 2) -> bytes:
    notification = ap.alertmanager_notification(
        [ap.alertmanager_alert("X", labels={"instance": f"h{i}"}) for i in range(alerts)]
    )
    if mutate is not None:
        mutate(notification)
    return ap.alertmanager_body(notification)


def pd(mutate: Callable[[dict], object] | None = None, event: dict | None = None) -> bytes:
    body = event if event is not None else ap.pagerduty_trigger(PD_KEY)
    if mutate is not None:
        mutate(body)
    return ap.json_body(body)


def ninja(mutate: Callable[[dict], object] | None = None) -> bytes:
    activity = ap.ninjaone_activity()
    if mutate is not None:
        mutate(activity)
    return ap.json_body(activity)


def gen(mutate: Callable[[dict], object] | None = None) -> bytes:
    alert = ap.generic_alert()
    if mutate is not None:
        mutate(alert)
    return ap.json_body(alert)


def setter(path: str, value: object) -> Callable[[dict], None]:
    """``path`` like ``alerts.1.labels`` (numbers index lists); value ``...`` deletes."""

    def mutate(doc: dict) -> None:
        *parents, last = path.split(".")
        target: object = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
        if value is ...:
            del target[int(last) if isinstance(target, list) else last]  # type: ignore[arg-type,union-attr]
        else:
            target[int(last) if isinstance(target, list) else last] = value  # type: ignore[index]

    return mutate


def deep(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value]
    return value


BIG = "x" * 100_000
JSON = {"Content-Type": "application/json"}

# (id, source, body, extra headers, status, field)
CASES: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    # --- not JSON / too large ---------------------------------------------------------------
    ("truncated-json", "alertmanager", am()[:-40], {}, 415, "body"),
    ("empty-body", "generic", b"", {}, 415, "body"),
    ("whitespace-body", "generic", b"  \n ", {}, 415, "body"),
    (
        "form-content-type",
        "generic",
        b"dedup_key=a&status=firing",
        {"Content-Type": "application/x-www-form-urlencoded"},
        415,
        "Content-Type",
    ),
    ("form-body-as-json", "generic", b"dedup_key=a&status=firing", {}, 415, "body"),
    (
        "multipart",
        "ninjaone",
        ninja(),
        {"Content-Type": "multipart/form-data; boundary=x"},
        415,
        "Content-Type",
    ),
    ("xml", "alertmanager", b"<alerts/>", {"Content-Type": "application/xml"}, 415, "Content-Type"),
    ("nan-literal", "generic", b'{"dedup_key": NaN, "status": "firing"}', {}, 415, "body"),
    ("trailing-garbage", "generic", gen() + b"}}", {}, 415, "body"),
    ("body-over-256kb", "generic", gen(setter("description", "d" * 300_000)), {}, 413, "body"),
    (
        "huge-alerts-array",
        "alertmanager",
        ap.json_body({"version": "4", "alerts": [{}] * 5000}),
        {},
        413,
        "alerts",
    ),
    ("pd-truncated", "pagerduty", pd()[:30], {}, 415, "body"),
    # --- nesting ------------------------------------------------------------------------------
    (
        "nesting-200-deep",
        "alertmanager",
        am(setter("alerts.0.annotations", {"a": deep(200)})),
        {},
        400,
        "body",
    ),
    ("nesting-100k-brackets", "generic", b"[" * 100_000 + b"]" * 100_000, {}, 400, "body"),
    ("open-brackets-only", "alertmanager", b"{" * 200_000, {}, 400, "body"),
    ("escaped-quotes-unclosed", "generic", b'"' + b'\\"' * 120_000, {}, 415, "body"),
    ("backslashes-unclosed", "alertmanager", b'{"a": "' + b"\\" * 200_001, {}, 415, "body"),
    ("pd-nesting", "pagerduty", pd(setter("payload.custom_details", deep(200))), {}, 400, "body"),
    # --- top-level shape ---------------------------------------------------------------------
    (
        "array-top-level",
        "alertmanager",
        ap.json_body([ap.alertmanager_alert("X")]),
        {},
        400,
        "body",
    ),
    ("string-top-level", "generic", b'"firing"', {}, 400, "body"),
    ("number-top-level", "ninjaone", b"42", {}, 400, "body"),
    ("null-top-level", "generic", b"null", {}, 400, "body"),
    (
        "pd-array-top-level",
        "pagerduty",
        ap.json_body([ap.pagerduty_trigger(PD_KEY)]),
        {},
        401,
        "routing_key",
    ),
    # --- Alertmanager fields -------------------------------------------------------------------
    ("am-alerts-missing", "alertmanager", am(setter("alerts", ...)), {}, 400, "alerts"),
    ("am-alerts-object", "alertmanager", am(setter("alerts", {"0": {}})), {}, 400, "alerts"),
    ("am-alert-string", "alertmanager", am(setter("alerts.1", "firing")), {}, 400, "alerts[1]"),
    (
        "am-fingerprint-missing",
        "alertmanager",
        am(setter("alerts.1.fingerprint", ...)),
        {},
        400,
        "alerts[1].fingerprint",
    ),
    (
        "am-fingerprint-number",
        "alertmanager",
        am(setter("alerts.0.fingerprint", 12345)),
        {},
        400,
        "alerts[0].fingerprint",
    ),
    (
        "am-fingerprint-100kb",
        "alertmanager",
        am(setter("alerts.0.fingerprint", BIG)),
        {},
        400,
        "alerts[0].fingerprint",
    ),
    (
        "am-fingerprint-lone-surrogate",
        "alertmanager",
        am(setter("alerts.0.fingerprint", "\ud800\x00")),
        {},
        400,
        "alerts[0].fingerprint",
    ),
    (
        "am-status-bogus",
        "alertmanager",
        am(setter("alerts.0.status", "exploded")),
        {},
        400,
        "alerts[0].status",
    ),
    (
        "am-status-missing",
        "alertmanager",
        am(setter("alerts.1.status", ...)),
        {},
        400,
        "alerts[1].status",
    ),
    (
        "am-labels-list",
        "alertmanager",
        am(setter("alerts.0.labels", ["a", "b"])),
        {},
        400,
        "alerts[0].labels",
    ),
    (
        "am-label-number",
        "alertmanager",
        am(setter("alerts.0.labels.severity", 3)),
        {},
        400,
        "alerts[0].labels.severity",
    ),
    (
        "am-annotation-object",
        "alertmanager",
        am(setter("alerts.0.annotations.summary", {"x": 1})),
        {},
        400,
        "alerts[0].annotations.summary",
    ),
    (
        "am-startsat-no-offset",
        "alertmanager",
        am(setter("alerts.0.startsAt", "2024-05-06T09:12:31.123456789")),
        {},
        400,
        "alerts[0].startsAt",
    ),
    (
        "am-startsat-garbage",
        "alertmanager",
        am(setter("alerts.0.startsAt", "yesterday")),
        {},
        400,
        "alerts[0].startsAt",
    ),
    (
        "am-startsat-epoch-number",
        "alertmanager",
        am(setter("alerts.0.startsAt", 1714986751)),
        {},
        400,
        "alerts[0].startsAt",
    ),
    (
        "am-startsat-month-13",
        "alertmanager",
        am(setter("alerts.0.startsAt", "2024-13-06T09:12:31Z")),
        {},
        400,
        "alerts[0].startsAt",
    ),
    (
        "am-startsat-missing",
        "alertmanager",
        am(setter("alerts.0.startsAt", ...)),
        {},
        400,
        "alerts[0].startsAt",
    ),
    (
        "am-endsat-list",
        "alertmanager",
        am(setter("alerts.0.endsAt", [])),
        {},
        400,
        "alerts[0].endsAt",
    ),
    (
        "am-generatorurl-number",
        "alertmanager",
        am(setter("alerts.0.generatorURL", 7)),
        {},
        400,
        "alerts[0].generatorURL",
    ),
    ("am-version-3", "alertmanager", am(setter("version", "3")), {}, 400, "version"),
    (
        "am-truncated-as-string",
        "alertmanager",
        am(setter("truncatedAlerts", "0")),
        {},
        400,
        "truncatedAlerts",
    ),
    (
        "am-truncated-negative",
        "alertmanager",
        am(setter("truncatedAlerts", -1)),
        {},
        400,
        "truncatedAlerts",
    ),
    # --- PagerDuty fields -------------------------------------------------------------------------
    ("pd-routing-key-missing", "pagerduty", pd(setter("routing_key", ...)), {}, 401, "routing_key"),
    ("pd-routing-key-number", "pagerduty", pd(setter("routing_key", 1)), {}, 401, "routing_key"),
    (
        "pd-action-bogus",
        "pagerduty",
        pd(setter("event_action", "explode")),
        {},
        400,
        "event_action",
    ),
    ("pd-action-missing", "pagerduty", pd(setter("event_action", ...)), {}, 400, "event_action"),
    (
        "pd-ack-without-dedup",
        "pagerduty",
        pd(event={"routing_key": PD_KEY, "event_action": "acknowledge"}),
        {},
        400,
        "dedup_key",
    ),
    (
        "pd-resolve-dedup-object",
        "pagerduty",
        pd(event={"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": {"a": 1}}),
        {},
        400,
        "dedup_key",
    ),
    ("pd-dedup-100kb", "pagerduty", pd(setter("dedup_key", BIG)), {}, 400, "dedup_key"),
    ("pd-payload-missing", "pagerduty", pd(setter("payload", ...)), {}, 400, "payload"),
    ("pd-payload-string", "pagerduty", pd(setter("payload", "disk full")), {}, 400, "payload"),
    (
        "pd-summary-missing",
        "pagerduty",
        pd(setter("payload.summary", ...)),
        {},
        400,
        "payload.summary",
    ),
    (
        "pd-summary-number",
        "pagerduty",
        pd(setter("payload.summary", 96)),
        {},
        400,
        "payload.summary",
    ),
    ("pd-source-empty", "pagerduty", pd(setter("payload.source", "  ")), {}, 400, "payload.source"),
    (
        "pd-severity-high",
        "pagerduty",
        pd(setter("payload.severity", "high")),
        {},
        400,
        "payload.severity",
    ),
    (
        "pd-severity-missing",
        "pagerduty",
        pd(setter("payload.severity", ...)),
        {},
        400,
        "payload.severity",
    ),
    (
        "pd-timestamp-no-offset",
        "pagerduty",
        pd(setter("payload.timestamp", "2024-05-06T09:12:31")),
        {},
        400,
        "payload.timestamp",
    ),
    ("pd-links-object", "pagerduty", pd(setter("links", {"href": "https://x"})), {}, 400, "links"),
    (
        "pd-link-href-number",
        "pagerduty",
        pd(setter("links", [{"href": 5}])),
        {},
        400,
        "links[0].href",
    ),
    ("pd-link-string", "pagerduty", pd(setter("links", ["https://x"])), {}, 400, "links[0]"),
    (
        "pd-component-list",
        "pagerduty",
        pd(setter("payload.component", ["a"])),
        {},
        400,
        "payload.component",
    ),
    # --- NinjaOne fields ------------------------------------------------------------------------------
    (
        "ninja-activity-type-missing",
        "ninjaone",
        ninja(setter("activityType", ...)),
        {},
        400,
        "activityType",
    ),
    (
        "ninja-activity-type-number",
        "ninjaone",
        ninja(setter("activityType", 3)),
        {},
        400,
        "activityType",
    ),
    ("ninja-series-missing", "ninjaone", ninja(setter("seriesUid", ...)), {}, 400, "seriesUid"),
    ("ninja-series-100kb", "ninjaone", ninja(setter("seriesUid", BIG)), {}, 400, "seriesUid"),
    (
        "ninja-time-as-string",
        "ninjaone",
        ninja(setter("activityTime", "1714986751")),
        {},
        400,
        "activityTime",
    ),
    ("ninja-time-huge", "ninjaone", ninja(setter("activityTime", 1e300)), {}, 400, "activityTime"),
    ("ninja-time-bool", "ninjaone", ninja(setter("activityTime", True)), {}, 400, "activityTime"),
    ("ninja-device-list", "ninjaone", ninja(setter("device", [1, 2])), {}, 400, "device"),
    ("ninja-data-string", "ninjaone", ninja(setter("data", "x")), {}, 400, "data"),
    ("ninja-id-object", "ninjaone", ninja(setter("id", {"x": 1})), {}, 400, "id"),
    ("ninja-severity-number", "ninjaone", ninja(setter("severity", 4)), {}, 400, "severity"),
    # --- generic fields -------------------------------------------------------------------------------
    ("gen-dedup-missing", "generic", gen(setter("dedup_key", ...)), {}, 400, "dedup_key"),
    ("gen-dedup-float", "generic", gen(setter("dedup_key", 1.5)), {}, 400, "dedup_key"),
    (
        "gen-dedup-only-nul-and-surrogate",
        "generic",
        gen(setter("dedup_key", "\x00\udc00")),
        {},
        400,
        "dedup_key",
    ),
    ("gen-status-bogus", "generic", gen(setter("status", "exploded")), {}, 400, "status"),
    ("gen-status-number", "generic", gen(setter("status", 1)), {}, 400, "status"),
    ("gen-status-missing", "generic", gen(setter("status", ...)), {}, 400, "status"),
    (
        "gen-severity-unknown",
        "generic",
        gen(setter("severity", "catastrophic")),
        {},
        400,
        "severity",
    ),
    ("gen-severity-number", "generic", gen(setter("severity", 1)), {}, 400, "severity"),
    ("gen-title-missing-while-firing", "generic", gen(setter("title", ...)), {}, 400, "title"),
    ("gen-title-object", "generic", gen(setter("title", {"text": "x"})), {}, 400, "title"),
    ("gen-title-bool", "generic", gen(setter("title", True)), {}, 400, "title"),
    (
        "gen-occurred-no-offset",
        "generic",
        gen(setter("occurred_at", "2024-05-06T09:12:31")),
        {},
        400,
        "occurred_at",
    ),
    (
        "gen-occurred-epoch-string",
        "generic",
        gen(setter("occurred_at", "1714986751")),
        {},
        400,
        "occurred_at",
    ),
    (
        "gen-occurred-number",
        "generic",
        gen(setter("occurred_at", 1714986751)),
        {},
        400,
        "occurred_at",
    ),
    ("gen-url-list", "generic", gen(setter("url", ["https://x"])), {}, 400, "url"),
    ("gen-client-list", "generic", gen(setter("client", ["Acme"])), {}, 400, "client"),
]


def headers_for(source: str, extra: dict[str, str]) -> dict[str, str]:
    headers = {**JSON, **extra}
    if source != "pagerduty":
        headers["Authorization"] = f"Bearer {TOKEN}"
    return headers


def test_there_are_at_least_30_hostile_bodies():
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("source", "body", "extra", "status", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_hostile_body_gets_the_right_4xx_naming_the_field(source, body, extra, status, field):
    with pytest.raises(AlertRejected) as caught:
        parse_request(
            source,
            headers=headers_for(source, extra),
            query={},
            body=body,
            tokens=TOKENS,
            now=NOW,
        )
    error = caught.value
    assert (error.status, error.field) == (status, field), error.reason
    assert error.reason
    code, answer = answer_error(source, error)
    assert code == status
    text = json.dumps(answer)  # JSON-able
    assert len(text) < 500  # never echoes what was sent
    assert TOKEN not in text and PD_KEY not in text


def test_odd_but_valid_text_is_accepted_not_refused():
    alert = ap.generic_alert(
        title="\ud83d <!channel> \x00 NUL <http://x|y> &amp; 😀",
        description=BIG,
        url="javascript:alert(1)",
        client="\udfff",
    )
    (event,) = parse_request(
        "generic",
        headers=headers_for("generic", {}),
        query={},
        body=ap.json_body(alert),
        tokens=TOKENS,
        now=NOW,
    ).events
    assert event.title == "<!channel>  NUL <http://x|y> &amp; 😀"
    assert event.description is not None and len(event.description) == 3000
    assert event.url is None
    assert event.client is None
