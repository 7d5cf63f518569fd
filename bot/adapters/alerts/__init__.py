"""Alert intake: from the parts of an HTTP request to ``POST /hooks/alerts/{source}`` to a list of
normalized :class:`AlertEvent` s, or an :class:`AlertRejected` carrying the HTTP status.

Pure Python (no database, no Slack, no web framework)::

    tokens = tokens_from_env(os.environ)
    try:
        result = parse_request(source, headers=h, query=q, body=raw, tokens=tokens)
    except AlertRejected as error:
        status, body = answer_error(source, error)   # 400/401/404/413/415, change nothing
    else:
        ...store every event (create-or-update by (source, key), resolve, acknowledge)...
        status, body = answer(result)                # only once stored; 503 if storing failed

Order of checks: the source (404 unknown or switched off), the credential (401), then the body
(413 size, 415 not JSON, 400 the first field at fault). PagerDuty's credential is the
``routing_key`` inside the body, so for it the body is read (413/415) before the 401.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from . import alertmanager, generic, ninjaone, pagerduty
from .base import (
    MAX_BODY_BYTES,
    SOURCES,
    TOKEN_ENV_PREFIX,
    AlertEvent,
    AlertRejected,
    IntakeResult,
    RedactingFilter,
    Source,
    authenticate,
    load_json,
    redact_text,
    redact_url,
    reject,
    tokens_from_env,
)

__all__ = [
    "MAX_BODY_BYTES",
    "SOURCES",
    "TOKEN_ENV_PREFIX",
    "AlertEvent",
    "AlertRejected",
    "IntakeResult",
    "RedactingFilter",
    "Source",
    "answer",
    "answer_error",
    "parse_request",
    "redact_text",
    "redact_url",
    "tokens_from_env",
]

_PARSERS: Mapping[str, Callable[..., IntakeResult]] = {
    "alertmanager": alertmanager.parse,
    "ninjaone": ninjaone.parse,
    "generic": generic.parse,
}


def parse_request(
    source: str,
    *,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes,
    tokens: Mapping[str, str],
    now: datetime | None = None,
    max_body: int = MAX_BODY_BYTES,
) -> IntakeResult:
    """Authenticates and validates one request whole; returns its events or raises
    :class:`AlertRejected` (never anything else). ``tokens`` is :func:`tokens_from_env`'s answer;
    ``now`` stands for the arrival time of events that carry none."""
    if source not in SOURCES:
        reject("source", "unknown alert source", status=404)
    expected = tokens.get(source)
    if not expected:
        reject("source", "this alert source is switched off", status=404)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    if source == "pagerduty":
        document = load_json(body, headers, max_body=max_body)
        return pagerduty.parse(document, routing_key=expected, now=moment)
    authenticate(headers, query, expected)
    document = load_json(body, headers, max_body=max_body)
    return _PARSERS[source](document, now=moment)


def answer(result: IntakeResult) -> tuple[int, dict[str, object]]:
    """The HTTP answer once the result's events are stored: PagerDuty's own ``202`` body for
    PagerDuty, ``200 {"ok": true, …}`` for the others."""
    if result.source == "pagerduty":
        return 202, pagerduty.success_body(result.dedup_key)
    body: dict[str, object] = {"ok": True, "accepted": len(result.events)}
    if result.ignored:
        body["ignored"] = result.ignored
    return 200, body


def answer_error(source: str, error: AlertRejected) -> tuple[int, dict[str, object]]:
    """The HTTP answer to a refusal (PagerDuty's own shape for PagerDuty)."""
    if source == "pagerduty":
        return error.status, pagerduty.error_body(error)
    return error.status, error.body()
