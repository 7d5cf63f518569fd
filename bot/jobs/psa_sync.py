"""``psa-sync``: keep the ``tickets`` table current from the MSP's PSA, every ``sync_every``.

The clock ticks it every minute; each run decides from the stored state whether a sync is due
(``sync_every`` after the last attempt, twice that after a failed one, so a PSA refusing the
credentials is not hammered). A PSA fault ends the run with what was stored kept; the job result
says what happened and the next stand-up says when the queue was last synced.
"""

from __future__ import annotations

from datetime import datetime

from ..adapters.psa.base import PsaError
from ..services.tickets import TicketMapper, sync_psa
from . import JobContext, JobResult

JOB = "psa-sync"


def run_psa_sync(ctx: JobContext, now: datetime, team: str | None = None) -> list[JobResult]:
    psa = ctx.lanes.config.psa
    if psa is None or ctx.psa_connector is None:
        return [JobResult(JOB, "psa", "skipped", "no psa: block in the lanes file")]
    try:
        connector = ctx.psa_connector()
    except PsaError as exc:
        return [JobResult(JOB, psa.kind, "failed", str(exc))]
    with ctx.uow() as uow:
        state = uow.tickets.state(ctx.slack_team_id, connector.source)
        last, failed = state.last_attempt_at, state.last_error is not None
        uow.commit()
    if last is not None:
        wait = psa.sync_every * (2 if failed else 1)
        if now < last + wait - (wait / 20):
            return [JobResult(JOB, psa.kind, "not-due", f"next after {last + wait:%H:%M} UTC")]
    report = sync_psa(
        ctx.uow, connector, TicketMapper(psa), slack_team_id=ctx.slack_team_id, now=now
    )
    if report.error:
        detail = f"{report.error_kind}: {report.error}; kept {report.stored} tickets stored"
        return [JobResult(JOB, psa.kind, "failed", detail, {"stored": report.stored})]
    detail = (
        f"{report.stored} tickets stored from {report.pages} pages, {report.requests} requests"
        + (f", {len(report.malformed)} malformed skipped" if report.malformed else "")
    )
    return [JobResult(JOB, psa.kind, "synced", detail, {"stored": report.stored})]
