"""``GET /metrics`` in Prometheus' text format, answered only to
``Authorization: Bearer $LANEKEEPER_METRICS_TOKEN`` (SPEC, Operations).

Two kinds of figures. The process's own, counted as things happen (:mod:`bot.instruments`):
HTTP requests by route and status and their duration; Slack requests by kind (command, click,
message event, view, other) and the time to their acknowledgement; outbox deliveries by outcome
(delivered, retried, failed, already posted); alert webhook requests by source and outcome. And
the deployment's, read from the database at each scrape: posts waiting for Slack and the oldest
one's age, posts refused in the last day, job runs by outcome, active escalations and open
tickets per team, seconds since each PSA's last sync.

With ``WEB_CONCURRENCY`` > 1 the workers share their counts through ``PROMETHEUS_MULTIPROC_DIR``
(prometheus-client's multiprocess mode): any worker's answer sums them all. Deliveries made by a
``clock`` process are counted there, not here (it serves no ``/metrics``); its work shows in the
database figures.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from ..adapters.stats import deployment_figures
from ..instruments import instruments, multiprocess_dir, observe_http
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
        g.add_metric([], _age(now, oldest))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_slack_requests_waiting",
            "Slack requests acked and stored for the worker, not yet handled "
            "(LANEKEEPER_DELIVERY=worker)",
        )
        g.add_metric([], float(f.slack_requests_waiting))
        yield g
        g = GaugeMetricFamily(
            "lanekeeper_slack_request_oldest_waiting_seconds",
            "Age of the oldest of them (0 when none waits)",
        )
        g.add_metric([], _age(now, f.oldest_slack_request))
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


def _age(now: datetime, then: datetime | None) -> float:
    if then is None:
        return 0.0
    if then.tzinfo is None:  # SQLite hands back naive UTC
        then = then.replace(tzinfo=UTC)
    return max(0.0, (now - then).total_seconds())


class _Process(Collector):
    """This process's instruments (single-process ``serve``)."""

    def collect(self) -> Iterator[Metric]:
        yield from instruments().registry.collect()


class Metrics:
    """The /metrics handler: this process's (or every worker's) instruments and the database's
    figures."""

    def __init__(
        self,
        *,
        token: str,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.token = token
        self.registry = CollectorRegistry()
        folder = multiprocess_dir()
        if folder:
            MultiProcessCollector(self.registry, path=folder)
        else:
            self.registry.register(_Process())
        self.registry.register(_Database(sessions, clock))

    def observe(self, route: str, status: int, started: float) -> None:
        observe_http(route, status, time.perf_counter() - started)

    def handle(self, request: Request) -> Response:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {self.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response.json(
                401, {"ok": False, "error": "metrics need Authorization: Bearer <token>"}
            )
        return Response(200, generate_latest(self.registry), CONTENT_TYPE)
