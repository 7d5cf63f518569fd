"""A fake Slack Web API: a real HTTP server on a free loopback port.

Point the real ``slack_sdk.WebClient`` (or Bolt) at it through ``base_url`` and read back what
Slack would have received::

    from slack_sdk import WebClient
    from bot.testing import FakeSlack

    with FakeSlack(bot_token="xoxb-test", team_id="T0LANE") as fake:
        fake.add_user("U01TECH1", name="tina", real_name="Tina Tech", tz="America/Chicago")
        fake.add_channel("C01DESK", name="desk", members=["U01TECH1"])
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C01DESK", text="hello")
        [call] = fake.wait_for("chat.postMessage")
        assert fake.messages("C01DESK")[-1]["text"] == "hello"

Only the standard library is used. Run ``python -m bot.testing.fake_slack --port 0`` to serve
one by hand.

What it refuses, the way Slack does (HTTP 200 with ``{"ok": false, "error": ...}``):

- ``unknown_method`` for a method not in Slack's method table (``slack_methods.json``);
  ``not_authed`` / ``invalid_auth`` for a missing / unknown token; ``invalid_arguments`` for a
  missing required argument; ``invalid_arg_name`` for an argument the table does not list
  (slack_sdk's few extras are allow-listed one by one in ``EXTRA_ARGS``).
- ``invalid_blocks`` for messages and ``invalid_arguments`` for views whose Block Kit breaks
  Slack's limits, each with ``response_metadata.messages`` naming the problem and its JSON
  pointer; ``msg_blocks_too_long`` past ~13k characters of blocks; ``no_text``.
- State errors: ``channel_not_found``, ``not_in_channel``, ``is_archived``,
  ``user_not_in_channel``, ``message_not_found``, ``cant_update_message``,
  ``thread_not_found``, ``user_not_found``, ``invalid_trigger_id``, ``expired_trigger_id``
  (older than 3 s), ``exchanged_trigger_id``, ``not_found``, ``hash_conflict``,
  ``duplicate_external_id``, ``already_reacted``, ``no_such_subteam``.

Like Slack it gives every block and interactive element lacking one a generated ``block_id`` /
``action_id`` in the stored message or view. Failures are injected with :meth:`FakeSlack.fail_next`
(HTTP 500, 429 with ``Retry-After``, or an ``ok: false`` error) and :meth:`FakeSlack.set_down`
(HTTP 503 until lifted); ``latency`` seconds are added to every answer. Every call, failed or
not, is recorded whole as a :class:`RecordedCall`.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import copy
import email.parser
import email.policy
import json
import random
import re
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ACTION_ELEMENTS",
    "EXTRA_ARGS",
    "BlockKitChecker",
    "FakeSlack",
    "MethodSpec",
    "RecordedCall",
    "SlackError",
    "check_message_blocks",
    "check_view",
    "load_method_table",
]

JsonDict = dict[str, Any]

#: Arguments slack_sdk really sends that Slack's method table lacks, allow-listed one by one
#: (found by comparing slack_sdk/web/client.py with the table). ``"*"`` applies to every method.
EXTRA_ARGS: Mapping[str, frozenset[str]] = {
    # Bolt's per-request client (and WebClient(team_id=...)) adds team_id to every call.
    "*": frozenset({"team_id"}),
    "chat.postMessage": frozenset({"container_id"}),
    "chat.unfurl": frozenset({"metadata"}),
    "chat.stopStream": frozenset({"session_status"}),
    "team.info": frozenset({"include_slackbot_availability"}),
}

#: Arguments Slack takes as JSON text inside form bodies; recorded (and used) decoded.
JSON_ARGS = frozenset({"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks"})

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_BLOCKS_JSON_MAX = 13_000  # undocumented; Slack answers msg_blocks_too_long past it
MESSAGE_TEXT_MAX = 40_000
TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_MAX_USES = 5


@dataclass(frozen=True)
class MethodSpec:
    """One row of Slack's method table."""

    name: str
    args: frozenset[str]
    required: frozenset[str]
    http_method: str
    json_body: bool


@lru_cache(maxsize=1)
def load_method_table() -> dict[str, MethodSpec]:
    """Slack's Web API methods, from the packaged ``slack_methods.json`` (MIT, slack-api-ref)."""
    raw = resources.files("bot.testing").joinpath("slack_methods.json").read_text("utf-8")
    methods: dict[str, JsonDict] = json.loads(raw)["methods"]
    return {
        name: MethodSpec(
            name=name,
            args=frozenset(spec["args"]),
            required=frozenset(spec["required"]),
            http_method=spec["http_method"],
            json_body=bool(spec["json_body"]),
        )
        for name, spec in methods.items()
    }


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake answered, kept whole.

    ``args`` merges the query string and the body, with Slack's JSON-in-form arguments
    (``blocks``, ``view``, ``attachments`` ...) decoded. ``method`` is the Web API method, or
    ``"response_url"`` / ``"response_action"`` for replies through a response URL or to a view
    submission. Header names are Title-Cased (``Content-Type``, ``Authorization``).
    """

    method: str
    args: JsonDict
    headers: dict[str, str]
    http_method: str
    token: str | None
    at: float
    response: JsonDict
    status: int = 200
    path: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


class SlackError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, messages: Iterable[str] = (), **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages)
        self.extra = extra

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.code, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


# ---------------------------------------------------------------------------------------------
# Block Kit validation


_SELECTS = frozenset(
    {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
)
_MULTI_SELECTS = frozenset(f"multi_{name}" for name in _SELECTS)
_BUTTONS_AND_PICKERS = {"button", "overflow", "workflow_button", "radio_buttons", "checkboxes"}
_DATE_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
_TEXT_INPUTS = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
_INTERACTIVE = _SELECTS | _MULTI_SELECTS | _BUTTONS_AND_PICKERS | _DATE_PICKERS
_INPUT_ELEMENTS = (
    _SELECTS
    | _MULTI_SELECTS
    | _DATE_PICKERS
    | _TEXT_INPUTS
    | {"radio_buttons", "checkboxes", "rich_text_input", "file_input"}
)
_ACCESSORIES = _INTERACTIVE | {"image"}
#: Element types that carry an ``action_id`` (Slack generates one when missing).
ACTION_ELEMENTS = _INTERACTIVE | _INPUT_ELEMENTS
_BLOCK_TYPES = frozenset(
    {"section", "divider", "image", "actions", "context", "context_actions", "input", "header"}
    | {"rich_text", "video", "file", "markdown", "call", "table"}
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class BlockKitChecker:
    """Collects Block Kit problems worded like Slack's ``response_metadata.messages``."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def error(self, message: str, pointer: str) -> None:
        self.problems.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    # -- primitives ---------------------------------------------------------------------------

    def string(self, value: Any, pointer: str, *, limit: int, required: bool = False) -> None:
        if value is None:
            if required:
                self.error(f"missing required field: {pointer.rsplit('/', 1)[-1]}", pointer)
            return
        if not isinstance(value, str):
            self.error("must be a string", pointer)
        elif len(value) > limit:
            self.error(f"must be less than {limit + 1} characters", pointer)

    def text(
        self,
        obj: Any,
        pointer: str,
        *,
        limit: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.error(f"missing required field: {pointer.rsplit('/', 1)[-1]}", pointer)
            return
        if not isinstance(obj, dict):
            self.error("must be a text object", pointer)
            return
        kind = obj.get("type")
        if kind is None:
            self.error("missing required field: type", pointer)
        elif kind not in ("plain_text", "mrkdwn"):
            self.error(f"unsupported text type {kind!r} (plain_text or mrkdwn)", f"{pointer}/type")
        elif plain_only and kind != "plain_text":
            self.error("must be a plain_text text object", f"{pointer}/type")
        text = obj.get("text")
        if text is None:
            self.error("missing required field: text", pointer)
        elif not isinstance(text, str):
            self.error("must be a string", f"{pointer}/text")
        elif not text:
            self.error("must be more than 0 characters", f"{pointer}/text")
        elif len(text) > limit:
            self.error(f"must be less than {limit + 1} characters", f"{pointer}/text")

    def items(self, value: Any, pointer: str, *, max_items: int, min_items: int = 1) -> list[Any]:
        if not isinstance(value, list):
            self.error("must be an array", pointer)
            return []
        if len(value) < min_items:
            self.error(f"must provide at least {min_items} items", pointer)
        if len(value) > max_items:
            self.error(f"no more than {max_items} items allowed", pointer)
        return value

    def option(self, obj: Any, pointer: str, *, plain_only: bool) -> None:
        if not isinstance(obj, dict):
            self.error("must be an option object", pointer)
            return
        self.text(obj.get("text"), f"{pointer}/text", limit=75, plain_only=plain_only)
        self.string(obj.get("value"), f"{pointer}/value", limit=150, required=True)
        self.text(obj.get("description"), f"{pointer}/description", limit=75, required=False)
        self.string(obj.get("url"), f"{pointer}/url", limit=3000)

    def options(
        self,
        element: JsonDict,
        pointer: str,
        *,
        max_items: int,
        min_items: int = 1,
        plain_only: bool = True,
        groups_allowed: bool = False,
    ) -> list[JsonDict]:
        """Check ``options`` (or ``option_groups``) and return every option found."""
        found: list[JsonDict] = []
        if groups_allowed and "option_groups" in element:
            if "options" in element:
                self.error("provide options or option_groups, not both", pointer)
            groups = self.items(element["option_groups"], f"{pointer}/option_groups", max_items=100)
            for g, group in enumerate(groups):
                gptr = f"{pointer}/option_groups/{g}"
                if not isinstance(group, dict):
                    self.error("must be an option group", gptr)
                    continue
                self.text(group.get("label"), f"{gptr}/label", limit=75, plain_only=True)
                opts = self.items(group.get("options"), f"{gptr}/options", max_items=100)
                for i, opt in enumerate(opts):
                    self.option(opt, f"{gptr}/options/{i}", plain_only=plain_only)
                found.extend(o for o in opts if isinstance(o, dict))
            return found
        opts = self.items(
            element.get("options"), f"{pointer}/options", max_items=max_items, min_items=min_items
        )
        for i, opt in enumerate(opts):
            self.option(opt, f"{pointer}/options/{i}", plain_only=plain_only)
        return [o for o in opts if isinstance(o, dict)]

    def initial_options(
        self, element: JsonDict, pointer: str, options: list[JsonDict], *, many: bool
    ) -> None:
        values = {o.get("value") for o in options}
        key = "initial_options" if many else "initial_option"
        initial = element.get(key)
        if initial is None:
            return
        chosen = initial if many and isinstance(initial, list) else [initial]
        for i, opt in enumerate(chosen):
            ptr = f"{pointer}/{key}/{i}" if many else f"{pointer}/{key}"
            if not isinstance(opt, dict) or opt.get("value") not in values:
                self.error(f"{key} must match one of the provided options", ptr)

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.error("must be a confirmation dialog object", pointer)
            return
        self.text(obj.get("title"), f"{pointer}/title", limit=100, plain_only=True)
        self.text(obj.get("text"), f"{pointer}/text", limit=300)
        self.text(obj.get("confirm"), f"{pointer}/confirm", limit=30, plain_only=True)
        self.text(obj.get("deny"), f"{pointer}/deny", limit=30, plain_only=True)

    # -- elements -----------------------------------------------------------------------------

    def element(self, el: Any, pointer: str, *, allowed: frozenset[str]) -> None:
        if not isinstance(el, dict):
            self.error("must be an element object", pointer)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.error(f"element type {kind!r} is not allowed here", f"{pointer}/type")
            return
        if kind in ACTION_ELEMENTS:
            self.string(el.get("action_id"), f"{pointer}/action_id", limit=255)
        self.text(el.get("placeholder"), f"{pointer}/placeholder", limit=150, required=False)
        self.confirm(el.get("confirm"), f"{pointer}/confirm")
        if kind == "button":
            self.text(el.get("text"), f"{pointer}/text", limit=75, plain_only=True)
            self.string(el.get("value"), f"{pointer}/value", limit=2000)
            self.string(el.get("url"), f"{pointer}/url", limit=3000)
            self.string(el.get("accessibility_label"), f"{pointer}/accessibility_label", limit=75)
            style = el.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.error("style must be primary or danger", f"{pointer}/style")
        elif kind in ("static_select", "multi_static_select"):
            opts = self.options(el, pointer, max_items=100, groups_allowed=True)
            self.initial_options(el, pointer, opts, many=kind.startswith("multi_"))
        elif kind == "overflow":
            self.options(el, pointer, max_items=5, min_items=1)
        elif kind == "radio_buttons":
            opts = self.options(el, pointer, max_items=10, plain_only=False)
            self.initial_options(el, pointer, opts, many=False)
        elif kind == "checkboxes":
            opts = self.options(el, pointer, max_items=10, plain_only=False)
            self.initial_options(el, pointer, opts, many=True)
        elif kind == "plain_text_input":
            self._plain_text_input(el, pointer)
        elif kind == "number_input":
            if not isinstance(el.get("is_decimal_allowed"), bool):
                self.error("missing required field: is_decimal_allowed", pointer)
        elif kind == "datepicker":
            date = el.get("initial_date")
            if date is not None and not (isinstance(date, str) and _DATE_RE.match(date)):
                self.error("must be a date in the format YYYY-MM-DD", f"{pointer}/initial_date")
        elif kind == "timepicker":
            value = el.get("initial_time")
            if value is not None and not (isinstance(value, str) and _TIME_RE.match(value)):
                self.error("must be a time in the format HH:mm", f"{pointer}/initial_time")
        elif kind == "image":
            self._image(el, pointer)
        if kind in _MULTI_SELECTS:
            most = el.get("max_selected_items")
            if most is not None and (not isinstance(most, int) or most < 1):
                self.error("must be at least 1", f"{pointer}/max_selected_items")

    def _plain_text_input(self, el: JsonDict, pointer: str) -> None:
        most = el.get("max_length")
        least = el.get("min_length")
        if most is not None and (not isinstance(most, int) or not 1 <= most <= 3000):
            self.error("must be between 1 and 3000", f"{pointer}/max_length")
        if least is not None and (not isinstance(least, int) or not 0 <= least <= 3000):
            self.error("must be between 0 and 3000", f"{pointer}/min_length")
        limit = most if isinstance(most, int) and most > 0 else 3000
        self.string(el.get("initial_value"), f"{pointer}/initial_value", limit=limit)

    def _image(self, el: JsonDict, pointer: str) -> None:
        if "image_url" not in el and "slack_file" not in el:
            self.error("missing required field: image_url", pointer)
        self.string(el.get("image_url"), f"{pointer}/image_url", limit=3000)
        self.string(el.get("alt_text"), f"{pointer}/alt_text", limit=2000, required=True)

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, blocks: Any, pointer: str, *, max_blocks: int) -> None:
        if not isinstance(blocks, list):
            self.error("must be an array", pointer)
            return
        if len(blocks) > max_blocks:
            self.error(f"no more than {max_blocks} items allowed", pointer)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}", seen)

    def block(self, block: Any, pointer: str, seen_block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.error("must be a block object", pointer)
            return
        kind = block.get("type")
        if kind is None:
            self.error("missing required field: type", pointer)
            return
        if kind not in _BLOCK_TYPES:
            self.error(f"unsupported block type {kind!r}", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, f"{pointer}/block_id", limit=255)
            if isinstance(block_id, str):
                if block_id in seen_block_ids:
                    self.error(f"duplicate block_id {block_id!r}", f"{pointer}/block_id")
                seen_block_ids.add(block_id)
        check = getattr(self, f"_block_{kind}", None)
        if check is not None:
            check(block, pointer)

    def _block_section(self, block: JsonDict, pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.error("must provide text or fields", pointer)
        self.text(block.get("text"), f"{pointer}/text", limit=3000, required=False)
        if "fields" in block:
            fields = self.items(block["fields"], f"{pointer}/fields", max_items=10)
            for i, item in enumerate(fields):
                self.text(item, f"{pointer}/fields/{i}", limit=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory", allowed=_ACCESSORIES)

    def _block_header(self, block: JsonDict, pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)

    def _block_actions(self, block: JsonDict, pointer: str) -> None:
        elements = self.items(block.get("elements"), f"{pointer}/elements", max_items=25)
        action_ids: set[str] = set()
        for i, el in enumerate(elements):
            self.element(el, f"{pointer}/elements/{i}", allowed=_INTERACTIVE)
            action_id = el.get("action_id") if isinstance(el, dict) else None
            if isinstance(action_id, str):
                if action_id in action_ids:
                    self.error(
                        f"duplicate action_id {action_id!r} in one block",
                        f"{pointer}/elements/{i}/action_id",
                    )
                action_ids.add(action_id)

    def _block_context(self, block: JsonDict, pointer: str) -> None:
        elements = self.items(block.get("elements"), f"{pointer}/elements", max_items=10)
        for i, el in enumerate(elements):
            ptr = f"{pointer}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self._image(el, ptr)
            else:
                self.text(el, ptr, limit=3000)

    def _block_input(self, block: JsonDict, pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", limit=2000, plain_only=True)
        self.text(block.get("hint"), f"{pointer}/hint", limit=2000, plain_only=True, required=False)
        if "element" not in block:
            self.error("missing required field: element", pointer)
        else:
            self.element(block["element"], f"{pointer}/element", allowed=_INPUT_ELEMENTS)

    def _block_image(self, block: JsonDict, pointer: str) -> None:
        self._image(block, pointer)
        self.text(block.get("title"), f"{pointer}/title", limit=2000, required=False)

    def _block_markdown(self, block: JsonDict, pointer: str) -> None:
        self.string(block.get("text"), f"{pointer}/text", limit=12_000, required=True)

    def _block_rich_text(self, block: JsonDict, pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.error("missing required field: elements", pointer)

    # -- views --------------------------------------------------------------------------------

    def view(self, view: Any, pointer: str = "/view") -> None:
        if not isinstance(view, dict):
            self.error("must be a view object", pointer)
            return
        kind = view.get("type")
        if kind not in ("modal", "home"):
            self.error("type must be modal or home", f"{pointer}/type")
            return
        if kind == "modal":
            self.text(view.get("title"), f"{pointer}/title", limit=24, plain_only=True)
            for key in ("submit", "close"):
                self.text(
                    view.get(key), f"{pointer}/{key}", limit=24, plain_only=True, required=False
                )
            blocks = view.get("blocks")
            has_input = isinstance(blocks, list) and any(
                isinstance(b, dict) and b.get("type") == "input" for b in blocks
            )
            if has_input and "submit" not in view:
                self.error("submit is required when blocks contain an input block", pointer)
        else:
            self.text(
                view.get("title"), f"{pointer}/title", limit=24, plain_only=True, required=False
            )
        if "blocks" not in view:
            self.error("missing required field: blocks", pointer)
        else:
            self.blocks(view["blocks"], f"{pointer}/blocks", max_blocks=VIEW_BLOCKS_MAX)
        self.string(view.get("private_metadata"), f"{pointer}/private_metadata", limit=3000)
        self.string(view.get("callback_id"), f"{pointer}/callback_id", limit=255)
        self.string(view.get("external_id"), f"{pointer}/external_id", limit=255)


def check_message_blocks(blocks: Any) -> list[str]:
    """Problems Slack would report for a message's ``blocks`` (empty when fine)."""
    checker = BlockKitChecker()
    checker.blocks(blocks, "/blocks", max_blocks=MESSAGE_BLOCKS_MAX)
    return checker.problems


def check_view(view: Any) -> list[str]:
    """Problems Slack would report for a ``view`` (empty when fine)."""
    checker = BlockKitChecker()
    checker.view(view)
    return checker.problems


# ---------------------------------------------------------------------------------------------
# Fake state


@dataclass
class _Channel:
    id: str
    name: str
    members: list[str]
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    im_user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    messages: list[JsonDict] = field(default_factory=list)


@dataclass
class _Identity:
    user_id: str
    bot_id: str | None


@dataclass
class _Trigger:
    issued_at: float
    user: str | None
    view_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    channel: str | None
    message_ts: str | None
    user: str | None
    ephemeral: bool
    uses: int = 0


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


def _ts_key(ts: str) -> tuple[int, int]:
    whole, _, frac = ts.partition(".")
    return int(whole or 0), int((frac or "0").ljust(6, "0")[:6])


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _page(
    items: list[Any], args: Mapping[str, Any], *, default_limit: int = 100
) -> tuple[list[Any], JsonDict]:
    """Slice ``items`` by Slack's ``cursor`` / ``limit`` and build ``response_metadata``."""
    try:
        limit = int(args.get("limit") or default_limit)
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_limit") from exc
    limit = max(1, min(limit, 1000))
    offset = 0
    cursor = args.get("cursor")
    if cursor:
        try:
            offset = int(base64.b64decode(str(cursor)).decode().split(":", 1)[1])
        except (ValueError, IndexError) as exc:
            raise SlackError("invalid_cursor") from exc
    chunk = items[offset : offset + limit]
    more = offset + limit < len(items)
    return chunk, {"next_cursor": _encode_cursor(offset + limit) if more else ""}


class FakeSlack:
    """A stateful stand-in for Slack's Web API, served over real HTTP on loopback.

    Keyword-only options: ``bot_token``, ``team_id``, ``team_domain``, ``team_name``,
    ``bot_user_id``, ``bot_id``, ``app_id``, ``bot_name``, ``latency`` (seconds added to every
    answer), ``trigger_ttl`` (how long a trigger id lives, 3 s like Slack), ``host``, ``port``
    (0 picks a free one) and ``clock`` (a ``time.time``-like function for message timestamps).
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        team_id: str = "T0LANE",
        team_domain: str = "msp",
        team_name: str = "MSP",
        bot_user_id: str = "UBOTLANE",
        bot_id: str = "BLANE",
        app_id: str = "A0LANE",
        bot_name: str = "lanekeeper",
        latency: float = 0.0,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_name = bot_name
        self.latency = latency
        self.trigger_ttl = trigger_ttl
        self._host = host
        self._port = port
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._rng = random.Random(0)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tokens: dict[str, _Identity] = {bot_token: _Identity(bot_user_id, bot_id)}
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, JsonDict] = {}
        self._usergroups: dict[str, JsonDict] = {}
        self._calls: list[RecordedCall] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._down = False
        self._last_ts_us = 0
        self._counter = 0
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._views: dict[str, JsonDict] = {}
        self._closed_views: dict[str, JsonDict] = {}
        self._view_users: dict[str, str | None] = {}
        self._homes: dict[str, str] = {}
        self._ephemerals: list[JsonDict] = []
        self._scheduled: list[JsonDict] = []
        self._handlers: dict[str, Callable[[JsonDict, _Identity], JsonDict]] = {
            "auth.test": self._auth_test,
            "bots.info": self._bots_info,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.postMessage": self._chat_post_message,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.replies": self._conversations_replies,
            "reactions.add": self._reactions_add,
            "team.info": self._team_info,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.push": self._views_push,
            "views.update": self._views_update,
        }
        self._users[bot_user_id] = self._user_object(
            bot_user_id, name=bot_name, real_name=bot_name, tz="UTC", is_bot=True, email=None
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving on a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-slack", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/``."""
        return f"http://{self._host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:<port>/api/``, for ``WebClient(base_url=...)``."""
        return f"{self.base_url}api/"

    # -- workspace setup ----------------------------------------------------------------------

    def add_token(self, token: str, *, user_id: str | None = None) -> None:
        """Accept another token: a user token acting as ``user_id``, else another bot token."""
        with self._lock:
            self._tokens[token] = (
                _Identity(user_id, None) if user_id else _Identity(self.bot_user_id, self.bot_id)
            )

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/Chicago",
        email: str | None = None,
        is_bot: bool = False,
        is_admin: bool = False,
        deleted: bool = False,
    ) -> JsonDict:
        """Add (or replace) a workspace member; returns the ``users.info`` user object."""
        user = self._user_object(
            user_id,
            name=name or user_id.lower(),
            real_name=real_name or name or user_id,
            tz=tz,
            is_bot=is_bot,
            email=email,
        )
        user["is_admin"] = is_admin
        user["deleted"] = deleted
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        """Add a channel; the bot is a member unless ``bot_is_member=False``."""
        people = list(dict.fromkeys(members))
        if bot_is_member and self.bot_user_id not in people:
            people.append(self.bot_user_id)
        with self._lock:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                name=name or channel_id.lower(),
                members=people,
                is_private=is_private,
                is_archived=is_archived,
            )

    def add_members(self, channel_id: str, *users: str) -> None:
        """Add users to an existing channel."""
        with self._lock:
            channel = self._channels[channel_id]
            channel.members.extend(u for u in users if u not in channel.members)

    def add_usergroup(
        self,
        usergroup_id: str,
        *,
        users: Iterable[str] = (),
        handle: str | None = None,
        name: str | None = None,
    ) -> None:
        """Add a user group (``S…``) with its members."""
        with self._lock:
            self._usergroups[usergroup_id] = {
                "id": usergroup_id,
                "team_id": self.team_id,
                "is_usergroup": True,
                "is_subteam": True,
                "name": name or handle or usergroup_id,
                "handle": handle or usergroup_id.lower(),
                "description": "",
                "date_delete": 0,
                "users": list(users),
            }

    def im_channel(self, user: str) -> str:
        """The DM channel id between the bot and ``user``, opening it if needed."""
        with self._lock:
            return self._open_im(user).id

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list[JsonDict] | None = None,
        bot_id: str | None = None,
    ) -> JsonDict:
        """Store a message as if a person (or another app) had posted it; returns it."""
        with self._lock:
            chan = self._channel_for_write(channel, None)
            message: JsonDict = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts or self._next_ts(),
                "team": self.team_id,
            }
            if blocks is not None:
                message["blocks"] = copy.deepcopy(blocks)
            if bot_id is not None:
                message["bot_id"] = bot_id
            self._store_message(chan, message, thread_ts=thread_ts)
            return copy.deepcopy(message)

    # -- identifiers issued by "Slack" -------------------------------------------------------

    def new_trigger_id(self, *, user: str | None = None, view_id: str | None = None) -> str:
        """Issue a trigger id (valid 3 seconds, for one views.open / views.push)."""
        with self._lock:
            self._counter += 1
            token = "".join(self._rng.choices(string.hexdigits.lower()[:16], k=24))
            trigger_id = f"{int(self._clock())}.{self._counter}.{token}"
            self._triggers[trigger_id] = _Trigger(time.monotonic(), user, view_id)
            return trigger_id

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
        ephemeral: bool = False,
    ) -> str:
        """Issue a response URL served by this fake (POSTs are recorded as ``response_url``)."""
        with self._lock:
            self._counter += 1
            url_id = f"{self._counter}-{self._random_id(12)}"
            self._response_urls[url_id] = _ResponseUrl(channel, message_ts, user, ephemeral)
        return f"{self.base_url}response_url/{url_id}"

    # -- failure injection --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"``: any) fail.

        ``status=500`` answers HTTP 500; ``status=429`` (or ``error="ratelimited"``) answers
        HTTP 429 with ``Retry-After``; an ``error`` alone answers HTTP 200 ``ok: false``.
        """
        if status is None:
            status = 429 if error == "ratelimited" else 200 if error else 500
        if error is None:
            error = {429: "ratelimited", 200: "internal_error"}.get(status, "internal_error")
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(status=status, error=error, retry_after=retry_after, times=times)
            )

    def set_down(self, down: bool = True) -> None:
        """While down, every request answers HTTP 503."""
        with self._lock:
            self._down = down

    # -- inspection ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until ``count`` calls to ``method`` were answered; returns all of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise TimeoutError(
                        f"waited {timeout}s for {count} {method} call(s), got {len(found)}; "
                        f"calls seen: {seen}"
                    )
                self._changed.wait(left)

    def messages(self, channel: str, *, include_replies: bool = False) -> list[JsonDict]:
        """Current messages of a channel (edits applied), oldest first.

        Like ``conversations.history`` thread replies are left out unless broadcast, or unless
        ``include_replies=True``. ``channel`` may be a user id for the bot's DM with them.
        """
        with self._lock:
            chan = self._lookup_channel(channel)
            if chan is None:
                return []
            return [
                copy.deepcopy(m) for m in chan.messages if include_replies or self._is_top_level(m)
            ]

    def message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            chan = self._lookup_channel(channel)
            found = self._find_message(chan, ts) if chan else None
            return copy.deepcopy(found) if found else None

    def find_message(self, ts: str) -> tuple[str, JsonDict] | None:
        """Find a stored message by ts in any channel: ``(channel_id, message)``."""
        with self._lock:
            for chan in self._channels.values():
                found = self._find_message(chan, ts)
                if found is not None:
                    return chan.id, copy.deepcopy(found)
        return None

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """A thread's parent then its replies, like ``conversations.replies``."""
        with self._lock:
            chan = self._lookup_channel(channel)
            if chan is None:
                return []
            return [copy.deepcopy(m) for m in self._thread_messages(chan, ts)]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[JsonDict]:
        """Ephemeral messages shown so far (``chat.postEphemeral`` and response URLs)."""
        with self._lock:
            chan = self._lookup_channel(channel) if channel else None
            channel_id = chan.id if chan else channel
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if (channel_id is None or e["channel"] == channel_id)
                and (user is None or e["user"] == user)
            ]

    @property
    def scheduled_messages(self) -> list[JsonDict]:
        with self._lock:
            return copy.deepcopy(self._scheduled)

    def home(self, user: str) -> JsonDict | None:
        """The Home tab last published for ``user``."""
        with self._lock:
            found = self._views.get(self._homes.get(user, ""))
            return copy.deepcopy(found) if found else None

    @property
    def views(self) -> dict[str, JsonDict]:
        """Open views (modals and Home tabs) by view id."""
        with self._lock:
            return copy.deepcopy(self._views)

    def view(self, view_id: str, *, include_closed: bool = False) -> JsonDict | None:
        """An open view by id (or, with ``include_closed``, one closed since)."""
        with self._lock:
            found = self._views.get(view_id)
            if found is None and include_closed:
                found = self._closed_views.get(view_id)
            return copy.deepcopy(found) if found else None

    def view_user(self, view_id: str) -> str | None:
        """The user a view was opened for (or published to), when known."""
        with self._lock:
            return self._view_users.get(view_id)

    def user(self, user_id: str) -> JsonDict | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def channel(self, channel_id: str) -> JsonDict | None:
        """The ``conversations.info`` object of a channel (or DM), if known."""
        with self._lock:
            chan = self._lookup_channel(channel_id)
            return self._channel_object(chan) if chan else None

    # -- view lifecycle driven by the client simulator ----------------------------------------

    def close_view(self, view_id: str, *, clear: bool = False) -> None:
        """The user closed a modal (``clear=True``: the whole stack)."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                return
            root = view.get("root_view_id") or view_id
            doomed = [
                vid
                for vid, v in self._views.items()
                if vid == view_id or (clear and v.get("root_view_id") == root)
            ]
            for vid in doomed:
                self._closed_views[vid] = self._views.pop(vid)

    def apply_view_response(self, view_id: str, body: JsonDict | None) -> JsonDict:
        """Apply an app's answer to a ``view_submission`` as Slack would, recorded as a
        ``response_action`` call. Returns ``{"ok": ...}`` (``ok: false`` for a bad view, or
        ``not_found`` when the view was already closed: a duplicate submission changes nothing).
        """
        action = (body or {}).get("response_action")
        result: JsonDict = {"ok": True}
        with self._lock:
            try:
                if view_id not in self._views:
                    raise SlackError("not_found")
                if action in (None, ""):
                    self.close_view(view_id)
                elif action == "clear":
                    self.close_view(view_id, clear=True)
                elif action == "errors":
                    errors = (body or {}).get("errors")
                    if not isinstance(errors, dict) or not errors:
                        raise SlackError("invalid_arguments", ["errors must be a non-empty object"])
                elif action in ("update", "push"):
                    new_view = (body or {}).get("view")
                    if not isinstance(new_view, dict):
                        raise SlackError("invalid_arguments", ["view is required"])
                    replacing = view_id if action == "update" else None
                    self._check_view(new_view, types=("modal",), replacing=replacing)
                    if action == "update":
                        self._replace_view(view_id, new_view)
                    else:
                        old = self._views.get(view_id) or {}
                        self._create_view(
                            new_view,
                            user=self._view_users.get(view_id),
                            root=old.get("root_view_id") or view_id,
                            previous=view_id,
                        )
                else:
                    raise SlackError("invalid_arguments", [f"unknown response_action {action!r}"])
            except SlackError as exc:
                result = exc.body()
            self._record(
                RecordedCall(
                    method="response_action",
                    args=copy.deepcopy(body or {}),
                    headers={},
                    http_method="POST",
                    token=None,
                    at=time.time(),
                    response=result,
                    path=f"views/{view_id}",
                )
            )
        return result

    # -- internals: ids, users, channels ------------------------------------------------------

    def _random_id(self, length: int) -> str:
        return "".join(self._rng.choices(string.ascii_letters + string.digits, k=length))

    def _next_ts(self) -> str:
        now_us = int(self._clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _user_object(
        self, user_id: str, *, name: str, real_name: str, tz: str, is_bot: bool, email: str | None
    ) -> JsonDict:
        try:
            zone = ZoneInfo(tz)
            now = datetime.now(zone)
            offset = now.utcoffset()
            tz_offset = int(offset.total_seconds()) if offset else 0
            tz_label = now.tzname() or tz
        except (ZoneInfoNotFoundError, ValueError):
            tz_offset, tz_label = 0, tz
        first, _, last = real_name.partition(" ")
        profile: JsonDict = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": first,
            "last_name": last,
            "team": self.team_id,
            "image_48": f"https://avatars.example/{user_id}_48.png",
        }
        if email:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = self.bot_id if user_id == self.bot_user_id else None
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": profile,
        }

    def _lookup_channel(self, ref: str | None) -> _Channel | None:
        if not ref:
            return None
        if ref in self._channels:
            return self._channels[ref]
        if ref[0] in "UW" and ref in self._users:
            return self._open_im(ref)
        name = ref.lstrip("#")
        for chan in self._channels.values():
            if not chan.is_im and chan.name == name:
                return chan
        return None

    def _open_im(self, user: str) -> _Channel:
        channel_id = f"D{user[1:]}"
        chan = self._channels.get(channel_id)
        if chan is None:
            chan = _Channel(
                id=channel_id,
                name=channel_id,
                members=[user, self.bot_user_id],
                is_im=True,
                im_user=user,
            )
            self._channels[channel_id] = chan
        return chan

    def _channel_for_write(self, ref: Any, who: _Identity | None) -> _Channel:
        chan = self._lookup_channel(str(ref)) if ref else None
        if chan is None:
            raise SlackError("channel_not_found")
        if chan.is_archived:
            raise SlackError("is_archived")
        if who is not None and who.user_id not in chan.members:
            raise SlackError("not_in_channel")
        return chan

    def _channel_for_read(self, ref: Any, who: _Identity) -> _Channel:
        chan = self._lookup_channel(str(ref)) if ref else None
        if chan is None or ((chan.is_private or chan.is_im) and who.user_id not in chan.members):
            raise SlackError("channel_not_found")
        return chan

    def _channel_object(self, chan: _Channel, who: _Identity | None = None) -> JsonDict:
        member = (who.user_id if who else self.bot_user_id) in chan.members
        if chan.is_im:
            return {
                "id": chan.id,
                "created": chan.created,
                "is_im": True,
                "is_org_shared": False,
                "user": chan.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": chan.id,
            "name": chan.name,
            "name_normalized": chan.name,
            "is_channel": not chan.is_private,
            "is_group": chan.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": chan.is_private,
            "is_archived": chan.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": member,
            "created": chan.created,
            "creator": "",
            "context_team_id": self.team_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    # -- internals: messages ------------------------------------------------------------------

    @staticmethod
    def _is_top_level(message: JsonDict) -> bool:
        thread_ts = message.get("thread_ts")
        return (
            thread_ts is None
            or thread_ts == message["ts"]
            or message.get("subtype") == "thread_broadcast"
        )

    @staticmethod
    def _find_message(chan: _Channel, ts: str) -> JsonDict | None:
        for message in chan.messages:
            if message["ts"] == ts:
                return message
        return None

    def _thread_messages(self, chan: _Channel, ts: str) -> list[JsonDict]:
        anchor = self._find_message(chan, ts)
        if anchor is None:
            return []
        root = anchor.get("thread_ts") or anchor["ts"]
        parent = self._find_message(chan, root)
        replies = [m for m in chan.messages if m.get("thread_ts") == root and m["ts"] != root]
        return ([parent] if parent else []) + replies

    def _store_message(
        self, chan: _Channel, message: JsonDict, *, thread_ts: str | None, broadcast: bool = False
    ) -> None:
        if thread_ts:
            parent = self._find_message(chan, str(thread_ts))
            if parent is None:
                raise SlackError("thread_not_found")
            root = parent.get("thread_ts") or parent["ts"]
            parent = self._find_message(chan, root) or parent
            message["thread_ts"] = root
            message["parent_user_id"] = parent.get("user")
            if broadcast:
                message["subtype"] = "thread_broadcast"
            parent["thread_ts"] = root
            replies = [m for m in chan.messages if m.get("thread_ts") == root and m is not parent]
            users = list(dict.fromkeys([*(m.get("user") for m in replies), message.get("user")]))
            parent["reply_count"] = len(replies) + 1
            parent["reply_users"] = [u for u in users if u]
            parent["reply_users_count"] = len(parent["reply_users"])
            parent["latest_reply"] = message["ts"]
        bisect.insort(chan.messages, message, key=lambda m: _ts_key(m["ts"]))

    def _bot_message(self, who: _Identity, ts: str, args: JsonDict) -> JsonDict:
        message: JsonDict = {"type": "message", "user": who.user_id, "ts": ts}
        if who.bot_id:
            message["bot_id"] = who.bot_id
            message["app_id"] = self.app_id
            message["bot_profile"] = {
                "id": who.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.team_id,
            }
        message["text"] = args.get("text") or args.get("markdown_text") or ""
        message["team"] = self.team_id
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) is not None:
                message[key] = copy.deepcopy(args[key])
        if "blocks" in message:
            self._assign_ids(message["blocks"])
        return message

    def _check_message_content(self, args: JsonDict, *, require_content: bool = True) -> None:
        blocks = args.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise SlackError("invalid_blocks_format")
            problems = check_message_blocks(blocks)
            if problems:
                raise SlackError("invalid_blocks", problems)
            if len(json.dumps(blocks, separators=(",", ":"))) > MESSAGE_BLOCKS_JSON_MAX:
                raise SlackError("msg_blocks_too_long")
        attachments = args.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        text = args.get("text") or args.get("markdown_text")
        if text is not None and len(str(text)) > MESSAGE_TEXT_MAX:
            raise SlackError("msg_too_long")
        if require_content and not (text or blocks or attachments):
            raise SlackError("no_text")

    def _assign_ids(self, blocks: Any, taken: set[str] | None = None) -> None:
        """Give blocks and interactive elements lacking ids generated ones, like Slack."""
        if not isinstance(blocks, list):
            return
        taken = taken if taken is not None else set()
        taken.update(b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b)
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if not block.get("block_id"):
                block_id = self._random_id(5)
                while block_id in taken:
                    block_id = self._random_id(5)
                taken.add(block_id)
                block["block_id"] = block_id
            elements: list[Any] = []
            if block.get("type") == "actions":
                elements = list(block.get("elements") or [])
            elif block.get("type") == "section" and "accessory" in block:
                elements = [block["accessory"]]
            elif block.get("type") == "input" and "element" in block:
                elements = [block["element"]]
            for el in elements:
                if isinstance(el, dict) and el.get("type") in ACTION_ELEMENTS:
                    el.setdefault("action_id", self._random_id(5))

    # -- internals: views ---------------------------------------------------------------------

    def _check_view(
        self, view: Any, *, types: tuple[str, ...], replacing: str | None = None
    ) -> JsonDict:
        problems = check_view(view)
        if problems:
            raise SlackError("invalid_arguments", problems)
        assert isinstance(view, dict)
        if view["type"] not in types:
            raise SlackError(
                "invalid_arguments",
                [f"[ERROR] type must be {' or '.join(types)} [json-pointer:/view/type]"],
            )
        external_id = view.get("external_id")
        if external_id:
            for other_id, other in self._views.items():
                if other_id != replacing and other.get("external_id") == external_id:
                    raise SlackError("duplicate_external_id")
        return view

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{self._random_id(8)}"

    def _create_view(
        self, spec: JsonDict, *, user: str | None, root: str | None, previous: str | None
    ) -> JsonDict:
        self._counter += 1
        view_id = f"V{self._counter:04d}{self._random_id(4).upper()}"
        view = self._view_object(spec, view_id=view_id, root=root or view_id, previous=previous)
        self._views[view_id] = view
        self._view_users[view_id] = user
        return view

    def _view_object(
        self, spec: JsonDict, *, view_id: str, root: str, previous: str | None
    ) -> JsonDict:
        blocks = copy.deepcopy(spec.get("blocks") or [])
        self._assign_ids(blocks)
        view: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec["type"],
            "blocks": blocks,
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if spec.get(key) is not None:
                view[key] = copy.deepcopy(spec[key])
        return view

    def _replace_view(self, view_id: str, spec: JsonDict) -> JsonDict:
        old = self._views.get(view_id)
        if old is None:
            raise SlackError("not_found")
        external_id = spec.get("external_id")
        if external_id and old.get("external_id") not in ("", external_id):
            raise SlackError("invalid_arguments", ["external_id cannot change"])
        view = self._view_object(
            spec, view_id=view_id, root=old["root_view_id"], previous=old.get("previous_view_id")
        )
        if not external_id:
            view["external_id"] = old.get("external_id", "")
        self._views[view_id] = view
        return view

    def _take_trigger(self, args: JsonDict) -> _Trigger:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise SlackError(
                "invalid_arguments", ["[ERROR] missing required field: trigger_id [json-pointer:/]"]
            )
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued_at > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    # -- request handling ---------------------------------------------------------------------

    def _record(self, call: RecordedCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        for key in (method, "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
                return failure
        return None

    def handle_http(
        self,
        verb: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], JsonDict]:
        """Answer one HTTP request: ``(status, extra headers, JSON body)``."""
        at = time.time()
        if self.latency > 0:
            time.sleep(self.latency)
        parts = urlsplit(target)
        path = parts.path
        header_map = {name.title(): value for name, value in headers.items()}
        args, body_error = _parse_args(parts.query, header_map, body)
        if path.startswith("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/response_url/"):
            return self._handle_response_url(path, verb, header_map, args, body_error, at)
        else:
            return 404, {}, {"ok": False, "error": "not_found"}
        token = _bearer(header_map) or (str(args["token"]) if args.get("token") else None)
        status, extra_headers, response = 200, {}, {}
        with self._lock:
            try:
                if self._down:
                    status, response = 503, {"ok": False, "error": "service_unavailable"}
                    raise _Answered
                spec = load_method_table().get(method)
                if spec is None:
                    raise SlackError("unknown_method", req_method=method)
                failure = self._take_failure(method)
                if failure is not None:
                    status, response = failure.status, {"ok": False, "error": failure.error}
                    if failure.retry_after is not None:
                        extra_headers["Retry-After"] = str(failure.retry_after)
                    raise _Answered
                if not token:
                    raise SlackError("not_authed")
                who = self._tokens.get(token)
                if who is None:
                    raise SlackError("invalid_auth")
                if body_error:
                    raise SlackError(body_error)
                self._check_args(spec, args)
                handler = self._handlers.get(method)
                response = {"ok": True, **(handler(args, who) if handler else {})}
            except SlackError as exc:
                response = exc.body()
            except _Answered:
                pass
            self._record(
                RecordedCall(
                    method=method,
                    args=args,
                    headers=header_map,
                    http_method=verb,
                    token=token,
                    at=at,
                    response=copy.deepcopy(response),
                    status=status,
                    path=path,
                )
            )
        return status, extra_headers, response

    def _check_args(self, spec: MethodSpec, args: JsonDict) -> None:
        allowed = spec.args | EXTRA_ARGS["*"] | EXTRA_ARGS.get(spec.name, frozenset()) | {"token"}
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise SlackError(
                "invalid_arg_name",
                [f"[ERROR] unknown argument: {name} [json-pointer:/{name}]" for name in unknown],
            )
        missing = sorted(a for a in spec.required if args.get(a) in (None, ""))
        if missing:
            raise SlackError(
                "invalid_arguments",
                [f"[ERROR] missing required field: {name} [json-pointer:/]" for name in missing],
            )
        for name in JSON_ARGS & set(args):
            if isinstance(args[name], str):
                raise SlackError(
                    "invalid_blocks_format" if name == "blocks" else "invalid_arguments",
                    [f"[ERROR] {name} is not valid JSON [json-pointer:/{name}]"],
                )

    def _handle_response_url(
        self,
        path: str,
        verb: str,
        headers: dict[str, str],
        args: JsonDict,
        body_error: str | None,
        at: float,
    ) -> tuple[int, dict[str, str], JsonDict]:
        url_id = path.rsplit("/", 1)[-1]
        payload = args.get("payload") if isinstance(args.get("payload"), dict) else args
        assert isinstance(payload, dict)
        status = 200
        response: JsonDict = {"ok": True}
        with self._lock:
            target = self._response_urls.get(url_id)
            try:
                if self._down:
                    status, response = 503, {"ok": False, "error": "service_unavailable"}
                    raise _Answered
                if verb != "POST" or target is None:
                    status = 404
                    raise SlackError("expired_url")
                target.uses += 1
                if target.uses > RESPONSE_URL_MAX_USES:
                    status = 404
                    raise SlackError("used_url")
                if body_error:
                    status = 400
                    raise SlackError(body_error)
                try:
                    self._respond_via_url(target, payload)
                except SlackError:
                    status = 400
                    raise
            except SlackError as exc:
                response = exc.body()
            except _Answered:
                pass
            self._record(
                RecordedCall(
                    method="response_url",
                    args=payload,
                    headers=headers,
                    http_method=verb,
                    token=None,
                    at=at,
                    response=copy.deepcopy(response),
                    status=status,
                    path=path,
                )
            )
        return status, {}, response

    def _respond_via_url(self, target: _ResponseUrl, payload: JsonDict) -> None:
        if isinstance(payload.get("blocks"), str):
            payload["blocks"] = _json_or_raise(payload["blocks"], "invalid_blocks_format")
        bot = _Identity(self.bot_user_id, self.bot_id)
        has_original = target.message_ts is not None and target.channel is not None
        if _truthy(payload.get("delete_original")) and has_original:
            self._delete_original(target)
            return
        self._check_message_content(payload)
        if _truthy(payload.get("replace_original")) and has_original:
            assert target.channel is not None and target.message_ts is not None
            if target.ephemeral:
                for eph in self._ephemerals:
                    if eph["channel"] == target.channel and eph["ts"] == target.message_ts:
                        self._replace_content(eph, payload)
                        return
                raise SlackError("message_not_found")
            chan = self._channels.get(target.channel)
            found = self._find_message(chan, target.message_ts) if chan else None
            if found is None:
                raise SlackError("message_not_found")
            self._replace_content(found, payload)
            return
        if target.channel is None:
            raise SlackError("channel_not_found")
        chan = self._channel_for_write(target.channel, None)
        if payload.get("response_type") == "in_channel":
            message = self._bot_message(bot, self._next_ts(), payload)
            self._store_message(chan, message, thread_ts=payload.get("thread_ts"))
        else:
            self._add_ephemeral(chan, target.user or "", payload, bot)

    def _delete_original(self, target: _ResponseUrl) -> None:
        if target.ephemeral:
            self._ephemerals = [
                e
                for e in self._ephemerals
                if not (e["channel"] == target.channel and e["ts"] == target.message_ts)
            ]
            return
        chan = self._channels.get(target.channel or "")
        if chan is not None:
            chan.messages = [m for m in chan.messages if m["ts"] != target.message_ts]

    def _replace_content(self, message: JsonDict, args: JsonDict) -> None:
        """``replace_original``: the new message replaces the old one whole."""
        for key in ("blocks", "attachments"):
            message.pop(key, None)
        message["text"] = ""
        self._apply_update(message, args)

    def _apply_update(self, message: JsonDict, args: JsonDict) -> None:
        """``chat.update``: what is sent replaces; blocks not sent are kept, ``[]`` drops them."""
        if "text" in args or "markdown_text" in args:
            message["text"] = args.get("text") or args.get("markdown_text") or ""
        for key in ("blocks", "attachments", "metadata"):
            if key in args and args[key] is not None:
                if args[key] == []:
                    message.pop(key, None)
                else:
                    message[key] = copy.deepcopy(args[key])
        if "blocks" in message:
            self._assign_ids(message["blocks"])

    def _add_ephemeral(self, chan: _Channel, user: str, args: JsonDict, who: _Identity) -> JsonDict:
        ts = self._next_ts()
        message = self._bot_message(who, ts, args)
        message.update({"channel": chan.id, "user": user, "message_ts": ts, "is_ephemeral": True})
        message["sender"] = who.user_id
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self._ephemerals.append(message)
        return message

    # -- method handlers ----------------------------------------------------------------------

    def _auth_test(self, args: JsonDict, who: _Identity) -> JsonDict:
        user = self._users.get(who.user_id, {})
        body: JsonDict = {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": user.get("name", who.user_id.lower()),
            "team_id": self.team_id,
            "user_id": who.user_id,
            "is_enterprise_install": False,
        }
        if who.bot_id:
            body["bot_id"] = who.bot_id
        return body

    def _bots_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        bot = args.get("bot") or self.bot_id
        if bot != self.bot_id:
            raise SlackError("bot_not_found")
        return {
            "bot": {
                "id": self.bot_id,
                "deleted": False,
                "name": self.bot_name,
                "updated": int(time.time()),
                "app_id": self.app_id,
                "user_id": self.bot_user_id,
                "icons": {"image_48": "https://avatars.example/bot_48.png"},
            }
        }

    def _team_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        team = args.get("team")
        if team and team != self.team_id:
            raise SlackError("team_not_found")
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "url": f"https://{self.team_domain}.slack.com/",
                "icon": {"image_default": True},
            }
        }

    def _chat_post_message(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], who)
        self._check_message_content(args)
        message = self._bot_message(who, self._next_ts(), args)
        self._store_message(
            chan,
            message,
            thread_ts=args.get("thread_ts"),
            broadcast=_truthy(args.get("reply_broadcast")),
        )
        return {"channel": chan.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], None)
        message = self._find_message(chan, str(args["ts"]))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != who.user_id:
            raise SlackError("cant_update_message")
        self._check_message_content(args)
        self._apply_update(message, args)
        message["edited"] = {"user": who.user_id, "ts": self._next_ts()}
        return {
            "channel": chan.id,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], who)
        user = str(args["user"])
        if user not in chan.members:
            raise SlackError("user_not_in_channel")
        self._check_message_content(args)
        message = self._add_ephemeral(chan, user, args, who)
        return {"message_ts": message["ts"]}

    def _chat_delete(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], None)
        message = self._find_message(chan, str(args["ts"]))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != who.user_id:
            raise SlackError("cant_delete_message")
        chan.messages.remove(message)
        return {"channel": chan.id, "ts": message["ts"]}

    def _chat_get_permalink(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        ts = str(args["message_ts"])
        message = self._find_message(chan, ts)
        if message is None:
            raise SlackError("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{chan.id}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={chan.id}"
        return {"channel": chan.id, "permalink": link}

    def _chat_schedule_message(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], who)
        try:
            post_at = int(float(args["post_at"]))
        except (TypeError, ValueError) as exc:
            raise SlackError("invalid_time") from exc
        now = self._clock()
        if post_at <= now:
            raise SlackError("time_in_past")
        if post_at > now + 120 * 86_400:
            raise SlackError("time_too_far")
        self._check_message_content(args)
        self._counter += 1
        message = self._bot_message(who, self._next_ts(), args)
        scheduled_id = f"Q{self._counter:04d}{self._random_id(6).upper()}"
        self._scheduled.append(
            {"id": scheduled_id, "channel_id": chan.id, "post_at": post_at, "message": message}
        )
        return {
            "channel": chan.id,
            "scheduled_message_id": scheduled_id,
            "post_at": post_at,
            "message": copy.deepcopy(message),
        }

    def _conversations_open(self, args: JsonDict, who: _Identity) -> JsonDict:
        if args.get("channel"):
            chan = self._channel_for_read(args["channel"], who)
            return {"channel": {"id": chan.id}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError("not_supported", ["the fake opens 1:1 DMs only"])
        if users[0] not in self._users:
            raise SlackError("user_not_found")
        chan = self._open_im(users[0])
        if _truthy(args.get("return_im")):
            return {"channel": self._channel_object(chan, who)}
        return {"channel": {"id": chan.id}}

    def _conversations_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        body = self._channel_object(chan, who)
        if _truthy(args.get("include_num_members")) and not chan.is_im:
            body["num_members"] = len(chan.members)
        return {"channel": body}

    def _conversations_members(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        members, meta = _page(list(chan.members), args)
        return {"members": members, "response_metadata": meta}

    def _conversations_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        types = set(str(args.get("types") or "public_channel").split(","))
        exclude_archived = _truthy(args.get("exclude_archived"))
        found: list[JsonDict] = []
        for chan in self._channels.values():
            kind = (
                "im" if chan.is_im else "private_channel" if chan.is_private else "public_channel"
            )
            if kind not in types or (exclude_archived and chan.is_archived):
                continue
            if kind != "public_channel" and who.user_id not in chan.members:
                continue
            found.append(self._channel_object(chan, who))
        channels, meta = _page(found, args)
        return {"channels": channels, "response_metadata": meta}

    def _readable_history(self, args: JsonDict, who: _Identity) -> _Channel:
        chan = self._channel_for_read(args["channel"], who)
        if who.user_id not in chan.members:
            raise SlackError("not_in_channel")
        return chan

    def _conversations_history(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._readable_history(args, who)
        inclusive = _truthy(args.get("inclusive"))
        oldest = _ts_key(str(args["oldest"])) if args.get("oldest") else None
        latest = _ts_key(str(args["latest"])) if args.get("latest") else None

        def within(message: JsonDict) -> bool:
            key = _ts_key(message["ts"])
            if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
                return False
            return not (latest is not None and (key > latest or (key == latest and not inclusive)))

        found = [m for m in reversed(chan.messages) if self._is_top_level(m) and within(m)]
        messages, meta = _page(copy.deepcopy(found), args)
        return {
            "messages": messages,
            "has_more": bool(meta["next_cursor"]),
            "pin_count": 0,
            "response_metadata": meta,
        }

    def _conversations_replies(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._readable_history(args, who)
        thread = self._thread_messages(chan, str(args["ts"]))
        if not thread:
            raise SlackError("thread_not_found")
        messages, meta = _page(copy.deepcopy(thread), args, default_limit=1000)
        return {
            "messages": messages,
            "has_more": bool(meta["next_cursor"]),
            "response_metadata": meta,
        }

    def _conversations_join(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._lookup_channel(str(args["channel"]))
        if chan is None:
            raise SlackError("channel_not_found")
        if chan.is_im or chan.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if chan.is_archived:
            raise SlackError("is_archived")
        body: JsonDict = {}
        if who.user_id in chan.members:
            body["warning"] = "already_in_channel"
        else:
            chan.members.append(who.user_id)
        body["channel"] = self._channel_object(chan, who)
        return body

    def _users_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        user = self._users.get(str(args["user"]))
        if user is None:
            raise SlackError("user_not_found")
        body = copy.deepcopy(user)
        if _truthy(args.get("include_locale")):
            body["locale"] = "en-US"
        return {"user": body}

    def _users_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        members, meta = _page(copy.deepcopy(list(self._users.values())), args)
        return {"members": members, "cache_ts": int(time.time()), "response_metadata": meta}

    def _usergroups_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        groups = []
        for group in self._usergroups.values():
            body = copy.deepcopy(group)
            body["user_count"] = len(group["users"])
            if not _truthy(args.get("include_users")):
                body.pop("users")
            groups.append(body)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        group = self._usergroups.get(str(args["usergroup"]))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group["users"])}

    def _reactions_add(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        message = self._find_message(chan, str(args["timestamp"]))
        if message is None:
            raise SlackError("message_not_found")
        name = str(args["name"]).strip(":")
        reactions: list[JsonDict] = message.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["name"] == name:
                if who.user_id in reaction["users"]:
                    raise SlackError("already_reacted")
                reaction["users"].append(who.user_id)
                reaction["count"] += 1
                return {}
        reactions.append({"name": name, "users": [who.user_id], "count": 1})
        return {}

    def _views_open(self, args: JsonDict, who: _Identity) -> JsonDict:
        trigger = self._take_trigger(args)
        spec = self._check_view(args["view"], types=("modal",))
        view = self._create_view(spec, user=trigger.user, root=None, previous=None)
        return {"view": copy.deepcopy(view)}

    def _views_push(self, args: JsonDict, who: _Identity) -> JsonDict:
        trigger = self._take_trigger(args)
        spec = self._check_view(args["view"], types=("modal",))
        parent = self._views.get(trigger.view_id or "")
        if parent is None:
            raise SlackError("not_found", ["views.push needs a trigger from an open modal"])
        stack = [v for v in self._views.values() if v["root_view_id"] == parent["root_view_id"]]
        if len(stack) >= 3:
            raise SlackError("push_limit_reached")
        view = self._create_view(
            spec, user=trigger.user, root=parent["root_view_id"], previous=parent["id"]
        )
        return {"view": copy.deepcopy(view)}

    def _views_update(self, args: JsonDict, who: _Identity) -> JsonDict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise SlackError(
                "invalid_arguments", ["[ERROR] view_id or external_id is required [json-pointer:/]"]
            )
        if not view_id:
            view_id = next(
                (vid for vid, v in self._views.items() if v.get("external_id") == external_id),
                None,
            )
        old = self._views.get(str(view_id)) if view_id else None
        if old is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        spec = args["view"]
        problems = check_view(spec)
        if problems:
            raise SlackError("invalid_arguments", problems)
        view = self._replace_view(old["id"], spec)
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, args: JsonDict, who: _Identity) -> JsonDict:
        user = str(args["user_id"])
        if user not in self._users:
            raise SlackError("user_not_found")
        spec = args["view"]
        problems = check_view(spec)
        if problems:
            raise SlackError("invalid_arguments", problems)
        if spec["type"] != "home":
            raise SlackError(
                "invalid_arguments", ["[ERROR] type must be home [json-pointer:/view/type]"]
            )
        view_id = self._homes.get(user)
        if view_id is not None and view_id in self._views:
            if args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
                raise SlackError("hash_conflict")
            view = self._replace_view(view_id, spec)
        else:
            view = self._create_view(spec, user=user, root=None, previous=None)
            self._homes[user] = view["id"]
        return {"view": copy.deepcopy(view)}


# ---------------------------------------------------------------------------------------------
# HTTP plumbing


class _Answered(Exception):
    """The answer is already set (injected failure, outage)."""


def _bearer(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "authorization" and value.lower().startswith("bearer "):
            return value[7:].strip() or None
    return None


def _json_or_raise(text: str, error: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SlackError(error) from exc


def _parse_args(query: str, headers: Mapping[str, str], body: bytes) -> tuple[JsonDict, str | None]:
    """Merge query string and body (form, JSON or multipart); decode JSON-valued arguments.

    Returns the arguments and, when the body could not be read, the error Slack would give.
    """
    args: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    error: str | None = None
    if body:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                decoded, error = {}, "invalid_json"
            if isinstance(decoded, dict):
                args.update(decoded)
            else:
                error = "invalid_json"
        elif kind == "multipart/form-data":
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if isinstance(name, str):
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        args[name] = payload.decode("utf-8", "replace")
        else:
            try:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                error = "invalid_form_data"
    for name in (*JSON_ARGS, "payload"):
        value = args.get(name)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # else left as text: answered invalid_*
                args[name] = json.loads(value)
    return args, error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # benchmarks open many connections at once
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        status, headers, payload = self.server.fake.handle_http(
            verb, self.path, dict(self.headers.items()), body
        )
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read ``FakeSlack.calls`` instead."""


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.testing.fake_slack --port 0``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Serve a fake Slack Web API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="xoxb-test", help="bot token to accept")
    parser.add_argument("--team-id", default="T0LANE")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per answer")
    options = parser.parse_args(argv)
    fake = FakeSlack(
        bot_token=options.token,
        team_id=options.team_id,
        latency=options.latency,
        host=options.host,
        port=options.port,
    )
    with fake:
        print(f"Fake Slack Web API at {fake.api_url} (token {options.token}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(f"\n{len(fake.calls)} call(s) answered")


if __name__ == "__main__":
    main()
