"""The /escalate modal asks for a window start in the lanes the configuration marks ``window:``
(issue 13: lane roles from configuration, not the literal key ``change``)."""

from __future__ import annotations

from typing import Any

from bot.domain.durations import parse_duration
from bot.domain.lanes import Lane, SeverityTarget
from bot.slack.modals import escalation_modal


def lane(key: str, name: str, *, window: bool) -> Lane:
    target = SeverityTarget(respond=parse_duration("1h"), resolve=parse_duration("4h"))
    return Lane(key, name, "when", "noc", "C0LANE", {"p2": target}, window=window)


def window_input(modal: dict[str, Any]) -> dict[str, Any] | None:
    return next((b for b in modal["blocks"] if b.get("block_id") == "starts_at"), None)


def test_a_window_lane_under_any_key_gets_the_window_start() -> None:
    modal = escalation_modal(
        [lane("alert", "Alerts", window=False), lane("maint", "Maintenance", window=True)]
    )
    block = window_input(modal)
    assert block is not None and block["element"]["type"] == "datetimepicker"
    assert block["label"]["text"] == "Window starts (Maintenance only)"


def test_a_lane_keyed_change_without_window_gets_none() -> None:
    assert window_input(escalation_modal([lane("change", "Changes", window=False)])) is None
