"""The weekly figures of one team, from its work items and the facts stored about them: pure.

A Level-10 meeting looks back over one week, the seven days that end at the meeting
(:func:`week_window`, in the team's timezone, so a DST change makes the week an hour shorter or
longer, never a wall-clock hour off). Everything here counts tickets and escalations together
(:class:`Record` wraps the :class:`~bot.domain.sla.WorkItem` of either), so an escalation that
names a PSA ticket is counted once, as that ticket: the caller merged them already.

The figures, each a rule:

- **Aged backlog** (the core KPI) at the meeting: :func:`bot.domain.sla.aged_past_sla`.
- **New**: items opened in the week. **Reopened**: items with a reopen in the week.
  **Escalated**: items escalated in the week (an escalation raised, or a ticket an escalation
  named).
- **SLA attainment by severity**, respond and resolve: a clock is *judged* in the week when it
  stopped in the week (met when it stopped by its due time) or when its due time fell in the week
  and it was still running and overdue at the meeting (missed). A clock waiting on the client
  is not judged, unless it is an escalation's that was already past due when the wait began
  (the core KPI's rule: parking a late escalation on the client must not hide it). Attainment
  is met / judged, ``None`` when nothing was judged.
- **Documentation**: of the items closed in the week, those with full documentation (a ticket's
  resolution note; an escalation's every definition-of-done box and its note).
- **Interruptions** per protected person: pings caught in the week, routed and dismissed.
- **Approval turnaround**: the median business time from request to decision, of the decisions
  made in the week.
- **Top aging categories**: categories of the aged items, most items first, then the oldest
  (earliest opened) item first, then by name.
- **Headlines**: who closed the most items with SLA met, no reopen and full documentation; a
  person with closures but none verified is not a headline (never volume alone).
- **IDS candidates**: recurring categories (``recurring_at`` new items or more in one category),
  reopen clusters (``reopens_at`` reopened items or more in one category) and documentation gaps
  (items closed without full documentation, when ``gaps_at`` or more).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from .calendar import BusinessCalendar, as_utc
from .sla import WorkItem, aged_past_sla

__all__ = [
    "UNCATEGORIZED",
    "Approval",
    "Attainment",
    "Headline",
    "IdsCandidate",
    "Ping",
    "Record",
    "WeekFigures",
    "aging_categories",
    "approval_turnaround",
    "attainment",
    "category_of",
    "documentation",
    "headlines",
    "ids_candidates",
    "interruptions",
    "resolve_met",
    "week_figures",
    "week_key",
    "week_window",
]

UNCATEGORIZED = "Uncategorized"


@dataclass(frozen=True)
class Record:
    """A work item with what the week's figures need beyond its clocks.

    ``documented``: closed with full documentation. ``closed_by``: who closed it (an
    escalation's resolver, else a ticket's owner). ``reopens``: when it was reopened, as far as
    known. ``escalated_at``: when an escalation was raised for it (None: never).
    """

    item: WorkItem
    documented: bool = False
    closed_by: str | None = None
    reopens: tuple[datetime, ...] = ()
    escalated_at: datetime | None = None


@dataclass(frozen=True)
class Ping:
    """A caught ping: when, to whom, and what its sender did (``routed``, ``dismissed`` …)."""

    at: datetime
    targets: tuple[str, ...]
    outcome: str


@dataclass(frozen=True)
class Approval:
    requested_at: datetime
    decided_at: datetime


@dataclass(frozen=True)
class Attainment:
    met: int = 0
    judged: int = 0

    @property
    def rate(self) -> float | None:
        return self.met / self.judged if self.judged else None

    def __add__(self, other: Attainment) -> Attainment:
        return Attainment(self.met + other.met, self.judged + other.judged)


@dataclass(frozen=True)
class Headline:
    person: str
    verified: int  # closed with SLA met, no reopen, full documentation
    closed: int  # all their closures in the week, shown beside, never ranked on


@dataclass(frozen=True)
class IdsCandidate:
    """An issue to identify, discuss and solve; ``key`` is stable within a week."""

    key: str
    kind: str  # recurring | reopens | docs
    title: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class WeekFigures:
    start: datetime
    end: datetime
    aged: int
    new: int
    reopened: int
    escalated: int
    respond: dict[str, Attainment]
    resolve: dict[str, Attainment]
    documented: Attainment
    interruptions: dict[str, tuple[int, int, int]]  # person -> (caught, routed, dismissed)
    intercepted: int
    approval_turnaround: timedelta | None
    top_categories: tuple[tuple[str, int, tuple[str, ...]], ...]
    headlines: tuple[Headline, ...]
    ids: tuple[IdsCandidate, ...] = field(default=())

    @property
    def respond_rate(self) -> float | None:
        return sum(self.respond.values(), Attainment()).rate

    @property
    def resolve_rate(self) -> float | None:
        return sum(self.resolve.values(), Attainment()).rate


# --- the week -------------------------------------------------------------------------------


def week_window(tz: ZoneInfo, end: datetime) -> tuple[datetime, datetime]:
    """The seven local days ending at ``end``: same wall-clock time a week earlier."""
    end_local = as_utc(end, "end").astimezone(tz)
    start_local = datetime.combine(
        end_local.date() - timedelta(days=7), end_local.timetz().replace(tzinfo=None), tz
    )
    return as_utc(start_local), as_utc(end)


IDS_KEY_LIMIT = 120
_HASH_CHARS = 12


def ids_key(kind: str, subject: str) -> str:
    """The key of the week's IDS item of ``kind`` about ``subject`` (a category).

    ``kind:subject`` when that fits in :data:`IDS_KEY_LIMIT` characters; a longer one is cut and
    ends with ``~`` and 12 hex digits of the SHA-256 of the whole text, so two categories that
    share their first hundred-odd characters keep distinct keys (cut alone, they shared one:
    one IDS item stored for both, Assign owner on either gave the first's to-do), and the key
    is the same every time for the same category."""
    full = f"{kind}:{subject}"
    if len(full) <= IDS_KEY_LIMIT:
        return full
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    return f"{full[: IDS_KEY_LIMIT - _HASH_CHARS - 1]}~{digest}"


def week_key(day: date) -> str:
    """``2026-W49``: the ISO week of a local date (a team's meeting day)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _within(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= as_utc(at) < end


def category_of(item: WorkItem) -> str:
    """A ticket's PSA category; an escalation's lane; else :data:`UNCATEGORIZED`."""
    return item.category or item.lane or UNCATEGORIZED


def _overdue_at(item: WorkItem, due: datetime | None, at: datetime) -> bool:
    """Whether a clock of ``item`` due at ``due`` is running late at ``at``, by the core KPI's
    rule (:func:`aged_past_sla`): open, and not waiting on the client, unless it is an
    escalation that was already past due when the wait began."""
    return bool(aged_past_sla([replace(item, resolve_due=due)], at))


# --- attainment -----------------------------------------------------------------------------


def _judge(
    due: datetime | None,
    stopped: datetime | None,
    running_overdue: bool,
    start: datetime,
    end: datetime,
) -> bool | None:
    """Met (True), missed (False) or not judged this week (None)."""
    if due is None:
        return None
    if stopped is not None:
        return as_utc(stopped) <= as_utc(due) if _within(stopped, start, end) else None
    if _within(due, start, end) and running_overdue:
        return False
    return None


def resolve_met(item: WorkItem) -> bool:
    """Closed by its resolve due time (an item without one cannot miss it)."""
    if item.resolved_at is None:
        return False
    return item.resolve_due is None or as_utc(item.resolved_at) <= as_utc(item.resolve_due)


def attainment(
    items: Iterable[WorkItem], start: datetime, end: datetime
) -> tuple[dict[str, Attainment], dict[str, Attainment]]:
    """Respond and resolve attainment by severity, of the clocks judged in ``[start, end)``."""
    respond: dict[str, Attainment] = {}
    resolve: dict[str, Attainment] = {}
    for item in items:
        # A fix is also an answer: a respond clock stops at resolution at the latest.
        answered = item.responded_at or item.resolved_at
        r = _judge(item.respond_due, answered, _overdue_at(item, item.respond_due, end), start, end)
        if r is not None:
            respond[item.severity] = respond.get(item.severity, Attainment()) + Attainment(
                int(r), 1
            )
        v = _judge(
            item.resolve_due, item.resolved_at, _overdue_at(item, item.resolve_due, end), start, end
        )
        if v is not None:
            resolve[item.severity] = resolve.get(item.severity, Attainment()) + Attainment(
                int(v), 1
            )
    return dict(sorted(respond.items())), dict(sorted(resolve.items()))


def documentation(records: Iterable[Record], start: datetime, end: datetime) -> Attainment:
    closed = [r for r in records if _within(r.item.resolved_at, start, end)]
    return Attainment(sum(1 for r in closed if r.documented), len(closed))


# --- people ---------------------------------------------------------------------------------


def interruptions(
    pings: Iterable[Ping], people: Iterable[str], start: datetime, end: datetime
) -> dict[str, tuple[int, int, int]]:
    """(caught, routed, dismissed) per person of ``people`` pinged in the week, by id.

    A ping to two protected people counts once for each: each was spared an interruption.
    """
    wanted = set(people)
    out: dict[str, tuple[int, int, int]] = {}
    for ping in pings:
        if not _within(ping.at, start, end):
            continue
        for person in dict.fromkeys(ping.targets):
            if person not in wanted:
                continue
            caught, routed, dismissed = out.get(person, (0, 0, 0))
            out[person] = (
                caught + 1,
                routed + (ping.outcome == "routed"),
                dismissed + (ping.outcome == "dismissed"),
            )
    return dict(sorted(out.items()))


def approval_turnaround(
    approvals: Iterable[Approval], calendar: BusinessCalendar, start: datetime, end: datetime
) -> timedelta | None:
    """Median business time from request to decision of the decisions made in the week."""
    spans = [
        calendar.business_time_between(a.requested_at, a.decided_at)
        for a in approvals
        if _within(a.decided_at, start, end)
    ]
    if not spans:
        return None
    return timedelta(seconds=median(s.total_seconds() for s in spans))


def headlines(
    records: Iterable[Record], start: datetime, end: datetime, *, limit: int = 3
) -> tuple[Headline, ...]:
    """Who closed the most verified items (SLA met, never reopened, fully documented)."""
    verified: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for r in records:
        if r.closed_by is None or not _within(r.item.resolved_at, start, end):
            continue
        closed[r.closed_by] += 1
        if resolve_met(r.item) and r.item.reopen_count == 0 and not r.reopens and r.documented:
            verified[r.closed_by] += 1
    ranked = sorted(verified.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(Headline(p, n, closed[p]) for p, n in ranked[:limit])


# --- categories and IDS ---------------------------------------------------------------------


def aging_categories(
    aged: Sequence[WorkItem], *, limit: int = 3
) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    """(category, count, refs oldest first) of the aged items: most items first, then the
    category with the oldest item, then by name."""
    groups: dict[str, list[WorkItem]] = {}
    for item in aged:
        groups.setdefault(category_of(item), []).append(item)
    rows = []
    for name, items in groups.items():
        items.sort(key=lambda i: (as_utc(i.opened_at), i.ref))
        rows.append((name, items))
    rows.sort(key=lambda row: (-len(row[1]), as_utc(row[1][0].opened_at), row[0]))
    return tuple((name, len(items), tuple(i.ref for i in items)) for name, items in rows[:limit])


def ids_candidates(
    records: Sequence[Record],
    start: datetime,
    end: datetime,
    *,
    recurring_at: int = 3,
    reopens_at: int = 2,
    gaps_at: int = 1,
) -> tuple[IdsCandidate, ...]:
    """The week's issues worth a discussion, recurring categories first, then reopen clusters,
    then the documentation gap; within a kind, biggest first, then by name."""
    new: dict[str, list[str]] = {}
    reopened: dict[str, list[str]] = {}
    undocumented: list[str] = []
    for r in records:
        cat = category_of(r.item)
        if _within(r.item.opened_at, start, end):
            new.setdefault(cat, []).append(r.item.ref)
        if any(_within(at, start, end) for at in r.reopens):
            reopened.setdefault(cat, []).append(r.item.ref)
        if _within(r.item.resolved_at, start, end) and not r.documented:
            undocumented.append(r.item.ref)
    out: list[IdsCandidate] = []
    for cat, refs in sorted(new.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(refs) >= recurring_at:
            out.append(
                IdsCandidate(
                    ids_key("recurring", cat),
                    "recurring",
                    f"{cat} keeps coming back: {len(refs)} new this week",
                    tuple(refs),
                )
            )
    for cat, refs in sorted(reopened.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(refs) >= reopens_at:
            out.append(
                IdsCandidate(
                    ids_key("reopens", cat),
                    "reopens",
                    f"{cat}: {len(refs)} reopened this week",
                    tuple(refs),
                )
            )
    if undocumented and len(undocumented) >= gaps_at:
        n = len(undocumented)
        out.append(
            IdsCandidate(
                "docs",
                "docs",
                f"Documentation gaps: {n} {'item' if n == 1 else 'items'} closed "
                "without full documentation",
                tuple(undocumented),
            )
        )
    return tuple(out)


# --- all together ---------------------------------------------------------------------------


def week_figures(
    *,
    records: Sequence[Record],
    pings: Iterable[Ping] = (),
    protected: Iterable[str] = (),
    approvals: Iterable[Approval] = (),
    calendar: BusinessCalendar,
    end: datetime,
    start: datetime | None = None,
) -> WeekFigures:
    """Every figure of the week that ends at ``end`` (the meeting)."""
    if start is None:
        start, end = week_window(calendar.tz, end)
    start, end = as_utc(start, "start"), as_utc(end, "end")
    items = [r.item for r in records]
    aged = aged_past_sla(items, end)
    respond, resolve = attainment(items, start, end)
    pinged = interruptions(pings, protected, start, end)
    return WeekFigures(
        start=start,
        end=end,
        aged=len(aged),
        new=sum(1 for i in items if _within(i.opened_at, start, end)),
        reopened=sum(1 for r in records if any(_within(at, start, end) for at in r.reopens)),
        escalated=sum(1 for r in records if _within(r.escalated_at, start, end)),
        respond=respond,
        resolve=resolve,
        documented=documentation(records, start, end),
        interruptions=pinged,
        intercepted=sum(caught for caught, _r, _d in pinged.values()),
        approval_turnaround=approval_turnaround(approvals, calendar, start, end),
        top_categories=aging_categories(aged),
        headlines=headlines(records, start, end),
        ids=ids_candidates(records, start, end),
    )
