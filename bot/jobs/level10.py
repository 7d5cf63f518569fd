"""The weekly Level-10 prompt and its reminder, each team at its ``level10`` day and time.

``level10``: on the team's Level-10 day (a business day; a holiday skips that week) from its
time on, once per team and ISO week: the figures are read, the chart rendered here in the clock
process, and the run, the week's snapshot, its IDS items and the post stored at once
(:func:`bot.services.scorecard.record_post`). ``level10-remind``: on the business day before
the meeting, from the same time of day, one DM per owner of an open to-do, once per week.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from ..adapters.deliveries import Delivery
from ..services import scorecard
from ..slack import level10_posts
from ..slack.level10_chart import chart_png
from ..slack.level10_render import prompt_blocks, reminder_message
from . import Job, JobContext, JobResult

log = logging.getLogger(__name__)

JOB = scorecard.JOB
REMIND_JOB = scorecard.REMIND_JOB


def run_level10(ctx: JobContext, now: datetime, team: str | None = None) -> list[JobResult]:
    teams = [team] if team else list(ctx.lanes.config.teams)
    return [_run_team(ctx, key, now) for key in teams]


def _not_due(ctx: JobContext, team: str, now: datetime) -> str:
    cfg = ctx.lanes.team(team)
    cal = ctx.lanes.calendar(team)
    today = cal.local(now).date()
    if today.weekday() != cfg.level10_day:
        return "not the Level-10 day"
    if not cal.is_business_day(today):
        return "not a business day"
    return f"before {cfg.level10_time:%H:%M}"


def _run_team(ctx: JobContext, team: str, now: datetime) -> JobResult:
    meeting = scorecard.meeting_due(ctx.lanes, team, now)
    if meeting is None:
        return JobResult(JOB, team, "not-due", _not_due(ctx, team, now))
    cal = ctx.lanes.calendar(team)
    week = scorecard.week_key(cal.local(meeting).date())
    with ctx.uow() as uow:  # checked before anything is built: re-runs cost one query
        before = uow.job_runs.outcome(ctx.slack_team_id, JOB, team, week)
    if before == "refused":
        # This week's post was refused for good (channel_not_found, not_in_channel …): once
        # someone fixed that, a re-run sends it, once.
        if scorecard.retry_refused(
            ctx.uow(), ctx.lanes, slack_team_id=ctx.slack_team_id, team=team, week=week
        ):
            return JobResult(JOB, team, "retried", f"{week}; Slack had refused it")
        return JobResult(JOB, team, "already-sent", week)
    if before is not None:
        return JobResult(JOB, team, "already-sent", week)
    p = scorecard.prompt(ctx.uow(), ctx.lanes, slack_team_id=ctx.slack_team_id, team=team, now=now)
    text, blocks = prompt_blocks(p, chart=True)
    _, table_blocks = prompt_blocks(p, chart=False)
    try:
        png: bytes | None = chart_png(
            p.series, alert=p.card.alert, title=f"{p.team_name}: last 8 weeks"
        )
    except Exception:  # a chart is never worth a missing Level-10
        log.exception("level10 %s: chart not rendered; the post carries a table", team)
        png = None
    payload = {
        "channel": p.channel,
        "text": text,
        "blocks": blocks,
        "table_blocks": table_blocks,
        "chart_png": base64.b64encode(png).decode("ascii") if png else None,
        "filename": f"level10-{team}-{week}.png",
        "title": f"Level-10 · {p.team_name} · {week}",
    }
    if not scorecard.record_post(
        ctx.uow(), ctx.lanes, slack_team_id=ctx.slack_team_id, p=p, payload=payload, now=now
    ):
        return JobResult(JOB, team, "already-sent", week)
    return JobResult(JOB, team, "sent", week, {"aged": p.card.aged, "review": p.card.review})


def record_delivery(d: Delivery) -> None:
    """Outbox hook, run in the transaction that settles a post: the Level-10's record says
    what Slack did with it (``sent`` once delivered, ``refused`` when Slack refused it for
    good, which a re-run of the job then sends again)."""
    found = scorecard.post_of_key(d.dedupe_key)
    if d.kind != level10_posts.KIND or found is None:
        return
    team, week = found
    outcome = "sent" if d.delivered else "refused"
    d.job_runs.set_outcome(d.slack_team_id, JOB, team, week, outcome)


def run_reminders(ctx: JobContext, now: datetime, team: str | None = None) -> list[JobResult]:
    teams = [team] if team else list(ctx.lanes.config.teams)
    out = []
    for key in teams:
        week = scorecard.reminder_due(ctx.lanes, key, now)
        if week is None:
            out.append(JobResult(REMIND_JOB, key, "not-due", "not the day before the Level-10"))
            continue
        cfg = ctx.lanes.team(key)
        tz = ZoneInfo(cfg.timezone)
        sent = scorecard.record_reminders(
            ctx.uow(),
            ctx.lanes,
            slack_team_id=ctx.slack_team_id,
            team=key,
            week=week,
            now=now,
            message=partial(reminder_message, team_name=cfg.name, tz=tz),
        )
        if sent is None:
            out.append(JobResult(REMIND_JOB, key, "already-sent", week))
        else:
            out.append(JobResult(REMIND_JOB, key, "sent", f"{week}; {sent} owners"))
    return out


def jobs() -> list[Job]:
    """The Level-10's jobs, for the registry."""
    return [
        Job(JOB, "weekly Level-10 prompt in each team's channel", run_level10, 60),
        Job(REMIND_JOB, "to-do owners reminded the business day before", run_reminders, 60),
    ]
