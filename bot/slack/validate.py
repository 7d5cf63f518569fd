"""Every value the server receives from Slack, validated as if the client were hostile.

One module for every listener and for the HTTP front (``bot.web.slack_endpoint``): ids by
Slack's id shapes, links by scheme, text cleaned of what no database stores (NUL bytes, lone
surrogates) and capped by the same limits the modals declare, whatever a forged request says.
What fails here is either refused before Bolt sees it (a 400 from the front, for shapes no Slack
client sends) or refused with a clear message (a modal error, an ephemeral line): never the
generic "Something went wrong".
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..domain.errors import InvalidInput
from ..domain.escalation import MAX_CLIENT, MAX_DETAILS, MAX_NOTE, MAX_SUMMARY, MAX_TICKET

# Slack's id shapes: a type letter, then upper-case letters and digits.
USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,31}")
CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,31}")
VIEW_ID = re.compile(r"V[A-Z0-9]{2,31}")
MESSAGE_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")
# Printable ASCII without spaces: what Slack's trigger ids, action ids and callback ids are.
_TOKEN = re.compile(r"[\x21-\x7e]{1,255}")
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
MAX_URL = 2000
MAX_COMMAND_TEXT = 3000
MAX_JSON_DEPTH = 64  # Slack's deepest payloads (view state, rich text) nest about 15 levels

# What each modal's inputs allow (``max_length``), by (callback_id, block_id): the server holds
# a submission to them whatever the submitted view claims.
FIELD_CAPS: dict[tuple[str, str], int] = {
    ("escalate", "client"): MAX_CLIENT,
    ("escalate", "summary"): MAX_SUMMARY,
    ("escalate", "details"): MAX_DETAILS,
    ("escalate", "psa_ticket"): MAX_TICKET,
    ("resolve", "note"): MAX_NOTE,
    ("reject", "reason"): 1000,
}
DEFAULT_TEXT_CAP = 3000  # Slack's own plain_text_input maximum


def clean(text: str) -> str:
    """``text`` without NUL bytes (PostgreSQL refuses them) and lone surrogates (no database
    stores them; a JSON ``"\\ud800"`` decodes to one); everything else is kept."""
    return _BAD_CHARS.sub("", text) if _BAD_CHARS.search(text) else text


def text(value: Any, *, field: str, limit: int, label: str = "This field") -> str:
    """A typed value: a string (anything else counts as empty), cleaned, at most ``limit``
    characters or refused for ``field`` (a modal error under that block id)."""
    if not isinstance(value, str):
        return ""
    value = clean(value)
    if len(value) > limit:
        raise InvalidInput(
            f"{label} is {len(value)} characters; keep it under {limit}.",
            fields={field: f"Keep it under {limit} characters ({len(value)} now)."},
        )
    return value


def field_cap(callback_id: Any, block_id: str) -> int:
    return FIELD_CAPS.get((str(callback_id or ""), block_id), DEFAULT_TEXT_CAP)


def _matches(pattern: re.Pattern[str], value: Any) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def user_id(value: Any) -> str | None:
    """``value`` when it is shaped like a Slack user id (``U…`` / ``W…``), else None."""
    return _matches(USER_ID, value)


def channel_id(value: Any) -> str | None:
    return _matches(CHANNEL_ID, value)


def team_id(value: Any) -> str | None:
    return _matches(TEAM_ID, value)


def message_ts(value: Any) -> str | None:
    return _matches(MESSAGE_TS, value)


def link(value: Any) -> str | None:
    """``value`` when it is an http(s) URL that can sit inside ``<url|label>`` as is."""
    if not isinstance(value, str) or len(value) > MAX_URL:
        return None
    if not value.lower().startswith(("https://", "http://")):
        return None  # javascript:, data:, slack:// … are never stored or shown
    if any(c in value for c in "<>|\"' \t\r\n\x00") or _BAD_CHARS.search(value):
        return None
    return value


def number(value: Any) -> int | None:
    """A positive integer given as digits (a button's value, a metadata number), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**12 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value) or None
    return None


_META_CHECKS: dict[str, Any] = {
    "source": lambda v: v if isinstance(v, str) and len(v) <= 40 else None,
    "source_channel": channel_id,
    "channel": channel_id,
    "source_ts": message_ts,
    "requester": user_id,
    "interception": number,
    "n": number,
    "permalink": link,
}


def metadata(view: Any) -> dict[str, Any]:
    """A view's ``private_metadata``: only the keys the app writes, each valid for its kind
    (a forged ``javascript:`` permalink or ``U1><!channel`` requester is dropped)."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if not isinstance(raw, str) or len(raw) > 3000:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    out: dict[str, Any] = {}
    for key, check in _META_CHECKS.items():
        if key in data:
            value = check(data[key])
            if value is not None:
                out[key] = value
    return out


# ---------------------------------------------------------------------------- the HTTP front


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON ``text`` nests deeper than ``limit`` (checked before ``json.loads``, whose
    recursion a 50,000-deep array would exhaust). Brackets inside strings are skipped."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _ids_problem(payload: dict[str, Any]) -> str | None:
    user = payload.get("user")
    if not isinstance(user, dict) or user_id(user.get("id")) is None:
        return "payload has no valid user"
    team = payload.get("team")
    if team is not None and not (isinstance(team, dict) and team_id(team.get("id"))):
        return "payload has an invalid team"
    channel = payload.get("channel")
    if channel is not None and not (isinstance(channel, dict) and channel_id(channel.get("id"))):
        return "payload has an invalid channel"
    trigger = payload.get("trigger_id")
    if trigger is not None and _matches(_TOKEN, trigger) is None:
        return "payload has an invalid trigger_id"
    return None


def _view_problem(view: Any) -> str | None:
    if not isinstance(view, dict):
        return "view is not an object"
    if _matches(_TOKEN, view.get("callback_id")) is None:
        return "view has no callback_id"
    if _matches(VIEW_ID, view.get("id")) is None:
        return "view has no valid id"
    state = view.get("state", {})
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return "view state is not an object"
    for block in values.values():
        if not isinstance(block, dict) or not all(isinstance(el, dict) for el in block.values()):
            return "view state values are not objects"
    if not isinstance(view.get("private_metadata", ""), str):
        return "view private_metadata is not a string"
    return None


def interaction_problem(payload: Any) -> str | None:
    """Why an interactivity payload can never be handled, or None when its shape is Slack's."""
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "payload has no type"
    kind = payload["type"]
    if kind == "view_closed":
        return _view_problem(payload.get("view"))
    problem = _ids_problem(payload)
    if problem:
        return problem
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        for action in actions:
            if not isinstance(action, dict) or _matches(_TOKEN, action.get("action_id")) is None:
                return "an action has no action_id"
            if not isinstance(action.get("value", ""), str):
                return "an action value is not a string"
        if "view" in payload and payload["view"] is not None:
            return _view_problem_loose(payload["view"])
        return None
    if kind == "view_submission":
        return _view_problem(payload.get("view"))
    if kind in ("shortcut", "message_action"):
        if _matches(_TOKEN, payload.get("callback_id")) is None:
            return f"{kind} without a callback_id"
        if kind == "message_action" and not isinstance(payload.get("message"), dict):
            return "message_action without a message"
        return None
    return None


def _view_problem_loose(view: Any) -> str | None:
    """A view a click came from (a modal or the App Home): an object, its state objects."""
    if not isinstance(view, dict):
        return "view is not an object"
    state = view.get("state", {})
    if state is not None and not isinstance(state, dict):
        return "view state is not an object"
    return None


def command_problem(form: dict[str, list[str]]) -> str | None:
    """Why a slash command's form can never be handled, or None."""
    command = form.get("command", [""])[0]
    if not command.startswith("/") or len(command) > 64:
        return "command is not a slash command"
    if user_id(form.get("user_id", [""])[0]) is None:
        return "command without a valid user"
    team = form.get("team_id", [None])[0]
    if team is not None and team_id(team) is None:
        return "command with an invalid team"
    channel = form.get("channel_id", [None])[0]
    if channel is not None and channel_id(channel) is None:
        return "command with an invalid channel"
    return None


def event_problem(data: dict[str, Any]) -> str | None:
    """Why a JSON body (Events API) can never be handled, or None."""
    if data["type"] != "event_callback":
        return None
    event = data.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event_callback without an event"
    team = data.get("team_id")
    if team is not None and team_id(team) is None:
        return "event with an invalid team"
    authorizations = data.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "event authorizations are not a list of objects"
    for key, check in (("user", user_id), ("channel", channel_id)):
        value = event.get(key)
        if value is not None and not isinstance(value, str | dict):
            return f"event {key} is not a string"
        if isinstance(value, str) and check(value) is None:
            return f"event has an invalid {key}"
    for key in ("text", "ts", "thread_ts", "subtype", "bot_id", "channel_type"):
        if event.get(key) is not None and not isinstance(event.get(key), str):
            return f"event {key} is not a string"
    if event["type"] == "message":
        # A message always names its sender by id (a user object belongs to user_change and
        # team_join) and carries a ts of Slack's shape; thread_ts is a ts too.
        if isinstance(event.get("user"), dict):
            return "message event user is not an id"
        if message_ts(event.get("ts")) is None:
            return "message event without a valid ts"
        if event.get("thread_ts") is not None and message_ts(event["thread_ts"]) is None:
            return "message event with an invalid thread_ts"
    return None
