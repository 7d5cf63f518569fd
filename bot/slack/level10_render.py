"""The Level-10 prompt as Block Kit: pure functions of a :class:`~bot.services.scorecard.Prompt`.

Within Block Kit's limits by construction: at most 10 IDS items and 12 to-dos are listed (the
rest counted), every text is cut to its cap, and user text (categories, to-do titles) escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.level10 import Row, Scorecard
from ..domain.text import escape, truncate
from ..services.scorecard import CoachItem, Prompt, TodoView
from . import blocks as ui

ASSIGN = "l10_assign"
TODO_DONE = "l10_todo_done"
TODO_NOT_DONE = "l10_todo_not_done"
IDS_BLOCK = "l10i"  # block_id: l10i|team|week|key
MAX_IDS = 10
MAX_TODOS = 12
GREEN, RED, NONE = "🟢", "🔴", "⚪"


def _value(row: Row, value: float | None) -> str:
    if value is None:
        return "—"
    if row.unit == "rate":
        return f"{value:.0%}"
    if row.unit == "seconds":
        minutes = round(value / 60)
        return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"
    return f"{value:.1f}".removesuffix(".0")


def scorecard_table(card: Scorecard) -> str:
    """The scorecard as a monospaced table (a code block in Slack)."""
    width = max(len(r.label) for r in card.rows)
    lines = [f"   {'':<{width}}  {'This':>6}  {'Last':>6}  {'4-wk':>6}  Target"]
    for r in card.rows:
        mark = NONE if r.good is None else GREEN if r.good else RED
        lines.append(
            f"{mark} {r.label:<{width}}  {_value(r, r.this):>6}  {_value(r, r.last):>6}  "
            f"{_value(r, r.average):>6}  {r.target}"
        )
    return "\n".join(lines)


def chart_table(series: Sequence[tuple[str, int, float | None]]) -> str:
    """The chart's figures as text, for when the image cannot be uploaded."""
    lines = ["Week       Aged  Resolve SLA"]
    for week, aged, rate in series:
        lines.append(f"{week:<9}  {aged:>4}  {'—' if rate is None else f'{rate:.0%}':>11}")
    return "\n".join(lines)


def _review(card: Scorecard) -> ui.Block:
    if not card.review:
        return ui.context(
            f"{GREEN} Backlog aged past SLA: *{card.aged}* (healthy under {card.alert})."
        )
    lines = [
        f"{RED} *Level-10 review triggered*: {card.aged} items aged past SLA "
        f"(review at {card.alert}+). Top aging categories:"
    ]
    for n, (name, count, refs) in enumerate(card.top_categories, 1):
        oldest = ", ".join(escape(r) for r in refs[:3])
        lines.append(f"{n}. *{escape(name)}*: {count} (oldest {oldest})")
    return ui.section("\n".join(lines), block_id="l10_review")


def _ledger(card: Scorecard) -> ui.Block:
    if not card.ledger:
        return ui.context("Interruptions: no ping to a protected person was intercepted.")
    lines = ["*Interruptions intercepted* (caught · routed · dismissed)"]
    for person, (caught, routed, dismissed), last in card.ledger[:15]:
        was = f" — last week {last[0]} · {last[1]} · {last[2]}" if last else ""
        lines.append(f"{ui.user(person)}: {caught} · {routed} · {dismissed}{was}")
    return ui.section("\n".join(lines), block_id="l10_ledger")


def _headlines(card: Scorecard) -> ui.Block:
    if not card.headlines:
        return ui.context("Headlines: no closure this week was on time, documented and kept.")
    lines = ["*Headlines*: closed with SLA met, no reopen and full documentation"]
    for person, verified, closed in card.headlines:
        lines.append(f":star: {ui.user(person)}: {verified} (of {closed} closed)")
    return ui.section("\n".join(lines), block_id="l10_headlines")


def _todo_line(t: TodoView, tz: ZoneInfo) -> str:
    carried = f" · not done {t.not_done}×, carried over" if t.not_done else ""
    return (
        f"{ui.user(t.owner)}: {escape(truncate(t.title, 200))} · due "
        f"{ui.slack_date(t.due_at, tz)}{carried}"
    )


def prompt_blocks(p: Prompt, *, chart: bool) -> tuple[str, list[ui.Block]]:
    """The post: scorecard, review, ledger, headlines, IDS with Assign owner, to-dos with Done
    / Not done; with ``chart`` False the 8-week figures as a text table instead of the image."""
    tz = ZoneInfo(p.timezone)
    card = p.card
    start = p.figures.start.astimezone(tz)
    text = f"Level-10 · {p.team_name} · {p.week}: {card.aged} aged past SLA" + (
        " · review triggered" if card.review else ""
    )
    blocks: list[ui.Block] = [
        {"type": "header", "text": ui.plain(f"Level-10 · {p.team_name} · {p.week}", 150)},
        ui.context(
            f"Week since {start:%a %d %b %H:%M %Z} · this week / last week"
            f"{f' ({card.last_week})' if card.last_week else ' (none stored)'} / 4-week average"
        ),
        ui.section(f"```{scorecard_table(card)}```", block_id="l10_scorecard"),
        _review(card),
        _ledger(card),
        _headlines(card),
        {"type": "divider"},
        ui.section(f"*IDS* ({len(p.ids)}): identify, discuss, solve", block_id="l10_ids"),
    ]
    for c in p.ids[:MAX_IDS]:
        block = ui.section(
            f"{escape(truncate(c.title, 300))}\n_{escape(', '.join(c.refs[:8]))}_",
            block_id=f"{IDS_BLOCK}|{p.team}|{p.week}|{c.key}"[:255],
        )
        block["accessory"] = {
            "type": "users_select",
            "action_id": ASSIGN,
            "placeholder": ui.plain("Assign owner", 150),
        }
        blocks.append(block)
    if len(p.ids) > MAX_IDS:
        blocks.append(ui.context(f"and {len(p.ids) - MAX_IDS} more"))
    if not p.ids:
        blocks.append(ui.context("No recurring category, reopen cluster or documentation gap."))
    blocks.append({"type": "divider"})
    blocks.append(ui.section(f"*To-dos* ({len(p.todos)} open)", block_id="l10_todos"))
    for t in p.todos[:MAX_TODOS]:
        blocks.append(ui.section(_todo_line(t, tz)))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"l10t|{t.id}",
                "elements": [
                    ui.button("Done", TODO_DONE, str(t.id), style="primary"),
                    ui.button("Not done", TODO_NOT_DONE, str(t.id)),
                ],
            }
        )
    if len(p.todos) > MAX_TODOS:
        blocks.append(ui.context(f"and {len(p.todos) - MAX_TODOS} more open to-dos"))
    if p.done:
        done = "; ".join(f"{ui.user(t.owner)} {escape(truncate(t.title, 80))}" for t in p.done[:10])
        blocks.append(ui.context(f":white_check_mark: Done since last week: {done}"))
    if not p.todos and not p.done:
        blocks.append(ui.context("No to-dos yet: assign an owner to an IDS item."))
    if chart:
        blocks.append(
            ui.context("The last 8 weeks (aged backlog, resolve SLA) are in the chart above.")
        )
    else:
        blocks.append(table_block(p.series))
    return text, blocks


def table_block(series: Sequence[tuple[str, int, float | None]]) -> ui.Block:
    return ui.section(f"*Last 8 weeks*\n```{chart_table(series)}```", block_id="l10_table")


def scorecard_reply(p: Prompt) -> tuple[str, list[ui.Block]]:
    """``/lanes scorecard``: the figures so far, to the asker."""
    card = p.card
    text = f"Scorecard · {p.team_name}: {card.aged} aged past SLA"
    return text, [
        ui.section(f"*Scorecard · {escape(p.team_name)}* (the week so far)"),
        ui.section(f"```{scorecard_table(card)}```"),
        _review(card),
        _ledger(card),
    ]


def coach_reply(person: str, items: Sequence[CoachItem]) -> tuple[str, list[ui.Block]]:
    text = f"Coaching evidence for {ui.user(person)}: {len(items)} items"
    if not items:
        return text, [
            ui.section(f"{text}.\nNo reopens, documentation gaps or SLA misses in 8 weeks.")
        ]
    counts = {
        k: sum(1 for i in items if k in i.reasons)
        for k in ("reopened", "no documentation", "SLA missed")
    }
    lines = [
        f"*Coaching evidence for {ui.user(person)}* (their own items, last 8 weeks): "
        f"{counts['reopened']} reopened · {counts['no documentation']} without documentation · "
        f"{counts['SLA missed']} SLA missed"
    ]
    for i in items[:40]:
        ref = (
            f"<{i.url}|{escape(i.ref)}>"
            if i.url and i.url.startswith("https://")
            else escape(i.ref)
        )
        lines.append(f"• {ref} {escape(truncate(i.summary, 80))}: {', '.join(i.reasons)}")
    if len(items) > 40:
        lines.append(f"and {len(items) - 40} more")
    return text, [ui.section(truncate("\n".join(lines), 3000))]


def reminder_message(
    owner: str, todos: Sequence[TodoView], *, team_name: str, tz: ZoneInfo
) -> dict[str, Any]:
    lines = [f"Reminder: the {escape(team_name)} Level-10 is tomorrow. Your open to-dos:"]
    lines += [
        f"• {escape(truncate(t.title, 200))} · due {ui.slack_date(t.due_at, tz)}"
        for t in todos[:20]
    ]
    return {
        "channel": owner,
        "text": f"Level-10 tomorrow: {len(todos)} open to-dos",
        "blocks": [ui.section("\n".join(lines))],
        "unfurl_links": False,
    }


def home_section(todos: Sequence[TodoView], now: datetime) -> list[ui.Block]:
    """App Home: my open Level-10 to-dos."""
    blocks: list[ui.Block] = [
        {"type": "divider"},
        ui.section(f"*My Level-10 to-dos* ({len(todos)})", block_id="l10_home"),
    ]
    for t in todos[:10]:
        late = " · *overdue*" if t.due_at < now else ""
        blocks.append(
            ui.section(f"{escape(truncate(t.title, 200))} · due {ui.slack_date(t.due_at)}{late}")
        )
    if not todos:
        blocks.append(ui.context("No open Level-10 to-dos."))
    return blocks
