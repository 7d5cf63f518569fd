"""The next morning: the clock's stand-up digests and SLA watch, run as ``run-job`` runs them."""

from __future__ import annotations

from .context import DemoContext


def standup(ctx: DemoContext) -> None:
    """The clock's jobs at the next morning's stand-up time of each team, as ``run-job`` runs
    them: one digest per team in its channel, and a second run posts nothing."""
    from datetime import UTC, datetime

    from ..clock import run_job_once
    from ..jobs import registry

    jobs = registry()
    now = datetime.now(UTC)
    latest = now
    for key, team in ctx.config.teams.items():
        cal = ctx.container.lanes.calendar(key)
        morning = cal.next_business_day_at(team.standup_time, now)
        latest = max(latest, morning)
        ctx.note(
            f"The clock runs the stand-up for {team.name} at {cal.local(morning):%a %d %b %H:%M %Z}."
        )
        before = len(
            [
                c
                for c in ctx.fake.calls_to("chat.postMessage")
                if c.args.get("channel") == team.channel
            ]
        )
        first = run_job_once(ctx.container, jobs["standup"], morning, key)
        ctx.settle()
        ctx.show_new_calls()
        posts = [
            c
            for c in ctx.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == team.channel
        ]
        ctx.check(
            first == [f"standup {key}: sent ({cal.local(morning).date().isoformat()})"]
            and len(posts) == before + 1
            and posts[-1].ok,
            f"{team.name} got its digest in {ctx.cast.channel(team.channel)}",
            otherwise=f"the job said {first} and {len(posts) - before} posts arrived",
        )
        again = run_job_once(ctx.container, jobs["standup"], morning, key)
        ctx.settle()
        ctx.check(
            "already-sent" in again[0],
            "running it again posts nothing",
            otherwise=f"the second run said {again}",
        )
        ctx.tally.digests += 1
    ctx.note("The clock's SLA watch runs that morning too: breaches are posted in their threads.")
    watch = run_job_once(ctx.container, jobs["sla-watch"], latest)
    ctx.settle()
    ctx.show_new_calls()
    again = run_job_once(ctx.container, jobs["sla-watch"], latest)
    ctx.settle()
    ctx.check(
        all(line.endswith("(0 warnings)") for line in again),
        "each warning is posted once: " + "; ".join(watch),
        otherwise=f"a second run posted again: {again}",
    )
