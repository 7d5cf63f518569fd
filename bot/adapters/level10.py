"""The Level-10's queries: the week's facts (work records, caught pings, approval decisions),
the stored snapshots, IDS items and to-dos. Read through ``uow.level10(lanes)``; nothing else
queries these tables.

Work is read as :mod:`bot.adapters.workitems` reads it (the same item builders), so an
escalation that names a PSA ticket the sync knows is counted once, as that ticket, which then
carries the escalation's time as ``escalated_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..domain.escalation import ACTIVE
from ..domain.kpi import Approval, Ping, Record
from ..services.context import Lanes
from .models import (
    Escalation,
    Interception,
    JobRun,
    Level10Issue,
    Level10Snapshot,
    Level10Todo,
    OutboxMessage,
    Ticket,
    TimelineEntry,
)
from .repository import insert_ignoring_conflict
from .workitems import escalation_item, ticket_item

_ACTIVE = [s.value for s in ACTIVE]


def _documented(row: Escalation, lanes: Lanes) -> bool:
    lane = lanes.config.lane(row.lane)
    boxes = set(lane.done) if lane else set()
    return bool((row.resolution_note or "").strip()) and boxes <= set(row.done_checked or [])


class Level10Repository:
    def __init__(self, session: Session, lanes: Lanes) -> None:
        self.session = session
        self.lanes = lanes

    # -- the week's facts ------------------------------------------------------------------

    def records(
        self,
        slack_team_id: str,
        *,
        since: datetime,
        team: str | None = None,
        owner: str | None = None,
    ) -> list[Record]:
        """Open work plus what was opened, closed or reopened since ``since``, of a team or of
        one owner, as :class:`Record`s (tickets first; a named ticket counts once)."""
        tix = select(Ticket).where(
            Ticket.slack_team_id == slack_team_id,
            or_(
                and_(Ticket.closed_at.is_(None), Ticket.resolved_at.is_(None)),
                Ticket.closed_at >= since,
                Ticket.resolved_at >= since,
                Ticket.opened_at >= since,
                Ticket.psa_updated_at >= since,
            ),
        )
        esc = select(Escalation).where(
            Escalation.slack_team_id == slack_team_id,
            or_(
                Escalation.status.in_(_ACTIVE),
                Escalation.resolved_at >= since,
                Escalation.created_at >= since,
                Escalation.updated_at >= since,
            ),
        )
        if team is not None:
            tix = tix.where(Ticket.team == team)
            esc = esc.where(Escalation.team == team)
        if owner is not None:
            tix = tix.where(Ticket.owner == owner)
            esc = esc.where(or_(Escalation.owner == owner, Escalation.resolved_by == owner))
        tickets = list(self.session.scalars(tix))
        escalations = list(self.session.scalars(esc))
        named = {e.psa_ticket.lstrip("#") for e in escalations if e.psa_ticket}
        known = (
            set(
                self.session.scalars(
                    select(Ticket.number).where(
                        Ticket.slack_team_id == slack_team_id, Ticket.number.in_(sorted(named))
                    )
                )
            )
            if named
            else set()
        )
        escalated: dict[str, datetime] = {}
        for e in escalations:
            number = (e.psa_ticket or "").lstrip("#")
            if number in known:
                first = escalated.get(number)
                escalated[number] = min(first, e.created_at) if first else e.created_at
        reopens: dict[int, list[datetime]] = {}
        ids = [e.id for e in escalations if e.reopen_count]
        if ids:
            for esc_id, at in self.session.execute(
                select(TimelineEntry.escalation_id, TimelineEntry.at).where(
                    TimelineEntry.escalation_id.in_(ids), TimelineEntry.kind == "reopened"
                )
            ):
                reopens.setdefault(int(esc_id), []).append(at)
        out = [
            Record(
                item=ticket_item(t, self.lanes),
                documented=t.has_resolution_note,
                closed_by=t.owner,
                # PSAs give a reopen count, not its time: the last update stands for it.
                reopens=(t.psa_updated_at,) if t.reopen_count else (),
                escalated_at=escalated.get(t.number),
            )
            for t in tickets
        ]
        out += [
            Record(
                item=escalation_item(e, self.lanes),
                documented=_documented(e, self.lanes),
                closed_by=e.resolved_by or e.owner,
                reopens=tuple(sorted(reopens.get(e.id, ()))),
                escalated_at=e.created_at,
            )
            for e in escalations
            if (e.psa_ticket or "").lstrip("#") not in known
        ]
        return out

    def pings(self, slack_team_id: str, since: datetime, until: datetime) -> list[Ping]:
        rows = self.session.execute(
            select(Interception.created_at, Interception.targets, Interception.outcome).where(
                Interception.slack_team_id == slack_team_id,
                Interception.created_at >= since,
                Interception.created_at < until,
                Interception.outcome != "undeliverable",
            )
        )
        return [Ping(at, tuple(str(t) for t in targets or ()), str(o)) for at, targets, o in rows]

    def approvals(
        self, slack_team_id: str, team: str, since: datetime, until: datetime
    ) -> list[Approval]:
        rows = self.session.execute(
            select(Escalation.created_at, Escalation.decided_at).where(
                Escalation.slack_team_id == slack_team_id,
                Escalation.team == team,
                Escalation.decided_at >= since,
                Escalation.decided_at < until,
            )
        )
        return [Approval(a, b) for a, b in rows if b is not None]

    # -- snapshots and the post record -----------------------------------------------------

    def snapshots(
        self, slack_team_id: str, team: str, *, before: str, limit: int = 8
    ) -> list[dict[str, Any]]:
        """Stored figures of the weeks before ``before``, most recent first."""
        rows = self.session.scalars(
            select(Level10Snapshot.figures)
            .where(
                Level10Snapshot.slack_team_id == slack_team_id,
                Level10Snapshot.team == team,
                Level10Snapshot.week < before,
            )
            .order_by(Level10Snapshot.week.desc())
            .limit(limit)
        )
        return [dict(r) for r in rows]

    def snapshot(self, slack_team_id: str, team: str, week: str) -> dict[str, Any] | None:
        figures = self.session.scalar(
            select(Level10Snapshot.figures).where(
                Level10Snapshot.slack_team_id == slack_team_id,
                Level10Snapshot.team == team,
                Level10Snapshot.week == week,
            )
        )
        return None if figures is None else dict(figures)

    def claim_run(
        self, slack_team_id: str, job: str, scope: str, period: str, now: datetime
    ) -> bool:
        """Record that ``job`` ran for ``scope`` in ``period``; False when it already had."""
        return insert_ignoring_conflict(
            self.session,
            JobRun,
            {
                "slack_team_id": slack_team_id,
                "job": job,
                "scope": scope,
                "period": period,
                "ran_at": now,
                "outcome": "queued",
                "detail": {},
            },
            ["slack_team_id", "job", "scope", "period"],
        )

    def refused_post(self, slack_team_id: str, dedupe_key: str) -> dict[str, Any] | None:
        """The payload of the keyed Level-10 post when Slack refused it for good, else None."""
        row = self.session.execute(
            select(OutboxMessage.payload, OutboxMessage.failed_at).where(
                OutboxMessage.slack_team_id == slack_team_id,
                OutboxMessage.dedupe_key == dedupe_key,
                OutboxMessage.kind == "level10",
            )
        ).first()
        if row is None or row.failed_at is None:
            return None
        return dict(row.payload or {})

    def add_snapshot(
        self, slack_team_id: str, team: str, week: str, figures: dict[str, Any], now: datetime
    ) -> None:
        self.session.add(
            Level10Snapshot(
                slack_team_id=slack_team_id, team=team, week=week, taken_at=now, figures=figures
            )
        )

    # -- IDS items and to-dos --------------------------------------------------------------

    def add_issue(
        self,
        slack_team_id: str,
        team: str,
        week: str,
        key: str,
        kind: str,
        title: str,
        refs: Sequence[str],
    ) -> None:
        insert_ignoring_conflict(
            self.session,
            Level10Issue,
            {
                "slack_team_id": slack_team_id,
                "team": team,
                "week": week,
                "key": key,
                "kind": kind,
                "title": title[:300],
                "refs": list(refs),
            },
            ["slack_team_id", "team", "week", "key"],
        )

    def issue(self, slack_team_id: str, team: str, week: str, key: str) -> Level10Issue | None:
        return self.session.scalar(
            select(Level10Issue).where(
                Level10Issue.slack_team_id == slack_team_id,
                Level10Issue.team == team,
                Level10Issue.week == week,
                Level10Issue.key == key,
            )
        )

    def todo_for_issue(self, issue_id: int) -> Level10Todo | None:
        return self.session.scalar(select(Level10Todo).where(Level10Todo.issue_id == issue_id))

    def todo(self, slack_team_id: str, todo_id: int) -> Level10Todo | None:
        row = self.session.get(Level10Todo, todo_id)
        return row if row is not None and row.slack_team_id == slack_team_id else None

    def assign_todo(
        self, issue: Level10Issue, *, owner: str, actor: str, now: datetime, due_at: datetime
    ) -> Level10Todo:
        """The IDS item's to-do, created open and due at ``due_at`` the first time, handed to
        ``owner`` after that (one to-do per item)."""
        todo = self.todo_for_issue(issue.id)
        if todo is not None:
            todo.owner = owner
            todo.assigned_by = actor
            return todo
        todo = Level10Todo(
            slack_team_id=issue.slack_team_id,
            team=issue.team,
            issue_id=issue.id,
            title=issue.title,
            owner=owner,
            assigned_by=actor,
            created_at=now,
            due_at=due_at,
            status="open",
            not_done=0,
        )
        self.session.add(todo)
        self.session.flush()
        return todo

    def open_todos(
        self, slack_team_id: str, *, team: str | None = None, owner: str | None = None
    ) -> list[Level10Todo]:
        stmt = select(Level10Todo).where(
            Level10Todo.slack_team_id == slack_team_id, Level10Todo.status == "open"
        )
        if team is not None:
            stmt = stmt.where(Level10Todo.team == team)
        if owner is not None:
            stmt = stmt.where(Level10Todo.owner == owner)
        return list(self.session.scalars(stmt.order_by(Level10Todo.due_at, Level10Todo.id)))

    def todos_decided_since(
        self, slack_team_id: str, team: str, since: datetime
    ) -> list[Level10Todo]:
        """To-dos marked done since ``since`` (shown once more, ticked, at the next meeting)."""
        return list(
            self.session.scalars(
                select(Level10Todo)
                .where(
                    Level10Todo.slack_team_id == slack_team_id,
                    Level10Todo.team == team,
                    Level10Todo.status == "done",
                    Level10Todo.decided_at >= since,
                )
                .order_by(Level10Todo.id)
            )
        )
