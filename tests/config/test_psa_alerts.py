"""The `psa:` and `alerts:` blocks of the lanes file (SPEC, Configuration)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import ConfigError, load_config_text
from tests.config.test_loader import MINIMAL

# The blocks as SPEC.md shows them, with the team key of MINIMAL.
PSA_AND_ALERTS = """\
psa:                               # optional: the MSP's ticket queue, synced by the clock
  kind: connectwise                # connectwise | autotask | halo
  url: https://na.myconnectwise.net  # ConnectWise site, HaloPSA instance, or Autotask's zone-discovery base
  sync_every: 5m
  teams:
    Service Desk: desk
  severities:
    Priority 1 - Emergency Response: P1
    Priority 2 - Quick Response: P2
    Priority 3 - Normal Response: P3
  people:
    dwhitfield: U01TECH1
alerts:
  lane: alert
  severities: {critical: P1, error: P1, warning: P2, info: P3}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, source="lanekeeper.yaml")
    return caught.value.problems


def test_spec_blocks_load() -> None:
    config = load_config_text(MINIMAL + PSA_AND_ALERTS, source="lanekeeper.yaml")
    assert config.psa is not None
    assert (config.psa.kind, config.psa.url, config.psa.sync_every) == (
        "connectwise",
        "https://na.myconnectwise.net",
        timedelta(minutes=5),
    )
    assert config.psa.teams == {"Service Desk": "desk"}
    assert config.psa.severities["Priority 2 - Quick Response"] == "P2"
    assert config.psa.people == {"dwhitfield": "U01TECH1"}
    assert config.alert_lane == "alert"
    assert config.alerts.severities == {
        "critical": "P1",
        "error": "P1",
        "warning": "P2",
        "info": "P3",
    }


def test_without_blocks_there_is_no_psa_and_alerts_default_to_the_alert_lane() -> None:
    config = load_config_text(MINIMAL, source="lanekeeper.yaml")
    assert config.psa is None
    assert config.alert_lane == "alert"
    renamed = load_config_text(MINIMAL.replace("key: alert", "key: monitoring"), source="x")
    assert renamed.alert_lane is None  # no lane named like alerts.lane: intake is off


def test_a_renamed_alert_lane_is_followed() -> None:
    text = MINIMAL.replace("key: alert", "key: monitoring") + "alerts: {lane: monitoring}\n"
    assert load_config_text(text, source="x").alert_lane == "monitoring"


def test_change_lane_windows_by_default_and_by_flag() -> None:
    config = load_config_text(MINIMAL.replace("key: alert", "key: change"), source="x")
    assert config.window_lanes == {"change"}
    flagged = MINIMAL.replace("    channel: C0ALERTS", "    channel: C0ALERTS\n    window: true")
    assert load_config_text(flagged, source="x").window_lanes == {"alert"}


def test_every_problem_is_named_by_path() -> None:
    bad = MINIMAL + PSA_AND_ALERTS.replace("kind: connectwise ", "kind: kaseya ").replace(
        "Service Desk: desk", "Service Desk: helpdesk"
    ).replace("Quick Response: P2", "Quick Response: P9").replace(
        "https://na.myconnectwise.net", "ftp://psa"
    ).replace("lane: alert", "lane: noc")
    problems = problems_of(bad)
    assert any(p.startswith("psa.kind:") for p in problems), problems
    assert any(p.startswith("psa.url:") and "not an http(s) URL" in p for p in problems), problems
    assert 'psa.teams.Service Desk: no team "helpdesk" (teams: desk)' in problems
    assert any(p.startswith("psa.severities.Priority 2 - Quick Response:") for p in problems)
    assert 'alerts.lane: no lane "noc" (lanes: alert)' in problems


def test_alert_severities_must_exist_in_the_alert_lane() -> None:
    text = MINIMAL + "alerts: {severities: {critical: P0}}\n"
    assert problems_of(text) == [
        'alerts.severities.critical: "P0" is not a severity of lane "alert" (P3, P1, P2)'
    ]


def test_ticket_sla_per_team() -> None:
    text = MINIMAL.replace(
        "    channel: C0DESK",
        "    channel: C0DESK\n    ticket_sla:\n      P1: {respond: 30m, resolve: 8h}",
    )
    team = load_config_text(text, source="x").teams["desk"]
    assert team.ticket_sla["P1"].resolve.seconds == 8 * 3600


def test_retention_defaults_and_calendar_durations() -> None:
    config = load_config_text(MINIMAL, source="x")
    assert (config.retention.interceptions, config.retention.tickets_closed) == (
        timedelta(days=90),
        timedelta(weeks=8),
    )
    text = (
        MINIMAL
        + "retention: {interceptions: 30d, requests: 12h, outbox: 2w, tickets_closed: 10w}\n"
    )
    r = load_config_text(text, source="x").retention
    assert (r.interceptions, r.requests, r.outbox, r.tickets_closed) == (
        timedelta(days=30),
        timedelta(hours=12),
        timedelta(days=14),
        timedelta(weeks=10),
    )
    assert problems_of(MINIMAL + "retention: {outbox: 30x, requests: 5m}\n") == [
        'retention.outbox: "30x" is not a duration (use e.g. 7d, 8w, 12h)',
        'retention.requests: "5m" is not a duration (use e.g. 7d, 8w, 12h)',
    ]
