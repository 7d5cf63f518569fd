"""``/focus``: what a person typed, turned into when their protection ends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .durations import DurationError, parse_duration
from .errors import InvalidInput

MAX_FOCUS = timedelta(hours=12)
DEFAULT_FOCUS = timedelta(minutes=90)
_UNTIL = re.compile(r"^until\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
USAGE = "Use `/focus 90m`, `/focus 2h`, `/focus until 14:00`, `/focus off`, or `/focus` for your status."


@dataclass(frozen=True)
class FocusRequest:
    kind: str  # "start" | "off" | "status"
    ends_at: datetime | None = None


def parse_focus(text: str, *, now: datetime, tz: str) -> FocusRequest:
    """``"90m"`` / ``"until 14:00"`` (next such time in ``tz``) / ``"off"`` / ``""`` (status)."""
    t = (text or "").strip().lower()
    if t in ("", "status", "?"):
        return FocusRequest("status")
    if t in ("off", "stop", "end", "done"):
        return FocusRequest("off")
    if t in ("on", "start"):
        return FocusRequest("start", now + DEFAULT_FOCUS)
    m = _UNTIL.match(t)
    if m:
        hour, minute, meridiem = int(m.group(1)), int(m.group(2) or 0), m.group(3)
        if meridiem:
            if not 1 <= hour <= 12:
                raise InvalidInput(f"“{text}” is not a time of day. {USAGE}")
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        if hour > 23 or minute > 59:
            raise InvalidInput(f"“{text}” is not a time of day. {USAGE}")
        zone = ZoneInfo(tz)
        local = now.astimezone(zone)
        end = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
        if end <= local:
            end += timedelta(days=1)
        return _bounded(end, now, text)
    try:
        d = parse_duration(t.replace(" ", ""))
    except DurationError:
        raise InvalidInput(f"“{text}” is not a duration or a time. {USAGE}") from None
    if d.days:
        raise InvalidInput(
            f"Focus lasts at most {int(MAX_FOCUS.total_seconds() // 3600)}h. {USAGE}"
        )
    return _bounded(now + d.clock_part(), now, text)


def _bounded(end: datetime, now: datetime, text: str) -> FocusRequest:
    if end - now > MAX_FOCUS:
        raise InvalidInput(
            f"Focus lasts at most {int(MAX_FOCUS.total_seconds() // 3600)}h; “{text}” is longer. {USAGE}"
        )
    return FocusRequest("start", end)
