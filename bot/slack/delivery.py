"""Delivering the outbox: stored Slack posts go out once Slack answers.

A row is *claimed* with a lease (a conditional UPDATE, atomic on SQLite and PostgreSQL) before
it is sent, so two processes never send the same row; a crashed process's lease runs out and
the next ``web`` or ``clock`` process sends it. Rows of one escalation go out strictly in order
(its lane message must exist before a thread reply can point at it). Slack's 429 is honoured
through ``Retry-After``; 5xx and connection errors back off; refusals that will never succeed
(``channel_not_found``, ``invalid_blocks`` …) are marked failed and logged, not retried forever.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, case, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from bot.adapters.models import Escalation, OutboxMessage
from bot.services.context import Lanes
from bot.slack import blocks as ui

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}


def release(s: Session) -> None:
    """End the read transaction before a Slack call: the lease keeps the row ours, and no
    database lock or pooled connection should wait on Slack's network round trip (on SQLite a
    transaction holds the write lock)."""
    s.commit()


class Retry(Exception):
    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.delay = delay


class Deferred(Exception):
    """Not deliverable yet (its lane message is not posted); try again shortly."""


ClientFor = Callable[[str], WebClient]


class OutboxDeliverer:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        lanes: Lanes,
        client_for: ClientFor,
        worker_id: str | None = None,
        workers: int = 4,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 15,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        renderers: dict[str, Callable[[OutboxMessage, Session, WebClient], dict[str, Any] | None]]
        | None = None,
    ) -> None:
        self.sessions = session_factory
        self.lanes = lanes
        self.client_for = client_for
        self.workers = workers
        self.worker_id = worker_id or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.lease = lease
        self.max_attempts = max_attempts
        self.clock = clock
        self._wake = threading.Condition()
        self._wakeups = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handlers: dict[
            str, Callable[[OutboxMessage, Session, WebClient], dict[str, Any] | None]
        ] = {
            "lane_message": self._lane_message,
            "thread_note": self._thread_note,
            "source_note": self._source_note,
            "call": self._call,
        }
        self._handlers.update(renderers or {})

    def register(
        self,
        kind: str,
        handler: Callable[[OutboxMessage, Session, WebClient], dict[str, Any] | None],
    ) -> None:
        """Let another capability (approvals, digests) deliver its own kind of row."""
        self._handlers[kind] = handler

    # ------------------------------------------------------------------ running

    def wake(self) -> None:
        """Something was stored: wake one idle worker (not all of them — a commit per request
        must not become a claim query per worker), up to one wake-up per worker pending."""
        with self._wake:
            if self._wakeups < max(1, len(self._threads)):
                self._wakeups += 1
                self._wake.notify()

    def start(self, *, interval: float = 2.0, workers: int | None = None) -> None:
        """Deliver in background threads: at once when woken, and every ``interval`` seconds.

        Several workers, because each Slack call waits on the network; rows of one escalation
        still go out in order (the claim skips a row while an earlier one of it is pending).
        """
        if self._threads:
            return
        workers = workers or self.workers

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.deliver_due()
                except Exception:  # keep delivering whatever one bad row or DB hiccup does
                    log.exception("outbox delivery round failed")
                with self._wake:
                    if not self._wakeups:
                        self._wake.wait(interval)
                    self._wakeups = max(0, self._wakeups - 1)

        for i in range(workers):
            thread = threading.Thread(target=loop, name=f"outbox-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []

    def deliver_due(self, *, limit: int = 200, batch: int = 4) -> int:
        """Deliver every row that is due now; return how many were delivered."""
        delivered = 0
        while limit > 0:
            claimed = self._claim(min(batch, limit))
            if not claimed:
                break
            limit -= len(claimed)
            for msg_id in claimed:
                if self._deliver(msg_id):
                    delivered += 1
        return delivered

    # ------------------------------------------------------------------ claiming

    def _claim(self, count: int) -> list[int]:
        """Claim up to ``count`` due rows in one statement (a lease, so a crash frees them).

        A row waits while an earlier row of the same escalation is pending, so an escalation's
        posts go out in order. On PostgreSQL concurrent claimers skip each other's rows
        (``FOR UPDATE SKIP LOCKED``); SQLite serializes writers anyway. A claimed App Home
        refresh gives up its coalescing key, so a change made from now on queues a new one.
        """
        now = self.clock()
        earlier = aliased(OutboxMessage)
        blocked_by_earlier = exists().where(
            earlier.escalation_id == OutboxMessage.escalation_id,
            earlier.id < OutboxMessage.id,
            earlier.delivered_at.is_(None),
            earlier.failed_at.is_(None),
        )
        free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                free,
                or_(OutboxMessage.escalation_id.is_(None), ~blocked_by_earlier),
            )
            .order_by(OutboxMessage.id)
            .limit(count)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with self.sessions() as s:
            rows = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(due), free, OutboxMessage.delivered_at.is_(None))
                .values(
                    claimed_by=self.worker_id,
                    claimed_until=now + self.lease,
                    dedupe_key=case(
                        (OutboxMessage.kind == "home", None), else_=OutboxMessage.dedupe_key
                    ),
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            ).all()
            s.commit()
        return sorted(int(r[0]) for r in rows)

    def _deliver(self, msg_id: int) -> bool:
        with self.sessions() as s:
            msg = s.get(OutboxMessage, msg_id)
            if msg is None or msg.claimed_by != self.worker_id:
                return False
            handler = self._handlers.get(msg.kind)
            now = self.clock()
            try:
                if handler is None:
                    raise LookupError(f"no handler for outbox kind {msg.kind!r}")
                client = self.client_for(msg.slack_team_id)
                result = handler(msg, s, client)
            except Deferred as exc:
                msg.next_attempt_at = now + timedelta(seconds=2)
                msg.claimed_until = None
                msg.last_error = str(exc)
                s.commit()
                return False
            except SlackApiError as exc:
                self._slack_failure(msg, exc, now)
                s.commit()
                return False
            except Retry as exc:
                self._retry(msg, str(exc), now, exc.delay)
                s.commit()
                return False
            except Exception as exc:  # network errors and the like: retry with backoff
                log.warning("outbox %s (%s) failed: %r", msg.id, msg.kind, exc)
                self._retry(msg, repr(exc), now, None)
                s.commit()
                return False
            msg.delivered_at = now
            msg.claimed_until = None
            msg.result = result
            msg.attempts += 1
            s.commit()
            return True

    def _slack_failure(self, msg: OutboxMessage, exc: SlackApiError, now: datetime) -> None:
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or "") if exc.response is not None else ""
        if status == 429:
            retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
            self._retry(msg, "ratelimited", now, retry_after, count=False)
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._retry(msg, f"{status} {error}".strip(), now, None)
        else:
            log.error("outbox %s (%s) refused by Slack: %s", msg.id, msg.kind, error or status)
            msg.failed_at = now
            msg.claimed_until = None
            msg.attempts += 1
            msg.last_error = error or f"HTTP {status}"

    def _retry(
        self,
        msg: OutboxMessage,
        reason: str,
        now: datetime,
        delay: float | None,
        *,
        count: bool = True,
    ) -> None:
        if count:
            msg.attempts += 1
        msg.last_error = reason
        msg.claimed_until = None
        if msg.attempts >= self.max_attempts:
            log.error(
                "outbox %s (%s) gave up after %s attempts: %s",
                msg.id,
                msg.kind,
                msg.attempts,
                reason,
            )
            msg.failed_at = now
            return
        backoff = delay if delay is not None else min(300.0, 0.5 * 2 ** max(0, msg.attempts - 1))
        msg.next_attempt_at = now + timedelta(seconds=backoff)

    # ------------------------------------------------------------------ kinds

    def _escalation(self, msg: OutboxMessage, s: Session) -> Escalation:
        esc = s.get(Escalation, msg.escalation_id) if msg.escalation_id else None
        if esc is None:
            raise LookupError(f"outbox {msg.id}: escalation {msg.escalation_id} is gone")
        return esc

    def _lane_message(
        self, msg: OutboxMessage, s: Session, client: WebClient
    ) -> dict[str, Any] | None:
        esc = self._escalation(msg, s)
        if esc.lane_ts is not None and self._superseded(msg, s):
            return {"superseded": True}
        if esc.source_channel and esc.source_ts and not esc.source_permalink:
            self._fill_permalink(esc, s, client)
        lane = self.lanes.config.lane(esc.lane)
        tz = self.lanes.calendar(esc.team).tz if esc.team in self.lanes.config.teams else None
        approvers = lane.approvers if lane else ()
        text, blocks = ui.lane_message(esc, lane, tz=tz, approvers=approvers)
        release(s)
        if esc.lane_ts is None:
            resp = self._post(client, channel=esc.lane_channel, text=text, blocks=blocks)
            ts = str(resp["ts"])
            # A plain UPDATE: storing where the message lives is not a change a user made, so
            # it must not bump the optimistic-lock version under someone's click.
            s.execute(update(Escalation).where(Escalation.id == esc.id).values(lane_ts=ts))
            return {"ts": ts, "channel": resp.get("channel")}
        client.chat_update(channel=esc.lane_channel, ts=esc.lane_ts, text=text, blocks=blocks)
        return {"ts": esc.lane_ts, "updated": True}

    def _fill_permalink(self, esc: Escalation, s: Session, client: WebClient) -> None:
        """Ask Slack for the source message's permalink, once; without it the post still goes."""
        assert esc.source_channel and esc.source_ts
        release(s)
        try:
            link = client.chat_getPermalink(channel=esc.source_channel, message_ts=esc.source_ts)
        except SlackApiError as exc:
            log.info(
                "no permalink for %s: %s",
                esc.ref,
                exc.response.get("error") if exc.response else exc,
            )
            return
        permalink = str(link["permalink"])
        s.execute(
            update(Escalation)
            .where(Escalation.id == esc.id)
            .values(source_permalink=permalink)
            .execution_options(synchronize_session=False)
        )
        # Seen by the rendering below, without marking the row dirty (no version bump).
        set_committed_value(esc, "source_permalink", permalink)

    def _post(self, client: WebClient, **kwargs: Any) -> Any:
        try:
            return client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            if exc.response is not None and exc.response.get("error") == "not_in_channel":
                client.conversations_join(channel=kwargs["channel"])
                return client.chat_postMessage(**kwargs)
            raise

    def _superseded(self, msg: OutboxMessage, s: Session) -> bool:
        later = s.scalar(
            select(OutboxMessage.id).where(
                and_(
                    OutboxMessage.escalation_id == msg.escalation_id,
                    OutboxMessage.kind == "lane_message",
                    OutboxMessage.id > msg.id,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                )
            )
        )
        return later is not None

    def _thread_note(
        self, msg: OutboxMessage, s: Session, client: WebClient
    ) -> dict[str, Any] | None:
        esc = self._escalation(msg, s)
        if esc.lane_ts is None:
            raise Deferred("lane message not posted yet")
        text = str(msg.payload.get("text") or "")
        release(s)
        resp = client.chat_postMessage(channel=esc.lane_channel, thread_ts=esc.lane_ts, text=text)
        return {"ts": resp.get("ts")}

    def _source_note(
        self, msg: OutboxMessage, s: Session, client: WebClient
    ) -> dict[str, Any] | None:
        esc = self._escalation(msg, s)
        if not esc.source_channel or not esc.source_ts:
            return {"skipped": "no source message"}
        lane = self.lanes.config.lane(esc.lane)
        link = ui.message_link(esc.lane_channel, esc.lane_ts)
        ref = f"<{link}|{esc.ref}>" if link else esc.ref
        text = (
            f":arrow_right: Routed to *{ui.escape(lane.name if lane else esc.lane)}* as {ref} "
            f"— follow it there."
        )
        release(s)
        resp = client.chat_postMessage(
            channel=esc.source_channel, thread_ts=esc.source_ts, text=text
        )
        return {"ts": resp.get("ts")}

    def _call(self, msg: OutboxMessage, s: Session, client: WebClient) -> dict[str, Any] | None:
        method = str(msg.payload["method"])
        args = dict(msg.payload.get("args") or {})
        release(s)
        resp = client.api_call(method, json=args)
        data = resp.data if isinstance(resp.data, dict) else {}
        return {k: data[k] for k in ("ts", "channel", "message_ts") if k in data}
