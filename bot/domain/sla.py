"""SLA clocks in business time, on a plain work item.

Escalations and PSA tickets both have a respond and a resolve clock that run in the owning
team's business time and stop while waiting on the client. Keeping the arithmetic on a plain
frozen :class:`WorkItem` (not an ORM row) lets digests, the SLA watch and KPIs treat both
kinds the same way and keeps every rule here testable without a database.

How pauses work: while an item waits on the client, ``paused_since`` is set and its clocks
read as they stood at that moment. On resume, the caller moves each due time out with
:func:`resume_due` by the business time spent paused and clears ``paused_since``; so the
stored due times always include every finished pause, and nothing else needs a pause log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from .calendar import BusinessCalendar, as_utc
from .durations import humanize_seconds
from .lanes import SeverityTarget

__all__ = [
    "CLOSED_STATUSES",
    "ClockName",
    "ClockReading",
    "WorkItem",
    "aged_past_sla",
    "at_risk",
    "count_aged_past_sla",
    "describe_reading",
    "due_times",
    "read_clocks",
    "resume_due",
    "thresholds_crossed",
]

ClockName = Literal["respond", "resolve"]

_ZERO = timedelta(0)
_new = object.__new__

# Statuses after which no clock runs, even when the source forgot ``resolved_at`` (a cancelled
# escalation, or a PSA that reports "Closed" without a timestamp must not count as aged).
CLOSED_STATUSES = frozenset(
    {"resolved", "rejected", "cancelled", "canceled", "closed", "completed"}
)


@dataclass(frozen=True)
class WorkItem:
    """One escalation or ticket, as far as SLAs are concerned.

    ``respond_target`` / ``resolve_target`` are optional: when the caller knows the business
    length of a target (e.g. from the lane's severity), readings report exact elapsed time and
    fractions even after pauses; otherwise the target is taken as the business time from
    ``opened_at`` to the due time, which counts finished pauses as elapsed.
    """

    kind: str
    ref: str
    team: str
    severity: str
    client: str
    summary: str
    owner: str | None
    status: str
    opened_at: datetime
    respond_due: datetime | None
    resolve_due: datetime | None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_since: datetime | None = None
    url: str | None = None
    respond_target: timedelta | None = None
    resolve_target: timedelta | None = None
    lane: str | None = None  # the escalation's lane key; None for a PSA ticket
    starts_at: datetime | None = None  # a change's window start (``change`` lane)
    storage_id: int | None = None  # the stored row's id, for whoever acts on the item
    reopen_count: int = 0
    category: str | None = None
    owner_name: str | None = None  # shown when ``owner`` (a Slack user) is unknown

    @property
    def is_closed(self) -> bool:
        return self.resolved_at is not None or self.status.lower() in CLOSED_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> WorkItem:
        """``WorkItem(**fields)`` without the frozen dataclass's ``__init__``, which sets each
        of its 23 fields through ``object.__setattr__`` (about 7 µs an item; this is about 1 µs:
        a team's stand-up builds thousands). ``fields`` must name every field without a default
        and nothing else; omitted fields read their defaults. Equal to the constructor's item
        (tests/domain/test_sla.py)."""
        item = object.__new__(cls)
        item.__dict__.update(fields)
        return item


@dataclass(frozen=True)
class ClockReading:
    clock: ClockName
    due: datetime
    target: timedelta
    elapsed: timedelta
    remaining: timedelta
    fraction: float
    breached: bool


def due_times(
    calendar: BusinessCalendar, targets: SeverityTarget, start: datetime
) -> tuple[datetime, datetime]:
    """Respond and resolve due times for clocks that start at ``start``."""
    return calendar.add(start, targets.respond), calendar.add(start, targets.resolve)


def resume_due(
    calendar: BusinessCalendar, due: datetime, paused_since: datetime, resumed_at: datetime
) -> datetime:
    """``due`` pushed out by the business time spent paused.

    Because business time is additive, the remaining (or overdue) business time at resume is
    exactly what it was when the pause began: a breached clock stays breached by the same
    amount. A pause entirely outside business hours moves nothing.
    """
    paused = calendar.business_time_between(paused_since, resumed_at)
    if paused <= timedelta(0):
        return as_utc(due, "due")
    return calendar.add(due, paused)


def _reading(
    calendar: BusinessCalendar,
    clock: ClockName,
    opened_at: datetime,
    due: datetime,
    target: timedelta | None,
    at: datetime,
) -> ClockReading:
    due = as_utc(due, "due")
    remaining = calendar.business_time_between(at, due)
    if target is None:
        target = calendar.business_time_between(opened_at, due)
    elapsed = target - remaining
    if elapsed < _ZERO:
        elapsed = _ZERO
    # A zero target (due at opening) is used up from the start.
    fraction = elapsed / target if target > _ZERO else 1.0
    # Built as ClockReading(...) builds it, without the frozen dataclass's per-field
    # __setattr__: the stand-up reads tens of thousands of clocks (WorkItem.from_fields).
    reading = _new(ClockReading)
    reading.__dict__.update(
        clock=clock,
        due=due,
        target=target,
        elapsed=elapsed,
        remaining=remaining,
        fraction=fraction,
        # Compared in real time: a clock due Friday 18:00 has 0 business time left all
        # weekend, but it is late, not about to be.
        breached=at >= due,
    )
    return reading


def read_clocks(item: WorkItem, calendar: BusinessCalendar, now: datetime) -> list[ClockReading]:
    """The clocks still running, respond first.

    The respond clock stops at ``responded_at`` and, since a fix is also an answer, at
    resolution. While paused, every clock reads as it stood at ``paused_since``.
    """
    now = as_utc(now, "now")
    if item.is_closed:
        return []
    at = now
    if item.paused_since is not None:
        at = min(as_utc(item.paused_since, "paused_since"), now)
    readings = []
    if item.respond_due is not None and item.responded_at is None:
        readings.append(
            _reading(calendar, "respond", item.opened_at, item.respond_due, item.respond_target, at)
        )
    if item.resolve_due is not None:
        readings.append(
            _reading(calendar, "resolve", item.opened_at, item.resolve_due, item.resolve_target, at)
        )
    return readings


def _urgency(r: ClockReading) -> tuple[bool, timedelta]:
    # On a tie the respond clock wins: read_clocks lists it first and min() keeps the first.
    return (not r.breached, r.remaining)


def at_risk(
    item: WorkItem,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    window: timedelta = timedelta(hours=4),
) -> ClockReading | None:
    """The most urgent running clock that has breached or breaches within ``window``.

    ``window`` is business time, so a clock due first thing Monday is at risk on Friday
    afternoon. Breached clocks come first, most overdue first; then the soonest to breach.
    """
    candidates = [
        r for r in read_clocks(item, calendar, now) if r.breached or r.remaining <= window
    ]
    return min(candidates, key=_urgency) if candidates else None


def thresholds_crossed(
    item: WorkItem, calendar: BusinessCalendar, now: datetime, *, warn_at: float = 0.75
) -> list[tuple[str, str]]:
    """Every ``(clock, level)`` threshold the item has passed now, ``level`` in warn/breach.

    A breached clock reports both its warn and its breach, so a caller that remembers what it
    announced never re-announces and never misses one; to send a single message for a clock
    that jumped straight past both, announce only the last unannounced level of that clock.
    Only running clocks count (a responded item reports nothing for "respond"), and a paused
    item reports what it had passed when the pause began.
    """
    crossed: list[tuple[str, str]] = []
    for r in read_clocks(item, calendar, now):
        if r.breached or r.fraction >= warn_at:
            crossed.append((r.clock, "warn"))
        if r.breached:
            crossed.append((r.clock, "breach"))
    return crossed


def aged_past_sla(items: Iterable[WorkItem], now: datetime) -> list[WorkItem]:
    """Open items past their resolve due time, most overdue first: the core KPI
    "backlog aged past SLA".

    An item waiting on the client right now is not counted (its clock is stopped, so the team is
    not the one holding it), unless it is an escalation that was already past due when the wait
    began: parking a late escalation on the client must not hide it. A PSA ticket's due time is
    the PSA's own, which PSAs move themselves while a ticket is on hold.
    """
    now = as_utc(now, "now")
    aged: list[tuple[datetime, int, WorkItem]] = []
    for position, item in enumerate(items):
        due = _aged_due(item, now)
        if due is not None:
            aged.append((due, position, item))
    aged.sort(key=lambda entry: entry[:2])
    return [item for _due, _position, item in aged]


def count_aged_past_sla(items: Iterable[WorkItem], now: datetime) -> int:
    """``len(aged_past_sla(items, now))``, without ordering them (the stand-up shows the count
    of a team's thousands of items)."""
    now = as_utc(now, "now")
    return sum(1 for item in items if _aged_due(item, now) is not None)


def _aged_due(item: WorkItem, now: datetime) -> datetime | None:
    """The resolve due time ``item`` is aged past at ``now`` (UTC), or None when it is not."""
    if item.is_closed or item.resolve_due is None:
        return None
    due = as_utc(item.resolve_due, "resolve_due")
    if item.paused_since is not None and not (
        item.kind == "escalation" and as_utc(item.paused_since, "paused_since") > due
    ):
        return None
    return due if due < now else None


def describe_reading(r: ClockReading) -> str:
    """``"breaches in 1h 20m"`` or ``"breached 3h ago"``, counted in business time."""
    seconds = r.remaining.total_seconds()
    if r.breached:
        overdue = max(-seconds, 0.0)
        if overdue < 60:
            return "breached under 1m ago"
        return f"breached {humanize_seconds(overdue)} ago"
    if seconds < 60:
        return "breaches in under 1m"
    return f"breaches in {humanize_seconds(seconds)}"
