"""Deployment-wide figures for ``/metrics``, read in one short session at each scrape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.escalation import ACTIVE
from .models import (
    Escalation,
    JobRun,
    OutboxMessage,
    PsaSyncState,
    SlackInboxRequest,
    Ticket,
)


@dataclass(frozen=True)
class Figures:
    outbox_pending: int
    outbox_refused_24h: int
    oldest_pending: datetime | None
    escalations: list[tuple[str, int]]  # (team, active escalations)
    tickets: list[tuple[str, int]]  # (team, open tickets)
    synced: list[tuple[str, datetime | None]]  # (PSA, last successful sync)
    job_runs: list[tuple[str, str, int]]  # (job, outcome, runs in the last 24 h)
    # Slack requests acked by serve and not yet handled by the worker (LANEKEEPER_DELIVERY=worker)
    slack_requests_waiting: int = 0
    oldest_slack_request: datetime | None = None


def deployment_figures(s: Session, now: datetime) -> Figures:
    waiting = (OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None))
    day_ago = now - timedelta(days=1)
    inbox = s.execute(
        select(func.count(SlackInboxRequest.id), func.min(SlackInboxRequest.received_at))
    ).one()
    return Figures(
        slack_requests_waiting=int(inbox[0] or 0),
        oldest_slack_request=inbox[1],
        outbox_pending=int(s.scalar(select(func.count(OutboxMessage.id)).where(*waiting)) or 0),
        outbox_refused_24h=int(
            s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.failed_at >= day_ago))
            or 0
        ),
        oldest_pending=s.scalar(select(func.min(OutboxMessage.created_at)).where(*waiting)),
        escalations=[
            (str(team), int(n))
            for team, n in s.execute(
                select(Escalation.team, func.count(Escalation.id))
                .where(Escalation.status.in_([st.value for st in ACTIVE]))
                .group_by(Escalation.team)
            )
        ],
        tickets=[
            (str(team), int(n))
            for team, n in s.execute(
                select(Ticket.team, func.count(Ticket.id))
                .where(Ticket.closed_at.is_(None), Ticket.resolved_at.is_(None))
                .group_by(Ticket.team)
            )
        ],
        synced=[
            (str(src), at)
            for src, at in s.execute(select(PsaSyncState.source, PsaSyncState.last_success_at))
        ],
        job_runs=[
            (str(job), str(outcome), int(n))
            for job, outcome, n in s.execute(
                select(JobRun.job, JobRun.outcome, func.count(JobRun.id))
                .where(JobRun.ran_at >= day_ago)
                .group_by(JobRun.job, JobRun.outcome)
            )
        ],
    )
