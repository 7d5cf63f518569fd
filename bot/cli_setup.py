"""``lanekeeper db upgrade``, ``init`` and ``config check``: setting up a database and a lanes
file."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .cli_common import (
    configure_logging,
    load_or_exit,
    load_settings,
    quiet_slack_sdk,
    slack_reason,
)
from .domain.lanes import LanekeeperConfig


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy import make_url
    from sqlalchemy.exc import OperationalError

    from .adapters.db import upgrade

    settings = load_settings()
    configure_logging(settings)
    logging.getLogger("alembic").setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # its setup chatter
    try:
        upgrade(settings.database_url, args.revision)
    except OperationalError as exc:  # the server refused or is not there: one line, no trace
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        print(
            f"lanekeeper db upgrade: cannot reach the database at {where}: {reason}",
            file=sys.stderr,
        )
        return 1
    print(f"database at {args.revision}: {settings.database_url.split('@')[-1]}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .config.starter import write_starter

    path = Path(args.path or load_settings().lanekeeper_config)
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
    settings = load_settings()
    if args.path:
        settings.lanekeeper_config = args.path
    config = load_or_exit(settings)
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
            with quiet_slack_sdk():
                problems = check_against_slack(config, client)
        except (SlackApiError, OSError) as exc:
            print(
                f"lanekeeper: could not check the ids against Slack: {slack_reason(exc)} "
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
