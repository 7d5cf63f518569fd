"""Reading Slack payloads: view state by element type, the escalation a click is about."""

from __future__ import annotations

from typing import Any

from bot.domain.errors import InvalidInput


def state_value(view: dict[str, Any], block_id: str, action_id: str | None = None) -> Any:
    """The value an input reports, under the key its element type uses (PITFALLS).

    Returns a string, a list of option values (checkboxes, multi-selects), or None when the
    optional input was left empty or the block is absent.
    """
    values = ((view.get("state") or {}).get("values") or {}).get(block_id) or {}
    element = values.get(action_id or block_id)
    if element is None and len(values) == 1:
        element = next(iter(values.values()))
    if not isinstance(element, dict):
        return None
    kind = element.get("type")
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        return element.get("value")
    if kind in ("static_select", "radio_buttons", "external_select"):
        opt = element.get("selected_option")
        return opt.get("value") if isinstance(opt, dict) else None
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [
            o.get("value") for o in element.get("selected_options") or [] if isinstance(o, dict)
        ]
    for key in (
        "selected_user",
        "selected_users",
        "selected_channel",
        "selected_conversation",
        "selected_date",
        "selected_time",
        "selected_date_time",
        "value",
    ):
        if key in element:
            return element[key]
    return None


def text_value(view: dict[str, Any], block_id: str) -> str:
    value = state_value(view, block_id)
    return value if isinstance(value, str) else ""


def action_number(body: dict[str, Any]) -> int:
    """The escalation number a lane-message button is about, from the button's value.

    The value only says *which* escalation; what the clicking user may do to it is decided on
    the server from the payload's user id, never from anything in the value.
    """
    action = (body.get("actions") or [{}])[0]
    raw = str(action.get("value") or "")
    if not raw.isdigit():
        raise InvalidInput("That button does not name an escalation.")
    return int(raw)


def request_key(body: dict[str, Any]) -> str:
    """Identifies one delivery of a click, so a retried delivery is handled once."""
    action = (body.get("actions") or [{}])[0]
    user = (body.get("user") or {}).get("id", "")
    return f"action:{action.get('action_ts', '')}:{user}:{action.get('action_id', '')}"
