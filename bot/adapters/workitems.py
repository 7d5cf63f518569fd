"""The one way to read work: escalations and PSA tickets as domain work items.

Digests, ``sla-watch``, App Home and the weekly figures read work through :class:`WorkItems`
(``uow.work``), never with queries of their own. It returns :class:`~bot.domain.sla.WorkItem`s:
an escalation that names a PSA ticket the sync knows counts once, as that ticket (SPEC, "Tickets
are work items"); a ticket's due times are its PSA's own, or its team's ``ticket_sla`` from when
it was opened when the PSA gives none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, select, type_coerce
from sqlalchemy.orm import Session

from ..domain.clocks import approval_due
from ..domain.digest import PendingApproval
from ..domain.escalation import ACTIVE, Status
from ..domain.sla import WorkItem
from ..domain.text import message_link
from ..services.context import Lanes
from .models import Escalation, PsaSyncState, Ticket, UTCDateTime


def escalation_item(row: Any, lanes: Lanes) -> WorkItem:
    """A work item from an escalation (an ORM row, or a Core row of :data:`ESCALATION_COLUMNS`)."""
    targets = lanes.target_lengths(row.team, row.lane, row.severity)
    respond_target, resolve_target = targets if targets else (None, None)
    return WorkItem(
        kind="escalation",
        ref=f"ESC-{row.number}",
        team=row.team,
        severity=row.severity,
        client=row.client,
        summary=row.summary,
        owner=row.owner,
        status=row.status,
        opened_at=row.opened_at or row.created_at,
        respond_due=row.respond_due,
        resolve_due=row.resolve_due,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at,
        paused_since=row.paused_since,
        url=message_link(row.lane_channel, row.lane_ts),
        respond_target=respond_target,
        resolve_target=resolve_target,
        lane=row.lane,
        starts_at=row.starts_at,
        storage_id=row.id,
        reopen_count=row.reopen_count,
    )


def _escalation_items(rows: Iterable[Any], lanes: Lanes, known: set[str]) -> list[WorkItem]:
    """:func:`escalation_item` for each Core row of :data:`ESCALATION_COLUMNS` (in that order)
    that does not name a ticket in ``known``: the same items, built for thousands of rows at
    once (positional unpacking, :meth:`WorkItem.from_fields`; bench/digest.py)."""
    targets = lanes.target_lengths
    build = WorkItem.from_fields
    items = []
    for (
        id_,
        number,
        team,
        lane,
        severity,
        client,
        summary,
        owner,
        status,
        opened_at,
        created_at,
        respond_due,
        resolve_due,
        responded_at,
        resolved_at,
        paused_since,
        lane_channel,
        lane_ts,
        starts_at,
        reopen_count,
        psa_ticket,
    ) in rows:
        if psa_ticket and psa_ticket.lstrip("#") in known:
            continue
        opened_at = opened_at or created_at
        opened_at = opened_at and _utc(opened_at)
        respond_due = respond_due and _utc(respond_due)
        resolve_due = resolve_due and _utc(resolve_due)
        responded_at = responded_at and _utc(responded_at)
        resolved_at = resolved_at and _utc(resolved_at)
        paused_since = paused_since and _utc(paused_since)
        starts_at = starts_at and _utc(starts_at)
        lengths = targets(team, lane, severity)
        items.append(
            build(
                {
                    "kind": "escalation",
                    "ref": f"ESC-{number}",
                    "team": team,
                    "severity": severity,
                    "client": client,
                    "summary": summary,
                    "owner": owner,
                    "status": status,
                    "opened_at": opened_at,
                    "respond_due": respond_due,
                    "resolve_due": resolve_due,
                    "responded_at": responded_at,
                    "resolved_at": resolved_at,
                    "paused_since": paused_since,
                    "url": message_link(lane_channel, lane_ts),
                    "respond_target": lengths[0] if lengths else None,
                    "resolve_target": lengths[1] if lengths else None,
                    "lane": lane,
                    "starts_at": starts_at,
                    "storage_id": id_,
                    "reopen_count": reopen_count,
                }
            )
        )
    return items


def ticket_item(row: Any, lanes: Lanes) -> WorkItem:
    """A work item from a ticket (an ORM row, or a Core row of :data:`TICKET_COLUMNS`)."""
    respond_due, resolve_due = row.respond_due, row.resolve_due
    team = lanes.config.teams.get(row.team)
    target = team.ticket_sla.get(row.severity or "") if team else None
    if target is not None and (respond_due is None or resolve_due is None):
        cal = lanes.calendar(row.team)
        respond_due = respond_due or cal.add(row.opened_at, target.respond)
        resolve_due = resolve_due or cal.add(row.opened_at, target.resolve)
    return WorkItem(
        kind="ticket",
        ref=f"#{row.number}",
        team=row.team,
        severity=row.severity or row.priority or "",
        client=row.client or "",
        summary=row.summary,
        owner=row.owner,
        status=row.status,
        opened_at=row.opened_at,
        respond_due=respond_due,
        resolve_due=resolve_due,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at or row.closed_at,
        paused_since=row.waiting_since,
        url=row.url,
        storage_id=row.id,
        reopen_count=row.reopen_count or 0,
        category=row.category,
        owner_name=row.owner_name,
    )


_ACTIVE = [s.value for s in ACTIVE]

# What a work item needs, read as plain rows: the stand-up of a team with thousands of open
# items spends its time building ORM objects otherwise (bench/digest.py).
ESCALATION_COLUMNS = (
    Escalation.id,
    Escalation.number,
    Escalation.team,
    Escalation.lane,
    Escalation.severity,
    Escalation.client,
    Escalation.summary,
    Escalation.owner,
    Escalation.status,
    Escalation.opened_at,
    Escalation.created_at,
    Escalation.respond_due,
    Escalation.resolve_due,
    Escalation.responded_at,
    Escalation.resolved_at,
    Escalation.paused_since,
    Escalation.lane_channel,
    Escalation.lane_ts,
    Escalation.starts_at,
    Escalation.reopen_count,
    Escalation.psa_ticket,
)


def _raw(column: Any) -> Any:
    """A stored time read without :class:`UTCDateTime`'s per-value conversion (SQLAlchemy calls
    it for each of the eight times of thousands of rows); :func:`_utc` converts it instead,
    the same way, skipping the empty ones."""
    return type_coerce(column, DateTime(timezone=True)).label(column.key)


def _utc(value: datetime) -> datetime:
    """What :meth:`UTCDateTime.process_result_value` gives for a non-empty value."""
    if value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The same columns, the times read raw (see :func:`_raw`), for :func:`_escalation_items`.
_ESCALATION_ROWS = tuple(
    _raw(c) if isinstance(c.type, UTCDateTime) else c for c in ESCALATION_COLUMNS
)

TICKET_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.team,
    Ticket.severity,
    Ticket.priority,
    Ticket.client,
    Ticket.summary,
    Ticket.owner,
    Ticket.owner_name,
    Ticket.status,
    Ticket.category,
    Ticket.opened_at,
    Ticket.respond_due,
    Ticket.resolve_due,
    Ticket.responded_at,
    Ticket.resolved_at,
    Ticket.closed_at,
    Ticket.waiting_since,
    Ticket.reopen_count,
    Ticket.url,
)


class WorkItems:
    """Read-only queries over escalations and tickets of one session."""

    def __init__(self, session: Session, lanes: Lanes) -> None:
        self.session = session
        self.lanes = lanes

    def _merge(self, escalations: Iterable[Any], tickets: Sequence[Any]) -> list[WorkItem]:
        """Tickets first; an escalation naming a known ticket counts once, as that ticket."""
        known = {t.number for t in tickets}
        items = [ticket_item(t, self.lanes) for t in tickets]
        items += [
            escalation_item(e, self.lanes)
            for e in escalations
            if not (e.psa_ticket and e.psa_ticket.lstrip("#") in known)
        ]
        return items

    def team_open(self, slack_team_id: str, team: str, *, unpaused: bool = False) -> list[WorkItem]:
        """A team's active escalations and open tickets (``unpaused``: not waiting on the client)."""
        esc = select(*_ESCALATION_ROWS).where(
            Escalation.slack_team_id == slack_team_id,
            Escalation.team == team,
            Escalation.status.in_(_ACTIVE),
        )
        tix = select(*TICKET_COLUMNS).where(
            Ticket.slack_team_id == slack_team_id,
            Ticket.team == team,
            Ticket.closed_at.is_(None),
            Ticket.resolved_at.is_(None),
        )
        if unpaused:
            esc = esc.where(Escalation.paused_since.is_(None))
            tix = tix.where(Ticket.waiting_since.is_(None))
        # Core rows on the session's connection (its transaction): the ORM's result handling
        # adds nothing to plain columns but its cost per row.
        conn = self.session.connection()
        tickets = conn.execute(tix).all()
        known = {t.number for t in tickets}
        items = [ticket_item(t, self.lanes) for t in tickets]
        items += _escalation_items(conn.execute(esc), self.lanes, known)
        return items

    def user_open(self, slack_team_id: str, user: str, *, limit: int = 100) -> list[WorkItem]:
        """What ``user`` owns: active escalations and open tickets, soonest due first."""
        esc = (
            select(Escalation)
            .where(
                Escalation.slack_team_id == slack_team_id,
                Escalation.owner == user,
                Escalation.status.in_(_ACTIVE),
            )
            .limit(limit)
        )
        tix = (
            select(Ticket)
            .where(
                Ticket.slack_team_id == slack_team_id,
                Ticket.owner == user,
                Ticket.closed_at.is_(None),
                Ticket.resolved_at.is_(None),
            )
            .limit(limit)
        )
        tickets = list(self.session.scalars(tix))
        items = self._merge(self.session.scalars(esc), tickets)
        far = datetime.max.replace(tzinfo=None)
        items.sort(
            key=lambda i: (i.resolve_due.replace(tzinfo=None) if i.resolve_due else far, i.ref)
        )
        return items[:limit]

    def pending_approvals(self, slack_team_id: str, team: str) -> list[PendingApproval]:
        rows = self.session.scalars(
            select(Escalation).where(
                Escalation.slack_team_id == slack_team_id,
                Escalation.team == team,
                Escalation.status == Status.PENDING_APPROVAL.value,
            )
        )
        out: list[PendingApproval] = []
        for row in rows:
            lane = self.lanes.config.lane(row.lane)
            due = None
            if lane is not None and row.severity in lane.severities:
                due = approval_due(
                    self.lanes.calendar(row.team), lane.severities[row.severity], row.created_at
                )
            out.append(
                PendingApproval(
                    ref=row.ref,
                    lane=lane.name if lane else row.lane,
                    client=row.client,
                    summary=row.summary,
                    requester=row.requester,
                    approvers=tuple(lane.approvers) if lane else (),
                    requested_at=row.created_at,
                    respond_due=due,
                    url=message_link(row.lane_channel, row.lane_ts),
                )
            )
        return out

    def last_synced(self, slack_team_id: str) -> datetime | None:
        """When the PSA queue was last synced successfully (None: never, or no PSA)."""
        return self.session.scalar(
            select(PsaSyncState.last_success_at).where(PsaSyncState.slack_team_id == slack_team_id)
        )
