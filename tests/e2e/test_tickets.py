"""PSA tickets as work items: in the stand-up, in sla-watch (once per threshold, in the team's
channel), counted once when an escalation names them, and read through the one work-item port."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.adapters.models import Ticket
from tests.e2e.conftest import TEAM, Harness
from tests.e2e.test_clock import at, digests, run
from tests.e2e.test_lifecycle import create


def ticket(app: Harness, number: str, **kw: Any) -> None:
    values: dict[str, Any] = {
        "slack_team_id": TEAM,
        "source": "connectwise",
        "external_id": number,
        "number": number,
        "board": "Service Desk",
        "team": "service-desk",
        "priority": "Priority 2 - Quick Response",
        "severity": "P2",
        "client": "Northwind Dental",
        "summary": f"Ticket {number}",
        "status": "In Progress",
        "opened_at": at(23, 9),
        "psa_updated_at": at(23, 9),
        "url": f"https://na.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid={number}",
    } | kw
    with app.container.sessions() as s:
        s.add(Ticket(**values))
        s.commit()


def work(app: Harness, team: str = "service-desk") -> list[str]:
    with app.container.uow() as uow:
        return sorted(i.ref for i in uow.work(app.container.lanes).team_open(TEAM, team))


def test_the_port_merges_tickets_and_escalations_counting_a_named_ticket_once(app: Harness) -> None:
    app.clock.set(at(23, 10))
    ticket(app, "48213")
    ticket(app, "48214", closed_at=at(23, 11), status="Closed")
    ticket(app, "48215", team="noc")
    create(app, text="coverage P2 Need cover for Thursday onsite", client="Globex")  # ESC-1
    assert work(app) == ["#48213", "ESC-1"]
    # An escalation that names a ticket the sync knows counts once, as that ticket.
    create(app, text="coverage P2 Northwind needs cover", client="Northwind", psa_ticket="#48213")
    assert work(app) == ["#48213", "ESC-1"]
    assert work(app, "noc") == ["#48215"]


def test_standup_lists_a_ticket_past_sla_with_its_owner_and_link(app: Harness) -> None:
    ticket(app, "48213", resolve_due=at(23, 15), owner="U01TECH2", summary="Printer queue stuck")
    ticket(app, "48216", resolve_due=at(30, 15), summary="Not urgent")  # next week: not listed
    assert run(app, "standup", at(24, 8, 45)) == ["standup service-desk: sent (2026-11-24)"]
    text = json.dumps(digests(app)[0].args)
    assert "#48213" in text and "Printer queue stuck" in text and "U01TECH2" in text
    assert "service_recid=48213" in text
    assert "Not urgent" not in text
    assert "Backlog aged past SLA: 1" in text


def test_sla_watch_warns_once_per_threshold_for_a_ticket_in_the_team_channel(app: Harness) -> None:
    # P2 ticket due Tue 24 Nov 09:00 after opening Mon 23 09:00: 10 business hours.
    ticket(app, "48213", resolve_due=at(24, 9), respond_due=None, responded_at=at(23, 9, 30))
    ticket(app, "48217", resolve_due=at(24, 9), waiting_since=at(23, 12))  # on hold: silent
    assert run(app, "sla-watch", at(23, 17, 45)) == ["sla-watch service-desk: sent (1 warnings)"]
    assert run(app, "sla-watch", at(23, 17, 50)) == ["sla-watch service-desk: skipped (0 warnings)"]
    assert run(app, "sla-watch", at(24, 9, 5)) == ["sla-watch service-desk: sent (1 warnings)"]
    assert run(app, "sla-watch", at(24, 10)) == ["sla-watch service-desk: skipped (0 warnings)"]
    posts = [c.args["text"] for c in digests(app)]
    assert len(posts) == 2
    assert posts[0].startswith(":warning: <@U01LEAD> #48213 resolve target")  # unowned: the leads
    assert posts[1].startswith(":rotating_light: <@U01LEAD> #48213 resolve target: breached")
    assert all("service_recid=48213|Northwind Dental: Ticket 48213>" in p for p in posts)
    assert not any("48217" in p for p in posts)


def test_ticket_sla_fills_due_times_the_psa_does_not_give(app: Harness) -> None:
    ticket(app, "48220", respond_due=None, resolve_due=None, severity="P1")
    with app.container.uow() as uow:
        items = uow.work(app.container.lanes).team_open(TEAM, "service-desk")
    item = next(i for i in items if i.ref == "#48220")
    # No ticket_sla for the service desk in the fixture: nothing is invented.
    assert (item.respond_due, item.resolve_due) == (None, None)
    with app.container.sessions() as s:
        assert s.scalar(select(Ticket.number).where(Ticket.number == "48220")) == "48220"


_ = datetime
