from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.adapters.psa._http import RetryPolicy
from bot.adapters.psa.base import FIRST_SYNC_CLOSED_WINDOW, PsaAuthError, PsaError, PsaUnavailable
from bot.adapters.psa.connectwise import ConnectWiseConnector
from bot.testing.fake_psa import FakeConnectWise, TicketSource
from bot.testing.fake_psa._data import demo_tickets

from .conftest import NOW, Sleeps, source_end


def connector(
    fake: FakeConnectWise, client: httpx.Client, sleeps: Sleeps, **kw: object
) -> ConnectWiseConnector:
    args: dict[str, object] = dict(
        client=client,
        url=fake.url,
        company_id=fake.company_id,
        public_key=fake.public_key,
        private_key=fake.private_key,
        client_id=fake.client_id,
        boards=["Service Desk"],
        sleep=sleeps,
        retry=RetryPolicy(attempts=3, base_delay=0.5),
    )
    args.update(kw)
    return ConnectWiseConnector(**args)  # type: ignore[arg-type]


def expected_first_sync(source: TicketSource, board: str = "Service Desk") -> set[str]:
    out = set()
    for i in source.ids():
        t = source.get(i)
        assert t is not None
        if t.board != board:
            continue
        if not t.is_closed or (t.closed and t.closed >= NOW - FIRST_SYNC_CLOSED_WINDOW):
            out.add(str(i))
    return out


def test_first_sync_reads_open_and_recently_closed_on_mapped_boards_following_links(client, sleeps):
    source = TicketSource(count=3500, seed=7, end=source_end(), span=timedelta(weeks=12))
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps, resolution_notes=False)
        pages = list(con.pages(None, now=NOW))
    got = [t.external_id for p in pages for t in p.tickets]
    assert len(got) == len(set(got))
    assert set(got) == expected_first_sync(source)
    assert len(pages) >= 2 and pages[-1].last and not any(p.last for p in pages[:-1])
    # the cursor stays put until the last page, which carries the server's clock
    assert [p.cursor for p in pages[:-1]] == [None] * (len(pages) - 1)
    assert pages[-1].cursor == NOW
    tickets_calls = fake.requests_to("/service/tickets")
    assert len(tickets_calls) == len(pages)
    assert all(int(r.arg("pageSize") or 0) <= 1000 for r in tickets_calls)
    assert all(r.header("pagination-type") == "forward-only" for r in tickets_calls)
    assert all(r.arg("pageId") for r in tickets_calls[1:])  # followed rel="next"
    expected = (
        "Basic "
        + base64.b64encode(
            f"{fake.company_id}+{fake.public_key}:{fake.private_key}".encode()
        ).decode()
    )
    for r in fake.requests:
        assert r.header("clientId") == fake.client_id
        assert fake.private_key not in r.url and fake.public_key not in r.url
        if "/apis/3.0/" in r.path:
            assert r.header("Authorization") == expected
        else:  # company info: no credentials
            assert r.header("Authorization") is None
    conditions = tickets_calls[0].arg("conditions") or ""
    assert 'board/name in ("Service Desk")' in conditions
    assert "closedFlag = false or closedDate >= [2026-01-05T16:00:00Z]" in conditions


def test_normalized_fields_with_omitted_fields_and_links(client, sleeps):
    source = TicketSource(count=0, end=NOW)
    for t in demo_tickets(NOW):
        source.add(t)
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps)
        tickets = {t.external_id: t for p in con.pages(None, now=NOW) for t in p.tickets}
        raw = fake.render(source.get(5103))  # type: ignore[arg-type]
    assert "owner" not in raw and "dateResponded" not in raw  # ConnectWise omits empty fields
    assert set(tickets) == {"5101", "5102", "5103", "5104", "5105", "5106"}  # 5107 is on Projects
    p1 = tickets["5101"]
    assert p1.priority == "Priority 1 - Emergency Response"
    assert p1.owner == "dwhitfield" and p1.owner_name == "Dana Whitfield"
    assert p1.client == "Acme Dental" and p1.category == "Network / Firewall"
    assert p1.opened_at == NOW - timedelta(hours=3, minutes=20)
    assert p1.resolve_due == p1.opened_at + timedelta(hours=4)
    assert p1.respond_due is None and p1.reopen_count is None
    assert p1.url.endswith("fv_sr100_request.rsp?service_recid=5101&companyName=lanekeeper_msp")
    unowned = tickets["5103"]
    assert unowned.owner is None and unowned.responded_at is None
    assert tickets["5104"].waiting_on_client and tickets["5104"].status == "Waiting on client"
    assert not tickets["5102"].waiting_on_client
    closed = tickets["5106"]
    assert closed.is_closed and closed.closed_at == NOW - timedelta(days=1)
    assert closed.has_resolution_note  # looked up in the ticket's notes
    assert len(fake.requests_to("/notes")) == 1  # one closed ticket, one lookup


def test_malformed_record_is_skipped_and_reported_rest_kept(client, sleeps):
    source = TicketSource(count=40, end=source_end(), boards=("Service Desk",))
    source.update(7, at=source.get(7).updated, malformed="bad-date")  # type: ignore[union-attr]
    source.update(9, at=source.get(9).updated, malformed="no-board")  # type: ignore[union-attr]
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        pages = list(connector(fake, client, sleeps, resolution_notes=False).pages(None, now=NOW))
    ids = {t.external_id for p in pages for t in p.tickets}
    bad = {m.external_id: m.reason for p in pages for m in p.malformed}
    assert set(bad) == {"7", "9"}
    assert "7" not in ids and "9" not in ids and "8" in ids
    assert len(ids) == len(expected_first_sync(source)) - 2


def test_second_run_reads_only_what_changed(client, sleeps):
    source = TicketSource(count=2500, end=source_end(), boards=("Service Desk",))
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps, resolution_notes=False)
        first = list(con.pages(None, now=NOW))
        cursor = first[-1].cursor
        assert cursor == NOW
        later = NOW + timedelta(minutes=10)
        source.update(12, at=later - timedelta(minutes=5), summary="Now urgent")
        source.update(2400, at=later - timedelta(minutes=4), status="closed", closed=later)
        fake.now = later
        fake.clear_requests()
        second = list(con.pages(cursor, now=later))
    got = {t.external_id: t for p in second for t in p.tickets}
    assert set(got) == {"12", "2400"}
    assert got["12"].summary == "Now urgent" and got["2400"].is_closed
    assert second[-1].cursor == later
    conditions = fake.requests_to("/service/tickets")[0].arg("conditions") or ""
    assert "lastUpdated >= [2026-03-02T15:59:00Z]" in conditions  # cursor minus the overlap


def test_ticket_updated_while_paging_is_not_lost(client, sleeps):
    source = TicketSource(count=2500, end=source_end(), boards=("Service Desk",))
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps, resolution_notes=False, page_size=500)
        moved = []

        def move(request):  # after the first page, an early ticket changes and a new one arrives
            if "/service/tickets" in request.path and not moved:
                moved.append(source.update(3, at=NOW + timedelta(seconds=1), summary="edited"))
                moved.append(source.add(summary="brand new", updated=NOW + timedelta(seconds=2)))

        fake.after_request = move
        first = list(con.pages(None, now=NOW))
        fake.after_request = None
        fake.now = NOW + timedelta(minutes=5)
        second = list(con.pages(first[-1].cursor, now=fake.now))
    seen = {t.external_id: t for p in (*first, *second) for t in p.tickets}
    assert seen["3"].summary == "edited"  # the later run's copy wins the upsert
    assert str(moved[1].id) in seen
    assert {str(i) for i in source.ids() if not source.get(i).is_closed} <= set(seen)  # type: ignore[union-attr]


def test_fake_caps_page_size_silently_and_refuses_missing_client_id(client):
    source = TicketSource(count=2100, end=source_end(), boards=("Service Desk",))
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        auth = (
            "Basic "
            + base64.b64encode(
                f"{fake.company_id}+{fake.public_key}:{fake.private_key}".encode()
            ).decode()
        )
        url = f"{fake.api}/service/tickets"
        capped = client.get(
            url,
            params={"pageSize": 2000},
            headers={"Authorization": auth, "clientId": fake.client_id},
        )
        assert capped.status_code == 200 and len(capped.json()) == 1000  # short page, not the end
        assert 'rel="next"' in capped.headers["Link"]
        refused = client.get(url, headers={"Authorization": auth})
        assert refused.status_code == 401
        bad_query = client.get(
            url,
            params={"conditions": "nosuchfield = 1"},
            headers={"Authorization": auth, "clientId": fake.client_id},
        )
        assert bad_query.status_code == 400


def test_429_waits_for_retry_after_then_succeeds(client, sleeps):
    source = TicketSource(count=30, end=source_end(), boards=("Service Desk",))
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        fake.fail_next(429, retry_after=7, path_contains="/service/tickets")
        pages = list(connector(fake, client, sleeps, resolution_notes=False).pages(None, now=NOW))
    assert sleeps == [7.0]
    assert sum(len(p.tickets) for p in pages) == len(expected_first_sync(source))
    assert pages[0].requests == 3  # company info, the 429, the retry


def test_5xx_exhausted_is_unavailable_with_backoff(client, sleeps):
    with FakeConnectWise(tickets=TicketSource(count=5, end=source_end()), now=NOW) as fake:
        fake.fail_next(503, times=10, path_contains="/service/tickets")
        with pytest.raises(PsaUnavailable) as info:
            list(connector(fake, client, sleeps).pages(None, now=NOW))
    assert sleeps == [0.5, 1.0]  # 3 attempts: two backoffs, doubling
    assert "3 times" in str(info.value)


def test_refused_credentials_are_not_retried_and_not_echoed(client, sleeps):
    with FakeConnectWise(tickets=TicketSource(count=5, end=source_end()), now=NOW) as fake:
        con = connector(fake, client, sleeps, private_key="WRONGprivate999")
        with pytest.raises(PsaAuthError) as info:
            list(con.pages(None, now=NOW))
        assert len(fake.requests_to("/service/tickets")) == 1
    assert sleeps == []
    message = str(info.value)
    assert "WRONGprivate999" not in message and fake.public_key not in message
    assert "credentials refused" in message


def test_check_lists_boards_and_priorities_and_names_missing(client, sleeps):
    with FakeConnectWise(tickets=TicketSource(count=50, end=source_end()), now=NOW) as fake:
        check = connector(fake, client, sleeps, resolution_notes=False).check(now=NOW)
    assert check.boards == ("Alerts", "Projects", "Service Desk")
    assert "Priority 2 - Quick Response" in check.priorities
    assert check.missing_boards(["Service Desk", "Helpdesk"]) == ["Helpdesk"]
    assert check.missing_priorities(["Priority 1 - Emergency Response", "P9"]) == ["P9"]
    assert check.sample is not None and check.total is not None and check.total > 0


def test_next_link_to_another_host_is_not_followed(sleeps):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "companyinfo" in request.url.path:
            return httpx.Response(200, json={"Codebase": "v2025_1/"})
        return httpx.Response(
            200,
            json=[],
            headers={
                "Link": '<https://evil.example/v2025_1/apis/3.0/service/tickets?pageId=5>; rel="next"'
            },
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as mocked:
        con = ConnectWiseConnector(
            client=mocked,
            url="https://na.myconnectwise.net",
            company_id="acme",
            public_key="pub",
            private_key="priv",
            client_id="cid",
            boards=["Service Desk"],
            sleep=sleeps,
        )
        with pytest.raises(PsaError, match="another host"):
            list(con.pages(datetime(2026, 1, 1, tzinfo=UTC), now=NOW))
    assert all(r.url.host == "na.myconnectwise.net" for r in seen)
