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

from collections.abc import Iterable, Iterator
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
        exactly those of the local dates the interval spans.
        """
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
        """Business time in ``[a, b)``; negative when ``b`` is before ``a`` (time overdue)."""
        a = as_utc(a, "a")
        b = as_utc(b, "b")
        if b < a:
            return -self.business_time_between(b, a)
        if self._always_open:
            return b - a
        total = _ZERO
        day = self._local_date(a)
        last = self._local_date(b)
        while day <= last:
            w = self._window(day)
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
