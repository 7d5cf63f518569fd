"""This process's own figures for ``GET /metrics``: counters and histograms that move when the
thing happens (a request answered, a Slack request acknowledged, a post delivered or retried, an
alert received), kept in one registry per process and exposed by :mod:`bot.web.metrics`.

Made on first use, not at import: with ``PROMETHEUS_MULTIPROC_DIR`` set (``lanekeeper serve``
with ``WEB_CONCURRENCY`` > 1 sets it before its workers fork) prometheus-client keeps each
worker's values in files of that folder, and ``/metrics`` sums every worker's, whichever worker
answers the scrape. Recording never raises: a figure is not worth a failed request.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

log = logging.getLogger(__name__)

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"

#: Slack request kinds for acknowledgement latency (:func:`slack_kind`).
KINDS: Final = ("command", "click", "message", "view", "other")
#: Outbox delivery outcomes: sent; tried and due again (Slack 5xx / 429, network, not ready yet);
#: refused for good; found already posted by an earlier attempt whose answer never came.
DELIVERY_OUTCOMES: Final = ("delivered", "retried", "failed", "already_posted")
#: Alert webhook outcomes: stored (2xx), refused (4xx: token, source, body), unavailable (503).
ALERT_OUTCOMES: Final = ("stored", "refused", "unavailable")

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0)


class Instruments:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.http_requests = Counter(
            "lanekeeper_http_requests",
            "HTTP requests answered, by route and status",
            ["route", "status"],
            registry=registry,
        )
        self.http_seconds = Histogram(
            "lanekeeper_http_request_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            registry=registry,
            buckets=_SECONDS,
        )
        self.slack_requests = Counter(
            "lanekeeper_slack_requests",
            "Slack requests on /slack/events by kind (command, click, message, view, other) "
            "and HTTP status",
            ["kind", "status"],
            registry=registry,
        )
        self.slack_ack_seconds = Histogram(
            "lanekeeper_slack_ack_seconds",
            "Time from a Slack request's arrival to its acknowledgement, by kind (Slack's limit "
            "is 3 s)",
            ["kind"],
            registry=registry,
            buckets=_SECONDS,
        )
        self.deliveries = Counter(
            "lanekeeper_outbox_deliveries",
            "Outbox delivery attempts settled by this process, by post kind and outcome "
            "(delivered, retried, failed, already_posted)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.alerts = Counter(
            "lanekeeper_alerts",
            "Alert webhook requests by source and outcome (stored, refused, unavailable)",
            ["source", "outcome"],
            registry=registry,
        )


_instruments: Instruments | None = None
_lock = threading.Lock()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def instruments() -> Instruments:
    """The process's instruments, made on first use."""
    global _instruments
    with _lock:
        if _instruments is None:
            if multiprocess_dir():
                from prometheus_client import values

                # prometheus-client picks its value class when imported: imported before the
                # folder was named, it would keep this process's values in memory only.
                if values.ValueClass.__name__ != "MmapedValue":
                    values.ValueClass = values.get_value_class()
            # No ``*_created`` series beside each counter and histogram: Prometheus does not
            # need them, and they double what a scrape carries.
            disable_created_metrics()
            _instruments = Instruments(CollectorRegistry(auto_describe=True))
        return _instruments


def slack_kind(form: dict[str, list[str]] | None, data: object) -> str:
    """The kind of a Slack request from its parsed body: a slash command, a click (block
    actions, shortcuts' buttons), a message event, a view (submission or close), or other."""
    if form is not None and "command" in form:
        return "command"
    if isinstance(data, dict):
        kind = data.get("type")
        if kind == "block_actions":
            return "click"
        if kind in ("view_submission", "view_closed"):
            return "view"
        if kind == "event_callback":
            event = data.get("event")
            if isinstance(event, dict) and event.get("type") == "message":
                return "message"
    return "other"


def observe_http(route: str, status: int, seconds: float) -> None:
    try:
        i = instruments()
        i.http_requests.labels(route, str(status)).inc()
        i.http_seconds.labels(route).observe(seconds)
    except Exception:  # pragma: no cover - a figure is never worth a failed request
        log.debug("could not record an HTTP request", exc_info=True)


def observe_ack(kind: str, status: int, seconds: float) -> None:
    try:
        i = instruments()
        i.slack_requests.labels(kind, str(status)).inc()
        if 0 < status < 400:  # acknowledged; refusals (401 probes, 400, 413) are only counted
            i.slack_ack_seconds.labels(kind).observe(seconds)
    except Exception:  # pragma: no cover
        log.debug("could not record a Slack acknowledgement", exc_info=True)


def count_delivery(kind: str, outcome: str) -> None:
    try:
        instruments().deliveries.labels(kind, outcome).inc()
    except Exception:  # pragma: no cover
        log.debug("could not record a delivery", exc_info=True)


def count_alert(source: str, outcome: str) -> None:
    try:
        instruments().alerts.labels(source, outcome).inc()
    except Exception:  # pragma: no cover
        log.debug("could not record an alert", exc_info=True)
