"""The SLA clock rules, worked by hand in the service desk's business time.

Calendar: America/Chicago, Monday to Friday 08:00–18:00, US federal holidays (Martin Luther King
Day is Monday 19 January 2026). P1: respond 15m, resolve 4h. Every expected time below was
worked out on paper from that calendar, not read back from the code.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain import clocks
from bot.domain.calendar import BusinessCalendar
from bot.domain.clocks import Clocks, apply_change
from bot.domain.durations import parse_duration
from bot.domain.lanes import BusinessHours, SeverityTarget
from bot.domain.sla import (
    ClockReading,
    WorkItem,
    aged_past_sla,
    at_risk,
    describe_reading,
    read_clocks,
)

CHI = ZoneInfo("America/Chicago")
CAL = BusinessCalendar(timezone="America/Chicago", hours=BusinessHours(), holiday_country="US")
P1 = SeverityTarget(respond=parse_duration("15m"), resolve=parse_duration("4h"))
P2 = SeverityTarget(respond=parse_duration("1h"), resolve=parse_duration("8h"))


def chi(d: int, h: int, mi: int = 0, *, mo: int = 1) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=CHI)


def step(c: Clocks, kind: str, at: datetime, targets: SeverityTarget = P1) -> Clocks:
    return apply_change(c, kind, calendar=CAL, targets=targets, at=at)


def test_start_in_business_hours() -> None:
    c = clocks.start(CAL, P1, chi(12, 9))
    assert c == Clocks(opened_at=chi(12, 9), respond_due=chi(12, 9, 15), resolve_due=chi(12, 13))


def test_start_late_friday_runs_into_monday() -> None:
    # Fri 17:00: 1h left on Friday, 3h more on Monday from 08:00.
    c = clocks.start(CAL, P1, chi(9, 17))
    assert (c.respond_due, c.resolve_due) == (chi(9, 17, 15), chi(12, 11))


def test_first_response_is_kept_and_later_changes_do_not_move_it() -> None:
    c = clocks.start(CAL, P1, chi(12, 9))
    c = step(c, "taken", chi(12, 9, 5))
    c = step(c, "reassigned", chi(12, 10))
    assert c.responded_at == chi(12, 9, 5)
    assert (c.respond_due, c.resolve_due) == (chi(12, 9, 15), chi(12, 13))


@pytest.mark.parametrize("kind", ["taken", "reassigned", "resolved"])
def test_each_response_kind_answers_the_respond_clock(kind: str) -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), kind, chi(12, 9, 7))
    assert c.responded_at == chi(12, 9, 7)


@pytest.mark.parametrize("kind", ["waiting", "resumed", "approved", "reopened", "cancelled"])
def test_other_kinds_are_not_a_response(kind: str) -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), kind, chi(12, 9, 7))
    assert c.responded_at is None


def test_pause_across_a_weekend_moves_both_due_times_by_business_time_paused() -> None:
    # Opened Fri 9 Jan 16:00: respond 16:15, resolve Fri 16-18 (2h) + Mon 8-10 (2h) = Mon 10:00.
    c = clocks.start(CAL, P1, chi(9, 16))
    assert c.resolve_due == chi(12, 10)
    c = step(c, "waiting", chi(9, 16, 10))  # before anyone answered: the respond clock pauses too
    assert c.paused_since == chi(9, 16, 10)
    c = step(c, "resumed", chi(12, 9))
    # Paused in business time: Fri 16:10–18:00 (1h50m) + Mon 08:00–09:00 (1h) = 2h50m.
    assert c.paused_since is None
    assert c.respond_due == chi(12, 9, 5)  # 5 minutes were left at the pause
    assert c.resolve_due == chi(12, 12, 50)  # 3h50m were left at the pause


def test_pause_over_a_holiday_counts_only_business_time() -> None:
    # Opened Fri 16 Jan 15:00: resolve = Fri 15-18 (3h) + 1h on Tue 20 Jan (Mon 19 is MLK Day).
    c = step(clocks.start(CAL, P1, chi(16, 15)), "taken", chi(16, 15, 5))
    assert c.resolve_due == chi(20, 9)
    c = step(c, "waiting", chi(16, 16))
    c = step(c, "resumed", chi(20, 8, 30))
    # Paused: Fri 16-18 (2h) + Tue 08:00-08:30 (30m); the holiday and the weekend count nothing.
    assert c.resolve_due == chi(20, 11, 30)
    assert c.respond_due == chi(16, 15, 15)  # answered before the pause: not moved


def test_pause_entirely_outside_business_hours_moves_nothing() -> None:
    c = step(clocks.start(CAL, P1, chi(9, 16)), "waiting", chi(10, 10))  # Saturday
    resumed = step(c, "resumed", chi(11, 20))  # Sunday evening
    assert (resumed.respond_due, resumed.resolve_due) == (chi(9, 16, 15), chi(12, 10))


def test_breached_clock_stays_breached_by_the_same_amount() -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), "taken", chi(12, 9, 5))
    c = step(c, "waiting", chi(12, 14))  # 1h past the 13:00 due time
    c = step(c, "resumed", chi(12, 16))
    assert c.resolve_due == chi(12, 15)  # at 16:00 still 1h overdue


def test_waiting_twice_keeps_the_first_pause() -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), "waiting", chi(12, 10))
    assert step(c, "waiting", chi(12, 11)).paused_since == chi(12, 10)


def test_resume_without_pause_moves_nothing() -> None:
    c = clocks.start(CAL, P1, chi(12, 9))
    assert step(c, "resumed", chi(12, 11)) == c


def test_resolving_while_waiting_ends_the_pause_at_the_resolution() -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), "taken", chi(12, 9, 5))
    c = step(c, "waiting", chi(12, 10))
    c = step(c, "resolved", chi(12, 12))
    assert c.resolved_at == chi(12, 12)
    assert c.paused_since is None
    assert c.resolve_due == chi(12, 15)  # the 2h on hold are not held against the team


def test_reopen_after_breach_restarts_the_resolve_clock_from_the_reopen() -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), "taken", chi(12, 9, 5))
    c = step(c, "resolved", chi(12, 15))  # 2h late
    c = step(c, "reopened", chi(13, 10))
    assert c.resolved_at is None
    assert c.resolve_due == chi(13, 14)  # a full 4h again, from Tue 10:00
    assert (c.respond_due, c.responded_at) == (chi(12, 9, 15), chi(12, 9, 5))
    assert c.opened_at == chi(12, 9)


def test_reopen_late_friday_runs_into_monday() -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), "resolved", chi(12, 10))
    c = step(c, "reopened", chi(16, 17, 30))
    assert c.resolve_due == chi(20, 11, 30)  # Fri 30m, Mon 19 holiday, Tue 08:00 + 3h30m


def test_approval_starts_both_clocks_at_the_decision() -> None:
    pending = Clocks()
    c = step(pending, "approved", chi(12, 11), P2)
    assert c == Clocks(opened_at=chi(12, 11), respond_due=chi(12, 12), resolve_due=chi(13, 9))


@pytest.mark.parametrize("kind", ["rejected", "cancelled"])
def test_rejecting_or_cancelling_drops_a_pause(kind: str) -> None:
    c = step(clocks.start(CAL, P1, chi(12, 9)), "waiting", chi(12, 10))
    after = step(c, kind, chi(12, 11))
    assert after.paused_since is None
    assert after.resolve_due == c.resolve_due


def test_approvers_are_due_at_the_respond_target_from_the_request() -> None:
    assert clocks.approval_due(CAL, P2, chi(9, 17, 30)) == chi(12, 8, 30)


def test_unknown_kinds_leave_the_clocks_alone() -> None:
    c = clocks.start(CAL, P1, chi(12, 9))
    assert step(c, "noted", chi(12, 10)) is c


# ----------------------------------------------------------- the core KPI's wait rule


def _item(*, kind: str, resolve_due: datetime, paused_since: datetime | None) -> WorkItem:
    return WorkItem(
        kind=kind,
        ref="X-1",
        team="service-desk",
        severity="P1",
        client="Contoso",
        summary="Backups failing",
        owner=None,
        status="waiting" if paused_since else "open",
        opened_at=chi(12, 8),
        respond_due=None,
        resolve_due=resolve_due,
        paused_since=paused_since,
    )


def test_waiting_items_are_not_aged_unless_an_escalation_was_late_before_the_wait() -> None:
    now = chi(14, 12)
    parked_late = _item(kind="escalation", resolve_due=chi(12, 13), paused_since=chi(12, 15))
    parked_in_time = _item(kind="escalation", resolve_due=chi(12, 13), paused_since=chi(12, 11))
    ticket_on_hold = _item(kind="ticket", resolve_due=chi(12, 13), paused_since=chi(12, 15))
    running_late = _item(kind="ticket", resolve_due=chi(13, 9), paused_since=None)
    not_due = _item(kind="escalation", resolve_due=chi(14, 13), paused_since=None)
    aged = aged_past_sla([parked_in_time, ticket_on_hold, running_late, parked_late, not_due], now)
    assert aged == [parked_late, running_late]  # most overdue first


# ------------------------------------------- edges a mutation run showed no test noticed


def test_reopen_drops_a_stray_pause() -> None:
    stray = Clocks(opened_at=chi(12, 9), resolve_due=chi(12, 13), paused_since=chi(12, 10))
    assert step(stray, "reopened", chi(13, 10)).paused_since is None


def test_resume_of_a_due_time_outside_hours_keeps_it_exactly() -> None:
    # Due Friday 18:00 (the close), paused over the weekend only: stays Friday 18:00.
    from bot.domain.sla import resume_due

    assert resume_due(CAL, chi(9, 18), chi(10, 9), chi(11, 9)) == chi(9, 18)


NAIVE = datetime(2026, 1, 12, 9)


@pytest.mark.parametrize(
    ("field", "call"),
    [
        (
            "now",
            lambda: read_clocks(
                _item(kind="ticket", resolve_due=chi(12, 13), paused_since=None), CAL, NAIVE
            ),
        ),
        ("now", lambda: aged_past_sla([], NAIVE)),
        (
            "resolve_due",
            lambda: aged_past_sla(
                [_item(kind="ticket", resolve_due=NAIVE, paused_since=None)], chi(12, 9)
            ),
        ),
        (
            "paused_since",
            lambda: aged_past_sla(
                [_item(kind="escalation", resolve_due=chi(12, 13), paused_since=NAIVE)], chi(12, 9)
            ),
        ),
        (
            "paused_since",
            lambda: read_clocks(
                _item(kind="ticket", resolve_due=chi(12, 13), paused_since=NAIVE), CAL, chi(12, 9)
            ),
        ),
        (
            "due",
            lambda: read_clocks(
                _item(kind="ticket", resolve_due=NAIVE, paused_since=None), CAL, chi(12, 9)
            ),
        ),
        (
            "due",
            lambda: __import__("bot.domain.sla", fromlist=["x"]).resume_due(
                CAL, NAIVE, chi(10, 9), chi(11, 9)
            ),
        ),
    ],
)
def test_naive_times_are_refused_naming_the_field(field: str, call: Any) -> None:
    with pytest.raises(ValueError, match=rf"^{field} must be timezone-aware"):
        call()


def test_a_clock_due_at_opening_reads_fully_used() -> None:
    due_now = replace(
        _item(kind="ticket", resolve_due=chi(12, 8), paused_since=None), respond_due=chi(12, 8)
    )
    readings = read_clocks(due_now, CAL, chi(12, 8))
    assert [(r.clock, r.fraction) for r in readings] == [("respond", 1.0), ("resolve", 1.0)]


def test_a_known_respond_target_is_used_after_a_pause() -> None:
    # Respond target 1h; a 2h pause pushed the due time to 11:00. At 10:30 the clock has used
    # 30 minutes of 1h — not 2h30m of 3h, which the opening-to-due span would suggest.
    item = replace(
        _item(kind="escalation", resolve_due=chi(13, 9), paused_since=None),
        respond_due=chi(12, 11),
        respond_target=timedelta(hours=1),
    )
    respond = read_clocks(item, CAL, chi(12, 10, 30))[0]
    assert (respond.clock, respond.elapsed, respond.fraction) == (
        "respond",
        timedelta(minutes=30),
        0.5,
    )


def test_at_risk_prefers_the_respond_clock_on_a_tie() -> None:
    both = replace(
        _item(kind="ticket", resolve_due=chi(12, 9), paused_since=None), respond_due=chi(12, 9)
    )
    assert at_risk(both, CAL, chi(12, 10)).clock == "respond"  # type: ignore[union-attr]


def test_paused_exactly_at_the_due_time_was_not_late_yet() -> None:
    on_the_dot = _item(kind="escalation", resolve_due=chi(12, 13), paused_since=chi(12, 13))
    assert aged_past_sla([on_the_dot], chi(14, 9)) == []


@pytest.mark.parametrize(
    ("remaining", "breached", "text"),
    [
        (timedelta(seconds=59), False, "breaches in under 1m"),
        (timedelta(seconds=60), False, "breaches in 1m"),
        (timedelta(seconds=-59), True, "breached under 1m ago"),
        (timedelta(seconds=-60), True, "breached 1m ago"),
        (timedelta(0), True, "breached under 1m ago"),
    ],
)
def test_describe_reading_boundaries(remaining: timedelta, breached: bool, text: str) -> None:
    r = ClockReading(
        "resolve", chi(12, 9), timedelta(hours=4), timedelta(0), remaining, 0.5, breached
    )
    assert describe_reading(r) == text
