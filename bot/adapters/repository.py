"""Repositories: queries and inserts on one session. They never commit; the unit of work does."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, overload

from sqlalchemy import bindparam, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..services.views import EscalationView
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


def escalation_view(row: Escalation) -> EscalationView:
    """The frozen view of a stored escalation that renderers and Slack handlers are given."""
    return EscalationView(
        id=row.id,
        slack_team_id=row.slack_team_id,
        number=row.number,
        lane=row.lane,
        team=row.team,
        severity=row.severity,
        client=row.client,
        summary=row.summary,
        details=row.details,
        psa_ticket=row.psa_ticket,
        requester=row.requester,
        owner=row.owner,
        source=row.source,
        source_channel=row.source_channel,
        source_ts=row.source_ts,
        source_permalink=row.source_permalink,
        lane_channel=row.lane_channel,
        lane_ts=row.lane_ts,
        status=row.status,
        opened_at=row.opened_at,
        respond_due=row.respond_due,
        resolve_due=row.resolve_due,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        paused_since=row.paused_since,
        starts_at=row.starts_at,
        resolution_note=row.resolution_note,
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reopen_count=row.reopen_count,
        done_checked=tuple(row.done_checked or ()),
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

    def new(self, **fields: Any) -> Escalation:
        """An escalation not stored yet (:meth:`add` stores it)."""
        return Escalation(**fields)

    def add(self, escalation: Escalation) -> None:
        self.session.add(escalation)
        self.session.flush()

    def by_id(self, escalation_id: int) -> Escalation | None:
        return self.session.get(Escalation, escalation_id)

    def view_by_id(self, escalation_id: int) -> EscalationView | None:
        row = self.by_id(escalation_id)
        return escalation_view(row) if row is not None else None

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

    def view(self, slack_team_id: str, number: int) -> EscalationView | None:
        row = self.get(slack_team_id, number)
        return escalation_view(row) if row is not None else None

    def workspaces(self) -> list[str]:
        """Slack team ids that escalations are stored under, sorted."""
        return sorted(
            str(t) for t in self.session.scalars(select(Escalation.slack_team_id).distinct())
        )

    def open_for_user(
        self, slack_team_id: str, user: str, *, limit: int = 50
    ) -> list[EscalationView]:
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
        return [escalation_view(row) for row in self.session.scalars(stmt)]


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

    def pending_count(self) -> int:
        """Posts stored but not yet delivered nor refused for good."""
        return int(
            self.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
            or 0
        )

    def refused_since(self, since: datetime) -> list[tuple[str, str]]:
        """Posts Slack refused for good since ``since``: (kind, Slack's error)."""
        rows = self.session.execute(
            select(OutboxMessage.kind, OutboxMessage.last_error).where(
                OutboxMessage.failed_at >= since
            )
        ).all()
        return [(str(k), str(e or "")) for k, e in rows]

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

    def dm_of(self, escalation_id: int, approver: str) -> tuple[str, str] | None:
        """(channel, ts) of the DM that asked ``approver``, once it was posted."""
        req = self.session.scalar(
            select(ApprovalRequest).where(
                ApprovalRequest.escalation_id == escalation_id,
                ApprovalRequest.approver == approver,
            )
        )
        if req is None or not req.dm_channel or not req.dm_ts:
            return None
        return req.dm_channel, req.dm_ts

    def dm_sent(self, escalation_id: int, approver: str, *, channel: str, ts: str) -> None:
        """Store where the DM that asked ``approver`` lives (to update it on the decision)."""
        self.session.execute(
            update(ApprovalRequest)
            .where(
                ApprovalRequest.escalation_id == escalation_id,
                ApprovalRequest.approver == approver,
            )
            .values(dm_channel=channel, dm_ts=ts)
        )


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
