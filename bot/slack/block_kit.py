"""Block Kit's pieces, built by pure functions: data in, dicts out, tested as data.

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

from ..domain.text import escape
from .validate import user_id

Block = dict[str, Any]

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


def text_objects(blocks: list[Block]) -> list[dict[str, Any]]:
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
        objects = text_objects(blocks)
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


def requester(who: str) -> str:
    """Who asked: a mention for a Slack user; a monitor that raised an alert (``alertmanager``,
    ``pagerduty``…) by its name, since ``<@alertmanager>`` shows as a broken mention."""
    if user_id(who) is not None:
        return f"<@{who}>"
    return f"{escape(who)} (monitoring)"
