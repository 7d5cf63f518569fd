"""Slack's side of the conversation: realistic payloads, signed and sent to the bot over HTTP.

:class:`SlackClientSimulator` plays what Slack's servers do when people use the app: it builds
slash commands, button clicks, view submissions, events and shortcuts shaped like Slack's own,
signs them with the signing secret (``v0:{timestamp}:{body}``, HMAC-SHA256, checked by
``slack_sdk.signature.SignatureVerifier``) and POSTs them to the app. With a
:class:`~bot.testing.fake_slack.FakeSlack` it takes trigger ids and response URLs from the fake,
finds buttons in the messages and views stored there, and applies the app's answer to a view
submission (close, update, push, errors) to the fake's views::

    with FakeSlack() as fake, SlackClientSimulator(
        app_url="http://127.0.0.1:3000/slack/events", signing_secret="s3cret", fake=fake
    ) as slack:
        slack.slash_command("/escalate", text="client-request acme", user="U01TECH1",
                            channel="C01DESK")
        [opened] = fake.wait_for("views.open")
        slack.submit_view(opened.response["view"]["id"], user="U01TECH1",
                          values={"summary": "Printer down", "severity": "P2"})

Every sending method returns the ``httpx.Response`` the app gave.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from datetime import time as clock_time
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.testing.fake_slack import FakeSlack

__all__ = [
    "STATE_KEYS",
    "SlackClientSimulator",
    "build_state_values",
    "rich_text_blocks",
    "sign_request",
    "signed_headers",
    "state_entry",
]

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


def sign_request(signing_secret: str, body: bytes | str, timestamp: int | str) -> str:
    """Slack's request signature: ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(
    signing_secret: str, body: bytes | str, timestamp: int | str | None = None
) -> dict[str, str]:
    """``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` for ``body`` (now by default)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign_request(signing_secret, body, stamp),
    }


# ---------------------------------------------------------------------------------------------
# Block Kit state, as the Slack client fills it in


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


# ---------------------------------------------------------------------------------------------
# The simulator


def _now_ts() -> str:
    return f"{time.time():.6f}"


class SlackClientSimulator:
    """Sends Slack's requests to the app at ``app_url``, signed with ``signing_secret``.

    ``fake`` (a started :class:`FakeSlack`) supplies trigger ids, response URLs, the stored
    messages and views that clicks and submissions start from, and the team, app and bot ids.
    """

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: FakeSlack | None = None,
        *,
        team_id: str | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        verification_token: str = "fake-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or (fake.team_id if fake else "T0LANE")
        self.team_domain = team_domain or (fake.team_domain if fake else "msp")
        self.api_app_id = api_app_id or (fake.app_id if fake else "A0LANE")
        self.verification_token = verification_token
        self.last_payload: JsonDict | None = None
        self._client = httpx.Client(timeout=timeout)
        self._events = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SlackClientSimulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending ------------------------------------------------------------------------------

    def raw(
        self,
        body: bytes | str,
        headers: Mapping[str, str] | None = None,
        *,
        sign: bool = True,
        timestamp: int | str | None = None,
    ) -> httpx.Response:
        """POST ``body`` as given; signed unless ``sign=False`` (``timestamp`` for stale ones)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        sent = {"User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)", **(headers or {})}
        if sign:
            sent.update(signed_headers(self.signing_secret, data, timestamp))
        return self._client.post(self.app_url, content=data, headers=sent)

    def _send_form(self, fields: Mapping[str, str]) -> httpx.Response:
        body = urlencode(fields)
        return self.raw(body, {"Content-Type": "application/x-www-form-urlencoded"})

    def send_interaction(self, payload: JsonDict) -> httpx.Response:
        """POST an interactivity ``payload`` (``payload=<json>``, form-encoded) as Slack does;
        sending a built payload twice replays one delivery."""
        self.last_payload = payload
        return self._send_form({"payload": json.dumps(payload)})

    def _send_json(
        self, payload: JsonDict, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        self.last_payload = payload
        return self.raw(
            json.dumps(payload), {"Content-Type": "application/json", **(headers or {})}
        )

    # -- helpers ------------------------------------------------------------------------------

    def _need_fake(self) -> FakeSlack:
        if self.fake is None:
            raise RuntimeError("this request needs a FakeSlack: pass fake=... to the simulator")
        return self.fake

    def _user_name(self, user: str) -> str:
        found = self.fake.user(user) if self.fake else None
        return str(found["name"]) if found else user.lower()

    def _user_ref(self, user: str) -> JsonDict:
        name = self._user_name(user)
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> JsonDict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _channel_id(self, channel: str) -> str:
        found = self.fake.channel(channel) if self.fake else None
        return str(found["id"]) if found else channel

    def _channel_name(self, channel: str) -> str:
        found = self.fake.channel(channel) if self.fake else None
        if found is None:
            return "directmessage" if channel.startswith("D") else channel.lower()
        if found.get("is_im"):
            return "directmessage"
        if found.get("is_private"):
            return "privategroup"
        return str(found["name"])

    def _channel_type(self, channel_id: str) -> str:
        found = self.fake.channel(channel_id) if self.fake else None
        if channel_id.startswith("D") or (found and found.get("is_im")):
            return "im"
        if found and found.get("is_private"):
            return "group"
        return "channel"

    def _trigger_id(self, *, user: str, view_id: str | None = None) -> str:
        if self.fake is None:
            return f"{int(time.time())}.{uuid.uuid4().int % 10**10}.{uuid.uuid4().hex[:24]}"
        return self.fake.new_trigger_id(user=user, view_id=view_id)

    def _response_url(self, **context: Any) -> str:
        if self.fake is None:
            return f"https://hooks.slack.com/actions/{self.team_id}/1/{uuid.uuid4().hex[:24]}"
        return self.fake.new_response_url(**context)

    def _interaction_base(self, kind: str, user: str) -> JsonDict:
        return {
            "type": kind,
            "user": self._user_ref(user),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # -- slash commands, shortcuts ------------------------------------------------------------

    def slash_command(
        self, command: str, text: str = "", *, user: str, channel: str
    ) -> httpx.Response:
        """``/command text`` typed by ``user`` in ``channel`` (form-encoded, like Slack)."""
        channel_id = self._channel_id(channel)
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user,
            "user_name": self._user_name(user),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(channel=channel_id, user=user),
            "trigger_id": self._trigger_id(user=user),
        }
        self.last_payload = dict(fields)
        return self._send_form(fields)

    def message_shortcut(
        self, callback_id: str, channel: str, message_ts: str, user: str
    ) -> httpx.Response:
        """A message shortcut (``type: message_action``) on a message stored in the fake."""
        fake = self._need_fake()
        channel_id = self._channel_id(channel)
        message = fake.message(channel_id, message_ts)
        if message is None:
            raise LookupError(f"no message {message_ts} in {channel_id} in the fake")
        payload = self._interaction_base("message_action", user)
        payload.update(
            {
                "action_ts": _now_ts(),
                "callback_id": callback_id,
                "trigger_id": self._trigger_id(user=user),
                "response_url": self._response_url(channel=channel_id, user=user),
                "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
                "message_ts": message_ts,
                "message": message,
            }
        )
        return self.send_interaction(payload)

    def shortcut(self, callback_id: str, *, user: str) -> httpx.Response:
        """A global shortcut (``type: shortcut``)."""
        payload = self._interaction_base("shortcut", user)
        payload.update(
            {
                "action_ts": _now_ts(),
                "callback_id": callback_id,
                "trigger_id": self._trigger_id(user=user),
            }
        )
        return self.send_interaction(payload)

    # -- block actions ------------------------------------------------------------------------

    def _surface(self, target: Any) -> JsonDict:
        """Resolve what was clicked into ``{"kind", "channel", "message"|"view"}``, fresh."""
        fake = self._need_fake()
        if isinstance(target, tuple):
            channel, ts = target
            message = fake.message(channel, ts)
            if message is None:
                raise LookupError(f"no message {ts} in {channel} in the fake")
            return {"kind": "message", "channel": self._channel_id(channel), "message": message}
        if isinstance(target, str):
            if target.startswith("V"):
                view = fake.view(target)
                if view is None:
                    raise LookupError(f"no open view {target} in the fake")
                return {"kind": "view", "view": view}
            found = fake.find_message(target)
            if found is None:
                raise LookupError(f"no message with ts {target} in the fake")
            return {"kind": "message", "channel": found[0], "message": found[1]}
        if not isinstance(target, Mapping):
            raise TypeError(f"cannot click on {type(target).__name__}")
        if target.get("is_ephemeral"):
            channel = str(target["channel"])
            for ephemeral in fake.ephemerals(channel):
                if ephemeral["ts"] == target["ts"]:
                    return {"kind": "ephemeral", "channel": channel, "message": ephemeral}
            raise LookupError(f"ephemeral {target['ts']} is gone from the fake")
        if target.get("type") in ("modal", "home") and "id" in target:
            return self._surface(str(target["id"]))
        if "ts" in target:
            if target.get("channel"):
                current = self._surface((str(target["channel"]), str(target["ts"])))
            else:
                current = self._surface(str(target["ts"]))
            if "blocks" in target:  # a message as the person sees it, perhaps not updated yet
                current["message"] = copy.deepcopy(
                    {k: v for k, v in target.items() if k != "channel"}
                )
            return current
        raise TypeError("click on a stored message, an ephemeral, a view or a view id")

    @staticmethod
    def _find_element(
        blocks: Iterable[Mapping[str, Any]], action_id: str, value: str | None
    ) -> tuple[str, JsonDict]:
        candidates: list[tuple[str, JsonDict]] = []
        seen: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "actions":
                elements = list(block.get("elements") or [])
            elif kind == "section" and block.get("accessory"):
                elements = [block["accessory"]]
            elif kind == "input" and block.get("element"):
                elements = [block["element"]]
            else:
                continue
            for element in elements:
                if not isinstance(element, Mapping) or "action_id" not in element:
                    continue
                seen.append(str(element["action_id"]))
                if element["action_id"] == action_id:
                    candidates.append((str(block["block_id"]), dict(element)))
        if not candidates:
            raise LookupError(f"no element with action_id {action_id!r}; there are {seen}")
        if value is not None:
            for block_id, element in candidates:
                if element.get("type") == "button" and element.get("value") == value:
                    return block_id, element
        return candidates[0]

    @staticmethod
    def _action(block_id: str, element: Mapping[str, Any], value: Any) -> JsonDict:
        kind = str(element.get("type"))
        action: JsonDict = {"type": kind, "action_id": element["action_id"], "block_id": block_id}
        if kind == "button":
            action["text"] = copy.deepcopy(element.get("text"))
            if value is not None:
                action["value"] = str(value)
            elif "value" in element:
                action["value"] = element["value"]
            if "style" in element:
                action["style"] = element["style"]
        elif kind == "overflow":
            action["selected_option"] = _pick_option(element, value, strict=True)
        elif kind in STATE_KEYS:
            entry = state_entry(element, value, strict=True)
            entry.pop("type")
            action.update(entry)
            if "placeholder" in element:
                action["placeholder"] = copy.deepcopy(element["placeholder"])
        action["action_ts"] = _now_ts()
        return action

    def click(
        self,
        target: Any,
        action_id: str,
        *,
        user: str,
        value: Any = None,
        values: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """``block_actions`` for the element ``action_id`` in a message, ephemeral or view.

        ``target`` is a message stored in the fake (as returned by ``fake.messages``), a
        ``chat.postMessage`` response, ``{"channel", "ts"}``, ``(channel, ts)``, a ts, an
        ephemeral from ``fake.ephemerals``, a view or a view id. A message given with its
        ``blocks`` is clicked as given, as a person whose client has not refreshed yet would (so
        clicking one snapshot twice is a double click); the other forms read the message as it
        is now in the fake. ``value`` picks the button carrying that value when several share
        ``action_id`` (a value no button carries is sent as a forged value on the first one), or
        is the choice for a select / overflow / picker. ``values`` fills other inputs first (see
        :func:`build_state_values`).
        """
        payload = self.build_click(target, action_id, user=user, value=value, values=values)
        return self.send_interaction(payload)

    def build_click(
        self,
        target: Any,
        action_id: str,
        *,
        user: str,
        value: Any = None,
        values: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """The ``block_actions`` payload :meth:`click` sends, to send (or replay) yourself."""
        surface = self._surface(target)
        payload = self._interaction_base("block_actions", user)
        if surface["kind"] == "view":
            view: JsonDict = surface["view"]
            block_id, element = self._find_element(view["blocks"], action_id, value)
            view["state"] = {"values": build_state_values(view["blocks"], values, strict=False)}
            payload.update(
                {
                    "container": {"type": "view", "view_id": view["id"]},
                    "trigger_id": self._trigger_id(user=user, view_id=view["id"]),
                    "view": view,
                }
            )
        else:
            message: JsonDict = surface["message"]
            channel: str = surface["channel"]
            blocks = message.get("blocks") or []
            block_id, element = self._find_element(blocks, action_id, value)
            ephemeral = surface["kind"] == "ephemeral"
            container: JsonDict = {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            if message.get("thread_ts"):
                container["thread_ts"] = message["thread_ts"]
            payload.update(
                {
                    "container": container,
                    "trigger_id": self._trigger_id(user=user),
                    "channel": {"id": channel, "name": self._channel_name(channel)},
                    "state": {"values": build_state_values(blocks, values, strict=False)},
                    "response_url": self._response_url(
                        channel=channel, message_ts=message["ts"], user=user, ephemeral=ephemeral
                    ),
                }
            )
            if not ephemeral:  # Slack leaves the message out for ephemeral sources
                payload["message"] = message
        payload["actions"] = [self._action(block_id, element, value)]
        return payload

    # -- views --------------------------------------------------------------------------------

    def _known_view(
        self, view_id: str, user: str | None, *, include_closed: bool = False
    ) -> tuple[JsonDict, str]:
        fake = self._need_fake()
        view = fake.view(view_id, include_closed=include_closed)
        if view is None:
            raise LookupError(f"no open view {view_id} in the fake")
        who = user or fake.view_user(view_id)
        if who is None:
            raise ValueError(f"say which user acts on view {view_id}")
        return view, who

    def submit_view(
        self,
        view_id: str,
        *,
        user: str | None = None,
        values: Mapping[str, Any] | None = None,
        strict: bool = True,
    ) -> httpx.Response:
        """``view_submission`` of a modal stored in the fake, filled with ``values``.

        ``values`` maps block_id (or action_id) to what was entered (see
        :func:`build_state_values`). The app's answer is then applied to the fake: no
        ``response_action`` closes the view, ``clear`` the stack, ``update`` / ``push`` change
        it, ``errors`` keeps it open. Submitting a view already closed sends a duplicate
        delivery (as a double-click or a slow ack can) and changes nothing in the fake.
        """
        fake = self._need_fake()
        payload = self.build_view_submission(view_id, user=user, values=values, strict=strict)
        response = self.send_interaction(payload)
        if response.status_code == 200:
            answer: JsonDict | None = None
            if response.content.strip():
                try:
                    parsed = response.json()
                except ValueError:
                    parsed = None
                answer = parsed if isinstance(parsed, dict) else None
            fake.apply_view_response(view_id, answer)
        return response

    def build_view_submission(
        self,
        view_id: str,
        *,
        user: str | None = None,
        values: Mapping[str, Any] | None = None,
        strict: bool = True,
    ) -> JsonDict:
        """The ``view_submission`` payload :meth:`submit_view` sends."""
        view, who = self._known_view(view_id, user, include_closed=True)
        view["state"] = {"values": build_state_values(view["blocks"], values, strict=strict)}
        payload = self._interaction_base("view_submission", who)
        payload.update(
            {
                "trigger_id": self._trigger_id(user=who, view_id=view_id),
                "view": view,
                "response_urls": [],
            }
        )
        return payload

    def close_view(
        self, view_id: str, *, user: str | None = None, is_cleared: bool = False
    ) -> httpx.Response:
        """The person closes a modal: the fake drops it and ``view_closed`` is sent.

        (Slack sends ``view_closed`` only for views opened with ``notify_on_close``; this sends
        it regardless.)
        """
        fake = self._need_fake()
        view, who = self._known_view(view_id, user)
        fake.close_view(view_id, clear=is_cleared)
        payload = self._interaction_base("view_closed", who)
        payload.update({"view": view, "is_cleared": is_cleared})
        return self.send_interaction(payload)

    # -- events -------------------------------------------------------------------------------

    def url_verification(self, challenge: str = "fake-challenge") -> httpx.Response:
        return self._send_json(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        )

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """An Events API ``event_callback`` wrapping ``event``.

        ``retry_num`` makes it a redelivery (``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``);
        pass the first delivery's ``event_id`` with it.
        """
        self._events += 1
        body_event = dict(event)
        body_event.setdefault("event_ts", body_event.get("ts") or _now_ts())
        bot_user = self.fake.bot_user_id if self.fake else "UBOTLANE"
        payload: JsonDict = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": body_event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:9].upper()}{self._events:03d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": bot_user,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send_json(payload, headers)

    def message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        *,
        event_id: str | None = None,
    ) -> tuple[httpx.Response, str]:
        """``user`` types ``text`` in ``channel``: stored in the fake, then the message event.

        Returns the app's response and the message ts.
        """
        blocks = rich_text_blocks(text)
        channel_id = self._channel_id(channel)
        event: JsonDict = {
            "type": "message",
            "channel": channel_id,
            "user": user,
            "text": text,
            "client_msg_id": str(uuid.uuid4()),
            "team": self.team_id,
            "blocks": blocks,
        }
        if self.fake is not None:
            stored = self.fake.add_message(
                channel_id, user=user, text=text, thread_ts=thread_ts, blocks=blocks
            )
            event["ts"] = stored["ts"]
            if stored.get("thread_ts"):
                event["thread_ts"] = stored["thread_ts"]
                event["parent_user_id"] = stored.get("parent_user_id")
        else:
            event["ts"] = _now_ts()
            if thread_ts:
                event["thread_ts"] = thread_ts
        event["event_ts"] = event["ts"]
        event["channel_type"] = self._channel_type(channel_id)
        return self.event(event, event_id=event_id), str(event["ts"])

    def app_home_opened(self, user: str, *, tab: str = "home") -> httpx.Response:
        """``user`` opens the app's Home tab (with the published view, if any)."""
        event: JsonDict = {"type": "app_home_opened", "user": user, "tab": tab}
        if self.fake is not None:
            event["channel"] = self.fake.im_channel(user)
            home = self.fake.home(user)
            if home is not None:
                event["view"] = home
        else:
            event["channel"] = f"D{user[1:]}"
        event["event_ts"] = _now_ts()
        return self.event(event)
