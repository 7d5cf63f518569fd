"""NinjaOne (NinjaRMM) activity webhooks.

The body is one activity, shaped like the API's Activity object: ``id`` (new for every activity:
used only to spot a redelivery), ``activityTime`` (Unix seconds), ``deviceId``, ``severity``
(NONE|MINOR|MODERATE|MAJOR|CRITICAL), ``priority`` (NONE|LOW|MEDIUM|HIGH), ``seriesUid`` (the
condition's key, shared by its ``TRIGGERED`` and ``RESET`` activities), ``activityType``,
``statusCode``, the localised ``type`` / ``status`` / ``message``, ``sourceName``, ``subject``,
``data`` and ``device``. Decisions are taken on ``activityType`` / ``statusCode`` only, never on the
localised words. Activities Lanekeeper does not handle are answered 2xx and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from .base import (
    DESCRIPTION_MAX,
    ID_MAX,
    NAME_MAX,
    TITLE_MAX,
    Action,
    AlertEvent,
    IntakeResult,
    JsonObject,
    Severity,
    bounded_labels,
    clean_text,
    epoch_to_utc,
    expect_object,
    get_id,
    get_object,
    get_text,
    reject,
    require_id,
    truncate,
)

#: (activityType, statusCode) → action.
HANDLED: Final[Mapping[tuple[str, str], Action]] = {
    ("CONDITION", "TRIGGERED"): "trigger",
    ("CONDITION", "RESET"): "resolve",
}
SEVERITY: Final[Mapping[str, Severity]] = {
    "CRITICAL": "critical",
    "MAJOR": "error",
    "MODERATE": "warning",
    "MINOR": "warning",
    "NONE": "info",
}
PRIORITY: Final[Mapping[str, Severity]] = {
    "HIGH": "error",
    "MEDIUM": "warning",
    "LOW": "info",
    "NONE": "info",
}
DEVICE_NAME_KEYS: Final = ("displayName", "systemName", "dnsName", "netbiosName", "name")
CLIENT_KEYS: Final = ("organizationName", "clientName", "customerName")
LABEL_KEYS: Final = (
    "activityType",
    "statusCode",
    "activityResult",
    "deviceId",
    "sourceConfigUid",
    "sourceName",
    "subject",
    "type",
    "status",
)


def parse(document: object, *, now: datetime) -> IntakeResult:
    activity = expect_object(document, "")
    activity_type = require_id(activity, "activityType", "")
    status_code = get_id(activity, "statusCode", "", required=False) or ""
    delivery_id = get_id(activity, "id", "", required=False, allow_int=True)
    action = HANDLED.get((activity_type.upper(), status_code.upper()))
    if action is None:
        return IntakeResult(
            source="ninjaone",
            ignored="this activity type and status code are not alerts Lanekeeper handles",
        )

    series_uid = require_id(activity, "seriesUid", "")
    occurred = (
        epoch_to_utc(activity["activityTime"], "activityTime")
        if activity.get("activityTime") is not None
        else now
    )
    device = get_object(activity, "device", "")
    data = get_object(activity, "data", "")
    device_id = get_id(activity, "deviceId", "", required=False, allow_int=True)
    severity = _severity(activity)
    source_name = get_text(activity, "sourceName", "", cap=TITLE_MAX)
    subject = get_text(activity, "subject", "", cap=TITLE_MAX)
    message = get_text(activity, "message", "", cap=DESCRIPTION_MAX)
    for name in ("type", "status", "activityResult", "sourceConfigUid"):
        get_text(activity, name, "", cap=NAME_MAX)  # strings when given

    title = source_name or subject or (truncate(message, TITLE_MAX) if message else None)
    description = message if message and message != title else None

    labels = {name: value for name in LABEL_KEYS if (value := _scalar(activity.get(name)))}
    organization_id = _scalar(device.get("organizationId")) or _scalar(
        activity.get("organizationId")
    )
    if organization_id:
        labels["organizationId"] = organization_id
    labels.update(
        (k, v) for k, v in bounded_labels(data, "data", strict=False).items() if k not in labels
    )

    return IntakeResult(
        source="ninjaone",
        events=(
            AlertEvent(
                source="ninjaone",
                key=series_uid,
                action=action,
                severity=severity,
                title=title
                or truncate(f"NinjaOne condition on device {device_id or '?'}", TITLE_MAX),
                description=description,
                client=_first(CLIENT_KEYS, device, data, activity),
                # An id may be ID_MAX long: "device <id>" is cut to a device name's cap.
                device=_first(DEVICE_NAME_KEYS, device, data)
                or (truncate(f"device {device_id}", NAME_MAX) if device_id else None),
                url=None,
                occurred_at=occurred,
                delivery_id=delivery_id,
                labels=dict(list(labels.items())[:64]),
            ),
        ),
    )


def _severity(activity: JsonObject) -> Severity:
    """``severity`` unless it is NONE or missing; then ``priority``; then warning."""
    for name, table in (("severity", SEVERITY), ("priority", PRIORITY)):
        word = activity.get(name)
        if word is None:
            continue
        if not isinstance(word, str):
            reject(name, "must be a string")
        found = table.get(word.strip().upper())
        if found is not None and word.strip().upper() != "NONE":
            return found
    return "info" if activity.get("severity") == "NONE" else "warning"


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        text = clean_text(value).strip()
        return truncate(text, ID_MAX) if text else None
    return None


def _first(names: tuple[str, ...], *objects: JsonObject) -> str | None:
    for obj in objects:
        for name in names:
            value = obj.get(name)
            if isinstance(value, str) and clean_text(value).strip():
                return truncate(clean_text(value).strip(), NAME_MAX)
    return None
