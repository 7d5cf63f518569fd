"""SLA warnings: at 75% of a respond or resolve target, and at the breach, once each, in the
escalation's thread, mentioning its owner (the team's leads while nobody owns it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.adapters.models import Escalation, SlaNotice
from bot.adapters.uow import UnitOfWork
from bot.domain.escalation import ACTIVE
from bot.domain.sla import read_clocks, thresholds_crossed
from bot.jobs import JobContext, JobResult
from bot.services.workitems import work_item
from bot.slack.digest_render import risk_warning_text

JOB = "sla-watch"
WARN_AT = 0.75


def run_sla_watch(ctx: JobContext, now: datetime, team: str | None = None) -> list[JobResult]:
    teams = [team] if team else list(ctx.lanes.config.teams)
    results: list[JobResult] = []
    for key in teams:
        posted = _watch_team(ctx, key, now)
        results.append(JobResult(JOB, key, "sent" if posted else "skipped", f"{posted} warnings"))
    return results


def _watch_team(ctx: JobContext, team: str, now: datetime) -> int:
    cal = ctx.lanes.calendar(team)
    leads = ctx.lanes.team(team).leads
    posted = 0
    with ctx.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(Escalation).where(
                    Escalation.slack_team_id == ctx.slack_team_id,
                    Escalation.team == team,
                    Escalation.status.in_([s.value for s in ACTIVE]),
                    Escalation.paused_since.is_(None),
                )
            )
        )
        for row in rows:
            item = work_item(row, ctx.lanes)
            crossed = thresholds_crossed(item, cal, now, warn_at=WARN_AT)
            if not crossed:
                continue
            readings = {r.clock: r for r in read_clocks(item, cal, now)}
            # Per clock, announce only the highest level newly crossed; record the ones under it.
            by_clock: dict[str, list[str]] = {}
            for clock, level in crossed:
                by_clock.setdefault(clock, []).append(level)
            for clock, levels in by_clock.items():
                new = [lv for lv in levels if _claim(uow, ctx, row, clock, lv, now)]
                if not new or clock not in readings:
                    continue
                level = "breach" if "breach" in new else "warn"
                mention = f"<@{row.owner}>" if row.owner else " ".join(f"<@{u}>" for u in leads)
                text = risk_warning_text(item, readings[clock], level, mention or "team")
                uow.outbox.add(
                    slack_team_id=ctx.slack_team_id,
                    kind="thread_note",
                    escalation_id=row.id,
                    payload={"text": text},
                )
                posted += 1
        uow.commit()
    return posted


def _claim(
    uow: UnitOfWork, ctx: JobContext, row: Escalation, clock: str, level: str, now: datetime
) -> bool:
    """Record a notice; False when it was already sent (the unique key says so)."""
    try:
        with uow.session.begin_nested():
            uow.session.add(
                SlaNotice(
                    slack_team_id=ctx.slack_team_id,
                    work_kind="escalation",
                    work_ref=row.ref,
                    clock=clock,
                    level=level,
                    cycle=row.reopen_count,
                    sent_at=now,
                )
            )
        return True
    except IntegrityError:
        return False
