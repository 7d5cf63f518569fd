"""The escalation modals: raise one (``/escalate``, the message shortcut, an intercepted
message's offer), resolve one (its definition-of-done checklist) and reassign one. Their
callback and block ids are stable: a view submission's state is keyed by them (PITFALLS)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..domain.escalation import MAX_CLIENT, MAX_DETAILS, MAX_SUMMARY, MAX_TICKET
from ..domain.lanes import Lane
from ..domain.text import escape, truncate
from ..services.views import EscalationFacts
from .block_kit import Block, clip, context, plain, section

CB_ESCALATE = "escalate"
CB_RESOLVE = "resolve"
CB_REASSIGN = "reassign"
CHECKBOX_LIMIT = 10  # options per checkboxes element


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
    windowed = [ln.name for ln in lanes if ln.window]
    if windowed:
        blocks.append(
            {
                "type": "input",
                "block_id": "starts_at",
                "label": plain(f"Window starts ({', '.join(windowed)} only)"),
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
