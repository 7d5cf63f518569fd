"""Alert intake speed: alerts accepted per second by one ``lanekeeper serve`` process on
PostgreSQL, and the answer time at a steady 50 alerts/s, beside Slack's acks in the same run.

Run from the repository root::

    .venv/bin/python bench/alerts.py [--seconds 15] [--rate 50] [--workers 16]

A real ``lanekeeper serve`` subprocess (waitress, its outbox deliverer running) serves the lanes
of ``tests/fixtures/lanes.yaml`` against a private schema of the PostgreSQL at
``LANEKEEPER_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
and a local fake Slack (``bot.testing.fake_slack``). Every alert has its own key (a new
escalation each: the heaviest case, a storm, so the lane channel gets one roll-up message).

1. **Throughput**: ``--workers`` closed-loop senders post alerts as fast as answers come
   (generic and Alertmanager bodies in turn) for ``--seconds``: accepted alerts per second.
2. **Steady rate**: alerts sent open-loop on a fixed schedule at ``--rate`` per second for
   ``--seconds`` (never waiting for an answer before the next), while a Slack client sends a
   signed ``/lanes`` slash command every 200 ms: the alerts' answer time p50 / p95 / p99 / max
   and Slack's ack time beside it (its target: well under 3 s).

It prints figures and always exits 0 (it asserts nothing). Everything is on loopback.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.db import upgrade  # noqa: E402
from bot.adapters.models import AlertRollup, Escalation, OutboxMessage  # noqa: E402
from bot.testing import alert_payloads as ap  # noqa: E402
from bot.testing.fake_slack import FakeSlack  # noqa: E402
from bot.testing.requests import SlackClientSimulator  # noqa: E402

PG_URL = os.environ.get(
    "LANEKEEPER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TOKEN = "bench-alert-token-" + uuid.uuid4().hex
BOT_TOKEN = "xoxb-bench"
SECRET = "bench-signing-secret"
TEAM = "T0LANE"
USERS = ["U01TECH1", "U01TECH2", "U01TECH3", "U01LEAD", "U01SM", "U01ADMIN", "U01REQ"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bodies:
    """Distinct alerts, generic and Alertmanager in turn."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.n = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[str, bytes]:
        with self.lock:
            self.n += 1
            n = self.n
        if n % 2:
            alert = ap.generic_alert(
                f"{self.run}-{n}", title=f"WS{n:05d} offline", device=f"ACME-WS{n:05d}"
            )
            return "generic", ap.json_body(alert)
        one = ap.alertmanager_alert(
            "HostDown", labels={"instance": f"h{n}:9100", "client": "Acme", "run": self.run}
        )
        return "alertmanager", ap.alertmanager_body(ap.alertmanager_notification([one]))


class Sender:
    def __init__(self, base: str) -> None:
        self.base = base
        self.local = threading.local()
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}

    def client(self) -> httpx.Client:
        c = getattr(self.local, "client", None)
        if c is None:
            c = self.local.client = httpx.Client(timeout=30)
        return c

    def post(self, source: str, body: bytes) -> int:
        try:
            return (
                self.client()
                .post(self.base + source, content=body, headers=self.headers)
                .status_code
            )
        except httpx.HTTPError:
            return 0


def throughput(sender: Sender, bodies: Bodies, workers: int, seconds: float) -> None:
    lock = threading.Lock()
    statuses: list[int] = []
    times: list[float] = []
    stop = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < stop:
            source, body = bodies.next()
            started = time.perf_counter()
            status = sender.post(source, body)
            took = time.perf_counter() - started
            with lock:
                statuses.append(status)
                times.append(took)

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    begun = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - begun
    ok = sum(1 for s in statuses if 200 <= s < 300)
    print(
        f"throughput, {workers} senders for {seconds:.0f} s: {ok} alerts accepted "
        f"({ok / elapsed:.0f}/s), {len(statuses) - ok} not 2xx; answer p50 "
        f"{ms(percentile(times, 50))}, p99 {ms(percentile(times, 99))}, max {ms(max(times))}"
    )


def steady(
    sender: Sender, bodies: Bodies, slack: SlackClientSimulator, rate: float, seconds: float
) -> None:
    count = int(rate * seconds)
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    acks: list[float] = []
    ack_statuses: list[int] = []
    done = threading.Event()
    planned = [bodies.next() for _ in range(count)]

    def slack_loop() -> None:
        while not done.is_set():
            started = time.perf_counter()
            try:
                status = slack.slash_command(
                    "/lanes", "", user="U01TECH1", channel="C01DESK"
                ).status_code
            except httpx.HTTPError:
                status = 0
            acks.append(time.perf_counter() - started)
            ack_statuses.append(status)
            done.wait(0.2)

    def send(at: float, source: str, body: bytes) -> None:
        status = sender.post(source, body)
        took = time.monotonic() - at  # from its scheduled time: a late send counts
        with lock:
            results.append((status, took))

    slacker = threading.Thread(target=slack_loop)
    slacker.start()
    lag = 0.0
    with ThreadPoolExecutor(max_workers=64) as pool:
        start = time.monotonic() + 0.2
        for i, (source, body) in enumerate(planned):
            at = start + i / rate
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                lag = max(lag, -wait)
            pool.submit(send, at, source, body)
    done.set()
    slacker.join()
    times = [t for _s, t in results]
    ok = sum(1 for s, _t in results if 200 <= s < 300)
    print(
        f"steady {rate:.0f} alerts/s for {seconds:.0f} s: {ok}/{count} accepted; answer p50 "
        f"{ms(percentile(times, 50))}, p95 {ms(percentile(times, 95))}, "
        f"p99 {ms(percentile(times, 99))}, max {ms(max(times))} (sender lag max {ms(lag)})"
    )
    slow = sum(1 for a in acks if a > 3)
    good = sum(1 for s in ack_statuses if s == 200)
    print(
        f"  Slack /lanes acks in the same seconds: {good}/{len(acks)} 200; p50 "
        f"{ms(percentile(acks, 50))}, p99 {ms(percentile(acks, 99))}, max {ms(max(acks))}, "
        f"{slow} over 3 s"
    )


def private_schema() -> tuple[str, str]:
    schema = f"lk_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--workers", type=int, default=16)
    opts = parser.parse_args(argv)

    schema, db_url = private_schema()
    upgrade(db_url)
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM)
    fake.start()
    for uid in USERS:
        fake.add_user(uid, name=uid.lower(), real_name=uid.title())
    for channel in ("C01DESK", "C01NOC", "C01ESC", "C01GENERAL"):
        fake.add_channel(channel, name=channel.lower(), members=USERS)
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="lanekeeper-bench-alerts-"))
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "LANEKEEPER_CONFIG": str(ROOT / "tests" / "fixtures" / "lanes.yaml"),
        "PORT": str(port),
        "LANEKEEPER_LOG_LEVEL": "WARNING",
        "LANEKEEPER_ALERT_TOKEN_GENERIC": TOKEN,
        "LANEKEEPER_ALERT_TOKEN_ALERTMANAGER": TOKEN,
    }
    log = (workdir / "serve.log").open("w")
    lanekeeper = str(Path(sys.executable).parent / "lanekeeper")
    proc = subprocess.Popen([lanekeeper, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    engine = create_engine(db_url)
    try:

        def healthy() -> bool:
            try:
                return httpx.get(base + "/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        if not wait_until(healthy, 30):
            print(f"lanekeeper serve did not start; see {workdir / 'serve.log'}")
            return 0
        sender = Sender(base + "/hooks/alerts/")
        run = uuid.uuid4().hex[:6]
        bodies = Bodies(run)
        for _ in range(20):  # warm up (not counted)
            sender.post(*bodies.next())
        print(
            f"lanekeeper serve (pid {proc.pid}, {os.cpu_count()} cores on this machine), "
            f"PostgreSQL schema {schema}"
        )
        throughput(sender, bodies, opts.workers, opts.seconds)
        time.sleep(3)  # the storm window passes; the outbox catches up
        slack = SlackClientSimulator(
            app_url=base + "/slack/events", signing_secret=SECRET, fake=fake, team_id=TEAM
        )
        steady(sender, bodies, slack, opts.rate, opts.seconds)
        slack.close()

        def drained() -> bool:
            with engine.connect() as conn:
                pending = conn.execute(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                    )
                ).scalar_one()
            return int(pending) == 0

        started = time.monotonic()
        emptied = wait_until(drained, 120)
        with engine.connect() as conn:
            escalations = conn.execute(select(func.count(Escalation.id))).scalar_one()
            rollups = conn.execute(select(func.count(AlertRollup.id))).scalar_one()
        posts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01ESC"]
        updates = fake.calls_to("chat.update")
        print(
            f"stored: {escalations} escalations; the lane channel got {len(posts)} posts "
            f"({rollups} roll-up messages) and {len(updates)} edits; outbox "
            + (
                f"drained {time.monotonic() - started:.0f} s after the last alert"
                if emptied
                else "not drained in 120 s"
            )
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        fake.stop()
        engine.dispose()
        cleanup = create_engine(PG_URL)
        with cleanup.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        cleanup.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
