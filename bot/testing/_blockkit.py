"""Block Kit validation: the problems Slack would report for a message's blocks or a view.

:class:`BlockKitChecker` walks blocks, elements and views and words each problem like Slack's
``response_metadata.messages`` (with the JSON pointer to the place); :func:`check_message_blocks`
and :func:`check_view` are what :class:`~bot.testing.fake_slack.FakeSlack` refuses with.

Lengths are counted as Slack counts them, not as Python's ``len`` does: a text field's limit in
UTF-16 code units (:func:`slack_len`: an emoji outside the BMP is 2, as in Slack's clients and
its JSON validator), and a message's blocks in total as the JSON Slack receives, every non-ASCII
character escaped (:func:`blocks_json_size`: a CJK character is 6, an emoji 12), against the
undocumented ~13,000 of ``msg_blocks_too_long`` (bolt-js #2509). Python's ``len`` would let a
header of 150 emoji or a section of 3000 emoji through that Slack refuses.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._slack_methods import JsonDict

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100


def slack_len(text: str) -> int:
    """A string's length as Slack holds it to a field's limit: UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def blocks_json_size(blocks: Any) -> int:
    """A message's blocks as Slack sizes them: compact JSON, non-ASCII escaped."""
    return len(json.dumps(blocks, separators=(",", ":")))


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
        elif slack_len(value) > limit:
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
        elif slack_len(text) > limit:
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
