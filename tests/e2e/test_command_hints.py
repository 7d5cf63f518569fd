"""The manifest's slash-command hints and ``/lanes``' bad-option reply name what the code accepts."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.slack.level10 import LANES_SUBCOMMANDS
from tests.e2e.conftest import Harness

ROOT = Path(__file__).resolve().parents[2]


def _hints() -> dict[str, str]:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yml").read_text())
    return {c["command"]: c["usage_hint"] for c in manifest["features"]["slash_commands"]}


def test_lanes_hint_names_every_option() -> None:
    hint = _hints()["/lanes"]
    for word in ["mine", *LANES_SUBCOMMANDS]:
        assert word in hint, f"/lanes usage_hint {hint!r} does not name {word!r}"


def test_escalate_hint_claims_no_fixed_severity_range() -> None:
    # The parser takes any severity a lane names (P4, SEV2, critical …), not only P1-P3.
    hint = _hints()["/escalate"]
    assert "[severity]" in hint and "P1" not in hint


def test_lanes_bad_option_reply_names_every_option(app: Harness) -> None:
    before = len(app.fake.calls_to("chat.postMessage"))
    resp = app.slack.slash_command("/lanes", "bogus", user="U01REQ", channel="C01DESK")
    assert resp.status_code == 200
    text = json.dumps(resp.json())
    assert "Unknown option" in text
    for word in ["/lanes mine", *(f"/lanes {w}" for w in LANES_SUBCOMMANDS)]:
        assert word in text, f"the bad-option reply does not name {word!r}"
    app.settle()
    assert len(app.fake.calls_to("chat.postMessage")) == before
    assert app.escalations() == []
