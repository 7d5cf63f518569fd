from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpx

from bot.adapters.psa._http import RetryPolicy, retry_after_seconds
from bot.adapters.psa.base import parse_utc, redact, redact_url
from bot.adapters.psa.connectwise import ConnectWiseConnector
from bot.adapters.psa.halo import HaloConnector
from bot.adapters.psa.sync import InMemoryTicketStore, sync
from bot.testing.fake_psa import FakeConnectWise, TicketSource
from bot.testing.fake_psa.halo import FakeHalo

from .conftest import NOW, Sleeps, source_end


def cw(
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
        resolution_notes=False,
        page_size=500,
        retry=RetryPolicy(attempts=2, base_delay=0.1),
    )
    args.update(kw)
    return ConnectWiseConnector(**args)  # type: ignore[arg-type]


def test_sync_stores_pages_and_cursor_then_runs_incrementally(client, sleeps):
    source = TicketSource(count=1800, end=source_end(), boards=("Service Desk",))
    store = InMemoryTicketStore()
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        con = cw(fake, client, sleeps)
        first = sync(con, store, now=NOW)
        assert first.ok and first.error is None
        assert first.stored == len(store.tickets) > 1000
        assert first.pages == -(-first.stored // 500)
        assert first.requests == first.pages + 1  # + company info
        assert store.get_cursor("connectwise") == NOW == first.cursor
        assert store.last_synced["connectwise"] == NOW
        later = NOW + timedelta(minutes=5)
        source.update(5, at=later - timedelta(minutes=2), summary="changed")
        fake.now = later
        second = sync(con, store, now=later)
    assert second.stored == 1 and second.pages == 1 and second.requests == 1
    assert store.tickets[("connectwise", "5")].summary == "changed"
    assert len(store.tickets) == first.stored  # an upsert, not a second ticket


def test_overlapping_runs_never_make_a_second_ticket(client, sleeps):
    source = TicketSource(count=300, end=NOW - timedelta(seconds=30), boards=("Service Desk",))
    store = InMemoryTicketStore()
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        con = cw(fake, client, sleeps)
        sync(con, store, now=NOW)
        count = len(store.tickets)
        again = sync(con, store, now=NOW)  # the overlap re-reads the last minute
    assert again.stored > 0
    assert len(store.tickets) == count


def test_psa_down_mid_run_keeps_stored_pages_and_the_cursor(client, sleeps, caplog):
    source = TicketSource(count=1600, end=source_end(), boards=("Service Desk",))
    store = InMemoryTicketStore()
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        served: list[str] = []

        def outage(request):
            served.append(request.path)
            if len([p for p in served if p.endswith("/service/tickets")]) == 1:
                fake.fail_next(503, times=5, path_contains="/service/tickets")

        fake.after_request = outage
        with caplog.at_level(logging.WARNING):
            report = sync(cw(fake, client, sleeps), store, now=NOW)
    assert not report.ok and report.error_kind == "PsaUnavailable"
    assert report.pages == 1 and report.stored == 500 == len(store.tickets)
    assert store.get_cursor("connectwise") is None  # not past what was never read
    assert "connectwise" not in store.last_synced and store.last_error["connectwise"]
    assert report.requests == 4  # company info, page 1, two failed tries
    assert sleeps == [0.1]
    for record in caplog.records:
        assert fake.private_key not in record.getMessage()


def test_refused_credentials_end_the_run_quietly_without_secrets(client, sleeps, caplog):
    store = InMemoryTicketStore()
    with FakeHalo(tickets=TicketSource(count=10, end=source_end()), now=NOW) as fake:
        con = HaloConnector(
            client=client,
            url=fake.url,
            client_id=fake.client_id,
            client_secret="WrongHaloSecret",
            teams=["Service Desk"],
            sleep=sleeps,
        )
        with caplog.at_level(logging.WARNING):
            report = sync(con, store, now=NOW)
    assert report.error_kind == "PsaAuthError" and report.stored == 0
    assert "WrongHaloSecret" not in (report.error or "")
    assert all("WrongHaloSecret" not in r.getMessage() for r in caplog.records)
    assert report.requests == 1


def test_malformed_records_are_reported_by_sync(client, sleeps):
    source = TicketSource(count=20, end=source_end(), boards=("Service Desk",))
    source.update(4, at=source.get(4).updated, malformed="bad-date")  # type: ignore[union-attr]
    store = InMemoryTicketStore()
    with FakeConnectWise(tickets=source, now=NOW) as fake:
        report = sync(cw(fake, client, sleeps), store, now=NOW)
    assert [m.external_id for m in report.malformed] == ["4"]
    assert "4" not in {k[1] for k in store.tickets} and report.ok


def test_real_retry_after_is_waited_before_the_retry(client):
    with FakeConnectWise(
        tickets=TicketSource(count=3, end=source_end(), boards=("Service Desk",)), now=NOW
    ) as fake:
        fake.fail_next(429, retry_after=1, path_contains="/service/tickets")
        con = cw(fake, client, Sleeps(), sleep=time.sleep)
        pages = list(con.pages(None, now=NOW))
        calls = fake.requests_to("/service/tickets")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 1.0
    assert pages[-1].last


def test_redact_masks_secrets_and_their_basic_forms():
    secret = "s3cr3t-value"
    text = f"auth failed for Basic {__import__('base64').b64encode(secret.encode()).decode()} and {secret}"
    out = redact(text, [secret, ""])
    assert secret not in out and "***" in out
    assert redact("nothing here", ["s3cr3t-value"]) == "nothing here"
    url = redact_url(
        "https://u:pw@halo.example/api/Tickets?token=abc&page_no=2&client_secret=x", ["abc"]
    )
    assert "abc" not in url and "pw" not in url and "page_no=2" in url
    assert "client_secret=%2A%2A%2A" in url or "client_secret=***" in url


def test_dates_and_retry_after_parsing():
    assert parse_utc("1900-01-01T00:00:00") is None
    assert parse_utc("2026-03-02T10:11:12.2Z").microsecond == 200000  # type: ignore[union-attr]
    assert parse_utc("2026-03-02T10:11:12.1234567Z").microsecond == 123456  # type: ignore[union-attr]
    naive = parse_utc("2026-03-02T10:11:12")
    assert naive is not None and naive.utcoffset() == timedelta(0) and naive.hour == 10
    assert parse_utc("2026-03-02T10:11:12+02:00").hour == 8  # type: ignore[union-attr]
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Mon, 02 Mar 2026 16:00:30 GMT", now=lambda: NOW.timestamp()) == 30.0
    assert retry_after_seconds("soon") is None
