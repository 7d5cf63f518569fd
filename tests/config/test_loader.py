"""The lanes/teams file: what a good file turns into, and every problem a bad one has."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, load_config_text, parse_config
from bot.domain.durations import Duration
from bot.domain.lanes import ApprovalPolicy, BusinessHours, SeverityTarget

# Copied verbatim from SPEC.md, "Configuration".
SPEC_EXAMPLE = """\
timezone: America/Chicago
admins: [U01ADMIN]                 # admin commands, every scorecard
teams:
  - key: service-desk
    name: Service Desk
    channel: C01DESK               # daily stand-up digest and weekly Level-10 prompt
    timezone: America/Chicago      # optional, else the top-level timezone
    business_hours: {days: [mon, tue, wed, thu, fri], start: "08:00", end: "18:00"}
    holidays: {country: US, dates: ["2026-12-24"]}
    members: [U01TECH1, U01TECH2]
    leads: [U01LEAD]
    standup: {time: "08:45"}       # on business days, team-local time
    level10: {day: tue, time: "09:00"}
    aged_backlog_alert: 4          # 4+ tickets aged past SLA triggers a Level-10 review
protected:
  users: [U01TECH1, U01TECH2]      # always protected; anyone can also use /focus
  channels: all                    # or a list of channel ids to watch
lanes:
  - key: client-request
    name: Client priority request
    when: A client asks for a faster turnaround or a priority change
    team: service-desk
    channel: C01ESCALATIONS
    severities:                    # business time of the owning team
      P1: {respond: 15m, resolve: 4h}
      P2: {respond: 1h, resolve: 1d}
      P3: {respond: 4h, resolve: 3d}
    approval: {at_or_above: P2}    # none | always | {at_or_above: SEVERITY}
    approvers: [U01SM, S01MANAGERS]  # users and user groups
    done:                          # definition of done, all required to resolve
      - Client told the new target in writing
      - Ticket priority updated in the PSA
    keywords: [faster, priority, expedite, asap]   # used to suggest this lane
"""

MINIMAL = """\
timezone: Europe/London
teams:
  - key: desk
    name: Desk
    channel: C0DESK
lanes:
  - key: alert
    name: Alert
    when: A monitoring alert needs action
    team: desk
    channel: C0ALERTS
    severities:
      P3: {respond: 4h, resolve: 3d}
      P1: {respond: 15m, resolve: 4h}
      P2: {respond: 1h, resolve: 1d}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, source="lanekeeper.yaml")
    return caught.value.problems


def with_lane(**changes: str) -> str:
    """MINIMAL with keys of its lane replaced or added (``key="yaml text"``)."""
    head, lane = MINIMAL.split("lanes:\n")
    lines = lane.splitlines()
    for key, value in changes.items():
        index = next((i for i, old in enumerate(lines) if old[4:].startswith(f"{key}:")), None)
        if index is None:
            lines.append(f"    {key}: {value}")
        else:
            lines[index] = f"{lines[index][:4]}{key}: {value}"
            while index + 1 < len(lines) and lines[index + 1].startswith("     "):
                del lines[index + 1]  # the old value's own lines
    return head + "lanes:\n" + "\n".join(lines) + "\n"


def test_the_spec_example_loads_into_the_domain_model() -> None:
    config = load_config_text(SPEC_EXAMPLE)

    assert config.timezone == "America/Chicago"
    assert config.admins == ("U01ADMIN",)
    assert list(config.teams) == ["service-desk"]
    desk = config.teams["service-desk"]
    assert desk.name == "Service Desk"
    assert desk.channel == "C01DESK"
    assert desk.timezone == "America/Chicago"
    assert desk.business_hours == BusinessHours(
        days=frozenset({0, 1, 2, 3, 4}), start=time(8, 0), end=time(18, 0)
    )
    assert desk.holiday_country == "US"
    assert desk.holiday_subdivision is None
    assert desk.holiday_dates == ("2026-12-24",)
    assert desk.members == ("U01TECH1", "U01TECH2")
    assert desk.leads == ("U01LEAD",)
    assert desk.standup_time == time(8, 45)
    assert desk.level10_day == 1
    assert desk.level10_time == time(9, 0)
    assert desk.aged_backlog_alert == 4

    assert config.protected.users == ("U01TECH1", "U01TECH2")
    assert config.protected.channels == "all"

    lane = config.lanes["client-request"]
    assert lane.name == "Client priority request"
    assert lane.when == "A client asks for a faster turnaround or a priority change"
    assert lane.team == "service-desk"
    assert config.team_of(lane) is desk
    assert lane.channel == "C01ESCALATIONS"
    assert lane.severities == {
        "P1": SeverityTarget(respond=Duration(seconds=900), resolve=Duration(seconds=4 * 3600)),
        "P2": SeverityTarget(respond=Duration(seconds=3600), resolve=Duration(days=1)),
        "P3": SeverityTarget(respond=Duration(seconds=4 * 3600), resolve=Duration(days=3)),
    }
    assert lane.approval == ApprovalPolicy(mode="at_or_above", severity="P2")
    assert [s for s in lane.severity_order if lane.needs_approval(s)] == ["P1", "P2"]
    assert lane.approvers == ("U01SM", "S01MANAGERS")
    assert lane.done == (
        "Client told the new target in writing",
        "Ticket priority updated in the PSA",
    )
    assert lane.keywords == ("faster", "priority", "expedite", "asap")


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "lanekeeper.yaml"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")

    assert load_config(path) == load_config_text(SPEC_EXAMPLE)
    assert load_config(str(path)).lane_keys() == ("client-request",)


def test_defaults_fill_what_the_file_leaves_out() -> None:
    config = load_config_text(MINIMAL)

    desk = config.teams["desk"]
    assert desk.timezone == "Europe/London"  # the top-level timezone
    assert desk.business_hours == BusinessHours()  # mon-fri 08:00-18:00
    assert (desk.holiday_country, desk.holiday_subdivision, desk.holiday_dates) == (None, None, ())
    assert (desk.members, desk.leads) == ((), ())
    assert desk.standup_time == time(8, 45)
    assert (desk.level10_day, desk.level10_time) == (1, time(9, 0))
    assert desk.aged_backlog_alert == 4
    assert config.admins == ()
    assert config.protected.users == ()
    assert config.protected.channels == "all"
    lane = config.lanes["alert"]
    assert lane.approval == ApprovalPolicy("none")
    assert (lane.approvers, lane.done, lane.keywords) == ((), (), ())
    # file order is kept: the first severity written is the most severe
    assert lane.severity_order == ("P3", "P1", "P2")


def test_a_file_with_many_mistakes_reports_every_one_by_path() -> None:
    text = """\
timezone: America/Chicago
admins: [U01ADMIN, admin]
teams:
  - key: service-desk
    name: Service Desk
    channel: "#desk"
    timezone: Mars/Olympus
    business_hours: {days: [mon, funday], start: "8am", end: "18:00"}
    holidays: {country: XX, dates: ["2026-12-24", "2026-13-01", "Dec 25"]}
    members: [U01TECH1, S01GROUP]
    level10: {day: someday}
    aged_backlog_alert: 0
  - key: service-desk
    name: Night Desk
    channel: C01NIGHT
    business_hours: {start: "18:00", end: "08:00"}
    standup: {tme: "08:45"}
  - key: noc
    channel: C01NOC
protected:
  users: [U01TECH1]
  channels: some
lanes:
  - key: Client Request
    name: Client priority request
    when: A client asks for a faster turnaround
    team: service-desk
    channel: C01ESC
    severities:
      P1: {respond: 4h, resolve: 1h}
      P2: {respond: 1h, resolve: 4x}
    approval: {at_or_above: P5}
    aproovers: [U01SM]
  - key: change
    name: Change
    when: A change with its window
    team: projects
    channel: C01CHG
    severities: {}
    approval: sometimes
  - key: change
    name: Change again
    when: Another change lane
    team: noc
    channel: 123
    severities:
      P1: {respond: 15m}
    approval: always
    approvers: [U01SM, channel]
"""
    assert problems_of(text) == [
        'admins[1]: "admin" is not a user id (user ids start with U or W)',
        'teams[0].channel: "#desk" is not a channel id (channel ids start with C or G)',
        'teams[0].timezone: "Mars/Olympus" is not a known timezone'
        " (use an IANA name such as America/Chicago)",
        'teams[0].business_hours.days[1]: "funday" is not a weekday'
        " (use mon, tue, wed, thu, fri, sat, sun)",
        'teams[0].business_hours.start: "8am" is not a time of day (use HH:MM, e.g. "08:00")',
        'teams[0].holidays.country: "XX" is not a country the holidays library knows'
        " (use an ISO 3166 code such as US, CA, GB or AU)",
        'teams[0].holidays.dates[1]: "2026-13-01" is not a date'
        ' (use YYYY-MM-DD, e.g. "2026-12-24")',
        'teams[0].holidays.dates[2]: "Dec 25" is not a date (use YYYY-MM-DD, e.g. "2026-12-24")',
        'teams[0].members[1]: "S01GROUP" is not a user id (user ids start with U or W)',
        'teams[0].level10.day: "someday" is not a weekday (use mon, tue, wed, thu, fri, sat, sun)',
        "teams[0].aged_backlog_alert: must be at least 1 (got 0)",
        'teams[1].key: duplicate team key "service-desk" (already used by teams[0])',
        'teams[1].business_hours.end: "08:00" must be after start "18:00"'
        ' (for all day use start "00:00", end "24:00")',
        'teams[1].standup.tme: unknown key (did you mean "time"?)',
        "teams[2].name: is required",
        'protected.channels: must be "all" or a list of channel ids (got "some")',
        'lanes[0].key: "Client Request" is not a valid key'
        " (use lowercase letters, digits and dashes, e.g. client-request)",
        "lanes[0].severities.P1: respond (4h) is longer than resolve (1h)",
        'lanes[0].severities.P2.resolve: "4x" is not a duration (use e.g. 15m, 4h, 1d, 1h30m)',
        'lanes[0].approval: at_or_above "P5" is not one of this lane\'s severities (P1, P2)',
        'lanes[0].aproovers: unknown key (did you mean "approvers"?)',
        "lanes[0].approvers: the lane needs approval at P5 or above but lists no approvers",
        'lanes[1].team: no team "projects" (teams: service-desk, noc)',
        "lanes[1].severities: must not be empty",
        'lanes[1].approval: "sometimes" is not an approval policy'
        " (use none, always or {at_or_above: SEVERITY})",
        'lanes[2].key: duplicate lane key "change" (already used by lanes[1])',
        "lanes[2].channel: 123 is not a channel id (channel ids start with C or G)",
        "lanes[2].severities.P1.resolve: is required",
        'lanes[2].approvers[1]: "channel" is not a user or user group id'
        " (users start with U or W, user groups with S)",
    ]


def test_the_error_names_the_file_and_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "lanekeeper.yaml"
    path.write_text(with_lane(channel="general", approval="always"), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert caught.value.path == str(path)
    assert str(caught.value) == "\n".join(
        [
            f"{path}: 2 problems:",
            '  - lanes[0].channel: "general" is not a channel id (channel ids start with C or G)',
            "  - lanes[0].approvers: the lane always needs approval but lists no approvers",
        ]
    )


def test_a_missing_file_says_to_run_init(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert caught.value.problems == [
        f"{path}: file not found; run `lanekeeper init` to write a starter file"
        " (or point LANEKEEPER_CONFIG at yours)"
    ]
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "lanekeeper.yaml: the file is empty; run `lanekeeper init` for a starter file"),
        (
            "- just\n- a list\n",
            "lanekeeper.yaml: must be a mapping with timezone, teams and lanes at the top",
        ),
        (
            "timezone: UTC\nteams: [\n  {key: desk}\nlanes: []\n",
            "lanekeeper.yaml, line 4, column 1: invalid YAML:"
            " expected ',' or ']', but got '<scalar>'",
        ),
        (
            "timezone: UTC\ntimezone: Europe/Paris\n",
            'lanekeeper.yaml, line 2, column 1: invalid YAML: duplicate key "timezone"',
        ),
    ],
)
def test_unreadable_files_are_refused_with_where(text: str, problem: str) -> None:
    assert problems_of(text) == [problem]


def test_the_top_level_keys_are_required_and_checked() -> None:
    assert problems_of("admins: []\ntimezones: UTC\n") == [
        'timezones: unknown key (did you mean "timezone"?)',
        "timezone: is required",
        "teams: is required",
        "lanes: is required",
    ]
    assert problems_of("timezone: UTC\nteams: []\nlanes: {}\n") == [
        "teams: must not be empty",
        "lanes: must be a list (got {})",
    ]


def test_unknown_keys_without_a_close_match_list_the_known_ones() -> None:
    assert problems_of(MINIMAL.replace("    channel: C0DESK", "    channel: C0DESK\n    x: 1")) == [
        "teams[0].x: unknown key (known keys: key, name, channel, timezone, business_hours,"
        " holidays, members, leads, standup, level10, aged_backlog_alert, ticket_sla)"
    ]


def test_wrong_types_are_named() -> None:
    text = MINIMAL.replace(
        "    channel: C0DESK", "    channel: C0DESK\n    aged_backlog_alert: '4'"
    )
    text = text.replace("name: Alert", "name: [Alert]")
    assert problems_of(text) == [
        'teams[0].aged_backlog_alert: must be a whole number (got "4")',
        "lanes[0].name: must be text (got ['Alert'])",
    ]
    assert problems_of(with_lane(severities="P1")) == [
        'lanes[0].severities: must be a mapping (key: value) (got "P1")'
    ]
    assert problems_of(with_lane(done="Ticket closed")) == [
        'lanes[0].done: must be a list (got "Ticket closed")'
    ]


def test_unquoted_times_and_norway_are_read_as_written() -> None:
    # YAML 1.1 would read 18:00 as the number 1080 and NO as false; this file means neither.
    text = MINIMAL.replace(
        "    channel: C0DESK",
        "    channel: C0DESK\n"
        "    business_hours: {start: 7:30, end: 18:00}\n"
        "    holidays: {country: NO, dates: [2026-12-24]}",
    )
    desk = load_config_text(text).teams["desk"]
    assert (desk.business_hours.start, desk.business_hours.end) == (time(7, 30), time(18, 0))
    assert desk.holiday_country == "NO"
    assert desk.holiday_dates == ("2026-12-24",)


def test_a_24_hour_team_runs_from_00_00_to_24_00() -> None:
    text = MINIMAL.replace(
        "    channel: C0DESK",
        "    channel: C0DESK\n"
        "    business_hours: {days: [MON, tue, wed, thu, fri, sat, sunday],"
        ' start: "00:00", end: "24:00"}',
    )
    hours = load_config_text(text).teams["desk"].business_hours
    assert hours == BusinessHours(days=frozenset(range(7)), start=time(0), end=time(0))
    assert hours.all_day

    late = MINIMAL.replace(
        "    channel: C0DESK",
        '    channel: C0DESK\n    business_hours: {start: "18:00", end: "24:00"}',
    )
    assert problems_of(late) == [
        'teams[0].business_hours.end: "24:00" can only end an all-day window (start "00:00")'
    ]


def test_team_timezone_holidays_and_cadence_are_read() -> None:
    text = MINIMAL.replace(
        "    channel: C0DESK",
        "    channel: C0DESK\n"
        "    timezone: America/Denver\n"
        "    holidays: {country: us, subdivision: tx}\n"
        '    standup: {time: "9:15"}\n'
        '    level10: {day: Thursday, time: "14:30"}\n'
        "    aged_backlog_alert: 6",
    )
    desk = load_config_text(text).teams["desk"]
    assert desk.timezone == "America/Denver"
    assert (desk.holiday_country, desk.holiday_subdivision) == ("US", "TX")
    assert desk.standup_time == time(9, 15)
    assert (desk.level10_day, desk.level10_time) == (3, time(14, 30))
    assert desk.aged_backlog_alert == 6


def test_holiday_subdivisions_belong_to_their_country() -> None:
    def holidays(value: str) -> str:
        return MINIMAL.replace("    channel: C0DESK", f"    channel: C0DESK\n    holidays: {value}")

    assert problems_of(holidays("{subdivision: TX}")) == [
        "teams[0].holidays.subdivision: a subdivision needs a country"
    ]
    assert problems_of(holidays("{country: CA, subdivision: TX}")) == [
        'teams[0].holidays.subdivision: "TX" is not a subdivision of CA'
        " (AB, BC, MB, NB, NL, NS, NT, NU, ON, PE, QC, SK, YT)"
    ]
    # a bad country is the one problem: no second complaint about its subdivision
    assert problems_of(holidays("{country: ZZ, subdivision: TX}")) == [
        'teams[0].holidays.country: "ZZ" is not a country the holidays library knows'
        " (use an ISO 3166 code such as US, CA, GB or AU)"
    ]


@pytest.mark.parametrize(
    ("approval", "expected"),
    [
        ("none", ApprovalPolicy("none")),
        ("null", ApprovalPolicy("none")),
        ("always", ApprovalPolicy("always")),
        ("{at_or_above: P2}", ApprovalPolicy("at_or_above", "P2")),
    ],
)
def test_approval_policies(approval: str, expected: ApprovalPolicy) -> None:
    lane = load_config_text(with_lane(approval=approval, approvers="[U0SM, S0MANAGERS]")).lanes[
        "alert"
    ]
    assert lane.approval == expected
    assert lane.approvers == ("U0SM", "S0MANAGERS")


@pytest.mark.parametrize(
    "approval", ["sometimes", "[always]", "{at_or_above: P2, also: P1}", "{at_least: P2}"]
)
def test_other_approval_forms_are_refused(approval: str) -> None:
    [problem] = problems_of(with_lane(approval=approval, approvers="[U0SM]"))
    assert problem.startswith("lanes[0].approval: ")
    assert problem.endswith(
        "is not an approval policy (use none, always or {at_or_above: SEVERITY})"
    )


def test_an_approval_needs_approvers() -> None:
    assert problems_of(with_lane(approval="{at_or_above: P1}", approvers="[]")) == [
        "lanes[0].approvers: the lane needs approval at P1 or above but lists no approvers"
    ]


def test_respond_and_resolve_compare_in_the_team_business_day() -> None:
    # a "d" is one business day of the owning team: 10h at 08:00-18:00, 24h for a 24/7 team
    assert problems_of(with_lane(severities="{P1: {respond: 12h, resolve: 1d}}")) == [
        "lanes[0].severities.P1: respond (12h) is longer than resolve (1d)"
    ]
    all_day = with_lane(severities="{P1: {respond: 12h, resolve: 1d}}").replace(
        "    channel: C0DESK",
        '    channel: C0DESK\n    business_hours: {start: "00:00", end: "24:00"}',
    )
    assert load_config_text(all_day).lanes["alert"].severities["P1"].respond == Duration(
        seconds=12 * 3600
    )
    # the same respond and resolve is fine
    assert load_config_text(with_lane(severities="{P1: {respond: 1h, resolve: 60m}}"))


def test_durations_that_are_not_durations() -> None:
    assert problems_of(with_lane(severities="{P1: {respond: 0m, resolve: 4}}")) == [
        'lanes[0].severities.P1.respond: "0m" is zero; a duration must be longer than that',
        'lanes[0].severities.P1.resolve: "4" is not a duration (use e.g. 15m, 4h, 1d, 1h30m)',
    ]


def test_lane_keys_keywords_and_done() -> None:
    text = with_lane(keywords="[ASAP, '  On   Call ', asap]", done="['  Client told in writing  ']")
    lane = load_config_text(text).lanes["alert"]
    assert lane.keywords == ("asap", "on call")
    assert lane.done == ("Client told in writing",)

    assert problems_of(with_lane(key="Alerts_1", done="['', ok]")) == [
        'lanes[0].key: "Alerts_1" is not a valid key'
        " (use lowercase letters, digits and dashes, e.g. client-request)",
        "lanes[0].done[0]: must not be empty",
    ]


def test_slack_ids_must_have_the_right_shape() -> None:
    text = with_lane(approvers="[U0SM, W0SM, S0GROUP, C0CHAN]").replace(
        "    channel: C0DESK",
        "    channel: G0PRIVATE\n    members: [U0ONE, W0TWO, u0three]\n    leads: [S0LEADS]",
    )
    assert problems_of(text) == [
        'teams[0].members[2]: "u0three" is not a user id (user ids start with U or W)',
        'teams[0].leads[0]: "S0LEADS" is not a user id (user ids start with U or W)',
        'lanes[0].approvers[3]: "C0CHAN" is not a user or user group id'
        " (users start with U or W, user groups with S)",
    ]


def test_protected_people_and_watched_channels() -> None:
    text = MINIMAL + "protected:\n  users: [U0TECH]\n  channels: [C0ONE, G0TWO]\n"
    protected = load_config_text(text).protected
    assert protected.users == ("U0TECH",)
    assert protected.channels == ("C0ONE", "G0TWO")
    assert protected.watches("C0ONE") and not protected.watches("C0OTHER")

    bad = MINIMAL + "protected:\n  users: U0TECH\n  channels: [C0ONE, general]\n"
    assert problems_of(bad) == [
        'protected.users: must be a list (got "U0TECH")',
        'protected.channels[1]: "general" is not a channel id (channel ids start with C or G)',
    ]


def test_exempt_leads_is_off_unless_set_and_takes_only_true_or_false() -> None:
    assert load_config_text(MINIMAL).protected.exempt_leads is False
    assert load_config_text(SPEC_EXAMPLE).protected.exempt_leads is False
    on = MINIMAL + "protected:\n  users: [U0TECH]\n  exempt_leads: true\n"
    protected = load_config_text(on).protected
    assert protected.exempt_leads is True
    assert protected.users == ("U0TECH",) and protected.channels == "all"
    off = MINIMAL + "protected:\n  exempt_leads: false\n"
    assert load_config_text(off).protected.exempt_leads is False

    for value, shown in (("yes", '"yes"'), ("1", "1"), ('"true"', '"true"'), ("", "null")):
        bad = MINIMAL + f"protected:\n  exempt_leads: {value}\n"
        assert problems_of(bad) == [f"protected.exempt_leads: must be true or false (got {shown})"]
    typo = MINIMAL + "protected:\n  exempt_lead: true\n"
    assert problems_of(typo) == [
        'protected.exempt_lead: unknown key (did you mean "exempt_leads"?)'
    ]


def test_parse_config_takes_already_parsed_data() -> None:
    data = {
        "timezone": "UTC",
        "teams": [{"key": "desk", "name": "Desk", "channel": "C0DESK"}],
        "lanes": [
            {
                "key": "alert",
                "name": "Alert",
                "when": "An alert needs action",
                "team": "desk",
                "channel": "C0ALERTS",
                "severities": {"P1": {"respond": "15m", "resolve": "4h"}},
            }
        ],
    }
    assert parse_config(data).lanes["alert"].severity_order == ("P1",)

    with pytest.raises(ConfigError) as caught:
        parse_config({**data, "timezone": "Nowhere/Else"}, source="db")
    assert caught.value.problems == [
        'timezone: "Nowhere/Else" is not a known timezone'
        " (use an IANA name such as America/Chicago)"
    ]
    assert caught.value.path is None
