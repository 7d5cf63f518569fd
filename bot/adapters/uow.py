"""The unit of work: one session, its repositories, and a transaction that rolls back unless
``commit()`` is called. After a commit that queued an outbox row it runs its ``after_commit``
hook (wake the outbox deliverer), never before: nothing is posted for a change that was not
stored."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from ..services.context import Lanes
    from .level10 import Level10Repository
    from .workitems import WorkItems

from .interceptions import FocusRepository, InterceptionRepository
from .repository import (
    OUTBOX_QUEUED,
    ApprovalRequests,
    EscalationRepository,
    JobRuns,
    OutboxRepository,
    ProcessedRequests,
    SlaNotices,
    TimelineRepository,
)
from .retention import Maintenance
from .tickets import TicketRepository


class UnitOfWork:
    session: Session
    escalations: EscalationRepository
    timeline: TimelineRepository
    outbox: OutboxRepository
    processed: ProcessedRequests
    interceptions: InterceptionRepository
    focus: FocusRepository
    tickets: TicketRepository
    notices: SlaNotices
    maintenance: Maintenance
    job_runs: JobRuns
    approvals: ApprovalRequests

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._factory = session_factory
        self._after_commit = after_commit

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.escalations = EscalationRepository(self.session)
        self.timeline = TimelineRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.processed = ProcessedRequests(self.session)
        self.interceptions = InterceptionRepository(self.session)
        self.focus = FocusRepository(self.session)
        self.tickets = TicketRepository(self.session)
        self.notices = SlaNotices(self.session)
        self.maintenance = Maintenance(self.session)
        self.job_runs = JobRuns(self.session)
        self.approvals = ApprovalRequests(self.session)
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        queued = bool(self.session.info.pop(OUTBOX_QUEUED, False))
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()
        # Only a commit that queued a post wakes the deliverer (its periodic round still picks
        # up anything else): a wake-up is a claim query, wasted when there is nothing to claim.
        if queued and self._committed and self._after_commit is not None and exc_type is None:
            self._after_commit()

    def work(self, lanes: Lanes) -> WorkItems:
        """Escalations and tickets as domain work items (the one way to read work)."""
        from .workitems import WorkItems

        return WorkItems(self.session, lanes)

    def level10(self, lanes: Lanes) -> Level10Repository:
        """The Level-10's facts, snapshots, IDS items and to-dos."""
        from .level10 import Level10Repository

        return Level10Repository(self.session, lanes)

    def flush(self) -> None:
        """Write pending changes now (a concurrent change to a versioned row raises here)."""
        self.session.flush()

    def detach(self, row: object) -> None:
        """Keep ``row`` readable after the unit of work ends (its attributes stay loaded)."""
        self.session.expunge(row)

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()


UowFactory = Callable[[], UnitOfWork]
