"""Alert links and roll-ups: the queries behind :mod:`bot.services.alerts` (``uow.alerts``) and
behind the alert posts in :mod:`bot.slack.alert_posts` (``Delivery.alerts``), which are given
frozen views (:class:`AlertLinkView`, :class:`RollupView`) instead of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..services.views import EscalationView
from .models import AlertLink, AlertRollup, Escalation
from .repository import escalation_view


@dataclass(frozen=True, slots=True)
class AlertLinkView:
    """What an alert escalation's messages show of its alert."""

    source: str
    device: str | None
    url: str | None
    active: bool
    fired: int
    flaps: int


@dataclass(frozen=True, slots=True)
class RollupView:
    """A storm's roll-up message: where it is and since when."""

    id: int
    lane: str
    channel: str
    ts: str | None
    started_at: datetime


def link_view(link: AlertLink) -> AlertLinkView:
    return AlertLinkView(
        source=link.source,
        device=link.device,
        url=link.url,
        active=bool(link.active),
        fired=int(link.fired or 0),
        flaps=int(link.flaps or 0),
    )


class AlertLinks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, slack_team_id: str, source: str, key: str) -> AlertLink | None:
        """The latest cycle of the alert ``(source, key)``."""
        return self.session.scalar(
            select(AlertLink)
            .where(
                AlertLink.slack_team_id == slack_team_id,
                AlertLink.source == source,
                AlertLink.key == key,
            )
            .order_by(AlertLink.cycle.desc())
            .limit(1)
        )

    def add(self, **fields: Any) -> AlertLink:
        link = AlertLink(**fields)
        self.session.add(link)
        return link

    # ------------------------------------------------------------------ roll-ups

    def rollup(self, rollup_id: int) -> AlertRollup | None:
        return self.session.get(AlertRollup, rollup_id)

    def open_rollup(self, slack_team_id: str, channel: str, since: datetime) -> AlertRollup | None:
        """The channel's latest roll-up that had an alert since ``since``."""
        return self.session.scalar(
            select(AlertRollup)
            .where(
                AlertRollup.slack_team_id == slack_team_id,
                AlertRollup.channel == channel,
                AlertRollup.last_at >= since,
            )
            .order_by(AlertRollup.seq.desc())
            .limit(1)
        )

    def created_since(self, slack_team_id: str, channel: str, since: datetime) -> list[AlertLink]:
        return list(
            self.session.scalars(
                select(AlertLink).where(
                    AlertLink.slack_team_id == slack_team_id,
                    AlertLink.channel == channel,
                    AlertLink.created_at >= since,
                )
            )
        )

    def next_rollup_seq(self, slack_team_id: str, channel: str) -> int:
        seq = self.session.scalar(
            select(func.coalesce(func.max(AlertRollup.seq), 0)).where(
                AlertRollup.slack_team_id == slack_team_id, AlertRollup.channel == channel
            )
        )
        return int(seq or 0) + 1

    def add_rollup(self, **fields: Any) -> AlertRollup:
        """Store a new roll-up now: a second roll-up of the same storm (unique ``seq``) fails
        here, and the unit of work reports it as a concurrent change."""
        rollup = AlertRollup(**fields)
        self.session.add(rollup)
        self.session.flush()
        return rollup

    def store_counts(self, rollup: AlertRollup) -> None:
        """Write the roll-up's ``alerts`` and ``last_at`` with a plain UPDATE (it takes the row
        lock that orders this transaction against the roll-up's delivery)."""
        self.session.execute(
            update(AlertRollup)
            .where(AlertRollup.id == rollup.id)
            .values(alerts=rollup.alerts, last_at=rollup.last_at)
            .execution_options(synchronize_session=False)
        )

    def rollup_rev(self, rollup_id: int) -> int:
        """The roll-up's ``rev`` as stored (read under the row lock :meth:`store_counts` took)."""
        return int(
            self.session.scalar(select(AlertRollup.rev).where(AlertRollup.id == rollup_id)) or 0
        )

    def rollup_anchor(self, rollup_id: int) -> int | None:
        """The first escalation shown in the roll-up (its outbox rows are ordered by it)."""
        anchor = self.session.scalar(
            select(func.min(AlertLink.escalation_id)).where(AlertLink.rollup_id == rollup_id)
        )
        return int(anchor) if anchor is not None else None

    # ------------------------------------------------------------------ what the posts show

    def view_of(self, escalation_id: int) -> AlertLinkView | None:
        """The alert behind an escalation, if an alert opened it."""
        link = self.session.scalar(
            select(AlertLink).where(AlertLink.escalation_id == escalation_id)
        )
        return link_view(link) if link is not None else None

    def next_rollup_rev(self, rollup_id: int) -> None:
        """Bump the roll-up's ``rev`` (plain UPDATE, no row loaded): the changes made from now
        on queue another update of its message."""
        self.session.execute(
            update(AlertRollup)
            .where(AlertRollup.id == rollup_id)
            .values(rev=AlertRollup.rev + 1)
            .execution_options(synchronize_session=False)
        )

    def rollup_view(self, rollup_id: int) -> RollupView | None:
        """The roll-up as stored now (not as an earlier read in this session saw it)."""
        row = self.session.get(AlertRollup, rollup_id, populate_existing=True)
        if row is None:
            return None
        return RollupView(row.id, row.lane, row.channel, row.ts, row.started_at)

    def rollup_items(self, rollup_id: int) -> list[tuple[EscalationView, AlertLinkView]]:
        """The roll-up's escalations and their alerts, firing first, newest first."""
        rows = self.session.execute(
            select(Escalation, AlertLink)
            .join(AlertLink, AlertLink.escalation_id == Escalation.id)
            .where(AlertLink.rollup_id == rollup_id)
            .order_by(AlertLink.active.desc(), Escalation.number.desc())
        )
        return [(escalation_view(esc), link_view(link)) for esc, link in rows]

    def rollup_posted(self, rollup_id: int, ts: str) -> None:
        """Store where the roll-up's message lives."""
        self.session.execute(update(AlertRollup).where(AlertRollup.id == rollup_id).values(ts=ts))
