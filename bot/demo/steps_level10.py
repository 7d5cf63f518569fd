"""The weekly Level-10: the clock posts the service desk's prompt at its next meeting time —
scorecard from stored facts (escalations and the PSA's tickets), the review when the aged
backlog is at its alert, IDS with Assign owner, and the 8-week chart uploaded the way Slack
takes files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .context import DemoContext


def _next_meeting(ctx: DemoContext, team: str, after: datetime) -> datetime:
    cfg = ctx.config.teams[team]
    cal = ctx.container.lanes.calendar(team)
    day = cal.local(after).date()
    for _ in range(21):
        day += timedelta(days=1)
        if day.weekday() == cfg.level10_day and cal.is_business_day(day):
            return datetime.combine(day, cfg.level10_time, tzinfo=cal.tz).astimezone(UTC)
    raise AssertionError("no Level-10 day within three weeks")


def level10(ctx: DemoContext) -> None:
    """``run-job level10`` at the service desk's next meeting: one prompt, its chart, once."""
    from ..clock import run_job_once
    from ..jobs import registry

    team = next(
        (k for k, t in ctx.config.teams.items() if not t.business_hours.all_day),
        next(iter(ctx.config.teams)),
    )
    cfg = ctx.config.teams[team]
    cal = ctx.container.lanes.calendar(team)
    meeting = _next_meeting(ctx, team, datetime.now(UTC))
    ctx.note(f"The clock runs {cfg.name}'s Level-10 at {cal.local(meeting):%a %d %b %H:%M %Z}.")
    uploads_before = len(ctx.fake.calls_to("files.completeUploadExternal"))
    first = run_job_once(ctx.container, registry()["level10"], meeting, team)
    ctx.settle()
    ctx.show_new_calls()
    ctx.check(
        len(first) == 1 and first[0].startswith(f"level10 {team}: sent"),
        f"{cfg.name}'s Level-10 prompt is posted in {ctx.cast.channel(cfg.channel)}",
        otherwise=f"the job said {first}",
    )
    uploads = ctx.fake.calls_to("files.completeUploadExternal")[uploads_before:]
    ctx.check(
        len(uploads) == 1 and uploads[0].ok,
        "the 8-week chart is uploaded to the channel (getUploadURLExternal, the bytes, "
        "completeUploadExternal)",
        otherwise=f"{len(uploads)} completed uploads",
    )
    again = run_job_once(ctx.container, registry()["level10"], meeting + timedelta(hours=1), team)
    ctx.check(
        bool(again) and "already-sent" in again[0],
        "running it again the same week posts nothing",
        otherwise=f"the second run said {again}",
    )
