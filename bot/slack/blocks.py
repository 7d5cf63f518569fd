"""Block Kit built by pure functions: data in, dicts out, tested as data.

Every piece of user text goes through :func:`escape` (mrkdwn) or stays in ``plain_text``
objects, and every length is cut to Slack's limits here, so a long summary never makes Slack
refuse a message.

Lengths are measured as Slack measures them, not as Python's ``len`` does (issue 14: summaries
of emoji or CJK within the modal's own ``max_length`` made lane messages of 17–34k characters):

- a text field's limit (3000 a section, 150 a header, 75 a button …) counts UTF-16 code units,
  as Slack's clients and its JSON validator do: an emoji outside the BMP is 2 (:func:`slack_len`);
- the undocumented total of a message's blocks (``msg_blocks_too_long``, about 13,000; bolt-js
  #2509) is the JSON Slack receives, which slack_sdk writes with every non-ASCII character
  escaped: a CJK character is 6 (``\u4e2d``), an emoji 12 (:func:`json_weight`,
  :func:`blocks_size`). :func:`fit_message` cuts the longest texts until a message fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain.escalation import MAX_CLIENT, MAX_DETAILS, MAX_SUMMARY, MAX_TICKET, Status
from ..domain.lanes import Lane
from ..domain.text import escape, safe_link, truncate
from ..services.views import EscalationFacts

Block = dict[str, Any]

# Stable ids: a view submission's state is keyed by them (PITFALLS).
CB_ESCALATE = "escalate"
CB_RESOLVE = "resolve"
CB_REASSIGN = "reassign"
ACTION_IDS = {
    "take": "esc_take",
    "wait": "esc_wait",
    "resume": "esc_resume",
    "resolve": "esc_resolve",
    "reassign": "esc_reassign",
    "reopen": "esc_reopen",
}
CHECKBOX_LIMIT = 10
CHANGE_LANE = "change"  # options per checkboxes element


MESSAGE_BUDGET = 12_000  # of Slack's ~13,000 (msg_blocks_too_long), measured by blocks_size
TEXT_WEIGHT_MAX = 8_000  # one text object's share of it, so one long text never fills it all
_ELLIPSIS = "…"


def slack_len(text: str) -> int:
    """Length as Slack counts a text field's limit: UTF-16 code units (an emoji is 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def json_weight(text: str) -> int:
    """Characters ``text`` takes in the JSON Slack receives (non-ASCII escaped, as slack_sdk
    sends it): 1 for printable ASCII, 2 for ``"`` and ``\\``, 6 a BMP character, 12 an emoji."""
    return len(json.dumps(text)) - 2


def blocks_size(blocks: Any) -> int:
    """The size Slack holds a message's blocks to (``msg_blocks_too_long`` past ~13,000)."""
    return len(json.dumps(blocks, separators=(",", ":")))


_OPEN_MARKUP = re.compile(r"(<[^>]*|&[a-z]{0,5})$")


def cut(text: str, limit: int, *, weight: int | None = None) -> str:
    """``text`` within ``limit`` UTF-16 units (and ``weight`` JSON characters when given),
    marked with an ellipsis; never half an emoji, a dangling ``<…`` link or ``&am`` entity."""
    if slack_len(text) <= limit and (weight is None or json_weight(text) <= weight):
        return text
    room_units, room_weight = limit - 1, (weight - 3 if weight is not None else None)
    out: list[str] = []
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        w = json_weight(ch) if room_weight is not None else 0
        if units > room_units or (room_weight is not None and w > room_weight):
            break
        out.append(ch)
        room_units -= units
        if room_weight is not None:
            room_weight -= w
    kept = _OPEN_MARKUP.sub("", "".join(out).rstrip()).rstrip()
    return kept + _ELLIPSIS


def clip(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-16 units (a modal's ``max_length``
    counts them), without an ellipsis: for pre-filling an input."""
    if slack_len(text) <= limit:
        return text
    out, room = [], limit
    for ch in text:
        room -= 2 if ord(ch) > 0xFFFF else 1
        if room < 0:
            break
        out.append(ch)
    return "".join(out)


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {
        "type": "plain_text",
        "text": cut(text, limit, weight=TEXT_WEIGHT_MAX) or " ",
        "emoji": True,
    }


def mrkdwn(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": cut(text, limit, weight=TEXT_WEIGHT_MAX) or " "}


def _text_objects(blocks: list[Block]) -> list[dict[str, Any]]:
    """The text objects of sections and contexts, where user text lives (not buttons, headers)."""
    found: list[dict[str, Any]] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if isinstance(block.get("text"), dict):
                found.append(block["text"])
            found.extend(f for f in block.get("fields") or [] if isinstance(f, dict))
        elif kind == "context":
            found.extend(
                e for e in block.get("elements") or [] if isinstance(e, dict) and "text" in e
            )
    return found


def fit_message(
    text: str, blocks: list[Block], *, budget: int = MESSAGE_BUDGET
) -> tuple[str, list[Block]]:
    """The message cut until its blocks fit ``budget`` as Slack measures them: the longest
    text is shortened first (so short fields such as the owner keep whole), then, as a last
    resort, trailing non-interactive blocks go. The fallback ``text`` is cut to 3000 units."""
    text = cut(text, 3000, weight=budget // 2)
    for _ in range(60):
        over = blocks_size(blocks) - budget
        if over <= 0:
            return text, blocks
        objects = _text_objects(blocks)
        if not objects:
            break
        longest = max(objects, key=lambda o: json_weight(str(o.get("text", ""))))
        current = str(longest.get("text", ""))
        have = json_weight(current)
        if have <= 40:
            break
        target = max(20, min(have - over - 16, have * 3 // 4))
        longest["text"] = cut(current, slack_len(current), weight=target) or " "
    while blocks_size(blocks) > budget and len(blocks) > 1:
        drop = next(
            (i for i in range(len(blocks) - 1, -1, -1) if blocks[i].get("type") != "actions"),
            None,
        )
        if drop is None:
            break
        blocks.pop(drop)
    return text, blocks


def section(text: str, *, block_id: str | None = None, fields: Sequence[str] = ()) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        block["fields"] = [mrkdwn(f, 2000) for f in list(fields)[:10]]
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": plain(text, 75),
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        b["style"] = style
    return b


def slack_date(at: datetime | None, fallback_tz: Any = None) -> str:
    """A time every reader sees in their own timezone (Slack date formatting), with a fallback."""
    if at is None:
        return "—"
    local = at.astimezone(fallback_tz) if fallback_tz is not None else at
    fallback = local.strftime("%a %d %b %H:%M %Z")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def message_link(channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def user(uid: str | None) -> str:
    return f"<@{uid}>" if uid else "_nobody yet_"


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
        f"*Requester*\n<@{esc.requester}>",
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


# ---------------------------------------------------------------------------- modals


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value[:150]}


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    max_length: int = 3000,
    multiline: bool = False,
    optional: bool = False,
    placeholder: str = "",
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def escalation_modal(
    lanes: Sequence[Lane],
    *,
    lane: str | None = None,
    severity: str | None = None,
    summary: str = "",
    details: str = "",
    client: str = "",
    permalink: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The /escalate modal, pre-filled from the command, the intercepted message or shortcut."""
    lane_options = [_option(f"{ln.name}", ln.key) for ln in lanes][:100]
    lane_el: dict[str, Any] = {
        "type": "static_select",
        "action_id": "lane",
        "placeholder": plain("Which lane?"),
        "options": lane_options,
    }
    chosen = next((ln for ln in lanes if ln.key == lane), None)
    if chosen is not None:
        lane_el["initial_option"] = _option(chosen.name, chosen.key)
    severities: list[str] = []
    for ln in lanes:
        for s in ln.severity_order:
            if s not in severities:
                severities.append(s)
    sev_el: dict[str, Any] = {
        "type": "static_select",
        "action_id": "severity",
        "placeholder": plain("How bad is it?"),
        "options": [_option(s, s) for s in severities][:100],
    }
    if severity is None and chosen is not None:
        severity = chosen.default_severity
    if severity in severities:
        sev_el["initial_option"] = _option(severity, severity)
    when_lines = "\n".join(f"• *{escape(ln.name)}* — {escape(ln.when)}" for ln in lanes)
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "lane",
            "label": plain("Lane"),
            "element": lane_el,
        },
        context(truncate(when_lines, 3000)),
        {"type": "input", "block_id": "severity", "label": plain("Severity"), "element": sev_el},
        _text_input(
            "client", "Client", initial=client, max_length=MAX_CLIENT, placeholder="Acme Dental"
        ),
        _text_input(
            "summary",
            "Summary",
            initial=summary,
            max_length=MAX_SUMMARY,
            placeholder="One line: what is needed",
        ),
        _text_input(
            "details",
            "Details",
            initial=details,
            max_length=MAX_DETAILS,
            multiline=True,
            optional=True,
        ),
        _text_input(
            "psa_ticket",
            "PSA ticket number",
            max_length=MAX_TICKET,
            optional=True,
            placeholder="e.g. 48213",
        ),
    ]
    if any(ln.key == CHANGE_LANE for ln in lanes):
        blocks.append(
            {
                "type": "input",
                "block_id": "starts_at",
                "label": plain("Change window starts (changes only)"),
                "element": {"type": "datetimepicker", "action_id": "starts_at"},
                "optional": True,
            }
        )
    if permalink:
        blocks.append(context(f"From <{permalink}|this message>."))
    return {
        "type": "modal",
        "callback_id": CB_ESCALATE,
        "title": plain("Escalate", 24),
        "submit": plain("Escalate", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(metadata or {})[:3000],
        "blocks": blocks,
    }


def resolve_modal(esc: EscalationFacts, lane: Lane | None) -> dict[str, Any]:
    items = list(lane.done) if lane else []
    blocks: list[Block] = [section(f"*{esc.ref}* · {escape(truncate(esc.summary, 200))}")]
    for i in range(0, len(items), CHECKBOX_LIMIT):
        chunk = items[i : i + CHECKBOX_LIMIT]
        blocks.append(
            {
                "type": "input",
                "block_id": f"done_{i // CHECKBOX_LIMIT}",
                "label": plain(
                    "Definition of done — every item is required" if i == 0 else "… and"
                ),
                "element": {
                    "type": "checkboxes",
                    "action_id": "done",
                    "options": [
                        {"text": plain(item, 75), "value": str(i + j)}
                        for j, item in enumerate(chunk)
                    ],
                },
            }
        )
    blocks.append(
        _text_input(
            "note", "Resolution note", max_length=2000, multiline=True, placeholder="What was done"
        )
    )
    return {
        "type": "modal",
        "callback_id": CB_RESOLVE,
        "title": plain(f"Resolve {esc.ref}", 24),
        "submit": plain("Resolve", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"n": esc.number}),
        "blocks": blocks,
    }


def reassign_modal(esc: EscalationFacts) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "users_select", "action_id": "owner"}
    if esc.owner:
        element["initial_user"] = esc.owner
    return {
        "type": "modal",
        "callback_id": CB_REASSIGN,
        "title": plain(f"Reassign {esc.ref}", 24),
        "submit": plain("Reassign", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"n": esc.number}),
        "blocks": [
            section(f"*{esc.ref}* · {escape(truncate(esc.summary, 200))}"),
            {"type": "input", "block_id": "owner", "label": plain("New owner"), "element": element},
        ],
    }


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
