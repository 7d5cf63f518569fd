"""Repositories: queries and inserts on one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.models import (
    Counter,
    Escalation,
    OutboxMessage,
    ProcessedRequest,
    TimelineEntry,
)


class EscalationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, slack_team_id: str) -> int:
        """Allocate the next ``ESC-<n>`` of a workspace; the row lock serializes creators."""
        stmt = (
            update(Counter)
            .where(Counter.slack_team_id == slack_team_id, Counter.name == "escalation")
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        )
        value = self.session.execute(stmt).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            with self.session.begin_nested():
                self.session.add(Counter(slack_team_id=slack_team_id, name="escalation", value=1))
            return 1
        except IntegrityError:
            return int(self.session.execute(stmt).scalar_one())

    def add(self, escalation: Escalation) -> None:
        self.session.add(escalation)
        self.session.flush()

    def get(self, slack_team_id: str, number: int) -> Escalation | None:
        return self.session.scalar(
            select(Escalation).where(
                Escalation.slack_team_id == slack_team_id, Escalation.number == number
            )
        )

    def by_idempotency_key(self, slack_team_id: str, key: str) -> Escalation | None:
        return self.session.scalar(
            select(Escalation).where(
                Escalation.slack_team_id == slack_team_id, Escalation.idempotency_key == key
            )
        )

    def open_for_user(
        self, slack_team_id: str, user: str, *, limit: int = 50
    ) -> Sequence[Escalation]:
        """Escalations the user owns or asked for that are not closed, most urgent first."""
        from bot.domain.escalation import CLOSED

        stmt = (
            select(Escalation)
            .where(
                Escalation.slack_team_id == slack_team_id,
                Escalation.status.not_in([s.value for s in CLOSED]),
                (Escalation.owner == user) | (Escalation.requester == user),
            )
            .order_by(Escalation.resolve_due.is_(None), Escalation.resolve_due, Escalation.number)
            .limit(limit)
        )
        return self.session.scalars(stmt).all()


class TimelineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        escalation: Escalation,
        *,
        at: datetime,
        actor: str | None,
        kind: str,
        text: str,
        detail: dict[str, Any] | None = None,
    ) -> TimelineEntry:
        entry = TimelineEntry(
            slack_team_id=escalation.slack_team_id,
            escalation_id=escalation.id,
            at=at,
            actor=actor,
            kind=kind,
            text=text,
            detail=dict(detail or {}),
        )
        self.session.add(entry)
        return entry


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        slack_team_id: str,
        kind: str,
        payload: dict[str, Any] | None = None,
        escalation_id: int | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> OutboxMessage | None:
        """Queue a Slack call; with a ``dedupe_key`` already queued, queue nothing (returns None)."""
        if dedupe_key is not None:
            existing = self.session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.slack_team_id == slack_team_id,
                    OutboxMessage.dedupe_key == dedupe_key,
                )
            )
            if existing is not None:
                return None
        msg = OutboxMessage(
            slack_team_id=slack_team_id,
            kind=kind,
            payload=dict(payload or {}),
            escalation_id=escalation_id,
            dedupe_key=dedupe_key,
        )
        if not_before is not None:
            msg.next_attempt_at = not_before
        self.session.add(msg)
        return msg

    def call(
        self,
        slack_team_id: str,
        method: str,
        *,
        dedupe_key: str | None = None,
        escalation_id: int | None = None,
        **args: Any,
    ) -> OutboxMessage | None:
        return self.add(
            slack_team_id=slack_team_id,
            kind="call",
            payload={"method": method, "args": args},
            escalation_id=escalation_id,
            dedupe_key=dedupe_key,
        )


class ProcessedRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, slack_team_id: str, key: str) -> bool:
        """Record ``key`` as handled; False when it already was (a retried delivery)."""
        try:
            with self.session.begin_nested():
                self.session.add(ProcessedRequest(slack_team_id=slack_team_id, key=key[:200]))
            return True
        except IntegrityError:
            return False
