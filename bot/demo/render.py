"""Block Kit as readable terminal text, for the ``lanekeeper demo`` transcript.

Pure functions: a message, a view or mrkdwn text in, lines of plain text out. What Slack would
show is kept, its markup is not: headers are underlined, section fields read ``Label: value``,
buttons read ``[ Take it ]``, selects ``[ Monitoring alert ▾ ]``, checkboxes ``☐ item``;
mentions use the names the demo gave its people (``<@U1>`` → ``@Tina (NOC tech)``), dates
their fallback text, links their label, and ``&lt;`` / ``&gt;`` / ``&amp;`` are unescaped
(user text stays literal: a typed ``<!channel>`` shows as ``<!channel>``, never as a ping).

    >>> names = Names(users={"U1": "Tina (NOC tech)"})
    >>> mrkdwn_to_text("*ESC-1* taken by <@U1> &lt;3", names)
    'ESC-1 taken by @Tina (NOC tech) <3'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "EMOJI",
    "Names",
    "mrkdwn_to_text",
    "render_blocks",
    "render_message",
    "render_view",
]

#: The emoji the bot uses, shown as characters; any other ``:shortcode:`` is left as typed.
EMOJI: Mapping[str, str] = {
    "arrow_right": "➡",
    "double_vertical_bar": "⏸",
    "heavy_multiplication_x": "✖",
    "hourglass_flowing_sand": "⏳",
    "large_blue_circle": "🔵",
    "leftwards_arrow_with_hook": "↩",
    "no_entry_sign": "🚫",
    "red_circle": "🔴",
    "rotating_light": "🚨",
    "shield": "🛡",
    "tada": "🎉",
    "warning": "⚠",
    "white_check_mark": "✅",
    "x": "❌",
}


@dataclass(frozen=True)
class Names:
    """What ids are called in the transcript: users, channels (without ``#``), user groups."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)

    def user(self, user_id: str, label: str | None = None) -> str:
        return self.users.get(user_id) or label or user_id

    def channel(self, channel_id: str, label: str | None = None) -> str:
        return self.channels.get(channel_id) or label or channel_id

    def group(self, group_id: str, label: str | None = None) -> str:
        found = self.groups.get(group_id)
        if found:
            return found
        return (label or group_id).lstrip("@")


_NO_NAMES = Names()
_ANGLE = re.compile(r"<([^<>\n]*)>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")


def _token(inner: str, names: Names) -> str:
    """One ``<…>`` of Slack mrkdwn as text."""
    body, _, label = inner.partition("|")
    if body.startswith("@"):
        return "@" + names.user(body[1:], label or None)
    if body.startswith("#"):
        return "#" + names.channel(body[1:], label or None)
    if body.startswith("!"):
        command = body[1:]
        if command.startswith("subteam^"):
            return "@" + names.group(command.split("^", 1)[1], label or None)
        if command.startswith("date^"):
            if label:
                return label
            parts = command.split("^")
            try:
                moment = datetime.fromtimestamp(int(parts[1]), UTC)
            except (IndexError, ValueError, OverflowError, OSError):
                return command
            return moment.strftime("%a %d %b %H:%M UTC")
        if command in ("here", "channel", "everyone"):
            return "@" + command
        return label or "@" + command
    return label or body.removeprefix("mailto:")


def mrkdwn_to_text(text: str, names: Names = _NO_NAMES, *, emoji: bool = True) -> str:
    """Slack mrkdwn (or plain text with Slack's entities) as the plain text a reader sees."""
    out = _ANGLE.sub(lambda m: _token(m.group(1), names), text)
    out = _BOLD.sub(r"\1", out)
    out = _ITALIC.sub(r"\1", out)
    if emoji:
        out = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), out)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any, names: Names) -> str:
    """A text object (``plain_text`` or ``mrkdwn``) as text; anything else as empty."""
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text") or "")
    if obj.get("type") == "plain_text":
        return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return mrkdwn_to_text(text, names)


def _option_text(option: Any, names: Names) -> str:
    return _text_of(option.get("text"), names) if isinstance(option, Mapping) else ""


def _element(el: Any, names: Names) -> str:
    """An interactive element, the way it looks before anyone touches it."""
    if not isinstance(el, Mapping):
        return ""
    kind = el.get("type")
    if kind == "button":
        return f"[ {_text_of(el.get('text'), names)} ]"
    if kind == "overflow":
        return "[ ⋯ ]"
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = _option_text(el.get("initial_option"), names)
        if kind == "radio_buttons":
            return "  ".join(
                ("◉ " if _option_text(o, names) == chosen and chosen else "○ ")
                + _option_text(o, names)
                for o in el.get("options") or []
            )
        return f"[ {chosen or _hint(el, names)} ▾ ]"
    if kind in ("users_select", "conversations_select", "channels_select"):
        initial = el.get("initial_user") or el.get("initial_conversation")
        initial = initial or el.get("initial_channel")
        if initial:
            shown = (
                "@" + names.user(initial)
                if kind == "users_select"
                else "#" + names.channel(initial)
            )
        else:
            shown = _hint(el, names)
        return f"[ {shown} ▾ ]"
    if kind and str(kind).startswith("multi_"):
        chosen_many = [_option_text(o, names) for o in el.get("initial_options") or []]
        return f"[ {', '.join(chosen_many) or _hint(el, names)} ▾ ]"
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = str(el.get("initial_value") or "")
        if value:
            return f"[ {value} ]"
        hint = _placeholder(el, names)
        return f"[ ‹{hint}› ]" if hint else "[ ]"
    if kind in ("datepicker", "timepicker", "datetimepicker"):
        picked = el.get("initial_date") or el.get("initial_time") or el.get("initial_date_time")
        if isinstance(picked, int) and kind == "datetimepicker":
            picked = datetime.fromtimestamp(picked, UTC).strftime("%a %d %b %H:%M UTC")
        return f"[ {picked} ]" if picked else f"[ ‹{_placeholder(el, names) or 'pick'}› ]"
    if kind == "image":
        return f"[image: {el.get('alt_text') or ''}]"
    return f"[{kind}]"


def _placeholder(el: Mapping[str, Any], names: Names) -> str:
    return _text_of(el.get("placeholder"), names)


def _hint(el: Mapping[str, Any], names: Names) -> str:
    """What an empty select shows: its placeholder in ‹ ›, or ‹choose›."""
    return f"‹{_placeholder(el, names) or 'choose'}›"


def _checkboxes(el: Mapping[str, Any], names: Names) -> list[str]:
    ticked = {o.get("value") for o in el.get("initial_options") or [] if isinstance(o, Mapping)}
    return [
        ("☑ " if isinstance(o, Mapping) and o.get("value") in ticked else "☐ ")
        + _option_text(o, names)
        for o in el.get("options") or []
    ]


def _fields(fields: Sequence[Any], names: Names) -> list[str]:
    """Section fields, two to a line like Slack's two columns: ``Label: value``."""
    cells = []
    for f in fields:
        text = _text_of(f, names).strip()
        label, sep, value = text.partition("\n")
        cells.append(f"{label}: {value.strip()}" if sep and label and value.strip() else text)
    width = max((len(c) for c in cells[::2]), default=0)
    lines = []
    for i in range(0, len(cells), 2):
        pair = cells[i : i + 2]
        lines.append(pair[0].ljust(width) + "   " + pair[1] if len(pair) == 2 else pair[0])
    return [line.rstrip() for line in lines]


def _rich_text(elements: Iterable[Any], names: Names) -> str:
    parts: list[str] = []
    for el in elements:
        if not isinstance(el, Mapping):
            continue
        kind = el.get("type")
        if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            parts.append(_rich_text(el.get("elements") or [], names))
        elif kind == "rich_text_list":
            for item in el.get("elements") or []:
                parts.append("• " + _rich_text([item], names) + "\n")
        elif kind == "text":
            parts.append(str(el.get("text") or ""))
        elif kind == "user":
            parts.append("@" + names.user(str(el.get("user_id"))))
        elif kind == "channel":
            parts.append("#" + names.channel(str(el.get("channel_id"))))
        elif kind == "usergroup":
            parts.append("@" + names.group(str(el.get("usergroup_id"))))
        elif kind == "broadcast":
            parts.append("@" + str(el.get("range") or "here"))
        elif kind == "link":
            parts.append(str(el.get("text") or el.get("url") or ""))
        elif kind == "emoji":
            name = str(el.get("name") or "")
            parts.append(EMOJI.get(name, f":{name}:"))
        elif kind == "date":
            parts.append(str(el.get("fallback") or el.get("timestamp") or ""))
    return "".join(parts)


def render_blocks(blocks: Iterable[Any], names: Names = _NO_NAMES) -> list[str]:
    """Block Kit blocks as lines of text."""
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"), names)
            lines += [title, "─" * min(len(title), 60)]
        elif kind == "section":
            text = _text_of(block.get("text"), names)
            accessory = block.get("accessory")
            section = text.splitlines() if text.strip() else []
            if accessory is not None:
                extra = _element(accessory, names)
                if section:
                    section[-1] = f"{section[-1]}  {extra}"
                else:
                    section = [extra]
            lines += section
            if block.get("fields"):
                lines += _fields(block["fields"], names)
        elif kind == "context":
            parts = [
                _text_of(el, names) if el.get("type") != "image" else ""
                for el in block.get("elements") or []
                if isinstance(el, Mapping)
            ]
            lines += " · ".join(p for p in parts if p).splitlines()
        elif kind in ("actions", "context_actions"):
            lines.append("  ".join(_element(el, names) for el in block.get("elements") or []))
        elif kind == "divider":
            lines.append("─" * 20)
        elif kind == "input":
            label = _text_of(block.get("label"), names)
            el = block.get("element") or {}
            optional = " (optional)" if block.get("optional") else ""
            if isinstance(el, Mapping) and el.get("type") == "checkboxes":
                lines.append(f"{label}{optional}:")
                lines += ["  " + line for line in _checkboxes(el, names)]
            else:
                lines.append(f"{label}{optional}: {_element(el, names)}")
            hint = _text_of(block.get("hint"), names)
            if hint:
                lines.append(f"  {hint}")
        elif kind == "rich_text":
            lines += _rich_text(block.get("elements") or [], names).splitlines()
        elif kind == "markdown":
            lines += mrkdwn_to_text(str(block.get("text") or ""), names).splitlines()
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text') or ''}]")
        else:
            lines.append(f"[{kind} block]")
    return lines


def render_message(message: Mapping[str, Any], names: Names = _NO_NAMES) -> list[str]:
    """A message as a reader sees it: its blocks, or its text when it has none."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, names)
    text = str(message.get("text") or "")
    return mrkdwn_to_text(text, names).splitlines() or [""]


def render_view(view: Mapping[str, Any], names: Names = _NO_NAMES) -> list[str]:
    """A modal (title, blocks, then its buttons) or a Home tab (its blocks)."""
    lines: list[str] = []
    if view.get("type") == "modal":
        title = _text_of(view.get("title"), names)
        lines += [f"┌ {title} ┐"]
    lines += render_blocks(view.get("blocks") or [], names)
    if view.get("type") == "modal":
        buttons = [
            f"[ {_text_of(view.get(key), names)} ]"
            for key in ("close", "submit")
            if isinstance(view.get(key), Mapping)
        ]
        if buttons:
            lines.append("  ".join(buttons))
    return lines
