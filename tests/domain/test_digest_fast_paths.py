"""The digest's shortcuts (a risk horizon computed once, "due today" by comparing times) give
exactly what reading every clock gives: checked against the plain rule on arbitrary items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.digest import build_digest
from bot.domain.sla import WorkItem, at_risk, read_clocks
from tests.domain.test_digest import CAL, TEAM

START = datetime(2026, 11, 20, tzinfo=UTC)  # a Friday before Thanksgiving week
minutes = st.integers(min_value=0, max_value=21 * 24 * 60)


@st.composite
def items(draw: st.DrawFn) -> WorkItem:
    opened = START + timedelta(minutes=draw(minutes))
    respond = opened + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    resolve = respond + timedelta(minutes=draw(st.integers(0, 7 * 24 * 60)))
    return WorkItem(
        kind=draw(st.sampled_from(["escalation", "ticket"])),
        ref=f"X-{draw(st.integers(1, 10**6))}",
        team="service-desk",
        severity="P2",
        client="Contoso",
        summary="s",
        owner=draw(st.sampled_from([None, "U1"])),
        status="open",
        opened_at=opened,
        respond_due=draw(st.sampled_from([None, respond])),
        resolve_due=draw(st.sampled_from([None, resolve])),
        responded_at=draw(st.sampled_from([None, opened])),
        paused_since=draw(st.sampled_from([None, opened])),
    )


@settings(max_examples=300, deadline=None)
@given(
    work=st.lists(items(), max_size=12),
    now_minutes=minutes,
    window_minutes=st.sampled_from([0, 30, 240, 600, 24 * 60]),
)
def test_shortcuts_match_reading_every_clock(
    work: list[WorkItem], now_minutes: int, window_minutes: int
) -> None:
    now = START + timedelta(minutes=now_minutes)
    window = timedelta(minutes=window_minutes)
    d = build_digest(team=TEAM, calendar=CAL, now=now, items=work, risk_window=window)
    expected_risks = {
        i.ref for i in work if not i.is_paused and at_risk(i, CAL, now, window=window) is not None
    }
    assert {r.item.ref for r in d.sla_risks} == expected_risks
    today = CAL.local(now).date()
    expected_today = sum(
        1
        for i in work
        if not i.is_paused
        and any(
            not r.breached and CAL.local(r.due).date() == today for r in read_clocks(i, CAL, now)
        )
    )
    assert d.counts["due_today"] == expected_today
