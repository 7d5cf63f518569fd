"""Interception and focus: who is protected now, what was caught, and what became of it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..adapters.uow import UnitOfWork
from ..domain.errors import AlreadyDone, NotAllowed, NotFound

if TYPE_CHECKING:  # rows come from the unit of work's repositories; only their type is named
    from ..adapters.models import Interception

OUTCOMES = ("routed", "dismissed", "ignored", "undeliverable")


def focused_users(
    uow: UnitOfWork, slack_team_id: str, now: datetime, users: Iterable[str] | None = None
) -> dict[str, datetime]:
    """Users in focus right now, with when their focus ends (inside an open unit of work)."""
    out: dict[str, datetime] = {}
    for user, ends_at in uow.focus.running(slack_team_id, now, users):
        out[user] = max(ends_at, out.get(user, ends_at))
    return out


def _end_running(uow: UnitOfWork, slack_team_id: str, user: str, now: datetime) -> bool:
    """End the user's focus sessions still running at ``now``; whether there was one."""
    ended = False
    for session in uow.focus.not_ended(slack_team_id, user, now):
        session.ended_at = now
        ended = True
    return ended


def start_focus(
    uow: UnitOfWork, *, slack_team_id: str, user: str, ends_at: datetime, now: datetime
) -> None:
    with uow:
        _end_running(uow, slack_team_id, user, now)  # a new /focus replaces the running one
        uow.focus.add(slack_team_id, user, now, ends_at)
        uow.outbox.home_refresh(slack_team_id, user)
        uow.commit()


def end_focus(uow: UnitOfWork, *, slack_team_id: str, user: str, now: datetime) -> bool:
    with uow:
        ended = _end_running(uow, slack_team_id, user, now)
        uow.outbox.home_refresh(slack_team_id, user)
        uow.commit()
        return ended


def record(
    uow: UnitOfWork,
    *,
    slack_team_id: str,
    channel: str,
    message_ts: str,
    sender: str,
    targets: list[str],
    text: str,
    suggested_lane: str | None,
    urgent: bool,
    reason: str,
    now: datetime,
    rule: str = "",
) -> int | None:
    """Store a caught ping; None when this message was already caught (a retried event).

    ``reason`` is stored as ``"<rule id>: <reason>"`` when the rule that decided is given
    (``request.handover: work handed over to <@U1>``), so that "Not a request" clicks can be
    counted per rule (:func:`dismissals_per_rule`).

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: concurrent deliveries of the same
    event cannot both get an id.
    """
    values = caught(
        slack_team_id=slack_team_id,
        channel=channel,
        message_ts=message_ts,
        sender=sender,
        targets=targets,
        text=text,
        suggested_lane=suggested_lane,
        urgent=urgent,
        reason=reason,
        now=now,
        rule=rule,
    )
    with uow:
        new_id = store_catch(uow, values)
        uow.commit()
        return new_id


def store_catch(uow: UnitOfWork, values: dict[str, Any]) -> int | None:
    """Store a caught ping in a unit of work already open (the one that read the focus state),
    without committing: the listener commits its one, the worker a batch of them at once. Its
    id, or None when this message was caught already."""
    return uow.interceptions.add_once(values)


def caught(
    *,
    slack_team_id: str,
    channel: str,
    message_ts: str,
    sender: str,
    targets: list[str],
    text: str,
    suggested_lane: str | None,
    urgent: bool,
    reason: str,
    now: datetime,
    rule: str = "",
) -> dict[str, Any]:
    """The row :func:`record` stores for a caught ping."""
    return {
        "slack_team_id": slack_team_id,
        "channel": channel,
        "message_ts": message_ts,
        "sender": sender,
        "targets": targets,
        "text": text[:3000],
        "suggested_lane": suggested_lane,
        "urgent": urgent,
        "reason": (f"{rule}: {reason}" if rule else reason)[:200],
        "outcome": "pending",
        "created_at": now,
    }


def get(uow: UnitOfWork, *, slack_team_id: str, interception_id: int) -> Interception:
    with uow:
        row = uow.interceptions.get(slack_team_id, interception_id)
        if row is None:
            raise NotFound("That message is no longer known to Lanekeeper.")
        uow.detach(row)
        return row


def decide(
    uow: UnitOfWork,
    *,
    slack_team_id: str,
    interception_id: int,
    actor: str,
    outcome: str,
    now: datetime,
    lane: str | None = None,
    escalation_id: int | None = None,
) -> None:
    """The sender chose: routed to a lane, or not a request. Only the sender can choose."""
    with uow:
        row = uow.interceptions.get(slack_team_id, interception_id)
        if row is None:
            raise NotFound("That message is no longer known to Lanekeeper.")
        if row.sender != actor:
            raise NotAllowed("Only the person who sent that message can decide where it goes.")
        if row.outcome in ("routed", "dismissed") and outcome == "dismissed":
            raise AlreadyDone("Already handled.")
        row.outcome = outcome
        row.lane = lane
        row.escalation_id = escalation_id
        row.decided_at = now
        uow.commit()


def mark_undeliverable(uow: UnitOfWork, *, interception_id: int, reason: str) -> None:
    with uow:
        row = uow.interceptions.by_id(interception_id)
        if row is not None:
            row.outcome = "undeliverable"
            row.reason = reason[:200]
            uow.commit()


def interruption_counts(
    uow: UnitOfWork, *, slack_team_id: str, since: datetime, until: datetime, tz: str, now: datetime
) -> Counter[tuple[str, date, str]]:
    """Interruptions per protected person, per local day and per outcome (``routed:LANE``,
    ``dismissed``, ``ignored`` — still pending after its day — or ``pending`` today)."""
    zone = ZoneInfo(tz)
    counts: Counter[tuple[str, date, str]] = Counter()
    with uow:
        rows = uow.interceptions.between(slack_team_id, since, until)
        today = now.astimezone(zone).date()
        for row in rows:
            day = row.created_at.astimezone(zone).date()
            outcome = row.outcome
            if outcome == "routed":
                outcome = f"routed:{row.lane}"
            elif outcome == "pending":
                outcome = "pending" if day >= today else "ignored"
            for target in row.targets or []:
                counts[(str(target), day, outcome)] += 1
    return counts


_RULE_PREFIX = re.compile(r"^([a-z]+\.[a-z0-9-]+): ")
UNKNOWN_RULE = "unknown"


def rule_of(reason: str | None) -> str:
    """The rule id a stored reason starts with (``request.ask: ask to <@U1>``), or
    ``unknown`` for rows stored before rules had ids."""
    m = _RULE_PREFIX.match(reason or "")
    return m.group(1) if m else UNKNOWN_RULE


@dataclass(frozen=True)
class RuleDismissals:
    """How one interception rule fared over a period: messages it intercepted (whose offer
    reached the sender) and how many of them the sender dismissed as "Not a request"."""

    rule: str
    dismissed: int
    intercepted: int

    @property
    def share(self) -> float:
        return self.dismissed / self.intercepted if self.intercepted else 0.0


def dismissals_per_rule(
    uow: UnitOfWork, *, slack_team_id: str, since: datetime, until: datetime
) -> list[RuleDismissals]:
    """ "Not a request" clicks per rule, for interceptions made in ``[since, until)`` (a week
    for the Level-10): most dismissed first, then by rule id. Rules that intercepted nothing
    are not listed; rows from before rule ids count under ``unknown``."""
    dismissed: Counter[str] = Counter()
    intercepted: Counter[str] = Counter()
    with uow:
        for row in uow.interceptions.between(slack_team_id, since, until):
            rule = rule_of(row.reason)
            intercepted[rule] += 1
            if row.outcome == "dismissed":
                dismissed[rule] += 1
    return sorted(
        (RuleDismissals(rule, dismissed[rule], n) for rule, n in intercepted.items()),
        key=lambda r: (-r.dismissed, r.rule),
    )
