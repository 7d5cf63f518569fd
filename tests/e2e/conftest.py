"""The running app over HTTP, against the fake Slack, on each database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from waitress.server import create_server

from bot.adapters.models import Escalation, OutboxMessage, TimelineEntry
from bot.bootstrap import Container, build
from bot.config.loader import load_config
from bot.settings import Settings
from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import SlackClientSimulator
from tests.conftest import FIXTURES

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0LANE"
USERS = ["U01TECH1", "U01TECH2", "U01TECH3", "U01LEAD", "U01SM", "U01ADMIN", "U01REQ", "U02OTHER"]


class FakeClock:
    """The app's clock: real time until a test sets it, then that time (moved with ``set``)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def set(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at if self.at is not None else datetime.now(UTC)


@dataclass
class Harness:
    url: str
    fake: FakeSlack
    slack: SlackClientSimulator
    container: Container
    clock: FakeClock

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the outbox is empty: every post went out or was refused for good
        (retries scheduled for later, after a 500 or a 429, are waited for too)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.container.wait_idle(max(0.0, deadline - time.monotonic()))
            self.container.deliverer.deliver_due()
            with self.container.sessions() as s:
                pending = s.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.delivered_at.is_(None),
                        OutboxMessage.failed_at.is_(None),
                    )
                )
            if not pending and self.container.wait_idle(0):
                return
            time.sleep(0.05)
        raise AssertionError("outbox did not settle")

    def escalation(self, number: int = 1) -> Escalation:
        with self.container.sessions() as s:
            row = s.scalar(select(Escalation).where(Escalation.number == number))
            assert row is not None, f"ESC-{number} not stored"
            s.expunge(row)
            return row

    def escalations(self) -> list[Escalation]:
        with self.container.sessions() as s:
            rows = list(s.scalars(select(Escalation).order_by(Escalation.number)))
            for r in rows:
                s.expunge(r)
            return rows

    def timeline(self, number: int = 1) -> list[TimelineEntry]:
        esc = self.escalation(number)
        with self.container.sessions() as s:
            rows = list(
                s.scalars(
                    select(TimelineEntry)
                    .where(TimelineEntry.escalation_id == esc.id)
                    .order_by(TimelineEntry.id)
                )
            )
            for r in rows:
                s.expunge(r)
            return rows

    def lane_message(self, number: int = 1) -> dict[str, Any]:
        esc = self.escalation(number)
        assert esc.lane_ts, "lane message not posted"
        for m in self.fake.messages(esc.lane_channel):
            if m.get("ts") == esc.lane_ts:
                return m
        raise AssertionError("lane message not in the fake Slack")


def reply_text(resp: Any) -> str:
    """What the person sees of an acknowledgement: Bolt sends plain text or JSON with text."""
    try:
        body = resp.json()
    except ValueError:
        return str(resp.text)
    return str(body.get("text", "")) if isinstance(body, dict) else str(resp.text)


def stop_server(server: Any, thread: threading.Thread) -> None:
    """Close waitress from inside its own loop: closing its sockets from another thread while
    it waits on them fails now and then with "Bad file descriptor"."""
    from waitress import wasyncore

    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM)
    fake.start()
    for uid in USERS:
        fake.add_user(uid, name=uid.lower(), real_name=uid.title())
    fake.add_usergroup("S01MANAGERS", users=["U01SM", "U01LEAD"])
    for channel in ("C01DESK", "C01NOC", "C01ESC", "C01GENERAL"):
        fake.add_channel(channel, name=channel.lower(), members=USERS)
    yield fake
    fake.stop()


@contextmanager
def running(
    db_url: str, fake: FakeSlack, config: Path = FIXTURES / "lanes.yaml", **settings: Any
) -> Iterator[Harness]:
    """The app over HTTP (waitress on a free port, its outbox delivering) on the lanes file
    ``config``, with any further ``settings``; stopped on the way out."""
    container = build(
        Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            database_url=db_url,
            lanekeeper_config=str(config),
            lanekeeper_listener_threads=16,
            **settings,
        ),
        config=load_config(config),
        clock=(clock := FakeClock()),
    )
    container.deliverer.start(interval=0.2)
    server = create_server(container.web_app(), host="127.0.0.1", port=0, threads=8)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/slack/events"
    slack = SlackClientSimulator(
        app_url=url, signing_secret=SIGNING_SECRET, fake=fake, team_id=TEAM
    )
    try:
        yield Harness(url=url, fake=fake, slack=slack, container=container, clock=clock)
    finally:
        slack.close()
        stop_server(server, thread)
        container.close()


@pytest.fixture
def app(db_url: str, fake_slack: FakeSlack) -> Iterator[Harness]:
    with running(db_url, fake_slack) as harness:
        yield harness
