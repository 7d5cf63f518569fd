"""The unit of work is where the database's errors stop (issue 13, the persistence boundary):
services see :class:`ConcurrentChange` (a domain ``Conflict``) and :class:`StoreUnavailable`,
never an SQLAlchemy error. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.adapters.db import make_engine, make_session_factory
from bot.adapters.models import Escalation
from bot.adapters.repository import escalation_view
from bot.adapters.uow import ConcurrentChange, StoreUnavailable, UnitOfWork
from bot.config.loader import load_config
from bot.domain.errors import Conflict
from bot.domain.escalation import Draft, Source
from bot.services import escalations as service
from bot.services.context import Lanes
from bot.services.views import EscalationView
from bot.slack import blocks as ui
from tests.conftest import FIXTURES

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TEAM = "T01TEST"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def lanes() -> Lanes:
    return Lanes(load_config(FIXTURES / "lanes.yaml"))


def _raise(lanes: Lanes, sessions: sessionmaker[Session], lane: str = "alert") -> int:
    out = service.create_escalation(
        UnitOfWork(sessions),
        lanes,
        slack_team_id=TEAM,
        draft=Draft(lane=lane, severity="P2", client="Acme", summary="Backups failing"),
        requester="U01TECH1",
        source=Source.SLASH_COMMAND,
        now=NOW,
    )
    return out.number


def test_a_concurrent_change_to_the_same_row_leaves_as_concurrent_change(
    lanes: Lanes, sessions: sessionmaker[Session]
) -> None:
    number = _raise(lanes, sessions)
    with UnitOfWork(sessions) as uow:
        mine = uow.escalations.get(TEAM, number)
        assert mine is not None
        # Someone else's change, as the row's version shows it (one session: SQLite allows one
        # writer at a time, so a second transaction would wait rather than race).
        uow.session.execute(
            text("UPDATE escalations SET version = version + 1 WHERE id = :id"), {"id": mine.id}
        )
        mine.owner = "U01TECH2"
        with pytest.raises(ConcurrentChange) as caught:
            uow.flush()
    assert isinstance(caught.value, Conflict)
    assert isinstance(caught.value.__cause__, StaleDataError)
    with UnitOfWork(sessions) as uow:
        row = uow.escalations.get(TEAM, number)
        assert row is not None and row.owner is None  # the loser stored nothing


def test_an_error_raised_inside_the_block_leaves_it_translated(
    lanes: Lanes, sessions: sessionmaker[Session]
) -> None:
    number = _raise(lanes, sessions)
    with pytest.raises(ConcurrentChange) as caught, UnitOfWork(sessions) as uow:
        row = uow.escalations.get(TEAM, number)
        assert row is not None
        # Not through uow.flush(): the block's own exit translates it.
        uow.escalations.add(uow.escalations.new(**_copy_of(row)))
    assert isinstance(caught.value.__cause__, IntegrityError)  # (team, number) is unique
    with pytest.raises(StoreUnavailable) as failed, UnitOfWork(sessions) as uow:
        uow.session.execute(text("SELECT nothing FROM no_such_table"))
    assert isinstance(failed.value.__cause__, SQLAlchemyError)
    assert not isinstance(failed.value, Conflict)  # nothing a retry of the same change cures
    with pytest.raises(ValueError), UnitOfWork(sessions):  # anything else passes unchanged
        raise ValueError("not the database's")


def _copy_of(row: Escalation) -> dict[str, object]:
    columns = Escalation.__table__.columns.keys()
    return {c: getattr(row, c) for c in columns if c not in ("id", "version", "idempotency_key")}


def test_a_unique_key_taken_at_commit_is_a_concurrent_change(
    lanes: Lanes, sessions: sessionmaker[Session]
) -> None:
    number = _raise(lanes, sessions)
    with UnitOfWork(sessions) as uow:
        row = uow.escalations.get(TEAM, number)
        assert row is not None
        uow.session.add(Escalation(**_copy_of(row)))
        with pytest.raises(ConcurrentChange) as caught:
            uow.commit()
    assert isinstance(caught.value.__cause__, IntegrityError)


def test_retry_on_conflict_runs_again_only_for_a_concurrent_change() -> None:
    calls: list[int] = []
    outcome = service.Outcome(1, 1, "ESC-1", "open")

    def twice_then_done() -> service.Outcome:
        calls.append(1)
        if len(calls) < 3:
            raise ConcurrentChange("raced")
        return outcome

    assert service.retry_on_conflict(twice_then_done, "busy") is outcome
    assert len(calls) == 3

    def always() -> service.Outcome:
        raise ConcurrentChange("raced")

    with pytest.raises(Conflict, match=r"^busy$"):
        service.retry_on_conflict(always, "busy")

    refused: list[int] = []

    def not_a_race() -> service.Outcome:
        refused.append(1)
        raise Conflict("Slack did not say who is in the group")

    with pytest.raises(Conflict, match="Slack did not say"):
        service.retry_on_conflict(not_a_race, "busy")
    assert len(refused) == 1  # a domain Conflict is the answer, not a race to run again


def test_the_view_carries_every_rendered_fact_and_renders_as_the_row_did(
    lanes: Lanes, sessions: sessionmaker[Session]
) -> None:
    number = _raise(lanes, sessions)
    service.act(
        lambda: UnitOfWork(sessions),
        lanes,
        slack_team_id=TEAM,
        number=number,
        action="take",
        actor="U01TECH3",
        now=NOW,
    )
    with UnitOfWork(sessions) as uow:
        row = uow.escalations.get(TEAM, number)
        assert row is not None
        row.source_permalink = "https://example.slack.com/archives/C1/p1"
        row.starts_at = NOW
        row.psa_ticket = "48213"
        view = escalation_view(row)
        for f in dataclasses.fields(EscalationView):
            expected = getattr(row, f.name)
            assert getattr(view, f.name) == (
                tuple(expected) if f.name == "done_checked" else expected
            ), f.name
        assert view.ref == row.ref == f"ESC-{number}"
        lane = lanes.config.lane(row.lane)
        tz = lanes.calendar(row.team).tz
        assert ui.lane_message(view, lane, tz=tz) == ui.lane_message(row, lane, tz=tz)
        assert ui.escalation_line(view, user_id="U01TECH3") == ui.escalation_line(
            row, user_id="U01TECH3"
        )
        assert ui.resolve_modal(view, lane) == ui.resolve_modal(row, lane)
        assert ui.reassign_modal(view) == ui.reassign_modal(row)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.owner = "U0NOBODY"  # type: ignore[misc]
    got = service.get_escalation(UnitOfWork(sessions), slack_team_id=TEAM, number=number)
    assert isinstance(got, EscalationView) and got.owner == "U01TECH3"
