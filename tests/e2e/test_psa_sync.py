"""psa-sync end to end: the fake ConnectWise (a real HTTP server) → the tickets table → the
stand-up; incremental, no duplicates, faults kept out of the clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC

import pytest
from sqlalchemy import func, select

from bot.adapters.models import PsaSyncState, Ticket
from bot.adapters.psa.factory import make_connector
from bot.domain.lanes import PsaSettings
from bot.jobs import JobContext, registry
from bot.services.context import Lanes
from bot.testing.fake_psa._data import PRIORITIES
from bot.testing.fake_psa.connectwise import FakeConnectWise
from tests.e2e.conftest import TEAM, Harness
from tests.e2e.test_clock import at

NOW = at(24, 10)  # Tuesday 24 Nov 2026, 10:00 in Chicago
SECRETS = {
    "CONNECTWISE_COMPANY_ID": "lanekeeper_msp",
    "CONNECTWISE_PUBLIC_KEY": "PUBcw7Lq2Xk",
    "CONNECTWISE_PRIVATE_KEY": "PRIVcw9zR4vW",
    "CONNECTWISE_CLIENT_ID": "1b7c7d0e-5f0a-4e54-9d6a-0c5a3f0e2f11",
}


@pytest.fixture
def psa() -> Iterator[FakeConnectWise]:
    fake = FakeConnectWise.demo(now=NOW.astimezone(UTC))
    with fake:
        yield fake


def context(app: Harness, fake: FakeConnectWise, **env: str) -> JobContext:
    settings = PsaSettings(
        kind="connectwise",
        url=fake.url,
        teams={"Service Desk": "service-desk"},
        severities={name: f"P{i + 1}" for i, name in enumerate(PRIORITIES[:3])},
    )
    lanes = Lanes(replace(app.container.lanes.config, psa=settings))
    credentials = SECRETS | env
    return JobContext(
        uow=app.container.uow,
        lanes=lanes,
        slack_team_id=TEAM,
        psa_connector=lambda: make_connector(settings, credentials),
    )


def sync(ctx: JobContext, now=NOW) -> str:  # type: ignore[no-untyped-def]
    return str(registry()["psa-sync"].run(ctx, now, None)[0])


def tickets(app: Harness) -> dict[str, Ticket]:
    with app.container.sessions() as s:
        return {t.number: t for t in s.scalars(select(Ticket))}


def test_first_sync_stores_the_mapped_board_then_runs_incrementally(
    app: Harness, psa: FakeConnectWise
) -> None:
    ctx = context(app, psa)
    first = sync(ctx)
    assert first.startswith("psa-sync connectwise: synced (6 tickets stored"), first
    stored = tickets(app)
    assert sorted(stored) == ["5101", "5102", "5103", "5104", "5105", "5106"]  # not Projects
    firewall = stored["5101"]
    assert (firewall.team, firewall.severity, firewall.board) == (
        "service-desk",
        "P1",
        "Service Desk",
    )
    assert firewall.summary == "Firewall down at Acme Dental main office"
    assert firewall.url.startswith("http") and "5101" in firewall.url
    assert stored["5104"].waiting_since == NOW  # first seen waiting on the client now
    assert stored["5106"].closed_at is not None and stored["5106"].has_resolution_note
    # Within sync_every: not due.
    assert "not-due" in sync(ctx, at(24, 10, 2))
    # A ticket changes in the PSA; the next run reads what changed, and never a second row.
    asked_before = len(psa.requests)
    psa.tickets.update(5103, at=at(24, 10, 3), summary="Backup job failed again on FS01")
    psa.tickets.update(5104, at=at(24, 10, 3), summary="Shared mailbox: still waiting")
    psa.tickets.update(5105, at=at(24, 10, 3), status="waiting")
    psa.tickets.update(5102, at=at(24, 10, 3), status="in_progress")
    second = sync(ctx, at(24, 10, 6))
    assert second.startswith("psa-sync connectwise: synced"), second
    after = tickets(app)
    assert after["5103"].summary == "Backup job failed again on FS01"
    assert after["5104"].waiting_since == NOW  # still waiting: since the first time seen
    assert after["5105"].waiting_since == at(24, 10, 6)  # newly waiting
    assert after["5103"].waiting_since is None
    with app.container.sessions() as s:
        assert s.scalar(select(func.count(Ticket.id))) == 6
    ticket_reads = [r for r in psa.requests[asked_before:] if r.path.endswith("/service/tickets")]
    assert ticket_reads and all("lastUpdated" in (r.arg("conditions") or "") for r in ticket_reads)
    # The standup shows the PSA's tickets next to escalations.
    out = registry()["standup"].run(ctx, at(24, 10, 7), "service-desk")
    assert str(out[0]) == "standup service-desk: sent (2026-11-24)"
    app.settle()
    posted = json.dumps([c.args for c in app.fake.calls_to("chat.postMessage")])
    assert "Firewall down at Acme Dental main office" in posted
    assert "Phishing email reported" not in posted  # closed


def test_refused_credentials_keep_what_was_stored_and_say_so(
    app: Harness, psa: FakeConnectWise, caplog: pytest.LogCaptureFixture
) -> None:
    assert "synced" in sync(context(app, psa))
    bad = context(app, psa, CONNECTWISE_PRIVATE_KEY="wrong-private-key")
    out = sync(bad, at(24, 11))
    assert out.startswith("psa-sync connectwise: failed"), out
    assert len(tickets(app)) == 6
    with app.container.sessions() as s:
        state = s.scalar(select(PsaSyncState))
        assert state is not None and state.last_error and state.last_success_at == NOW
    assert "wrong-private-key" not in out + caplog.text
    # Not hammered: a failed run waits twice sync_every.
    assert "not-due" in sync(bad, at(24, 11, 6))


def test_missing_credentials_are_named(app: Harness, psa: FakeConnectWise) -> None:
    ctx = context(app, psa, CONNECTWISE_CLIENT_ID="")
    assert sync(ctx) == (
        "psa-sync connectwise: failed (psa.kind is connectwise but CONNECTWISE_CLIENT_ID not set)"
    )
