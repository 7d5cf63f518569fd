"""LANEKEEPER_DELIVERY=separate (issue 19): ``lanekeeper serve`` stores posts and sends none;
``lanekeeper deliver`` sends them, woken by NOTIFY on PostgreSQL and by its poll on SQLite, and
stops on SIGTERM like ``serve`` (posts in flight finish, the rest released, exit 0).

Real processes against the fake Slack (a real HTTP server). Which process sent a post is read
from its outbox row: ``claimed_by`` is ``<pid>-<random>`` of the process that claimed it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from bot.adapters.db import upgrade
from bot.adapters.models import OutboxMessage
from bot.adapters.outbox_wakeup import OutboxListener, OutboxNotifier
from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import SlackClientSimulator
from tests.conftest import drop_schema, private_schema
from tests.e2e.test_many_processes import (
    CHANNELS,
    SECRET,
    TEAM,
    TOKEN,
    USERS,
    Fleet,
    Proc,
    _postgres_url,
    lanes_file,
    open_modal,
    outbox_id,
    submit,
)

pytestmark = [pytest.mark.processes]


def _fleet(fake: FakeSlack, url: str, workdir: Path, **extra: str) -> Fleet:
    for uid in USERS:
        fake.add_user(uid, name=uid.lower(), real_name=uid.title())
    fake.add_usergroup("S01MANAGERS", users=["U01SM", "U01LEAD"])
    for channel in CHANNELS:
        fake.add_channel(channel, name=channel.lower(), members=USERS)
    lanes_file(workdir / "lanekeeper.yaml", datetime.now(UTC))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_", "WEB_CONCURRENCY"))
    }
    env.update(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": url,
            "LANEKEEPER_CONFIG": str(workdir / "lanekeeper.yaml"),
            "LANEKEEPER_WEB_THREADS": "8",
            "LANEKEEPER_LISTENER_THREADS": "8",
            "LANEKEEPER_DELIVERY_THREADS": "2",
            "LANEKEEPER_DELIVERY": "separate",
            **extra,
        }
    )
    return Fleet(fake=fake, url=url, engine=create_engine(url), workdir=workdir, env=env)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack(bot_token=TOKEN, team_id=TEAM).start()
    yield fake
    fake.stop()


def _start(fleet: Fleet) -> tuple[Proc, Proc]:
    web = fleet.start("web", "serve")
    fleet.wait_healthy(web)
    fleet.sims["web"] = SlackClientSimulator(
        app_url=f"{web.base}/slack/events", signing_secret=SECRET, fake=fleet.fake, team_id=TEAM
    )
    return web, fleet.start("deliver", "deliver")


def _stop_all(fleet: Fleet) -> None:
    for sim in fleet.sims.values():
        sim.close()
    for proc in fleet.procs.values():
        if proc.popen.poll() is None:
            proc.popen.kill()
            proc.popen.wait(timeout=10)
    fleet.engine.dispose()


def escalate(fleet: Fleet, text: str, client: str) -> Any:
    """/escalate and its modal through the web; returns the escalation once its lane message
    is in Slack."""
    view = open_modal(fleet, "web", text)
    submit(fleet, "web", view, "U01REQ", client=client)
    return fleet.escalation(text.split(" ", 2)[2], timeout=30)


def claimers(fleet: Fleet) -> set[str]:
    """The process ids that claimed the delivered rows."""
    rows = fleet.rows(
        select(OutboxMessage.claimed_by).where(OutboxMessage.delivered_at.is_not(None))
    )
    return {str(r.claimed_by).partition("-")[0] for r in rows}


def lane_posts(fleet: Fleet, esc: Any) -> list[Any]:
    lane_ids = set(
        fleet.rows(
            select(OutboxMessage.id).where(
                OutboxMessage.kind == "lane_message", OutboxMessage.escalation_id == esc.id
            )
        )
    )
    ids = {i for (i,) in lane_ids}
    return [c for c in fleet.fake.calls_to("chat.postMessage") if c.ok and outbox_id(c) in ids]


def held(fleet: Fleet) -> int:
    """Rows still claimed and not settled."""
    return int(
        fleet.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.claimed_until.is_not(None),
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None),
            )
        )
    )


def test_postgres_deliver_process_sends_what_serve_stores_and_stops_on_sigterm(
    fake: FakeSlack, tmp_path: Path
) -> None:
    base_url = _postgres_url()
    schema, url = private_schema(base_url)
    upgrade(url)
    fleet = _fleet(fake, url, tmp_path)
    try:
        web, deliver = _start(fleet)
        esc = escalate(fleet, "alert P2 Backups failed three nights", "Acme Dental")
        assert len(lane_posts(fleet, esc)) == 1
        escalate(fleet, "coverage P3 Cover the Thursday shift", "Globex")
        escalate(fleet, "client-request P2 Acme wants the migration this week", "Acme")
        fleet.wait(lambda: fleet.pending() == 0, "the outbox to drain", 30)
        # Every delivered row was claimed by the deliver process; serve sent none.
        assert claimers(fleet) == {str(deliver.popen.pid)}
        assert web.popen.poll() is None

        # SIGTERM while a post is in flight (Slack answers it 3 s late): it finishes, the
        # process releases what it still holds and exits 0.
        fake.answer_late("chat.postMessage", 3.0)
        before = len(fake.calls_to("chat.postMessage"))
        view = open_modal(fleet, "web", "alert P1 Firewall offline at Stark")
        submit(fleet, "web", view, "U01REQ", client="Stark")
        fake.wait_for("chat.postMessage", count=before + 1, timeout=20)
        deliver.popen.send_signal(signal.SIGTERM)
        assert deliver.popen.wait(timeout=40) == 0, deliver.output()
        out = deliver.output()
        assert "Traceback" not in out, out
        assert len([ln for ln in out.splitlines() if "stopped on SIGTERM" in ln]) == 1, out
        assert held(fleet) == 0
        stark = fleet.escalation("Firewall offline at Stark", timeout=5)
        assert len(lane_posts(fleet, stark)) == 1
        assert claimers(fleet) == {str(deliver.popen.pid)}
    finally:
        _stop_all(fleet)
        drop_schema(base_url, schema)


def test_sqlite_deliver_process_polls(fake: FakeSlack, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lanekeeper.db'}"
    upgrade(url)
    fleet = _fleet(fake, url, tmp_path)
    try:
        _web, deliver = _start(fleet)
        esc = escalate(fleet, "alert P2 Backups failed three nights", "Acme Dental")
        assert len(lane_posts(fleet, esc)) == 1
        fleet.wait(lambda: fleet.pending() == 0, "the outbox to drain", 30)
        assert claimers(fleet) == {str(deliver.popen.pid)}
        deliver.popen.send_signal(signal.SIGTERM)
        assert deliver.popen.wait(timeout=40) == 0, deliver.output()
        assert held(fleet) == 0
    finally:
        _stop_all(fleet)


@pytest.mark.postgres
def test_notify_after_a_commit_wakes_the_listener() -> None:
    """The wiring on its own: a NOTIFY from the web side wakes the deliver side's workers."""
    base_url = _postgres_url()
    engine = create_engine(base_url)
    woken = threading.Event()
    listener = OutboxListener(
        engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
        woken.set,
    ).start()
    try:
        assert listener.listening.wait(20)
        woken.clear()  # the wake-up every (re)connection gives
        OutboxNotifier(engine).notify()
        assert woken.wait(20)
    finally:
        listener.stop()
        engine.dispose()


@pytest.mark.postgres
def test_stored_requests_wake_the_request_handler_and_not_the_outbox() -> None:
    """Each NOTIFY wakes only whoever has work: stored Slack requests the worker's handler,
    stored posts the outbox's workers (one channel for both set every outbox worker claiming on
    every stored request, a fifth of the deliver process's time at 200 requests/s)."""
    from sqlalchemy import text

    from bot.adapters.outbox_wakeup import INBOX_CHANNEL

    engine = create_engine(_postgres_url())
    posts, requests = threading.Event(), threading.Event()
    listener = OutboxListener(
        engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
        posts.set,
        also={INBOX_CHANNEL: requests.set},
    ).start()
    try:
        assert listener.listening.wait(20)
        assert posts.wait(5) and requests.wait(5)  # each woken once on (re)connecting
        posts.clear()
        requests.clear()
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_notify(:c, '')"), {"c": INBOX_CHANNEL})
        assert requests.wait(20)
        assert not posts.wait(1.5)
        OutboxNotifier(engine).notify()
        assert posts.wait(20)
    finally:
        listener.stop()
        engine.dispose()


def test_a_bad_delivery_setting_is_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANEKEEPER_")}
    env["LANEKEEPER_DELIVERY"] = "sometimes"
    db = tmp_path / "untouched.db"
    env["DATABASE_URL"] = f"sqlite:///{db}"
    done = subprocess.run(
        [sys.executable, "-m", "lanekeeper", "deliver"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        "LANEKEEPER_DELIVERY" in done.stderr and "'inline', 'separate' or 'worker'" in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert not db.exists()
