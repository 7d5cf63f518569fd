"""The prune job keeps only what retention: allows, per workspace, and never a pending post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.adapters.models import Interception, OutboxMessage, ProcessedRequest, Ticket
from bot.clock import run_job_once
from bot.jobs import registry
from tests.e2e.conftest import TEAM, Harness
from tests.e2e.test_tickets import ticket

NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
DAY = timedelta(days=1)


def count(app: Harness, model: type) -> dict[str, int]:
    with app.container.sessions() as s:
        rows = s.execute(select(model.slack_team_id, func.count()).group_by(model.slack_team_id))
        return {str(team): int(n) for team, n in rows}


def test_prune_deletes_only_what_is_past_its_retention(app: Harness) -> None:
    other = "T0OTHERWS"
    with app.container.sessions() as s:
        for team in (TEAM, other):
            for age, n in ((91 * DAY, "old"), (89 * DAY, "new")):
                s.add(
                    Interception(
                        slack_team_id=team,
                        channel="C1",
                        message_ts=f"{n}.1",
                        sender="U1",
                        created_at=NOW - age,
                    )
                )
            s.add(ProcessedRequest(slack_team_id=team, key="old", created_at=NOW - 8 * DAY))
            s.add(ProcessedRequest(slack_team_id=team, key="new", created_at=NOW - 6 * DAY))
            s.add(
                OutboxMessage(
                    slack_team_id=team,
                    kind="call",
                    delivered_at=NOW - 31 * DAY,
                    created_at=NOW - 31 * DAY,
                )
            )
            s.add(
                OutboxMessage(
                    slack_team_id=team,
                    kind="call",
                    failed_at=NOW - 31 * DAY,
                    created_at=NOW - 31 * DAY,
                )
            )
            s.add(
                OutboxMessage(
                    slack_team_id=team,
                    kind="call",
                    delivered_at=NOW - 29 * DAY,
                    created_at=NOW - 29 * DAY,
                )
            )
            s.add(
                OutboxMessage(slack_team_id=team, kind="call", created_at=NOW - 90 * DAY)
            )  # pending
        s.commit()
    ticket(app, "1", closed_at=NOW - 57 * DAY, status="Closed")
    ticket(app, "2", closed_at=NOW - 55 * DAY, status="Closed")
    ticket(app, "3")  # open, however old: kept
    out = run_job_once(app.container, registry()["prune"], NOW)
    assert out == [
        "prune workspace: pruned (1 interceptions, 1 requests, 2 outbox, 1 tickets_closed)"
    ]
    assert count(app, Interception) == {TEAM: 1, other: 2}
    assert count(app, ProcessedRequest) == {TEAM: 1, other: 2}
    assert count(app, OutboxMessage)[TEAM] == 2 and count(app, OutboxMessage)[other] == 4
    with app.container.sessions() as s:
        assert sorted(s.scalars(select(Ticket.number))) == ["2", "3"]
        assert (
            s.scalar(
                select(func.count()).where(
                    OutboxMessage.slack_team_id == TEAM,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                )
            )
            == 1
        )
    assert run_job_once(app.container, registry()["prune"], NOW) == [
        "prune workspace: skipped (0 interceptions, 0 requests, 0 outbox, 0 tickets_closed)"
    ]
