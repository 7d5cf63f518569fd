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
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, Table, bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from .models import SlackInboxRequest
from .outbox_wakeup import INBOX_CHANNEL as WAKE_CHANNEL

log = logging.getLogger(__name__)

T: Table = SlackInboxRequest.__table__  # type: ignore[assignment]


# The commit of a stored request does not wait for its WAL to reach the disk (PostgreSQL's
# asynchronous commit): acks no longer wait on fsync. What that risks: a crash of PostgreSQL
# itself (not of Lanekeeper) can lose the requests of its last ~0.6 s (3 x wal_writer_delay),
# which were acked. An app that handles requests after acking them in its own memory, as Bolt
# does and LANEKEEPER_DELIVERY=inline does, loses them on any crash of the app.
#
# The same statement wakes ``lanekeeper deliver`` (its LISTEN, bot/adapters/outbox_wakeup.py):
# a NOTIFY is delivered at commit, so one round trip sets both and the worker never wakes to a
# request it cannot see yet. Before, a separate thread sent each NOTIFY in a transaction of its
# own after the store: two transactions and a thread switch per batch on the acking process.
ASYNC_COMMIT_AND_WAKE = (
    f"SELECT set_config('synchronous_commit', 'off', true), pg_notify('{WAKE_CHANNEL}', '')"
)


# What waits when the worker is behind: clicks that open no form (take, wait, resume, approve,
# "not a request" ...). A message's lane offer is worth something only within a second or two,
# and a command's or a form-opening click's trigger id lives 3 s (those are stored as "form",
# bot/slack/forms.py), while such a click was acked and its effect (a lane message update) can
# land a moment later. Under a backlog a click waits behind
# the others (measured: at 200 requests/s of commands, clicks and messages on 2 cores, offers
# queued behind clicks took 2-6 s).
LATER_KIND = "click"
LATER = case((T.c.kind == LATER_KIND, 1), else_=0)


def _claim_statement() -> Any:
    """The claim, built once with its values bound at execution (built per call it cost as
    much CPU as the query)."""
    now = bindparam("now", type_=DateTime(timezone=True))
    free = or_(T.c.claimed_until.is_(None), T.c.claimed_until < now)
    due = (
        select(T.c.id)
        .where(free)
        .order_by(LATER, T.c.id)
        .limit(bindparam("count", type_=Integer))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(T)
        .where(T.c.id.in_(due), free)
        .values(claimed_until=bindparam("until", type_=DateTime(timezone=True)))
        .returning(T.c.id, T.c.kind, T.c.content_type, T.c.body, T.c.received_at)
    )


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
        self.stored = stored  # wakes the worker on SQLite; on PostgreSQL the store NOTIFYs
        self.lease = lease
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        dialect_insert = pg_insert if self._postgres else sqlite_insert
        # A retried event whose id is stored already is skipped, not an error.
        self._insert = dialect_insert(T).on_conflict_do_nothing(index_elements=[T.c.key])
        self._claim = _claim_statement()

    def store(
        self, *, kind: str, content_type: str, body: str, key: str | None, workspace: str = ""
    ) -> bool:
        """Store one request now; False when one with the same ``key`` is already stored
        (Slack retrying an event it delivered before). Raises on a database failure."""
        row = self.row(
            kind=kind, content_type=content_type, body=body, key=key, workspace=workspace
        )
        return self.store_many([row]) == 1

    def row(
        self, *, kind: str, content_type: str, body: str, key: str | None, workspace: str = ""
    ) -> dict[str, Any]:
        return {
            "slack_team_id": workspace,
            "key": key,
            "kind": kind,
            "content_type": content_type,
            "body": body,
            "received_at": self.clock(),
            "claimed_until": None,
        }

    def store_many(self, rows: list[dict[str, Any]]) -> int:
        """Store ``rows`` in one transaction, skipping any whose ``key`` is already stored (or
        repeated among them); how many were stored. Raises on a database failure, and then
        stores none of them."""
        seen: set[str] = set()
        fresh = []
        for row in rows:
            if row["key"] is not None:
                if row["key"] in seen:
                    continue
                seen.add(row["key"])
            fresh.append(row)
        if not fresh:
            return 0
        with self.engine.begin() as conn:
            if self._postgres:
                conn.exec_driver_sql(ASYNC_COMMIT_AND_WAKE)
            stored = conn.execute(self._insert.returning(T.c.id), fresh).all()
        if stored and not self._postgres and self.stored is not None:
            self.stored()  # on PostgreSQL the transaction's NOTIFY woke the worker
        return len(stored)

    def claim(self, count: int) -> list[InboxItem]:
        """Up to ``count`` unclaimed (or lapsed) requests, leased to the caller: oldest first,
        clicks on lane messages after everything else (:data:`LATER`)."""
        now = self.clock()
        with self.engine.begin() as conn:
            rows = conn.execute(
                self._claim, {"now": now, "until": now + self.lease, "count": count}
            ).all()
        items = [InboxItem(int(r[0]), r[1], r[2], r[3], _aware(r[4])) for r in rows]
        return sorted(items, key=lambda i: (i.kind == LATER_KIND, i.id))  # RETURNING is unordered

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


STALE_CHECK = 30.0  # seconds: how often the writer looks for requests nobody handles

# Seconds the writer waits after the first request of a batch before storing, so that those
# arriving meanwhile share its transaction. The ack never waits for the store, so this delays
# only the worker's start on a request. Without it, at 200 requests/s nearly every request was a
# transaction of its own: the writer held a quarter of serve's GIL time (py-spy --gil), and a
# request arriving while it did waited for the GIL (issue 19: ack p99 ~6 ms against bare Bolt's
# 2.5 ms).
LINGER = 0.025


class InboxWriter:
    """Stores Slack's requests for ``serve`` off the request thread, in batches.

    ``offer`` queues a request and returns at once, so ``serve`` answers Slack without waiting
    on the database: the way Bolt itself acks an event before its listener runs. One thread
    stores whatever is queued in one multi-row INSERT and commit, so a burst is a few
    transactions, not one per request. While the database refuses (the last batch failed), or
    ``max_waiting`` requests already wait, ``offer`` returns False and ``serve`` answers 503:
    Slack retries an event, and a person sees their click or command fail rather than vanish.
    The batch that failed is retried until it is stored or the process stops; on stop what is
    queued is stored first (``close``), and what still cannot be stored is logged, by count.
    """

    def __init__(
        self,
        inbox: SlackInbox,
        *,
        max_waiting: int = 5000,
        batch: int = 500,
        retry: float = 0.5,
        linger: float = LINGER,
    ) -> None:
        self.inbox = inbox
        self.max_waiting = max_waiting
        self.batch = batch
        self.retry = retry
        self.linger = linger
        self.batches = 0  # transactions that stored requests (tests, benchmarks)
        self._queue: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._healthy = True
        self._closing = False
        self._busy = 0  # rows taken from the queue and not stored yet
        self._thread = threading.Thread(target=self._loop, name="inbox-writer", daemon=True)
        self._thread.start()

    @property
    def healthy(self) -> bool:
        return self._healthy

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy

    def offer(self, row: dict[str, Any]) -> bool:
        with self._cond:
            if self._closing or not self._healthy or len(self._queue) >= self.max_waiting:
                return False
            self._queue.append(row)
            self._cond.notify()
            return True

    def _warn_if_nobody_handles(self) -> None:
        """Acked requests waiting longer than a worker ever takes mean none is running."""
        try:
            waiting, oldest = self.inbox.backlog()
        except Exception:
            return  # the next store reports a database that does not answer
        if waiting and oldest > STALE_CHECK:
            log.warning(
                "%s Slack request(s) acked and not handled, the oldest for %.0f s: is "
                "`lanekeeper deliver` running with LANEKEEPER_DELIVERY=worker?",
                waiting,
                oldest,
            )

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything offered so far is stored (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> int:
        """Stop taking requests, store what is queued; returns how many could not be."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self.flush(timeout)
        lost = self.waiting
        if lost:
            log.error("%s acknowledged Slack request(s) could not be stored before stopping", lost)
        return lost

    def _loop(self) -> None:
        checked = time.monotonic()
        while True:
            # Idle or busy alike, and outside the lock: its query must not hold up ``offer``.
            if time.monotonic() - checked >= STALE_CHECK:
                checked = time.monotonic()
                self._warn_if_nobody_handles()
            with self._cond:
                if not self._queue:
                    if self._closing:
                        return
                    self._cond.wait(STALE_CHECK)
                    continue
                linger = not self._closing and len(self._queue) < self.batch
            if linger and self.linger > 0:
                time.sleep(self.linger)  # outside the lock: offer() goes on queueing
            with self._cond:
                rows, self._queue = self._queue[: self.batch], self._queue[self.batch :]
                self._busy = len(rows)
            while True:
                try:
                    self.inbox.store_many(rows)
                except Exception as exc:
                    if self._healthy:
                        log.warning(
                            "could not store Slack requests (%s); answering 503 until the "
                            "database takes them",
                            type(exc).__name__,
                        )
                    self._healthy = False
                    with self._cond:
                        if self._closing:
                            return  # close() reports them
                        self._cond.wait(self.retry)
                    continue
                self.batches += 1
                if not self._healthy:
                    log.warning("storing Slack requests again")
                self._healthy = True
                break
            with self._cond:
                self._busy = 0
                self._cond.notify_all()
