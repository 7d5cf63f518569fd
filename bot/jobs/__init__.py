"""Scheduled jobs, declared apart from scheduling them (the clock process, or ``run-job``).

Every job is a plain function ``run(ctx, now, team=None) -> list[JobResult]`` that decides
from ``now`` alone whether anything is due, and records what it sent in the same transaction
as the post it queues, so running it twice — two clocks, a restart, a re-run by hand — sends
nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..adapters.psa.base import PsaConnector
from ..adapters.uow import UnitOfWork
from ..services.context import Lanes


@dataclass
class JobContext:
    uow: Callable[[], UnitOfWork]
    lanes: Lanes
    slack_team_id: str
    psa_connector: Callable[[], PsaConnector] | None = None


@dataclass(frozen=True)
class JobResult:
    job: str
    scope: str
    outcome: str  # "sent", "already-sent", "skipped", "not-due"
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.job} {self.scope}: {self.outcome}" + (
            f" ({self.detail})" if self.detail else ""
        )


JobFn = Callable[[JobContext, datetime, str | None], list[JobResult]]


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: JobFn
    every_seconds: int  # how often the clock runs it; each run decides itself what is due


def registry() -> dict[str, Job]:
    from .level10 import jobs as level10_jobs
    from .prune import run_prune
    from .psa_sync import run_psa_sync
    from .sla_watch import run_sla_watch
    from .standup import run_standup

    jobs = [
        Job("standup", "daily SLA stand-up digest in each team's channel", run_standup, 60),
        Job(
            "sla-watch",
            "SLA risk (75%) and breach warnings in escalation threads",
            run_sla_watch,
            60,
        ),
        Job("psa-sync", "sync tickets from the PSA every psa.sync_every", run_psa_sync, 60),
        Job("prune", "delete what retention: keeps only for a while", run_prune, 3600),
        *level10_jobs(),
    ]
    return {j.name: j for j in jobs}
