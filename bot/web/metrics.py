"""``GET /metrics`` in Prometheus' text format, answered only to
``Authorization: Bearer $LANEKEEPER_METRICS_TOKEN`` (SPEC, Operations).

Two kinds of figures: this process's own (HTTP requests by route and status, their duration) and
the deployment's, read from the database at each scrape (posts waiting for Slack or refused,
active escalations and open tickets per team, seconds since the PSA was last synced). With
several web processes each one reports its own requests; the database figures are the same from
any of them.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from ..adapters.stats import deployment_figures
from .app import Request, Response

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Database(Collector):
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        with self.sessions() as s:
            f = deployment_figures(s, now)
        pending, refused, oldest = f.outbox_pending, f.outbox_refused_24h, f.oldest_pending
        escalations, tickets, synced, runs = f.escalations, f.tickets, f.synced, f.job_runs
        g = GaugeMetricFamily(
            "lanekeeper_outbox_pending", "Slack posts stored and not yet delivered"
        )
        g.add_metric([], float(pending or 0))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_outbox_oldest_pending_seconds",
            "Age of the oldest post still waiting for Slack (0 when none waits)",
        )
        g.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_job_runs_24h",
            "Recorded job runs (stand-ups, Level-10 prompts) in the last 24 hours",
            labels=["job", "outcome"],
        )
        for job, outcome, n in runs:
            g.add_metric([str(job), str(outcome)], float(n))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_outbox_refused_24h", "Slack posts refused for good in the last 24 hours"
        )
        g.add_metric([], float(refused or 0))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_escalations_active", "Active escalations per team", labels=["team"]
        )
        for team, n in escalations:
            g.add_metric([str(team)], float(n))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_tickets_open", "Open PSA tickets per team", labels=["team"]
        )
        for team, n in tickets:
            g.add_metric([str(team)], float(n))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_psa_seconds_since_sync",
            "Seconds since the PSA's last successful sync",
            labels=["source"],
        )
        for source, at in synced:
            if at is not None:
                g.add_metric([str(source)], max(0.0, (now - at).total_seconds()))
        yield g


class Metrics:
    """The process's registry, its HTTP instruments and the /metrics handler."""

    def __init__(
        self,
        *,
        token: str,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.token = token
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "lanekeeper_http_requests",
            "HTTP requests answered, by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "lanekeeper_http_request_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0),
        )
        self.registry.register(_Database(sessions, clock))

    def observe(self, route: str, status: int, started: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.seconds.labels(route).observe(time.perf_counter() - started)

    def handle(self, request: Request) -> Response:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {self.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response.json(
                401, {"ok": False, "error": "metrics need Authorization: Bearer <token>"}
            )
        return Response(200, generate_latest(self.registry), CONTENT_TYPE)
