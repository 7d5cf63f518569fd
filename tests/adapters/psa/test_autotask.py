from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from bot.adapters.psa._http import RetryPolicy
from bot.adapters.psa.autotask import AutotaskConnector
from bot.adapters.psa.base import PsaAuthError
from bot.testing.fake_psa import TicketSource
from bot.testing.fake_psa._data import demo_tickets
from bot.testing.fake_psa.autotask import FakeAutotask

from .conftest import NOW, Sleeps, source_end


def connector(
    fake: FakeAutotask, client: httpx.Client, sleeps: Sleeps, **kw: object
) -> AutotaskConnector:
    args: dict[str, object] = dict(
        client=client,
        url=fake.url,
        username=fake.username,
        secret=fake.secret,
        integration_code=fake.integration_code,
        queues=["Service Desk"],
        sleep=sleeps,
        retry=RetryPolicy(attempts=3, base_delay=0.5),
    )
    args.update(kw)
    return AutotaskConnector(**args)  # type: ignore[arg-type]


def test_credentials_go_only_to_the_zone_host_and_never_in_a_query(client, sleeps):
    source = TicketSource(count=1300, end=source_end(), boards=("Service Desk",))
    with FakeAutotask(tickets=source, now=NOW) as fake:
        pages = list(connector(fake, client, sleeps).pages(None, now=NOW))
    discovery = [r for r in fake.requests if r.server == "discovery"]
    assert [r.path for r in discovery] == ["/atservicesrest/v1.0/zoneInformation"]
    assert discovery[0].arg("user") == fake.username
    for r in discovery:
        assert r.header("Secret") is None and r.header("ApiIntegrationcode") is None
    zone = [r for r in fake.requests if r.server == "zone"]
    assert zone and all(r.header("Secret") == fake.secret for r in zone)
    for r in fake.requests:
        assert fake.secret not in r.url and fake.integration_code not in r.url
    assert sum(len(p.tickets) for p in pages) > 0


def test_next_pages_are_posted_with_the_same_body_at_max_page_size(client, sleeps):
    source = TicketSource(count=2600, end=source_end(), boards=("Service Desk",))
    with FakeAutotask(tickets=source, now=NOW) as fake:
        pages = list(connector(fake, client, sleeps).pages(None, now=NOW))
        queries = fake.requests_to("/Tickets/query")
    tickets = sum(len(p.tickets) for p in pages)
    expected = sum(
        1
        for i in source.ids()
        if not source.get(i).is_closed or source.get(i).closed >= NOW - timedelta(weeks=8)  # type: ignore[union-attr,operator]
    )
    assert tickets == expected
    assert len(queries) == -(-tickets // 500)  # ceil: every page full but the last
    assert all(r.method == "POST" for r in queries)
    bodies = {r.body for r in queries}
    assert len(bodies) == 1  # the same body POSTed again on every next page
    body = json.loads(queries[0].body)
    assert body["MaxRecords"] == 500
    assert all(r.path.endswith("/query/next") for r in queries[1:])
    total_requests = sum(p.requests for p in pages)
    # zone + picklists + companies + resources + one per 500 tickets
    assert total_requests == len(queries) + 4
    assert len(fake.requests_to("entityInformation")) == 1  # picklists read once per run


def test_get_on_next_page_url_answers_405(client, sleeps):
    source = TicketSource(count=700, end=source_end(), boards=("Service Desk",))
    with FakeAutotask(tickets=source, now=NOW) as fake:
        headers = {
            "UserName": fake.username,
            "Secret": fake.secret,
            "ApiIntegrationcode": fake.integration_code,
        }
        body = {"MaxRecords": 500, "filter": [{"op": "exist", "field": "id"}]}
        first = client.post(
            f"{fake.zone_url}/atservicesrest/v1.0/Tickets/query", json=body, headers=headers
        )
        next_url = first.json()["pageDetails"]["nextPageUrl"]
        assert next_url
        assert client.get(next_url, headers=headers).status_code == 405
        other_body = client.post(next_url, json={**body, "MaxRecords": 400}, headers=headers)
        assert other_body.status_code == 400
        again = client.post(next_url, json=body, headers=headers)
        assert again.status_code == 200 and len(again.json()["items"]) == 200
        too_big = client.post(
            f"{fake.zone_url}/atservicesrest/v1.0/Tickets/query",
            json={**body, "MaxRecords": 501},
            headers=headers,
        )
        assert too_big.status_code == 400


def test_bad_credentials_answer_500_and_are_not_retried(client, sleeps):
    with FakeAutotask(tickets=TicketSource(count=5, end=source_end()), now=NOW) as fake:
        con = connector(fake, client, sleeps, secret="WrongSecret#1")
        with pytest.raises(PsaAuthError) as info:
            list(con.pages(None, now=NOW))
        zone_calls = [r for r in fake.requests if r.server == "zone"]
    assert len(zone_calls) == 1 and sleeps == []
    assert "WrongSecret#1" not in str(info.value)


def test_a_500_later_in_the_run_is_retried(client, sleeps):
    source = TicketSource(count=900, end=source_end(), boards=("Service Desk",))
    with FakeAutotask(tickets=source, now=NOW) as fake:
        fake.fail_next(500, path_contains="/query/next")
        pages = list(connector(fake, client, sleeps).pages(None, now=NOW))
    assert sleeps == [0.5]
    assert pages[-1].last and pages[-1].cursor == NOW


def test_picklists_waiting_dates_and_malformed(client, sleeps):
    source = TicketSource(count=0, end=NOW)
    for t in demo_tickets(NOW):
        source.add(t)
    source.update(5105, at=source.get(5105).updated, malformed="bad-date")  # type: ignore[union-attr]
    with FakeAutotask(tickets=source, now=NOW) as fake:
        pages = list(connector(fake, client, sleeps).pages(None, now=NOW))
    tickets = {t.external_id: t for p in pages for t in p.tickets}
    malformed = [m for p in pages for m in p.malformed]
    assert [m.external_id for m in malformed] == ["5105"] and "createDate" not in tickets
    assert set(tickets) == {"5101", "5102", "5103", "5104", "5106"}
    p1 = tickets["5101"]
    assert p1.priority_id == "4" and p1.priority == "Priority 1 - Emergency Response"
    assert p1.category == "Network / Firewall" and p1.board == "Service Desk"
    assert p1.owner_email == "dana.whitfield@example-msp.test" and p1.owner_name == "Dana Whitfield"
    assert p1.client == "Acme Dental"
    # fractions of varying length: 5101 % 5 == 1 → ".2"
    assert p1.opened_at == NOW - timedelta(hours=3, minutes=20) + timedelta(milliseconds=200)
    assert p1.respond_due is not None and p1.resolve_due is not None
    waiting = tickets["5104"]
    assert waiting.status == "Waiting Customer" and waiting.waiting_on_client
    assert tickets["5103"].owner is None
    closed = tickets["5106"]
    assert closed.is_closed and closed.has_resolution_note and closed.status == "Complete"
    assert "OpenTicketDetail&TicketID=5101" in p1.url


def test_second_run_is_incremental(client, sleeps):
    source = TicketSource(count=1200, end=source_end(), boards=("Service Desk",))
    with FakeAutotask(tickets=source, now=NOW) as fake:
        con = connector(fake, client, sleeps)
        first = list(con.pages(None, now=NOW))
        later = NOW + timedelta(minutes=15)
        source.update(44, at=later - timedelta(minutes=1), status="waiting")
        fake.now = later
        fake.clear_requests()
        second = list(con.pages(first[-1].cursor, now=later))
    got = [t for p in second for t in p.tickets]
    assert [t.external_id for t in got] == ["44"] and got[0].waiting_on_client
    body = json.loads(fake.requests_to("/Tickets/query")[0].body)
    assert {"op": "gte", "field": "lastActivityDate", "value": "2026-03-02T15:59:00.000Z"} in body[
        "filter"
    ]
    assert not fake.requests_to("zoneInformation")  # the zone is asked once per connector
