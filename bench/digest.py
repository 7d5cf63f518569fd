"""Stand-up digest speed at scale: every team's digest over a large escalations table.

Run from the repository root::

    .venv/bin/python bench/digest.py [--db sqlite|postgres|both] [--rows N] [--rounds R]
                                     [--drop-index NAME] [--with-index NAME] [--keep]

For each database it creates a fresh one (SQLite: a temporary file; PostgreSQL: the database
``lanekeeper_bench``, created and dropped through the ``postgres`` maintenance database; the
test suite's ``test`` database is never touched), migrates it with Alembic, bulk-inserts the
rows, runs ``ANALYZE``, and then times every team's digest the way the bot builds it:
the two queries of :func:`bot.services.digests.standup_digest` (with ORM loading and the
conversion to work items), :func:`bot.domain.digest.build_digest`, and
:func:`bot.slack.digest_render.digest_blocks`.

The data: PSA tickets are not stored yet, so the digest reads escalations only, and the rows
are escalations: ``--rows`` open ones (default 100,000) across 50 teams of one workspace,
plus half as many closed ones (resolved, cancelled, rejected) and 2% as many waiting for
approval. Team sizes are skewed (the largest team has about three times the open work of
the smallest), so the p95 and max digests are the big teams'.

Baselines (same run, same table): a bare ``SELECT count(*) FROM escalations`` (on SQLite an
optimised b-tree count, on PostgreSQL an index-only scan: see its plan) and
``SELECT count(summary)``, which reads every row (a true full scan). A digest that reads
through an index costs a fraction of a full scan whatever the table's size; one that scans
costs at least one per team.

It prints figures and query plans; it never fails on a figure (exit 0).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import (  # noqa: E402
    ColumnElement,
    Engine,
    Select,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402

from bot.adapters.db import make_engine, make_session_factory, upgrade  # noqa: E402
from bot.adapters.models import Escalation  # noqa: E402
from bot.adapters.uow import UnitOfWork  # noqa: E402
from bot.domain.digest import Digest, build_digest  # noqa: E402
from bot.domain.durations import parse_duration  # noqa: E402
from bot.domain.escalation import ACTIVE, Status  # noqa: E402
from bot.domain.lanes import (  # noqa: E402
    ApprovalPolicy,
    BusinessHours,
    Lane,
    LanekeeperConfig,
    SeverityTarget,
    Team,
)
from bot.services.context import Lanes  # noqa: E402
from bot.services.digests import (  # noqa: E402
    DEFAULT_RISK_WINDOW,
    standup_digest,
)
from bot.slack.digest_render import digest_blocks  # noqa: E402

SLACK_TEAM_ID = "T0BENCH01"
TEAMS = 50
SEED = 20261124
# A Tuesday afternoon in Europe, morning in the Americas: most teams are inside business hours.
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
BATCH = 5_000

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "lanekeeper_bench"

# Indexes that can be added to the bench database (never to the app's) to measure a proposal.
CANDIDATE_INDEXES: dict[str, str] = {}

ACTIVE_VALUES = sorted(s.value for s in ACTIVE)
TABLE = cast(Table, Escalation.__table__)


# ------------------------------------------------------------------------------ configuration


def _targets(spec: dict[str, tuple[str, str]]) -> dict[str, SeverityTarget]:
    return {
        sev: SeverityTarget(respond=parse_duration(r), resolve=parse_duration(z))
        for sev, (r, z) in spec.items()
    }


_ZONES = (
    ("America/New_York", "US"),
    ("America/Chicago", "US"),
    ("America/Los_Angeles", "US"),
    ("Europe/London", "GB"),
    ("Europe/Berlin", "DE"),
    ("Australia/Sydney", "AU"),
    ("UTC", None),
)
ALWAYS_ON = BusinessHours(days=frozenset(range(7)), start=clock(0, 0), end=clock(0, 0))


def team_key(i: int) -> str:
    return f"team-{i + 1:02d}"


def bench_config() -> LanekeeperConfig:
    """50 teams in several timezones (every tenth a 24/7 NOC), each owning a requests lane
    (P1 needs approval) and an SLA-risk lane, plus the shared ``alert`` and ``change`` lanes.

    The digest's alert and change sections go by lane key, and a lane key belongs to one team;
    every team's rows use those two lanes anyway, so every digest fills every section (the
    pessimistic case for building and rendering).
    """
    teams: dict[str, Team] = {}
    lanes: dict[str, Lane] = {}
    for i in range(TEAMS):
        key = team_key(i)
        tz, country = _ZONES[i % len(_ZONES)]
        teams[key] = Team(
            key=key,
            name=f"Team {i + 1:02d}",
            channel=f"C0TEAM{i:03d}",
            timezone=tz,
            business_hours=ALWAYS_ON if i % 10 == 0 else BusinessHours(),
            holiday_country=country,
            members=tuple(f"U0T{i:02d}M{m}" for m in range(6)),
            leads=(f"U0T{i:02d}L",),
        )
        lanes[f"requests-{i + 1:02d}"] = Lane(
            key=f"requests-{i + 1:02d}",
            name="Client priority request",
            when="A client asks for priority",
            team=key,
            channel=f"C0REQ{i:03d}",
            severities=_targets(
                {"P1": ("30m", "4h"), "P2": ("1h", "8h"), "P3": ("4h", "2d"), "P4": ("1d", "5d")}
            ),
            approval=ApprovalPolicy(mode="at_or_above", severity="P1"),
            approvers=(f"U0T{i:02d}L", "U0SVCMGR"),
        )
        lanes[f"sla-risk-{i + 1:02d}"] = Lane(
            key=f"sla-risk-{i + 1:02d}",
            name="SLA risk",
            when="A ticket is about to miss its target",
            team=key,
            channel=f"C0SLA{i:03d}",
            severities=_targets({"P1": ("15m", "2h"), "P2": ("30m", "4h"), "P3": ("2h", "1d")}),
        )
    lanes["alert"] = Lane(
        key="alert",
        name="Monitoring or backup alert",
        when="An alert needs action",
        team=team_key(0),
        channel="C0ALERTS",
        severities=_targets({"P1": ("15m", "4h"), "P2": ("30m", "8h"), "P3": ("2h", "1d")}),
    )
    lanes["change"] = Lane(
        key="change",
        name="Change",
        when="A planned change",
        team=team_key(1),
        channel="C0CHANGES",
        severities=_targets({"P2": ("4h", "2d"), "P3": ("1d", "5d")}),
        approval=ApprovalPolicy(mode="always"),
        approvers=("U0CAB1", "U0CAB2"),
        window=True,  # its escalations carry a window start: the digest's changes section
    )
    return LanekeeperConfig(timezone="UTC", teams=teams, lanes=lanes, admins=("U0ADMIN",))


# ------------------------------------------------------------------------------------- data


@dataclass
class Dataset:
    rows: list[dict[str, Any]]
    open_per_team: dict[str, int]
    by_status: Counter[str] = field(default_factory=Counter)


_CLIENTS = [
    f"{name} {kind}"
    for name in (
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
        "Vandelay",
        "Stark",
        "Wayne",
        "Wonka",
        "Soylent",
        "Tyrell",
        "Cyberdyne",
        "Aperture",
        "Massive",
        "Oceanic",
        "Pied Piper",
        "Dunder",
        "Prestige",
        "Sterling",
        "Gringotts",
    )
    for kind in ("Ltd", "LLC", "Dental", "Legal", "Clinic")
]
_SUMMARIES = (
    "Backup job failed on {host}",
    "{host} offline since the patch window",
    "User cannot log in to {app} after password reset",
    "Disk almost full on {host}",
    "Client asks to expedite the {app} migration",
    "Firewall firmware upgrade on {host}",
    "MFA prompts loop for the finance team in {app}",
    "Printer queue stuck at the front desk",
    "VPN drops every few minutes for remote staff",
    "Phishing email reported by the office manager",
)
_HOSTS = ("DC01", "FS02", "SQL01", "RDS03", "FW-EDGE", "NAS01", "HV02", "EXCH01")
_APPS = ("Microsoft 365", "QuickBooks", "Dentrix", "Clio", "SharePoint", "Teams")
_SOURCES = ("slash_command", "intercepted", "message_shortcut", "alert_webhook", "app_home")


def _weights(n: int) -> list[float]:
    """Team sizes from 1 to 3 (linear): the largest team has three times the smallest's work."""
    return [1 + 2 * i / (n - 1) for i in range(n)]


def _split(total: int, weights: Sequence[float]) -> list[int]:
    s = sum(weights)
    counts = [math.floor(total * w / s) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def build_dataset(config: LanekeeperConfig, open_rows: int) -> Dataset:
    """``open_rows`` active escalations, half as many closed ones, 2% as many awaiting
    approval; deterministic (seeded)."""
    rng = random.Random(SEED)
    keys = list(config.teams)
    weights = _weights(len(keys))
    rows: list[dict[str, Any]] = []
    number = 0

    def base(team_i: int, lane: Lane, status: str, created: datetime) -> dict[str, Any]:
        nonlocal number
        number += 1
        sev = rng.choices(lane.severity_order, weights=[1, 3, 6, 4][: len(lane.severities)])[0]
        target = lane.severities[sev]
        host, app = rng.choice(_HOSTS), rng.choice(_APPS)
        return {
            "slack_team_id": SLACK_TEAM_ID,
            "number": number,
            "lane": lane.key,
            "team": keys[team_i],
            "severity": sev,
            "client": rng.choice(_CLIENTS),
            "summary": rng.choice(_SUMMARIES).format(host=host, app=app),
            "details": "",
            "psa_ticket": f"T{rng.randrange(10**6):06d}" if rng.random() < 0.4 else None,
            "requester": f"U0REQ{rng.randrange(400):03d}",
            "owner": None,
            "source": rng.choice(_SOURCES),
            "source_channel": None,
            "source_ts": None,
            "source_permalink": None,
            "lane_channel": lane.channel,
            "lane_ts": f"{int(created.timestamp())}.{number % 10**6:06d}",
            "status": status,
            "status_before_wait": None,
            "opened_at": created,
            # Due times as wall-clock offsets: close enough for a load test, and cheap.
            "respond_due": created + _rough(target.respond),
            "resolve_due": created + _rough(target.resolve),
            "responded_at": None,
            "resolved_at": None,
            "paused_since": None,
            "starts_at": None,
            "done_checked": [],
            "resolution_note": None,
            "decision_reason": None,
            "decided_by": None,
            "decided_at": None,
            "reopen_count": 0,
            "idempotency_key": None,
            "created_at": created,
            "updated_at": created,
            "version": 1,
        }

    def lanes_of(team_i: int) -> list[Lane]:
        n = f"{team_i + 1:02d}"
        return [
            config.lanes[f"requests-{n}"],
            config.lanes[f"sla-risk-{n}"],
            config.lanes["alert"],
            config.lanes["change"],
        ]

    def owner(team_i: int) -> str:
        return f"U0T{team_i:02d}M{rng.randrange(6)}"

    # Open work: mostly recent (median age about two days), a long tail up to 90 days.
    open_counts = _split(open_rows, weights)
    for team_i, count in enumerate(open_counts):
        team_lanes = lanes_of(team_i)
        for _ in range(count):
            lane = rng.choices(team_lanes, weights=[55, 20, 15, 10])[0]
            age = timedelta(hours=min(rng.expovariate(1 / 72), 90 * 24))
            status = rng.choices(
                [Status.OPEN, Status.ACKNOWLEDGED, Status.WAITING, Status.REOPENED],
                weights=[30, 45, 15, 10],
            )[0].value
            row = base(team_i, lane, status, NOW - age)
            if status != Status.OPEN.value or rng.random() < 0.5:
                row["owner"] = owner(team_i)
            if status != Status.OPEN.value:
                row["responded_at"] = row["opened_at"] + timedelta(minutes=rng.randrange(5, 240))
            if status == Status.WAITING.value:
                row["status_before_wait"] = Status.ACKNOWLEDGED.value
                row["paused_since"] = NOW - age * rng.random()
            if status == Status.REOPENED.value:
                row["reopen_count"] = 1
            if lane.key == "change":
                row["starts_at"] = NOW + timedelta(hours=rng.uniform(-48, 72))
            rows.append(row)

    # Closed history: resolved, cancelled, rejected over the last 180 days.
    for team_i, count in enumerate(_split(open_rows // 2, weights)):
        team_lanes = lanes_of(team_i)
        for _ in range(count):
            lane = rng.choices(team_lanes, weights=[55, 20, 15, 10])[0]
            status = rng.choices(
                [Status.RESOLVED, Status.CANCELLED, Status.REJECTED], weights=[85, 10, 5]
            )[0].value
            created = NOW - timedelta(hours=rng.uniform(24, 180 * 24))
            row = base(team_i, lane, status, created)
            row["owner"] = owner(team_i) if status == Status.RESOLVED.value else None
            row["updated_at"] = created + timedelta(hours=rng.uniform(1, 72))
            if status == Status.RESOLVED.value:
                row["responded_at"] = created + timedelta(minutes=rng.randrange(5, 120))
                row["resolved_at"] = row["updated_at"]
                row["resolution_note"] = "Fixed and verified with the client."
            else:
                row["decided_by"] = "U0SVCMGR"
                row["decided_at"] = row["updated_at"]
            rows.append(row)

    # Waiting for an approver: never opened, so no SLA clock yet (the approval's own is shown).
    for team_i, count in enumerate(_split(max(open_rows // 50, 1), weights)):
        n = f"{team_i + 1:02d}"
        for _ in range(count):
            lane = config.lanes[f"requests-{n}"] if rng.random() < 0.7 else config.lanes["change"]
            created = NOW - timedelta(hours=rng.uniform(0, 72))
            row = base(team_i, lane, Status.PENDING_APPROVAL.value, created)
            row.update(opened_at=None, respond_due=None, resolve_due=None)
            if lane.key == "change":
                row["starts_at"] = NOW + timedelta(hours=rng.uniform(4, 96))
            rows.append(row)

    # Interleave the teams the way real traffic arrives, so a team's rows are not contiguous.
    rng.shuffle(rows)
    for i, row in enumerate(rows, start=1):
        row["number"] = i
    return Dataset(
        rows=rows,
        open_per_team=dict(zip(keys, open_counts, strict=True)),
        by_status=Counter(r["status"] for r in rows),
    )


def _rough(d: Any) -> timedelta:
    """A business duration as wall-clock time (a business day as 24h)."""
    return timedelta(days=d.days, seconds=d.seconds)


# --------------------------------------------------------------------------------- databases


@dataclass
class Target:
    name: str
    url: str


@contextmanager
def sqlite_target() -> Iterator[Target]:
    with tempfile.TemporaryDirectory(prefix="lanekeeper-bench-") as tmp:
        yield Target("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")


def postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: not available here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def _admin(sql: str) -> None:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@contextmanager
def postgres_target(keep: bool) -> Iterator[Target]:
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin(f"CREATE DATABASE {BENCH_DB}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=BENCH_DB).render_as_string(hide_password=False)
    try:
        yield Target("PostgreSQL", url)
    finally:
        if keep:
            print(f"(kept database {BENCH_DB})")
        else:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def load(engine: Engine, rows: list[dict[str, Any]]) -> float:
    """Core executemany in batches, one transaction; returns seconds."""
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(TABLE), rows[i : i + BATCH])
    return time.perf_counter() - started


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        # What autovacuum leaves a table in between bursts: statistics and visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE escalations"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


# ----------------------------------------------------------------------------------- timing


def work_items_where(team: str) -> tuple[ColumnElement[bool], ...]:
    """The filter of :meth:`WorkItems.team_open` (kept in step: see ``warm_up``)."""
    return (
        TABLE.c.slack_team_id == SLACK_TEAM_ID,
        TABLE.c.team == team,
        TABLE.c.status.in_(ACTIVE_VALUES),
    )


def approvals_where(team: str) -> tuple[ColumnElement[bool], ...]:
    """The filter of :meth:`WorkItems.pending_approvals`."""
    return (
        TABLE.c.slack_team_id == SLACK_TEAM_ID,
        TABLE.c.team == team,
        TABLE.c.status == Status.PENDING_APPROVAL.value,
    )


def work_items_stmt(team: str) -> Select[Any]:
    return select(Escalation).where(*work_items_where(team))


def approvals_stmt(team: str) -> Select[Any]:
    return select(Escalation).where(*approvals_where(team))


@dataclass
class Sample:
    team: str
    items: int
    query: float  # both queries, ORM loading, conversion to work items (one unit of work)
    build: float  # build_digest
    render: float  # digest_blocks

    @property
    def total(self) -> float:
        return self.query + self.build + self.render


def one_digest(uow: UnitOfWork, lanes: Lanes, team: str) -> tuple[Sample, Digest]:
    """:func:`standup_digest` step by step, timed, then rendered."""
    t0 = time.perf_counter()
    with uow:
        work = uow.work(lanes)
        items = work.team_open(SLACK_TEAM_ID, team)
        approvals = work.pending_approvals(SLACK_TEAM_ID, team)
    t1 = time.perf_counter()
    digest = build_digest(
        team=lanes.team(team),
        calendar=lanes.calendar(team),
        now=NOW,
        items=items,
        approvals=approvals,
        risk_window=DEFAULT_RISK_WINDOW,
        alert_lane=lanes.config.alert_lane,
        window_lanes=lanes.config.window_lanes,
    )
    t2 = time.perf_counter()
    digest_blocks(digest)
    t3 = time.perf_counter()
    return Sample(team, len(items), t1 - t0, t2 - t1, t3 - t2), digest


def warm_up(uow: UnitOfWork, lanes: Lanes, teams: Sequence[str], compare: int = 5) -> list[str]:
    """Build every team's digest once with :func:`standup_digest` (calendars, holiday tables,
    compiled statements, database caches), and check on the first ``compare`` teams that the
    timed step-by-step version gives the same digest; returns the teams where it does not."""
    differ = []
    for i, team in enumerate(teams):
        theirs = standup_digest(uow, lanes, slack_team_id=SLACK_TEAM_ID, team=team, now=NOW)
        digest_blocks(theirs)
        if i < compare and one_digest(uow, lanes, team)[1] != theirs:
            differ.append(team)
    return differ


def sql_only(engine: Engine, teams: Sequence[str]) -> tuple[list[float], list[float]]:
    """Per team, the two statements alone: (execution and fetch as plain Core rows, no ORM;
    the same filters as ``count(*)``, i.e. finding the rows without shipping them)."""
    fetch, locate = [], []
    with engine.connect() as conn:
        for team in teams:
            t0 = time.perf_counter()
            conn.execute(select(TABLE).where(*work_items_where(team))).all()
            conn.execute(select(TABLE).where(*approvals_where(team))).all()
            t1 = time.perf_counter()
            conn.execute(select(func.count()).where(*work_items_where(team))).scalar()
            conn.execute(select(func.count()).where(*approvals_where(team))).scalar()
            t2 = time.perf_counter()
            fetch.append(t1 - t0)
            locate.append(t2 - t1)
        conn.rollback()
    return fetch, locate


BASELINES = {
    # What the brief names: on SQLite an optimised count of a b-tree's entries, on PostgreSQL
    # often an index-only scan of the smallest index (its plan is printed).
    "count(*)": "SELECT count(*) FROM escalations",
    # Reads every row of the table (no index holds ``summary``): a true full scan.
    "count(summary)": "SELECT count(summary) FROM escalations",
}


def baseline(engine: Engine, sql: str, repeats: int = 5) -> float:
    """Median seconds of ``sql`` (a one-row aggregate over the whole table)."""
    times = []
    with engine.connect() as conn:
        conn.exec_driver_sql(sql).scalar()  # warm
        for _ in range(repeats):
            t0 = time.perf_counter()
            conn.exec_driver_sql(sql).scalar()
            times.append(time.perf_counter() - t0)
        conn.rollback()
    return statistics.median(times)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f} ms"


# ---------------------------------------------------------------------------------- plans


def _sql(engine: Engine, stmt: Select[Any]) -> str:
    return str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def explain(engine: Engine, label: str, sql: str) -> list[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").all()
            lines = [r[0] for r in rows]
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node_id, parent, _unused, detail in rows:
                depth[node_id] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node_id] - 1) + detail)
        conn.rollback()
    print(f"  -- {label}")
    for line in lines:
        print(f"     {line}")
    return lines


def _where_only(sql: str) -> str:
    return sql[sql.index("WHERE") :].replace("\n", " ")


# ------------------------------------------------------------------------------------- main


@dataclass
class Result:
    name: str
    samples: list[Sample]
    round_totals: list[float]
    sql: list[float]
    locate: list[float]
    bases: dict[str, float]
    plans: dict[str, list[str]]


def run(
    target: Target, config: LanekeeperConfig, data: Dataset, args: argparse.Namespace
) -> Result:
    print(f"\n=== {target.name}: {make_url(target.url).render_as_string()}")
    t0 = time.perf_counter()
    upgrade(target.url)
    print(f"migrated (alembic upgrade head) in {time.perf_counter() - t0:.1f} s")
    engine = make_engine(target.url, pool_size=2)
    try:
        loaded = load(engine, data.rows)
        print(
            f"inserted {len(data.rows):,} escalations in {loaded:.1f} s "
            f"({len(data.rows) / loaded:,.0f} rows/s, Core executemany, batches of {BATCH:,})"
        )
        with engine.begin() as conn:
            for name in args.drop_index:
                conn.execute(text(f"DROP INDEX {name}"))
                print(f"dropped index {name} (--drop-index)")
            for name in args.with_index:
                conn.execute(text(CANDIDATE_INDEXES[name]))
                print(f"created index {name} (--with-index): {CANDIDATE_INDEXES[name]}")
        t0 = time.perf_counter()
        analyze(engine)
        print(f"ANALYZE in {time.perf_counter() - t0:.1f} s")

        lanes = Lanes(config)
        uow = UnitOfWork(make_session_factory(engine))
        teams = list(config.teams)
        differ = warm_up(uow, lanes, teams)
        if differ:
            print(f"WARNING: the timed steps differ from standup_digest for {differ}")

        samples: list[Sample] = []
        round_totals = []
        for _ in range(args.rounds):
            r0 = time.perf_counter()
            for team in teams:
                samples.append(one_digest(uow, lanes, team)[0])
            round_totals.append(time.perf_counter() - r0)
        sql, locate = sql_only(engine, teams)
        bases = {name: baseline(engine, query) for name, query in BASELINES.items()}

        largest = max(data.open_per_team, key=lambda k: data.open_per_team[k])
        print(
            f"\nquery plans (largest team, {largest}: "
            f"{data.open_per_team[largest]:,} open escalations):"
        )
        plans = {
            "open work items": explain(
                engine,
                "open work items: SELECT escalations.* "
                + _where_only(_sql(engine, work_items_stmt(largest))),
                _sql(engine, work_items_stmt(largest)),
            ),
            "pending approvals": explain(
                engine,
                "pending approvals: SELECT escalations.* "
                + _where_only(_sql(engine, approvals_stmt(largest))),
                _sql(engine, approvals_stmt(largest)),
            ),
        }
        for name, base_sql in BASELINES.items():
            plans[name] = explain(engine, f"baseline {name}: {base_sql}", base_sql)
        return Result(target.name, samples, round_totals, sql, locate, bases, plans)
    finally:
        engine.dispose()


def report(res: Result, rounds: int) -> None:
    s = res.samples
    n_teams = len(s) // rounds
    print(
        f"\n--- {res.name}: {len(s)} digests ({n_teams} teams x {rounds} rounds), "
        f"{min(x.items for x in s):,}-{max(x.items for x in s):,} open items each"
    )
    print(f"{'per digest':22} {'p50':>11} {'p95':>11} {'max':>11}")
    for label, get in (
        ("query + ORM load", lambda x: x.query),
        ("build_digest", lambda x: x.build),
        ("digest_blocks", lambda x: x.render),
        ("total", lambda x: x.total),
    ):
        vals = [get(x) for x in s]
        print(f"  {label:20} {ms(pct(vals, 0.5))} {ms(pct(vals, 0.95))} {ms(max(vals))}")
    print(
        f"  {'SQL + fetch only':20} {ms(pct(res.sql, 0.5))} {ms(pct(res.sql, 0.95))} "
        f"{ms(max(res.sql))}   (the same two statements as Core rows, no ORM)"
    )
    print(
        f"  {'SQL count only':20} {ms(pct(res.locate, 0.5))} {ms(pct(res.locate, 0.95))} "
        f"{ms(max(res.locate))}   (count(*) with the same filters: finding the rows)"
    )
    total = statistics.median(res.round_totals)
    query = sum(x.query for x in s) / rounds
    build = sum(x.build + x.render for x in s) / rounds
    print(
        f"all {n_teams} digests          {ms(total)}  (median of {rounds} rounds; "
        f"query {query / (query + build):.0%}, build + render {build / (query + build):.0%})"
    )
    p50 = pct([x.total for x in s], 0.5)
    p50_sql = pct(res.sql, 0.5)
    p50_locate = pct(res.locate, 0.5)
    names = list(res.bases)
    print(f"{'baselines':22} " + " ".join(f"{n:>15}" for n in names))
    print(f"  {'time':20} " + " ".join(f"{ms(res.bases[n]):>15}" for n in names))
    print("  ratio to each baseline:")
    for label, value in (
        ("digest p50 (total)", p50),
        ("SQL + fetch p50", p50_sql),
        ("SQL count p50", p50_locate),
        (f"all {n_teams} digests", total),
    ):
        print(f"  {label:20} " + " ".join(f"{value / res.bases[n]:14.2f}x" for n in names))


_INDEX_NAME = re.compile(r"(?:Index(?: Only)? Scan using|Bitmap Index Scan on|INDEX) (\w+)")


def verdict(res: Result) -> None:
    """Which indexes the digest's two queries use, and whether either scans the whole table."""
    lines = res.plans["open work items"] + res.plans["pending approvals"]
    used = sorted({m for line in lines for m in _INDEX_NAME.findall(line)})
    full = [
        line.strip().removeprefix("->").split("  (")[0].strip()
        for line in lines
        if "Seq Scan on escalations" in line or line.strip().startswith("SCAN escalations")
    ]
    print(
        f"plan verdict ({res.name}): "
        + (f"uses {', '.join(used)}" if used else "uses no index")
        + (f"; FULL SCAN: {'; '.join(full)}" if full else "; no full scan of escalations")
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        default=None,
        help="default: both when PostgreSQL answers, else sqlite",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="open escalations")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over all teams")
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        metavar="NAME",
        help="drop an existing index in the bench database (measure 'before')",
    )
    parser.add_argument(
        "--with-index",
        action="append",
        default=[],
        metavar="NAME",
        choices=sorted(CANDIDATE_INDEXES),
        help="add a candidate index in the bench database",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    args = parser.parse_args(argv)

    problem = postgres_problem() if args.db in (None, "both", "postgres") else None
    if args.db is None:
        args.db = "both" if problem is None else "sqlite"
        if problem:
            print(f"PostgreSQL not reachable ({problem}): SQLite only")
    if args.db in ("postgres", "both") and problem:
        print(f"PostgreSQL not reachable: {problem}")
        if args.db == "postgres":
            return 0
        args.db = "sqlite"

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    config = bench_config()
    data = build_dataset(config, args.rows)
    # The generated rows (millions of small objects) stay in memory for the second database;
    # a bot's heap has nothing like them, so keep them out of the cyclic collector's full
    # passes, which would otherwise add pauses of most of a second to random digests.
    gc.collect()
    gc.freeze()
    sizes = sorted(data.open_per_team.values())
    print(
        "PSA tickets are not stored yet: the digest reads escalations only, so the rows are "
        "escalations."
    )
    print(
        f"{len(data.rows):,} escalations in one workspace, {len(config.teams)} teams: "
        + ", ".join(f"{n:,} {st}" for st, n in data.by_status.most_common())
    )
    print(
        f"open per team: min {sizes[0]:,}, median {sizes[len(sizes) // 2]:,}, "
        f"max {sizes[-1]:,}; generated in {time.perf_counter() - started:.1f} s"
    )

    results = []
    if args.db in ("sqlite", "both"):
        with sqlite_target() as target:
            results.append(run(target, config, data, args))
    if args.db in ("postgres", "both"):
        with postgres_target(args.keep) as target:
            results.append(run(target, config, data, args))

    print("\n================ summary")
    for res in results:
        report(res, args.rounds)
        verdict(res)
    print(
        f"\nwall time {time.perf_counter() - started:.0f} s; load average "
        f"{load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end ({os.cpu_count()} CPUs: "
        "a busy machine inflates every figure, the ratios less)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
