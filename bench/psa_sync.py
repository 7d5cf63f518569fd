"""PSA ticket sync speed and memory: 100,000 tickets from each fake PSA.

Run from the repository root::

    .venv/bin/python bench/psa_sync.py [--tickets N] [--small N] [--vendors connectwise,autotask,halo]

Each fake PSA (``bot.testing.fake_psa``) runs in a child process, a real HTTP server on a
loopback port, so its work and memory are not counted as the connector's. For each vendor:

- a first sync of ``--tickets`` tickets (default 100,000) into the in-memory store
  (``InMemoryTicketStore``, the baseline: the connector and the fake alone) and then into
  PostgreSQL through the product's own store (``DbTicketStore``: mapping, upsert per page, the
  cursor in the same transaction) in the database ``lanekeeper_bench_psa`` (created and dropped
  through the ``postgres`` maintenance database; ``--no-db`` skips it): tickets per second,
  HTTP requests, requests per 500 tickets (Autotask's budget is 10,000 an hour, shared), and the
  database run's ratio to the baseline;
- peak Python memory (``tracemalloc``) of a first sync of ``--small`` (10,000) and of
  ``--tickets`` tickets into a store that keeps only counts — the connector's and sync
  engine's own memory: flat when pages are streamed;
- an incremental run after 100 tickets changed: its time and requests.

ConnectWise runs with ``resolution_notes=False`` (the per-closed-ticket note lookup is one
request per ticket closed in the window; see ``bot/adapters/psa/connectwise.py``).

It prints figures; it never fails on one (exit 0).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bot.adapters.psa.autotask import AutotaskConnector
from bot.adapters.psa.base import PsaConnector
from bot.adapters.psa.connectwise import ConnectWiseConnector
from bot.adapters.psa.halo import HaloConnector
from bot.adapters.psa.sync import CountingTicketStore, InMemoryTicketStore, sync
from bot.testing.fake_psa import FakeConnectWise, TicketSource
from bot.testing.fake_psa.autotask import FakeAutotask
from bot.testing.fake_psa.halo import FakeHalo

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
FAKES: dict[str, Any] = {"connectwise": FakeConnectWise, "autotask": FakeAutotask, "halo": FakeHalo}


def _serve(vendor: str, count: int, conn: Connection) -> None:
    """Child process: one fake PSA; answers 'update' and 'stop' over the pipe."""
    source = TicketSource(
        count=count, seed=42, end=NOW - timedelta(hours=1), boards=("Service Desk",)
    )
    fake = FAKES[vendor](tickets=source, now=NOW)
    fake.record_bodies = False
    fake.start()
    info = {
        k: getattr(fake, k)
        for k in (
            "company_id",
            "public_key",
            "private_key",
            "client_id",
            "username",
            "secret",
            "integration_code",
            "client_secret",
        )
        if hasattr(fake, k)
    }
    if vendor == "halo":
        info["client_id"] = fake.client_id
    conn.send({"url": fake.url, **info})
    while True:
        command, arg = conn.recv()
        if command == "update":
            later = NOW + timedelta(minutes=10)
            step = max(1, count // arg)
            for i in range(1, count + 1, step)[:arg]:
                source.update(i, at=later - timedelta(minutes=1), summary=f"changed {i}")
            fake.now = later
            conn.send(later)
        elif command == "clear":
            fake.clear_requests()
            conn.send(None)
        else:
            fake.stop()
            conn.send(None)
            return


def _connector(vendor: str, info: dict[str, Any], client: httpx.Client) -> PsaConnector:
    if vendor == "connectwise":
        return ConnectWiseConnector(
            client=client,
            url=info["url"],
            company_id=info["company_id"],
            public_key=info["public_key"],
            private_key=info["private_key"],
            client_id=info["client_id"],
            boards=["Service Desk"],
            resolution_notes=False,
        )
    if vendor == "autotask":
        return AutotaskConnector(
            client=client,
            url=info["url"],
            username=info["username"],
            secret=info["secret"],
            integration_code=info["integration_code"],
            queues=["Service Desk"],
        )
    return HaloConnector(client=client, url=info["url"], client_id=info["client_id"],
                         client_secret=info["client_secret"], teams=["Service Desk"])  # fmt: skip


class Fake:
    def __init__(self, vendor: str, count: int) -> None:
        self.parent, child = mp.Pipe()
        self.process = mp.Process(target=_serve, args=(vendor, count, child), daemon=True)
        self.process.start()
        self.info: dict[str, Any] = self.parent.recv()

    def call(self, command: str, arg: Any = None) -> Any:
        self.parent.send((command, arg))
        return self.parent.recv()

    def close(self) -> None:
        self.call("stop")
        self.process.join(timeout=10)


def _peak(vendor: str, count: int) -> tuple[float, int]:
    fake = Fake(vendor, count)
    try:
        with httpx.Client() as client:
            store = CountingTicketStore()
            tracemalloc.start()
            sync(_connector(vendor, fake.info, client), store, now=NOW)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        return peak / 1e6, store.count
    finally:
        fake.close()


def run(vendor: str, tickets: int, small: int, *, db: bool = True) -> None:
    print(f"\n== {vendor} ==")
    fake = Fake(vendor, tickets)
    try:
        with httpx.Client() as client:
            connector = _connector(vendor, fake.info, client)
            store = InMemoryTicketStore()
            started = time.perf_counter()
            report = sync(connector, store, now=NOW)
            elapsed = time.perf_counter() - started
            baseline = report.stored / elapsed
            print(f"first sync: {report.stored:,} tickets in {elapsed:.2f}s = "
                  f"{report.stored / elapsed:,.0f} tickets/s; {report.requests} requests "
                  f"({report.pages} pages) = {report.requests / (report.stored / 500):.2f} "
                  f"requests per 500 tickets; error: {report.error}")  # fmt: skip
            later = fake.call("update", 100)
            started = time.perf_counter()
            incremental = sync(connector, store, now=later)
            elapsed = time.perf_counter() - started
            print(f"incremental after 100 changed: {incremental.stored} tickets in "
                  f"{elapsed * 1000:.0f} ms, {incremental.requests} requests; total stored "
                  f"{len(store.tickets):,}")  # fmt: skip
    finally:
        fake.close()
    if db:
        run_db(vendor, tickets, baseline)
    small_peak, small_count = _peak(vendor, small)
    big_peak, big_count = _peak(vendor, tickets)
    print(f"peak memory (connector + sync, counting store): {small_count:,} tickets "
          f"{small_peak:.1f} MB; {big_count:,} tickets {big_peak:.1f} MB "
          f"(ratio {big_peak / small_peak:.2f} for {big_count / max(small_count, 1):.0f}x the tickets)")  # fmt: skip


POSTGRES_ADMIN_URL = os.environ.get(
    "LANEKEEPER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BENCH_DB = "lanekeeper_bench_psa"


def _admin(sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def run_db(vendor: str, tickets: int, baseline: float) -> None:
    """The same first sync and incremental run into PostgreSQL through DbTicketStore."""
    from sqlalchemy.engine import make_url

    from bot.adapters.db import make_engine, make_session_factory, upgrade
    from bot.adapters.uow import UnitOfWork
    from bot.domain.lanes import PsaSettings
    from bot.services.tickets import TicketMapper, sync_psa
    from bot.testing.fake_psa._data import PRIORITIES

    _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin(f"CREATE DATABASE {BENCH_DB}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=BENCH_DB).render_as_string(hide_password=False)
    engine = make_engine(url)
    fake = Fake(vendor, tickets)
    try:
        upgrade(url)
        sessions = make_session_factory(engine)
        psa = PsaSettings(
            kind=vendor,  # type: ignore[arg-type]
            url="http://unused",
            teams={"Service Desk": "service-desk"},
            severities={name: f"P{i + 1}" for i, name in enumerate(PRIORITIES)},
        )
        with httpx.Client() as client:
            connector = _connector(vendor, fake.info, client)
            started = time.perf_counter()
            report = sync_psa(
                lambda: UnitOfWork(sessions), connector, TicketMapper(psa),
                slack_team_id="T0BENCH", now=NOW,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            rate = report.stored / elapsed
            print(f"first sync into PostgreSQL: {report.stored:,} tickets in {elapsed:.2f}s = "
                  f"{rate:,.0f} tickets/s ({rate / baseline:.2f}x the in-memory baseline); "
                  f"error: {report.error}")  # fmt: skip
            later = fake.call("update", 100)
            started = time.perf_counter()
            incremental = sync_psa(
                lambda: UnitOfWork(sessions), connector, TicketMapper(psa),
                slack_team_id="T0BENCH", now=later,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            print(f"incremental into PostgreSQL after 100 changed: {incremental.stored} tickets "
                  f"in {elapsed * 1000:.0f} ms, {incremental.requests} requests")  # fmt: skip
    finally:
        fake.close()
        engine.dispose()
        _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--vendors", default="connectwise,autotask,halo")
    parser.add_argument("--no-db", action="store_true", help="skip the PostgreSQL runs")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}; cpus: {os.cpu_count()}")
    print("tickets generated in the fake: all on 'Service Desk', opened over the last 7 weeks; "
          "the first sync reads the open ones and those closed in the last 8 weeks (all of them)")  # fmt: skip
    for vendor in args.vendors.split(","):
        run(vendor.strip(), args.tickets, args.small, db=not args.no_db)


if __name__ == "__main__":
    main()
