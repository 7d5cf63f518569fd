"""PagerDuty Events API v2 (``trigger`` / ``acknowledge`` / ``resolve``), as any
PagerDuty-compatible sender posts it.

The ``routing_key`` in the body is the credential: it is compared in constant time with
``LANEKEEPER_ALERT_TOKEN_PAGERDUTY`` before anything else is read, and it is never stored in clear
(the alert key is ``<hash of routing_key>:<dedup_key>``). ``acknowledge`` and ``resolve`` may carry
only ``routing_key``, ``dedup_key`` and ``event_action``; a ``trigger`` without ``dedup_key`` is
valid: one is minted and returned in PagerDuty's own answer, ``202 {"status": "success", "message":
"Event processed", "dedup_key": …}``. A trigger after a resolve is a new alert (the escalation
service's business: the key is the same, the previous escalation is resolved).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from .base import (
    DESCRIPTION_MAX,
    NAME_MAX,
    SEVERITIES,
    TITLE_MAX,
    Action,
    AlertEvent,
    AlertRejected,
    IntakeResult,
    JsonObject,
    bounded_labels,
    clean_text,
    expect_object,
    get_id,
    get_object,
    get_text,
    get_timestamp,
    get_url,
    join,
    reject,
    require_text,
    routing_key_hash,
    safe_url,
    token_matches,
    truncate,
)

ACTIONS: Final[tuple[Action, ...]] = ("trigger", "acknowledge", "resolve")
CLIENT_KEYS: Final = ("client", "customer", "tenant", "company", "organization")
MAX_LINKS: Final = 50


def authenticate(document: object, expected_routing_key: str) -> str:
    """The body's ``routing_key`` when it is the configured one; 401 otherwise (also when the body
    is not an object: then it carries no credential)."""
    routing_key = document.get("routing_key") if isinstance(document, dict) else None
    if not isinstance(routing_key, str) or not routing_key:
        reject("routing_key", "missing credential: routing_key is required", status=401)
    if not token_matches(routing_key, expected_routing_key):
        reject("routing_key", "credential not accepted", status=401)
    return routing_key


def parse(document: object, *, routing_key: str, now: datetime) -> IntakeResult:
    """Authenticates, then validates the whole event. ``routing_key`` is the configured one."""
    given_key = authenticate(document, routing_key)
    event = expect_object(document, "")
    action = event.get("event_action")
    if action is None:
        reject("event_action", "is required")
    if action not in ACTIONS:
        reject("event_action", "must be trigger, acknowledge or resolve")
    action_word: Action = next(a for a in ACTIONS if a == action)
    dedup_key = get_id(event, "dedup_key", "", required=action != "trigger")
    if dedup_key is None:
        dedup_key = uuid.uuid4().hex
    key = f"{routing_key_hash(given_key)}:{dedup_key}"

    if action_word != "trigger":
        alert = AlertEvent(
            source="pagerduty",
            key=key,
            action=action_word,
            severity=None,
            title=None,
            description=None,
            client=None,
            device=None,
            url=None,
            occurred_at=now,
        )
        return IntakeResult(source="pagerduty", events=(alert,), dedup_key=dedup_key)

    payload = get_object(event, "payload", "", required=True)
    summary = require_text(payload, "summary", "payload", cap=TITLE_MAX, allow_number=False)
    device = require_text(payload, "source", "payload", cap=NAME_MAX, allow_number=False)
    severity = payload.get("severity")
    if severity is None:
        reject("payload.severity", "is required")
    if not isinstance(severity, str) or severity.strip().lower() not in SEVERITIES:
        reject("payload.severity", "must be critical, error, warning or info")
    normalized = next(s for s in SEVERITIES if s == severity.strip().lower())
    occurred = get_timestamp(payload, "timestamp", "payload") or now
    component = get_text(payload, "component", "payload", cap=NAME_MAX)
    group = get_text(payload, "group", "payload", cap=NAME_MAX)
    klass = get_text(payload, "class", "payload", cap=NAME_MAX)
    details = payload.get("custom_details")
    url = _first_link(event) or get_url(event, "client_url", "")
    get_text(event, "client", "", cap=NAME_MAX)  # the sending tool's name: a string if given

    labels = {
        name: value
        for name, value in (("component", component), ("group", group), ("class", klass))
        if value
    }
    if isinstance(details, dict):
        extra = bounded_labels(details, "payload.custom_details", strict=False)
        for name, value in extra.items():
            labels.setdefault(name, value)
    client = _client(details)
    alert = AlertEvent(
        source="pagerduty",
        key=key,
        action="trigger",
        severity=normalized,
        title=summary,
        description=_describe(details),
        client=client,
        device=device,
        url=url,
        occurred_at=occurred,
        group=group,
        labels=dict(list(labels.items())[:64]),
    )
    return IntakeResult(source="pagerduty", events=(alert,), dedup_key=dedup_key)


def _first_link(event: JsonObject) -> str | None:
    links = event.get("links")
    if links is None:
        return None
    if not isinstance(links, list):
        reject("links", "must be a JSON array")
    found: str | None = None
    for index, link in enumerate(links[:MAX_LINKS]):
        path = f"links[{index}]"
        obj = expect_object(link, path)
        href = obj.get("href")
        if href is None:
            reject(join(path, "href"), "is required")
        if not isinstance(href, str):
            reject(join(path, "href"), "must be a string")
        get_text(obj, "text", path, cap=NAME_MAX)
        if found is None:
            found = safe_url(href)
    return found


def _client(details: object) -> str | None:
    if not isinstance(details, dict):
        return None
    for name in CLIENT_KEYS:
        value = details.get(name)
        if isinstance(value, str) and clean_text(value).strip():
            return truncate(clean_text(value).strip(), NAME_MAX)
    return None


def _describe(details: object) -> str | None:
    """``custom_details`` as text: a string as given, an object as ``key: value`` lines."""
    if details is None:
        return None
    if isinstance(details, str):
        text = details
    elif isinstance(details, dict):
        lines = []
        for name, value in details.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"{name}: {shown}")
            if sum(len(line) + 1 for line in lines) > DESCRIPTION_MAX:
                break
        text = "\n".join(lines)
    else:
        text = json.dumps(details, ensure_ascii=False)
    text = clean_text(text).strip()
    return truncate(text, DESCRIPTION_MAX) if text else None


def success_body(dedup_key: str | None) -> dict[str, object]:
    """PagerDuty's own answer to an accepted event (sent with status 202)."""
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def error_body(error: AlertRejected) -> dict[str, object]:
    """PagerDuty's own answer shape to a refused event (``400 {"status": "invalid event", …}``;
    the same shape for the other refusals, with their status)."""
    status = "invalid event" if error.status == 400 else _ERROR_STATUS.get(error.status, "error")
    message = {
        400: "Event object is invalid",
        401: "Invalid routing key",
        404: "Not found",
        413: "Request too large",
        415: "Request is not JSON",
    }.get(error.status, "Event not processed")
    return {
        "status": status,
        "message": message,
        "errors": [f"{error.field}: {error.reason}"],
    }


_ERROR_STATUS: Final[Mapping[int, str]] = {
    401: "unauthorized",
    404: "not found",
    413: "too large",
    415: "unsupported media type",
}
