"""Alert payloads as each sender builds them, for tests, the demo and the benchmark.

- Alertmanager: the webhook notification (payload ``version`` "4") with Go's field order, Go's
  ``encoding/json`` output (compact, ``&``, ``<``, ``>`` written ``\\u0026``, ``\\u003c``,
  ``\\u003e``), RFC 3339 timestamps with up to 9 fractional digits (trailing zeros dropped, as
  Go's ``RFC3339Nano``), Go's zero time as a firing alert's ``endsAt``, ``groupKey`` built from the
  route and group labels, ``truncatedAlerts`` and ``externalURL``.
- PagerDuty Events API v2: trigger (full), acknowledge and resolve (three keys only).
- NinjaOne activity webhooks: CONDITION ``TRIGGERED`` / ``RESET`` activities sharing one
  ``seriesUid``, each with a new activity ``id``, and activities Lanekeeper ignores.
- The generic flat JSON.

Each builder returns a ``dict``; :func:`alertmanager_body` / :func:`json_body` give the bytes a
sender posts, and :func:`request_parts` the headers and query it sends them with.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

JsonDict = dict[str, Any]

GO_ZERO_TIME = "0001-01-01T00:00:00Z"
EXTERNAL_URL = "http://alertmanager.example.net:9093"
PROMETHEUS_URL = "http://prometheus.example.net:9090"
_ids = itertools.count(880_001)


# --- Alertmanager --------------------------------------------------------------------------------


def go_time(moment: datetime, nanos: int | None = None) -> str:
    """``moment`` as Go's ``time.RFC3339Nano`` writes it: ``Z`` for UTC, the fraction with its
    trailing zeros dropped (none when zero). ``nanos`` (0–999,999,999) replaces the
    microseconds to give all 9 digits."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    fraction = nanos if nanos is not None else moment.microsecond * 1000
    text = moment.replace(microsecond=0).isoformat()
    base, offset = text[:19], text[19:]
    if offset == "+00:00":
        offset = "Z"
    digits = f"{fraction:09d}".rstrip("0")
    return f"{base}.{digits}{offset}" if digits else f"{base}{offset}"


def fingerprint(labels: Mapping[str, str]) -> str:
    """A 16-hex-digit fingerprint of a label set, stable like Alertmanager's (not its FNV hash,
    but the same shape and the same property: same labels, same fingerprint)."""
    text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def alertmanager_alert(
    alertname: str = "HostDown",
    *,
    status: str = "firing",
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    starts_at_nanos: int | None = None,
    generator_url: str | None = None,
    fingerprint_: str | None = None,
) -> JsonDict:
    """One alert of a notification. A firing alert's ``endsAt`` is Go's zero time unless given."""
    all_labels = {"alertname": alertname, **(labels or {})}
    starts = starts_at or datetime(2024, 5, 6, 9, 12, 31, 482_113, tzinfo=UTC)
    if status == "resolved":
        ends = go_time(ends_at or starts + timedelta(minutes=7))
    else:
        ends = go_time(ends_at) if ends_at is not None else GO_ZERO_TIME
    expr = f'up{{job="{all_labels.get("job", "node")}"}} == 0'
    return {
        "status": status,
        "labels": dict(sorted(all_labels.items())),
        "annotations": dict(sorted((annotations or {}).items())),
        "startsAt": go_time(starts, starts_at_nanos),
        "endsAt": ends,
        "generatorURL": generator_url
        if generator_url is not None
        else f"{PROMETHEUS_URL}/graph?g0.expr={quote_plus(expr)}&g0.tab=1",
        "fingerprint": fingerprint_ or fingerprint(all_labels),
    }


def alertmanager_notification(
    alerts: Iterable[JsonDict],
    *,
    receiver: str = "lanekeeper",
    group_by: Iterable[str] = ("alertname",),
    route_path: str = "{}",
    external_url: str = EXTERNAL_URL,
    truncated_alerts: int = 0,
) -> JsonDict:
    """The notification of one aggregation group: top-level ``status`` is ``firing`` while any of
    its alerts fires (so it may carry resolved alerts), common labels and annotations are those
    every alert shares."""
    alerts = list(alerts)
    group_names = list(group_by)
    first = alerts[0]["labels"] if alerts else {}
    group_labels = {name: first[name] for name in group_names if name in first}
    common_labels = _common([a["labels"] for a in alerts])
    common_annotations = _common([a["annotations"] for a in alerts])
    group_key = (
        route_path + ":{" + ", ".join(f'{k}="{v}"' for k, v in sorted(group_labels.items())) + "}"
    )
    return {
        "receiver": receiver,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "alerts": alerts,
        "groupLabels": dict(sorted(group_labels.items())),
        "commonLabels": dict(sorted(common_labels.items())),
        "commonAnnotations": dict(sorted(common_annotations.items())),
        "externalURL": external_url,
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": truncated_alerts,
    }


def _common(maps: list[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    return {k: v for k, v in maps[0].items() if all(m.get(k) == v for m in maps[1:])}


def alertmanager_body(notification: JsonDict) -> bytes:
    """The bytes Alertmanager posts: Go's ``encoding/json`` (compact; ``&``, ``<``, ``>``, U+2028
    and U+2029 escaped as ``\\u0026``, ``\\u003c``, ``\\u003e``, ``\\u2028``, ``\\u2029``)."""
    text = json.dumps(notification, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)  # these appear only inside JSON strings
    return text.encode("utf-8", "backslashreplace")  # a lone surrogate as its JSON escape


def node_down_notification(
    *,
    instance: str = "fs01.acme.local:9100",
    client: str = "Acme Dental",
    status: str = "firing",
) -> JsonDict:
    """A typical MSP alert: a client's file server stopped answering."""
    alert = alertmanager_alert(
        "HostDown",
        status=status,
        labels={
            "client": client,
            "instance": instance,
            "job": "node",
            "severity": "critical",
        },
        annotations={
            "summary": f"{instance} is down",
            "description": f"{instance} of {client} has not answered scrapes for 5 minutes "
            "& its backups <will> fail.",
            "runbook_url": "https://wiki.example.net/runbooks/host-down",
        },
    )
    return alertmanager_notification([alert], group_by=("alertname", "client"))


# --- PagerDuty Events API v2 ------------------------------------------------------------------------


def pagerduty_trigger(
    routing_key: str,
    *,
    summary: str = "Disk C: on SQL01 is 96% full",
    source: str = "sql01.acme.local",
    severity: str = "error",
    dedup_key: str | None = "acme-sql01-disk-c",
    timestamp: str | None = "2024-05-06T09:12:31.482+02:00",
    component: str | None = "disk",
    group: str | None = "acme-prod",
    class_: str | None = "disk-space",
    custom_details: object = None,
    links: list[JsonDict] | None = None,
    client: str | None = "Zabbix",
    client_url: str | None = "https://zabbix.example.net/",
) -> JsonDict:
    """A trigger as a PagerDuty-compatible sender builds it (``dedup_key=None``: left out)."""
    payload: JsonDict = {"summary": summary, "source": source, "severity": severity}
    if timestamp is not None:
        payload["timestamp"] = timestamp
    for name, value in (("component", component), ("group", group), ("class", class_)):
        if value is not None:
            payload[name] = value
    payload["custom_details"] = (
        custom_details
        if custom_details is not None
        else {"client": "Acme Dental", "free_space": "4.1 GB", "volume": "C:"}
    )
    event: JsonDict = {"routing_key": routing_key, "event_action": "trigger"}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    event["payload"] = payload
    if client is not None:
        event["client"] = client
    if client_url is not None:
        event["client_url"] = client_url
    event["links"] = (
        links
        if links is not None
        else [{"href": "https://zabbix.example.net/tr_events.php?eventid=4411", "text": "Event"}]
    )
    event["images"] = []
    return event


def pagerduty_acknowledge(routing_key: str, dedup_key: str) -> JsonDict:
    """An acknowledge carrying only the three keys PagerDuty requires."""
    return {"routing_key": routing_key, "dedup_key": dedup_key, "event_action": "acknowledge"}


def pagerduty_resolve(routing_key: str, dedup_key: str) -> JsonDict:
    """A resolve carrying only the three keys PagerDuty requires."""
    return {"routing_key": routing_key, "dedup_key": dedup_key, "event_action": "resolve"}


# --- NinjaOne -----------------------------------------------------------------------------------


def ninjaone_activity(
    *,
    status_code: str = "TRIGGERED",
    series_uid: str = "4b1c2a9e-7f3d-4e1a-9c55-0d6b8e2f1a77",
    activity_id: int | None = None,
    activity_type: str = "CONDITION",
    activity_time: float = 1_714_986_751.482,
    device_id: int = 1042,
    system_name: str = "ACME-FS01",
    organization_id: int = 17,
    severity: str = "MAJOR",
    priority: str = "HIGH",
    source_name: str = "Disk free space below 10%",
    message: str | None = None,
    localised_type: str = "Condition",
    localised_status: str | None = None,
) -> JsonDict:
    """One activity. ``activity_id`` is new for every activity unless given (a redelivery repeats
    it); TRIGGERED and RESET of one condition share ``series_uid``."""
    triggered = status_code == "TRIGGERED"
    return {
        "id": activity_id if activity_id is not None else next(_ids),
        "activityTime": activity_time,
        "deviceId": device_id,
        "severity": severity,
        "priority": priority,
        "seriesUid": series_uid,
        "activityType": activity_type,
        "statusCode": status_code,
        "status": localised_status or ("Déclenché" if triggered else "Réinitialisé"),
        "activityResult": "SUCCESS",
        "sourceConfigUid": "9f0c3d2e-5b6a-4c1d-8e7f-1a2b3c4d5e6f",
        "sourceName": source_name,
        "subject": source_name,
        "userId": 0,
        "message": message
        or (
            f"{system_name}: disk C: free space is 6% (< 10%)"
            if triggered
            else f"{system_name}: disk C: free space is back to 23%"
        ),
        "type": localised_type,
        "data": {
            "message": {
                "code": "CONDITION_TRIGGERED" if triggered else "CONDITION_RESET",
                "params": {"threshold": "10", "unit": "%"},
            }
        },
        "device": {
            "id": device_id,
            "organizationId": organization_id,
            "locationId": 3,
            "nodeClass": "WINDOWS_SERVER",
            "nodeRoleId": 1,
            "rolePolicyId": 12,
            "approvalStatus": "APPROVED",
            "offline": False,
            "systemName": system_name,
            "dnsName": f"{system_name.lower()}.acme.local",
            "created": 1_690_000_000.0,
            "lastContact": activity_time - 30,
        },
    }


def ninjaone_ignored_activity() -> JsonDict:
    """An activity Lanekeeper does not handle (a script run by a policy's action set)."""
    activity = ninjaone_activity(activity_type="ACTIONSET", status_code="START_REQUESTED")
    activity["type"] = "Action Set"
    activity["status"] = "Start requested"
    return activity


# --- generic -----------------------------------------------------------------------------------------


def generic_alert(
    dedup_key: str | int = "datto-7f31c2",
    *,
    status: str = "firing",
    severity: str | None = "critical",
    title: str | None = "Backup job failed: ACME-FS01 nightly",
    description: str | None = "Veeam job 'Nightly' ended with status Failed (3 of 4 VMs).",
    client: str | None = "Acme Dental",
    device: str | None = "ACME-FS01",
    url: str | None = "https://rmm.example.net/alerts/7f31c2",
    occurred_at: str | None = "2024-05-06T09:12:31Z",
) -> JsonDict:
    """The generic flat shape (``None`` leaves a field out)."""
    fields: JsonDict = {
        "dedup_key": dedup_key,
        "status": status,
        "severity": severity,
        "title": title,
        "description": description,
        "client": client,
        "device": device,
        "url": url,
        "occurred_at": occurred_at,
    }
    return {k: v for k, v in fields.items() if v is not None}


# --- requests ----------------------------------------------------------------------------------------


def json_body(payload: object) -> bytes:
    """The bytes a typical sender posts (compact JSON, UTF-8)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace")  # a lone surrogate as its JSON escape


def request_parts(
    token: str | None, *, in_query: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query) of a sender's request: ``Authorization: Bearer`` or ``?token=``."""
    headers = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.27.0"}
    query: dict[str, str] = {}
    if token is not None:
        if in_query:
            query["token"] = token
        else:
            headers["Authorization"] = f"Bearer {token}"
    return headers, query
