"""The daily stand-up digest as Block Kit, as terminal text, and the SLA thread warnings.

Pure functions over :class:`bot.domain.digest.Digest`. Every piece of user text (client,
summary, reference) is collapsed to one line, cut, and escaped; every URL is checked before
it becomes a link. Sizes are budgeted so a digest of any length stays well within Slack's
limits: one section block per digest section (≤ 3000 characters each), a handful of blocks
in all, and about 12,000 characters overall; what does not fit ends in "and N more".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.digest import Digest, PendingApproval, RiskLine
from ..domain.durations import humanize_seconds
from ..domain.sla import ClockReading, WorkItem, describe_reading
from ..domain.text import escape, truncate
from .blocks import fit_message, json_weight, mrkdwn, plain, section, slack_date

__all__ = ["digest_blocks", "digest_text", "risk_warning_text"]

Block = dict[str, Any]

# Limits: Slack allows 3000 characters in a section's text and 50 blocks per message; the
# whole digest is kept near 12,000 characters so it reads (and loads) as a short message.
SECTION_LIMIT = 2900
SECTIONS_BUDGET = 10_000
MAX_REF = 40
MAX_CLIENT = 60
MAX_SUMMARY = 120
MAX_URL = 400
MAX_APPROVERS = 5

_URL = re.compile(r"https?://[^\s<>|\"]+", re.IGNORECASE)
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,30}")

_COUNT_LABELS = {
    "open_escalations": ("open escalation", "open escalations"),
    "open_tickets": ("open ticket", "open tickets"),
    "waiting_on_client": ("waiting on client", "waiting on client"),
    "due_today": ("due today", "due today"),
    "pending_approvals": ("approval pending", "approvals pending"),
}


# ---------------------------------------------------------------------------- text pieces


def _one_line(text: str | None, limit: int) -> str:
    """User text on one line, without control characters, cut to ``limit`` (not escaped)."""
    if not text:
        return ""
    flat = " ".join(text.split())
    flat = "".join(ch for ch in flat if ch.isprintable())
    return truncate(flat, limit)


def _safe(text: str | None, limit: int) -> str:
    """User text for mrkdwn: one line, cut, escaped."""
    return escape(_one_line(text, limit))


def _valid_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) URL of reasonable length, else None."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL or not _URL.fullmatch(url):
        return None
    return url


def _link(url: str | None, label: str) -> str:
    """``label`` (already escaped) linked to ``url`` when it is safe to."""
    valid = _valid_url(url)
    return f"<{valid.replace('&', '&amp;')}|{label}>" if valid else label


def _mention(uid: str) -> str:
    if _USER_ID.fullmatch(uid):
        return f"<@{uid}>"
    if _GROUP_ID.fullmatch(uid):
        return f"<!subteam^{uid}>"
    return escape(_one_line(uid, 40))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _ago(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 60:
        return "just now"
    return f"{humanize_seconds(seconds)} ago"


def _in(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 60:
        return "now"
    return f"in {humanize_seconds(seconds)}"


def _local(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M %Z}"


def _tz(d: Digest) -> ZoneInfo:
    try:
        return ZoneInfo(d.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _title(d: Digest) -> str:
    day = d.local_date
    return f"Daily stand-up — {d.team_name} — {day:%a} {day.day} {day:%b}"


def _clean_line(d: Digest) -> str:
    return f"All clear for {d.team_name}: nothing at risk, nothing unowned, no approvals waiting."


def _kpi_line(d: Digest) -> str:
    if d.needs_level10_review:
        return (
            f"Backlog aged past SLA: {d.aged_past_sla} (threshold {d.aged_threshold}) — "
            "Level-10 review of the top aging categories"
        )
    return f"Backlog aged past SLA: {d.aged_past_sla} (healthy: under {d.aged_threshold})"


def _queue_line(d: Digest) -> str | None:
    """When the PSA's queue is behind (or never synced), so a quiet digest is not mistaken for
    a quiet queue."""
    if not d.queue_stale():
        return None
    name = {"connectwise": "ConnectWise", "autotask": "Autotask", "halo": "HaloPSA"}.get(
        d.psa or "", d.psa or "PSA"
    )
    if d.queue_synced_at is None:
        return f"{name} tickets are not in this digest: the queue was never synced (run `lanekeeper psa check`)."
    tz = _tz(d)
    when = d.queue_synced_at.astimezone(tz)
    return (
        f"{name} queue last synced {when:%a %d %b %H:%M %Z}: tickets changed since are not shown."
    )


def _counts_line(d: Digest) -> str:
    parts = []
    for key, n in d.counts.items():
        one, many = _COUNT_LABELS.get(key, (key.replace("_", " "), key.replace("_", " ")))
        parts.append(_plural(n, one, many))
    return " · ".join(parts)


# ---------------------------------------------------------------------------- item lines


@dataclass(frozen=True)
class _Style:
    """How one renderer shows people, user text, links and times."""

    slack: bool
    tz: ZoneInfo

    def text(self, value: str | None, limit: int) -> str:
        return _safe(value, limit) if self.slack else _one_line(value, limit)

    def bold(self, value: str) -> str:
        return f"*{value}*" if self.slack and value else value

    def person(self, uid: str | None) -> str:
        if not uid:
            return "_unowned_" if self.slack else "unowned"
        return _mention(uid) if self.slack else "@" + _one_line(uid, 40)

    def owner(self, uid: str | None) -> str:
        """``owner <@U1>``, or ``_unowned_``."""
        return f"owner {self.person(uid)}" if uid else self.person(None)

    def when(self, at: datetime) -> str:
        return slack_date(at, self.tz) if self.slack else _local(at, self.tz)

    def ref(self, ref: str, url: str | None) -> tuple[str, str]:
        """The reference (linked in Slack) and, for text, the URL to append."""
        if self.slack:
            return _link(url, self.text(ref, MAX_REF) or "link"), ""
        valid = _valid_url(url)
        return self.text(ref, MAX_REF), (f" · {valid}" if valid else "")


def _head(item: WorkItem, s: _Style) -> tuple[str, str]:
    ref, tail = s.ref(item.ref, item.url)
    severity = s.text(item.severity, 10)
    client = s.text(item.client, MAX_CLIENT)
    summary = s.text(item.summary, MAX_SUMMARY)
    parts = [ref]
    if severity:
        parts.append(f"[{severity}]")
    if client:
        parts.append(f"{s.bold(client)} —")
    parts.append(summary or "(no summary)")
    return " ".join(parts), tail


def _waiting(item: WorkItem) -> str:
    return " · waiting on client" if item.is_paused else ""


def _risk_line(r: RiskLine, d: Digest, s: _Style) -> str:
    head, tail = _head(r.item, s)
    reading = describe_reading(r.reading)
    if r.reading.breached:
        reading = s.bold(reading)
    return f"{head} · {s.owner(r.item.owner)} · {reading} ({r.reading.clock}){tail}"


def _unowned_line(item: WorkItem, d: Digest, s: _Style) -> str:
    head, tail = _head(item, s)
    opened = _ago(d.now - item.opened_at)
    return f"{head} · {s.person(None)} · opened {opened}{_waiting(item)}{tail}"


def _alert_line(item: WorkItem, d: Digest, s: _Style) -> str:
    head, tail = _head(item, s)
    opened = _ago(d.now - item.opened_at)
    return f"{head} · {s.owner(item.owner)} · opened {opened}{_waiting(item)}{tail}"


def _change_line(item: WorkItem, d: Digest, s: _Style) -> str:
    head, tail = _head(item, s)
    assert item.starts_at is not None
    starts = f"starts {s.when(item.starts_at)} ({_in(item.starts_at - d.now)})"
    return f"{head} · {s.owner(item.owner)} · {starts}{_waiting(item)}{tail}"


def _approval_line(a: PendingApproval, d: Digest, s: _Style) -> str:
    ref, tail = s.ref(a.ref, a.url)
    client = s.text(a.client, MAX_CLIENT)
    summary = s.text(a.summary, MAX_SUMMARY) or "(no summary)"
    lane = s.text(a.lane, 30)
    parts = [ref]
    if lane:
        parts.append(f"({lane})")
    if client:
        parts.append(f"{s.bold(client)} —")
    parts.append(summary)
    people = [s.person(p) for p in a.approvers[:MAX_APPROVERS]]
    if len(a.approvers) > MAX_APPROVERS:
        people.append(f"+{len(a.approvers) - MAX_APPROVERS}")
    asked = _ago(d.now - a.requested_at)
    line = f"{' '.join(parts)} · requested by {s.person(a.requester)} {asked}"
    if people:
        line += f" · approvers {', '.join(people)}"
    if a.respond_due is not None:
        if a.is_overdue(d.now):
            line += f" · {s.bold('overdue')} since {s.when(a.respond_due)}"
        else:
            line += f" · due {s.when(a.respond_due)}"
    return line + tail


# ---------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class _Section:
    emoji: str
    title: str
    short: tuple[str, str]  # for the fallback text: "2 at SLA risk", "1 approval pending"
    note: str
    entries: Sequence[Any]
    line: Callable[[Any, Digest, _Style], str]


def _sections(d: Digest) -> list[_Section]:
    window = humanize_seconds(d.risk_window.total_seconds())
    all_sections = [
        _Section(
            ":rotating_light:",
            "SLA risks",
            ("at SLA risk", "at SLA risk"),
            f"breached or breaching within {window} of business time",
            d.sla_risks,
            _risk_line,
        ),
        _Section(
            ":bust_in_silhouette:",
            "Unowned escalations",
            ("unowned", "unowned"),
            "",
            d.unowned,
            _unowned_line,
        ),
        _Section(
            ":hourglass_flowing_sand:",
            "Approvals pending",
            ("approval pending", "approvals pending"),
            "",
            d.approvals,
            _approval_line,
        ),
        _Section(":bell:", "Alerts needing action", ("alert", "alerts"), "", d.alerts, _alert_line),
        _Section(
            ":calendar:",
            "Changes starting in the next 24h",
            ("change in the next 24h", "changes in the next 24h"),
            "",
            d.changes,
            _change_line,
        ),
    ]
    return [sec for sec in all_sections if sec.entries]


def _more_line(hidden: int, more_url: str | None) -> str:
    return "…" + _link(more_url, f"and {hidden} more")


def _pack(heading: str, lines: list[str], total: int, budget: int, more_url: str | None) -> str:
    """Heading and as many lines as fit in ``budget`` characters as Slack sizes them (the JSON
    it receives: a CJK character is 6, an emoji 12; see :func:`json_weight`), then "and N more"."""
    size = json_weight
    if len(lines) == total and size(heading) + sum(size(x) + 2 for x in lines) <= budget:
        return "\n".join([heading, *lines])
    room = budget - size(heading) - size(_more_line(total, more_url)) - 4
    shown: list[str] = []
    for line in lines:
        if size(line) + 2 > room:
            break
        shown.append(line)
        room -= size(line) + 2
    out = [heading, *shown]
    hidden = total - len(shown)
    if hidden:
        out.append(_more_line(hidden, more_url))
    return "\n".join(out)


def _share(total: int, wanted: list[int]) -> list[int]:
    """Split ``total`` characters between sections: each gets what it wants when that is
    under an equal share of what is left, the others split the rest equally. So one long
    section never crowds out the others, and short ones leave their room to long ones."""
    given = [0] * len(wanted)
    pending = set(range(len(wanted)))
    left = total
    while pending:
        share = left // len(pending)
        small = [i for i in pending if wanted[i] <= share]
        if not small:
            for i in pending:
                given[i] = min(share, SECTION_LIMIT)
            break
        for i in small:
            given[i] = wanted[i]
            left -= wanted[i]
            pending.discard(i)
    return given


def digest_blocks(
    d: Digest, *, max_per_section: int = 8, more_url: str | None = None
) -> tuple[str, list[Block]]:
    """Fallback text and Block Kit for the team's channel.

    A clean day is a single line. Otherwise: a header, one section per non-empty digest
    section (most urgent first, at most ``max_per_section`` lines each, the rest as "and N
    more" linking ``more_url``), and a footer with the aged-backlog KPI and the counts.
    """
    if max_per_section < 1:
        raise ValueError("max_per_section must be at least 1")
    queue = _queue_line(d)
    if d.is_clean:
        line = escape(_clean_line(d))
        clean: list[Block] = [section(f":white_check_mark: {line}")]
        if queue:
            clean.append({"type": "context", "elements": [mrkdwn(f":warning: {escape(queue)}")]})
        return line, clean
    style = _Style(slack=True, tz=_tz(d))
    title = _title(d)
    blocks: list[Block] = [{"type": "header", "text": plain(title, 150)}]
    sections = _sections(d)
    packed = []
    for sec in sections:
        heading = f"{sec.emoji} *{sec.title} ({len(sec.entries)})*"
        if sec.note:
            heading += f" — {sec.note}"
        lines = [sec.line(entry, d, style) for entry in sec.entries[:max_per_section]]
        packed.append((heading, lines, len(sec.entries)))
    wanted = [_pack(h, lines, total, SECTION_LIMIT, more_url) for h, lines, total in packed]
    for budget, text, (heading, lines, total) in zip(
        _share(SECTIONS_BUDGET, [json_weight(t) for t in wanted]), wanted, packed, strict=True
    ):
        if json_weight(text) > budget:
            text = _pack(heading, lines, total, budget, more_url)
        blocks.append(section(text))
    footer: Block = {"type": "context", "elements": [mrkdwn(f":bar_chart: {escape(_kpi_line(d))}")]}
    counts = _counts_line(d)
    if counts:
        footer["elements"].append(mrkdwn(escape(counts)))
    if queue:
        footer["elements"].append(mrkdwn(f":warning: {escape(queue)}"))
    blocks.append({"type": "divider"})
    blocks.append(footer)
    summary = ", ".join(_plural(len(sec.entries), *sec.short) for sec in sections)
    fallback = f"{escape(title)}: {summary}. {escape(_kpi_line(d))}."
    return fit_message(fallback, blocks)


def digest_text(d: Digest) -> str:
    """The digest as plain text for a terminal (``--dry-run``): every line, no Slack markup,
    times in the team's local time."""
    queue = _queue_line(d)
    if d.is_clean:
        return _clean_line(d) + (f"\n{queue}" if queue else "")
    tz = _tz(d)
    style = _Style(slack=False, tz=tz)
    out = [f"{_title(d)} (as of {d.now.astimezone(tz):%H:%M %Z})"]
    for sec in _sections(d):
        heading = f"{sec.title} ({len(sec.entries)})"
        if sec.note:
            heading += f" — {sec.note}"
        out.append("")
        out.append(heading)
        out.extend(f"  - {sec.line(entry, d, style)}" for entry in sec.entries)
    out.append("")
    out.append(_kpi_line(d))
    counts = _counts_line(d)
    if counts:
        out.append(counts)
    if queue:
        out.append(queue)
    return "\n".join(out)


# ---------------------------------------------------------------------------- thread warnings


def risk_warning_text(item: WorkItem, reading: ClockReading, level: str, mention: str) -> str:
    """The warning posted in an escalation's thread when a clock crosses a threshold.

    ``level`` is ``"warn"`` or ``"breach"`` (see :func:`bot.domain.sla.thresholds_crossed`);
    ``mention`` is the ready-made mention of who must act (the owner, or the team's leads).
    """
    if level == "warn":
        icon, extra = ":warning:", f" ({round(reading.fraction * 100)}% used)"
    elif level == "breach":
        icon, extra = ":rotating_light:", ""
    else:
        raise ValueError(f'unknown warning level "{level}" (use warn or breach)')
    who = f"{mention} " if mention else ""
    ref = _safe(item.ref, MAX_REF)
    return f"{icon} {who}{ref} {reading.clock} target: {describe_reading(reading)}{extra}"
