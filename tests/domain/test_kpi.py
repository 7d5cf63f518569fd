"""The weekly figures, worked by hand: the service desk's week to its Level-10 on Tuesday
8 December 2026, 09:00 in Chicago (the week runs from Tuesday 1 December 09:00)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.kpi import (
    Approval,
    Attainment,
    Headline,
    IdsCandidate,
    Ping,
    Record,
    aging_categories,
    approval_turnaround,
    attainment,
    category_of,
    documentation,
    headlines,
    ids_candidates,
    ids_key,
    interruptions,
    resolve_met,
    week_figures,
    week_key,
    week_window,
)
from bot.domain.lanes import BusinessHours
from bot.domain.sla import WorkItem

CHI = ZoneInfo("America/Chicago")
CAL = BusinessCalendar(timezone="America/Chicago", hours=BusinessHours(), holiday_country="US")
H = timedelta(hours=1)


def chi(d: int, h: int = 9, mi: int = 0, mo: int = 12) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=CHI)


MEETING = chi(8)
START = chi(1)


def item(ref: str = "#100", **kw: Any) -> WorkItem:
    """A P2 ticket opened Wed 2 Dec 10:00, respond by 11:00, resolve by Thu 3 Dec 10:00."""
    base = WorkItem(
        kind="ticket",
        ref=ref,
        team="service-desk",
        severity="P2",
        client="Northwind",
        summary="Printer",
        owner="U1",
        status="open",
        opened_at=chi(2, 10),
        respond_due=chi(2, 11),
        resolve_due=chi(3, 10),
        category="Printing",
    )
    return replace(base, **kw)


THURSDAY_9 = chi(3, 9)


def closed(ref: str = "#100", at: datetime = THURSDAY_9, **kw: Any) -> WorkItem:
    fields: dict[str, Any] = {"status": "Closed", "responded_at": chi(2, 10, 30), "resolved_at": at}
    return item(ref, **(fields | kw))


def test_the_week_is_seven_local_days_ending_at_the_meeting() -> None:
    assert week_window(CHI, MEETING) == (START.astimezone(UTC), MEETING.astimezone(UTC))
    assert week_key(MEETING.date()) == "2026-W50"
    # Across the end of daylight saving time (1 Nov 2026) the week is an hour longer.
    start, end = week_window(CHI, chi(3, 9, mo=11))
    assert start == chi(27, 9, mo=10)
    assert end - start == timedelta(days=7, hours=1)


def test_category_is_the_psa_category_else_the_lane() -> None:
    assert category_of(item()) == "Printing"
    assert category_of(item(category=None, kind="escalation", lane="alert")) == "alert"
    assert category_of(item(category=None)) == "Uncategorized"


def test_an_empty_week_has_nothing_judged_and_no_headline() -> None:
    f = week_figures(records=[], calendar=CAL, end=MEETING)
    assert (f.aged, f.new, f.reopened, f.escalated, f.intercepted) == (0, 0, 0, 0, 0)
    assert f.respond == {} and f.resolve == {}
    assert f.respond_rate is None and f.resolve_rate is None
    assert f.documented == Attainment(0, 0) and f.documented.rate is None
    assert f.approval_turnaround is None
    assert f.top_categories == () and f.headlines == () and f.ids == ()
    assert (f.start, f.end) == (START, MEETING)


def test_attainment_judges_clocks_that_stopped_or_fell_due_in_the_week() -> None:
    items = [
        closed("#1"),  # responded 10:30 ≤ 11:00, resolved Thu 09:00 ≤ 10:00: both met
        closed("#2", at=chi(4, 9)),  # resolved a day late: respond met, resolve missed
        item("#3"),  # never answered, open: both missed
        item("#4", paused_since=chi(2, 10, 15)),  # waiting on the client: not judged
        item("#5", responded_at=chi(2, 12), resolve_due=chi(9, 10)),  # late answer, due later
        closed("#6", at=chi(27, 9, mo=11), responded_at=chi(26, 9, mo=11)),  # last week's
        item("#7", severity="P1", respond_due=None, resolve_due=None),  # no clocks at all
        item("#8", respond_due=chi(1, 8, 30), responded_at=chi(1, 8, 20), resolve_due=chi(9)),
    ]
    respond, resolve = attainment(items, START, MEETING)
    assert respond == {"P2": Attainment(2, 4)}  # #1 #2 met, #3 #5 missed; #6 #8 not this week
    assert resolve == {"P2": Attainment(1, 3)}  # #1 met; #2 late; #3 overdue and open


def test_a_resolved_item_answers_its_respond_clock() -> None:
    quick = item("#9", status="Closed", resolved_at=chi(2, 10, 40))
    respond, resolve = attainment([quick], START, MEETING)
    assert respond == {"P2": Attainment(1, 1)} and resolve == {"P2": Attainment(1, 1)}


def test_a_paused_escalation_already_late_is_still_judged_missed() -> None:
    late = item("ESC-4", kind="escalation", paused_since=chi(3, 12), responded_at=chi(2, 10, 30))
    on_time = replace(late, ref="ESC-5", paused_since=chi(3, 9))
    _, resolve = attainment([late, on_time], START, MEETING)
    assert resolve == {"P2": Attainment(0, 1)}
    assert resolve_met(closed()) and not resolve_met(closed(at=chi(4, 9)))
    assert not resolve_met(item()) and resolve_met(closed(resolve_due=None))


def test_documentation_counts_closures_of_the_week() -> None:
    records = [
        Record(closed("#1"), documented=True),
        Record(closed("#2"), documented=False),
        Record(closed("#3", at=chi(27, mo=11)), documented=False),  # last week's
        Record(item("#4"), documented=False),  # open
    ]
    assert documentation(records, START, MEETING) == Attainment(1, 2)
    assert Attainment(1, 2).rate == 0.5


def test_interruptions_per_protected_person_routed_and_dismissed() -> None:
    pings = [
        Ping(chi(2), ("U1",), "routed"),
        Ping(chi(2), ("U1", "U2"), "dismissed"),
        Ping(chi(3), ("U1", "U1"), "pending"),  # one ping, counted once
        Ping(chi(3), ("U9",), "routed"),  # not protected on this team
        Ping(chi(30, mo=11), ("U1",), "routed"),  # last week
    ]
    assert interruptions(pings, ["U1", "U2"], START, MEETING) == {
        "U1": (3, 1, 1),
        "U2": (1, 0, 1),
    }


def test_approval_turnaround_is_the_median_in_business_time_over_a_holiday() -> None:
    # Thanksgiving, Thu 26 Nov 2026: asked Wed 17:00, decided Fri 09:00 = 1h Wed + 1h Fri.
    week = (chi(24, mo=11), chi(1))
    holiday = Approval(chi(25, 17, mo=11), chi(27, 9, mo=11))
    assert approval_turnaround([holiday], CAL, *week) == 2 * H
    quick = Approval(chi(30, 10, mo=11), chi(30, 10, 30, mo=11))
    slow = Approval(chi(30, 8, mo=11), chi(30, 14, mo=11))
    assert approval_turnaround([holiday, quick, slow], CAL, *week) == 2 * H
    assert approval_turnaround([quick, slow], CAL, *week) == timedelta(hours=3, minutes=15)
    # Decided outside the week: not this week's.
    assert approval_turnaround([holiday], CAL, START, MEETING) is None


def test_headlines_rank_verified_outcomes_never_volume() -> None:
    records = [
        # U1 closes four, only one verified (on time, never reopened, documented).
        Record(closed("#1"), documented=True, closed_by="U1"),
        Record(closed("#2", at=chi(4, 9)), documented=True, closed_by="U1"),  # late
        Record(closed("#3", reopen_count=1), documented=True, closed_by="U1"),  # reopened
        Record(closed("#4"), documented=False, closed_by="U1"),  # undocumented
        # U2 closes two, both verified; U3 two verified too: tie broken by id.
        Record(closed("#5"), documented=True, closed_by="U3"),
        Record(closed("#6"), documented=True, closed_by="U3"),
        Record(closed("#7"), documented=True, closed_by="U2"),
        Record(closed("#8"), documented=True, closed_by="U2"),
        Record(closed("#9"), documented=True, closed_by="U2", reopens=(chi(4),)),
        Record(closed("#10"), documented=True, closed_by="U4"),
        Record(closed("#11"), documented=True),  # nobody known
        Record(closed("#12", at=chi(27, mo=11)), documented=True, closed_by="U5"),
    ]
    assert headlines(records, START, MEETING) == (
        Headline("U2", 2, 3),
        Headline("U3", 2, 2),
        Headline("U1", 1, 4),
    )
    assert headlines(records, START, MEETING, limit=4)[-1] == Headline("U4", 1, 1)
    # Volume alone is no headline.
    assert headlines([Record(closed("#1"), closed_by="U1")], START, MEETING) == ()


def test_top_aging_categories_most_items_then_oldest_then_name() -> None:
    aged = [
        item("#1", category="Email", opened_at=chi(1, 10)),
        item("#2", category="Backup", opened_at=chi(1, 11)),
        item("#3", category="Backup", opened_at=chi(1, 9)),
        item("#4", category="Email", opened_at=chi(2, 9)),
        item("#5", category="VPN", opened_at=chi(1, 8)),
        item("#6", category="Wifi", opened_at=chi(1, 8)),
        item("#7", category=None, opened_at=chi(1, 7)),
    ]
    # Backup and Email tie on two: Backup's oldest (09:00) is older than Email's (10:00).
    # VPN and Wifi tie on one and on age: by name. Uncategorized is older but has one.
    assert aging_categories(aged) == (
        ("Backup", 2, ("#3", "#2")),
        ("Email", 2, ("#1", "#4")),
        ("Uncategorized", 1, ("#7",)),
    )
    assert aging_categories(aged, limit=5)[3:] == (("VPN", 1, ("#5",)), ("Wifi", 1, ("#6",)))
    assert aging_categories([]) == ()


def test_ids_candidates_recurring_reopens_and_documentation_gaps() -> None:
    records = [
        Record(item(f"#{n}", category="Email", opened_at=chi(2, 9 + n))) for n in range(3)
    ] + [
        Record(item("#10", category="Backup"), reopens=(chi(3),)),
        Record(item("#11", category="Backup", opened_at=chi(20, mo=11)), reopens=(chi(4),)),
        Record(item("#12", category="VPN", opened_at=chi(20, mo=11)), reopens=(chi(4),)),
        Record(item("#13", category="VPN", opened_at=chi(20, mo=11)), reopens=(chi(20, mo=11),)),
        Record(closed("#14", category="Wifi", opened_at=chi(20, mo=11)), documented=False),
        Record(closed("#15", category="Wifi", opened_at=chi(20, mo=11)), documented=True),
    ]
    ids = ids_candidates(records, START, MEETING)
    assert [(i.key, i.kind, i.refs) for i in ids] == [
        ("recurring:Email", "recurring", ("#0", "#1", "#2")),
        ("reopens:Backup", "reopens", ("#10", "#11")),
        ("docs", "docs", ("#14",)),
    ]
    assert ids[0].title == "Email keeps coming back: 3 new this week"
    assert ids[1].title == "Backup: 2 reopened this week"
    assert ids[2].title == "Documentation gaps: 1 item closed without full documentation"
    # Two new Email items are not yet recurring; the thresholds are the caller's.
    assert [i.key for i in ids_candidates(records[1:], START, MEETING)] == [
        "reopens:Backup",
        "docs",
    ]
    assert ids_candidates(records, START, MEETING, gaps_at=2)[-1].key == "reopens:Backup"
    many = [Record(closed(f"#{n}"), documented=False) for n in range(2)]
    assert ids_candidates(many, START, MEETING)[-1].title == (
        "Documentation gaps: 2 items closed without full documentation"
    )
    assert ids_candidates(records, START, MEETING, recurring_at=4, reopens_at=3)[0].key == "docs"


def test_the_whole_week_counts_an_escalated_ticket_once() -> None:
    """A ticket an escalation named is one record (the port merged them): new once, escalated
    once; a paused item is not aged; the aged backlog is read at the meeting."""
    records = [
        Record(item("#48213", resolve_due=chi(7, 10)), escalated_at=chi(2, 11)),
        Record(item("ESC-1", kind="escalation", lane="alert", category=None), escalated_at=chi(2)),
        Record(item("#2", paused_since=chi(4))),  # waiting on the client: not aged
        Record(item("#3", opened_at=chi(20, mo=11)), reopens=(chi(2),)),
        Record(closed("#4"), documented=True, closed_by="U1"),
    ]
    f = week_figures(
        records=records,
        pings=[Ping(chi(2), ("U1",), "routed"), Ping(chi(3), ("U1",), "dismissed")],
        protected=["U1"],
        approvals=[Approval(chi(2, 9), chi(2, 10))],
        calendar=CAL,
        end=MEETING,
    )
    assert (f.aged, f.new, f.reopened, f.escalated) == (3, 4, 1, 2)
    assert f.top_categories == (("Printing", 2, ("#3", "#48213")), ("alert", 1, ("ESC-1",)))
    assert f.interruptions == {"U1": (2, 1, 1)} and f.intercepted == 2
    assert f.approval_turnaround == H
    assert f.documented == Attainment(1, 1)
    assert f.headlines == (Headline("U1", 1, 1),)
    # Printing had three new items (#48213, #2, #4; #3 is last week's): recurring. One reopen
    # is no cluster, and the one closure is documented: no gap.
    assert f.ids == (
        IdsCandidate(
            "recurring:Printing",
            "recurring",
            "Printing keeps coming back: 3 new this week",
            ("#48213", "#2", "#4"),
        ),
    )
    assert f.resolve_rate == 0.25  # #4 met; #48213, ESC-1, #3 overdue
    assert f.respond_rate == 0.25  # #4 met; #48213, ESC-1, #3 unanswered; #2 paused: not judged


def test_an_explicit_window_is_used_as_given() -> None:
    f = week_figures(records=[Record(item())], calendar=CAL, start=chi(2, 9), end=chi(2, 11))
    assert (f.start, f.end, f.new, f.aged) == (chi(2, 9), chi(2, 11), 1, 0)


def test_naive_times_are_refused_naming_the_field() -> None:
    naive_meeting, naive_start = datetime(2026, 12, 8, 9), datetime(2026, 12, 1, 9)
    with pytest.raises(ValueError, match=r"^end must be timezone-aware"):
        week_window(CHI, naive_meeting)
    with pytest.raises(ValueError, match=r"^end must be timezone-aware"):
        week_figures(records=[], calendar=CAL, end=naive_meeting)
    with pytest.raises(ValueError, match=r"^end must be timezone-aware"):
        week_figures(records=[], calendar=CAL, start=START, end=naive_meeting)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        week_figures(records=[], calendar=CAL, start=naive_start, end=MEETING)


def test_the_week_includes_its_first_instant_and_not_the_meeting() -> None:
    """[Tue 1 Dec 09:00, Tue 8 Dec 09:00): what happens at 09:00 on the 8th is next week's."""
    due_later = {"resolve_due": chi(10), "respond_due": chi(10)}
    records = [
        Record(item("#1", opened_at=START, **due_later), escalated_at=START, reopens=(START,)),
        Record(
            item("#2", opened_at=MEETING, **due_later), escalated_at=MEETING, reopens=(MEETING,)
        ),
        Record(closed("#3", at=START, opened_at=chi(27, mo=11)), documented=False),
        Record(closed("#4", at=MEETING, opened_at=chi(27, mo=11)), documented=False),
    ]
    f = week_figures(records=records, calendar=CAL, end=MEETING)
    assert (f.new, f.escalated, f.reopened) == (1, 1, 1)
    assert documentation(records, START, MEETING) == Attainment(0, 1)


def test_a_clock_stopped_exactly_at_its_due_time_is_met() -> None:
    on_the_dot = closed("#1", responded_at=chi(2, 11), at=chi(3, 10))  # due 11:00 and Thu 10:00
    assert attainment([on_the_dot], START, MEETING) == (
        {"P2": Attainment(1, 1)},
        {"P2": Attainment(1, 1)},
    )
    assert resolve_met(on_the_dot)


def test_an_escalation_parked_on_the_client_after_its_respond_due_is_missed() -> None:
    """Unanswered at 11:00 (its respond due), set waiting at 12:00 and still waiting at the
    meeting: a respond miss, as the core KPI counts it aged. Parked at 10:30, with time
    left, it is not judged; nor is a PSA ticket on hold (the PSA moves its own due times)."""
    late = item("ESC-1", kind="escalation", paused_since=chi(2, 12), resolve_due=chi(10))
    early = replace(late, ref="ESC-2", paused_since=chi(2, 10, 30))
    ticket = replace(late, ref="#3", kind="ticket")
    respond, resolve = attainment([late, early, ticket], START, MEETING)
    assert respond == {"P2": Attainment(0, 1)} and resolve == {}


def test_interruptions_skip_only_the_ping_or_person_outside() -> None:
    pings = [
        Ping(chi(30, mo=11), ("U1",), "routed"),  # last week's, listed first
        Ping(chi(2), ("U9", "U1"), "dismissed"),  # U9 is not protected here; U1 is
    ]
    assert interruptions(pings, ["U1"], START, MEETING) == {"U1": (1, 0, 1)}


def test_top_aging_categories_rank_by_count_before_name() -> None:
    aged = [
        item("#1", category="Zeta", opened_at=chi(2, 9)),
        item("#2", category="Alpha", opened_at=chi(1, 10)),
        item("#3", category="Zeta", opened_at=chi(2, 8)),
    ]
    assert aging_categories(aged) == (("Zeta", 2, ("#3", "#1")), ("Alpha", 1, ("#2",)))


def test_ids_candidates_biggest_first_then_by_name_not_by_refs() -> None:
    """VPN is biggest though last by name; Backup and Printing tie and go by name, although
    Printing's refs sort first."""
    last_week = chi(20, mo=11)

    def new(refs: range, cat: str) -> list[Record]:
        return [Record(item(f"#{n}", category=cat)) for n in refs]

    def reopened(refs: range, cat: str) -> list[Record]:
        return [
            Record(item(f"#{n}", category=cat, opened_at=last_week), reopens=(chi(3),))
            for n in refs
        ]

    records = [
        *new(range(10, 13), "Printing"),
        *new(range(90, 93), "Backup"),
        *new(range(20, 24), "VPN"),
        *reopened(range(15, 17), "Printing"),
        *reopened(range(95, 97), "Backup"),
        *reopened(range(25, 28), "VPN"),
    ]
    assert [(i.key, i.refs) for i in ids_candidates(records, START, MEETING)] == [
        ("recurring:VPN", ("#20", "#21", "#22", "#23")),
        ("recurring:Backup", ("#90", "#91", "#92")),
        ("recurring:Printing", ("#10", "#11", "#12")),
        ("reopens:VPN", ("#25", "#26", "#27")),
        ("reopens:Backup", ("#95", "#96")),
        ("reopens:Printing", ("#15", "#16")),
    ]


def test_ids_keys_fit_their_120_characters() -> None:
    long = "C" * 200
    records = [Record(item(f"#{n}", category=long), reopens=(chi(3),)) for n in range(3)]
    keys = [i.key for i in ids_candidates(records, START, MEETING)]
    assert [len(k) for k in keys] == [120, 120]
    assert keys[0].startswith("recurring:" + "C" * 97 + "~") and keys[1].startswith("reopens:")
    assert keys == [ids_key("recurring", long), ids_key("reopens", long)]
