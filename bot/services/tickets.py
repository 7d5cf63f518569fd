"""PSA sync: read the PSA page by page, map its names to ours, store each page with its cursor.

Faults never crash the clock: a PSA that refuses the credentials, is down or throttles ends the
run with what was stored so far kept, the error recorded (without secrets) for the digest and
``psa check``; a malformed record is skipped and reported, the rest of its page kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from ..adapters.psa.base import PsaConnector, PsaTicket, Source
from ..adapters.psa.sync import SyncReport, sync
from ..adapters.uow import UnitOfWork
from ..domain.lanes import PsaSettings

log = logging.getLogger(__name__)


def _fold(name: str | None) -> str:
    return (name or "").strip().casefold()


class TicketMapper:
    """The PSA's names to ours: board → team, priority → severity, owner → Slack user."""

    def __init__(self, psa: PsaSettings, lookup_email: Callable[[str], str | None] | None = None):
        self.teams = {_fold(k): v for k, v in psa.teams.items()}
        self.severities = {_fold(k): v for k, v in psa.severities.items()}
        self.people = {_fold(k): v for k, v in psa.people.items()}
        self.lookup_email = lookup_email
        self._emails: dict[str, str | None] = {}

    def owner(self, t: PsaTicket) -> str | None:
        for key in (t.owner, t.owner_name, t.owner_email):
            if key and _fold(key) in self.people:
                return self.people[_fold(key)]
        if t.owner_email and self.lookup_email is not None:
            email = _fold(t.owner_email)
            if email not in self._emails:
                self._emails[email] = self.lookup_email(email)
            return self._emails[email]
        return None

    def row(self, slack_team_id: str, t: PsaTicket, now: datetime) -> dict[str, Any] | None:
        team = self.teams.get(_fold(t.board))
        if team is None:
            return None
        severity = self.severities.get(_fold(t.priority)) or self.severities.get(
            _fold(t.priority_id)
        )
        return {
            "slack_team_id": slack_team_id,
            "source": t.source,
            "external_id": t.external_id[:64],
            "number": t.number[:64],
            "board": t.board[:200],
            "team": team,
            "priority": (t.priority or "")[:200] or None,
            "severity": severity,
            "client": (t.client or "")[:200] or None,
            "summary": t.summary[:500],
            "category": (t.category or "")[:300] or None,
            "status": t.status[:120],
            # now if waiting; the upsert keeps an earlier "since" (bot/adapters/tickets.py)
            "waiting_since": now if t.waiting_on_client else None,
            "owner": self.owner(t),
            "owner_ref": (t.owner or "")[:200] or None,
            "owner_name": (t.owner_name or "")[:200] or None,
            "opened_at": t.opened_at,
            "responded_at": t.responded_at,
            "resolved_at": t.resolved_at,
            "closed_at": t.closed_at or (t.resolved_at if t.is_closed else None),
            "psa_updated_at": t.updated_at,
            "respond_due": t.respond_due,
            "resolve_due": t.resolve_due,
            "reopen_count": t.reopen_count,
            "has_resolution_note": t.has_resolution_note,
            "url": t.url[:500],
        }


class DbTicketStore:
    """The sync engine's :class:`~bot.adapters.psa.sync.TicketStore` over the database: each
    page mapped (board → team, priority → severity, owner → Slack user) and upserted with its
    cursor in one transaction; tickets on unmapped boards are not stored."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        mapper: TicketMapper,
        *,
        slack_team_id: str,
        now: datetime,
    ) -> None:
        self.uow_factory = uow_factory
        self.mapper = mapper
        self.slack_team_id = slack_team_id
        self.now = now
        self.skipped_board = 0

    def get_cursor(self, source: Source) -> datetime | None:
        with self.uow_factory() as uow:
            repo = uow.tickets
            state = repo.state(self.slack_team_id, source)
            state.last_attempt_at = self.now
            cursor = state.cursor
            uow.commit()
        return cursor

    def save_page(
        self, source: Source, tickets: Iterable[PsaTicket], cursor: datetime | None
    ) -> int:
        page = list(tickets)
        with self.uow_factory() as uow:
            repo = uow.tickets
            rows = []
            for t in page:
                row = self.mapper.row(self.slack_team_id, t, self.now)
                if row is None:
                    self.skipped_board += 1
                else:
                    rows.append(row)
            repo.upsert(rows)
            if cursor is not None:
                repo.state(self.slack_team_id, source).cursor = cursor
            uow.commit()
        return len(rows)

    def mark_synced(self, source: Source, at: datetime, *, error: str | None) -> None:
        with self.uow_factory() as uow:
            state = uow.tickets.state(self.slack_team_id, source)
            state.last_error = error
            if error is None:
                state.last_success_at = at
            uow.commit()


def sync_psa(
    uow_factory: Callable[[], UnitOfWork],
    connector: PsaConnector,
    mapper: TicketMapper,
    *,
    slack_team_id: str,
    now: datetime,
) -> SyncReport:
    """One incremental run from the stored cursor into the database (see :func:`sync`)."""
    store = DbTicketStore(uow_factory, mapper, slack_team_id=slack_team_id, now=now)
    return sync(connector, store, now=now)
