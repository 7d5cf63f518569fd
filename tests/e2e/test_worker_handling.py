"""LANEKEEPER_DELIVERY=worker (issue 19): ``lanekeeper serve`` checks a Slack request's signature
and shape, stores it and answers 200 at once; ``lanekeeper deliver`` handles it through the Bolt
app and sends the posts. Real processes against the fake Slack (a real HTTP server).

What must hold: every deferrable request (message events, clicks, slash commands) is acked
with an empty 200 whether or not a worker runs, and handled once one does; a view submission is
still answered by ``serve`` (its answer may carry errors); a slash command's ack text reaches
the person through its response URL; Slack's retry of an event is one request; a handled
request leaves nothing in the inbox.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.adapters.db import upgrade
from bot.adapters.models import Interception, SlackInboxRequest
from bot.testing.fake_slack import FakeSlack
from tests.conftest import drop_schema, private_schema
from tests.e2e.test_inbox_front import PING, ping_and_retry
from tests.e2e.test_many_processes import TEAM, TOKEN, Fleet, _postgres_url, submit
from tests.e2e.test_separate_delivery import _fleet, _start, _stop_all, claimers

pytestmark = [pytest.mark.processes]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack(bot_token=TOKEN, team_id=TEAM).start()
    yield fake
    fake.stop()


def inbox(fleet: Fleet) -> int:
    return int(fleet.scalar(select(func.count(SlackInboxRequest.id))))


def offers(fleet: Fleet) -> list[dict]:
    return [
        e
        for e in fleet.fake.ephemerals("C01GENERAL", user="U01REQ")
        if any(b.get("block_id") == "route" for b in e.get("blocks") or [])
    ]


def drive(fleet: Fleet) -> None:
    """A ping, its retry, its offer clicked into a modal, the modal submitted, and /focus."""
    sim = fleet.sims["web"]
    # Slack retries what it thinks failed: the same event id is one request.
    ping_and_retry(sim, "EvWORKER0001")
    offer = fleet.wait(lambda: offers(fleet), "the lane offer", 30)[0]
    before = len(fleet.fake.calls_to("views.open"))
    click = sim.click(offer, "route:alert", user="U01REQ")
    assert (click.status_code, click.content) == (200, b"")
    view = fleet.fake.wait_for("views.open", count=before + 1, timeout=30)[-1].response["view"]
    # The submission is answered by serve itself (not stored): its answer may carry errors.
    submit(fleet, "web", view, "U01REQ", client="Acme", summary="Intercepted: Acme")
    fleet.escalation("Intercepted: Acme", timeout=30)

    replies = len(fleet.fake.calls_to("response_url"))
    focus = sim.slash_command("/focus", "90m", user="U01TECH2", channel="C01GENERAL")
    assert (focus.status_code, focus.content) == (200, b"")
    said = fleet.fake.wait_for("response_url", count=replies + 1, timeout=30)[-1]
    assert "focus" in str(said.args.get("text", "")).lower(), said.args

    fleet.wait(lambda: inbox(fleet) == 0, "the inbox to empty", 30)
    assert len(offers(fleet)) == 1  # the retry was not a second ping
    assert fleet.scalar(select(func.count(Interception.id))) == 1


def test_postgres_serve_acks_at_once_and_the_worker_handles(
    fake: FakeSlack, tmp_path: Path
) -> None:
    base_url = _postgres_url()
    schema, url = private_schema(base_url)
    upgrade(url)
    fleet = _fleet(fake, url, tmp_path, LANEKEEPER_DELIVERY="worker")
    try:
        web, deliver = _start(fleet)
        drive(fleet)
        fleet.wait(lambda: fleet.pending() == 0, "the outbox to drain", 30)
        assert claimers(fleet) == {str(deliver.popen.pid)}

        # No worker running: Slack is still answered at once, and nothing is lost.
        deliver.popen.send_signal(signal.SIGTERM)
        assert deliver.popen.wait(timeout=40) == 0, deliver.output()
        resp, _ts = fleet.sims["web"].message("C01GENERAL", "U01REQ", PING + " (again)")
        assert (resp.status_code, resp.content) == (200, b"")
        fleet.wait(lambda: inbox(fleet) == 1, "the ping to be stored", 10)
        assert len(offers(fleet)) == 1
        # Switched back to separate delivery (no SLACK_SIGNING_SECRET needed there): the
        # deliver process still handles what worker mode stored, nothing is left behind.
        fleet.env["LANEKEEPER_DELIVERY"] = "separate"
        fleet.env.pop("SLACK_SIGNING_SECRET")
        fleet.start("deliver2", "deliver")
        fleet.wait(lambda: len(offers(fleet)) == 2, "the stored ping's offer", 30)
        fleet.wait(lambda: inbox(fleet) == 0, "the inbox to empty", 30)
        out = web.output() + deliver.output()
        assert "Traceback" not in out, out
    finally:
        _stop_all(fleet)
        drop_schema(base_url, schema)


def test_sqlite_worker_polls(fake: FakeSlack, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lanekeeper.db'}"
    upgrade(url)
    fleet = _fleet(fake, url, tmp_path, LANEKEEPER_DELIVERY="worker")
    try:
        _web, deliver = _start(fleet)
        drive(fleet)
        deliver.popen.send_signal(signal.SIGTERM)
        assert deliver.popen.wait(timeout=40) == 0, deliver.output()
        assert "Traceback" not in deliver.output()
    finally:
        _stop_all(fleet)
