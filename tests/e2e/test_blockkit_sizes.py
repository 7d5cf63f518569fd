"""Block Kit limits measured as Slack measures them, for non-ASCII (issue 14, item 6).

Summaries and details of emoji or CJK within the modal's own ``max_length`` made lane messages
of 17,891–34,505 characters (as Slack sizes blocks: the JSON it receives, non-ASCII escaped) and
approval DMs of 11,057–21,431, refused for good. The fake Slack now counts text limits in UTF-16
units and the blocks' total as escaped JSON (``bot/testing/_blockkit.py``); every post fits.
"""

from __future__ import annotations

import pytest

from bot.domain.escalation import MAX_CLIENT, MAX_DETAILS, MAX_SUMMARY
from bot.slack.blocks import blocks_size
from bot.testing._blockkit import blocks_json_size, check_message_blocks
from tests.e2e.conftest import Harness
from tests.e2e.test_approvals import dms_to
from tests.e2e.test_lifecycle import open_modal

EMOJI = "😀"  # 2 UTF-16 units, 12 characters of escaped JSON
CJK = "漢"  # 1 UTF-16 unit, 6 characters of escaped JSON
SLACK_BLOCKS_MAX = 13_000


def _fill(ch: str, units: int) -> str:
    """As many ``ch`` as a modal of ``max_length`` units lets a person type."""
    return ch * (units // (2 if ord(ch) > 0xFFFF else 1))


@pytest.mark.parametrize("ch", [EMOJI, CJK, "é"], ids=["emoji", "cjk", "latin1"])
def test_lane_message_and_approval_dms_of_non_ascii_text_are_posted(app: Harness, ch: str) -> None:
    view = open_modal(app, "client-request P2 x")
    resp = app.slack.submit_view(
        view["id"],
        user="U01REQ",
        values={
            "client": _fill(ch, MAX_CLIENT),
            "summary": _fill(ch, MAX_SUMMARY),
            "details": _fill(ch, MAX_DETAILS),
        },
    )
    assert resp.status_code == 200 and b"errors" not in resp.content, resp.text
    app.settle()
    lane = app.lane_message(1)  # posted: not refused with msg_blocks_too_long / invalid_blocks
    assert check_message_blocks(lane["blocks"]) == []
    print(f"\nlane message {ch!r}: {blocks_json_size(lane['blocks'])}")
    assert blocks_json_size(lane["blocks"]) <= SLACK_BLOCKS_MAX
    refused = [c for c in app.fake.calls if c.method.startswith("chat.") and not c.ok]
    assert refused == [], [(c.method, c.response) for c in refused]
    dms = [c for u in ("U01SM", "U01LEAD") for c in dms_to(app, u)]
    assert len(dms) == 2 and all(c.ok for c in dms)
    for call in dms:
        print(f"approval DM {ch!r}: {blocks_size(call.args['blocks'])}")
        assert blocks_size(call.args["blocks"]) <= SLACK_BLOCKS_MAX
    # the user's text is still there, cut, not dropped
    assert ch * 20 in str(lane["blocks"])
