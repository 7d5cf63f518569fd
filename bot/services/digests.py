"""The daily stand-up digest's data: a team's open work as plain work items, from storage."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.adapters.models import Escalation
from bot.adapters.uow import UnitOfWork
from bot.domain.clocks import approval_due
from bot.domain.digest import Digest, PendingApproval, build_digest
from bot.domain.escalation import ACTIVE, Status
from bot.domain.sla import WorkItem
from bot.services.context import Lanes
from bot.services.workitems import work_item
from bot.slack.blocks import message_link

DEFAULT_RISK_WINDOW = timedelta(hours=4)


def team_work_items(
    uow: UnitOfWork, lanes: Lanes, *, slack_team_id: str, team: str
) -> list[WorkItem]:
    """Open escalations of a team (PSA tickets will join them here)."""
    rows = uow.session.scalars(
        select(Escalation).where(
            Escalation.slack_team_id == slack_team_id,
            Escalation.team == team,
            Escalation.status.in_([s.value for s in ACTIVE]),
        )
    )
    return [work_item(row, lanes) for row in rows]


def team_pending_approvals(
    uow: UnitOfWork, lanes: Lanes, *, slack_team_id: str, team: str
) -> list[PendingApproval]:
    out: list[PendingApproval] = []
    rows = uow.session.scalars(
        select(Escalation).where(
            Escalation.slack_team_id == slack_team_id,
            Escalation.team == team,
            Escalation.status == Status.PENDING_APPROVAL.value,
        )
    )
    for row in rows:
        lane = lanes.config.lane(row.lane)
        due = None
        if lane is not None and row.severity in lane.severities:
            due = approval_due(
                lanes.calendar(row.team), lane.severities[row.severity], row.created_at
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


def standup_digest(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    team: str,
    now: datetime,
    risk_window: timedelta = DEFAULT_RISK_WINDOW,
) -> Digest:
    """The digest a team would get at ``now``."""
    cfg = lanes.team(team)
    with uow:
        items = team_work_items(uow, lanes, slack_team_id=slack_team_id, team=team)
        approvals = team_pending_approvals(uow, lanes, slack_team_id=slack_team_id, team=team)
    return build_digest(
        team=cfg,
        calendar=lanes.calendar(team),
        now=now,
        items=items,
        approvals=approvals,
        risk_window=risk_window,
        alert_lane=lanes.config.alert_lane,
        window_lanes=lanes.config.window_lanes,
    )
