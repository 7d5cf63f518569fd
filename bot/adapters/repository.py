"""Repositories: queries and inserts on one session. They never commit; the unit of work does."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, overload

from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import (
    ApprovalRequest,
    Counter,
    Escalation,
    JobRun,
    OutboxMessage,
    ProcessedRequest,
    SlaNotice,
    TimelineEntry,
    utcnow,
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
        from ..domain.escalation import CLOSED

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


# ``Session.info`` key: this session queued (or requeued) an outbox row, so a commit should
# wake the deliverer. A commit that queued nothing (an interception, a focus change) must not:
# each wake-up is a claim query, and at 200 messages a second those were half the process's CPU.
OUTBOX_QUEUED = "lanekeeper_outbox_queued"


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _queued(self) -> None:
        self.session.info[OUTBOX_QUEUED] = True

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
        """Queue a Slack call; with a ``dedupe_key`` already queued, queue nothing (returns None).

        The keyed insert is one ``INSERT … ON CONFLICT DO NOTHING``: two transactions queueing
        the same key at once never fail, one of them simply queues nothing.
        """
        self._queued()
        if dedupe_key is not None:
            values: dict[str, Any] = {
                "slack_team_id": slack_team_id,
                "kind": kind,
                "payload": dict(payload or {}),
                "escalation_id": escalation_id,
                "dedupe_key": dedupe_key,
                "created_at": utcnow(),
                "attempts": 0,
                "next_attempt_at": not_before or utcnow(),
            }
            insert_ignoring_conflict(
                self.session, OutboxMessage, values, ["slack_team_id", "dedupe_key"]
            )
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

    def requeue_refused(self, slack_team_id: str, dedupe_key: str, payload: dict[str, Any]) -> bool:
        """Send again, with ``payload``, a keyed post Slack refused for good; False when the
        post is not there or was not refused."""
        msg = self.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.slack_team_id == slack_team_id,
                OutboxMessage.dedupe_key == dedupe_key,
            )
        )
        if msg is None or msg.failed_at is None:
            return False
        msg.payload = payload
        msg.failed_at = None
        msg.attempts = 0
        msg.claimed_until = None
        msg.next_attempt_at = utcnow()
        self._queued()
        return True

    def home_refresh(
        self, slack_team_id: str, user: str, *, escalation_id: int | None = None
    ) -> None:
        """Queue an App Home refresh, coalesced per user: while one is pending (not yet claimed
        by the deliverer, which renders the state it then finds) another is not queued. Tied
        to an escalation, it goes out after that escalation's lane message (links resolve)."""
        self.add(
            slack_team_id=slack_team_id,
            kind="home",
            escalation_id=escalation_id,
            payload={"user": user},
            dedupe_key=f"home:{user}",
        )

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


class ApprovalRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def approvers_asked(self, escalation_id: int) -> set[str]:
        return set(
            self.session.scalars(
                select(ApprovalRequest.approver).where(
                    ApprovalRequest.escalation_id == escalation_id
                )
            )
        )

    def add(self, slack_team_id: str, escalation_id: int, approver: str) -> None:
        self.session.add(
            ApprovalRequest(
                slack_team_id=slack_team_id, escalation_id=escalation_id, approver=approver
            )
        )

    def of(self, escalation_id: int) -> Sequence[ApprovalRequest]:
        return self.session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.escalation_id == escalation_id)
        ).all()


class JobRuns:
    """The exactly-once record of scheduled posts: one row per job, scope and period."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def outcome(self, slack_team_id: str, job: str, scope: str, period: str) -> str | None:
        return self.session.scalar(
            select(JobRun.outcome).where(
                JobRun.slack_team_id == slack_team_id,
                JobRun.job == job,
                JobRun.scope == scope,
                JobRun.period == period,
            )
        )

    def claim(
        self,
        slack_team_id: str,
        job: str,
        scope: str,
        period: str,
        *,
        at: datetime,
        outcome: str,
        detail: dict[str, Any],
    ) -> bool:
        """Record the run; False when another run already did (the unique key says so)."""
        return insert_ignoring_conflict(
            self.session,
            JobRun,
            {
                "slack_team_id": slack_team_id,
                "job": job,
                "scope": scope,
                "period": period,
                "ran_at": at,
                "outcome": outcome,
                "detail": detail,
            },
            ["slack_team_id", "job", "scope", "period"],
        )

    def set_outcome(
        self, slack_team_id: str, job: str, scope: str, period: str, outcome: str
    ) -> None:
        self.session.execute(
            update(JobRun)
            .where(
                JobRun.slack_team_id == slack_team_id,
                JobRun.job == job,
                JobRun.scope == scope,
                JobRun.period == period,
            )
            .values(outcome=outcome)
            .execution_options(synchronize_session=False)
        )


class SlaNotices:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(
        self,
        slack_team_id: str,
        *,
        kind: str,
        ref: str,
        clock: str,
        level: str,
        cycle: int,
        at: datetime,
    ) -> bool:
        """Record that a warning was sent; False when it already was (the unique key says so)."""
        return insert_ignoring_conflict(
            self.session,
            SlaNotice,
            {
                "slack_team_id": slack_team_id,
                "work_kind": kind,
                "work_ref": ref,
                "clock": clock,
                "level": level,
                "cycle": cycle,
                "sent_at": at,
            },
            ["slack_team_id", "work_kind", "work_ref", "clock", "level", "cycle"],
        )


class ProcessedRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, slack_team_id: str, key: str) -> bool:
        """Record ``key`` as handled; False when it already was (a retried delivery)."""
        return insert_ignoring_conflict(
            self.session,
            ProcessedRequest,
            {"slack_team_id": slack_team_id, "key": key[:200], "created_at": utcnow()},
            ["slack_team_id", "key"],
        )


@functools.cache
def _insert_once(
    model: type[Any], keys: tuple[str, ...], conflict: tuple[str, ...], dialect: str
) -> Any:
    """The statement of :func:`insert_ignoring_conflict`, built once per shape: values as bound
    parameters (``v_<attribute>``), so each call only binds them. Building it anew for every
    row (ORM coercions, a new cache key over the values) cost more CPU than the database did
    on the message hot path (issue 19)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    mapper = sa_inspect(model)
    table = mapper.local_table
    return (
        dialect_insert(table)
        .values({mapper.columns[k]: bindparam(f"v_{k}") for k in keys})
        .on_conflict_do_nothing(index_elements=[mapper.columns[c] for c in conflict])
        .returning(mapper.columns["id"])
    )


@overload
def insert_ignoring_conflict(
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    conflict_columns: list[str],
    *,
    returning_id: Literal[False] = False,
) -> bool: ...


@overload
def insert_ignoring_conflict(
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    conflict_columns: list[str],
    *,
    returning_id: Literal[True],
) -> int | None: ...


def insert_ignoring_conflict(
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    conflict_columns: list[str],
    *,
    returning_id: bool = False,
) -> bool | int | None:
    """``INSERT … ON CONFLICT (cols) DO NOTHING RETURNING id``: the one idempotent insert.

    True (or the new row's id with ``returning_id``) when the row was inserted; False (None)
    when the key was already there. One statement instead of a savepoint and a caught
    IntegrityError: cheaper, and safe when two transactions insert the same key at the same
    moment (the second one waits, then skips).
    """
    session.flush()  # what the session holds goes first, as an ORM statement's autoflush did
    shape: Any = model  # mapped classes hash by identity
    stmt = _insert_once(
        shape, tuple(sorted(values)), tuple(conflict_columns), session.get_bind().dialect.name
    )
    new_id = session.connection().execute(stmt, {f"v_{k}": v for k, v in values.items()}).scalar()
    if returning_id:
        return int(new_id) if new_id is not None else None
    return new_id is not None
