"""The daily stand-up digest: each team, its business days, at its ``standup.time``."""

from __future__ import annotations

from datetime import datetime

from ..adapters.deliveries import Delivery
from ..services.digests import standup_digest
from ..slack.digest_render import digest_blocks
from . import JobContext, JobResult

JOB = "standup"


def due_period(ctx: JobContext, team: str, now: datetime) -> str | None:
    """The stand-up this team should have had by ``now`` today (its local date), or None.

    Only today's counts: after downtime the missed stand-up of today is caught up once, and
    yesterday's stale one is not posted at all. Weekends and holidays have none.
    """
    cfg = ctx.lanes.team(team)
    cal = ctx.lanes.calendar(team)
    latest = cal.latest_business_day_at(cfg.standup_time, now)
    if latest is None:
        return None
    if cal.local(latest).date() != cal.local(now).date():
        return None
    return cal.local(latest).date().isoformat()


def run_standup(ctx: JobContext, now: datetime, team: str | None = None) -> list[JobResult]:
    teams = [team] if team else list(ctx.lanes.config.teams)
    return [_run_team(ctx, key, now) for key in teams]


def _run_team(ctx: JobContext, team: str, now: datetime) -> JobResult:
    cfg = ctx.lanes.team(team)
    period = due_period(ctx, team, now)
    if period is None:
        cal = ctx.lanes.calendar(team)
        today = cal.local(now).date()
        why = (
            "not a business day"
            if not cal.is_business_day(today)
            else f"before {cfg.standup_time:%H:%M}"
        )
        return JobResult(JOB, team, "not-due", why)
    key = f"{JOB}:{team}:{period}"
    with ctx.uow() as uow:  # checked before anything is built: re-runs cost one query
        before = uow.job_runs.outcome(ctx.slack_team_id, JOB, team, period)
    if before is not None and before != "refused":
        return JobResult(JOB, team, "already-sent", period)
    digest = standup_digest(
        ctx.uow(), ctx.lanes, slack_team_id=ctx.slack_team_id, team=team, now=now
    )
    text, blocks = digest_blocks(digest)
    payload = {
        "method": "chat.postMessage",
        "args": {"channel": cfg.channel, "text": text, "blocks": blocks, "unfurl_links": False},
    }
    with ctx.uow() as uow:
        claimed = uow.job_runs.claim(
            ctx.slack_team_id,
            JOB,
            team,
            period,
            at=now,
            # "sent" once Slack took it (record_delivery), "refused" if never
            outcome="queued",
            detail={"clean": digest.is_clean, "aged_past_sla": digest.aged_past_sla},
        )
        if not claimed:
            # Today's digest was refused for good (channel_not_found, not_in_channel …): once
            # someone fixed that, a re-run sends a fresh one, once.
            if uow.outbox.requeue_refused(ctx.slack_team_id, key, payload):
                uow.job_runs.set_outcome(ctx.slack_team_id, JOB, team, period, "queued")
                uow.commit()
                return JobResult(JOB, team, "retried", f"{period}; Slack had refused it")
            return JobResult(JOB, team, "already-sent", period)
        uow.outbox.call(
            ctx.slack_team_id,
            "chat.postMessage",
            channel=cfg.channel,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            dedupe_key=key,
        )
        uow.commit()
    return JobResult(JOB, team, "sent", period, {"clean": digest.is_clean})


def record_delivery(d: Delivery) -> None:
    """Outbox hook, run in the transaction that settles a post: a digest's record says what
    Slack did with it (``sent`` once delivered, ``refused`` when Slack refused it for good)."""
    key = d.dedupe_key
    if d.kind != "call" or not key.startswith(f"{JOB}:"):
        return
    team, _, period = key.removeprefix(f"{JOB}:").rpartition(":")
    d.job_runs.set_outcome(d.slack_team_id, JOB, team, period, "sent" if d.delivered else "refused")
