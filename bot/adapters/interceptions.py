"""Caught pings and focus sessions: the queries behind :mod:`bot.services.interceptions`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from .models import Escalation, FocusSession, Interception
from .repository import insert_ignoring_conflict

# Built once, bound per call: every intercepted message asks this (issue 19).
_focus = FocusSession.__table__.c
_RUNNING = select(_focus.user, _focus.ends_at).where(
    _focus.slack_team_id == bindparam("team"),
    _focus.starts_at <= bindparam("now"),
    _focus.ends_at > bindparam("now"),
    _focus.ended_at.is_(None),
)
_RUNNING_FOR = _RUNNING.where(_focus.user.in_(bindparam("users", expanding=True)))


class FocusRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def running(
        self, slack_team_id: str, now: datetime, users: Iterable[str] | None = None
    ) -> Iterator[tuple[str, datetime]]:
        """(user, ends_at) of every focus session running at ``now``."""
        params: dict[str, Any] = {"team": slack_team_id, "now": now}
        if users is None:
            stmt = _RUNNING
        else:
            stmt, params["users"] = _RUNNING_FOR, list(users)
        self.session.flush()
        for user, ends_at in self.session.connection().execute(stmt, params):
            yield str(user), ends_at

    def not_ended(self, slack_team_id: str, user: str, now: datetime) -> Sequence[FocusSession]:
        return self.session.scalars(
            select(FocusSession).where(
                FocusSession.slack_team_id == slack_team_id,
                FocusSession.user == user,
                FocusSession.ends_at > now,
                FocusSession.ended_at.is_(None),
            )
        ).all()

    def add(self, slack_team_id: str, user: str, starts_at: datetime, ends_at: datetime) -> None:
        self.session.add(
            FocusSession(
                slack_team_id=slack_team_id, user=user, starts_at=starts_at, ends_at=ends_at
            )
        )


class InterceptionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_once(self, values: dict[str, Any]) -> int | None:
        """Insert a caught ping unless this message was already caught; its id, or None."""
        return insert_ignoring_conflict(
            self.session,
            Interception,
            values,
            ["slack_team_id", "channel", "message_ts"],
            returning_id=True,
        )

    def in_lane_thread(self, slack_team_id: str, channel: str, thread_ts: str) -> bool:
        """Whether ``thread_ts`` in ``channel`` is an escalation's lane thread (a ping there is
        the lane at work, not one to catch). One indexed query, on the message's own unit of
        work (issue 19: no extra transaction per message)."""
        found = self.session.scalar(
            select(Escalation.id).where(
                Escalation.slack_team_id == slack_team_id,
                Escalation.lane_channel == channel,
                Escalation.lane_ts == thread_ts,
            )
        )
        return bool(found)

    def escalation_number(self, escalation_id: int) -> int | None:
        """The number of the escalation a caught ping was routed to (None: it is gone)."""
        number = self.session.scalar(
            select(Escalation.number).where(Escalation.id == escalation_id)
        )
        return int(number) if number is not None else None

    def get(self, slack_team_id: str, interception_id: int) -> Interception | None:
        row = self.session.get(Interception, interception_id)
        return row if row is not None and row.slack_team_id == slack_team_id else None

    def by_id(self, interception_id: int) -> Interception | None:
        return self.session.get(Interception, interception_id)

    def between(
        self, slack_team_id: str, since: datetime, until: datetime
    ) -> Sequence[Interception]:
        """Caught pings in ``[since, until)`` whose reply reached the sender."""
        return self.session.scalars(
            select(Interception).where(
                Interception.slack_team_id == slack_team_id,
                Interception.created_at >= since,
                Interception.created_at < until,
                or_(Interception.outcome != "undeliverable", Interception.outcome.is_(None)),
            )
        ).all()
