"""``prune``: delete what the ``retention:`` block keeps only for a while, every hour."""

from __future__ import annotations

from datetime import datetime

from . import JobContext, JobResult

JOB = "prune"


def run_prune(ctx: JobContext, now: datetime, team: str | None = None) -> list[JobResult]:
    with ctx.uow() as uow:
        counts = uow.maintenance.prune(ctx.slack_team_id, ctx.lanes.config.retention, now)
        uow.commit()
    detail = ", ".join(f"{n} {what}" for what, n in counts.items())
    return [
        JobResult(
            JOB, "workspace", "pruned" if any(counts.values()) else "skipped", detail, dict(counts)
        )
    ]
