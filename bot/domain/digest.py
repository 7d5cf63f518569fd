"""The daily stand-up digest: what one team needs to act on today, most urgent first.

Pure: it takes the team's open work items (escalations and PSA tickets together) and pending
approvals, and decides what goes where; :mod:`bot.slack.digest_render` turns the result into
Block Kit or terminal text.

Rules:

- Closed items and escalations still ``pending_approval`` are left out of every item section
  and count (a pending escalation shows once, as a :class:`PendingApproval`).
- **One section per item**: an item is listed in the first section that applies, in the order
  SLA risks > unowned > alerts > changes, so nobody reads (or is pinged for) the same thing
  twice and the most urgent reason wins.
- **SLA risks**: a running respond or resolve clock that has breached, or breaches within
  ``risk_window`` of *business* time (so a Monday 09:00 due is at risk on Friday afternoon).
  Items waiting on the client (``paused_since`` set) are never risks while paused. Breached
  first, most overdue first; then the soonest to breach.
- **Unowned**: escalations (``kind == "escalation"``) with no owner, oldest first.
- **Alerts**: items of the alert lane (``alerts.lane``, ``alert`` by default), soonest due first (items waiting on the client last).
- **Changes**: items of a lane with windows (``change`` by default) whose window starts in ``[now, now + 24h)`` of real
  time, soonest first. Half-open, so a daily digest never lists the same start twice.
- **Approvals**: overdue ones first (most overdue first), then soonest due, then oldest.
- The KPI "backlog aged past SLA" counts open, unpaused items past their resolve due time
  (:func:`bot.domain.sla.aged_past_sla`); ``aged_backlog_alert`` or more calls for a Level-10
  review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from .calendar import BusinessCalendar, as_utc
from .lanes import Team
from .sla import ClockReading, WorkItem, at_risk, count_aged_past_sla

__all__ = [
    "ALERT_LANE",
    "CHANGE_HORIZON",
    "CHANGE_LANE",
    "COUNT_KEYS",
    "Digest",
    "PendingApproval",
    "RiskLine",
    "build_digest",
]

ALERT_LANE = "alert"
CHANGE_LANE = "change"
CHANGE_HORIZON = timedelta(hours=24)
PENDING_APPROVAL = "pending_approval"

# The keys of ``Digest.counts``, in the order they are shown.
COUNT_KEYS = (
    "open_escalations",
    "open_tickets",
    "waiting_on_client",
    "due_today",
    "pending_approvals",
)

_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PendingApproval:
    """An escalation waiting for an approver's decision."""

    ref: str
    lane: str
    client: str
    summary: str
    requester: str
    approvers: tuple[str, ...]
    requested_at: datetime
    # The lane's respond target counted from the request; overdue once ``now`` is past it.
    respond_due: datetime | None
    url: str | None = None

    def is_overdue(self, now: datetime) -> bool:
        if self.respond_due is None:
            return False
        return as_utc(now, "now") > as_utc(self.respond_due, "respond_due")


@dataclass(frozen=True)
class RiskLine:
    item: WorkItem
    reading: ClockReading


@dataclass(frozen=True)
class Digest:
    team_key: str
    team_name: str
    local_date: date
    now: datetime
    sla_risks: tuple[RiskLine, ...]
    unowned: tuple[WorkItem, ...]
    approvals: tuple[PendingApproval, ...]
    alerts: tuple[WorkItem, ...]
    changes: tuple[WorkItem, ...]
    aged_past_sla: int
    aged_threshold: int
    counts: dict[str, int]
    timezone: str = "UTC"  # the team's, for showing times in its local time
    risk_window: timedelta = field(default=timedelta(hours=4))
    # With a PSA configured: when its queue was last synced (None: never). The digest says so
    # when the sync is behind, so a quiet digest is never mistaken for a quiet queue.
    psa: str | None = None
    queue_synced_at: datetime | None = None

    def queue_stale(self, *, after: timedelta = timedelta(minutes=30)) -> bool:
        """A PSA is configured and its queue was never synced, or not for ``after``."""
        if self.psa is None:
            return False
        return self.queue_synced_at is None or self.now - self.queue_synced_at > after

    @property
    def is_clean(self) -> bool:
        """Nothing to act on: every section is empty."""
        return not (self.sla_risks or self.unowned or self.approvals or self.alerts or self.changes)

    @property
    def needs_level10_review(self) -> bool:
        return self.aged_past_sla >= self.aged_threshold


def _is_listed(item: WorkItem) -> bool:
    return not item.is_closed and item.status.lower() != PENDING_APPROVAL


def _next_due(item: WorkItem) -> datetime | None:
    """The earliest due time of a clock that still runs (respond until answered, resolve)."""
    dues = [item.resolve_due] if item.resolve_due is not None else []
    if item.respond_due is not None and item.responded_at is None:
        dues.append(item.respond_due)
    return min((as_utc(d, "due") for d in dues), default=None)


def _running_dues(item: WorkItem) -> list[datetime]:
    """Due times of the clocks that still run (respond until answered, resolve)."""
    dues = [as_utc(item.resolve_due, "resolve_due")] if item.resolve_due is not None else []
    if item.respond_due is not None and item.responded_at is None:
        dues.append(as_utc(item.respond_due, "respond_due"))
    return dues


def _counts(
    items: Sequence[WorkItem],
    calendar: BusinessCalendar,
    now: datetime,
    today: date,
    approvals: Sequence[PendingApproval],
) -> dict[str, int]:
    # "Due today": a running clock not yet breached (due after now) whose due time falls on
    # today's local date, i.e. before the local midnight that ends today. Compared as times,
    # so a team's thousands of items cost no calendar arithmetic each.
    end_of_today = datetime.combine(today + timedelta(days=1), time(0), tzinfo=calendar.tz)
    end_utc = end_of_today.astimezone(UTC)
    due_today = 0
    for item in items:
        if item.is_paused:
            continue  # its due times move when the client answers
        if any(now < due < end_utc for due in _running_dues(item)):
            due_today += 1
    escalations = sum(1 for i in items if i.kind == "escalation")
    return {
        "open_escalations": escalations,
        "open_tickets": len(items) - escalations,
        "waiting_on_client": sum(1 for i in items if i.is_paused),
        "due_today": due_today,
        "pending_approvals": len(approvals),
    }


def build_digest(
    *,
    team: Team,
    calendar: BusinessCalendar,
    now: datetime,
    items: Sequence[WorkItem],
    approvals: Sequence[PendingApproval] = (),
    risk_window: timedelta = timedelta(hours=4),
    alert_lane: str | None = ALERT_LANE,
    window_lanes: frozenset[str] = frozenset({CHANGE_LANE}),
    psa: str | None = None,
    queue_synced_at: datetime | None = None,
) -> Digest:
    """The stand-up digest of ``team`` at ``now`` (see the module docstring for the rules).

    ``items`` are the team's open escalations and PSA tickets; closed ones are ignored.
    ``risk_window`` is business time.
    """
    if risk_window < timedelta(0):
        raise ValueError("risk_window cannot be negative")
    now = as_utc(now, "now")
    today = calendar.local(now).date()
    listed = [item for item in items if _is_listed(item)]
    placed: set[int] = set()  # positions in ``listed`` already shown in a section

    risks: list[tuple[tuple[bool, timedelta, datetime, int, int], RiskLine]] = []
    # No clock due after this instant can be at risk: more than ``risk_window`` of business
    # time is left on it (the extra second keeps a due time in the non-business gap right
    # after the window's end, whose remaining time is exactly the window). Items past it are
    # skipped without the calendar arithmetic of a full reading.
    horizon = calendar.add(now, risk_window + timedelta(seconds=1))
    for pos, item in enumerate(listed):
        if item.is_paused:
            continue
        due = _next_due(item)
        if due is None or due > horizon:
            continue
        reading = at_risk(item, calendar, now, window=risk_window)
        if reading is None:
            continue
        key = (
            not reading.breached,
            reading.remaining,
            reading.due,
            0 if reading.clock == "respond" else 1,
            pos,
        )
        risks.append((key, RiskLine(item=item, reading=reading)))
        placed.add(pos)
    risks.sort(key=lambda entry: entry[0])

    unowned: list[tuple[datetime, int, WorkItem]] = []
    for pos, item in enumerate(listed):
        if pos in placed or item.kind != "escalation" or item.owner:
            continue
        unowned.append((as_utc(item.opened_at, "opened_at"), pos, item))
        placed.add(pos)
    unowned.sort(key=lambda entry: entry[:2])

    alerts: list[tuple[bool, datetime, datetime, int, WorkItem]] = []
    for pos, item in enumerate(listed):
        if pos in placed or alert_lane is None or item.lane != alert_lane:
            continue
        due = _next_due(item) or _FAR_FUTURE
        alerts.append((item.is_paused, due, as_utc(item.opened_at, "opened_at"), pos, item))
        placed.add(pos)
    alerts.sort(key=lambda entry: entry[:4])

    changes: list[tuple[datetime, int, WorkItem]] = []
    horizon = now + CHANGE_HORIZON
    for pos, item in enumerate(listed):
        if pos in placed or item.lane not in window_lanes or item.starts_at is None:
            continue
        starts = as_utc(item.starts_at, "starts_at")
        if now <= starts < horizon:
            changes.append((starts, pos, item))
            placed.add(pos)
    changes.sort(key=lambda entry: entry[:2])

    def approval_key(entry: tuple[int, PendingApproval]) -> tuple[bool, datetime, datetime, int]:
        pos, a = entry
        due = as_utc(a.respond_due, "respond_due") if a.respond_due is not None else _FAR_FUTURE
        return (not a.is_overdue(now), due, as_utc(a.requested_at, "requested_at"), pos)

    ordered_approvals = [a for _pos, a in sorted(enumerate(approvals), key=approval_key)]

    return Digest(
        team_key=team.key,
        team_name=team.name,
        local_date=today,
        now=now,
        sla_risks=tuple(line for _key, line in risks),
        unowned=tuple(item for *_key, item in unowned),
        approvals=tuple(ordered_approvals),
        alerts=tuple(item for *_key, item in alerts),
        changes=tuple(item for *_key, item in changes),
        aged_past_sla=count_aged_past_sla(listed, now),
        aged_threshold=team.aged_backlog_alert,
        counts=_counts(listed, calendar, now, today, approvals),
        timezone=calendar.timezone_name,
        risk_window=risk_window,
        psa=psa,
        queue_synced_at=as_utc(queue_synced_at, "queue_synced_at") if queue_synced_at else None,
    )
