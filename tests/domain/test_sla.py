"""SLA clocks on plain work items, in the service desk's business time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.durations import parse_duration
from bot.domain.lanes import BusinessHours, SeverityTarget
from bot.domain.sla import (
    ClockReading,
    WorkItem,
    aged_past_sla,
    at_risk,
    count_aged_past_sla,
    describe_reading,
    due_times,
    read_clocks,
    resume_due,
    thresholds_crossed,
)

CHI = ZoneInfo("America/Chicago")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CAL = BusinessCalendar(timezone="America/Chicago", hours=BusinessHours(), holiday_country="US")
P1 = SeverityTarget(respond=parse_duration("15m"), resolve=parse_duration("4h"))
P2 = SeverityTarget(respond=parse_duration("1h"), resolve=parse_duration("1d"))


def chi(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHI)


def item(**changes: Any) -> WorkItem:
    """A P1 escalation opened Mon 12 Jan 2026 09:00 CST: respond by 09:15, resolve by 13:00."""
    base = WorkItem(
        kind="escalation",
        ref="ESC-12",
        team="service-desk",
        severity="P1",
        client="Acme Dental",
        summary="Backups failing on the file server",
        owner="U01TECH1",
        status="open",
        opened_at=chi(2026, 1, 12, 9),
        respond_due=chi(2026, 1, 12, 9, 15),
        resolve_due=chi(2026, 1, 12, 13),
    )
    return replace(base, **changes)


def responded(**changes: Any) -> WorkItem:
    fields: dict[str, Any] = {"status": "acknowledged", "responded_at": chi(2026, 1, 12, 9, 5)}
    return item(**(fields | changes))


# ------------------------------------------------------------------ due times


def test_due_times_in_business_hours() -> None:
    respond, resolve = due_times(CAL, P1, chi(2026, 1, 12, 9))
    assert (respond, resolve) == (chi(2026, 1, 12, 9, 15), chi(2026, 1, 12, 13))
    assert respond.tzinfo is UTC


def test_due_times_over_the_weekend() -> None:
    respond, resolve = due_times(CAL, P1, chi(2026, 1, 9, 17))
    assert respond == chi(2026, 1, 9, 17, 15)
    assert resolve == chi(2026, 1, 12, 11)
    respond, resolve = due_times(CAL, P2, chi(2026, 1, 9, 17, 50))
    assert respond == chi(2026, 1, 12, 8, 50)
    assert resolve == chi(2026, 1, 12, 17, 50)  # 1d = one 10-hour business day


def test_due_times_opened_on_sunday_start_monday() -> None:
    assert due_times(CAL, P1, chi(2026, 1, 11, 15)) == (
        chi(2026, 1, 12, 8, 15),
        chi(2026, 1, 12, 12),
    )


# ------------------------------------------------------------------ pause and resume


def test_resume_pushes_due_by_business_time_paused() -> None:
    # Paused Fri 17:30 → Mon 09:00: 30m + 1h of business time.
    due = resume_due(CAL, chi(2026, 1, 12, 11), chi(2026, 1, 9, 17, 30), chi(2026, 1, 12, 9))
    assert due == chi(2026, 1, 12, 12, 30)
    assert due.tzinfo is UTC


def test_pause_outside_hours_moves_nothing() -> None:
    due = chi(2026, 1, 12, 11)
    assert resume_due(CAL, due, chi(2026, 1, 9, 18), chi(2026, 1, 12, 8)) == due


def test_breached_clock_stays_breached_by_the_same_amount() -> None:
    # Due 10:00, paused at 11:00 (1h late), resumed 14:00: still 1h late at resume.
    due = resume_due(CAL, chi(2026, 1, 12, 10), chi(2026, 1, 12, 11), chi(2026, 1, 12, 14))
    assert due == chi(2026, 1, 12, 13)
    assert CAL.business_time_between(chi(2026, 1, 12, 14), due) == -H


def test_remaining_is_the_same_before_and_after_a_pause() -> None:
    paused_at, resumed_at = chi(2026, 1, 12, 10), chi(2026, 1, 13, 15)
    before = read_clocks(responded(), CAL, paused_at)[0]
    new_due = resume_due(CAL, chi(2026, 1, 12, 13), paused_at, resumed_at)
    after = read_clocks(responded(resolve_due=new_due), CAL, resumed_at)[0]
    assert before.remaining == after.remaining == 3 * H


# ------------------------------------------------------------------ readings


def test_read_clocks_running() -> None:
    respond, resolve = read_clocks(item(), CAL, chi(2026, 1, 12, 10))
    assert respond == ClockReading(
        clock="respond",
        due=chi(2026, 1, 12, 9, 15),
        target=15 * M,
        elapsed=H,
        remaining=-45 * M,
        fraction=4.0,
        breached=True,
    )
    assert resolve.clock == "resolve"
    assert (resolve.target, resolve.elapsed, resolve.remaining) == (4 * H, H, 3 * H)
    assert resolve.fraction == 0.25
    assert not resolve.breached


def test_respond_clock_stops_when_responded() -> None:
    readings = read_clocks(responded(), CAL, chi(2026, 1, 12, 10))
    assert [r.clock for r in readings] == ["resolve"]


def test_no_clocks_once_resolved_or_cancelled() -> None:
    assert read_clocks(responded(resolved_at=chi(2026, 1, 12, 11)), CAL, chi(2026, 1, 12, 12)) == []
    assert read_clocks(item(status="cancelled"), CAL, chi(2026, 1, 12, 12)) == []


def test_clocks_frozen_while_paused() -> None:
    paused = responded(status="waiting", paused_since=chi(2026, 1, 12, 10))
    at_pause = read_clocks(paused, CAL, chi(2026, 1, 12, 10))
    assert read_clocks(paused, CAL, chi(2026, 1, 12, 17)) == at_pause
    assert read_clocks(paused, CAL, chi(2026, 1, 20, 17)) == at_pause
    assert at_pause[0].remaining == 3 * H
    assert not at_pause[0].breached


def test_known_target_gives_exact_elapsed_after_a_pause() -> None:
    # A 2h pause pushed the 13:00 due to 15:00; at 14:00 one hour is left.
    moved = responded(resolve_due=chi(2026, 1, 12, 15))
    exact = read_clocks(replace(moved, resolve_target=4 * H), CAL, chi(2026, 1, 12, 14))[0]
    assert (exact.target, exact.elapsed, exact.remaining, exact.fraction) == (4 * H, 3 * H, H, 0.75)
    # Without it, the finished pause counts as elapsed: target = elapsed + remaining.
    rough = read_clocks(moved, CAL, chi(2026, 1, 12, 14))[0]
    assert (rough.target, rough.elapsed, rough.remaining) == (6 * H, 5 * H, H)


def test_breached_over_the_weekend_in_real_time() -> None:
    # Due Friday 18:00: no business time is left all weekend, but it is late, not pending.
    weekend = responded(resolve_due=chi(2026, 1, 9, 18), opened_at=chi(2026, 1, 9, 14))
    (reading,) = read_clocks(weekend, CAL, chi(2026, 1, 10, 12))
    assert reading.remaining == timedelta(0)
    assert reading.breached
    assert describe_reading(reading) == "breached under 1m ago"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        read_clocks(item(), CAL, datetime(2026, 1, 12, 10))
    with pytest.raises(ValueError):
        aged_past_sla([item()], datetime(2026, 1, 12, 10))


# ------------------------------------------------------------------ at risk


def test_at_risk_window() -> None:
    assert at_risk(responded(), CAL, chi(2026, 1, 12, 8, 59)) is None  # 4h01m left
    risk = at_risk(responded(), CAL, chi(2026, 1, 12, 9, 30))
    assert risk is not None
    assert (risk.clock, risk.remaining) == ("resolve", 3 * H + 30 * M)
    assert at_risk(responded(), CAL, chi(2026, 1, 12, 9, 30), window=H) is None
    later = responded(resolve_due=chi(2026, 1, 13, 13))
    assert at_risk(later, CAL, chi(2026, 1, 12, 9, 30), window=14 * H) is not None


def test_at_risk_counts_business_time() -> None:
    # Due Monday 10:00; on Friday at 16:00 only 4 business hours are left.
    monday = responded(resolve_due=chi(2026, 1, 12, 10), opened_at=chi(2026, 1, 9, 9))
    risk = at_risk(monday, CAL, chi(2026, 1, 9, 16))
    assert risk is not None
    assert risk.remaining == 4 * H
    assert at_risk(monday, CAL, chi(2026, 1, 9, 15, 59)) is None


def test_at_risk_prefers_the_breached_clock() -> None:
    risk = at_risk(item(), CAL, chi(2026, 1, 12, 10))
    assert risk is not None
    assert (risk.clock, risk.breached) == ("respond", True)


def test_not_at_risk_while_paused_with_time_left() -> None:
    # At 12:30 a running clock would have 30m left; paused at 09:10 it keeps 3h50m.
    running = responded()
    assert at_risk(running, CAL, chi(2026, 1, 12, 12, 30), window=H) is not None
    paused = responded(status="waiting", paused_since=chi(2026, 1, 12, 9, 10))
    assert at_risk(paused, CAL, chi(2026, 1, 12, 12, 30), window=H) is None
    risk = at_risk(paused, CAL, chi(2026, 1, 12, 12, 30))
    assert risk is not None
    assert risk.remaining == 3 * H + 50 * M


# ------------------------------------------------------------------ thresholds


def test_thresholds_warn_then_breach() -> None:
    acked = responded()
    assert thresholds_crossed(acked, CAL, chi(2026, 1, 12, 11, 59)) == []
    assert thresholds_crossed(acked, CAL, chi(2026, 1, 12, 12)) == [("resolve", "warn")]
    assert thresholds_crossed(acked, CAL, chi(2026, 1, 12, 13)) == [
        ("resolve", "warn"),
        ("resolve", "breach"),
    ]
    assert thresholds_crossed(acked, CAL, chi(2026, 1, 12, 10), warn_at=0.25) == [
        ("resolve", "warn")
    ]


def test_thresholds_on_both_clocks() -> None:
    assert thresholds_crossed(item(), CAL, chi(2026, 1, 12, 13, 30)) == [
        ("respond", "warn"),
        ("respond", "breach"),
        ("resolve", "warn"),
        ("resolve", "breach"),
    ]
    assert thresholds_crossed(item(), CAL, chi(2026, 1, 12, 9, 12)) == [("respond", "warn")]


def test_no_thresholds_when_resolved() -> None:
    done = responded(status="resolved", resolved_at=chi(2026, 1, 12, 12))
    assert thresholds_crossed(done, CAL, chi(2026, 1, 13, 12)) == []


# ------------------------------------------------------------------ aged backlog


def test_aged_past_sla() -> None:
    now = chi(2026, 1, 14, 12)
    late = responded(ref="ESC-1", resolve_due=chi(2026, 1, 13, 9))
    later = responded(ref="ESC-2", resolve_due=chi(2026, 1, 12, 9))
    items = [
        late,
        responded(ref="ESC-3", resolve_due=chi(2026, 1, 13, 9), paused_since=chi(2026, 1, 12, 9)),
        responded(ref="ESC-4", resolve_due=chi(2026, 1, 13, 9), resolved_at=chi(2026, 1, 13, 8)),
        responded(ref="ESC-5", resolve_due=chi(2026, 1, 14, 15)),
        responded(ref="ESC-6", resolve_due=None),
        responded(ref="ESC-7", resolve_due=chi(2026, 1, 13, 9), status="cancelled"),
        replace(later, kind="ticket", ref="T-88123", status="In Progress"),
        responded(ref="ESC-8", resolve_due=now),  # due right now: not past it yet
    ]
    assert [i.ref for i in aged_past_sla(items, now)] == ["T-88123", "ESC-1"]
    assert aged_past_sla([], now) == []
    # The count the stand-up shows is the same rule, unordered.
    assert count_aged_past_sla(items, now) == 2
    assert count_aged_past_sla(items, chi(2026, 1, 14, 16)) == 4  # ESC-5 and ESC-8 too
    assert count_aged_past_sla([], now) == 0
    with pytest.raises(ValueError, match=r"^now must be timezone-aware"):
        count_aged_past_sla(items, datetime(2026, 1, 14, 12))


# ------------------------------------------------------------------ wording


def reading(remaining: timedelta, breached: bool) -> ClockReading:
    return ClockReading(
        clock="resolve",
        due=datetime(2026, 1, 12, 19, tzinfo=UTC),
        target=4 * H,
        elapsed=4 * H - remaining,
        remaining=remaining,
        fraction=(4 * H - remaining) / (4 * H),
        breached=breached,
    )


@pytest.mark.parametrize(
    ("remaining", "breached", "text"),
    [
        (80 * M, False, "breaches in 1h 20m"),
        (2 * H, False, "breaches in 2h"),
        (5 * M, False, "breaches in 5m"),
        (30 * timedelta(seconds=1), False, "breaches in under 1m"),
        (-3 * H, True, "breached 3h ago"),
        (-(3 * H + 5 * M), True, "breached 3h 5m ago"),
        (-26 * H, True, "breached 1d 2h ago"),
        (timedelta(0), True, "breached under 1m ago"),
    ],
)
def test_describe_reading(remaining: timedelta, breached: bool, text: str) -> None:
    assert describe_reading(reading(remaining, breached)) == text


def test_describe_uses_business_time() -> None:
    friday = responded(resolve_due=chi(2026, 1, 12, 9), opened_at=chi(2026, 1, 9, 13))
    (r,) = read_clocks(friday, CAL, chi(2026, 1, 9, 17))
    assert describe_reading(r) == "breaches in 2h"


# ------------------------------------------------------------------ building items fast


def test_from_fields_is_the_constructors_item() -> None:
    full = item(responded_at=chi(2026, 1, 12, 9, 5), lane="network", category="Backup")
    fields = {f: getattr(full, f) for f in WorkItem.__dataclass_fields__}
    fast = WorkItem.from_fields(dict(fields))
    assert fast == full and hash(fast) == hash(full)
    assert fast.is_closed is False and fast.is_paused is False
    # Omitted fields read their defaults, as the constructor gives them.
    required = {k: v for k, v in fields.items() if k not in ("category", "owner_name", "lane")}
    assert WorkItem.from_fields(required) == WorkItem(**required)
    assert WorkItem.from_fields(required).category is None
    with pytest.raises(AttributeError):
        fast.status = "closed"  # type: ignore[misc]  # still frozen
