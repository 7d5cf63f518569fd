"""The fakes' tickets, vendor-neutral: a seeded source that generates any number of tickets
lazily (ticket *i* is computed from the seed on demand, so 100,000 cost no memory), plus the
changes a test makes (updates, new tickets, deletions, a malformed record) kept as overrides.
Each fake renders these in its vendor's JSON."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

PRIORITIES: tuple[str, ...] = (
    "Priority 1 - Emergency Response",
    "Priority 2 - Quick Response",
    "Priority 3 - Normal Response",
    "Priority 4 - Scheduled Maintenance",
)
#: respond, resolve targets per priority (wall-clock, as the fakes compute the PSA's own dues)
TARGETS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(minutes=15), timedelta(hours=4)),
    (timedelta(hours=1), timedelta(days=1)),
    (timedelta(hours=4), timedelta(days=3)),
    (timedelta(days=1), timedelta(days=10)),
)
BOARDS: tuple[str, ...] = ("Service Desk", "Projects", "Alerts")
#: neutral status keys; each fake names them its vendor's way
STATUSES: tuple[str, ...] = ("new", "in_progress", "waiting", "scheduled", "closed")
OWNERS: tuple[tuple[str, str, str, str], ...] = (
    ("dwhitfield", "Dana", "Whitfield", "dana.whitfield@example-msp.test"),
    ("mokafor", "Moses", "Okafor", "moses.okafor@example-msp.test"),
    ("jpatel", "Jaya", "Patel", "jaya.patel@example-msp.test"),
    ("lnguyen", "Linh", "Nguyen", "linh.nguyen@example-msp.test"),
)
_COMPANY_A = ("Acme", "Birch", "Cobalt", "Delta", "Evergreen", "Fulton", "Granite", "Harbor")
_COMPANY_B = ("Dental", "Logistics", "Law", "Clinic", "Builders", "Foods", "Realty", "Credit Union")
COMPANIES: tuple[str, ...] = tuple(f"{a} {b}" for a in _COMPANY_A for b in _COMPANY_B)
TYPES: tuple[tuple[str, str], ...] = (
    ("Network", "Firewall"),
    ("Network", "Wi-Fi"),
    ("Backup", "Failed job"),
    ("Email", "Mailbox"),
    ("Security", "Phishing"),
    ("Hardware", "Laptop"),
    ("Software", "Line of business app"),
)
SUMMARIES: tuple[str, ...] = (
    "VPN drops every few minutes",
    "Backup job failed overnight",
    "New starter needs a laptop",
    "Printer offline on the second floor",
    "Suspicious login from abroad",
    "Outlook keeps asking for password",
    "Wi-Fi slow in the warehouse",
)


@dataclass(frozen=True, slots=True)
class SynthTicket:
    id: int
    board: str
    priority: int  # index into PRIORITIES
    status: str  # one of STATUSES
    company: int  # index into COMPANIES
    owner: int | None  # index into OWNERS; None = unassigned
    type: int  # index into TYPES
    summary: str
    opened: datetime
    responded: datetime | None
    resolved: datetime | None
    closed: datetime | None
    updated: datetime
    respond_due: datetime | None
    resolve_due: datetime | None
    resolution_note: bool
    reopen_count: int
    malformed: str | None = None  # the fake renders this record broken, saying how

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


def _mix(seed: int, i: int) -> int:
    """A cheap deterministic 64-bit hash of (seed, i) (splitmix64)."""
    x = (seed * 0x9E3779B97F4A7C15 + i * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class TicketSource:
    """Tickets 1..count generated from ``seed`` with every update at or before ``end``; tests'
    changes kept as overrides. Thread-safe; ``version`` moves on every change."""

    def __init__(
        self,
        *,
        count: int = 0,
        seed: int = 1,
        end: datetime | None = None,
        span: timedelta = timedelta(weeks=7),
        boards: tuple[str, ...] = BOARDS,
    ) -> None:
        self.count = count
        self.seed = seed
        self.end = (end or datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).astimezone(UTC)
        self.span = span
        self.boards = boards
        self._overrides: dict[int, SynthTicket] = {}
        self._deleted: set[int] = set()
        self._next_id = count + 1
        self._lock = threading.RLock()
        self.version = 0

    # generated tickets never change after ``end``: a since-filter past it reads overrides only
    @property
    def generated_until(self) -> datetime:
        return self.end

    def generate(self, i: int) -> SynthTicket:
        h = _mix(self.seed, i)
        start = self.end - self.span
        opened = start + self.span * ((i - 1) / max(self.count, 1))
        opened = opened.replace(microsecond=0)
        priority = (h & 0xFF) % 100
        prio = 0 if priority < 5 else 1 if priority < 25 else 2 if priority < 85 else 3
        status_roll = (h >> 8) % 100
        status = (
            "closed"
            if status_roll < 40
            else "new"
            if status_roll < 55
            else "in_progress"
            if status_roll < 80
            else "waiting"
            if status_roll < 92
            else "scheduled"
        )
        respond_target, resolve_target = TARGETS[prio]
        responded = opened + timedelta(minutes=int((h >> 16) % 240)) if status != "new" else None
        resolved = closed = None
        age = self.end - opened
        if status == "closed":
            resolved = opened + min(age, timedelta(minutes=int(30 + (h >> 24) % 5000)))
            closed = resolved
        updated = max(x for x in (opened, responded, closed) if x is not None)
        updated = min(updated + timedelta(seconds=int((h >> 40) % 3600)), self.end)
        owner = None if (h >> 32) % 10 == 0 else int((h >> 36) % len(OWNERS))
        return SynthTicket(
            id=i,
            board=self.boards[int((h >> 44) % len(self.boards))],
            priority=prio,
            status=status,
            company=int((h >> 48) % len(COMPANIES)),
            owner=owner,
            type=int((h >> 52) % len(TYPES)),
            summary=SUMMARIES[int((h >> 56) % len(SUMMARIES))],
            opened=opened,
            responded=responded,
            resolved=resolved,
            closed=closed,
            updated=updated,
            respond_due=opened + respond_target,
            resolve_due=opened + resolve_target,
            resolution_note=status == "closed" and (h >> 60) % 4 != 0,
            reopen_count=1 if (h >> 58) % 20 == 0 else 0,
        )

    def get(self, i: int) -> SynthTicket | None:
        if i in self._deleted:
            return None
        found = self._overrides.get(i)
        if found is not None:
            return found
        if 1 <= i <= self.count:
            return self.generate(i)
        return None

    def ids(self) -> Iterator[int]:
        """Every live id, ascending (taken as a snapshot)."""
        with self._lock:
            extra = sorted(i for i in self._overrides if i > self.count)
            deleted = set(self._deleted)
        for i in range(1, self.count + 1):
            if i not in deleted:
                yield i
        yield from (i for i in extra if i not in deleted)

    def override_ids(self) -> list[int]:
        with self._lock:
            return sorted(i for i in self._overrides if i not in self._deleted)

    def __len__(self) -> int:
        return self.count + len([i for i in self._overrides if i > self.count]) - len(self._deleted)

    # --- changes -------------------------------------------------------------------------
    def add(self, ticket: SynthTicket | None = None, **fields: object) -> SynthTicket:
        """Add a ticket (a new id is given when ``ticket`` is None or has id 0)."""
        with self._lock:
            if ticket is None:
                base = self.generate(1)
                ticket = replace(base, **fields)  # type: ignore[arg-type]
            if ticket.id == 0 or fields:
                ticket = replace(ticket, id=self._next_id)
            self._next_id = max(self._next_id, ticket.id + 1)
            self._overrides[ticket.id] = ticket
            self.version += 1
            return ticket

    def update(self, i: int, *, at: datetime, **changes: object) -> SynthTicket:
        with self._lock:
            current = self.get(i)
            if current is None:
                raise KeyError(i)
            updated = replace(current, updated=at, **changes)  # type: ignore[arg-type]
            self._overrides[i] = updated
            self.version += 1
            return updated

    def delete(self, i: int) -> None:
        with self._lock:
            self._deleted.add(i)
            self.version += 1


def demo_tickets(now: datetime) -> list[SynthTicket]:
    """A small realistic set: Service Desk tickets approaching and past SLA, one waiting on the
    client, one closed with its note, one unassigned, one on another board."""
    now = now.astimezone(UTC).replace(microsecond=0)

    def t(
        i: int,
        *,
        prio: int,
        status: str,
        opened_ago: timedelta,
        summary: str,
        owner: int | None,
        company: int,
        type_: int,
        board: str = "Service Desk",
        responded_after: timedelta | None = timedelta(minutes=10),
        closed_ago: timedelta | None = None,
    ) -> SynthTicket:
        opened = now - opened_ago
        respond_target, resolve_target = TARGETS[prio]
        closed = now - closed_ago if closed_ago is not None else None
        responded = opened + responded_after if responded_after is not None else None
        return SynthTicket(
            id=i,
            board=board,
            priority=prio,
            status=status,
            company=company,
            owner=owner,
            type=type_,
            summary=summary,
            opened=opened,
            responded=responded,
            resolved=closed,
            closed=closed,
            updated=max(x for x in (opened, responded, closed) if x is not None),
            respond_due=opened + respond_target,
            resolve_due=opened + resolve_target,
            resolution_note=closed is not None,
            reopen_count=0,
        )

    return [
        t(5101, prio=0, status="in_progress", opened_ago=timedelta(hours=3, minutes=20),
          summary="Firewall down at Acme Dental main office", owner=0, company=0, type_=0),
        t(5102, prio=1, status="in_progress", opened_ago=timedelta(hours=26),
          summary="Payroll app won't start for the accounts team", owner=1, company=9, type_=6),
        t(5103, prio=2, status="new", opened_ago=timedelta(hours=2),
          summary="Backup job failed overnight on FS01", owner=None, company=17, type_=2,
          responded_after=None),
        t(5104, prio=2, status="waiting", opened_ago=timedelta(days=4),
          summary="Shared mailbox permissions for new starter", owner=2, company=25, type_=3),
        t(5105, prio=1, status="in_progress", opened_ago=timedelta(hours=20),
          summary="Wi-Fi slow in the Granite Foods warehouse", owner=0, company=53, type_=1),
        t(5106, prio=2, status="closed", opened_ago=timedelta(days=2),
          summary="Phishing email reported by reception", owner=3, company=33, type_=4,
          closed_ago=timedelta(days=1)),
        t(5107, prio=3, status="scheduled", opened_ago=timedelta(days=12),
          summary="Replace ageing laptops at Birch Law", owner=1, company=10, type_=5,
          board="Projects"),
    ]  # fmt: skip
