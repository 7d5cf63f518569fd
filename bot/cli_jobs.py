"""``lanekeeper run-job`` and ``digest standup``: run a scheduled job once, send what it queued
and say what became of each post."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .adapters.run_posts import PostOutcome, RunPosts
from .cli_common import (
    build_container,
    configure_logging,
    load_or_exit,
    load_settings,
    parse_now,
    slack_problem,
)

if TYPE_CHECKING:
    from .bootstrap import Container


def _deliver_then_report(
    container: Container, lines: list[str], *, since: datetime, within: float = 30.0
) -> int:
    """Send what the job queued, within ``within`` seconds, then print what happened: each
    job's line, a post Slack refused for good in its place (exit 1), and what is left queued
    for a web or clock process (exit 1: it is not sent yet)."""
    # Posts of this run: queued by it, or queued before and sent again by it (a digest Slack
    # had refused, keyed "job:scope:period").
    keys = [line.split(":", 1)[0].replace(" ", ":") + ":" for line in lines]
    posts = RunPosts(container.sessions)
    deadline = time.monotonic() + within
    mine: list[PostOutcome] = []
    pending: list[PostOutcome] = []
    while True:
        remaining = deadline - time.monotonic()
        # No single Slack call may outlast the deadline (an unanswered one is looked up, not
        # doubled, when it is retried).
        container.client.timeout = max(1, min(30, int(remaining)))
        container.deliverer.deliver_due(deadline=deadline)
        mine = posts.of_run(since=since, key_prefixes=keys)
        pending = [m for m in mine if m.pending]
        if not pending or time.monotonic() >= deadline - 0.5:
            break
        time.sleep(0.5)
    refused = [m for m in mine if m.failed and m.kind != "home"]
    code = 0
    for line in lines:
        job_scope = line.split(":", 1)[0].replace(" ", ":") + ":"
        hit = next((m for m in refused if (m.dedupe_key or "").startswith(job_scope)), None)
        if hit is None:
            print(line)
            continue
        refused.remove(hit)
        code = 1
        print(
            f"{line.split(':', 1)[0]}: NOT sent — Slack refused it for good ({hit.last_error}); "
            "fix that, then run the job again"
        )
    for m in refused:
        code = 1
        print(
            f"Slack refused a {m.kind} post for good: {m.last_error} (fix it, then run the job again)"
        )
    if pending:
        code = 1
        print(
            f"{len(pending)} post(s) not sent yet (Slack did not take them within {within:.0f} s); "
            "a web or clock process will send them."
        )
    return code


def cmd_run_job(args: argparse.Namespace) -> int:
    from .clock import run_job_once
    from .jobs import registry

    jobs = registry()
    if args.list or not args.name:
        width = max(len(name) for name in jobs)
        for job in jobs.values():
            print(f"{job.name:{width}}  {job.description}")
        return 0
    if args.name not in jobs:
        print(f"lanekeeper: no job {args.name!r}; jobs: {', '.join(jobs)}", file=sys.stderr)
        return 2
    now = parse_now(args.now)
    settings = load_settings()
    configure_logging(settings)
    if not settings.slack_bot_token:
        load_or_exit(settings)
        print("lanekeeper run-job needs SLACK_BOT_TOKEN (see README).", file=sys.stderr)
        return 2
    container = build_container(settings)
    if args.team and args.team not in container.lanes.config.teams:
        print(
            f"lanekeeper: no team {args.team!r}; teams: {', '.join(container.lanes.config.teams)}",
            file=sys.stderr,
        )
        return 2
    problem = slack_problem(container)
    if problem:
        print(f"lanekeeper: {problem}; nothing was run.", file=sys.stderr)
        container.close()
        return 1
    since = datetime.now(UTC)
    lines = run_job_once(container, jobs[args.name], now, args.team)
    code = _deliver_then_report(container, lines, since=since)
    container.close()
    return code


def cmd_digest(args: argparse.Namespace) -> int:
    from .services.digests import standup_digest
    from .slack.digest_render import digest_text

    now = parse_now(args.now)
    settings = load_settings()
    configure_logging(settings)
    container = build_container(settings)
    if args.team not in container.lanes.config.teams:
        print(
            f"lanekeeper: no team {args.team!r}; teams: {', '.join(container.lanes.config.teams)}",
            file=sys.stderr,
        )
        return 2
    if args.dry_run:
        if settings.slack_bot_token:
            team_id = container.slack_team_id()
        else:
            # No token to ask Slack which workspace this is: read it from the stored work.
            teams = container.stored_workspaces()
            if len(teams) > 1:
                print(
                    "lanekeeper: this database holds several workspaces "
                    f"({', '.join(teams)}); set SLACK_BOT_TOKEN to pick one.",
                    file=sys.stderr,
                )
                return 2
            team_id = teams[0] if teams else container.deps.default_team_id
        digest = standup_digest(
            container.uow(), container.lanes, slack_team_id=team_id, team=args.team, now=now
        )
        print(digest_text(digest))
        return 0
    from .clock import run_job_once
    from .jobs import registry

    if not settings.slack_bot_token:
        print("lanekeeper digest needs SLACK_BOT_TOKEN to post (or --dry-run).", file=sys.stderr)
        return 2
    problem = slack_problem(container)
    if problem:
        print(f"lanekeeper: {problem}; nothing was posted.", file=sys.stderr)
        container.close()
        return 1
    since = datetime.now(UTC)
    lines = run_job_once(container, registry()["standup"], now, args.team)
    code = _deliver_then_report(container, lines, since=since)
    container.close()
    return code
