"""``lanekeeper``: the one command-line entry point. The commands live beside it:
:mod:`.cli_serve` (serve, socket, clock), :mod:`.cli_jobs` (run-job, digest), :mod:`.cli_setup`
(db, init, config check), with what they share in :mod:`.cli_common`."""

from __future__ import annotations

import argparse
import importlib
import sys

from .cli_common import package_version, parse_now
from .cli_jobs import _deliver_then_report, cmd_digest, cmd_run_job
from .cli_serve import cmd_clock, cmd_deliver, cmd_serve, cmd_socket
from .cli_setup import cmd_config_check, cmd_db, cmd_init

__all__ = [
    "_deliver_then_report",  # tests/e2e/test_outbox_failures.py
    "build_parser",
    "cmd_clock",
    "cmd_config_check",
    "cmd_db",
    "cmd_deliver",
    "cmd_digest",
    "cmd_init",
    "cmd_run_job",
    "cmd_serve",
    "cmd_socket",
    "main",
    "parse_now",
]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lanekeeper", description="Escalation lanes for MSP teams in Slack."
    )
    p.add_argument("--version", action="version", version=f"lanekeeper {package_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz")
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("socket", help="Socket Mode (no public URL needed)")
    s.set_defaults(func=cmd_socket)

    s = sub.add_parser(
        "clock",
        help="the scheduler (run one): standup, sla-watch, level10, level10-remind, "
        "psa-sync, prune; also delivers the outbox",
        description="The scheduler process. Runs standup, sla-watch, level10, level10-remind "
        "and psa-sync every minute and prune every hour (each decides itself whether anything "
        "is due), and delivers the outbox. Run one: without it there are no stand-ups, "
        "Level-10s, SLA warnings, PSA syncs or prunes (a second one sends nothing twice).",
    )
    s.set_defaults(func=cmd_clock)

    s = sub.add_parser(
        "deliver",
        help="the worker: sends the outbox and handles the Slack requests serve stored, "
        "beside serve with LANEKEEPER_DELIVERY=separate or worker",
    )
    s.set_defaults(func=cmd_deliver)

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
