"""Reading Slack payloads: view state by element type, the escalation a click is about."""

from __future__ import annotations

from typing import Any

from ..domain.errors import InvalidInput
from . import validate


def state_value(view: dict[str, Any], block_id: str, action_id: str | None = None) -> Any:
    """The value an input reports, under the key its element type uses (PITFALLS).

    Returns a string, a list of option values (checkboxes, multi-selects), or None when the
    optional input was left empty or the block is absent.
    """
    state = view.get("state") if isinstance(view, dict) else None
    all_values = state.get("values") if isinstance(state, dict) else None
    values = all_values.get(block_id) if isinstance(all_values, dict) else None
    if not isinstance(values, dict):
        return None
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
    """A text input's value: cleaned of NUL bytes and lone surrogates, and held to the modal's
    own ``max_length`` (by the view's callback id) however the request was made — a longer one
    is refused under that block, so the modal shows why and keeps what was typed."""
    return validate.text(
        state_value(view, block_id),
        field=block_id,
        limit=validate.field_cap(view.get("callback_id"), block_id),
    )


def user_value(view: dict[str, Any], block_id: str) -> str | None:
    """A users_select's value when it is shaped like a Slack user id, else None."""
    return validate.user_id(state_value(view, block_id))


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    return action if isinstance(action, dict) else {}


def action_number(body: dict[str, Any]) -> int:
    """The escalation number a lane-message button is about, from the button's value.

    The value only says *which* escalation; what the clicking user may do to it is decided on
    the server from the payload's user id, never from anything in the value.
    """
    n = validate.number(_first_action(body).get("value"))
    if n is None:
        raise InvalidInput("That button does not name an escalation.")
    return n


def action_value_id(body: dict[str, Any], what: str = "request") -> int:
    """A button's value that names a stored row by id (an interception), else a clear refusal."""
    n = validate.number(_first_action(body).get("value"))
    if n is None:
        raise InvalidInput(f"That button does not name a {what}.")
    return n


def request_key(body: dict[str, Any]) -> str:
    """Identifies one delivery of a click, so a retried delivery is handled once."""
    action = _first_action(body)
    found = body.get("user")
    user: dict[str, Any] = found if isinstance(found, dict) else {}
    return (
        f"action:{str(action.get('action_ts', ''))[:40]}:{str(user.get('id', ''))[:40]}:"
        f"{str(action.get('action_id', ''))[:255]}"
    )
