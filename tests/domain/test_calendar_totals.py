"""Business time from the table of running totals is exactly the day-by-day walk's.

:meth:`BusinessCalendar.business_time_between` sums the windows between a span's two ends from
a table of running totals and clips only the first two and last two local dates; the plain walk
(:meth:`BusinessCalendar._business_time_by_day`, which computes every window afresh) is kept as
the reference. Checked on arbitrary instants, in zones with DST (Chicago, London, Sydney, Lord
Howe's half-hour change, Santiago's change at midnight), a date-line skip (Apia lost
30 December 2011), windows that contain a clock change, evening shifts ending at midnight, 24/7
with holidays, national and listed holidays, and spans from seconds to decades (past the
table's reach, where it falls back to the walk).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.lanes import BusinessHours

WEEKDAYS = frozenset(range(5))
ALL_WEEK = frozenset(range(7))


def _calendars() -> dict[str, BusinessCalendar]:
    return {
        "chicago desk, US holidays and a listed day": BusinessCalendar(
            timezone="America/Chicago",
            hours=BusinessHours(),
            holiday_country="US",
            holiday_dates=["2026-12-24", "2027-03-15"],
        ),
        # 01:00-04:00 contains the change itself: that window is 2 or 4 hours long.
        "chicago night window over the change": BusinessCalendar(
            timezone="America/Chicago",
            hours=BusinessHours(days=ALL_WEEK, start=time(1), end=time(4)),
        ),
        "london evening to midnight": BusinessCalendar(
            timezone="Europe/London",
            hours=BusinessHours(start=time(16), end=time(0)),
            holiday_country="GB",
            holiday_subdivision="ENG",
        ),
        "sydney 24/7 with holidays": BusinessCalendar(
            timezone="Australia/Sydney",
            hours=BusinessHours(days=ALL_WEEK, start=time(0), end=time(0)),
            holiday_country="AU",
            holiday_subdivision="NSW",
        ),
        "lord howe half-hour change": BusinessCalendar(
            timezone="Australia/Lord_Howe",
            hours=BusinessHours(days=ALL_WEEK, start=time(1, 30), end=time(2, 30)),
        ),
        # Chile moves its clocks at midnight: 00:00 is skipped or repeated on those days.
        "santiago from midnight": BusinessCalendar(
            timezone="America/Santiago",
            hours=BusinessHours(days=ALL_WEEK, start=time(0), end=time(9)),
        ),
        "apia weekdays all day": BusinessCalendar(
            timezone="Pacific/Apia",
            hours=BusinessHours(days=WEEKDAYS, start=time(0), end=time(0)),
        ),
        "kolkata weekend shift": BusinessCalendar(
            timezone="Asia/Kolkata",
            hours=BusinessHours(days=frozenset({5, 6}), start=time(9, 15), end=time(17, 45)),
            holiday_dates=["2026-11-28"],
        ),
    }


CALENDARS = _calendars()
ORIGIN = datetime(2011, 1, 1, tzinfo=UTC)

instants = st.builds(
    lambda us: ORIGIN + timedelta(microseconds=us),
    st.integers(min_value=0, max_value=20 * 366 * 24 * 3600 * 10**6),
)
# Mostly spans of hours to months (the stand-up's), some of seconds, some of decades.
spans = st.one_of(
    st.integers(min_value=0, max_value=3600 * 10**6),
    st.integers(min_value=0, max_value=120 * 24 * 3600 * 10**6),
    st.integers(min_value=0, max_value=40 * 366 * 24 * 3600 * 10**6),
).map(lambda us: timedelta(microseconds=us))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    a=instants,
    span=spans,
    backwards=st.booleans(),
)
def test_the_table_gives_exactly_the_day_by_day_walk(
    name: str, a: datetime, span: timedelta, backwards: bool
) -> None:
    cal = CALENDARS[name]
    b = a - span if backwards else a + span
    assert cal.business_time_between(a, b) == cal._business_time_by_day(a, b)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    a=instants,
    hops=st.lists(st.integers(min_value=1, max_value=90 * 24 * 3600), min_size=1, max_size=6),
)
def test_a_fresh_calendar_grown_piece_by_piece_agrees(
    name: str, a: datetime, hops: list[int]
) -> None:
    """The table grows on both sides as spans reach past it; each answer still matches."""
    template = CALENDARS[name]
    cal = BusinessCalendar(
        timezone=template.timezone_name,
        hours=template.hours,
        holiday_country=template.holiday_country,
        holiday_subdivision=template.holiday_subdivision,
        holiday_dates=sorted(template._listed),
    )
    for i, seconds in enumerate(hops):
        b = a + timedelta(seconds=seconds) * (1 if i % 2 else -1) * (i + 1)
        assert cal.business_time_between(a, b) == cal._business_time_by_day(a, b)


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_every_clock_change_of_a_decade(name: str) -> None:
    """Spans starting and ending on each side of every offset change from 2011 to 2030."""
    cal = CALENDARS[name]
    tz = cal.tz
    changes = []
    t = datetime(2011, 1, 1, tzinfo=UTC)
    while t < datetime(2031, 1, 1, tzinfo=UTC):
        nxt = t + timedelta(hours=1)
        if t.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            changes.append(nxt)
        t = nxt
    assert changes or name.startswith("kolkata")
    for change in changes:
        for before in (timedelta(minutes=-90), timedelta(0), timedelta(minutes=30)):
            a = change + before
            for days in (0, 1, 2, 3, 5, 6, 9, 40):
                for minutes in (-61, 0, 59):
                    b = a + timedelta(days=days, minutes=minutes)
                    assert cal.business_time_between(a, b) == cal._business_time_by_day(a, b)
                    assert cal.business_time_between(b, a) == cal._business_time_by_day(b, a)


def test_a_span_longer_than_the_table_walks_day_by_day() -> None:
    """Past the table's reach (about 22 years) the walk answers; nothing is cached for it."""
    cal = CALENDARS["chicago desk, US holidays and a listed day"]
    a = datetime(1990, 1, 2, 15, tzinfo=UTC)
    b = datetime(2030, 6, 3, 15, tzinfo=UTC)
    assert cal.business_time_between(a, b) == cal._business_time_by_day(a, b)
    assert cal._totals.end - cal._totals.first <= 8_000


def test_the_totals_are_the_windows_lengths() -> None:
    """A worked example: Chicago Mon-Fri 08:00-18:00 from Friday 20 to Wednesday 25 November
    2026 noon; 23-24 Nov are full days (the inner dates), Thanksgiving is the 26th."""
    cal = BusinessCalendar(timezone="America/Chicago", hours=BusinessHours(), holiday_country="US")
    a = datetime(2026, 11, 20, 16, tzinfo=UTC)  # Fri 10:00 local: 8h left that day
    b = datetime(2026, 11, 27, 18, tzinfo=UTC)  # Fri 12:00 local, after Thanksgiving: 4h
    # Mon 23, Tue 24, Wed 25: 30h; Thu 26 holiday; weekend nothing.
    assert cal.business_time_between(a, b) == timedelta(hours=8 + 30 + 4)
    assert cal.business_time_between(b, a) == -timedelta(hours=42)
    assert cal._window(date(2026, 11, 26)) is None
