"""The outbox engine: stored Slack posts go out once Slack answers.

A row is *claimed* with a lease (a conditional UPDATE, atomic on SQLite and PostgreSQL) before
it is sent, so two processes never send the same row; a crashed process's lease runs out and
the next ``web`` or ``clock`` process sends it. What a row does is up to the handler registered
for its ``kind``: the engine knows claims, leases, retries and ordering, nothing of escalations.

Ordering: a kind may name a *sequence*; a row then waits while an earlier row of the same
``escalation_id`` whose kind is in the same sequence is pending (a thread reply waits for its
lane message, an approval DM's update for the DM). Kinds without a sequence never wait and
never hold anything back, so one refused post cannot stall unrelated ones.

Nothing waits forever: Slack's 429 is honoured through ``Retry-After``; 5xx and connection
errors back off (counted, up to ``max_attempts``); a row a handler cannot deliver yet
(:class:`Deferred`) is counted too and settles as failed past ``give_up_after``; refusals that
will never succeed (``channel_not_found``, ``invalid_auth`` …) and :class:`Refused` are marked
failed with the reason. A post whose answer never came (a timeout) is looked up in Slack by the
outbox id carried in its message ``metadata`` before it is sent again (:func:`post_message`).
"""

from __future__ import annotations

import http.client
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from ..instruments import count_delivery
from .models import OutboxMessage

log = logging.getLogger(__name__)
# Set by post_message when an unanswered attempt's post is found in Slack (this thread's row).
_found_posted = threading.local()

TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}

# ``last_error`` of an attempt whose answer never came: Slack may have done it.
UNANSWERED = "unanswered: "
METADATA_EVENT = "lanekeeper_outbox"

Handler = Callable[[OutboxMessage, Session, WebClient], dict[str, Any] | None]
# Called in the transaction that settles a row (delivered or failed), e.g. to tell a person.
SettledHook = Callable[[OutboxMessage, Session], None]
ClientFor = Callable[[str], WebClient]


def release(s: Session) -> None:
    """End the read transaction before a Slack call: the lease keeps the row ours, and no
    database lock or pooled connection should wait on Slack's network round trip (on SQLite a
    transaction holds the write lock)."""
    s.commit()


class Retry(Exception):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class Deferred(Exception):
    """Not deliverable yet (what it depends on is not there yet); try again shortly."""


class Refused(Exception):
    """Never deliverable (what it depends on was refused for good): settle it as failed."""


def _unanswered(exc: BaseException) -> bool:
    """Whether Slack may have acted on a call that raised ``exc`` (no answer came back)."""
    return isinstance(
        exc, TimeoutError | http.client.RemoteDisconnected | ConnectionResetError
    ) or "timed out" in str(exc)


def metadata_for(msg_id: int) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": msg_id}}


def _carries(message: dict[str, Any], msg_id: int) -> bool:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return meta.get("event_type") == METADATA_EVENT and str(payload.get("outbox_id")) == str(msg_id)


def find_posted(
    client: WebClient, msg_id: int, *, channel: str, thread_ts: str | None, since: datetime
) -> dict[str, Any] | None:
    """The message an earlier, unanswered attempt of outbox row ``msg_id`` posted, if any."""
    if channel[:1] in ("U", "W"):  # a DM addressed by user id: history wants the D channel
        channel = str(client.conversations_open(users=channel)["channel"]["id"])
    oldest = f"{since.timestamp() - 60:.6f}"
    if thread_ts:
        resp = client.conversations_replies(
            channel=channel, ts=thread_ts, oldest=oldest, include_all_metadata=True, limit=200
        )
    else:
        resp = client.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200
        )
    for message in resp.get("messages") or []:
        if _carries(message, msg_id):
            return {"ok": True, "channel": channel, "ts": message["ts"], "found": True}
    return None


def post_message(
    client: WebClient, msg: OutboxMessage, *, join: bool = False, **kwargs: Any
) -> Any:
    """``chat.postMessage`` for outbox row ``msg``, never twice: the post carries the row's id
    in its ``metadata``, and when an earlier attempt got no answer it is looked for first.
    With ``join``, a public channel the bot is not in is joined (``not_in_channel``)."""
    msg_id = int(msg.id)
    kwargs.setdefault("metadata", metadata_for(msg_id))
    if msg.last_error and msg.last_error.startswith(UNANSWERED):
        try:
            found = find_posted(
                client,
                msg_id,
                channel=str(kwargs["channel"]),
                thread_ts=kwargs.get("thread_ts"),
                since=msg.created_at.replace(tzinfo=msg.created_at.tzinfo or UTC),
            )
        except SlackApiError as exc:
            log.warning("outbox %s: cannot look for an earlier post (%s)", msg_id, exc)
            found = None
        if found is not None:
            log.info("outbox %s: the unanswered attempt had posted %s", msg_id, found["ts"])
            _found_posted.msg_id = msg_id  # for the metrics: settled as already posted
            return found
    try:
        return client.chat_postMessage(**kwargs)
    except SlackApiError as exc:
        if join and exc.response is not None and exc.response.get("error") == "not_in_channel":
            client.conversations_join(channel=kwargs["channel"])
            return client.chat_postMessage(**kwargs)
        raise


class OutboxDeliverer:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        client_for: ClientFor,
        worker_id: str | None = None,
        workers: int = 4,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 15,
        give_up_after: timedelta = timedelta(hours=24),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        scope: Callable[[str], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.sessions = session_factory
        self.client_for = client_for
        # Multi-workspace mode: each row is delivered with its own workspace in scope.
        self.scope = scope
        self.workers = workers
        self.worker_id = worker_id or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.lease = lease
        self.max_attempts = max_attempts
        self.give_up_after = give_up_after
        self.clock = clock
        self._wake = threading.Condition()
        self._wakeups = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handlers: dict[str, Handler] = {}
        self._sequences: dict[str, set[str]] = {}
        self._claim_statement: Any = None  # built once per set of sequences (_claim)
        self._on_failed: dict[str, SettledHook] = {}
        self._on_settled: list[SettledHook] = []
        self.register("call", self._call, sequence="call")

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        sequence: str | None = None,
        on_failed: SettledHook | None = None,
    ) -> None:
        """Let a capability deliver its own kind of row; rows of kinds in one ``sequence`` go
        out in order per escalation; ``on_failed`` runs when a row of this kind is refused."""
        self._handlers[kind] = handler
        for kinds in self._sequences.values():
            kinds.discard(kind)
        if sequence is not None:
            self._sequences.setdefault(sequence, set()).add(kind)
        if on_failed is not None:
            self._on_failed[kind] = on_failed
        self._claim_statement = None  # rebuilt with the sequences as they now are

    def on_settled(self, hook: SettledHook) -> None:
        """Run ``hook`` in the transaction that marks any row delivered or failed."""
        self._on_settled.append(hook)

    # ------------------------------------------------------------------ running

    def wake(self) -> None:
        """Something was stored: wake one idle worker (not all of them — a commit per request
        must not become a claim query per worker), up to one wake-up per worker pending."""
        with self._wake:
            if self._wakeups < max(1, len(self._threads)):
                self._wakeups += 1
                self._wake.notify()

    @property
    def running(self) -> bool:
        """Whether this process delivers (its worker threads were started and not stopped)."""
        return bool(self._threads)

    def start(
        self, *, interval: float = 2.0, workers: int | None = None, spread: bool = False
    ) -> None:
        """Deliver in background threads: at once when woken, and every ``interval`` seconds.
        ``spread``: a worker that claims a full batch wakes another, so a backlog is sent by
        every worker at once (``lanekeeper deliver``, which does nothing else)."""
        if self._threads:
            return
        self._stop.clear()
        self._spread = spread
        workers = workers or self.workers

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.deliver_due()
                except Exception:  # keep delivering whatever one bad row or DB hiccup does
                    log.exception("outbox delivery round failed")
                with self._wake:
                    if not self._wakeups and not self._stop.is_set():
                        self._wake.wait(interval)
                    self._wakeups = max(0, self._wakeups - 1)

        for i in range(workers):
            thread = threading.Thread(target=loop, name=f"outbox-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> int:
        """Stop delivering: posts in flight finish (up to ``timeout``), posts claimed but not
        started are released at once for the next process. Returns how many were released."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        idle = not any(thread.is_alive() for thread in self._threads)
        self._threads = []
        if idle:  # none of ours is sending: whatever we still hold goes back at once
            try:
                with self.sessions() as s:
                    held = list(
                        s.scalars(
                            select(OutboxMessage.id).where(
                                OutboxMessage.claimed_by == self.worker_id,
                                OutboxMessage.claimed_until.is_not(None),
                                OutboxMessage.delivered_at.is_(None),
                                OutboxMessage.failed_at.is_(None),
                            )
                        )
                    )
                if held:
                    self._release(held)
            except SQLAlchemyError as exc:
                # Stopping must not fail on an unreachable or unmigrated database: the leases
                # run out by themselves and the next process takes the posts.
                log.warning("could not give back claimed posts on stop: %s", type(exc).__name__)
        return self._released

    _released = 0
    _spread = False

    def deliver_due(
        self, *, limit: int = 200, batch: int = 4, deadline: float | None = None
    ) -> int:
        """Deliver every row that is due now (stopping at ``deadline``, a ``time.monotonic()``
        value, or when stopped); return how many were delivered."""
        delivered = 0
        while limit > 0 and not self._stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            claimed = self._claim(min(batch, limit))
            if not claimed:
                break
            if self._spread and len(claimed) == batch:
                self.wake()  # more may be due: an idle worker claims the next batch meanwhile
            limit -= len(claimed)
            for i, msg_id in enumerate(claimed):
                if self._stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                    self._release(claimed[i:])
                    return delivered
                if self._deliver(msg_id):
                    delivered += 1
        return delivered

    def _release(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        with self.sessions() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == self.worker_id)
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            s.commit()
        self._released += len(ids)

    # ------------------------------------------------------------------ claiming

    def _in_sequence(self, earlier: Any) -> Any:
        """SQL: the earlier row's kind is in the same sequence as the candidate's. The kinds
        are plain bound values, not expanding lists: the statement is built once."""
        pairs = []
        for name, kinds in sorted(self._sequences.items()):
            if not kinds:
                continue
            values = [
                bindparam(f"seq_{name}_{i}", kind, type_=String, unique=True)
                for i, kind in enumerate(sorted(kinds))
            ]
            pairs.append(and_(OutboxMessage.kind.in_(values), earlier.kind.in_(values)))
        return or_(*pairs) if pairs else false()

    def _claim(self, count: int) -> list[int]:
        """Claim up to ``count`` due rows in one statement (a lease, so a crash frees them).

        On PostgreSQL concurrent claimers skip each other's rows (``FOR UPDATE SKIP LOCKED``);
        SQLite serializes writers anyway. A claimed App Home refresh gives up its coalescing
        key, so a change made from now on queues a new one.
        """
        if self._claim_statement is None:
            self._claim_statement = self._build_claim()
        now = self.clock()
        with self.sessions() as s:
            rows = (
                s.connection()
                .execute(
                    self._claim_statement,
                    {
                        "now": now,
                        "until": now + self.lease,
                        "worker": self.worker_id,
                        "count": count,
                    },
                )
                .all()
            )
            s.commit()
        return sorted(int(r[0]) for r in rows)

    def _build_claim(self) -> Any:
        """The claim, in Core and with its values bound at execution: building and compiling
        it on every call cost ~5.7 ms of CPU, an empty outbox included, on each of every
        worker's polls and wake-ups (issue 19; now ~1 ms)."""
        table: Table = OutboxMessage.__table__  # type: ignore[assignment]
        c = table.c
        now = bindparam("now", type_=DateTime(timezone=True))
        earlier = aliased(OutboxMessage)
        blocked_by_earlier = exists().where(
            earlier.escalation_id == c.escalation_id,
            earlier.id < c.id,
            earlier.delivered_at.is_(None),
            earlier.failed_at.is_(None),
            self._in_sequence(earlier),
        )
        free = or_(c.claimed_until.is_(None), c.claimed_until < now)
        # A lease that ran out (never settled, never released) was held by a process that died
        # or hung, perhaps after Slack took its post: the attempt counts as unanswered, so the
        # post is looked for in Slack (by the outbox id in its metadata) before it is sent again.
        lapsed = and_(
            c.claimed_until.is_not(None),
            c.claimed_until < now,
            or_(c.last_error.is_(None), ~c.last_error.startswith(UNANSWERED)),
        )
        due = (
            select(c.id)
            .where(
                c.delivered_at.is_(None),
                c.failed_at.is_(None),
                c.next_attempt_at <= now,
                free,
                or_(c.escalation_id.is_(None), ~blocked_by_earlier),
            )
            .order_by(c.id)
            .limit(bindparam("count", type_=Integer))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return (
            update(table)
            .where(c.id.in_(due), free, c.delivered_at.is_(None))
            .values(
                claimed_by=bindparam("worker", type_=String),
                claimed_until=bindparam("until", type_=DateTime(timezone=True)),
                dedupe_key=case((c.kind == "home", None), else_=c.dedupe_key),
                last_error=case(
                    (
                        lapsed,
                        literal(f"{UNANSWERED}the lease of ")
                        + func.coalesce(c.claimed_by, "a process")
                        + " ran out",
                    ),
                    else_=c.last_error,
                ),
            )
            .returning(c.id)
        )

    def _deliver(self, msg_id: int) -> bool:
        scope: AbstractContextManager[Any] = nullcontext()
        if self.scope is not None:
            # The workspace is resolved (its token read, rotated if due) before this delivery's
            # transaction starts: on SQLite that transaction holds the write lock.
            with self.sessions() as s:
                team = s.scalar(
                    select(OutboxMessage.slack_team_id).where(OutboxMessage.id == msg_id)
                )
            if team is None:
                return False
            scope = self.scope(team)
        with scope, self.sessions() as s:
            msg = s.get(OutboxMessage, msg_id)
            if msg is None or msg.claimed_by != self.worker_id:
                return False
            return self._deliver_claimed(s, msg)

    def _deliver_claimed(self, s: Session, msg: OutboxMessage) -> bool:
        handler = self._handlers.get(msg.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for outbox kind {msg.kind!r}")
            client = self.client_for(msg.slack_team_id)
            result = handler(msg, s, client)
        except Deferred as exc:
            self._defer(msg, str(exc), self.clock())
            return self._settle(s, msg)
        except Refused as exc:
            self._fail(msg, str(exc), self.clock())
            return self._settle(s, msg)
        except SlackApiError as exc:
            self._slack_failure(msg, exc, self.clock())
            return self._settle(s, msg)
        except Retry as exc:
            self._retry(msg, str(exc), self.clock(), exc.delay)
            return self._settle(s, msg)
        except Exception as exc:  # network errors and the like: retry with backoff
            log.warning("outbox %s (%s) failed: %r", msg.id, msg.kind, exc)
            reason = (UNANSWERED if _unanswered(exc) else "") + repr(exc)
            # The due time counts from now, after the call: never back to back.
            self._retry(msg, reason, self.clock(), None)
            return self._settle(s, msg)
        msg.delivered_at = self.clock()
        msg.claimed_until = None
        msg.result = result
        msg.attempts += 1
        return self._settle(s, msg)

    def _settle(self, s: Session, msg: OutboxMessage) -> bool:
        """Commit the row's new state, running the hooks of a row that settled."""
        if msg.failed_at is not None:
            hook = self._on_failed.get(msg.kind)
            if hook is not None:
                try:
                    hook(msg, s)
                except Exception:
                    log.exception("outbox %s: its failure hook failed", msg.id)
        outcome = "retried"  # or deferred: due again later
        if msg.failed_at is not None:
            outcome = "failed"
        elif msg.delivered_at is not None:
            found = getattr(_found_posted, "msg_id", None) == msg.id
            outcome = "already_posted" if found else "delivered"
        _found_posted.msg_id = None
        kind, delivered = msg.kind, msg.delivered_at is not None
        if msg.failed_at is not None or msg.delivered_at is not None:
            for listener in self._on_settled:
                try:
                    listener(msg, s)
                except Exception:
                    log.exception("outbox %s: a settled hook failed", msg.id)
        s.commit()
        count_delivery(kind, outcome)
        return delivered

    def _fail(self, msg: OutboxMessage, reason: str, now: datetime) -> None:
        log.error("outbox %s (%s) not delivered: %s", msg.id, msg.kind, reason)
        msg.failed_at = now
        msg.claimed_until = None
        msg.attempts += 1
        msg.last_error = reason

    def _defer(self, msg: OutboxMessage, reason: str, now: datetime) -> None:
        msg.attempts += 1
        msg.claimed_until = None
        created = msg.created_at.replace(tzinfo=msg.created_at.tzinfo or UTC)
        if msg.attempts >= self.max_attempts * 4 or now - created > self.give_up_after:
            msg.attempts -= 1  # _fail counts this attempt
            self._fail(msg, f"gave up waiting: {reason}", now)
            return
        msg.last_error = reason
        msg.next_attempt_at = now + timedelta(seconds=min(60.0, 2.0 * msg.attempts))

    def _slack_failure(self, msg: OutboxMessage, exc: SlackApiError, now: datetime) -> None:
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or "") if exc.response is not None else ""
        if status == 429:
            retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
            self._retry(msg, "ratelimited", now, retry_after, count=False)
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._retry(msg, f"{status} {error}".strip(), now, None)
        else:
            self._fail(msg, error or f"HTTP {status}", now)

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
        # An unanswered attempt stays known as such until an answer settles it.
        if msg.last_error and msg.last_error.startswith(UNANSWERED):
            reason = reason if reason.startswith(UNANSWERED) else UNANSWERED + reason
        msg.last_error = reason
        msg.claimed_until = None
        if msg.attempts >= self.max_attempts:
            msg.attempts -= 1
            self._fail(msg, f"gave up after {msg.attempts + 1} attempts: {reason}", now)
            return
        backoff = delay if delay is not None else min(300.0, 0.5 * 2 ** max(0, msg.attempts - 1))
        msg.next_attempt_at = now + timedelta(seconds=backoff)

    # ------------------------------------------------------------------ the generic kind

    def _call(self, msg: OutboxMessage, s: Session, client: WebClient) -> dict[str, Any] | None:
        method = str(msg.payload["method"])
        args = dict(msg.payload.get("args") or {})
        release(s)
        if method == "chat.postMessage":
            resp = post_message(client, msg, **args)
            data = resp if isinstance(resp, dict) else resp.data
        else:
            data = client.api_call(method, json=args).data
        data = data if isinstance(data, dict) else {}
        return {k: data[k] for k in ("ts", "channel", "message_ts") if k in data}
