from __future__ import annotations

from bot.config.loader import load_config
from bot.slack.commands import parse_escalate, suggest_lane
from tests.conftest import FIXTURES

LANES = load_config(FIXTURES / "lanes.yaml").lanes


def test_lane_severity_and_summary() -> None:
    args = parse_escalate("alert p1 Acme firewall offline", LANES)
    assert (args.lane, args.severity, args.summary, args.unknown_lane) == (
        "alert",
        "P1",
        "Acme firewall offline",
        None,
    )


def test_lane_key_any_case_and_no_lane() -> None:
    assert parse_escalate("Coverage need someone Thursday", LANES).lane == "coverage"
    args = parse_escalate("printer jammed again", LANES)
    assert (args.lane, args.severity, args.summary) == (None, None, "printer jammed again")


def test_a_typo_in_the_lane_is_reported_not_swallowed() -> None:
    args = parse_escalate("client-requst P2 faster please", LANES)
    assert args.unknown_lane == "client-requst" and args.lane is None and args.severity == "P2"
    assert parse_escalate("alrt disk full", LANES).unknown_lane == "alrt"


def test_custom_severity_names_are_recognised() -> None:
    from dataclasses import replace

    lane = LANES["alert"]
    custom = {
        "alert": replace(
            lane, severities={"critical": lane.severities["P1"], "high": lane.severities["P2"]}
        )
    }
    args = parse_escalate("alert HIGH backup failed", custom)
    assert (args.severity, args.summary) == ("high", "backup failed")


def test_suggest_lane_from_keywords() -> None:
    assert suggest_lane("the backup failed on FS01", LANES) == "alert"
    assert suggest_lane("can we expedite this, client wants it asap", LANES) == "client-request"
    assert suggest_lane("hello", LANES) is None


def test_an_unknown_severity_is_reported() -> None:
    args = parse_escalate("alert P4 disk trending up", LANES)
    assert (args.lane, args.severity, args.unknown_severity, args.summary) == (
        "alert",
        None,
        "P4",
        "disk trending up",
    )
    # coverage has P2 and P3 only: P1 exists elsewhere but not in this lane
    args = parse_escalate("coverage P1 need someone", LANES)
    assert (args.severity, args.unknown_severity) == (None, "P1")
