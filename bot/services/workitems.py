"""Escalations as plain work items, the shape SLA, digest and KPI code read (tickets will be too)."""

from __future__ import annotations

from bot.adapters.models import Escalation
from bot.domain.sla import WorkItem
from bot.services.context import Lanes
from bot.slack.blocks import message_link


def work_item(row: Escalation, lanes: Lanes) -> WorkItem:
    targets = lanes.target_lengths(row.team, row.lane, row.severity)
    respond_target, resolve_target = targets if targets else (None, None)
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
