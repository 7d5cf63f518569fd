"""Durations as written in the lanes file: ``15m``, ``4h``, ``1d``, ``1h30m``, ``2w``.

Days and weeks are *business* days and weeks: a lane's ``1d`` is one full business day of the
owning team (its business-hours length), not 24 hours. So a duration keeps its days apart
from its hours and minutes, and the team's calendar turns it into business seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+\s*[wdhms]\s*)+$", re.IGNORECASE)


class DurationError(ValueError):
    """A text that is not a duration."""


@dataclass(frozen=True, order=True)
class Duration:
    """``days`` business days plus ``seconds`` of business time."""

    days: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        if self.days < 0 or self.seconds < 0:
            raise DurationError("a duration cannot be negative")

    @property
    def is_zero(self) -> bool:
        return self.days == 0 and self.seconds == 0

    def clock_part(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        return format_duration(self)


def parse_duration(text: str) -> Duration:
    """Parse ``"1h30m"`` into a :class:`Duration`; raise :class:`DurationError` otherwise."""
    if not isinstance(text, str) or not _WHOLE.match(text):
        raise DurationError(f'"{text}" is not a duration (use e.g. 15m, 4h, 1d, 1h30m)')
    days = 0
    seconds = 0
    for amount, unit in _PART.findall(text):
        n = int(amount)
        unit = unit.lower()
        if unit == "w":
            days += 5 * n
        elif unit == "d":
            days += n
        elif unit == "h":
            seconds += 3600 * n
        elif unit == "m":
            seconds += 60 * n
        else:
            seconds += n
    result = Duration(days=days, seconds=seconds)
    if result.is_zero:
        raise DurationError(f'"{text}" is zero; a duration must be longer than that')
    return result


def format_duration(d: Duration) -> str:
    parts = []
    if d.days:
        parts.append(f"{d.days}d")
    h, rem = divmod(d.seconds, 3600)
    m, s = divmod(rem, 60)
    if h:
        parts.append(f"{h}h")
    if m:
        parts.append(f"{m}m")
    if s:
        parts.append(f"{s}s")
    return "".join(parts) or "0m"


def humanize_seconds(seconds: float) -> str:
    """``5400`` → ``"1h 30m"``; used for "breaches in 1h 20m" and "breached 3h ago"."""
    total = int(abs(seconds)) // 60
    d, rem = divmod(total, 24 * 60)
    h, m = divmod(rem, 60)
    if d:
        return f"{d}d {h}h" if h else f"{d}d"
    if h:
        return f"{h}h {m}m" if m else f"{h}h"
    return f"{m}m"
