"""Interception and focus: who is protected now, what was caught, and what became of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot.adapters.models import FocusSession, Interception
from bot.adapters.uow import UnitOfWork
from bot.domain.errors import AlreadyDone, NotAllowed, NotFound

OUTCOMES = ("routed", "dismissed", "ignored", "undeliverable")


def focused_users(
    uow: UnitOfWork, slack_team_id: str, now: datetime, users: Iterable[str] | None = None
) -> dict[str, datetime]:
    """Users in focus right now, with when their focus ends."""
    stmt = select(FocusSession.user, FocusSession.ends_at).where(
        FocusSession.slack_team_id == slack_team_id,
        FocusSession.starts_at <= now,
        FocusSession.ends_at > now,
        FocusSession.ended_at.is_(None),
    )
    if users is not None:
        stmt = stmt.where(FocusSession.user.in_(list(users)))
    out: dict[str, datetime] = {}
    for user, ends_at in uow.session.execute(stmt):
        out[user] = max(ends_at, out.get(user, ends_at))
    return out


def _end_running(uow: UnitOfWork, slack_team_id: str, user: str, now: datetime) -> bool:
    """End the user's focus sessions still running at ``now``; whether there was one."""
    ended = False
    for s in uow.session.scalars(
        select(FocusSession).where(
            FocusSession.slack_team_id == slack_team_id,
            FocusSession.user == user,
            FocusSession.ends_at > now,
            FocusSession.ended_at.is_(None),
        )
    ):
        s.ended_at = now
        ended = True
    return ended


def start_focus(
    uow: UnitOfWork, *, slack_team_id: str, user: str, ends_at: datetime, now: datetime
) -> None:
    with uow:
        _end_running(uow, slack_team_id, user, now)  # a new /focus replaces the running one
        uow.session.add(
            FocusSession(slack_team_id=slack_team_id, user=user, starts_at=now, ends_at=ends_at)
        )
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
) -> int | None:
    """Store a caught ping; None when this message was already caught (a retried event).

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: concurrent deliveries of the same
    event cannot both get an id.
    """
    values = {
        "slack_team_id": slack_team_id,
        "channel": channel,
        "message_ts": message_ts,
        "sender": sender,
        "targets": targets,
        "text": text[:3000],
        "suggested_lane": suggested_lane,
        "urgent": urgent,
        "reason": reason[:200],
        "outcome": "pending",
        "created_at": now,
    }
    with uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        stmt = (
            insert(Interception)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["slack_team_id", "channel", "message_ts"])
            .returning(Interception.id)
        )
        new_id = uow.session.execute(stmt).scalar_one_or_none()
        uow.commit()
        return int(new_id) if new_id is not None else None


def get(uow: UnitOfWork, *, slack_team_id: str, interception_id: int) -> Interception:
    with uow:
        row = uow.session.get(Interception, interception_id)
        if row is None or row.slack_team_id != slack_team_id:
            raise NotFound("That message is no longer known to Lanekeeper.")
        uow.session.expunge(row)
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
        row = uow.session.get(Interception, interception_id)
        if row is None or row.slack_team_id != slack_team_id:
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
        row = uow.session.get(Interception, interception_id)
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
        rows = uow.session.scalars(
            select(Interception).where(
                Interception.slack_team_id == slack_team_id,
                Interception.created_at >= since,
                Interception.created_at < until,
                or_(Interception.outcome != "undeliverable", Interception.outcome.is_(None)),
            )
        )
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
