"""`lanekeeper init`'s starter file: loads cleanly, with the seven default lanes of the SPEC."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import load_config, load_config_text, starter_yaml, write_starter
from bot.domain.lanes import DEFAULT_LANE_KEYS, ApprovalPolicy


def test_the_starter_loads_with_every_default_lane_in_order() -> None:
    config = load_config_text(starter_yaml(), source="starter.yaml")

    assert config.lane_keys() == DEFAULT_LANE_KEYS
    assert list(config.teams) == ["service-desk", "noc"]
    for lane in config.lanes.values():
        assert lane.team in config.teams
        assert lane.when and lane.name
        assert lane.severity_order[0] == "P1"
        assert 3 <= len(lane.severities) <= 4
        assert len(lane.done) >= 3, lane.key
        assert len(lane.keywords) >= 5, lane.key


def test_the_starter_asks_approval_where_the_spec_does() -> None:
    lanes = load_config_text(starter_yaml()).lanes

    needs_approval = {key for key, lane in lanes.items() if lane.approval.mode != "none"}
    assert needs_approval == {"client-request", "change", "onsite"}
    assert lanes["client-request"].approval == ApprovalPolicy("at_or_above", "P2")
    assert lanes["change"].approval == ApprovalPolicy("always")
    assert lanes["onsite"].approval == ApprovalPolicy("always")
    for key in needs_approval:
        assert any(a.startswith("S") for a in lanes[key].approvers)


def test_the_starter_keywords_suggest_the_right_lane() -> None:
    lanes = load_config_text(starter_yaml()).lanes

    expected = {
        "alert": {"alert", "monitoring", "backup", "failed", "offline", "disk", "cpu"},
        "coverage": {"coverage", "cover", "shift", "on call", "pto", "vacation", "schedule"},
        "security": {
            "phish",
            "password",
            "mfa",
            "locked out",
            "breach",
            "suspicious",
            "compromise",
        },
        "sla-risk": {"sla", "overdue", "breach", "aging", "ticket"},
        "change": {"change", "maintenance", "window", "patch", "upgrade", "reboot", "deploy"},
        "onsite": {"onsite", "on-site", "visit", "dispatch", "truck roll"},
        "client-request": {"faster", "priority", "expedite", "asap", "escalate", "vip"},
    }
    for key, words in expected.items():
        assert words <= set(lanes[key].keywords), key


def test_the_starter_has_a_24_7_noc_and_an_office_hours_desk() -> None:
    teams = load_config_text(starter_yaml()).teams

    assert teams["noc"].business_hours.all_day
    assert teams["noc"].business_hours.days == frozenset(range(7))
    assert not teams["service-desk"].business_hours.all_day
    assert teams["service-desk"].holiday_country == "US"


def test_the_starter_explains_itself_and_marks_placeholders() -> None:
    text = starter_yaml()
    data = yaml.safe_load(text)

    assert text.count("# REPLACE") >= 10
    for key in ("timezone", "admins", "teams", "protected", "lanes"):
        assert key in data
    for key in ("business_hours", "holidays", "standup", "level10", "aged_backlog_alert"):
        assert f"{key}:" in text and "# " in text.split(f"{key}:", 1)[1].splitlines()[0]
    for key in ("severities", "approval", "done", "keywords"):
        assert f"#   {key}" in text


def test_write_starter_writes_a_file_that_loads(tmp_path: Path) -> None:
    path = write_starter(tmp_path / "config" / "lanekeeper.yaml")

    assert path.read_text(encoding="utf-8") == starter_yaml()
    assert load_config(path).lane_keys() == DEFAULT_LANE_KEYS


def test_write_starter_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / "lanekeeper.yaml"
    path.write_text("timezone: UTC  # mine\n", encoding="utf-8")

    with pytest.raises(FileExistsError, match="already exists; use --force"):
        write_starter(path)
    assert path.read_text(encoding="utf-8") == "timezone: UTC  # mine\n"

    write_starter(path, force=True)
    assert path.read_text(encoding="utf-8") == starter_yaml()
