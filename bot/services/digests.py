"""The daily stand-up digest's data: a team's open work (escalations and PSA tickets) and
pending approvals, read through the work-item port, built into a :class:`Digest`."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..adapters.uow import UnitOfWork
from ..domain.digest import Digest, build_digest
from .context import Lanes

DEFAULT_RISK_WINDOW = timedelta(hours=4)


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
        work = uow.work(lanes)
        items = work.team_open(slack_team_id, team)
        approvals = work.pending_approvals(slack_team_id, team)
        synced = work.last_synced(slack_team_id) if lanes.config.psa else None
    return build_digest(
        team=cfg,
        calendar=lanes.calendar(team),
        now=now,
        items=items,
        approvals=approvals,
        risk_window=risk_window,
        alert_lane=lanes.config.alert_lane,
        window_lanes=lanes.config.window_lanes,
        psa=lanes.config.psa.kind if lanes.config.psa else None,
        queue_synced_at=synced,
    )
