"""CPU per stored message in ``lanekeeper deliver`` (LANEKEEPER_DELIVERY=worker), against a bare
Bolt app handling the same events in the same process (issue 19).

``load.py`` times what senders wait for at a fixed rate; on a 2-core box shared by serve,
PostgreSQL, the fake Slack and the generator that figure moves with everything else running.
This one asks the question behind it: how much CPU does the deliver process spend per ping, and
how many pings a second can one deliver process handle? Both are what decide how many worker
processes a host needs.

It stores ``--messages`` pings to protected people in ``slack_inbox`` (as ``serve`` does: each
from its own sender, its own text from the labelled set), then starts the worker exactly as
``lanekeeper deliver`` builds it (``cli_serve._inbox_worker``) and measures this process's CPU
time and the wall time until every ping is handled and every offer posted. The fake Slack runs in
a child process (``--latency`` per call, 100 ms by default), so its CPU is not counted.

The baseline, in the same run: a bare ``slack_bolt.App`` (request verification off, as the
worker's) whose message listener posts one ephemeral, fed the same event bodies through
``App.dispatch`` on 16 threads. Run from the repository root::

    .venv/bin/python bench/worker_drain.py [--messages 2000] [--db postgres|sqlite]

It prints CPU ms per message, messages a second through one process, and Lanekeeper's ratio to
the bare app. It needs PostgreSQL at ``--pg-url`` unless ``--db sqlite``; it creates and drops the
database ``lanekeeper_drainbench``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import load  # noqa: E402  (bench/load.py: the same users, channels, texts and senders)

DB_NAME = "lanekeeper_drainbench"


def _fake_main(conn: Any, latency: float, senders: int) -> None:
    """The fake Slack, in its own process: answers ``count`` with its chat.postEphemeral
    calls so far, ``stop`` to end."""
    from bot.testing import FakeSlack

    fake = FakeSlack(bot_token=load.TOKEN, team_id=load.TEAM, latency=latency)
    fake.start()
    for uid in load.USERS:
        fake.add_user(uid, name=uid.lower(), real_name=uid.title())
    fake.add_usergroup("S01MANAGERS", users=["U01SM", "U01LEAD"])
    for channel in load.CHANNELS:
        fake.add_channel(channel, name=channel.lower(), members=load.USERS)
    fake.add_members(load.EVENT_CHANNEL, *[load.sender_id(n) for n in range(senders)])
    conn.send(fake.api_url)
    while True:
        what = conn.recv()
        if what == "stop":
            break
        conn.send(len(fake.calls_to("chat.postEphemeral")))
    fake.stop()


class Fake:
    def __init__(self, latency: float, senders: int) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_fake_main, args=(child, latency, senders), daemon=True)
        self.proc.start()
        self.api_url: str = self._conn.recv()
        self._lock = threading.Lock()

    def ephemerals(self) -> int:
        with self._lock:
            self._conn.send("count")
            return int(self._conn.recv())

    def stop(self) -> None:
        self._conn.send("stop")
        self.proc.join(10)


def event_body(n: int, texts: list[str]) -> tuple[str, str]:
    """A ping stored as serve stores it: (request key, JSON body)."""
    ts = f"{int(time.time())}.{n:06d}"
    text = f"{texts[n % len(texts)]} (ref {n})"
    payload = {
        "token": "fake-verification-token",
        "team_id": load.TEAM,
        "api_app_id": "A0LANE",
        "event": {
            "type": "message",
            "channel": load.EVENT_CHANNEL,
            "user": load.sender_id(n),
            "text": text,
            "team": load.TEAM,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
        },
        "type": "event_callback",
        "event_id": f"EvDRAIN{n:08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": load.TEAM, "user_id": "U0LANEBOT", "is_bot": True}],
    }
    return f"event:{load.TEAM}:EvDRAIN{n:08d}", json.dumps(payload)


def settle(fake: Fake, done: Any, timeout: float = 300.0) -> int:
    """Wait until ``done()`` and the fake's ephemeral count stops moving; that count."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = fake.ephemerals()
        if count != last:
            last, since = count, time.monotonic()
        elif done() and time.monotonic() - since > 0.5:
            return count
        time.sleep(0.05)
    raise TimeoutError("the worker did not finish")


def run_lanekeeper(db_url: str, fake: Fake, bodies: list[tuple[str, str]]) -> dict[str, float]:
    os.environ.update(
        {
            "SLACK_BOT_TOKEN": load.TOKEN,
            "SLACK_SIGNING_SECRET": load.SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": db_url,
            "LANEKEEPER_CONFIG": str(load.LANES_FILE),
            "LANEKEEPER_DELIVERY": "worker",
        }
    )
    from bot.cli_common import build_container, load_settings
    from bot.cli_serve import _inbox_worker

    container = build_container(load_settings())
    inbox = container.inbox()
    rows = [
        inbox.row(kind="message", content_type="application/json", body=body, key=key)
        for key, body in bodies
    ]
    for i in range(0, len(rows), 500):
        inbox.store_many(rows[i : i + 500])
    worker = _inbox_worker(container)
    before = fake.ephemerals()
    cpu, wall = time.process_time(), time.perf_counter()
    worker.start(interval=0.05)
    sent = settle(fake, lambda: inbox.backlog()[0] == 0 and container.wait_idle(0.01)) - before
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall - 0.5
    worker.stop()
    container.close()
    return {"cpu": cpu, "wall": wall, "sent": sent}


def run_bare(fake: Fake, bodies: list[tuple[str, str]]) -> dict[str, float]:
    from slack_bolt import App
    from slack_bolt.request import BoltRequest
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=load.TOKEN, base_url=fake.api_url),
        signing_secret=load.SECRET,
        request_verification_enabled=False,
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=64),
    )

    @app.event("message")
    def message(event: dict[str, Any], client: Any) -> None:
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], text=f"bench {event['ts']}"
        )

    pending = [len(bodies)]
    lock = threading.Lock()

    def dispatch(body: str) -> None:
        app.dispatch(
            BoltRequest(body=body, headers={"content-type": ["application/json"]}, mode="http")
        )
        with lock:
            pending[0] -= 1

    before = fake.ephemerals()
    cpu, wall = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _key, body in bodies:
            pool.submit(dispatch, body)
        sent = settle(fake, lambda: pending[0] == 0) - before
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall - 0.5
    return {"cpu": cpu, "wall": wall, "sent": sent}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="fake Slack seconds per call")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile every thread of the Lanekeeper run (thread CPU time) into FILE (+ .txt)",
    )
    args = parser.parse_args(argv)

    texts = load.request_texts()
    bodies = [event_body(n, texts) for n in range(args.messages)]
    fake = Fake(args.latency, args.messages)
    workdir = Path(tempfile.mkdtemp(prefix="lanekeeper-drain-"))
    load.DB_NAME = DB_NAME  # load.database() creates and drops it
    try:
        bare = run_bare(fake, bodies)
        with load.database(args.db, args.pg_url, workdir) as db_url:
            profiles = load._ThreadProfiles() if args.profile else None
            if profiles is not None:
                profiles.install()
            lk = run_lanekeeper(db_url, fake, bodies)
            if profiles is not None:
                threading.setprofile(None)  # type: ignore[arg-type]
                profiles.dump(args.profile)
    finally:
        fake.stop()

    n = args.messages
    print(
        f"\n{n} stored pings, fake Slack at {args.latency * 1000:.0f} ms, {args.db}, "
        f"one process (load average {os.getloadavg()[0]:.2f})\n"
    )
    print(f"{'app':<22}{'offers sent':>12}{'CPU ms/msg':>12}{'msgs/s':>10}{'wall s':>9}")
    for name, r in (("bare Bolt (reply only)", bare), ("lanekeeper deliver", lk)):
        print(
            f"{name:<22}{int(r['sent']):>12}{r['cpu'] / n * 1000:>12.2f}"
            f"{n / max(r['wall'], 1e-9):>10.0f}{r['wall']:>9.1f}"
        )
    print(f"\nratio, CPU per message: {lk['cpu'] / max(bare['cpu'], 1e-9):.2f}")
    print("(offers sent < pings: the rules' misses on the labelled requests get no offer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
