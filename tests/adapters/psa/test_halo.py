from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl

import httpx
import pytest

from bot.adapters.psa._http import RetryPolicy
from bot.adapters.psa.base import PsaAuthError
from bot.adapters.psa.halo import HaloConnector
from bot.testing.fake_psa import TicketSource
from bot.testing.fake_psa._data import demo_tickets
from bot.testing.fake_psa.halo import FakeHalo

from .conftest import NOW, Sleeps, source_end


def connector(fake: FakeHalo, client: httpx.Client, sleeps: Sleeps, **kw: object) -> HaloConnector:
    args: dict[str, object] = dict(
        client=client,
        url=fake.url,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        tenant=fake.tenant,
        teams=["Service Desk"],
        sleep=sleeps,
        retry=RetryPolicy(attempts=3, base_delay=0.5),
    )
    args.update(kw)
    return HaloConnector(**args)  # type: ignore[arg-type]


def test_token_form_paging_and_page_size(client, sleeps):
    source = TicketSource(count=450, end=source_end(), boards=("Service Desk",))
    with FakeHalo(tickets=source, tenant="acmemsp", now=NOW) as fake:
        pages = list(connector(fake, client, sleeps).pages(None, now=NOW))
    token_calls = fake.requests_to("/auth/token")
    assert len(token_calls) == 1
    form = dict(parse_qsl(token_calls[0].body.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "scope": "all",
        "tenant": "acmemsp",
    }
    ticket_calls = fake.requests_to("/api/Tickets")
    assert all(r.arg("pageinate") == "true" for r in ticket_calls)
    assert all(int(r.arg("page_size") or 0) <= 100 for r in ticket_calls)
    for r in fake.requests:
        assert fake.client_secret not in r.url
    opened = sum(1 for i in source.ids() if not source.get(i).is_closed)  # type: ignore[union-attr]
    got = [t for p in pages for t in p.tickets]
    assert sum(1 for t in got if not t.is_closed) == opened
    assert len({t.external_id for t in got}) == len(got)
    pages_needed = -(-opened // 100)
    assert pages_needed >= 2
    assert [r.arg("page_no") for r in ticket_calls if r.arg("open_only")] == [
        str(n) for n in range(1, pages_needed + 1)
    ]


def test_expired_token_is_renewed_once(client, sleeps):
    source = TicketSource(count=250, end=source_end(), boards=("Service Desk",))
    with FakeHalo(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps)

        def expire(request):
            if request.arg("page_no") == "2":
                fake.expire_tokens()

        fake.after_request = expire
        pages = list(con.pages(None, now=NOW))
    assert len(fake.requests_to("/auth/token")) >= 2
    assert pages[-1].last and sum(len(p.tickets) for p in pages) > 0
    refused = [r for r in fake.requests if r.path == "/api/Tickets"]
    assert len({r.header("Authorization") for r in refused}) >= 2


def test_refused_client_is_an_auth_error_without_a_loop(client, sleeps):
    with FakeHalo(tickets=TicketSource(count=5, end=source_end()), now=NOW) as fake:
        con = connector(fake, client, sleeps, client_secret="NotTheSecret77")
        with pytest.raises(PsaAuthError) as info:
            list(con.pages(None, now=NOW))
        assert len(fake.requests) == 1 and sleeps == []
    assert "NotTheSecret77" not in str(info.value)


def test_normalized_unset_dates_unassigned_agent_and_on_hold(client, sleeps):
    source = TicketSource(count=0, end=NOW)
    for t in demo_tickets(NOW):
        source.add(t)
    source.update(5102, at=source.get(5102).updated, malformed="no-board")  # type: ignore[union-attr]
    with FakeHalo(tickets=source, now=NOW) as fake:
        pages = list(connector(fake, client, sleeps).pages(None, now=NOW))
        raw = fake.render(source.get(5103))  # type: ignore[arg-type]
    assert raw["responsedate"] == "1900-01-01T00:00:00" and raw["agent_id"] == 1
    tickets = {t.external_id: t for p in pages for t in p.tickets}
    assert [m.external_id for p in pages for m in p.malformed] == ["5102"]
    assert set(tickets) == {"5101", "5103", "5104", "5105", "5106"}
    unassigned = tickets["5103"]
    assert (
        unassigned.owner is None
        and unassigned.responded_at is None
        and unassigned.closed_at is None
    )
    assert tickets["5104"].waiting_on_client
    p1 = tickets["5101"]
    assert p1.owner == "Dana Whitfield" and p1.owner_email == "dana.whitfield@example-msp.test"
    assert p1.priority == "Priority 1 - Emergency Response" and p1.priority_id == "1"
    assert p1.opened_at.tzinfo is not None and p1.opened_at.utcoffset() == timedelta(0)
    assert p1.resolve_due == NOW - timedelta(hours=3, minutes=20) + timedelta(hours=4)
    assert tickets["5106"].has_resolution_note and tickets["5106"].is_closed


def test_a_shrinking_result_set_keeps_the_cursor_and_the_next_run_catches_up(client, sleeps):
    source = TicketSource(count=400, end=source_end(), boards=("Service Desk",))
    with FakeHalo(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps)
        since = NOW - timedelta(weeks=10)
        closed: list[int] = []

        def close_one(request):  # page 1 read: an early ticket is deleted, page 2 shifts back
            if request.arg("page_no") == "1" and not closed:
                first_id = next(source.ids())
                source.delete(first_id)
                closed.append(first_id)

        fake.after_request = close_one
        first = list(con.pages(since, now=NOW))
        fake.after_request = None
        assert first[-1].cursor == since  # boundaries moved: not advanced
        seen = {t.external_id for p in first for t in p.tickets}
        second = list(con.pages(first[-1].cursor, now=NOW))
        seen |= {t.external_id for p in second for t in p.tickets}
    assert {str(i) for i in source.ids()} <= seen
    assert second[-1].cursor == NOW


def test_incremental_run_uses_inclusive_lastupdatefromdate(client, sleeps):
    source = TicketSource(count=300, end=source_end(), boards=("Service Desk",))
    with FakeHalo(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps)
        first = list(con.pages(None, now=NOW))
        later = NOW + timedelta(hours=1)
        source.update(77, at=later - timedelta(minutes=30), summary="changed")
        fake.now = later
        fake.clear_requests()
        second = list(con.pages(first[-1].cursor, now=later))
    assert [t.external_id for p in second for t in p.tickets] == ["77"]
    calls = fake.requests_to("/api/Tickets")
    assert [r.arg("lastupdatefromdate") for r in calls] == ["2026-03-02T15:59:00"]
