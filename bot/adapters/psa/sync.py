"""The sync engine, storage-agnostic: stream a connector's pages into a :class:`TicketStore`,
each page stored with its cursor atomically, so the cursor never passes a ticket that was not
stored. A PSA that fails mid-run keeps every page already stored; the report says what failed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .base import (
    MalformedRecord,
    Page,
    PsaConnector,
    PsaError,
    PsaTicket,
    Source,
)

log = logging.getLogger(__name__)


class TicketStore(Protocol):
    """Where synced tickets live (the database store implements the same protocol)."""

    def get_cursor(self, source: Source) -> datetime | None: ...

    def save_page(
        self, source: Source, tickets: Iterable[PsaTicket], cursor: datetime | None
    ) -> int:
        """Upsert ``tickets`` by (source, external id) and set the cursor, in one transaction;
        returns how many tickets were written."""
        ...

    def mark_synced(self, source: Source, at: datetime, *, error: str | None) -> None:
        """Record the run's end: ``at`` is "last synced" when ``error`` is None."""
        ...


@dataclass(slots=True)
class SyncReport:
    source: Source
    started: datetime
    finished: datetime | None = None
    pages: int = 0
    stored: int = 0
    malformed: list[MalformedRecord] = field(default_factory=list)
    requests: int = 0
    cursor: datetime | None = None
    error: str | None = None
    error_kind: str | None = None  # the PsaError subclass name

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        state = "ok" if self.ok else f"failed ({self.error_kind}: {self.error})"
        return (
            f"{self.source}: {state}; {self.stored} tickets in {self.pages} pages, "
            f"{len(self.malformed)} malformed skipped, {self.requests} requests"
        )


_END = object()


def prefetched(pages: Iterator[Page]) -> Iterator[Page]:
    """``pages``, with the next page fetched while the caller stores this one.

    The PSA's answer and the database's write overlap (each waits on its own socket), so a
    sync takes about the longer of the two instead of their sum. At most two pages are held;
    an error from the connector is raised here, in the caller's thread, after the pages
    before it were handed over.
    """
    ahead: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        ahead.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ahead.put(_END)
        except BaseException as exc:  # handed to the caller, raised there
            ahead.put(exc)

    worker = threading.Thread(target=fetch, name="psa-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ahead.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)


def sync(connector: PsaConnector, store: TicketStore, *, now: datetime) -> SyncReport:
    """One sync run. Never raises a :class:`PsaError`: it ends the run and goes in the report."""
    source = connector.source
    report = SyncReport(source=source, started=now)
    since = store.get_cursor(source)
    report.cursor = since
    http = getattr(connector, "http", None)
    before = getattr(http, "requests", None)
    try:
        for page in prefetched(connector.pages(since, now=now)):
            report.pages += 1
            report.requests += page.requests
            report.stored += store.save_page(source, page.tickets, page.cursor)
            report.cursor = page.cursor
            for bad in page.malformed:
                report.malformed.append(bad)
                log.warning("%s: skipped ticket %s: %s", source, bad.external_id, bad.reason)
    except PsaError as exc:
        report.error = str(exc)  # connectors' messages carry no secret
        report.error_kind = type(exc).__name__
        log.warning("%s sync stopped: %s (kept %d tickets stored)", source, exc, report.stored)
    if isinstance(before, int):  # requests of a failed page count too
        report.requests = int(getattr(http, "requests", before)) - before
    report.finished = now
    store.mark_synced(source, now, error=report.error)
    return report


class InMemoryTicketStore:
    """The model of a ticket store: upsert by (source, external id), cursor per source."""

    def __init__(self) -> None:
        self.tickets: dict[tuple[str, str], PsaTicket] = {}
        self.cursors: dict[str, datetime | None] = {}
        self.last_synced: dict[str, datetime] = {}
        self.last_error: dict[str, str | None] = {}
        self.saves = 0

    def get_cursor(self, source: Source) -> datetime | None:
        return self.cursors.get(source)

    def save_page(
        self, source: Source, tickets: Iterable[PsaTicket], cursor: datetime | None
    ) -> int:
        written = 0
        staged: dict[tuple[str, str], PsaTicket] = {}
        for ticket in tickets:
            if ticket.source != source:
                raise ValueError(f"a {ticket.source} ticket in a {source} page")
            staged[ticket.key] = ticket
            written += 1
        self.tickets.update(staged)  # all of the page, then its cursor
        self.cursors[source] = cursor
        self.saves += 1
        return written

    def mark_synced(self, source: Source, at: datetime, *, error: str | None) -> None:
        self.last_error[source] = error
        if error is None:
            self.last_synced[source] = at

    def of(self, source: Source) -> list[PsaTicket]:
        return [t for (s, _), t in self.tickets.items() if s == source]


class CountingTicketStore(InMemoryTicketStore):
    """Keeps cursors and counts, not tickets: measures a connector's memory, not the store's."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def save_page(
        self, source: Source, tickets: Iterable[PsaTicket], cursor: datetime | None
    ) -> int:
        written = sum(1 for _ in tickets)
        self.count += written
        self.cursors[source] = cursor
        self.saves += 1
        return written
