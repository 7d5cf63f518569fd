"""The escalation's lane message (its fields, status note and buttons) and the replies that
list escalations and lanes, built by pure functions: data in, dicts out, tested as data.

Block Kit's pieces and Slack's limits (lengths as Slack counts them, a message's total) are in
:mod:`.block_kit`, the escalation modals in :mod:`.modals`; both are re-exported here, as
``blocks as ui`` was the one import of every renderer before they were split out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..domain.escalation import Status
from ..domain.lanes import Lane
from ..domain.text import escape, safe_link, truncate
from ..services.views import EscalationFacts
from .block_kit import (
    MESSAGE_BUDGET,
    TEXT_WEIGHT_MAX,
    Block,
    blocks_size,
    button,
    clip,
    context,
    cut,
    fit_message,
    json_weight,
    message_link,
    mrkdwn,
    plain,
    requester,
    section,
    slack_date,
    slack_len,
    user,
)
from .modals import (
    CB_ESCALATE,
    CB_REASSIGN,
    CB_RESOLVE,
    escalation_modal,
    reassign_modal,
    resolve_modal,
)

# What the renderers outside this module reach as ``ui.<name>`` (``from . import blocks as
# ui``): this module's own, and Block Kit's pieces and the modals re-exported.
__all__ = [
    "ACTION_IDS",
    "CB_ESCALATE",
    "CB_REASSIGN",
    "CB_RESOLVE",
    "MESSAGE_BUDGET",
    "TEXT_WEIGHT_MAX",
    "Block",
    "blocks_size",
    "button",
    "clip",
    "context",
    "cut",
    "escalation_line",
    "escalation_modal",
    "escape",
    "fit_message",
    "json_weight",
    "lane_buttons",
    "lane_message",
    "lanes_help",
    "message_link",
    "mrkdwn",
    "my_escalations",
    "plain",
    "reassign_modal",
    "requester",
    "resolve_modal",
    "section",
    "slack_date",
    "slack_len",
    "user",
]

# Stable ids: a click's handler is keyed by them (PITFALLS).
ACTION_IDS = {
    "take": "esc_take",
    "wait": "esc_wait",
    "resume": "esc_resume",
    "resolve": "esc_resolve",
    "reassign": "esc_reassign",
    "reopen": "esc_reopen",
}


# ---------------------------------------------------------------------------- lane message


def lane_message(
    esc: EscalationFacts, lane: Lane | None, *, tz: Any = None, approvers: Sequence[str] = ()
) -> tuple[str, list[Block]]:
    """The message in the lane channel, updated in place as the escalation changes."""
    status = Status(esc.status)
    lane_name = lane.name if lane else esc.lane
    title = f"{esc.ref} · {lane_name}"
    # The notification text too: Slack renders and notifies from it, so user text is escaped.
    fallback = (
        f"{esc.ref} [{esc.severity}] {escape(esc.client)}: {escape(esc.summary)} — {status.label}"
    )
    blocks: list[Block] = [
        {"type": "header", "text": plain(title, 150)},
        section(
            f"*{escape(esc.summary)}*"
            + (f"\n{escape(truncate(esc.details, 2500))}" if esc.details else ""),
            block_id="esc_summary",
        ),
    ]
    fields = [
        f"*Client*\n{escape(esc.client)}",
        f"*Severity*\n{esc.severity}",
        f"*Status*\n{_status_text(status)}",
        f"*Owner*\n{user(esc.owner)}",
        f"*Requester*\n{requester(esc.requester)}",
    ]
    if status not in (Status.PENDING_APPROVAL, Status.REJECTED):
        if esc.responded_at is None and esc.respond_due is not None:
            fields.append(f"*Respond by*\n{slack_date(esc.respond_due, tz)}")
        if esc.resolve_due is not None and status != Status.RESOLVED:
            fields.append(f"*Resolve by*\n{slack_date(esc.resolve_due, tz)}")
    if esc.starts_at is not None:
        fields.append(f"*Window starts*\n{slack_date(esc.starts_at, tz)}")
    if esc.psa_ticket:
        fields.append(f"*PSA ticket*\n{escape(esc.psa_ticket)}")
    if esc.source_permalink and safe_link(esc.source_permalink):
        fields.append(f"*Source*\n<{esc.source_permalink}|original message>")
    blocks.append(
        {
            "type": "section",
            "block_id": "esc_fields",
            "fields": [mrkdwn(f, 2000) for f in fields[:10]],
        }
    )
    note = _status_note(esc, status, approvers)
    if note:
        blocks.append(context(note))
    buttons = lane_buttons(esc, status)
    if buttons:
        blocks.append({"type": "actions", "block_id": "esc_actions", "elements": buttons})
    return fit_message(fallback, blocks)


def _status_text(status: Status) -> str:
    icons = {
        Status.PENDING_APPROVAL: ":hourglass_flowing_sand:",
        Status.OPEN: ":red_circle:",
        Status.ACKNOWLEDGED: ":large_blue_circle:",
        Status.WAITING: ":double_vertical_bar:",
        Status.RESOLVED: ":white_check_mark:",
        Status.REOPENED: ":leftwards_arrow_with_hook:",
        Status.REJECTED: ":no_entry_sign:",
        Status.CANCELLED: ":heavy_multiplication_x:",
    }
    return f"{icons[status]} {status.label}"


def _status_note(esc: EscalationFacts, status: Status, approvers: Sequence[str]) -> str | None:
    if status == Status.PENDING_APPROVAL:
        who = ", ".join(user(a) if not a.startswith("S") else f"<!subteam^{a}>" for a in approvers)
        return (
            f"Waiting for approval by {who or 'an approver'}. The SLA clock starts when approved."
        )
    if status == Status.WAITING and esc.paused_since is not None:
        return (
            f"Waiting on the client since {slack_date(esc.paused_since)}; the SLA clock is paused."
        )
    if status == Status.RESOLVED:
        note = escape(truncate(esc.resolution_note or "", 500))
        return f"Resolved {slack_date(esc.resolved_at)} by {user(esc.resolved_by or esc.owner)}: {note}"
    if status == Status.REJECTED:
        return f"Rejected: {escape(truncate(esc.decision_reason or '', 500))}"
    if status == Status.CANCELLED:
        return "Cancelled" + (
            f": {escape(truncate(esc.decision_reason, 500))}" if esc.decision_reason else "."
        )
    if esc.reopen_count:
        return f"Reopened {esc.reopen_count}×."
    return None


def lane_buttons(esc: EscalationFacts, status: Status) -> list[dict[str, Any]]:
    v = str(esc.number)
    a = ACTION_IDS
    if status in (Status.OPEN, Status.REOPENED):
        return [
            button("Take it", a["take"], v, style="primary"),
            button("Waiting on client", a["wait"], v),
            button("Resolve", a["resolve"], v),
            button("Reassign", a["reassign"], v),
        ]
    if status == Status.ACKNOWLEDGED:
        return [
            button("Waiting on client", a["wait"], v),
            button("Resolve", a["resolve"], v, style="primary"),
            button("Reassign", a["reassign"], v),
        ]
    if status == Status.WAITING:
        return [
            button("Resume", a["resume"], v, style="primary"),
            button("Resolve", a["resolve"], v),
            button("Reassign", a["reassign"], v),
        ]
    if status == Status.RESOLVED:
        return [button("Reopen", a["reopen"], v)]
    if status == Status.PENDING_APPROVAL:
        # Shown to everyone; only approvers get past the server-side check.
        return [
            button("Approve", "approval_approve", v, style="primary"),
            button("Reject", "approval_reject", v, style="danger"),
        ]
    return []


# ---------------------------------------------------------------------------- replies


def lanes_help(lanes: Sequence[Lane]) -> tuple[str, list[Block]]:
    lines = [
        f"• `{ln.key}` *{escape(ln.name)}* — {escape(ln.when)}"
        + (" _(needs approval)_" if ln.approval.mode != "none" else "")
        for ln in lanes
    ]
    intro = (
        "*Escalation lanes* keep requests out of technicians' DMs: every request gets an owner, "
        "an SLA clock and a definition of done.\n"
        "`/escalate [lane] [summary]` raises one · `/lanes mine` lists yours · "
        "`/focus 90m` protects your time."
    )
    blocks: list[Block] = [section(intro)]
    body = "\n".join(lines)
    while body:
        chunk = body[:2900]
        cut = chunk.rfind("\n") if len(body) > 2900 else len(chunk)
        cut = cut if cut > 0 else len(chunk)
        blocks.append(section(body[:cut]))
        body = body[cut:].lstrip("\n")
        if len(blocks) >= 45:
            break
    return "Escalation lanes: " + ", ".join(ln.key for ln in lanes), blocks


def my_escalations(rows: Sequence[EscalationFacts], *, user_id: str) -> tuple[str, list[Block]]:
    if not rows:
        return "You have no open escalations.", [section("You have no open escalations. :tada:")]
    blocks: list[Block] = [section(f"*Your open escalations* ({len(rows)})")]
    for esc in rows[:40]:
        blocks.append(section(escalation_line(esc, user_id=user_id)))
    if len(rows) > 40:
        blocks.append(context(f"and {len(rows) - 40} more"))
    return f"You have {len(rows)} open escalations.", blocks


def escalation_line(esc: EscalationFacts, *, user_id: str | None = None) -> str:
    link = message_link(esc.lane_channel, esc.lane_ts)
    ref = f"<{link}|{esc.ref}>" if link else esc.ref
    role = ""
    if user_id is not None:
        role = " · you own it" if esc.owner == user_id else " · you asked"
    due = f" · resolve by {slack_date(esc.resolve_due)}" if esc.resolve_due else ""
    return (
        f"{ref} [{esc.severity}] *{escape(truncate(esc.client, 60))}* — "
        f"{escape(truncate(esc.summary, 120))} · {Status(esc.status).label}{due}{role}"
    )
