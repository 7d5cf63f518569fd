"""Escalations as plain work items, the shape SLA, digest and KPI code read (tickets will be too)."""

from __future__ import annotations

from bot.adapters.models import Escalation
from bot.domain.sla import WorkItem
from bot.services.context import Lanes
from bot.slack.blocks import message_link


def work_item(row: Escalation, lanes: Lanes) -> WorkItem:
    lane = lanes.config.lane(row.lane)
    respond_target = resolve_target = None
    if lane is not None and row.severity in lane.severities and row.team in lanes.config.teams:
        cal = lanes.calendar(row.team)
        t = lane.severities[row.severity]
        respond_target = cal.to_timedelta(t.respond)
        resolve_target = cal.to_timedelta(t.resolve)
    return WorkItem(
        kind="escalation",
        ref=row.ref,
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
    )
