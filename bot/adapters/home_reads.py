"""What App Home shows one person, read through the unit of work or an outbox delivery (issue
13, the persistence boundary): :class:`HomeReads` runs App Home's queries and hands
:mod:`bot.slack.home` a frozen :class:`HomeState`; the renderer never sees a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.escalation import ACTIVE, CLOSED, Status
from ..domain.sla import WorkItem
from ..services.views import EscalationView
from .level10 import Level10Repository
from .models import ApprovalRequest, Escalation, FocusSession
from .outbox import release
from .repository import escalation_view
from .workitems import WorkItems, escalation_item

if TYPE_CHECKING:
    from ..services.context import Lanes


@dataclass(frozen=True)
class HomeState:
    """One person's App Home as read at one moment."""

    owned: tuple[EscalationView, ...]
    """Active escalations they own, soonest resolve-by first (at most 100)."""
    owned_items: tuple[WorkItem | None, ...]
    """``owned``'s work items, in the same order, for the SLA risks (None: not a configured
    team's escalation, it has no clock here)."""
    requested: tuple[EscalationView, ...]
    """Escalations they asked for that are not closed, newest first (at most 50)."""
    approvals: tuple[EscalationView, ...]
    """Escalations waiting on their approval, oldest first (at most 50)."""
    focus_until: datetime | None
    """When their running focus session ends (None: not in focus)."""
    tickets: tuple[WorkItem, ...]
    """The PSA's open tickets they own."""


class HomeReads:
    """App Home's queries, on the session of a unit of work or of an outbox delivery."""

    def __init__(self, session: Session, lanes: Lanes) -> None:
        self.session = session
        self.lanes = lanes

    def state(self, team_id: str, user: str, now: datetime) -> HomeState:
        s = self.session
        owned = list(
            s.scalars(
                select(Escalation)
                .where(
                    Escalation.slack_team_id == team_id,
                    Escalation.owner == user,
                    Escalation.status.in_([st.value for st in ACTIVE]),
                )
                .order_by(Escalation.resolve_due)
                .limit(100)
            )
        )
        requested = s.scalars(
            select(Escalation)
            .where(
                Escalation.slack_team_id == team_id,
                Escalation.requester == user,
                Escalation.status.not_in([st.value for st in CLOSED]),
            )
            .order_by(Escalation.number.desc())
            .limit(50)
        )
        requested_views = tuple(escalation_view(row) for row in requested)
        approvals = s.scalars(
            select(Escalation)
            .join(ApprovalRequest, ApprovalRequest.escalation_id == Escalation.id)
            .where(
                Escalation.slack_team_id == team_id,
                ApprovalRequest.approver == user,
                Escalation.status == Status.PENDING_APPROVAL.value,
            )
            .order_by(Escalation.created_at)
            .limit(50)
        )
        approval_views = tuple(escalation_view(row) for row in approvals)
        focus = s.scalar(
            select(FocusSession.ends_at)
            .where(
                FocusSession.slack_team_id == team_id,
                FocusSession.user == user,
                FocusSession.starts_at <= now,
                FocusSession.ends_at > now,
                FocusSession.ended_at.is_(None),
            )
            .order_by(FocusSession.ends_at.desc())
        )
        # The PSA's tickets this person owns (escalations are listed above from their rows).
        tickets = tuple(
            i for i in WorkItems(s, self.lanes).user_open(team_id, user) if i.kind == "ticket"
        )
        teams = self.lanes.config.teams
        return HomeState(
            owned=tuple(escalation_view(row) for row in owned),
            owned_items=tuple(
                escalation_item(row, self.lanes) if row.team in teams else None for row in owned
            ),
            requested=requested_views,
            approvals=approval_views,
            focus_until=focus,
            tickets=tickets,
        )

    @property
    def todos(self) -> Level10Repository:
        """The Level-10's to-dos (App Home's section of them), on the same session."""
        return Level10Repository(self.session, self.lanes)

    def release(self) -> None:
        """End the read transaction before the Slack call (see :func:`outbox.release`)."""
        release(self.session)
