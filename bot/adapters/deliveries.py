"""What an outbox handler in ``bot/slack`` is given instead of a session (issue 13, the
persistence boundary): :class:`Delivery`, the claimed row's fields and the repositories on the
deliverer's session, and :func:`handler` / :func:`settled_hook` that adapt a handler written
against it to the engine's ``(row, session, client)`` calling convention.

The engine (:mod:`bot.adapters.outbox`) still owns the row and the transaction: a handler reads
through the repositories, calls :meth:`Delivery.release` before a Slack call (no lock waits on
Slack's network round trip), posts with :meth:`Delivery.post` (the row's id travels with the
post: never sent twice), and stores what Slack answered through the repositories again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..services.views import EscalationView
from .alert_links import AlertLinks
from .models import Escalation, OutboxMessage
from .outbox import Handler, SettledHook, post_message, release
from .repository import ApprovalRequests, EscalationRepository, JobRuns, OutboxRepository

if TYPE_CHECKING:
    from ..services.context import Lanes
    from .home_reads import HomeReads


class EscalationPostStore:
    """The reads and writes of an escalation's lane message, thread notes and source note."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows = EscalationRepository(session)

    def view(self, escalation_id: int | None) -> EscalationView | None:
        return self._rows.view_by_id(escalation_id) if escalation_id else None

    def lane_posted(self, escalation_id: int, ts: str) -> None:
        """Store where the lane message lives. A plain UPDATE: it is not a change a user made,
        so it must not bump the optimistic-lock version under someone's click."""
        self.session.execute(
            update(Escalation).where(Escalation.id == escalation_id).values(lane_ts=ts)
        )

    def permalink_found(self, escalation_id: int, permalink: str) -> None:
        """Store the source message's permalink, without a version bump."""
        self.session.execute(
            update(Escalation)
            .where(Escalation.id == escalation_id)
            .values(source_permalink=permalink)
            .execution_options(synchronize_session=False)
        )
        # A loaded row sees it too, without being marked dirty (no version bump).
        row = self.session.get(Escalation, escalation_id)
        if row is not None:
            set_committed_value(row, "source_permalink", permalink)

    def superseded(self, escalation_id: int | None, outbox_id: int) -> bool:
        """Whether a later lane-message update of the escalation is still to be delivered
        (it renders the newer state: this one need not go)."""
        later = self.session.scalar(
            select(OutboxMessage.id).where(
                and_(
                    OutboxMessage.escalation_id == escalation_id,
                    OutboxMessage.kind == "lane_message",
                    OutboxMessage.id > outbox_id,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                )
            )
        )
        return later is not None

    def lane_refusal(self, escalation_id: int | None) -> str | None:
        """Why the escalation's lane message was refused for good, if it was."""
        error = self.session.scalar(
            select(OutboxMessage.last_error)
            .where(
                OutboxMessage.escalation_id == escalation_id,
                OutboxMessage.kind == "lane_message",
                OutboxMessage.failed_at.is_not(None),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        return str(error) if error is not None else None


class Delivery:
    """One claimed outbox row, as its handler sees it."""

    def __init__(self, msg: OutboxMessage, session: Session) -> None:
        self._msg = msg
        self._session = session
        self.outbox = OutboxRepository(session)
        self.approvals = ApprovalRequests(session)
        self.escalations = EscalationPostStore(session)
        self.alerts = AlertLinks(session)
        self.job_runs = JobRuns(session)

    @property
    def id(self) -> int:
        return int(self._msg.id)

    @property
    def kind(self) -> str:
        return str(self._msg.kind)

    @property
    def slack_team_id(self) -> str:
        return str(self._msg.slack_team_id)

    @property
    def escalation_id(self) -> int | None:
        return self._msg.escalation_id

    @property
    def payload(self) -> dict[str, Any]:
        return self._msg.payload

    @property
    def last_error(self) -> str | None:
        return self._msg.last_error

    @property
    def dedupe_key(self) -> str:
        return self._msg.dedupe_key or ""

    @property
    def delivered(self) -> bool:
        """Whether Slack took it (a settled row that is not delivered was refused for good)."""
        return self._msg.delivered_at is not None

    def keep_payload(self, payload: dict[str, Any]) -> None:
        """Store a new payload on the row (progress a retry must see, e.g. an uploaded file's
        id); it is written with the row's outcome, even when the delivery is retried."""
        self._msg.payload = dict(payload)

    def release(self) -> None:
        """End the read transaction before a Slack call (see :func:`outbox.release`)."""
        release(self._session)

    def home(self, lanes: Lanes) -> HomeReads:
        """App Home's reads on the deliverer's session (an App Home refresh row)."""
        from .home_reads import HomeReads

        return HomeReads(self._session, lanes)

    def post(self, client: WebClient, *, join: bool = False, **kwargs: Any) -> Any:
        """``chat.postMessage`` for this row, never twice (see :func:`outbox.post_message`)."""
        return post_message(client, self._msg, join=join, **kwargs)


DeliveryHandler = Callable[[Delivery, WebClient], dict[str, Any] | None]


def handler(fn: DeliveryHandler) -> Handler:
    """The engine's handler for ``fn``, which is given a :class:`Delivery`."""

    def deliver(msg: OutboxMessage, s: Session, client: WebClient) -> dict[str, Any] | None:
        return fn(Delivery(msg, s), client)

    deliver.__qualname__ = deliver.__name__ = getattr(fn, "__name__", "deliver")
    return deliver


def settled_hook(fn: Callable[[Delivery], None]) -> SettledHook:
    """The engine's settled/failed hook for ``fn``, which is given a :class:`Delivery`."""

    def hook(msg: OutboxMessage, s: Session) -> None:
        fn(Delivery(msg, s))

    return hook
