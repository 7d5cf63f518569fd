"""``lanekeeper``: the one command-line entry point."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .domain.lanes import LanekeeperConfig
from .settings import Settings

if TYPE_CHECKING:
    from .bootstrap import Container


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lanekeeper")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _settings() -> Settings:
    return Settings()


def _logging(settings: Settings) -> None:
    from .logs import configure

    configure(level=settings.lanekeeper_log_level, fmt=settings.lanekeeper_log_format)


def _load_or_exit(settings: Settings) -> LanekeeperConfig:
    from .config.loader import ConfigError, load_config

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
    if not settings.slack_signing_secret or not (settings.slack_bot_token or _multi(settings)):
        if not _multi(settings):
            _load_or_exit(settings)  # a bad lanes file is reported first
        print(
            "lanekeeper serve needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for many workspaces (see README).",
            file=sys.stderr,
        )
        return 2
    if settings.web_concurrency > 1:
        return _serve_workers(settings, args)
    stopping = _stop_on_signals()
    container = _container(settings)
    try:
        # Built without asking Slack (auth.test): a restart while Slack is down still serves
        # /healthz and delivers the outbox once Slack answers; the workspace id is resolved
        # lazily, in the background.
        app = container.web_app(token_verification=False)
        container.deliverer.start()
        if container.multi is None:  # many workspaces: each installation names its own
            _resolve_workspace_later(container)
        port = args.port or settings.port
        logging.getLogger(__name__.partition(".")[0]).info(
            "Lanekeeper listening on :%s (POST /slack/events, GET /healthz)", port
        )
        serve(
            app,
            host=args.host,
            port=port,
            threads=settings.lanekeeper_web_threads,
            ident="lanekeeper",
            # waitress stops accepting past 100 open connections (its default): under a burst
            # Slack (or a router) opens more, and requests then wait in the listen backlog until
            # a keep-alive connection times out, minutes later (issue 19: 10 s timeouts at
            # 200/s). poll() instead of select(), which cannot watch past 1024 descriptors.
            connection_limit=1000,
            asyncore_use_poll=True,
        )
    except KeyboardInterrupt:
        pass
    _shut_down(container, "serve", stopping)
    return 0


def _serve_workers(settings: Settings, args: argparse.Namespace) -> int:
    """``WEB_CONCURRENCY`` > 1: that many gunicorn worker processes (bot/web/server.py), each
    building its container and starting its outbox deliverer after the fork, never before."""
    from .adapters.db import upgrade
    from .web.server import serve_workers

    if not _multi(settings):
        _load_or_exit(settings)  # a bad lanes file is reported once, before any worker starts
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)  # once, not raced by the workers (NullPool: no fork hazard)
    metrics_dir = _shared_metrics_dir() if settings.lanekeeper_metrics_token else None

    def start() -> tuple[Container, object]:
        container = _container(settings)
        app = container.web_app(token_verification=False)
        container.deliverer.start()
        if container.multi is None:
            _resolve_workspace_later(container)
        return container, app

    def stop(container: Container) -> None:
        _shut_down(container, "serve worker", {"signal": "SIGTERM"})

    try:
        return serve_workers(
            host=args.host,
            port=args.port or settings.port,
            workers=settings.web_concurrency,
            threads=settings.lanekeeper_web_threads,
            start=start,
            stop=stop,
        )
    finally:
        if metrics_dir is not None and metrics_dir[1]:
            import shutil

            shutil.rmtree(metrics_dir[0], ignore_errors=True)


def _shared_metrics_dir() -> tuple[str, bool]:
    """``/metrics`` with several workers: each worker's counts in files of one folder
    (prometheus-client's multiprocess mode), so that any worker answers with all of them.
    ``PROMETHEUS_MULTIPROC_DIR`` when set (emptied of an earlier run's files), else a temporary
    folder removed at the end. Set before the workers fork and before they import
    prometheus-client. Returns the folder and whether it is ours to remove."""
    import os
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink(missing_ok=True)
        return str(folder), False
    created = tempfile.mkdtemp(prefix="lanekeeper-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = created
    return created, True


def _stop_on_signals() -> dict[str, str]:
    """SIGTERM (a host stopping the process) and SIGINT (Ctrl-C) end ``serve`` / ``clock``
    through the same path: the main loop is interrupted and the shutdown runs, no traceback."""
    import signal

    stopping: dict[str, str] = {}

    def handler(signum: int, _frame: object) -> None:
        if not stopping:
            stopping["signal"] = signal.Signals(signum).name
            raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    return stopping


def _shut_down(container: Container, what: str, stopping: dict[str, str]) -> None:
    """Finish what is in flight (listeners, deliveries), release the rest, log one line."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    container.wait_idle(10)
    released = container.deliverer.stop(timeout=15)
    container.engine.dispose()
    logging.getLogger(__name__.partition(".")[0]).info(
        "lanekeeper %s stopped on %s: deliveries in flight finished, %s claimed post(s) released",
        what,
        stopping.get("signal", "request"),
        released,
    )


def _resolve_workspace_later(container: Container) -> None:
    """Ask Slack which workspace the token is for, retrying in the background until it answers."""
    import threading

    def resolve() -> None:
        delay = 1.0
        while True:
            try:
                container.slack_team_id()
                return
            except Exception as exc:  # Slack down or unreachable: try again later
                logging.getLogger(__name__.partition(".")[0]).warning(
                    "Slack did not answer auth.test (%s); retrying in %.0f s",
                    _slack_reason(exc),
                    delay,
                )
            time.sleep(delay)
            delay = min(60.0, delay * 2)

    threading.Thread(target=resolve, name="resolve-workspace", daemon=True).start()


def _slack_reason(exc: BaseException) -> str:
    """What went wrong talking to Slack, in a few words (never a token)."""
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError) and exc.response is not None:
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or "")
        return f"HTTP {status} {error}".strip() if status != 200 else error
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"


@contextlib.contextmanager
def _quiet_slack_sdk() -> Iterator[None]:
    """slack_sdk logs every failed request itself; the command says it once, in one line."""
    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk.setLevel(level)


def _slack_problem(container: Container) -> str | None:
    """None when Slack answers the bot token, else one line saying why not."""
    from slack_sdk.errors import SlackApiError

    try:
        with _quiet_slack_sdk():
            container.slack_team_id()
        return None
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "") if exc.response is not None else ""
        if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
            return f"Slack refused SLACK_BOT_TOKEN ({error}); check the token"
        return f"Slack is not answering ({_slack_reason(exc)}); try again later"
    except OSError as exc:
        host = container.settings.slack_api_url or "https://slack.com/api/"
        return f"Slack is unreachable at {host} ({_slack_reason(exc)})"


def cmd_socket(args: argparse.Namespace) -> int:
    import threading

    from slack_sdk.errors import SlackApiError

    from .slack.socket_mode import socket_mode_handler

    settings = _settings()
    _logging(settings)
    if not settings.slack_app_token or not settings.slack_bot_token:
        _load_or_exit(settings)
        print(
            "lanekeeper socket needs SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (see README).",
            file=sys.stderr,
        )
        return 2
    stopping = _stop_on_signals()
    container = _container(settings)
    container.deliverer.start()
    # No SLACK_SIGNING_SECRET needed; a refreshed connection is read at once (bot.slack.socket_mode).
    handler = socket_mode_handler(container, settings.slack_app_token)
    code = 0
    try:
        with _quiet_slack_sdk():
            handler.connect()
        logging.getLogger(__name__.partition(".")[0]).info(
            "Lanekeeper connected to Slack in Socket Mode"
        )
        threading.Event().wait()  # until SIGTERM or SIGINT
    except KeyboardInterrupt:
        pass
    except (SlackApiError, OSError) as exc:
        print(
            f"lanekeeper: Slack did not open a Socket Mode connection ({_slack_reason(exc)}); "
            "check SLACK_APP_TOKEN (an app-level token with connections:write)",
            file=sys.stderr,
        )
        code = 1
    # SIGTERM: no new envelope, those in progress acked, the WebSocket closed with a close
    # frame; then listeners and deliveries in flight finish, as `serve` does.
    handler.stop()
    _shut_down(container, "socket", stopping)
    return code


def cmd_db(args: argparse.Namespace) -> int:
    from .adapters.db import upgrade

    settings = _settings()
    _logging(settings)
    logging.getLogger("alembic").setLevel(logging.INFO)
    upgrade(settings.database_url, args.revision)
    print(f"database at {args.revision}: {settings.database_url.split('@')[-1]}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .config.starter import write_starter

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
        from slack_sdk.errors import SlackApiError

        from .config.check import check_against_slack

        client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        try:
            with _quiet_slack_sdk():
                problems = check_against_slack(config, client)
        except (SlackApiError, OSError) as exc:
            print(
                f"lanekeeper: could not check the ids against Slack: {_slack_reason(exc)} "
                "(the file itself is valid; --offline skips this check)",
                file=sys.stderr,
            )
            return 1
        if problems:
            print("Slack says:", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            return 1
        print("Every channel, user and user group exists in Slack.")
    else:
        print("(set SLACK_BOT_TOKEN to also check every channel, user and group id against Slack)")
    if config.psa is not None and not args.offline:
        from .psa_cli import check_mapping

        return check_mapping(config.psa)
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
    from .adapters.db import upgrade
    from .bootstrap import build

    if _multi(settings):  # LANEKEEPER_CONFIG is a folder of <TEAM_ID>.yaml, checked by build
        from .config.loader import ConfigError

        if settings.database_url.startswith("sqlite"):
            upgrade(settings.database_url)
        try:
            return build(settings)
        except ConfigError as exc:
            print(f"lanekeeper: {settings.lanekeeper_config} cannot be used:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            raise SystemExit(2) from exc
    config = _load_or_exit(settings)
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    return build(settings, config=config)


def _multi(settings: Settings) -> bool:
    from .bootstrap import is_multi_workspace

    return is_multi_workspace(settings)


def _deliver_then_report(
    container: Container, lines: list[str], *, since: datetime, within: float = 30.0
) -> int:
    """Send what the job queued, within ``within`` seconds, then print what happened: each
    job's line, a post Slack refused for good in its place (exit 1), and what is left queued
    for a web or clock process (exit 1: it is not sent yet)."""
    from sqlalchemy import and_, false, or_, select

    from .adapters.models import OutboxMessage

    # Posts of this run: queued by it, or queued before and sent again by it (a digest Slack
    # had refused, keyed "job:scope:period").
    keys = [line.split(":", 1)[0].replace(" ", ":") + ":" for line in lines]
    ours = or_(
        OutboxMessage.created_at >= since,
        and_(
            OutboxMessage.next_attempt_at >= since,
            or_(*[OutboxMessage.dedupe_key.startswith(k) for k in keys]) if keys else false(),
        ),
    )
    deadline = time.monotonic() + within
    pending: list[OutboxMessage] = []
    while True:
        remaining = deadline - time.monotonic()
        # No single Slack call may outlast the deadline (an unanswered one is looked up, not
        # doubled, when it is retried).
        container.client.timeout = max(1, min(30, int(remaining)))
        container.deliverer.deliver_due(deadline=deadline)
        with container.sessions() as s:
            mine = list(s.scalars(select(OutboxMessage).where(ours)))
            s.expunge_all()
        pending = [m for m in mine if m.delivered_at is None and m.failed_at is None]
        if not pending or time.monotonic() >= deadline - 0.5:
            break
        time.sleep(0.5)
    refused = [m for m in mine if m.failed_at is not None and m.kind != "home"]
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


def cmd_clock(args: argparse.Namespace) -> int:
    from .clock import run_clock

    settings = _settings()
    _logging(settings)
    if not settings.slack_bot_token and not _multi(settings):
        print("lanekeeper clock needs SLACK_BOT_TOKEN (see README).", file=sys.stderr)
        return 2
    stopping = _stop_on_signals()
    container = _container(settings)
    with contextlib.suppress(KeyboardInterrupt):
        run_clock(container)
    _shut_down(container, "clock", stopping)
    return 0


def cmd_run_job(args: argparse.Namespace) -> int:
    from .clock import run_job_once
    from .jobs import registry

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
    if not settings.slack_bot_token:
        _load_or_exit(settings)
        print("lanekeeper run-job needs SLACK_BOT_TOKEN (see README).", file=sys.stderr)
        return 2
    container = _container(settings)
    if args.team and args.team not in container.lanes.config.teams:
        print(
            f"lanekeeper: no team {args.team!r}; teams: {', '.join(container.lanes.config.teams)}",
            file=sys.stderr,
        )
        return 2
    problem = _slack_problem(container)
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
    from .clock import run_job_once
    from .jobs import registry

    if not settings.slack_bot_token:
        print("lanekeeper digest needs SLACK_BOT_TOKEN to post (or --dry-run).", file=sys.stderr)
        return 2
    problem = _slack_problem(container)
    if problem:
        print(f"lanekeeper: {problem}; nothing was posted.", file=sys.stderr)
        container.close()
        return 1
    since = datetime.now(UTC)
    lines = run_job_once(container, registry()["standup"], now, args.team)
    code = _deliver_then_report(container, lines, since=since)
    container.close()
    return code


def _starter_placeholders(config: LanekeeperConfig) -> list[str]:
    """Ids the file still shares with `lanekeeper init`'s starter (REPLACE placeholders)."""
    import re

    from .config.starter import starter_yaml

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

    from .demo import add_parser as add_demo

    add_demo(sub)

    from .psa_cli import add_parser as add_psa

    add_psa(sub)
    importlib.import_module(".shield_cli", __package__).add_parser(sub)  # lanekeeper shield

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
