"""What Slack's client puts into payloads: Block Kit ``state.values`` as it fills them in (checked
the way the client checks what people enter) and the ``rich_text`` block of a typed message."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

JsonDict = dict[str, Any]

#: The key under which each element type reports its value in ``state.values``.
STATE_KEYS: Mapping[str, str] = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "checkboxes": "selected_options",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "rich_text_input": "rich_text_value",
    "file_input": "files",
}
_INITIAL_KEYS: Mapping[str, str] = {
    "value": "initial_value",
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
    "rich_text_value": "initial_value",
}
_LIST_KEYS = frozenset(
    {
        "selected_options",
        "selected_users",
        "selected_conversations",
        "selected_channels",
        "files",
    }
)
_OPTION_KEYS = frozenset({"selected_option", "selected_options"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_MISSING = object()


def _options_of(element: Mapping[str, Any]) -> list[JsonDict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _pick_option(element: Mapping[str, Any], value: Any, *, strict: bool) -> JsonDict:
    if isinstance(value, Mapping):
        return dict(value)
    for option in _options_of(element):
        if option.get("value") == str(value):
            return copy.deepcopy(option)
    if element.get("type", "").endswith("external_select") or not strict:
        return {
            "text": {"type": "plain_text", "text": str(value), "emoji": True},
            "value": str(value),
        }
    offered = [o.get("value") for o in _options_of(element)]
    raise ValueError(
        f"{element.get('action_id')!r} offers no option {value!r} (options: {offered})"
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    return list(value)


def _text_value(element: Mapping[str, Any], value: Any, *, strict: bool) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    kind = element.get("type")
    if strict:
        most = element.get("max_length")
        least = element.get("min_length")
        if isinstance(most, int) and len(text) > most:
            raise ValueError(f"{element.get('action_id')!r} takes at most {most} characters")
        if isinstance(least, int) and len(text) < least:
            raise ValueError(f"{element.get('action_id')!r} needs at least {least} characters")
        if kind == "number_input":
            try:
                number = float(text)
            except ValueError as exc:
                raise ValueError(f"{element.get('action_id')!r} takes a number") from exc
            if not element.get("is_decimal_allowed") and not number.is_integer():
                raise ValueError(f"{element.get('action_id')!r} takes a whole number")
    return text


def _scalar_value(key: str, element: Mapping[str, Any], value: Any, *, strict: bool) -> Any:
    if value is None or value == "":
        return None
    if key == "selected_date":
        text = value.isoformat() if isinstance(value, date) else str(value)
        if strict and not _DATE_RE.match(text):
            raise ValueError(f"{element.get('action_id')!r} takes a date YYYY-MM-DD")
        return text
    if key == "selected_time":
        text = value.strftime("%H:%M") if isinstance(value, clock_time) else str(value)
        if strict and not _TIME_RE.match(text):
            raise ValueError(f"{element.get('action_id')!r} takes a time HH:MM")
        return text
    if key == "selected_date_time":
        return int(value.timestamp()) if isinstance(value, datetime) else int(value)
    if key == "rich_text_value":
        return value if isinstance(value, Mapping) else rich_text_blocks(str(value))[0]
    return str(value)


def state_entry(element: Mapping[str, Any], value: Any, *, strict: bool = True) -> JsonDict:
    """One ``state.values[block_id][action_id]`` entry for ``element`` holding ``value``."""
    kind = str(element.get("type"))
    key = STATE_KEYS.get(kind)
    if key is None:
        raise ValueError(f"element type {kind!r} holds no state")
    entry: JsonDict = {"type": kind}
    if key == "value":
        entry[key] = _text_value(element, value, strict=strict)
    elif key == "selected_option":
        entry[key] = None if value in (None, "") else _pick_option(element, value, strict=strict)
    elif key == "selected_options":
        entry[key] = [_pick_option(element, v, strict=strict) for v in _as_list(value)]
    elif key in _LIST_KEYS:
        entry[key] = [v if isinstance(v, Mapping) else str(v) for v in _as_list(value)]
    else:
        entry[key] = _scalar_value(key, element, value, strict=strict)
    if kind == "timepicker" and element.get("timezone"):
        entry["timezone"] = element["timezone"]
    return entry


def _initial_entry(element: Mapping[str, Any]) -> JsonDict | None:
    """The entry for an element nobody touched: its initial value, or None when it has none."""
    key = STATE_KEYS[str(element.get("type"))]
    initial = element.get(_INITIAL_KEYS.get(key, ""))
    if initial is None:
        return None
    if key in _OPTION_KEYS:
        return {"type": element["type"], key: copy.deepcopy(initial)}
    return state_entry(element, initial, strict=False)


def _is_empty(entry: Mapping[str, Any]) -> bool:
    key = STATE_KEYS[str(entry["type"])]
    return entry.get(key) in (None, "", [])


def _stateful_elements(block: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    kind = block.get("type")
    if kind == "input":
        elements = [block.get("element")]
    elif kind == "actions":
        elements = list(block.get("elements") or [])
    elif kind == "section":
        elements = [block.get("accessory")]
    else:
        return []
    return [el for el in elements if isinstance(el, Mapping) and el.get("type") in STATE_KEYS]


def build_state_values(
    blocks: Iterable[Mapping[str, Any]],
    values: Mapping[str, Any] | None = None,
    *,
    strict: bool = True,
) -> dict[str, dict[str, JsonDict]]:
    """``state.values`` as Slack's client reports it for ``blocks`` filled with ``values``.

    ``values`` maps a block_id (or an action_id) to what the person entered: text, an option
    value for selects and radio buttons, a list of option values for checkboxes and
    multi-selects, user / conversation / channel ids, ``YYYY-MM-DD`` dates, ``HH:MM`` times,
    epoch seconds for date-times. Every input block appears; an input left alone reports its
    initial value or ``null`` (``[]`` for the list-valued kinds). Other stateful elements appear
    once they hold a value. With ``strict`` (the default) what Slack's client would not let
    anyone submit raises: an unknown key, an option not offered, text outside ``min_length`` /
    ``max_length``, a required input left out of ``values`` with no initial value. To send what
    the client would refuse on purpose (testing the app's own checks), give the required input
    an explicit empty value (``""``, ``None``, ``[]``) or pass ``strict=False``.
    """
    remaining = dict(values or {})
    state: dict[str, dict[str, JsonDict]] = {}
    for block in blocks:
        block_id = str(block.get("block_id"))
        for element in _stateful_elements(block):
            action_id = str(element.get("action_id"))
            given: Any = _MISSING
            for key in (block_id, action_id):
                if key in remaining:
                    given = remaining.pop(key)
                    break
            if given is _MISSING:
                entry = _initial_entry(element)
                if entry is None:
                    if block.get("type") != "input":
                        continue
                    entry = state_entry(element, None, strict=False)
            else:
                entry = state_entry(element, given, strict=strict)
            required = block.get("type") == "input" and not block.get("optional", False)
            if strict and required and given is _MISSING and _is_empty(entry):
                raise ValueError(
                    f"required input {block_id!r} left empty: Slack's client would not submit "
                    "it (give it an explicit empty value to send it anyway)"
                )
            state.setdefault(block_id, {})[action_id] = entry
    if strict and remaining:
        raise KeyError(f"no input with block_id or action_id {sorted(remaining)}")
    return state


_TOKEN_RE = re.compile(r"<([^<>]+)>")


def rich_text_blocks(text: str) -> list[JsonDict]:
    """The ``rich_text`` block Slack's client attaches to a typed message."""
    elements: list[JsonDict] = []
    position = 0
    for match in _TOKEN_RE.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        inner, _, label = match.group(1).partition("|")
        if inner.startswith("@"):
            elements.append({"type": "user", "user_id": inner[1:]})
        elif inner.startswith("#"):
            elements.append({"type": "channel", "channel_id": inner[1:]})
        elif inner.startswith("!subteam^"):
            elements.append({"type": "usergroup", "usergroup_id": inner[len("!subteam^") :]})
        elif inner.startswith("!"):
            elements.append({"type": "broadcast", "range": inner[1:]})
        else:
            link: JsonDict = {"type": "link", "url": inner}
            if label:
                link["text"] = label
            elements.append(link)
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section", "elements": elements}],
        }
    ]
