"""The daily stand-up digest: each team, its business days, at its ``standup.time``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.models import JobRun, OutboxMessage
from bot.adapters.uow import UnitOfWork
from bot.jobs import JobContext, JobResult
from bot.services.digests import standup_digest
from bot.slack.digest_render import digest_blocks

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


def _retry_refused(
    uow: UnitOfWork, ctx: JobContext, key: str, channel: str, text: str, blocks: list[Any]
) -> bool:
    """Today's digest was recorded but Slack refused it for good (``channel_not_found``,
    ``not_in_channel`` …): once someone fixed that, a re-run sends a fresh one, once."""
    msg = uow.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.slack_team_id == ctx.slack_team_id, OutboxMessage.dedupe_key == key
        )
    )
    if msg is None or msg.failed_at is None:
        return False
    msg.payload = {
        "method": "chat.postMessage",
        "args": {"channel": channel, "text": text, "blocks": blocks, "unfurl_links": False},
    }
    _set_outcome(uow.session, ctx.slack_team_id, key, "queued")
    msg.failed_at = None
    msg.attempts = 0
    msg.claimed_until = None
    msg.next_attempt_at = datetime.now(UTC)
    return True


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
    digest = standup_digest(
        ctx.uow(), ctx.lanes, slack_team_id=ctx.slack_team_id, team=team, now=now
    )
    text, blocks = digest_blocks(digest)
    with ctx.uow() as uow:
        try:
            with uow.session.begin_nested():
                uow.session.add(
                    JobRun(
                        slack_team_id=ctx.slack_team_id,
                        job=JOB,
                        scope=team,
                        period=period,
                        ran_at=now,
                        # "sent" once Slack took it (record_delivery), "refused" if never
                        outcome="queued",
                        detail={"clean": digest.is_clean, "aged_past_sla": digest.aged_past_sla},
                    )
                )
        except IntegrityError:
            if _retry_refused(uow, ctx, f"{JOB}:{team}:{period}", cfg.channel, text, blocks):
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
            dedupe_key=f"{JOB}:{team}:{period}",
        )
        uow.commit()
    return JobResult(JOB, team, "sent", period, {"clean": digest.is_clean})


def _set_outcome(s: Session, slack_team_id: str, key: str, outcome: str) -> None:
    team, _, period = key.removeprefix(f"{JOB}:").rpartition(":")
    s.execute(
        update(JobRun)
        .where(
            JobRun.slack_team_id == slack_team_id,
            JobRun.job == JOB,
            JobRun.scope == team,
            JobRun.period == period,
        )
        .values(outcome=outcome)
        .execution_options(synchronize_session=False)
    )


def record_delivery(msg: OutboxMessage, s: Session) -> None:
    """Outbox hook, run in the transaction that settles a post: a digest's record says what
    Slack did with it (``sent`` once delivered, ``refused`` when Slack refused it for good)."""
    key = msg.dedupe_key or ""
    if msg.kind != "call" or not key.startswith(f"{JOB}:"):
        return
    _set_outcome(s, msg.slack_team_id, key, "sent" if msg.delivered_at else "refused")
