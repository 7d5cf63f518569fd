"""The stand-up digest as Block Kit and terminal text, and the SLA thread warnings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.digest import Digest, PendingApproval, build_digest
from bot.domain.lanes import BusinessHours, Team
from bot.domain.sla import WorkItem, at_risk, read_clocks
from bot.slack.digest_render import digest_blocks, digest_text, risk_warning_text

CHI = ZoneInfo("America/Chicago")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CAL = BusinessCalendar(timezone="America/Chicago", hours=BusinessHours(), holiday_country="US")
TEAM = Team(key="service-desk", name="Service Desk", channel="C01DESK", timezone="America/Chicago")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHI)  # Tue 24 Nov 2026


def chi(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHI)


def wi(ref: str, **changes: Any) -> WorkItem:
    base = WorkItem(
        kind="escalation",
        ref=ref,
        team="service-desk",
        severity="P1",
        client="Acme",
        summary="Server down",
        owner="U01TECH1",
        status="acknowledged",
        opened_at=chi(2026, 11, 24, 8),
        respond_due=chi(2026, 11, 24, 9),
        resolve_due=chi(2026, 11, 27, 17),
        responded_at=chi(2026, 11, 24, 8, 30),
        url=f"https://lanekeeper.example/{ref}",
    )
    return replace(base, **changes)


def approval(ref: str, **changes: Any) -> PendingApproval:
    base = PendingApproval(
        ref=ref,
        lane="client-request",
        client="Acme",
        summary="Expedite the laptop order",
        requester="U01TECH2",
        approvers=("U01SM", "S01MANAGERS"),
        requested_at=chi(2026, 11, 24, 9),
        respond_due=chi(2026, 11, 24, 9, 30),
    )
    return replace(base, **changes)


def digest(items: list[WorkItem], **kw: Any) -> Digest:
    return build_digest(team=TEAM, calendar=CAL, now=NOW, items=items, **kw)


def texts(node: Any) -> Iterator[str]:
    """Every text string in a Block Kit structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)


def everything(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(texts(blocks))


# ------------------------------------------------------------------ blocks


def test_header_sections_and_line_format() -> None:
    d = digest(
        [
            wi("ESC-4", resolve_due=chi(2026, 11, 24, 11, 20)),
            wi("ESC-5", owner=None, resolve_due=chi(2026, 11, 24, 7)),
            wi("ESC-6", owner=None, opened_at=NOW - 3 * H),
            wi("ESC-7", lane="alert"),
            wi("ESC-8", lane="change", starts_at=chi(2026, 11, 24, 14)),
        ],
        approvals=[approval("ESC-9")],
    )
    fallback, blocks = digest_blocks(d)
    assert blocks[0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Daily stand-up — Service Desk — Tue 24 Nov",
            "emoji": True,
        },
    }
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) == 5
    risks, unowned, approvals, alerts, changes = sections
    assert risks.startswith(":rotating_light: *SLA risks (2)*")
    # due 07:00, before opening: 2h of business time overdue at 10:00, listed first
    lines = risks.splitlines()[1:]
    assert lines[0].startswith("<https://lanekeeper.example/ESC-5|ESC-5> [P1] *Acme* — Server down")
    assert "· _unowned_ · *breached 2h ago* (resolve)" in lines[0]
    assert lines[1] == (
        "<https://lanekeeper.example/ESC-4|ESC-4> [P1] *Acme* — Server down"
        " · owner <@U01TECH1> · breaches in 1h 20m (resolve)"
    )
    assert unowned.splitlines()[0] == ":bust_in_silhouette: *Unowned escalations (1)*"
    assert "_unowned_ · opened 3h ago" in unowned
    assert "requested by <@U01TECH2> 1h ago" in approvals
    assert "approvers <@U01SM>, <!subteam^S01MANAGERS>" in approvals
    assert "*overdue* since <!date^" in approvals
    assert "ESC-7" in alerts and "owner <@U01TECH1>" in alerts
    assert "starts <!date^" in changes and "(in 4h)" in changes
    assert blocks[-1]["type"] == "context"
    assert fallback == (
        "Daily stand-up — Service Desk — Tue 24 Nov: 2 at SLA risk, 1 unowned,"
        " 1 approval pending, 1 alert, 1 change in the next 24h."
        " Backlog aged past SLA: 1 (healthy: under 4)."
    )


def test_user_text_is_escaped() -> None:
    evil = wi(
        "ESC-1",
        owner=None,
        client="<!channel> & co",
        summary="<@U999> see <https://evil.example|your bank>\n<!here>",
    )
    ask = approval("ESC-2", client="<!everyone>", summary="<!channel>", requester="<!channel>")
    d = digest([evil], approvals=[ask])
    fallback, blocks = digest_blocks(d)
    shown = everything(blocks) + fallback
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<https://evil"):
        assert raw not in shown
    assert "*&lt;!channel&gt; &amp; co* — &lt;@U999&gt; see" in shown
    assert "&lt;!here&gt;" in shown  # the newline is folded into the one line
    assert "requested by &lt;!channel&gt;" in shown


def test_unsafe_urls_are_not_links() -> None:
    items = [
        wi("ESC-1", owner=None, url="javascript:alert(1)"),
        wi("ESC-2", owner=None, url="https://x.example/a|b>"),
        wi("ESC-3", owner=None, url="https://x.example/t?a=1&b=2"),
    ]
    _fallback, blocks = digest_blocks(digest(items))
    shown = everything(blocks)
    assert "javascript" not in shown
    assert "x.example/a" not in shown
    assert "<https://x.example/t?a=1&amp;b=2|ESC-3>" in shown


def test_and_n_more_past_max_per_section() -> None:
    items = [wi(f"ESC-{n}", owner=None, opened_at=NOW - n * M) for n in range(1, 21)]
    _fallback, blocks = digest_blocks(digest(items), max_per_section=8)
    unowned = blocks[1]["text"]["text"]
    assert unowned.splitlines()[0] == ":bust_in_silhouette: *Unowned escalations (20)*"
    assert len(unowned.splitlines()) == 1 + 8 + 1
    assert unowned.splitlines()[-1] == "…and 12 more"
    assert "ESC-20|ESC-20>" in unowned  # oldest first
    _fallback, blocks = digest_blocks(
        digest(items), max_per_section=5, more_url="https://lanekeeper.example/open"
    )
    assert (
        blocks[1]["text"]["text"].splitlines()[-1]
        == "…<https://lanekeeper.example/open|and 15 more>"
    )
    with pytest.raises(ValueError):
        digest_blocks(digest(items), max_per_section=0)


@pytest.mark.parametrize("max_per_section", [8, 1000])
def test_a_huge_digest_stays_within_slack_limits(max_per_section: int) -> None:
    client = "<&>" * 40
    summary = "<!channel> & " * 40
    url = "https://psa.example/" + "t" * 370 + "?a=1&b=2"
    items: list[WorkItem] = []
    for n in range(300):
        kind = n % 5
        base = wi(f"ESC-{n}-{'x' * 40}", client=client, summary=summary, url=url)
        if kind == 0:
            items.append(replace(base, resolve_due=NOW - n * M))
        elif kind == 1:
            items.append(replace(base, owner=None))
        elif kind == 2:
            items.append(replace(base, lane="alert"))
        elif kind == 3:
            items.append(replace(base, lane="change", starts_at=NOW + H + n * M))
        else:
            items.append(replace(base, kind="ticket"))
    asks = [
        approval(f"ESC-A{n}", client=client, summary=summary, url=url, approvers=("U1",) * 9)
        for n in range(60)
    ]
    d = digest(items, approvals=asks)
    assert len(d.sla_risks) == 60 and len(d.changes) == 60
    fallback, blocks = digest_blocks(d, max_per_section=max_per_section, more_url=url)
    assert len(blocks) <= 50
    for text in texts(blocks):
        assert len(text) <= 3000
    assert len(everything(blocks)) + len(fallback) <= 12_000
    assert len(json.dumps(blocks, ensure_ascii=False)) <= 12_000
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) == 5
    assert all("|and " in s and " more>" in s for s in sections)
    assert "<!channel>" not in everything(blocks)


def test_clean_day_is_one_line() -> None:
    fallback, blocks = digest_blocks(digest([wi("ESC-1")]))
    line = "All clear for Service Desk: nothing at risk, nothing unowned, no approvals waiting."
    assert fallback == line
    assert len(blocks) == 1
    assert blocks[0]["text"]["text"] == f":white_check_mark: {line}"
    assert digest_text(digest([])) == line


def kpi_digest(aged: int) -> Digest:
    base = digest([wi("ESC-1", owner=None)])
    counts = {
        "open_escalations": 12,
        "open_tickets": 1,
        "waiting_on_client": 3,
        "due_today": 5,
        "pending_approvals": 0,
    }
    return replace(base, aged_past_sla=aged, counts=counts)


def test_footer_kpi_and_counts() -> None:
    _fallback, blocks = digest_blocks(kpi_digest(5))
    footer = [e["text"] for e in blocks[-1]["elements"]]
    assert footer[0] == (
        ":bar_chart: Backlog aged past SLA: 5 (threshold 4) — "
        "Level-10 review of the top aging categories"
    )
    assert footer[1] == (
        "12 open escalations · 1 open ticket · 3 waiting on client · 5 due today"
        " · 0 approvals pending"
    )
    fallback, blocks = digest_blocks(kpi_digest(2))
    assert (
        blocks[-1]["elements"][0]["text"]
        == ":bar_chart: Backlog aged past SLA: 2 (healthy: under 4)"
    )
    assert fallback.endswith("Backlog aged past SLA: 2 (healthy: under 4).")


# ------------------------------------------------------------------ terminal text


def test_digest_text_is_plain_and_local() -> None:
    d = digest(
        [
            wi("ESC-4", resolve_due=chi(2026, 11, 24, 11, 20)),
            wi("ESC-5", owner=None, client="<!channel> *Acme*"),
            wi("ESC-8", lane="change", starts_at=chi(2026, 11, 24, 14)),
        ],
        approvals=[approval("ESC-9")],
    )
    text = digest_text(d)
    lines = text.splitlines()
    assert lines[0] == "Daily stand-up — Service Desk — Tue 24 Nov (as of 10:00 CST)"
    assert (
        "  - ESC-4 [P1] Acme — Server down · owner @U01TECH1 · breaches in 1h 20m (resolve)"
        " · https://lanekeeper.example/ESC-4"
    ) in lines
    assert "  - ESC-5 [P1] <!channel> *Acme* — Server down · unowned · opened 2h ago" in text
    assert "starts Tue 24 Nov 14:00 CST (in 4h)" in text
    assert "overdue since Tue 24 Nov 09:30 CST" in text
    assert "approvers @U01SM, @S01MANAGERS" in text
    assert "<@" not in text and "<!date" not in text and "<http" not in text
    assert "_unowned_" not in text
    assert lines[-2] == "Backlog aged past SLA: 0 (healthy: under 4)"
    assert lines[-1].startswith("3 open escalations · 0 open tickets")


def test_digest_text_shows_every_line() -> None:
    items = [wi(f"ESC-{n}", owner=None) for n in range(30)]
    assert (
        sum(line.startswith("  - ESC-") for line in digest_text(digest(items)).splitlines()) == 30
    )


def test_digest_text_strips_terminal_control_characters() -> None:
    text = digest_text(digest([wi("ESC-1", owner=None, client="Acme\x1b[31m red")]))
    assert "\x1b" not in text


# ------------------------------------------------------------------ thread warnings


def test_risk_warning_text() -> None:
    item = wi(
        "ESC-4",
        responded_at=None,
        opened_at=chi(2026, 11, 24, 9),
        respond_due=chi(2026, 11, 24, 10, 40),
    )
    warn = at_risk(item, CAL, chi(2026, 11, 24, 10, 15))
    assert warn is not None and warn.clock == "respond"
    assert (
        risk_warning_text(item, warn, "warn", "<@U1>")
        == ":warning: <@U1> ESC-4 respond target: breaches in 25m (75% used)"
    )
    breach = read_clocks(item, CAL, chi(2026, 11, 24, 10, 45))[0]
    assert (
        risk_warning_text(item, breach, "breach", "<@U1>")
        == ":rotating_light: <@U1> ESC-4 respond target: breached 5m ago"
    )
    assert risk_warning_text(replace(item, ref="<!channel>"), breach, "breach", "<@U1>") == (
        ":rotating_light: <@U1> &lt;!channel&gt; respond target: breached 5m ago"
    )
    with pytest.raises(ValueError):
        risk_warning_text(item, breach, "panic", "<@U1>")


@pytest.mark.parametrize("ch", ["😀", "漢"], ids=["emoji", "cjk"])
def test_a_digest_of_non_ascii_escalations_fits_as_slack_measures_it(ch: str) -> None:
    """20 escalations with emoji or CJK summaries and clients made an 18,930-character digest
    (as Slack sizes blocks), refused for good; now it fits, the rest "and N more"."""
    from bot.testing._blockkit import blocks_json_size, check_message_blocks

    items = [
        wi(
            f"ESC-{i}",
            client=ch * 40,
            summary=ch * 75,
            owner=None if i % 2 else "U01TECH1",
            resolve_due=NOW + 30 * M,
        )
        for i in range(1, 21)
    ]
    _text, blocks = digest_blocks(digest(items), max_per_section=20)
    assert check_message_blocks(blocks) == []
    assert blocks_json_size(blocks) <= 13_000
    assert "more" in json.dumps(blocks)
    assert ch in json.dumps(blocks, ensure_ascii=False)


def test_a_stale_psa_queue_is_said_even_on_a_clean_day() -> None:
    never = digest([], psa="connectwise")
    _text, blocks = digest_blocks(never)
    shown = json.dumps(blocks)
    assert "ConnectWise tickets are not in this digest: the queue was never synced" in shown
    assert "never synced" in digest_text(never)
    synced = digest([], psa="halo", queue_synced_at=NOW - timedelta(hours=3))
    assert "HaloPSA queue last synced" in json.dumps(digest_blocks(synced)[1])
    fresh = digest([], psa="halo", queue_synced_at=NOW - timedelta(minutes=5))
    assert "synced" not in json.dumps(digest_blocks(fresh)[1])
    assert "synced" not in json.dumps(digest_blocks(digest([]))[1])  # no PSA: nothing to say
