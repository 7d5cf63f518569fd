"""``lanekeeper psa check``: sign in to the PSA, read one page, print what would be synced.

It changes nothing. It names every board / queue / team and priority mapped in ``psa:`` that the
PSA does not have, and counts the first page's tickets per team and severity. Exit status 0 when
the PSA answered and every mapped name exists, 1 otherwise; one line per problem, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from .adapters.psa.base import PsaError
from .adapters.psa.factory import make_connector, secrets_of
from .config import ConfigError, load_config
from .domain.lanes import PsaSettings
from .logs import environment
from .services.tickets import TicketMapper


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("psa", help="PSA commands")
    psub = s.add_subparsers(dest="psa_command", required=True)
    chk = psub.add_parser("check", help="sign in to the PSA, read one page, change nothing")
    chk.add_argument("--config", help="lanes file (default: $LANEKEEPER_CONFIG)")
    chk.set_defaults(func=cmd_psa_check)


def _clean(text: str) -> str:
    for secret in secrets_of(environment()):
        text = text.replace(secret, "***")
    return text


def check_mapping(psa: PsaSettings) -> int:
    """For ``config check``: with the PSA's credentials set, sign in and name every mapped
    board / queue / team and priority the PSA does not have (0: all found, or no credentials)."""
    from .adapters.psa.factory import CREDENTIALS

    env = environment()
    if not all(env.get(name) for name in CREDENTIALS[psa.kind]):
        print(f"(set {', '.join(CREDENTIALS[psa.kind])} to also check psa: against {psa.kind})")
        return 0
    try:
        report = make_connector(psa, env).check()
    except PsaError as exc:
        print(f"lanekeeper: could not check psa: against {psa.kind}: {_clean(str(exc))}")
        return 1
    problems = [
        f"psa.teams: {name!r} is not in {psa.kind} (it has: {', '.join(report.boards)})"
        for name in report.missing_boards(psa.teams)
    ] + [
        f"psa.severities: {name!r} is not a {psa.kind} priority (it has: {', '.join(report.priorities)})"
        for name in report.missing_priorities(psa.severities)
    ]
    if problems:
        print(f"{psa.kind} says:", file=sys.stderr)
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"Every mapped board and priority exists in {psa.kind}.")
    return 0


def cmd_psa_check(args: argparse.Namespace) -> int:
    env = environment()  # .env as well, as the settings read it
    path = args.config or env.get("LANEKEEPER_CONFIG", "lanekeeper.yaml")
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"lanekeeper psa check: {path} is not valid: {'; '.join(exc.problems)}")
        return 1
    if config.psa is None:
        print(f"lanekeeper psa check: {path} has no psa: block; nothing to sync")
        return 1
    psa = config.psa
    try:
        connector = make_connector(psa, env)
        report = connector.check()
    except PsaError as exc:
        print(f"lanekeeper psa check: {psa.kind} at {psa.url}: {_clean(str(exc))}")
        return 1
    print(f"{psa.kind} at {psa.url}: signed in")
    print(f"  has {len(report.boards)} boards/queues/teams, {len(report.priorities)} priorities")
    problems = [
        f"psa.teams: {name!r} is not in the PSA (it has: {', '.join(report.boards)})"
        for name in report.missing_boards(psa.teams)
    ] + [
        f"psa.severities: {name!r} is not a PSA priority (it has: {', '.join(report.priorities)})"
        for name in report.missing_priorities(psa.severities)
    ]
    if report.sample is not None:
        mapper = TicketMapper(psa)
        counts: Counter[tuple[str, str]] = Counter()
        unmapped = 0
        for t in report.sample.tickets:
            row = mapper.row("T0CHECK", t, t.updated_at)
            if row is None:
                unmapped += 1
            else:
                counts[(row["team"], row["severity"] or f"unmapped priority {t.priority!r}")] += 1
        total = f" of {report.total}" if report.total is not None else ""
        print(f"  first page: {len(report.sample.tickets)} tickets{total} would be read")
        for (team, sev), n in sorted(counts.items()):
            print(f"    {team:<20} {sev:<12} {n}")
        if unmapped:
            print(f"    (not synced: {unmapped} on boards not in psa.teams)")
    for line in problems:
        print(f"  problem: {line}")
    return 1 if problems else 0
