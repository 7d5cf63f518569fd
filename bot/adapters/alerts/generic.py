"""The generic alert webhook: one flat JSON object, for RMMs without a native integration (Datto
RMM, N-able, Syncro templates)::

    {"dedup_key": "…", "status": "firing" | "resolved",
     "severity": "critical" | "error" | "warning" | "info",
     "title": "…", "description": "…", "client": "…", "device": "…", "url": "https://…",
     "occurred_at": "2024-05-01T10:00:00Z"}

``dedup_key`` and ``status`` are required, ``title`` too while firing; an optional
``delivery_id`` names the delivery (to spot a redelivery); other scalar fields become labels. Ids may be numbers (a
template often fills in an integer alert id). ``occurred_at`` must carry a UTC offset: a time
without one is ambiguous and refused, naming the field. ``severity`` takes the common synonyms
(``high``, ``major``, ``P1``…); a word it cannot place is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from .base import (
    DESCRIPTION_MAX,
    NAME_MAX,
    TITLE_MAX,
    AlertEvent,
    IntakeResult,
    Severity,
    bounded_labels,
    clean_text,
    expect_object,
    get_id,
    get_text,
    get_timestamp,
    get_url,
    normalize_severity,
    reject,
    require_id,
)

STATUSES: Final = {"firing": "trigger", "resolved": "resolve"}
DEFAULT_SEVERITY: Severity = "warning"
KNOWN_FIELDS: Final = (
    "dedup_key",
    "status",
    "severity",
    "title",
    "description",
    "client",
    "device",
    "url",
    "occurred_at",
    "delivery_id",
)


def parse(document: object, *, now: datetime) -> IntakeResult:
    alert = expect_object(document, "")
    key = require_id(alert, "dedup_key", "", allow_int=True)
    status = alert.get("status")
    if status is None:
        reject("status", "is required")
    if not isinstance(status, str) or clean_text(status).strip().lower() not in STATUSES:
        reject("status", 'must be "firing" or "resolved"')
    firing = clean_text(status).strip().lower() == "firing"

    severity: Severity | None = DEFAULT_SEVERITY if firing else None
    word = alert.get("severity")
    if word is not None:
        severity = normalize_severity(word)
        if severity is None:
            reject("severity", "must be critical, error, warning or info")

    title = get_text(alert, "title", "", cap=TITLE_MAX, required=firing)
    event = AlertEvent(
        source="generic",
        key=key,
        action="trigger" if firing else "resolve",
        severity=severity,
        title=title,
        description=get_text(alert, "description", "", cap=DESCRIPTION_MAX),
        client=get_text(alert, "client", "", cap=NAME_MAX),
        device=get_text(alert, "device", "", cap=NAME_MAX),
        url=get_url(alert, "url", ""),
        occurred_at=get_timestamp(alert, "occurred_at", "") or now,
        delivery_id=get_id(alert, "delivery_id", "", required=False, allow_int=True),
        labels=bounded_labels(
            {k: v for k, v in alert.items() if k not in KNOWN_FIELDS}, "", strict=False
        ),
    )
    return IntakeResult(source="generic", events=(event,))
