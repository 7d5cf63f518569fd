"""A team's business calendar: when its SLA clocks run.

SLA targets are written in *business* time ("4h" means four working hours of the owning
team), so every due time, "breaches in …" figure and daily stand-up depends on this module.

Business windows are defined in the team's local wall-clock time: a team that works
08:00–18:00 opens at 08:00 local on the day the clocks change too. The amount of business
time inside a window is the real (UTC) time elapsed in it, so only a window that contains a
DST change is an hour longer or shorter than usual. Everything is computed day by day (never
minute by minute) on UTC instants, because arithmetic on two datetimes that share a
``ZoneInfo`` compares wall clocks and silently gets DST wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from .durations import Duration
from .lanes import BusinessHours, Team

__all__ = ["BusinessCalendar", "as_utc"]

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# How far to look for a business day before deciding there is none. A calendar whose working
# days are all holidays for ten years is a configuration error, not a reason to loop forever.
_MAX_SCAN_DAYS = 3660
# Holiday names go into English Slack messages; the library defaults to the country's language.
_PREFERRED_LANGUAGES = ("en_US", "en_GB", "en_AU", "en_CA", "en_NZ", "en_IN", "en")
LISTED_HOLIDAY_NAME = "Team holiday"
# The running totals of business time cover at most this many local dates per calendar (about
# 22 years); a span reaching past them is measured day by day, as before.
_MAX_TABLE_DAYS = 8_000
_TABLE_MARGIN_DAYS = 92
_START_OF_TIME = datetime.min.replace(tzinfo=UTC)
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)


def as_utc(at: datetime, name: str = "datetime") -> datetime:
    """Return ``at`` in UTC, refusing naive datetimes.

    A naive datetime has no meaning across teams in different timezones; guessing would put
    SLA clocks hours off without anyone noticing, so it is an error instead.
    """
    if at.tzinfo is UTC:  # stored times come back in UTC: the common case costs nothing
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def _parse_listed_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f'holiday date "{value}" is not a date (use YYYY-MM-DD)') from None


@dataclass(frozen=True)
class _Totals:
    """Business time before each local date of a contiguous range, for one calendar.

    ``before[i]`` is the sum of the window lengths of the dates ``first`` … ``first + i - 1``
    (``before[0]`` is zero), so the business time of every window from date ``d`` to date
    ``e - 1`` is ``before[e - first] - before[d - first]``. Immutable: a calendar swaps in a
    longer table instead of changing one that another thread may be reading.
    """

    first: int  # proleptic ordinal of the first date covered
    before: tuple[timedelta, ...]  # one entry more than the dates covered

    @property
    def end(self) -> int:
        """Ordinal of the first date past the table."""
        return self.first + len(self.before) - 1


class BusinessCalendar:
    """Working days, daily hours and holidays of one team, in its own timezone."""

    def __init__(
        self,
        *,
        timezone: str,
        hours: BusinessHours,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        holiday_dates: Iterable[date | str] = (),
    ) -> None:
        try:
            self.tz: ZoneInfo = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'"{timezone}" is not a known timezone') from None
        if not hours.days:
            raise ValueError("business hours need at least one working day")
        if any(d not in range(7) for d in hours.days):
            raise ValueError("working days are numbered 0 (Monday) to 6 (Sunday)")
        # An end of 00:00 means midnight at the end of the day (e.g. 16:00–00:00 evening shift).
        if not hours.all_day and hours.end != time(0, 0) and hours.end <= hours.start:
            raise ValueError(
                f"business hours end ({hours.end:%H:%M}) must be after they start "
                f"({hours.start:%H:%M}); overnight windows are not supported"
            )
        self.timezone_name = timezone
        self.hours = hours
        self.holiday_country = holiday_country
        self.holiday_subdivision = holiday_subdivision
        self._listed: frozenset[date] = frozenset(_parse_listed_date(v) for v in holiday_dates)
        self._by_year: dict[int, dict[date, str]] = {}
        # Windows per local date and running totals of business time, built on first use:
        # everything they depend on (hours, timezone, holidays) is fixed for the calendar's life.
        self._windows: dict[date, tuple[datetime, datetime] | None] = {}
        self._totals = _Totals(first=0, before=(_ZERO,))
        self._totals_lock = threading.Lock()
        self._pinned: tuple[datetime, int, timedelta, timedelta] | None = None
        self._last: datetime | None = None
        self._language: str | None = None
        if holiday_country:
            # Fail at configuration time, not on the first SLA computation.
            try:
                probe = holidays.country_holidays(holiday_country, subdiv=holiday_subdivision)
            except NotImplementedError as exc:
                raise ValueError(str(exc)) from None
            supported = getattr(type(probe), "supported_languages", ())
            self._language = next(
                (lang for lang in _PREFERRED_LANGUAGES if lang in supported), None
            )
        # 24/7 without holidays is plain elapsed time; skipping the day walk keeps it exact
        # and fast for any span.
        self._always_open = (
            hours.all_day and len(hours.days) == 7 and not holiday_country and not self._listed
        )

    @classmethod
    def for_team(cls, team: Team) -> BusinessCalendar:
        return cls(
            timezone=team.timezone,
            hours=team.business_hours,
            holiday_country=team.holiday_country,
            holiday_subdivision=team.holiday_subdivision,
            holiday_dates=team.holiday_dates,
        )

    def __repr__(self) -> str:
        h = self.hours
        window = "all day" if h.all_day else f"{h.start:%H:%M}-{h.end:%H:%M}"
        days = ",".join(str(d) for d in sorted(h.days))
        return (
            f"BusinessCalendar({self.timezone_name}, days={days}, {window}, "
            f"holidays={self.holiday_country or '-'}"
            f"{'/' + self.holiday_subdivision if self.holiday_subdivision else ''}"
            f"+{len(self._listed)})"
        )

    # ----------------------------------------------------------------- days and holidays

    def _country_holidays(self, year: int) -> dict[date, str]:
        """Holidays of one year, built once: the library is slow to populate a year."""
        found = self._by_year.get(year)
        if found is None:
            found = {}
            if self.holiday_country:
                table = holidays.country_holidays(
                    self.holiday_country,
                    subdiv=self.holiday_subdivision,
                    years=year,
                    language=self._language,
                )
                found = {d: str(n) for d, n in table.items()}
            # Two threads may both build a year; the results are equal and the store atomic.
            self._by_year[year] = found
        return found

    def holiday_name(self, day: date) -> str | None:
        name = self._country_holidays(day.year).get(day)
        if name is not None:
            return name
        if day in self._listed:
            return LISTED_HOLIDAY_NAME
        return None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.hours.days and self.holiday_name(day) is None

    def business_days(self, start: date, end: date) -> list[date]:
        """Business days from ``start`` to ``end``, both included (empty when end < start)."""
        out = []
        day = start
        while day <= end:
            if self.is_business_day(day):
                out.append(day)
            day += _ONE_DAY
        return out

    # ----------------------------------------------------------------- lengths

    def day_length(self) -> timedelta:
        """Nominal length of a business day, which is what a ``1d`` target means."""
        h = self.hours
        if h.all_day:
            return timedelta(hours=24)
        start = timedelta(hours=h.start.hour, minutes=h.start.minute, seconds=h.start.second)
        if h.end == time(0, 0):
            end = timedelta(hours=24)
        else:
            end = timedelta(hours=h.end.hour, minutes=h.end.minute, seconds=h.end.second)
        return end - start

    def to_timedelta(self, d: Duration) -> timedelta:
        return d.days * self.day_length() + timedelta(seconds=d.seconds)

    # ----------------------------------------------------------------- windows

    def _at_local(self, day: date, t: time) -> datetime:
        """UTC instant of wall-clock ``t`` on ``day``.

        A wall time skipped by spring-forward is read with the offset before the change (it
        lands an hour later on the new clock); a repeated one means its first occurrence.
        """
        return datetime.combine(day, t, tzinfo=self.tz).astimezone(UTC)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The business window of a local date in UTC, or None on a non-business day.

        Every window lies inside its own local day, so the windows touching an interval are
        exactly those of the local dates the interval spans. Computed once per date.
        """
        try:
            return self._windows[day]
        except KeyError:
            pass
        w = self._compute_window(day)
        if len(self._windows) >= _MAX_TABLE_DAYS:
            self._windows.clear()  # a bound, never reached by ordinary use
        self._windows[day] = w  # two threads may both compute it: equal, and stored atomically
        return w

    def _compute_window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_business_day(day):
            return None
        h = self.hours
        start = self._at_local(day, h.start)
        if h.all_day or h.end == time(0, 0):
            end = self._at_local(day + _ONE_DAY, time(0, 0))
        else:
            end = self._at_local(day, h.end)
        return start, max(start, end)

    def _windows_from(
        self, day: date, step: timedelta = _ONE_DAY
    ) -> Iterator[tuple[datetime, datetime]]:
        """Business windows from ``day`` on (backwards with a negative ``step``).

        Gives up only after a long run of closed days, so long spans of open days are fine.
        """
        closed_run = 0
        while closed_run < _MAX_SCAN_DAYS:
            w = self._window(day)
            if w is None:
                closed_run += 1
            else:
                closed_run = 0
                yield w
            day += step

    def _exhausted(self) -> ValueError:
        return ValueError(f"{self!r} has no business day in {_MAX_SCAN_DAYS} days in a row")

    # ----------------------------------------------------------------- instants

    def local(self, at: datetime) -> datetime:
        return as_utc(at, "at").astimezone(self.tz)

    def _local_date(self, at_utc: datetime) -> date:
        return at_utc.astimezone(self.tz).date()

    def is_open(self, at: datetime) -> bool:
        at = as_utc(at, "at")
        if self._always_open:
            return True
        w = self._window(self._local_date(at))
        return w is not None and w[0] <= at < w[1]

    def next_open(self, at: datetime) -> datetime:
        at = as_utc(at, "at")
        if self.is_open(at):
            return at
        for start, _end in self._windows_from(self._local_date(at)):
            if start > at:
                return start
        raise self._exhausted()

    def add(self, start: datetime, amount: timedelta | Duration) -> datetime:
        """``start`` plus ``amount`` of business time.

        Time outside business hours does not count: from a closed moment the clock starts at
        the next opening. A result that exactly uses up a window is that window's end (a 1h
        target from Fri 17:00 is due Fri 18:00, not Mon 08:00). A zero amount returns
        ``start`` unchanged; a negative amount walks back through business time.
        """
        at = as_utc(start, "start")
        remaining = self.to_timedelta(amount) if isinstance(amount, Duration) else amount
        if remaining == _ZERO or self._always_open:
            return at + remaining
        if remaining < _ZERO:
            return self._subtract(at, -remaining)
        for w_start, w_end in self._windows_from(self._local_date(at)):
            begin = max(w_start, at)
            if begin >= w_end:
                continue
            available = w_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise self._exhausted()

    def _subtract(self, at: datetime, amount: timedelta) -> datetime:
        remaining = amount
        for w_start, w_end in self._windows_from(self._local_date(at), -_ONE_DAY):
            finish = min(w_end, at)
            if finish <= w_start:
                continue
            available = finish - w_start
            if remaining <= available:
                return finish - remaining
            remaining -= available
        raise self._exhausted()

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)``; negative when ``b`` is before ``a`` (time overdue).

        The windows of the local dates between the two ends, which lie wholly inside the span,
        are summed from a table of running totals (:class:`_Totals`); only the first two and
        the last two dates are clipped to the span, so the cost does not grow with its length.
        The result is exactly :meth:`_business_time_by_day`'s (a property test holds them
        equal): the same windows, each counted once.
        """
        a = as_utc(a, "a")
        b = as_utc(b, "b")
        if b < a:
            return -self._forward(b, a)
        return self._forward(a, b)

    def _forward(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)`` of UTC instants, ``a`` at or before ``b``."""
        if self._always_open:
            return b - a
        pa = self._pinned_end(a)
        pb = self._pinned_end(b)
        first = pa[1] if pa is not None else self._local_date(a).toordinal()
        last = pb[1] if pb is not None else self._local_date(b).toordinal()
        if last - first >= 3:
            # Dates first+2 … last-2 lie wholly inside [a, b), and the two dates at each end
            # reach no further than the other end: a local date two days after another starts
            # after all of it, whatever the clocks do (no zone moves its offset back by more
            # than a day). So each end is clipped on its own side only.
            inner = self._sum_windows(first + 2, last - 1)
            if inner is not None:
                head = pa[2] if pa is not None else self._clipped(a, _END_OF_TIME, first, first + 2)
                tail = (
                    pb[3]
                    if pb is not None
                    else self._clipped(_START_OF_TIME, b, last - 1, last + 1)
                )
                return head + inner + tail
        return self._clipped(a, b, first, last + 1)

    def _pinned_end(self, at: datetime) -> tuple[datetime, int, timedelta, timedelta] | None:
        """For the instant asked about twice in a row (a digest's ``now``, against each item's
        due time), kept until another is: ``at``, its local date (ordinal), the business time
        from ``at`` to the end of the next local date, and from the start of the previous local
        date to ``at``. None for any other instant."""
        pinned = self._pinned
        if pinned is not None and pinned[0] == at:
            return pinned
        if self._last != at:
            self._last = at
            return None
        day = self._local_date(at).toordinal()
        pinned = (
            at,
            day,
            self._clipped(at, _END_OF_TIME, day, day + 2),
            self._clipped(_START_OF_TIME, at, day - 1, day + 1),
        )
        self._pinned = pinned  # a tuple swapped in whole: safe to read from other threads
        return pinned

    def _clipped(self, a: datetime, b: datetime, start: int, stop: int) -> timedelta:
        """Business time in ``[a, b)`` of the windows of dates ``start`` … ``stop - 1``."""
        total = _ZERO
        for ordinal in range(start, stop):
            w = self._window(date.fromordinal(ordinal))
            if w is not None:
                begin = w[0] if w[0] > a else a
                finish = w[1] if w[1] < b else b
                if finish > begin:
                    total += finish - begin
        return total

    def _sum_windows(self, start: int, stop: int) -> timedelta | None:
        """Total length of the windows of dates ``start`` … ``stop - 1`` (ordinals), from the
        running totals; None when that range would make the table too long."""
        t = self._totals
        if not (t.first <= start and stop <= t.end):
            grown = self._grow(start, stop)
            if grown is None:
                return None
            t = grown
        return t.before[stop - t.first] - t.before[start - t.first]

    def _grow(self, start: int, stop: int) -> _Totals | None:
        with self._totals_lock:
            t = self._totals
            if len(t.before) == 1:  # empty: start at the range asked for
                t = _Totals(first=start, before=(_ZERO,))
            if t.first <= start and stop <= t.end:
                return t  # another thread grew it meanwhile
            # Grown with a margin, so a digest's items, spread over a few months, grow it once.
            first = min(t.first, start - _TABLE_MARGIN_DAYS)
            end = max(t.end, stop + _TABLE_MARGIN_DAYS)
            if end - first > _MAX_TABLE_DAYS:
                first, end = min(t.first, start), max(t.end, stop)
                if end - first > _MAX_TABLE_DAYS:
                    return None
            before = [_ZERO]
            for ordinal in range(first, end):
                if t.first <= ordinal < t.end:
                    # reuse what is known: the lengths do not change
                    length = t.before[ordinal - t.first + 1] - t.before[ordinal - t.first]
                else:
                    w = self._window(date.fromordinal(ordinal))
                    length = _ZERO if w is None else w[1] - w[0]
                before.append(before[-1] + length)
            self._totals = _Totals(first=first, before=tuple(before))
            return self._totals

    def _business_time_by_day(self, a: datetime, b: datetime) -> timedelta:
        """:meth:`business_time_between` walked day by day: the reference its table is
        checked against (tests/domain/test_calendar_totals.py)."""
        a = as_utc(a, "a")
        b = as_utc(b, "b")
        if b < a:
            return -self._business_time_by_day(b, a)
        if self._always_open:
            return b - a
        total = _ZERO
        day = self._local_date(a)
        last = self._local_date(b)
        while day <= last:
            w = self._compute_window(day)
            if w is not None:
                begin = max(w[0], a)
                finish = min(w[1], b)
                if finish > begin:
                    total += finish - begin
            day += _ONE_DAY
        return total

    # ----------------------------------------------------------------- daily schedules

    def next_business_day_at(self, local_time: time, after: datetime) -> datetime:
        """First business-day occurrence of ``local_time`` strictly after ``after``, in UTC.

        Strictly after, so a job that just ran at 08:45 schedules the next day, not itself.
        """
        after = as_utc(after, "after")
        day = self._local_date(after)
        for offset in range(_MAX_SCAN_DAYS):
            current = day + offset * _ONE_DAY
            if self.is_business_day(current):
                candidate = self._at_local(current, local_time)
                if candidate > after:
                    return candidate
        raise self._exhausted()

    def latest_business_day_at(self, local_time: time, at_or_before: datetime) -> datetime | None:
        """Most recent business-day occurrence of ``local_time`` at or before the given instant.

        Lets a clock that was down at 08:45 run the missed stand-up once on start-up, by
        comparing this with when it last ran. None when there was no business day in the
        past year (a calendar that closed for that long has nothing to catch up).
        """
        at = as_utc(at_or_before, "at_or_before")
        day = self._local_date(at)
        for offset in range(367):
            current = day - offset * _ONE_DAY
            if self.is_business_day(current):
                candidate = self._at_local(current, local_time)
                if candidate <= at:
                    return candidate
        return None
