"""Showing user text safely in Slack.

Slack's mrkdwn gives ``<``, ``>`` and ``&`` control meaning (``<!channel>``, ``<@U123>``,
``<http://x|y>``); everything a person typed is escaped before the bot shows it, so nobody can
make the bot ping a channel, mention someone or show a disguised link by typing one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^>|]+)(?:\|([^>]*))?>")


def escape(text: str | None) -> str:
    """Escape Slack's control characters so the text shows literally."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut to ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def plain_from_slack(text: str, names: Mapping[str, str] | None = None) -> str:
    """Turn Slack-formatted message text into readable plain text (for pre-filling a modal).

    ``<@U1|tina>`` → ``@tina`` (or ``@U1``), ``<#C1|desk>`` → ``#desk``, ``<https://x|y>`` → ``y (https://x)``,
    entities unescaped; ``names`` (user id → display name) names the unlabelled mentions that
    message events carry. The result is still user text and gets :func:`escape` when shown.
    """
    names = names or {}

    def link(m: re.Match[str]) -> str:
        url, label = m.group(1), m.group(2)
        return f"{label} ({url})" if label and label != url else url

    def mention(m: re.Match[str]) -> str:
        sigil, ident, label = m.group(1), m.group(2), m.group(3)
        if sigil == "!":
            return "@" + (label or ident.split("^")[-1])
        return sigil + (label or names.get(ident) or ident)

    out = _LINK.sub(link, text)
    out = _MENTION.sub(mention, out)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def message_link(channel: str | None, ts: str | None) -> str | None:
    """The permalink shape of a Slack message (``https://slack.com/archives/C…/p…``)."""
    if not channel or not ts:
        return None
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def safe_link(url: str | None) -> bool:
    """Whether ``url`` can go inside Slack's ``<url|label>`` as is: http(s), no markup chars."""
    return (
        bool(url)
        and str(url).startswith(("https://", "http://"))
        and not any(c in str(url) for c in "<>| \n")
    )
