"""Slack requests stored at the door and handled by the worker (LANEKEEPER_DELIVERY=worker).

``serve`` stores a verified, well-formed request here and answers Slack 200 at once; it does no
other work for it, so its acks cost about what a bare Bolt app's do (issue 19). ``lanekeeper
deliver`` claims the rows (a lease per row: a worker that dies frees them when it runs out;
``SKIP LOCKED`` on PostgreSQL, so several workers never take the same row), runs each through
the Bolt app and deletes it. One statement each way, written in Core and built once: this is
the hot path of the acking process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .models import SlackInboxRequest

log = logging.getLogger(__name__)

T: Table = SlackInboxRequest.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class InboxItem:
    id: int
    kind: str
    content_type: str
    body: str
    received_at: datetime


class SlackInbox:
    def __init__(
        self,
        engine: Engine,
        *,
        stored: Callable[[], None] | None = None,
        lease: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.stored = stored  # wakes the worker (NOTIFY on PostgreSQL)
        self.lease = lease
        self.clock = clock
        self._insert = T.insert()

    def store(
        self, *, kind: str, content_type: str, body: str, key: str | None, workspace: str = ""
    ) -> bool:
        """Store one request; False when one with the same ``key`` is already stored (Slack
        retrying an event it has delivered before). Raises on a database failure: the caller
        answers Slack with an error, so Slack retries the event."""
        row = {
            "slack_team_id": workspace,
            "key": key,
            "kind": kind,
            "content_type": content_type,
            "body": body,
            "received_at": self.clock(),
            "claimed_until": None,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(self._insert, row)
        except IntegrityError:
            return False
        if self.stored is not None:
            self.stored()
        return True

    def claim(self, count: int) -> list[InboxItem]:
        """Up to ``count`` unclaimed (or lapsed) requests, oldest first, leased to the caller."""
        now = self.clock()
        free = or_(T.c.claimed_until.is_(None), T.c.claimed_until < now)
        due = (
            select(T.c.id)
            .where(free)
            .order_by(T.c.id)
            .limit(count)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with self.engine.begin() as conn:
            rows = conn.execute(
                update(T)
                .where(T.c.id.in_(due), free)
                .values(claimed_until=now + self.lease)
                .returning(T.c.id, T.c.kind, T.c.content_type, T.c.body, T.c.received_at)
            ).all()
        items = [InboxItem(int(r[0]), r[1], r[2], r[3], _aware(r[4])) for r in rows]
        return sorted(items, key=lambda i: i.id)

    def done(self, ids: Iterable[int]) -> None:
        """Handled: nothing about the request stays."""
        ids = list(ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(delete(T).where(T.c.id.in_(ids)))

    def release(self, ids: Iterable[int]) -> None:
        """Claimed but not started (the worker is stopping): the next worker takes them now."""
        ids = list(ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(update(T).where(T.c.id.in_(ids)).values(claimed_until=None))

    def backlog(self) -> tuple[int, float]:
        """How many requests wait, and how many seconds the oldest has waited (0 when none)."""
        with self.engine.connect() as conn:
            count, oldest = conn.execute(select(func.count(), func.min(T.c.received_at))).one()
        if not count or oldest is None:
            return 0, 0.0
        return int(count), max(0.0, (self.clock() - _aware(oldest)).total_seconds())


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
