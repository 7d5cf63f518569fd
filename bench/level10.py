"""Level-10 speed at scale: 50 teams, 8 weeks of history, 100,000 PSA tickets, charts included.

Run from the repository root::

    .venv/bin/python bench/level10.py [--db sqlite|postgres] [--tickets N] [--teams T]

It creates a fresh database (SQLite: a temporary file; PostgreSQL: ``lanekeeper_bench``,
created and dropped through the ``postgres`` maintenance database), migrates it, bulk-inserts
the tickets (spread over the 8 weeks before the meeting: open and aged, closed on time or late,
with and without resolution notes, reopened, across 8 categories), stores 7 earlier weekly
snapshots per team (the chart's history), then runs the ``level10`` job the way the clock does
at the meeting (Tuesday 8 December 2026, 09:00 in Chicago) for every team: the figures, the
scorecard, the Block Kit, the PNG chart and the stored snapshot and post. Slack is not called
(the posts stay in the outbox). It prints the total, per-team figures and the process's peak
memory; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from bot.adapters.db import make_engine, make_session_factory, upgrade  # noqa: E402
from bot.adapters.models import Level10Snapshot, Ticket  # noqa: E402
from bot.adapters.uow import UnitOfWork  # noqa: E402
from bot.config.loader import load_config  # noqa: E402
from bot.jobs import JobContext  # noqa: E402
from bot.jobs.level10 import run_level10  # noqa: E402
from bot.services.context import Lanes  # noqa: E402

SLACK_TEAM_ID = "T0BENCH01"
CHI = ZoneInfo("America/Chicago")
MEETING = datetime(2026, 12, 8, 9, 0, tzinfo=CHI)
CATEGORIES = ["Backup", "Email", "Printing", "VPN", "Network", "M365", "Endpoint", "Security"]
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "lanekeeper_bench"


def config_file(folder: Path, teams: int) -> Path:
    data: dict[str, Any] = {
        "timezone": "America/Chicago",
        "admins": ["U0ADMIN"],
        "teams": [
            {
                "key": f"team-{n:02d}",
                "name": f"Team {n:02d}",
                "channel": f"C0TEAM{n:02d}",
                "business_hours": {
                    "days": ["mon", "tue", "wed", "thu", "fri"],
                    "start": "08:00",
                    "end": "18:00",
                },
                "holidays": {"country": "US"},
                "members": [f"U0T{n:02d}A", f"U0T{n:02d}B", f"U0T{n:02d}C"],
                "leads": [f"U0L{n:02d}"],
                "level10": {"day": "tue", "time": "09:00"},
            }
            for n in range(teams)
        ],
        "protected": {"users": [], "channels": "all"},
        "lanes": [
            {
                "key": "client-request",
                "name": "Client priority request",
                "when": "A client asks for a faster turnaround",
                "team": "team-00",
                "channel": "C0ESC",
                "severities": {"P2": {"respond": "1h", "resolve": "1d"}},
                "approval": "none",
            }
        ],
    }
    path = folder / "lanes.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def tickets(count: int, teams: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    start = MEETING - timedelta(weeks=8)
    span = (MEETING - start).total_seconds()
    for n in range(count):
        team = n % teams
        opened = start + timedelta(seconds=rng.random() * span)
        due = opened + timedelta(days=rng.choice([1, 2, 3, 5]))
        state = rng.random()
        closed = None
        if state < 0.85:  # closed, on time or late
            closed = opened + timedelta(hours=rng.uniform(1, 24 * 6))
            if closed >= MEETING:
                closed = None
        rows.append(
            {
                "slack_team_id": SLACK_TEAM_ID,
                "source": "connectwise",
                "external_id": str(n),
                "number": str(100000 + n),
                "board": "Service Desk",
                "team": f"team-{team:02d}",
                "priority": "P2",
                "severity": rng.choice(["P1", "P2", "P2", "P3"]),
                "client": f"Client {n % 300}",
                "summary": f"Ticket {n}",
                "category": rng.choice(CATEGORIES),
                "status": "Closed" if closed else "In Progress",
                "waiting_since": None,
                "owner": f"U0T{team:02d}{'ABC'[n % 3]}",
                "opened_at": opened,
                "responded_at": opened + timedelta(minutes=rng.uniform(5, 120)),
                "resolved_at": closed,
                "closed_at": closed,
                "psa_updated_at": closed or opened,
                "respond_due": opened + timedelta(hours=1),
                "resolve_due": due,
                "reopen_count": 1 if rng.random() < 0.05 else 0,
                "has_resolution_note": rng.random() < 0.9,
                "url": f"https://psa.example/ticket/{n}",
            }
        )
    return rows


def snapshots(teams: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n in range(teams):
        for back in range(1, 8):
            day = (MEETING - timedelta(weeks=back)).date()
            year, week, _ = day.isocalendar()
            aged = rng.randint(0, 9)
            rows.append(
                {
                    "slack_team_id": SLACK_TEAM_ID,
                    "team": f"team-{n:02d}",
                    "week": f"{year}-W{week:02d}",
                    "taken_at": MEETING - timedelta(weeks=back),
                    "figures": {
                        "week": f"{year}-W{week:02d}",
                        "aged": aged,
                        "new": rng.randint(20, 60),
                        "reopened": rng.randint(0, 4),
                        "escalated": rng.randint(0, 5),
                        "respond": rng.uniform(0.7, 1.0),
                        "resolve": rng.uniform(0.6, 1.0),
                        "documented": rng.uniform(0.8, 1.0),
                        "intercepted": rng.randint(0, 10),
                        "interruptions": {},
                        "approval_turnaround": None,
                    },
                }
            )
    return rows


def database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB}"))
        conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=50)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    rng = random.Random(20261208)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = database(args.db, folder)
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        t0 = time.perf_counter()
        rows = tickets(args.tickets, args.teams, rng)
        with engine.begin() as conn:
            for i in range(0, len(rows), 5000):
                conn.execute(insert(Ticket), rows[i : i + 5000])
            conn.execute(insert(Level10Snapshot), snapshots(args.teams, rng))
            if args.db == "sqlite":
                conn.execute(text("ANALYZE"))
        print(
            f"{args.db}: {args.tickets:,} tickets, {args.teams} teams, 7 weeks of snapshots "
            f"stored in {time.perf_counter() - t0:.1f}s"
        )
        lanes = Lanes(load_config(config_file(folder, args.teams)))
        ctx = JobContext(uow=lambda: UnitOfWork(sessions), lanes=lanes, slack_team_id=SLACK_TEAM_ID)
        per_team: list[float] = []
        start = time.perf_counter()
        for key in lanes.config.teams:
            t = time.perf_counter()
            result = run_level10(ctx, MEETING, key)
            per_team.append(time.perf_counter() - t)
            assert result[0].outcome == "sent", result  # a setup error, not a figure
        total = time.perf_counter() - start
        # The chart alone, to say where the time goes.
        from bot.slack.level10_chart import chart_png

        series = [(f"2026-W{w}", w % 7, 0.9) for w in range(43, 51)]
        t = time.perf_counter()
        for _ in range(10):
            chart_png(series, alert=4, title="x")
        chart = (time.perf_counter() - t) / 10
        engine.dispose()
        if args.db == "postgres":
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB}"))
            admin.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"level10, all {args.teams} teams: {total:.2f}s (target < 10 s)")
    print(
        f"per team: median {statistics.median(per_team) * 1000:.0f} ms, "
        f"max {max(per_team) * 1000:.0f} ms; the chart alone {chart * 1000:.0f} ms"
    )
    print(f"peak memory (max RSS of this process): {peak_mb:.0f} MB")
    print(
        f"load average {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end "
        f"({os.cpu_count()} CPUs: a busy machine inflates every figure)"
    )


if __name__ == "__main__":
    main()
