"""``lanekeeper``: the one command-line entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.domain.lanes import LanekeeperConfig
from bot.settings import Settings


def _settings() -> Settings:
    return Settings()


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.lanekeeper_log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


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

    from bot.adapters.db import upgrade
    from bot.bootstrap import build

    settings = _settings()
    _logging(settings)
    config = _load_or_exit(settings)
    if not settings.slack_signing_secret or not settings.slack_bot_token:
        print(
            "lanekeeper serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README).",
            file=sys.stderr,
        )
        return 2
    if settings.database_url.startswith("sqlite"):
        upgrade(
            settings.database_url
        )  # zero-setup default; PostgreSQL runs `db upgrade` on release
    container = build(settings, config=config)
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

    from bot.adapters.db import upgrade
    from bot.bootstrap import build

    settings = _settings()
    _logging(settings)
    config = _load_or_exit(settings)
    if not settings.slack_app_token or not settings.slack_bot_token:
        print(
            "lanekeeper socket needs SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (see README).",
            file=sys.stderr,
        )
        return 2
    if not settings.slack_signing_secret:
        settings.slack_signing_secret = "socket-mode-does-not-sign"
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    container = build(settings, config=config)
    container.deliverer.start()
    SocketModeHandler(container.bolt(), settings.slack_app_token).start()
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.adapters.db import upgrade

    settings = _settings()
    _logging(settings)
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lanekeeper", description="Escalation lanes for MSP teams in Slack."
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz")
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("socket", help="Socket Mode (no public URL needed)")
    s.set_defaults(func=cmd_socket)

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
