"""Who asked, as a renderer shows it."""

from __future__ import annotations

from bot.slack.block_kit import requester


def test_a_person_is_mentioned_and_a_monitor_is_named() -> None:
    assert requester("U01REQ") == "<@U01REQ>"
    assert requester("W0ENTERPRISE") == "<@W0ENTERPRISE>"
    # An alert's requester is its sender: <@alertmanager> would show as a broken mention.
    assert requester("alertmanager") == "alertmanager (monitoring)"
    assert requester("<!channel>") == "&lt;!channel&gt; (monitoring)"
