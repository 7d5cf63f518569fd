"""Business-time arithmetic on real calendars: weekends, holidays, DST and far-apart teams."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar, as_utc
from bot.domain.durations import parse_duration
from bot.domain.lanes import BusinessHours, Team

CHI = ZoneInfo("America/Chicago")
LON = ZoneInfo("Europe/London")
SYD = ZoneInfo("Australia/Sydney")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def chi(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHI)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.fixture(scope="module")
def desk() -> BusinessCalendar:
    """The spec's service desk: Mon–Fri 08:00–18:00 Chicago, US holidays plus Christmas Eve."""
    return BusinessCalendar(
        timezone="America/Chicago",
        hours=BusinessHours(),
        holiday_country="US",
        holiday_dates=["2026-12-24"],
    )


@pytest.fixture(scope="module")
def london() -> BusinessCalendar:
    return BusinessCalendar(
        timezone="Europe/London",
        hours=BusinessHours(start=time(9, 30), end=time(17, 30)),
        holiday_country="GB",
        holiday_subdivision="ENG",
    )


@pytest.fixture(scope="module")
def sydney() -> BusinessCalendar:
    return BusinessCalendar(
        timezone="Australia/Sydney",
        hours=BusinessHours(start=time(9, 0), end=time(17, 0)),
        holiday_country="AU",
        holiday_subdivision="NSW",
    )


ALL_WEEK = frozenset(range(7))
NOC = BusinessCalendar(
    timezone="America/Chicago",
    hours=BusinessHours(days=ALL_WEEK, start=time(0, 0), end=time(0, 0)),
)


def assert_utc(value: datetime, expected: datetime) -> None:
    assert value == expected
    assert value.tzinfo is UTC


# ------------------------------------------------------------------ adding business time


def test_friday_afternoon_plus_two_hours_lands_monday_morning(desk: BusinessCalendar) -> None:
    result = desk.add(chi(2026, 1, 9, 17), 2 * H)
    assert_utc(result, utc(2026, 1, 12, 15))  # Mon 09:00 CST
    assert desk.local(result) == chi(2026, 1, 12, 9)


def test_amount_that_fills_the_window_ends_at_closing(desk: BusinessCalendar) -> None:
    assert desk.add(chi(2026, 1, 9, 17), H) == chi(2026, 1, 9, 18)


def test_skips_mlk_day_monday(desk: BusinessCalendar) -> None:
    assert desk.holiday_name(date(2026, 1, 19)) == "Martin Luther King Jr. Day"
    assert desk.add(chi(2026, 1, 16, 17), 2 * H) == chi(2026, 1, 20, 9)


def test_skips_labor_day_monday(desk: BusinessCalendar) -> None:
    assert_utc(desk.add(chi(2026, 9, 4, 17), 2 * H), utc(2026, 9, 8, 14))  # Tue 09:00 CDT


def test_skips_listed_date_and_christmas(desk: BusinessCalendar) -> None:
    assert desk.holiday_name(date(2026, 12, 24)) == "Team holiday"
    assert desk.holiday_name(date(2026, 12, 25)) == "Christmas Day"
    assert desk.holiday_name(date(2026, 12, 23)) is None
    # Wed 17:00: one hour left, then Thu (listed), Fri (Christmas), the weekend.
    assert desk.add(chi(2026, 12, 23, 17), 2 * H) == chi(2026, 12, 28, 9)


def test_observed_holiday_counts(desk: BusinessCalendar) -> None:
    # July 4th 2026 is a Saturday; Friday July 3rd is the observed day off.
    assert not desk.is_business_day(date(2026, 7, 3))
    assert desk.add(chi(2026, 7, 2, 17), 2 * H) == chi(2026, 7, 6, 9)


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        (chi(2026, 1, 12, 6), H, chi(2026, 1, 12, 9)),  # before opening
        (chi(2026, 1, 12, 19), H, chi(2026, 1, 13, 9)),  # after closing
        (chi(2026, 1, 12, 18), 30 * M, chi(2026, 1, 13, 8, 30)),  # exactly at closing
        (chi(2026, 1, 11, 12), 30 * M, chi(2026, 1, 12, 8, 30)),  # on Sunday
        (chi(2026, 1, 10, 23, 59), 10 * H, chi(2026, 1, 12, 18)),  # Saturday night, a full day
        (chi(2026, 1, 12, 8), timedelta(0), chi(2026, 1, 12, 8)),
    ],
)
def test_start_outside_hours(
    desk: BusinessCalendar, start: datetime, amount: timedelta, expected: datetime
) -> None:
    assert_utc(desk.add(start, amount), expected.astimezone(UTC))


def test_zero_amount_is_identity_even_when_closed(desk: BusinessCalendar) -> None:
    assert desk.add(chi(2026, 1, 10, 12), timedelta(0)) == chi(2026, 1, 10, 12)


def test_negative_amount_walks_back(desk: BusinessCalendar) -> None:
    assert desk.add(chi(2026, 1, 12, 9), -2 * H) == chi(2026, 1, 9, 17)
    assert desk.add(chi(2026, 1, 20, 8), -10 * H) == chi(2026, 1, 16, 8)  # over MLK day


def test_one_day_is_one_business_day(desk: BusinessCalendar) -> None:
    one_day = parse_duration("1d")
    assert desk.day_length() == 10 * H
    assert desk.to_timedelta(one_day) == 10 * H
    assert desk.to_timedelta(parse_duration("1d2h30m")) == timedelta(hours=12, minutes=30)
    assert desk.add(chi(2026, 1, 13, 10), one_day) == chi(2026, 1, 14, 10)
    assert desk.add(chi(2026, 1, 9, 10), one_day) == chi(2026, 1, 12, 10)
    assert desk.add(chi(2026, 1, 12, 7), one_day) == chi(2026, 1, 12, 18)
    assert desk.add(chi(2026, 1, 5, 10), parse_duration("1w")) == chi(2026, 1, 12, 10)


def test_very_long_spans(desk: BusinessCalendar) -> None:
    # Twenty years of business days: far past any scan limit, still exact.
    start = chi(2026, 1, 5, 8)
    end = desk.add(start, parse_duration("5000d"))
    assert desk.business_time_between(start, end) == 50000 * H
    assert desk.add(end, -50000 * H) == start


def test_thirty_business_days_over_a_holiday_and_dst(desk: BusinessCalendar) -> None:
    # Feb 2 (Mon) 08:00: 30 full business days, Presidents' Day (Feb 16) skipped,
    # DST starts Mar 8; the 30th business day is Mon Mar 16, and it closes at 18:00 CDT.
    result = desk.add(chi(2026, 2, 2, 8), parse_duration("30d"))
    assert_utc(result, utc(2026, 3, 16, 23))
    assert desk.business_time_between(chi(2026, 2, 2, 8), result) == 300 * H


# ------------------------------------------------------------------ DST


def test_chicago_spring_forward_weekend(desk: BusinessCalendar) -> None:
    # Fri 17:00 CST is 23:00 UTC; Mon 09:00 is CDT, 14:00 UTC (a naive add would give 15:00).
    assert_utc(desk.add(chi(2026, 3, 6, 17), 2 * H), utc(2026, 3, 9, 14))
    assert desk.next_open(chi(2026, 3, 7, 12)) == utc(2026, 3, 9, 13)  # 08:00 CDT
    assert desk.business_time_between(chi(2026, 3, 6, 8), chi(2026, 3, 9, 18)) == 20 * H


def test_chicago_fall_back_weekend(desk: BusinessCalendar) -> None:
    assert_utc(desk.add(chi(2026, 10, 30, 17), 2 * H), utc(2026, 11, 2, 15))  # 09:00 CST
    assert desk.next_open(chi(2026, 10, 31, 12)) == utc(2026, 11, 2, 14)  # 08:00 CST
    assert desk.business_time_between(chi(2026, 10, 30, 8), chi(2026, 11, 2, 18)) == 20 * H


def test_window_containing_the_change_is_shorter_or_longer() -> None:
    night = BusinessCalendar(
        timezone="America/Chicago",
        hours=BusinessHours(days=ALL_WEEK, start=time(0, 30), end=time(3, 0)),
    )
    normal = night.business_time_between(chi(2026, 3, 7), chi(2026, 3, 8))
    assert normal == timedelta(hours=2, minutes=30)
    # 02:00 CST jumps to 03:00 CDT inside the window: 00:30 CST → 03:00 CDT is 1h30m.
    assert night.business_time_between(chi(2026, 3, 8), chi(2026, 3, 9)) == 90 * M
    # 02:00 CDT falls back to 01:00 CST: 00:30 CDT → 03:00 CST is 3h30m.
    assert night.business_time_between(chi(2026, 11, 1), chi(2026, 11, 2)) == 210 * M
    # Opening is still 00:30 local on both days.
    assert night.next_open(chi(2026, 3, 8)) == utc(2026, 3, 8, 6, 30)
    assert night.next_open(chi(2026, 11, 1)) == utc(2026, 11, 1, 5, 30)


def test_london_clock_changes(london: BusinessCalendar) -> None:
    # Spring forward Sun 29 Mar: Fri 17:00 GMT + 1h → 30m Friday, 30m Monday from 09:30 BST.
    fri = datetime(2026, 3, 27, 17, tzinfo=LON)
    assert_utc(london.add(fri, H), utc(2026, 3, 30, 9))  # 10:00 BST
    assert london.next_open(fri + H) == utc(2026, 3, 30, 8, 30)
    # Fall back Sun 25 Oct: Fri 17:00 BST + 1h → Mon 10:00 GMT, which is 10:00 UTC.
    fri = datetime(2026, 10, 23, 17, tzinfo=LON)
    assert_utc(london.add(fri, H), utc(2026, 10, 26, 10))
    assert london.next_open(fri + H) == utc(2026, 10, 26, 9, 30)
    assert london.day_length() == 8 * H


def test_london_easter(london: BusinessCalendar) -> None:
    assert london.holiday_name(date(2026, 4, 3)) == "Good Friday"
    thu = datetime(2026, 4, 2, 17, tzinfo=LON)
    assert london.add(thu, H) == datetime(2026, 4, 7, 10, tzinfo=LON)


# ------------------------------------------------------------------ teams far apart


def test_sydney_and_chicago_see_the_same_instant_differently(
    desk: BusinessCalendar, sydney: BusinessCalendar
) -> None:
    instant = utc(2026, 1, 12, 15)  # Mon 09:00 in Chicago, Tue 02:00 in Sydney
    assert desk.is_open(instant)
    assert not sydney.is_open(instant)
    assert sydney.local(instant) == datetime(2026, 1, 13, 2, tzinfo=SYD)
    assert desk.add(instant, 2 * H) == utc(2026, 1, 12, 17)
    assert_utc(sydney.add(instant, 2 * H), utc(2026, 1, 13, 0))  # Tue 11:00 AEDT
    assert sydney.next_open(instant) == datetime(2026, 1, 13, 9, tzinfo=SYD)


def test_sydney_holiday_and_its_own_dst(sydney: BusinessCalendar) -> None:
    assert sydney.holiday_name(date(2026, 1, 26)) == "Australia Day"
    fri = datetime(2026, 1, 23, 16, tzinfo=SYD)
    assert sydney.add(fri, 2 * H) == datetime(2026, 1, 27, 10, tzinfo=SYD)
    # Sydney leaves DST on Sun 5 Apr (Easter, with Good Friday and Easter Monday off).
    thu = datetime(2026, 4, 2, 16, tzinfo=SYD)  # AEDT, 05:00 UTC
    assert_utc(sydney.add(thu, 2 * H), utc(2026, 4, 7, 0))  # Tue 10:00 AEST


# ------------------------------------------------------------------ 24/7


def test_around_the_clock() -> None:
    assert NOC.day_length() == 24 * H
    sat = chi(2026, 1, 10, 3)
    assert NOC.is_open(sat)
    assert NOC.next_open(sat) == sat
    assert NOC.add(sat, 5 * H) == chi(2026, 1, 10, 8)
    assert NOC.business_time_between(chi(2026, 1, 9, 17), chi(2026, 1, 12, 9)) == 64 * H
    # On the spring-forward day a 24/7 team only lives 23 hours, and 1d is 24 real hours.
    assert NOC.business_time_between(chi(2026, 3, 8), chi(2026, 3, 9)) == 23 * H
    assert NOC.add(chi(2026, 3, 7, 12), parse_duration("1d")) == chi(2026, 3, 8, 13)


def test_around_the_clock_with_holidays_walks_days() -> None:
    noc = BusinessCalendar(
        timezone="America/Chicago",
        hours=BusinessHours(days=ALL_WEEK, start=time(0, 0), end=time(0, 0)),
        holiday_dates=[date(2026, 12, 25)],
    )
    assert noc.business_time_between(chi(2026, 11, 1), chi(2026, 11, 2)) == 25 * H
    assert noc.business_time_between(chi(2026, 12, 24, 12), chi(2026, 12, 26, 12)) == 24 * H
    assert noc.add(chi(2026, 12, 24, 23), 2 * H) == chi(2026, 12, 26, 1)
    assert not noc.is_open(chi(2026, 12, 25, 12))
    assert noc.next_open(chi(2026, 12, 25, 12)) == chi(2026, 12, 26)


def test_all_day_on_weekdays_only() -> None:
    weekdays = BusinessCalendar(
        timezone="America/Chicago",
        hours=BusinessHours(start=time(0, 0), end=time(0, 0)),
    )
    assert weekdays.add(chi(2026, 1, 9, 22), 4 * H) == chi(2026, 1, 12, 2)
    assert weekdays.is_open(chi(2026, 1, 12))
    assert not weekdays.is_open(chi(2026, 1, 10))


def test_evening_shift_ending_at_midnight() -> None:
    evening = BusinessCalendar(
        timezone="America/Chicago", hours=BusinessHours(start=time(16, 0), end=time(0, 0))
    )
    assert evening.day_length() == 8 * H
    assert evening.add(chi(2026, 1, 12, 23), 2 * H) == chi(2026, 1, 13, 17)
    assert not evening.is_open(chi(2026, 1, 13))


# ------------------------------------------------------------------ between, open, days


def test_business_time_between(desk: BusinessCalendar) -> None:
    a, b = chi(2026, 1, 12, 10), chi(2026, 1, 12, 12)
    assert desk.business_time_between(a, b) == 2 * H
    assert desk.business_time_between(b, a) == -2 * H
    assert desk.business_time_between(a, a) == timedelta(0)
    # Both ends on the same closed weekend: no business time at all.
    assert desk.business_time_between(chi(2026, 1, 10, 9), chi(2026, 1, 11, 17)) == timedelta(0)
    assert desk.business_time_between(chi(2026, 1, 9, 17), chi(2026, 1, 12, 9)) == 2 * H
    # Three weeks, one of them with MLK day.
    assert desk.business_time_between(chi(2026, 1, 5), chi(2026, 1, 26)) == 140 * H
    # A whole year: 261 weekdays minus 12 weekday holidays (11 US + Christmas Eve).
    whole_year = desk.business_time_between(utc(2026, 1, 1, 6), utc(2027, 1, 1, 6))
    assert whole_year == 249 * 10 * H


def test_is_open_and_next_open(desk: BusinessCalendar) -> None:
    assert desk.is_open(chi(2026, 1, 9, 8))
    assert desk.is_open(chi(2026, 1, 9, 17, 59))
    assert not desk.is_open(chi(2026, 1, 9, 18))
    assert not desk.is_open(chi(2026, 1, 19, 10))  # MLK
    assert desk.next_open(chi(2026, 1, 9, 18)) == chi(2026, 1, 12, 8)
    assert_utc(desk.next_open(chi(2026, 1, 9, 12)), utc(2026, 1, 9, 18))
    assert desk.next_open(chi(2026, 1, 16, 19)) == chi(2026, 1, 20, 8)


def test_business_days_inclusive(desk: BusinessCalendar) -> None:
    assert desk.business_days(date(2026, 1, 15), date(2026, 1, 20)) == [
        date(2026, 1, 15),
        date(2026, 1, 16),
        date(2026, 1, 20),
    ]
    assert desk.business_days(date(2026, 1, 20), date(2026, 1, 15)) == []
    assert desk.is_business_day(date(2026, 1, 15))
    assert not desk.is_business_day(date(2026, 1, 17))


# ------------------------------------------------------------------ daily schedules

STANDUP = time(8, 45)


def test_next_business_day_at(desk: BusinessCalendar) -> None:
    assert desk.next_business_day_at(STANDUP, chi(2026, 1, 15, 8, 44)) == chi(2026, 1, 15, 8, 45)
    # Strictly after: at 08:45 itself the next one is tomorrow.
    assert desk.next_business_day_at(STANDUP, chi(2026, 1, 15, 8, 45)) == chi(2026, 1, 16, 8, 45)
    # Friday after the stand-up: skips the weekend and MLK day.
    assert desk.next_business_day_at(STANDUP, chi(2026, 1, 16, 9)) == chi(2026, 1, 20, 8, 45)
    assert desk.next_business_day_at(STANDUP, chi(2026, 12, 23, 9)) == chi(2026, 12, 28, 8, 45)
    # Across spring-forward the local time holds: 08:45 CDT is 13:45 UTC.
    assert_utc(desk.next_business_day_at(STANDUP, chi(2026, 3, 6, 9)), utc(2026, 3, 9, 13, 45))


def test_latest_business_day_at(desk: BusinessCalendar) -> None:
    assert desk.latest_business_day_at(STANDUP, chi(2026, 1, 19, 10)) == chi(2026, 1, 16, 8, 45)
    assert desk.latest_business_day_at(STANDUP, chi(2026, 1, 20, 8, 44)) == chi(2026, 1, 16, 8, 45)
    assert desk.latest_business_day_at(STANDUP, chi(2026, 1, 20, 8, 45)) == chi(2026, 1, 20, 8, 45)
    latest = desk.latest_business_day_at(STANDUP, chi(2026, 1, 24, 12))
    assert latest is not None
    assert_utc(latest, utc(2026, 1, 23, 14, 45))


def test_latest_business_day_at_none_when_closed_for_a_year() -> None:
    mondays = [date(2025, 1, 6) + timedelta(weeks=n) for n in range(60)]
    closed = BusinessCalendar(
        timezone="America/Chicago",
        hours=BusinessHours(days=frozenset({0})),
        holiday_dates=mondays,
    )
    assert closed.latest_business_day_at(STANDUP, chi(2026, 1, 20)) is None


# ------------------------------------------------------------------ construction


def test_for_team() -> None:
    team = Team(
        key="service-desk",
        name="Service Desk",
        channel="C01DESK",
        timezone="America/Chicago",
        holiday_country="US",
        holiday_dates=("2026-12-24",),
    )
    cal = BusinessCalendar.for_team(team)
    assert cal.tz == CHI
    assert not cal.is_business_day(date(2026, 12, 24))
    assert not cal.is_business_day(date(2026, 1, 19))
    assert cal.is_business_day(date(2026, 1, 20))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Mars/Olympus"},
        {"timezone": "America/Chicago", "holiday_country": "XX"},
        {"timezone": "America/Chicago", "holiday_country": "US", "holiday_subdivision": "ZZ"},
        {"timezone": "America/Chicago", "holiday_dates": ["2026-13-01"]},
        {"timezone": "America/Chicago", "hours": BusinessHours(days=frozenset())},
        {"timezone": "America/Chicago", "hours": BusinessHours(start=time(18), end=time(8))},
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(**{"hours": BusinessHours(), **kwargs})  # type: ignore[arg-type]


def test_naive_datetimes_are_refused(desk: BusinessCalendar) -> None:
    naive = datetime(2026, 1, 12, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        desk.add(naive, H)
    with pytest.raises(ValueError):
        desk.business_time_between(naive, chi(2026, 1, 12, 10))
    with pytest.raises(ValueError):
        desk.is_open(naive)
    with pytest.raises(ValueError):
        desk.next_business_day_at(STANDUP, naive)
    with pytest.raises(ValueError):
        as_utc(naive)


# ------------------------------------------------------------------ property-style


@pytest.mark.parametrize(
    "calendar_name", ["desk", "london", "sydney", "noc", "evening", "noc_holidays"]
)
def test_add_then_measure_round_trips(calendar_name: str, request: pytest.FixtureRequest) -> None:
    extra = {
        "noc": NOC,
        "evening": BusinessCalendar(
            timezone="Europe/London", hours=BusinessHours(start=time(16), end=time(0))
        ),
        "noc_holidays": BusinessCalendar(
            timezone="Australia/Sydney",
            hours=BusinessHours(days=ALL_WEEK, start=time(0), end=time(0)),
            holiday_country="AU",
        ),
    }
    cal = extra.get(calendar_name) or request.getfixturevalue(calendar_name)
    rng = random.Random(f"lanekeeper-{calendar_name}")
    origin = utc(2025, 12, 1)
    for _ in range(300):
        raw = origin + timedelta(minutes=rng.randrange(0, 60 * 24 * 500))
        start = cal.next_open(raw)
        assert cal.is_open(start)
        amount = timedelta(seconds=rng.randrange(1, 3600 * 10 * 40))
        end = cal.add(start, amount)
        assert end > start
        assert cal.business_time_between(start, end) == amount
        assert cal.business_time_between(end, start) == -amount
        assert cal.add(end, -amount) == start
        # From a closed moment the clock starts at the next opening.
        assert cal.business_time_between(raw, cal.add(raw, amount)) == amount
