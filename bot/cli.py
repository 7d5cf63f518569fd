"""``lanekeeper``: the one command-line entry point."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.lanes import LanekeeperConfig
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.bootstrap import Container


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lanekeeper")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _settings() -> Settings:
    return Settings()


def _logging(settings: Settings) -> None:
    from bot.logs import configure

    configure(level=settings.lanekeeper_log_level, fmt=settings.lanekeeper_log_format)


def _load_or_exit(settings: Settings) -> LanekeeperConfig:
    from bot.config.loader import ConfigError, load_config

    try:
        return load_config(settings.lanekeeper_config)
    except ConfigError as exc:
        print(f"lanekeeper: {settings.lanekeeper_config} cannot be used:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    from waitress import serve

    settings = _settings()
    _logging(settings)
    if not settings.slack_signing_secret or not settings.slack_bot_token:
        _load_or_exit(settings)  # a bad lanes file is reported first
        print(
            "lanekeeper serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README).",
            file=sys.stderr,
        )
        return 2
    container = _container(settings)
    container.deliverer.start()
    app = container.web_app()
    port = args.port or settings.port
    logging.getLogger("bot").info(
        "Lanekeeper listening on :%s (POST /slack/events, GET /healthz)", port
    )
    serve(
        app, host=args.host, port=port, threads=settings.lanekeeper_web_threads, ident="lanekeeper"
    )
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = _settings()
    _logging(settings)
    if not settings.slack_app_token or not settings.slack_bot_token:
        _load_or_exit(settings)
        print(
            "lanekeeper socket needs SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (see README).",
            file=sys.stderr,
        )
        return 2
    if not settings.slack_signing_secret:
        settings.slack_signing_secret = "socket-mode-does-not-sign"
    container = _container(settings)
    container.deliverer.start()
    SocketModeHandler(container.bolt(), settings.slack_app_token).start()
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.adapters.db import upgrade

    settings = _settings()
    _logging(settings)
    logging.getLogger("alembic").setLevel(logging.INFO)
    upgrade(settings.database_url, args.revision)
    print(f"database at {args.revision}: {settings.database_url.split('@')[-1]}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from bot.config.starter import write_starter

    path = Path(args.path or _settings().lanekeeper_config)
    try:
        write_starter(path, force=args.force)
    except FileExistsError:
        print(f"lanekeeper: {path} exists; use --force to overwrite it.", file=sys.stderr)
        return 1
    print(
        f"wrote {path}: replace the placeholder channel and user ids, then run `lanekeeper config check`."
    )
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.path:
        settings.lanekeeper_config = args.path
    config = _load_or_exit(settings)
    print(
        f"{settings.lanekeeper_config}: {len(config.teams)} teams, {len(config.lanes)} lanes — the file is valid."
    )
    placeholders = _starter_placeholders(config)
    if placeholders:
        print(
            "Still the starter's placeholder ids (replace them with your workspace's): "
            + ", ".join(placeholders)
        )
    if settings.slack_bot_token and not args.offline:
        from slack_sdk import WebClient

        from bot.config.check import check_against_slack

        client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        problems = check_against_slack(config, client)
        if problems:
            print("Slack says:", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            return 1
        print("Every channel, user and user group exists in Slack.")
    else:
        print("(set SLACK_BOT_TOKEN to also check every channel, user and group id against Slack)")
    return 0


def parse_now(text: str | None) -> datetime:
    """``--now``: an ISO-8601 time with its offset (``2026-11-24T08:45-06:00`` or ``…Z``)."""
    if not text:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(
            f"lanekeeper: --now {text!r} is not an ISO-8601 time (e.g. 2026-11-24T08:45-06:00)"
        ) from None
    if at.tzinfo is None:
        raise SystemExit(
            f"lanekeeper: --now {text!r} needs an offset or Z (e.g. {text}-06:00 or {text}Z)"
        )
    return at.astimezone(UTC)


def _container(settings: Settings) -> Container:
    """Load the lanes (or exit listing every problem), migrate SQLite (the zero-setup default;
    PostgreSQL runs `db upgrade` on release) and build the app."""
    from bot.adapters.db import upgrade
    from bot.bootstrap import build

    config = _load_or_exit(settings)
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    return build(settings, config=config)


def _deliver_then_report(container: Container) -> None:
    """Send what the job queued; whatever Slack does not take now stays for web or clock."""
    started = datetime.now(UTC)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        container.deliverer.deliver_due()
        if not container.pending_outbox():
            for kind, error in container.refused_since(started):
                print(f"Slack refused a {kind} post: {error} (fix it, then run the job again)")
            return
        time.sleep(0.5)
    print(
        f"{container.pending_outbox()} posts are still queued; a web or clock process will send them."
    )


def cmd_clock(args: argparse.Namespace) -> int:
    from bot.clock import run_clock

    settings = _settings()
    _logging(settings)
    if not settings.slack_bot_token:
        print("lanekeeper clock needs SLACK_BOT_TOKEN (see README).", file=sys.stderr)
        return 2
    run_clock(_container(settings))
    return 0


def cmd_run_job(args: argparse.Namespace) -> int:
    from bot.clock import run_job_once
    from bot.jobs import registry

    jobs = registry()
    if args.list or not args.name:
        for job in jobs.values():
            print(f"{job.name:10} {job.description}")
        return 0
    if args.name not in jobs:
        print(f"lanekeeper: no job {args.name!r}; jobs: {', '.join(jobs)}", file=sys.stderr)
        return 2
    now = parse_now(args.now)
    settings = _settings()
    _logging(settings)
    container = _container(settings)
    if args.team and args.team not in container.lanes.config.teams:
        print(
            f"lanekeeper: no team {args.team!r}; teams: {', '.join(container.lanes.config.teams)}",
            file=sys.stderr,
        )
        return 2
    for line in run_job_once(container, jobs[args.name], now, args.team):
        print(line)
    _deliver_then_report(container)
    container.close()
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.services.digests import standup_digest
    from bot.slack.digest_render import digest_text

    now = parse_now(args.now)
    settings = _settings()
    _logging(settings)
    container = _container(settings)
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
    from bot.clock import run_job_once
    from bot.jobs import registry

    for line in run_job_once(container, registry()["standup"], now, args.team):
        print(line)
    _deliver_then_report(container)
    container.close()
    return 0


def _starter_placeholders(config: LanekeeperConfig) -> list[str]:
    """Ids the file still shares with `lanekeeper init`'s starter (REPLACE placeholders)."""
    import re

    from bot.config.starter import starter_yaml

    starter_ids = set(re.findall(r"\b[CGUWS]0[A-Z0-9]+\b", starter_yaml()))
    used = set(config.admins) | set(config.protected.users)
    for team in config.teams.values():
        used |= {team.channel, *team.members, *team.leads}
    for lane in config.lanes.values():
        used |= {lane.channel, *lane.approvers}
    return sorted(used & starter_ids)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lanekeeper", description="Escalation lanes for MSP teams in Slack."
    )
    p.add_argument("--version", action="version", version=f"lanekeeper {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz")
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("socket", help="Socket Mode (no public URL needed)")
    s.set_defaults(func=cmd_socket)

    s = sub.add_parser("clock", help="the scheduler process: digests, SLA watch, outbox")
    s.set_defaults(func=cmd_clock)

    s = sub.add_parser("run-job", help="run one scheduled job once, as the clock would at --now")
    s.add_argument("name", nargs="?", help="job name (see --list)")
    s.add_argument("--team", help="only this team (key from the lanes file)")
    s.add_argument("--now", help="the clock's 'now', ISO-8601 with offset (default: now)")
    s.add_argument("--list", action="store_true", help="name the jobs")
    s.set_defaults(func=cmd_run_job)

    s = sub.add_parser("digest", help="render a digest")
    dsub = s.add_subparsers(dest="digest_kind", required=True)
    st = dsub.add_parser("standup", help="the daily stand-up digest of one team")
    st.add_argument("--team", required=True)
    st.add_argument("--now", help="ISO-8601 with offset (default: now)")
    st.add_argument("--dry-run", action="store_true", help="print it here instead of posting")
    st.set_defaults(func=cmd_digest)

    from bot.demo import add_parser as add_demo

    add_demo(sub)

    from bot.psa_cli import add_parser as add_psa

    add_psa(sub)

    s = sub.add_parser("db", help="database commands")
    dbsub = s.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="run Alembic migrations to head")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db)

    s = sub.add_parser("init", help="write a commented starter lanekeeper.yaml")
    s.add_argument("path", nargs="?")
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("config", help="configuration commands")
    csub = s.add_subparsers(dest="config_command", required=True)
    chk = csub.add_parser(
        "check", help="validate the lanes file (and its ids in Slack, with a token)"
    )
    chk.add_argument("path", nargs="?")
    chk.add_argument("--offline", action="store_true", help="do not ask Slack")
    chk.set_defaults(func=cmd_config_check)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
