"""The Level-10 scorecard: this week, last week, the 4-week average and the target, red or green.

Pure. A week's figures (:class:`bot.domain.kpi.WeekFigures`) are flattened into a *snapshot*
(:func:`snapshot_of`, a JSON-able dict) when the prompt is posted, and stored; the scorecard is
built from snapshots only, this week's included, so "last week" is exactly what was shown last
week whatever changed since.

Rules:

- **Last week** is the most recent snapshot before this one (a week without a meeting, a holiday,
  is skipped); with none, the column is empty.
- **4-week average**: this week and up to three snapshots before it, of those that have the
  figure; empty when none has.
- **Targets** (:class:`Targets`): the aged backlog under ``aged_backlog_alert``; SLA attainment
  and documentation at or over their rate; reopens at most ``reopened``; approval turnaround at
  most ``approval_turnaround``; new, escalated and intercepted items at most their 4-week
  average (a week busier than usual is red). A figure without a value is neither red nor green.
- **Review triggered** when the aged backlog is at or over ``aged_backlog_alert``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .kpi import IDS_KEY_LIMIT, Attainment, WeekFigures, ids_key

__all__ = [
    "IDS_KEY_LIMIT",
    "Row",
    "Scorecard",
    "Targets",
    "chart_series",
    "ids_key",
    "metric",
    "scorecard",
    "snapshot_of",
]


@dataclass(frozen=True)
class Targets:
    respond: float = 0.9
    resolve: float = 0.9
    documented: float = 0.95
    reopened: int = 2
    approval_turnaround: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str  # count | rate | seconds
    this: float | None
    last: float | None
    average: float | None
    target: str  # "< 4", ">= 90%", "<= 4-wk avg"
    good: bool | None  # green, red, or no mark


@dataclass(frozen=True)
class Scorecard:
    week: str
    rows: tuple[Row, ...]
    aged: int
    alert: int
    review: bool
    top_categories: tuple[tuple[str, int, tuple[str, ...]], ...]
    headlines: tuple[tuple[str, int, int], ...]
    ledger: tuple[tuple[str, tuple[int, int, int], tuple[int, int, int] | None], ...]
    last_week: str | None


# An IDS item's key is stored in a 120-character column and carried in its block's id.
def _pair(a: Attainment) -> list[int]:
    return [a.met, a.judged]


def snapshot_of(week: str, f: WeekFigures) -> dict[str, Any]:
    """The week's figures as stored: plain JSON, enough to show the scorecard again."""
    return {
        "week": week,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "aged": f.aged,
        "new": f.new,
        "reopened": f.reopened,
        "escalated": f.escalated,
        "respond": f.respond_rate,
        "resolve": f.resolve_rate,
        "respond_by_severity": {k: _pair(v) for k, v in f.respond.items()},
        "resolve_by_severity": {k: _pair(v) for k, v in f.resolve.items()},
        "documented": f.documented.rate,
        "documented_counts": _pair(f.documented),
        "intercepted": f.intercepted,
        "interruptions": {k: list(v) for k, v in f.interruptions.items()},
        "approval_turnaround": (
            None if f.approval_turnaround is None else f.approval_turnaround.total_seconds()
        ),
        "top_categories": [[c, n, list(refs)] for c, n, refs in f.top_categories],
        "headlines": [[h.person, h.verified, h.closed] for h in f.headlines],
        "ids": [[i.key, i.kind, i.title, list(i.refs)] for i in f.ids],
    }


def metric(snapshot: dict[str, Any] | None, key: str) -> float | None:
    """One figure of a snapshot: ``resolve``, or ``resolve:P1`` for one severity."""
    if snapshot is None:
        return None
    name, _, severity = key.partition(":")
    if severity:
        pair = (snapshot.get(f"{name}_by_severity") or {}).get(severity)
        if not pair or not pair[1]:
            return None
        return float(pair[0]) / float(pair[1])
    value = snapshot.get(name)
    return None if value is None else float(value)


def _average(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _severities(snapshots: Sequence[dict[str, Any]], clock: str) -> list[str]:
    found: set[str] = set()
    for snap in snapshots:
        found |= set(snap.get(f"{clock}_by_severity") or {})
    return sorted(found)


def scorecard(
    this: dict[str, Any],
    history: Sequence[dict[str, Any]],
    *,
    alert: int,
    targets: Targets | None = None,
) -> Scorecard:
    """The scorecard of ``this`` snapshot; ``history``: earlier snapshots, most recent first."""
    t = targets or Targets()
    last = history[0] if history else None
    window = [this, *history[:3]]

    def row(key: str, label: str, unit: str, target: str, rule: Any) -> Row:
        value = metric(this, key)
        average = _average([metric(s, key) for s in window])
        good = None if value is None else rule(value, average)
        return Row(key, label, unit, value, metric(last, key), average, target, good)

    def at_most_average(value: float, average: float) -> bool:
        # The average includes this week's value, so there is one whenever there is a value.
        return value <= average

    rows = [
        row("aged", "Backlog aged past SLA", "count", f"< {alert}", lambda v, _a: v < alert),
        row("new", "New items", "count", "≤ 4-wk avg", at_most_average),
        row("reopened", "Reopened", "count", f"≤ {t.reopened}", lambda v, _a: v <= t.reopened),
        row("escalated", "Escalated", "count", "≤ 4-wk avg", at_most_average),
    ]
    recent = [this, *([last] if last else [])]
    for clock, label, goal in (
        ("respond", "Respond", t.respond),
        ("resolve", "Resolve", t.resolve),
    ):
        target = f"≥ {goal:.0%}"
        rows.append(
            row(clock, f"SLA {label.lower()}", "rate", target, lambda v, _a, g=goal: v >= g)
        )
        for severity in _severities(recent, clock):
            rows.append(
                row(
                    f"{clock}:{severity}",
                    f"  {label} {severity}",
                    "rate",
                    target,
                    lambda v, _a, g=goal: v >= g,
                )
            )
    rows += [
        row(
            "documented",
            "Documentation complete",
            "rate",
            f"≥ {t.documented:.0%}",
            lambda v, _a: v >= t.documented,
        ),
        row("intercepted", "Pings intercepted", "count", "≤ 4-wk avg", at_most_average),
        row(
            "approval_turnaround",
            "Approval turnaround",
            "seconds",
            f"≤ {_hours(t.approval_turnaround)}",
            lambda v, _a: v <= t.approval_turnaround.total_seconds(),
        ),
    ]
    aged = int(this.get("aged") or 0)
    before = (last or {}).get("interruptions") or {}
    ledger = tuple(
        (person, _triple(v), _triple(before[person]) if person in before else None)
        for person, v in sorted((this.get("interruptions") or {}).items())
    )
    return Scorecard(
        week=str(this.get("week") or ""),
        rows=tuple(rows),
        aged=aged,
        alert=alert,
        review=aged >= alert,
        top_categories=tuple(
            (str(c), int(n), tuple(str(r) for r in refs))
            for c, n, refs in this.get("top_categories") or []
        ),
        headlines=tuple((str(p), int(v), int(c)) for p, v, c in this.get("headlines") or []),
        ledger=ledger,
        last_week=None if last is None else str(last.get("week") or ""),
    )


def _triple(v: Sequence[Any]) -> tuple[int, int, int]:
    return int(v[0]), int(v[1]), int(v[2])


def _hours(d: timedelta) -> str:
    minutes = d // timedelta(minutes=1)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def chart_series(
    snapshots: Sequence[dict[str, Any]], *, weeks: int = 8
) -> list[tuple[str, int, float | None]]:
    """(week, aged backlog, resolve attainment) of the last ``weeks`` snapshots, oldest first;
    ``snapshots`` most recent first, as the scorecard takes them."""
    recent = list(snapshots[:weeks])
    recent.reverse()
    return [(str(s.get("week")), int(s.get("aged") or 0), metric(s, "resolve")) for s in recent]
