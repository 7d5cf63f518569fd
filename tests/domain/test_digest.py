"""The daily stand-up digest: what goes in which section, in which order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.digest import COUNT_KEYS, Digest, PendingApproval, build_digest
from bot.domain.lanes import BusinessHours, Team
from bot.domain.sla import WorkItem

CHI = ZoneInfo("America/Chicago")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CAL = BusinessCalendar(timezone="America/Chicago", hours=BusinessHours(), holiday_country="US")
TEAM = Team(
    key="service-desk",
    name="Service Desk",
    channel="C01DESK",
    timezone="America/Chicago",
    leads=("U01LEAD",),
    aged_backlog_alert=4,
)
# Tue 24 Nov 2026, 10:00 in Chicago: a business day (Thanksgiving is Thursday).
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHI)


def chi(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHI)


def wi(ref: str, **changes: Any) -> WorkItem:
    """An owned, responded P2 escalation opened at 08:00 today, resolve due Friday: no risk."""
    base = WorkItem(
        kind="escalation",
        ref=ref,
        team="service-desk",
        severity="P2",
        client="Acme Dental",
        summary=f"Work on {ref}",
        owner="U01TECH1",
        status="acknowledged",
        opened_at=chi(2026, 11, 24, 8),
        respond_due=chi(2026, 11, 24, 9),
        resolve_due=chi(2026, 11, 27, 17),
        responded_at=chi(2026, 11, 24, 8, 30),
    )
    return replace(base, **changes)


def approval(ref: str, **changes: Any) -> PendingApproval:
    base = PendingApproval(
        ref=ref,
        lane="client-request",
        client="Acme Dental",
        summary="Expedite the laptop order",
        requester="U01TECH2",
        approvers=("U01SM",),
        requested_at=chi(2026, 11, 24, 9),
        respond_due=chi(2026, 11, 24, 11),
    )
    return replace(base, **changes)


def digest(items: list[WorkItem], now: datetime = NOW, **kw: Any) -> Digest:
    return build_digest(team=TEAM, calendar=CAL, now=now, items=items, **kw)


def refs(entries: tuple[Any, ...]) -> list[str]:
    return [getattr(e, "item", e).ref for e in entries]


# ------------------------------------------------------------------ SLA risks


def test_breached_first_most_overdue_first_then_soonest_to_breach() -> None:
    items = [
        wi("ESC-1", resolve_due=chi(2026, 11, 24, 12)),  # breaches in 2h
        wi("ESC-2", resolve_due=chi(2026, 11, 24, 9, 30)),  # breached 30m ago
        wi("ESC-3", resolve_due=chi(2026, 11, 24, 15)),  # in 5h: not at risk
        wi("ESC-4", resolve_due=chi(2026, 11, 24, 11)),  # breaches in 1h
        wi("ESC-5", resolve_due=chi(2026, 11, 23, 17)),  # breached yesterday: 3h of business
        wi("ESC-6", responded_at=None, respond_due=chi(2026, 11, 24, 10, 30)),  # respond in 30m
    ]
    d = digest(items)
    assert refs(d.sla_risks) == ["ESC-5", "ESC-2", "ESC-6", "ESC-4", "ESC-1"]
    assert [r.reading.breached for r in d.sla_risks] == [True, True, False, False, False]
    assert d.sla_risks[0].reading.remaining == -3 * H
    assert d.sla_risks[2].reading.clock == "respond"


def test_breached_over_the_weekend_is_breached_not_about_to() -> None:
    # Saturday: zero business time has passed since Friday 18:00, yet it is late.
    d = digest([wi("ESC-1", resolve_due=chi(2026, 11, 20, 18))], now=chi(2026, 11, 21, 11))
    assert refs(d.sla_risks) == ["ESC-1"]
    assert d.sla_risks[0].reading.breached


def test_window_counts_business_hours_across_the_weekend() -> None:
    friday_four = chi(2026, 11, 20, 16)
    items = [
        wi("ESC-1", resolve_due=chi(2026, 11, 23, 9)),  # 2h Friday + 1h Monday = 3h
        wi("ESC-2", resolve_due=chi(2026, 11, 23, 10)),  # exactly 4h: at risk
        wi("ESC-3", resolve_due=chi(2026, 11, 23, 10, 1)),  # 4h 1m: not yet
    ]
    d = digest(items, now=friday_four)
    assert refs(d.sla_risks) == ["ESC-1", "ESC-2"]
    assert d.sla_risks[0].reading.remaining == 3 * H
    narrow = digest(items, now=friday_four, risk_window=2 * H)
    assert narrow.sla_risks == ()
    assert narrow.risk_window == 2 * H


def test_paused_items_are_not_risks_but_still_count() -> None:
    waiting = wi(
        "T-100",
        kind="ticket",
        status="waiting",
        resolve_due=chi(2026, 11, 24, 9),  # overdue as it stood when the pause began
        paused_since=chi(2026, 11, 24, 9, 30),
    )
    d = digest([waiting])
    assert d.sla_risks == ()
    assert d.is_clean
    assert d.counts["waiting_on_client"] == 1
    assert d.counts["open_tickets"] == 1
    assert d.aged_past_sla == 0  # its clock is stopped: not the team's backlog


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError):
        digest([], risk_window=-H)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        digest([], now=datetime(2026, 11, 24, 10))


# ------------------------------------------------------------------ sections


def test_each_item_is_in_one_section_the_first_that_applies() -> None:
    items = [
        # risk > unowned > alert: an unowned, breached alert is an SLA risk only
        wi("ESC-1", owner=None, lane="alert", resolve_due=chi(2026, 11, 24, 9)),
        # unowned > alert
        wi("ESC-2", owner=None, lane="alert"),
        # alert
        wi("ESC-3", lane="alert"),
        # unowned > change
        wi("ESC-4", owner=None, lane="change", starts_at=chi(2026, 11, 24, 14)),
        # change
        wi("ESC-5", lane="change", starts_at=chi(2026, 11, 24, 14)),
        # risk > change
        wi("ESC-6", lane="change", starts_at=chi(2026, 11, 24, 14), resolve_due=NOW + H),
        # a ticket has no owner to take: not "unowned", which is for escalations
        wi("T-7", kind="ticket", owner=None),
    ]
    d = digest(items)
    assert refs(d.sla_risks) == ["ESC-1", "ESC-6"]
    assert refs(d.unowned) == ["ESC-2", "ESC-4"]
    assert refs(d.alerts) == ["ESC-3"]
    assert refs(d.changes) == ["ESC-5"]
    shown = [*refs(d.sla_risks), *refs(d.unowned), *refs(d.alerts), *refs(d.changes)]
    assert len(shown) == len(set(shown))


def test_unowned_oldest_first() -> None:
    items = [
        wi("ESC-1", owner=None, opened_at=chi(2026, 11, 24, 9)),
        wi("ESC-2", owner=None, opened_at=chi(2026, 11, 23, 15)),
        wi("ESC-3", owner=None, opened_at=chi(2026, 11, 24, 8)),
        wi("ESC-4"),
    ]
    assert refs(digest(items).unowned) == ["ESC-2", "ESC-3", "ESC-1"]


def test_alerts_soonest_due_first_waiting_last() -> None:
    items = [
        wi("ESC-1", lane="alert", resolve_due=chi(2026, 11, 26, 17)),
        wi("ESC-2", lane="alert", resolve_due=chi(2026, 11, 25, 17)),
        wi("ESC-3", lane="alert", resolve_due=chi(2026, 11, 24, 17), paused_since=NOW - H),
        wi("ESC-4", lane="alert", resolve_due=None),
        wi("ESC-5", lane="security"),
    ]
    assert refs(digest(items).alerts) == ["ESC-2", "ESC-1", "ESC-4", "ESC-3"]


def test_changes_starting_in_the_next_24_hours_only_soonest_first() -> None:
    items = [
        wi("ESC-1", lane="change", starts_at=NOW + 23 * H + 59 * M),
        wi("ESC-2", lane="change", starts_at=NOW + H),
        wi("ESC-3", lane="change", starts_at=NOW + 24 * H),  # tomorrow's digest
        wi("ESC-4", lane="change", starts_at=NOW - M),  # already started
        wi("ESC-5", lane="change", starts_at=None),
        wi("ESC-6", lane="change", starts_at=NOW),
        wi("ESC-7", lane="coverage", starts_at=NOW + H),
    ]
    assert refs(digest(items).changes) == ["ESC-6", "ESC-2", "ESC-1"]


def test_closed_and_pending_approval_items_are_left_out() -> None:
    items = [
        wi("ESC-1", status="resolved", resolve_due=chi(2026, 11, 24, 9)),
        wi("ESC-2", resolved_at=NOW - H, owner=None),
        wi("T-3", kind="ticket", status="Closed", resolve_due=chi(2026, 11, 20, 9)),
        wi("ESC-4", status="pending_approval", owner=None, respond_due=None, resolve_due=None),
    ]
    d = digest(items)
    assert d.is_clean
    assert d.aged_past_sla == 0
    assert d.counts["open_escalations"] == 0
    assert d.counts["open_tickets"] == 0


# ------------------------------------------------------------------ approvals


def test_approvals_overdue_first_most_overdue_first() -> None:
    approvals = [
        approval("ESC-1", respond_due=NOW + H),
        approval("ESC-2", respond_due=NOW - H),
        approval("ESC-3", respond_due=None, requested_at=NOW - 5 * H),
        approval("ESC-4", respond_due=NOW - 3 * H),
        approval("ESC-5", respond_due=NOW),  # due this minute: not overdue yet
    ]
    d = digest([], approvals=approvals)
    assert [a.ref for a in d.approvals] == ["ESC-4", "ESC-2", "ESC-5", "ESC-1", "ESC-3"]
    assert [a.is_overdue(NOW) for a in d.approvals] == [True, True, False, False, False]
    assert not d.is_clean
    assert d.counts["pending_approvals"] == 5


# ------------------------------------------------------------------ KPI and counts


def test_kpi_counts_items_past_resolve_due_against_the_threshold() -> None:
    late = [
        wi(f"ESC-{n}", resolve_due=chi(2026, 11, 23, 9 + n), kind=kind)
        for n, kind in enumerate(["escalation", "ticket", "ticket", "escalation"], start=1)
    ]
    d = digest(late[:3])
    assert (d.aged_past_sla, d.aged_threshold, d.needs_level10_review) == (3, 4, False)
    d = digest(late)
    assert (d.aged_past_sla, d.needs_level10_review) == (4, True)
    # Waiting on the client since before it was due: the clock is stopped, not counted.
    paused_in_time = replace(late[0], paused_since=chi(2026, 11, 23, 9))
    assert digest([paused_in_time, *late[1:]]).aged_past_sla == 3
    # Parked on the client after it was already late (SPEC, the core KPI): still counted.
    parked_late = replace(late[0], paused_since=NOW - H)
    assert digest([parked_late, *late[1:]]).aged_past_sla == 4


def test_counts() -> None:
    items = [
        wi("ESC-1"),
        wi("ESC-2", resolve_due=chi(2026, 11, 24, 17)),  # due today
        wi("ESC-3", responded_at=None, respond_due=chi(2026, 11, 24, 16)),  # due today
        wi("ESC-4", resolve_due=chi(2026, 11, 24, 9)),  # overdue: not "due today"
        wi("T-5", kind="ticket", status="waiting", paused_since=NOW - H),
        wi("T-6", kind="ticket"),
    ]
    d = digest(items, approvals=[approval("ESC-9")])
    assert tuple(d.counts) == COUNT_KEYS
    assert d.counts == {
        "open_escalations": 4,
        "open_tickets": 2,
        "waiting_on_client": 1,
        "due_today": 2,
        "pending_approvals": 1,
    }


def test_clean_day() -> None:
    d = digest([wi("ESC-1"), wi("T-2", kind="ticket")])
    assert d.is_clean
    assert not d.needs_level10_review
    assert digest([]).is_clean


def test_local_date_and_team() -> None:
    # 03:00 UTC on the 25th is still the evening of the 24th in Chicago.
    d = digest([], now=datetime(2026, 11, 25, 3, tzinfo=UTC))
    assert str(d.local_date) == "2026-11-24"
    assert (d.team_key, d.team_name, d.timezone) == (
        "service-desk",
        "Service Desk",
        "America/Chicago",
    )
    assert d.now.tzinfo is UTC


def test_lane_roles_follow_the_configuration() -> None:
    items = [
        wi("ESC-1", lane="monitoring", resolve_due=chi(2026, 11, 26, 17)),
        wi("ESC-2", lane="alert", resolve_due=chi(2026, 11, 26, 17)),
        wi("ESC-3", lane="maintenance", starts_at=NOW + H),
        wi("ESC-4", lane="change", starts_at=NOW + H),
    ]
    d = digest(items, alert_lane="monitoring", window_lanes=frozenset({"maintenance"}))
    assert (refs(d.alerts), refs(d.changes)) == (["ESC-1"], ["ESC-3"])
    off = digest(items, alert_lane=None, window_lanes=frozenset())
    assert (off.alerts, off.changes) == ((), ())


def test_the_digest_knows_when_the_psa_queue_is_stale() -> None:
    assert not digest([]).queue_stale()  # no PSA: nothing to say
    assert digest([], psa="connectwise").queue_stale()  # never synced
    fresh = digest([], psa="connectwise", queue_synced_at=NOW - 29 * M)
    assert (fresh.queue_synced_at, fresh.queue_stale()) == (NOW - 29 * M, False)
    assert digest([], psa="halo", queue_synced_at=NOW - 31 * M).queue_stale()
