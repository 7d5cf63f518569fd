"""When an escalation's SLA clocks start, stop, pause, resume and restart: the rules, pure.

An escalation has two clocks in its owning team's business time: *respond* (someone takes it)
and *resolve*. The lifecycle (:mod:`bot.domain.escalation`) decides which change happens; this
module decides what that change does to the clocks, as a function from the clocks before to the
clocks after. The service copies the result onto the stored row and nothing else touches them.

The rules, one per change:

- **created** without approval, or **approved**: both clocks start at that moment
  (``opened_at``), due times from the lane's targets for the severity. An escalation waiting for
  approval has no running clock: the approvers' own clock is :func:`approval_due`.
- **taken**, **reassigned**, **resolved**: the first of them is the response (``responded_at``);
  later ones change nothing on the respond clock.
- **waiting**: both clocks pause (``paused_since``); the readings stand still.
- **resumed**: each running clock's due time moves out by the business time spent paused, so a
  clock that was 1h from breach is 1h from breach again, and a breached one stays breached by the
  same amount. A pause entirely outside business hours moves nothing. A respond clock that was
  already answered is not moved (it no longer runs).
- **resolved** while waiting: the pause ends at the resolution (the resolve due time moves out by
  it, so "resolved within SLA" is judged on the time the team held it).
- **reopened**: the resolve clock restarts from the reopen, with the full target; the respond
  clock is not restarted (the requester already had an answer).
- **rejected** / **cancelled**: nothing runs afterwards; a pause is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .calendar import BusinessCalendar
from .lanes import SeverityTarget
from .sla import due_times, resume_due

__all__ = ["Clocks", "apply_change", "approval_due", "start"]


@dataclass(frozen=True)
class Clocks:
    """The SLA clock state of one escalation (all times tz-aware UTC, ``None`` when not set)."""

    opened_at: datetime | None = None
    respond_due: datetime | None = None
    resolve_due: datetime | None = None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_since: datetime | None = None


def start(calendar: BusinessCalendar, targets: SeverityTarget, at: datetime) -> Clocks:
    """Both clocks started at ``at`` (creation without approval, or the approval)."""
    respond_due, resolve_due = due_times(calendar, targets, at)
    return Clocks(opened_at=at, respond_due=respond_due, resolve_due=resolve_due)


def approval_due(
    calendar: BusinessCalendar, targets: SeverityTarget, requested_at: datetime
) -> datetime:
    """When approvers should have decided: the severity's respond target from the request."""
    return calendar.add(requested_at, targets.respond)


def _end_pause(c: Clocks, calendar: BusinessCalendar, at: datetime) -> Clocks:
    if c.paused_since is None:
        return c
    respond_due = c.respond_due
    if c.responded_at is None and respond_due is not None:
        respond_due = resume_due(calendar, respond_due, c.paused_since, at)
    resolve_due = c.resolve_due
    if resolve_due is not None:
        resolve_due = resume_due(calendar, resolve_due, c.paused_since, at)
    return replace(c, respond_due=respond_due, resolve_due=resolve_due, paused_since=None)


_RESPONSES = frozenset({"taken", "reassigned", "resolved"})


def apply_change(
    c: Clocks,
    kind: str,
    *,
    calendar: BusinessCalendar,
    targets: SeverityTarget,
    at: datetime,
) -> Clocks:
    """The clocks after a lifecycle change of ``kind`` at ``at`` (see the module's rules).

    ``kind`` is the timeline kind of :class:`bot.domain.escalation.Change`; kinds that do not
    touch the clocks (a note, a lane-message repost) return ``c`` unchanged.
    """
    if kind in _RESPONSES and c.responded_at is None:
        c = replace(c, responded_at=at)
    if kind == "waiting":
        return c if c.paused_since is not None else replace(c, paused_since=at)
    if kind == "resumed":
        return _end_pause(c, calendar, at)
    if kind == "resolved":
        return replace(_end_pause(c, calendar, at), resolved_at=at)
    if kind == "reopened":
        return replace(
            c, resolved_at=None, paused_since=None, resolve_due=calendar.add(at, targets.resolve)
        )
    if kind == "approved":
        return start(calendar, targets, at)  # nobody can take it before it is approved
    if kind in ("rejected", "cancelled"):
        return replace(c, paused_since=None)
    return c
