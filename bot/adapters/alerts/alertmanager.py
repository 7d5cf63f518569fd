"""Prometheus Alertmanager webhook notifications (payload ``version`` "4").

One notification per aggregation group: the top-level ``status`` is ``firing`` while any alert of
the group fires, so a firing notification can carry resolved alerts. Each alert is acted on by
its own ``status`` and keyed by its ``fingerprint``; ``groupKey`` names the group, never an alert.
A firing alert's ``endsAt`` is Go's zero time; timestamps carry 0 to 9 fractional digits.
"""

from __future__ import annotations

from datetime import datetime

from .base import (
    DESCRIPTION_MAX,
    MAX_ALERTS,
    NAME_MAX,
    TITLE_MAX,
    AlertEvent,
    IntakeResult,
    Severity,
    bounded_labels,
    expect_object,
    first_label,
    get_object,
    get_text,
    get_timestamp,
    get_url,
    is_go_zero,
    join,
    normalize_severity,
    reject,
    require_id,
    truncate,
)

CLIENT_LABELS = ("client", "customer", "tenant", "company", "organization", "org")
DEVICE_LABELS = ("instance", "device", "host", "hostname", "node", "nodename")
DEFAULT_SEVERITY: Severity = "warning"


def parse(document: object, *, now: datetime) -> IntakeResult:
    body = expect_object(document, "")
    version = body.get("version")
    if version is not None and version != "4":
        reject("version", 'must be "4" (Alertmanager webhook payload version)')
    alerts = body.get("alerts")
    if alerts is None:
        reject("alerts", "is required")
    if not isinstance(alerts, list):
        reject("alerts", "must be a JSON array")
    if len(alerts) > MAX_ALERTS:
        reject(
            "alerts",
            f"holds more than {MAX_ALERTS} alerts: set max_alerts in the webhook_config",
            status=413,
        )
    truncated = body.get("truncatedAlerts", 0)
    if truncated is None:
        truncated = 0
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        reject("truncatedAlerts", "must be a whole number, 0 or more")
    group = get_text(body, "groupKey", "", cap=NAME_MAX, allow_number=False)
    external_url = get_url(body, "externalURL", "")
    events = tuple(
        _alert(alert, f"alerts[{index}]", group=group, external_url=external_url, now=now)
        for index, alert in enumerate(alerts)
    )
    return IntakeResult(source="alertmanager", events=events, truncated_alerts=truncated)


def _alert(
    value: object, path: str, *, group: str | None, external_url: str | None, now: datetime
) -> AlertEvent:
    alert = expect_object(value, path)
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        reject(join(path, "status"), 'must be "firing" or "resolved"')
    fingerprint = require_id(alert, "fingerprint", path)
    labels = bounded_labels(alert.get("labels"), join(path, "labels"), strict=True)
    annotations_path = join(path, "annotations")
    annotations = get_object(alert, "annotations", path)
    bounded_labels(annotations, annotations_path, strict=True)  # every value a string
    summary = get_text(
        annotations, "summary", annotations_path, cap=TITLE_MAX, allow_number=False
    ) or get_text(annotations, "title", annotations_path, cap=TITLE_MAX, allow_number=False)
    description = get_text(
        annotations, "description", annotations_path, cap=DESCRIPTION_MAX, allow_number=False
    ) or get_text(annotations, "message", annotations_path, cap=DESCRIPTION_MAX, allow_number=False)
    starts_at = get_timestamp(alert, "startsAt", path, required=True)
    ends_at = get_timestamp(alert, "endsAt", path)
    url = get_url(alert, "generatorURL", path) or external_url

    if status == "firing":
        occurred = starts_at
    else:
        occurred = ends_at if ends_at is not None and not is_go_zero(ends_at) else None
    if occurred is None or is_go_zero(occurred):
        occurred = now

    title = summary or labels.get("alertname", "").strip() or f"Alert {fingerprint}"
    return AlertEvent(
        source="alertmanager",
        key=fingerprint,
        action="trigger" if status == "firing" else "resolve",
        severity=normalize_severity(labels.get("severity")) or DEFAULT_SEVERITY,
        title=truncate(title, TITLE_MAX),
        description=description,
        client=first_label(labels, CLIENT_LABELS),
        device=first_label(labels, DEVICE_LABELS),
        url=url,
        occurred_at=occurred,
        delivery_id=None,
        group=group,
        labels=labels,
    )
