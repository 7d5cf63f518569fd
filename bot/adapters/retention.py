"""Deleting what is kept only for a while (SPEC, Operations: ``retention:``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_
from sqlalchemy.orm import Session

from ..domain.lanes import Retention
from .models import Interception, OutboxMessage, ProcessedRequest, Ticket


class Maintenance:
    def __init__(self, session: Session) -> None:
        self.session = session

    def prune(self, slack_team_id: str, retention: Retention, now: datetime) -> dict[str, int]:
        return prune(self.session, slack_team_id, retention, now)


def prune(
    session: Session, slack_team_id: str, retention: Retention, now: datetime
) -> dict[str, int]:
    """Delete one workspace's rows past their retention; returns how many of each went.

    Posts still waiting for Slack are never deleted, however old; escalations, their timelines
    and the weekly snapshots are kept.
    """

    def gone(stmt: object) -> int:
        return int(getattr(session.execute(stmt), "rowcount", 0) or 0)  # type: ignore[call-overload]

    outbox_before = now - retention.outbox
    return {
        "interceptions": gone(
            delete(Interception).where(
                Interception.slack_team_id == slack_team_id,
                Interception.created_at < now - retention.interceptions,
            )
        ),
        "requests": gone(
            delete(ProcessedRequest).where(
                ProcessedRequest.slack_team_id == slack_team_id,
                ProcessedRequest.created_at < now - retention.requests,
            )
        ),
        "outbox": gone(
            delete(OutboxMessage).where(
                OutboxMessage.slack_team_id == slack_team_id,
                or_(
                    and_(
                        OutboxMessage.delivered_at.is_not(None),
                        OutboxMessage.delivered_at < outbox_before,
                    ),
                    and_(
                        OutboxMessage.failed_at.is_not(None),
                        OutboxMessage.failed_at < outbox_before,
                    ),
                ),
            )
        ),
        "tickets_closed": gone(
            delete(Ticket).where(
                Ticket.slack_team_id == slack_team_id,
                Ticket.closed_at.is_not(None),
                Ticket.closed_at < now - retention.tickets_closed,
            )
        ),
    }
