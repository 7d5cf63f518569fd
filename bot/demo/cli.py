"""``lanekeeper demo`` on the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .runner import run_demo


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        metavar="FILE",
        help="play the day through your own lanes file (ids are mapped onto demo people)",
    )
    p.add_argument("--step", action="store_true", help="pause after each step")
    p.add_argument(
        "--json",
        metavar="FILE",
        dest="json_path",
        help="write the transcript as JSON ('-': stdout)",
    )
    p.set_defaults(func=cmd_demo)


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``lanekeeper demo`` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "demo",
        help="play a scripted MSP day through the real bot, no Slack workspace needed",
        description=(
            "Starts the real bot (HTTP app, SQLite in a temporary folder) against a local "
            "stand-in for Slack and plays a scripted MSP day through it as signed Slack "
            "requests. Exits non-zero if any step does not produce what it should."
        ),
    )
    _add_arguments(p)
    return p


def cmd_demo(args: argparse.Namespace) -> int:
    problem = _unwritable(args.json_path)
    if problem:  # said before the day is played, not after
        print(f"lanekeeper demo: cannot write --json {args.json_path}: {problem}", file=sys.stderr)
        return 2
    return run_demo(args.config, step=args.step, json_path=args.json_path)


def _unwritable(path: str | None) -> str | None:
    """Why the transcript could not be written to ``path`` (None when it could)."""
    import os
    from pathlib import Path

    if not path or path == "-":
        return None
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        return "it is a folder"
    if not folder.is_dir():
        return f"no folder {folder}"
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        return "permission denied"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """``lanekeeper demo`` on its own: ``main(["--config", "my-lanes.yaml"])``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo"]:
        args_list = args_list[1:]
    parser = argparse.ArgumentParser(prog="lanekeeper demo", description="Play an MSP's day.")
    _add_arguments(parser)
    args = parser.parse_args(args_list)
    return cmd_demo(args)
