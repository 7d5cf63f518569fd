"""SLA warnings: at 75% of a respond or resolve target, and at the breach, once each.

Escalations are warned in their thread; PSA tickets in their team's channel, with a link to the
ticket. Both mention the owner (the team's leads while nobody owns it, or while the ticket's PSA
owner maps to no Slack user).
"""

from __future__ import annotations

from datetime import datetime

from ..adapters.uow import UnitOfWork
from ..domain.sla import WorkItem, read_clocks, thresholds_crossed
from ..domain.text import escape, safe_link
from ..slack.digest_render import risk_warning_text
from . import JobContext, JobResult

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
    cfg = ctx.lanes.team(team)
    posted = 0
    with ctx.uow() as uow:
        for item in uow.work(ctx.lanes).team_open(ctx.slack_team_id, team, unpaused=True):
            crossed = thresholds_crossed(item, cal, now, warn_at=WARN_AT)
            if not crossed:
                continue
            readings = {r.clock: r for r in read_clocks(item, cal, now)}
            # Per clock, announce only the highest level newly crossed; record the ones under it.
            by_clock: dict[str, list[str]] = {}
            for clock, level in crossed:
                by_clock.setdefault(clock, []).append(level)
            for clock, levels in by_clock.items():
                new = [lv for lv in levels if _claim(uow, ctx, item, clock, lv, now)]
                if not new or clock not in readings:
                    continue
                level = "breach" if "breach" in new else "warn"
                mention = (
                    f"<@{item.owner}>" if item.owner else " ".join(f"<@{u}>" for u in cfg.leads)
                )
                text = risk_warning_text(item, readings[clock], level, mention or "team")
                if item.kind == "escalation":
                    uow.outbox.add(
                        slack_team_id=ctx.slack_team_id,
                        kind="thread_note",
                        escalation_id=item.storage_id,
                        payload={"text": text},
                    )
                else:
                    what = escape(f"{item.client}: {item.summary}" if item.client else item.summary)
                    text += f" · <{item.url}|{what}>" if safe_link(item.url) else f" · {what}"
                    uow.outbox.call(
                        ctx.slack_team_id,
                        "chat.postMessage",
                        dedupe_key=f"sla:{item.kind}:{item.ref}:{clock}:{level}:{item.reopen_count}",
                        channel=cfg.channel,
                        text=text,
                        unfurl_links=False,
                    )
                posted += 1
        uow.commit()
    return posted


def _claim(
    uow: UnitOfWork, ctx: JobContext, item: WorkItem, clock: str, level: str, now: datetime
) -> bool:
    """Record a notice; False when it was already sent (the unique key says so)."""
    return uow.notices.claim(
        ctx.slack_team_id,
        kind=item.kind,
        ref=item.ref,
        clock=clock,
        level=level,
        cycle=item.reopen_count,
        at=now,
    )
