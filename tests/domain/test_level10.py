"""The Level-10 scorecard from stored snapshots: columns, targets, red and green, the review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.kpi import Attainment, Headline, IdsCandidate, Record, WeekFigures, ids_candidates
from bot.domain.level10 import (
    IDS_KEY_LIMIT,
    Row,
    Targets,
    chart_series,
    ids_key,
    metric,
    scorecard,
    snapshot_of,
)
from bot.domain.sla import WorkItem

T0 = datetime(2026, 12, 1, 15, tzinfo=UTC)


def figures(**kw: Any) -> WeekFigures:
    base: dict[str, Any] = {
        "start": T0,
        "end": T0 + timedelta(days=7),
        "aged": 2,
        "new": 10,
        "reopened": 1,
        "escalated": 3,
        "respond": {"P1": Attainment(1, 2), "P2": Attainment(3, 3)},
        "resolve": {"P2": Attainment(9, 10)},
        "documented": Attainment(19, 20),
        "interruptions": {"U1": (3, 2, 1)},
        "intercepted": 3,
        "approval_turnaround": timedelta(minutes=45),
        "top_categories": (("Email", 2, ("#1", "#2")),),
        "headlines": (Headline("U1", 4, 5),),
        "ids": (IdsCandidate("docs", "docs", "Documentation gaps", ("#3",)),),
    }
    return WeekFigures(**(base | kw))


def snap(week: str, **kw: Any) -> dict[str, Any]:
    return snapshot_of(week, figures(**kw))


def rows(card: Any) -> dict[str, Row]:
    return {r.key: r for r in card.rows}


def test_a_snapshot_is_plain_json_with_every_figure() -> None:
    s = snap("2026-W50")
    assert s["week"] == "2026-W50" and s["aged"] == 2 and s["respond"] == 0.8
    assert s["respond_by_severity"] == {"P1": [1, 2], "P2": [3, 3]}
    assert s["documented"] == 0.95 and s["documented_counts"] == [19, 20]
    assert s["approval_turnaround"] == 2700.0
    assert s["interruptions"] == {"U1": [3, 2, 1]}
    assert s["top_categories"] == [["Email", 2, ["#1", "#2"]]]
    assert s["headlines"] == [["U1", 4, 5]]
    assert s["ids"] == [["docs", "docs", "Documentation gaps", ["#3"]]]
    assert s["start"] == T0.isoformat() and s["end"] == "2026-12-08T15:00:00+00:00"
    assert s["resolve_by_severity"] == {"P2": [9, 10]} and s["resolve"] == 0.9
    assert snap("w", approval_turnaround=None)["approval_turnaround"] is None
    assert metric(s, "respond:P1") == 0.5 and metric(s, "respond:P9") is None
    assert metric(snap("w", resolve={"P2": Attainment(0, 0)}), "resolve:P2") is None
    assert metric(None, "aged") is None and metric(s, "nothing") is None


def test_a_first_week_has_no_last_week_and_averages_itself() -> None:
    card = scorecard(snap("2026-W50"), [], alert=4)
    r = rows(card)
    assert card.last_week is None
    assert r["aged"].last is None and r["aged"].average == 2 and r["aged"].good is True
    assert r["aged"].target == "< 4"
    assert r["new"].good is True  # 10 ≤ its own average
    assert not card.review and card.aged == 2 and card.alert == 4
    assert card.ledger == (("U1", (3, 2, 1), None),)


def test_last_week_and_the_four_week_average_come_from_snapshots() -> None:
    history = [
        snap("2026-W49", aged=5, new=20, interruptions={"U1": (7, 5, 2)}),
        snap("2026-W48", aged=1, new=4),
        snap("2026-W47", aged=0, new=6, approval_turnaround=None),
        snap("2026-W46", aged=9, new=100),  # five weeks back: outside the average
    ]
    card = scorecard(snap("2026-W50", aged=6), history, alert=4)
    r = rows(card)
    assert card.last_week == "2026-W49"
    assert (r["aged"].this, r["aged"].last, r["aged"].average) == (6, 5, 3)
    assert r["aged"].good is False and card.review
    assert r["new"].average == 10 and r["new"].good is True
    assert r["approval_turnaround"].average == 2700
    assert card.ledger == (("U1", (3, 2, 1), (7, 5, 2)),)
    assert card.top_categories == (("Email", 2, ("#1", "#2")),)
    assert card.headlines == (("U1", 4, 5),)


def test_review_is_triggered_at_the_alert_not_below() -> None:
    assert not scorecard(snap("w", aged=3), [], alert=4).review
    assert scorecard(snap("w", aged=4), [], alert=4).review
    assert rows(scorecard(snap("w", aged=4), [], alert=4))["aged"].good is False
    assert rows(scorecard(snap("w", aged=3), [], alert=4))["aged"].good is True


def test_targets_mark_red_and_green() -> None:
    card = scorecard(
        snap(
            "w",
            reopened=3,
            resolve={"P2": Attainment(9, 10)},
            respond={"P1": Attainment(8, 10)},
            documented=Attainment(18, 20),
            approval_turnaround=timedelta(minutes=61),
        ),
        [snap("v", new=20, escalated=1, intercepted=1)],
        alert=4,
    )
    r = rows(card)
    assert r["reopened"].good is False and r["reopened"].target == "≤ 2"
    assert r["resolve"].good is True and r["resolve"].target == "≥ 90%"  # exactly 90%
    assert r["respond"].good is False and r["respond:P1"].good is False
    assert r["documented"].good is False and r["documented"].target == "≥ 95%"
    assert r["approval_turnaround"].good is False and r["approval_turnaround"].target == "≤ 1h"
    assert r["new"].good is True  # 10 ≤ avg(10, 20)
    assert r["escalated"].good is False  # 3 > avg(3, 1)
    assert r["intercepted"].good is False
    ok = rows(
        scorecard(
            snap("w", reopened=2, approval_turnaround=timedelta(hours=1)),
            [],
            alert=4,
            targets=Targets(approval_turnaround=timedelta(minutes=90)),
        )
    )
    assert ok["reopened"].good is True and ok["approval_turnaround"].good is True
    assert ok["approval_turnaround"].target == "≤ 90m"
    assert ok["documented"].good is True  # exactly 95%


def test_a_figure_without_a_value_has_no_mark() -> None:
    empty = snap("w", respond={}, resolve={}, documented=Attainment(), approval_turnaround=None)
    r = rows(scorecard(empty, [], alert=4))
    assert r["respond"].this is None and r["respond"].good is None
    assert r["documented"].good is None and r["approval_turnaround"].good is None
    assert "respond:P1" not in r  # no severity judged this week or last


def test_severity_rows_follow_this_week_and_last() -> None:
    last = snap("v", respond={"P3": Attainment(1, 1)})
    r = rows(scorecard(snap("w"), [last], alert=4))
    assert [k for k in r if k.startswith("respond:")] == ["respond:P1", "respond:P2", "respond:P3"]
    assert r["respond:P3"].this is None and r["respond:P3"].last == 1.0
    assert r["respond:P1"].label == "  Respond P1"


def test_chart_series_is_the_last_eight_weeks_oldest_first() -> None:
    snaps = [snap(f"W{n}", aged=n) for n in range(10, 0, -1)]  # most recent first
    series = chart_series(snaps)
    assert [w for w, _a, _r in series] == [f"W{n}" for n in range(3, 11)]
    assert series[-1] == ("W10", 10, 0.9)
    assert chart_series([]) == []
    assert chart_series(snaps, weeks=2) == [("W9", 9, 0.9), ("W10", 10, 0.9)]


def test_every_row_has_its_label_unit_and_target_in_order() -> None:
    card = scorecard(snap("2026-W50"), [snap("2026-W49")], alert=4)
    assert card.week == "2026-W50" and card.last_week == "2026-W49"
    assert [(r.key, r.label, r.unit, r.target) for r in card.rows] == [
        ("aged", "Backlog aged past SLA", "count", "< 4"),
        ("new", "New items", "count", "≤ 4-wk avg"),
        ("reopened", "Reopened", "count", "≤ 2"),
        ("escalated", "Escalated", "count", "≤ 4-wk avg"),
        ("respond", "SLA respond", "rate", "≥ 90%"),
        ("respond:P1", "  Respond P1", "rate", "≥ 90%"),
        ("respond:P2", "  Respond P2", "rate", "≥ 90%"),
        ("resolve", "SLA resolve", "rate", "≥ 90%"),
        ("resolve:P2", "  Resolve P2", "rate", "≥ 90%"),
        ("documented", "Documentation complete", "rate", "≥ 95%"),
        ("intercepted", "Pings intercepted", "count", "≤ 4-wk avg"),
        ("approval_turnaround", "Approval turnaround", "seconds", "≤ 1h"),
    ]


def test_a_figure_exactly_at_its_target_is_green() -> None:
    # Resolve P2 9 of 10 = 90%; approvals took exactly the hour.
    r = rows(scorecard(snap("w", approval_turnaround=timedelta(hours=1)), [], alert=4))
    assert r["resolve:P2"].this == 0.9 and r["resolve:P2"].good is True
    assert r["approval_turnaround"].this == 3600 and r["approval_turnaround"].good is True


def test_a_week_with_nothing_aged_shows_zero() -> None:
    card = scorecard(snap("w", aged=0), [], alert=1)
    assert card.aged == 0 and not card.review
    assert chart_series([snap("w", aged=0)]) == [("w", 0, 0.9)]


def test_a_snapshot_without_its_week_label_shows_an_empty_one() -> None:
    bare: dict[str, Any] = {"week": None, "aged": 1}
    card = scorecard(bare, [bare], alert=4)
    assert card.week == "" and card.last_week == ""


# ------------------------------------------------------------------ IDS keys

LONG = "Microsoft 365 / Exchange Online / shared mailboxes / delegated access / " * 2  # 146


def _ticket(ref: str, category: str, reopened: bool = False) -> Record:
    item = WorkItem(
        kind="ticket",
        ref=ref,
        team="service-desk",
        severity="P2",
        client="Contoso",
        summary="s",
        owner="U1",
        status="open",
        opened_at=T0 + timedelta(hours=1),
        respond_due=None,
        resolve_due=None,
        category=category,
    )
    return Record(item=item, reopens=(T0 + timedelta(hours=2),) if reopened else ())


def test_two_categories_sharing_their_first_120_characters_keep_distinct_keys() -> None:
    a, b = LONG + "calendar permissions", LONG + "send-as rights"
    records = [_ticket(f"#{n}", a, reopened=True) for n in range(3)]
    records += [_ticket(f"#{n}", b, reopened=True) for n in range(10, 13)]
    keyed = ids_candidates(records, T0, T0 + timedelta(days=7))
    keys = [c.key for c in keyed]
    assert len(set(keys)) == 4
    assert all(len(k) == IDS_KEY_LIMIT for k in keys)
    assert keys == [
        ids_key("recurring", a),
        ids_key("recurring", b),
        ids_key("reopens", a),
        ids_key("reopens", b),
    ]


def test_ids_key_is_the_plain_text_when_it_fits_and_stable_when_cut() -> None:
    assert ids_key("recurring", "Email") == "recurring:Email"
    fits = "x" * (IDS_KEY_LIMIT - len("reopens:"))
    assert ids_key("reopens", fits) == f"reopens:{fits}"
    cut = ids_key("reopens", fits + "y")
    assert len(cut) == IDS_KEY_LIMIT and cut.startswith(f"reopens:{fits[:99]}")
    assert cut[-13] == "~" and cut == ids_key("reopens", fits + "y")
    assert cut != ids_key("reopens", fits + "z") != ids_key("recurring", fits + "y")
    # A worked value: the first 12 hex digits of SHA-256 of the whole "kind:subject".
    assert ids_key("recurring", "é" * 200).endswith("~6dd78f4e3afd")
