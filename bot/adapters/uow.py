"""The unit of work: one session, its repositories, and a transaction that rolls back unless
``commit()`` is called. After a commit that queued an outbox row it runs its ``after_commit``
hook (wake the outbox deliverer), never before: nothing is posted for a change that was not
stored.

The database's errors stop here (issue 13, the persistence boundary): a concurrent change to a
versioned row or a unique key taken at the same moment leaves the unit of work as
:class:`ConcurrentChange` (a :class:`~bot.domain.errors.Conflict`), any other database failure
as :class:`StoreUnavailable`; the SQLAlchemy error stays chained as ``__cause__``. Services
import nothing from SQLAlchemy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import Conflict

if TYPE_CHECKING:
    from ..services.context import Lanes
    from .home_reads import HomeReads
    from .level10 import Level10Repository
    from .workitems import WorkItems

from .alert_links import AlertLinks
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

CONCURRENT = "Someone changed the same thing at the same moment; look at it again and retry."


class ConcurrentChange(Conflict):
    """Another transaction changed the same row (optimistic lock) or took the same unique key
    at the same moment: running the change again on the fresh state is the cure."""


class StoreUnavailable(Exception):
    """The database failed for another reason (gone, timed out, refused): retrying later may
    cure it. Not a :class:`~bot.domain.errors.LanekeeperError`: nothing a user did wrong."""


@contextmanager
def store_errors() -> Iterator[None]:
    """Translate the database's errors raised inside into :class:`ConcurrentChange` and
    :class:`StoreUnavailable` (chained); anything else passes unchanged."""
    try:
        yield
    except (StaleDataError, IntegrityError) as exc:
        raise ConcurrentChange(CONCURRENT) from exc
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"the database failed ({type(exc).__name__})") from exc


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
    alerts: AlertLinks

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
        self.alerts = AlertLinks(self.session)
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
        if isinstance(exc, SQLAlchemyError):
            with store_errors():  # raised from inside the block: leaves translated
                raise exc
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

    def home(self, lanes: Lanes) -> HomeReads:
        """What App Home shows one person (its queries, and the end of its read transaction
        before the Slack call)."""
        from .home_reads import HomeReads

        return HomeReads(self.session, lanes)

    def flush(self) -> None:
        """Write pending changes now (a concurrent change to a versioned row raises
        :class:`ConcurrentChange` here)."""
        with store_errors():
            self.session.flush()

    def detach(self, row: object) -> None:
        """Keep ``row`` readable after the unit of work ends (its attributes stay loaded)."""
        self.session.expunge(row)

    def commit(self) -> None:
        with store_errors():
            self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()


UowFactory = Callable[[], UnitOfWork]
