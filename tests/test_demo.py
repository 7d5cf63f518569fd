"""``lanekeeper demo``: the scripted day end to end, its failure modes, and the Block Kit renderer."""

from __future__ import annotations

import argparse
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config.loader import load_config
from bot.demo import (
    STEPS,
    DemoContext,
    Step,
    add_parser,
    cast_for,
    cmd_demo,
    default_config_path,
    main,
    run_demo,
)
from bot.demo.render import Names, mrkdwn_to_text, render_blocks, render_message, render_view
from bot.slack import blocks as ui
from bot.slack.interception import offer_blocks

SUMMARY = re.compile(
    r"^Demo finished in \d+\.\d s: 4 pings intercepted \(3 routed, 1 not a request\), "
    r"1 left alone, (?P<escalations>[56]) escalations, 1 approved, 1 refused non-approver, "
    r"(?P<resolved>[12]) resolved with its definition of done, "
    r"(?P<digests>\d+) stand-up digests? posted once each\.$"
)

CUSTOM_LANES = """\
timezone: Europe/London
teams:
  - key: helpdesk
    name: Helpdesk
    channel: C9HELP
    business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:30"}
    members: [U9ALICE, U9BOB]
    leads: [U9CAROL]
  - key: ops
    name: Operations
    channel: C9OPS
    business_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}
    members: [U9DAVE]
protected:
  users: [U9ALICE, U9DAVE]
  channels: [C9CLIENTS, C9HELP]
lanes:
  - key: noc-incident
    name: NOC incident
    when: Something is down
    team: ops
    channel: C9INCIDENTS
    severities:
      SEV1: {respond: 10m, resolve: 2h}
      SEV2: {respond: 1h, resolve: 8h}
    done: [Service restored, Post-mortem ticket opened]
    keywords: [down, outage, backup]
  - key: vip-request
    name: VIP request
    when: A VIP client wants something sooner
    team: helpdesk
    channel: C9VIP
    severities:
      high: {respond: 30m, resolve: 4h}
      normal: {respond: 2h, resolve: 1d}
    approval: always
    approvers: [S9BOSSES]
    keywords: [expedite, vip]
"""


def shows(text: str, phrase: str) -> bool:
    """Whether the readable transcript shows ``phrase`` (its lines are wrapped at 100)."""
    return " ".join(phrase.split()) in " ".join(text.split())


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.iterdir() if p.name.startswith("lanekeeper-demo-")]


# ---------------------------------------------------------------------------- the whole day


def test_the_default_day_plays_through_the_real_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    json_file = tmp_path / "transcript.json"
    started = time.monotonic()
    code = run_demo(out=out, temp_root=tmp_path, json_path=str(json_file))
    elapsed = time.monotonic() - started
    text = out.getvalue()
    assert code == 0, capsys.readouterr().err + text
    assert elapsed < 30
    assert leftovers(tmp_path) == []  # the temporary folder (SQLite …) is gone

    lines = text.splitlines()
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    assert summary["digests"] == "2"  # the NOC's and the service desk's, once each
    # The five escalations people raised, and the alert that opened and resolved itself.
    assert (summary["escalations"], summary["resolved"]) == ("6", "2")
    assert shows(text, "✔ running it again posts nothing")
    assert [line for line in lines[:-1] if len(line) > 100] == []  # wrapped, but the summary
    assert shows(text, "── 1. Rob pings Tina about a failed backup")
    assert shows(
        text,
        ("#acme-dental  Rob (account manager): @Tina (NOC tech) can you check the backup alert"),
    )
    assert shows(text, "→ only Rob sees (ephemeral) in #acme-dental:")
    assert shows(text, "[ Monitoring or backup alert (suggested) ]") and shows(
        text, "[ Not a request ]"
    )
    assert shows(text, "#alerts  Lanekeeper:") and shows(text, "ESC-1 · Monitoring or backup alert")
    assert shows(text, "[ Take it ]  [ Waiting on client ]  [ Resolve ]  [ Reassign ]")
    assert shows(text, "#acme-dental  Lanekeeper, in the thread of Rob's message:")
    assert shows(text, "Status: 🔵 In progress") and shows(text, "Owner: @Tina (NOC tech)")
    assert shows(text, "✖ the modal refuses it and stays open")
    assert shows(text, "✔ ESC-1 is unchanged (still in progress)")
    assert shows(text, "✔ ESC-1 is resolved with its definition of done and the note on record")
    assert shows(text, "✔ a thank-you is not a request: nobody is interrupted by the bot")
    assert shows(text, "→ the message disappears from Rob's screen")
    assert shows(text, "#service-desk  Sam (Service Desk tech): /escalate security P1")
    assert shows(text, "Nina (NOC lead) uses “Escalate this message” on Omar's message in #noc")
    assert shows(text, "→ only Leo sees (ephemeral) in #service-desk:")
    assert shows(text, "DM to Maya  Lanekeeper:") and shows(text, "Approval needed · ESC-5")
    assert shows(text, "Only @Maya (service manager), @Leo (Service Desk lead) can approve")
    assert shows(text, "Maya's App Home:") and shows(text, "Approvals waiting on me (1)")
    assert shows(text, "✅ Approved by @Maya (service manager)")
    assert "<@" not in text and "&lt;" not in text  # Slack markup never leaks into the story
    # The stand-in PSA: synced by the clock's job, its tickets in the stand-up with their owners.
    assert shows(text, "✔ psa-sync: 6 tickets stored from 1 pages")
    assert shows(
        text, "#5101 [P1] Acme Dental — Firewall down at Acme Dental main office · owner @Sam"
    )
    assert shows(text, "🚨 @Jess (Service Desk tech) #5102 resolve target: breached")
    # The weekly Level-10 from the same stored facts, with its chart uploaded once.
    assert shows(text, "✔ Service Desk's Level-10 prompt is posted in #service-desk")
    assert shows(text, "Level-10 review triggered")
    assert shows(text, "✔ the 8-week chart is uploaded to the channel")
    assert shows(text, "✔ running it again the same week posts nothing")
    # A monitoring alert becomes an escalation and clears itself.
    assert shows(text, "Alertmanager → POST /hooks/alerts/alertmanager: HostDown firing")
    assert shows(text, "Bearer …") and "demo-alertmanager-token" not in text
    assert shows(text, "✔ the bot answers 200 once the alert is stored")
    assert shows(text, "ESC-6 · Monitoring or backup alert")
    assert shows(text, "Raised by: Alertmanager") and shows(text, "Device: acme-fs01:9100")
    assert shows(text, "Alert: open in Alertmanager")
    assert shows(text, "✔ ESC-6 is open in Monitoring or backup alert (P1), raised by Alertmanager")
    assert shows(text, "✔ the same notification again changes nothing")
    assert shows(text, "Status: ✅ Resolved")
    assert shows(text, "Alertmanager cleared it: the monitor reports the alert resolved")
    assert shows(text, "✔ ESC-6 resolved itself when the monitor cleared")

    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert data["ok"] is True and "error" not in data
    assert [s["name"] for s in data["steps"]] == [s.name for s in STEPS]
    assert all(s["ok"] for s in data["steps"])
    assert data["summary"]["line"] == lines[-1]
    assert {k: data["summary"][k] for k in ("pings_intercepted", "escalations", "approved")} == {
        "pings_intercepted": 4,
        "escalations": 6,
        "approved": 1,
    }
    first = data["steps"][0]["events"]
    assert first[0]["kind"] == "message" and first[0]["actor"] == "Rob (account manager)"
    offer = next(e for e in first if e["kind"] == "ephemeral")
    assert offer["visible_to"] == "Rob (account manager)" and offer["channel"] == "#acme-dental"
    assert any(e["kind"] == "check" for e in first)
    assert {"id": "U0TINA", "name": "Tina", "role": "NOC tech", "in_config": True} in data["cast"]


def test_a_custom_lanes_file_plays_the_same_day_with_its_ids_and_lanes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lanes = tmp_path / "my-lanes.yaml"
    lanes.write_text(CUSTOM_LANES, encoding="utf-8")
    out = io.StringIO()
    code = run_demo(lanes, out=out, temp_root=tmp_path, json_path=str(tmp_path / "t.json"))
    text = out.getvalue()
    assert code == 0, capsys.readouterr().err + text
    assert leftovers(tmp_path) == []
    summary = SUMMARY.match(text.splitlines()[-1])
    assert summary, text.splitlines()[-1]
    # no lane named alert: the intake is off and the alert scene says so
    assert (summary["escalations"], summary["resolved"]) == ("5", "1")
    assert shows(text, "This lanes file has no alert lane: alert intake is off")
    # every id of the file is mapped onto a demo person or channel, and shown
    assert re.search(r"Tina \(Helpdesk tech\)\s+U9ALICE", text)
    assert re.search(r"Sam \(Operations tech\)\s+U9DAVE", text)
    assert re.search(r"Rob \(account manager\)\s+U0DEMOROB, demo only", text)
    assert re.search(r"#noc-incident\s+C9INCIDENTS", text)
    assert re.search(r"#acme-dental\s+C9CLIENTS", text)
    assert re.search(r"@bosses \(Nina\)\s+S9BOSSES", text)
    # the script uses the file's own lanes, severities and watched channels
    assert shows(text, "── 2. Rob routes the ping into the lane “NOC incident”")
    assert shows(text, "#acme-dental  Rob (account manager): @Sam (Operations tech) can you check")
    assert shows(text, "ESC-1 · NOC incident") and shows(text, "Severity: SEV2")
    assert "VIP request (always needs approval)" not in text
    assert shows(text, "✔ ESC-5 waits for approval (always needs approval)")
    assert shows(text, "Only @Nina (Helpdesk lead) can approve or reject ESC-5.")
    assert "U0TINA" not in text and "Monitoring or backup alert" not in text
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert data["ok"] and data["channels"]["C9VIP"] == "#vip-request"
    assert {"id": "U0DEMOROB", "name": "Rob", "role": "account manager", "in_config": False} in (
        data["cast"]
    )


EDGE_LANES = """\
timezone: UTC
teams:
  - key: support
    name: Support
    channel: C7SUP
    business_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}
    members: [U7A, U7B]
lanes:
  - key: incident
    name: Incident
    when: Something broke
    team: support
    channel: C7INC
    severities:
      critical: {respond: 10m, resolve: 1h}
      high: {respond: 30m, resolve: 4h}
    approval: {at_or_above: critical}
    approvers: [S7LEADS]
    done: [Fixed]
"""


def test_a_minimal_file_still_plays_the_whole_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One lane, nobody always protected, severity names of its own, a group of unknown
    members as the only approver: the demo fills the gaps with demo people and says so."""
    lanes = tmp_path / "edge.yaml"
    lanes.write_text(EDGE_LANES, encoding="utf-8")
    out = io.StringIO()
    code = run_demo(lanes, out=out, temp_root=tmp_path)
    text = out.getvalue()
    assert code == 0, capsys.readouterr().err + text
    assert shows(text, "Nobody is always protected in this file: Tina turns on focus.")
    assert shows(text, "#support  Tina (Support tech): /focus 8h")
    assert re.search(r"Maya \(service manager\)\s+U0DEMOMAYA, demo only", text)
    assert shows(text, "/escalate incident Contoso's CFO")  # "high" is picked in the form
    assert shows(text, "submits “Escalate”: Client: Contoso · Severity: high")
    assert shows(text, "✔ ESC-5 waits for approval (needs approval at critical or above)")
    assert SUMMARY.match(text.splitlines()[-1]), text.splitlines()[-1]
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- failing clearly


def _broken(ctx: DemoContext) -> None:
    ctx.check(ctx.escalation_count() == 42, "42 escalations", otherwise="there are none")


def test_a_step_that_does_not_produce_what_it_should_fails_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    steps = [STEPS[0], Step("broken", "{tech} expects too much", _broken), STEPS[1]]
    code = run_demo(out=out, temp_root=tmp_path, steps=steps, json_path=str(tmp_path / "t.json"))
    assert code == 1
    err = capsys.readouterr().err
    assert (
        'demo failed at step "Tina expects too much": expected 42 escalations, but there are none'
        in err
    )
    assert leftovers(tmp_path) == []
    assert "── 3." not in out.getvalue()  # it stops at the failing step
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert data["ok"] is False
    assert data["error"]["step"] == "Tina expects too much"
    assert [s["ok"] for s in data["steps"]] == [True, False]


def test_a_post_slack_refuses_fails_the_step_that_needed_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def slack_refuses_posts(ctx: DemoContext) -> None:
        ctx.fake.fail_next("chat.postMessage", error="channel_not_found", times=100)

    code = run_demo(
        out=io.StringIO(), temp_root=tmp_path, steps=STEPS[:2], setup=slack_refuses_posts
    )
    assert code == 1
    err = capsys.readouterr().err
    assert (
        'demo failed at step "Rob routes the ping into the lane “Monitoring or backup alert”": '
        "Slack refused the bot's lane message for good: channel_not_found"
    ) in err
    assert "bot log: ERROR bot.adapters.outbox" in err  # the bot's own log line, for the operator
    assert leftovers(tmp_path) == []


def test_requests_go_through_the_signature_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def wrong_secret(ctx: DemoContext) -> None:
        ctx.slack.signing_secret = "not-the-bot's-secret"

    code = run_demo(out=io.StringIO(), temp_root=tmp_path, steps=STEPS[:1], setup=wrong_secret)
    assert code == 1
    assert "HTTP 401" in capsys.readouterr().err


def test_a_bad_lanes_file_is_refused_with_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CUSTOM_LANES.replace("resolve: 2h", "resolve: 2x"), encoding="utf-8")
    assert run_demo(bad, out=io.StringIO(), temp_root=tmp_path) == 2
    err = capsys.readouterr().err
    assert "cannot be used" in err and 'lanes[0].severities.SEV1.resolve: "2x"' in err
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- options


def test_json_to_stdout_keeps_stdout_pure_and_the_story_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(json_path="-", temp_root=tmp_path, steps=STEPS[:1]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["ok"] and data["steps"][0]["name"] == "ping"
    assert "Rob pings Tina" in captured.err


def test_step_mode_pauses_after_each_step(tmp_path: Path) -> None:
    pauses: list[int] = []
    code = run_demo(
        out=io.StringIO(),
        temp_root=tmp_path,
        steps=STEPS[:2],
        step=True,
        pause=lambda: pauses.append(1),
    )
    assert code == 0 and len(pauses) == 2


def test_the_cli_registers_demo_with_its_options() -> None:
    parser = argparse.ArgumentParser(prog="lanekeeper")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["demo", "--config", "my-lanes.yaml", "--step", "--json", "-"])
    assert (args.config, args.step, args.json_path) == ("my-lanes.yaml", True, "-")
    assert args.func is cmd_demo
    args = parser.parse_args(["demo"])
    assert (args.config, args.step, args.json_path) == (None, False, None)


def test_main_reports_a_missing_lanes_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_the_packaged_demo_lanes_are_a_valid_msp_setup() -> None:
    config = load_config(default_config_path())
    assert set(config.teams) == {"noc", "service-desk"}
    assert {"alert", "client-request", "change", "coverage", "security"} <= set(config.lanes)
    assert config.lanes["client-request"].approval.severity == "P2"
    assert any(a.startswith("S") for a in config.lanes["client-request"].approvers)
    cast = cast_for(config)
    assert (cast.tech.label, cast.requester.label) == ("Tina (NOC tech)", "Rob (account manager)")
    assert cast.approvers() == ["U0MAYA", "U0LEO"]
    assert cast.non_approver is not None and cast.non_approver.name == "Tina"


# ---------------------------------------------------------------------------- rendering

NAMES = Names(
    users={"U1": "Tina (NOC tech)", "U2": "Rob (account manager)"},
    channels={"C1": "alerts"},
    groups={"S1": "managers"},
)


@pytest.mark.parametrize(
    ("mrkdwn", "shown"),
    [
        ("<@U1> took it", "@Tina (NOC tech) took it"),
        ("<@U1|tina> and <@U9>", "@Tina (NOC tech) and @U9"),
        ("<@U9|someone>", "@someone"),
        ("see <#C1> or <#C7|general>", "see #alerts or #general"),
        ("<!subteam^S1> or <!subteam^S7|@ops>", "@managers or @ops"),
        ("<!here> <!channel>", "@here @channel"),
        (
            "by <!date^1767225600^{date_short_pretty} {time}|Thu 01 Jan 00:00 UTC>",
            "by Thu 01 Jan 00:00 UTC",
        ),
        ("<!date^1767225600^{date}>", "Thu 01 Jan 00:00 UTC"),
        (
            "<https://x.example/a|the ticket> and <https://y.example>",
            "the ticket and https://y.example",
        ),
        ("<mailto:a@b.example|mail Ana>", "mail Ana"),
        ("&lt;!channel&gt; &amp; Co", "<!channel> & Co"),
        ("*Client*\nAcme", "Client\nAcme"),
        ("_nobody yet_ · route_not_request", "nobody yet · route_not_request"),
        (":shield: ok :unknown_emoji:", "🛡 ok :unknown_emoji:"),
    ],
)
def test_mrkdwn_to_text(mrkdwn: str, shown: str) -> None:
    assert mrkdwn_to_text(mrkdwn, NAMES) == shown


def test_a_message_reads_like_slack_shows_it() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "ESC-1 · Alert"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Backups failed* for <@U2>"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Client*\nAcme &amp; Co"},
                {"type": "mrkdwn", "text": "*Severity*\nP2"},
                {"type": "mrkdwn", "text": "*Owner*\n<@U1>"},
            ],
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "mrkdwn", "text": "b"}],
        },
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Take it"},
                    "action_id": "t",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Resolve"},
                    "action_id": "r",
                },
            ],
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Not in focus."},
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Focus"}},
        },
    ]
    assert render_blocks(blocks, NAMES) == [
        "ESC-1 · Alert",
        "─────────────",
        "Backups failed for @Rob (account manager)",
        "Client: Acme & Co         Severity: P2",
        "Owner: @Tina (NOC tech)",
        "a · b",
        "─" * 20,
        "[ Take it ]  [ Resolve ]",
        "Not in focus.  [ Focus ]",
    ]
    assert render_message({"text": "plain <@U1>"}, NAMES) == ["plain @Tina (NOC tech)"]
    assert render_message({"text": "fallback", "blocks": blocks[:1]}, NAMES)[0] == "ESC-1 · Alert"


def test_a_modal_shows_its_inputs_as_filled_in_or_their_placeholders() -> None:
    config = load_config(default_config_path())
    view = ui.escalation_modal(
        list(config.lanes.values()), lane="alert", summary="Backups failed", severity="P1"
    )
    lines = render_view(view, NAMES)
    assert lines[0] == "┌ Escalate ┐"
    assert "Lane: [ Monitoring or backup alert ▾ ]" in lines
    assert "Severity: [ P1 ▾ ]" in lines
    assert "Client: [ ‹Acme Dental› ]" in lines  # a placeholder, not a value
    assert "Summary: [ Backups failed ]" in lines
    assert lines[-1] == "[ Cancel ]  [ Escalate ]"
    checkboxes = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Resolve"},
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Done"},
                "element": {
                    "type": "checkboxes",
                    "options": [
                        {"text": {"type": "plain_text", "text": "One"}, "value": "0"},
                        {"text": {"type": "plain_text", "text": "Two"}, "value": "1"},
                    ],
                    "initial_options": [
                        {"text": {"type": "plain_text", "text": "Two"}, "value": "1"}
                    ],
                },
            },
            {
                "type": "input",
                "optional": True,
                "label": {"type": "plain_text", "text": "Owner"},
                "element": {"type": "users_select", "initial_user": "U1"},
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Lane"},
                "element": {"type": "static_select", "options": []},
            },
        ],
    }
    assert render_view(checkboxes, NAMES) == [
        "┌ Resolve ┐",
        "Done:",
        "  ☐ One",
        "  ☑ Two",
        "Owner (optional): [ @Tina (NOC tech) ▾ ]",
        "Lane: [ ‹choose› ▾ ]",
    ]


def test_the_interception_offer_renders_its_lane_buttons() -> None:
    config = load_config(default_config_path())
    _, blocks = offer_blocks(
        interception_id=7,
        targets=["U1"],
        focus={},
        lanes=config.lanes,
        ranked=("alert",),
        urgent=True,
    )
    lines = render_blocks(blocks, NAMES)
    assert lines[0].startswith("🛡 @Tina (NOC tech) is heads-down.")
    assert "🚨 Sounds urgent" in lines[1]
    assert lines[-1].startswith("[ Monitoring or backup alert (suggested) ]  [ SLA risk ]")
    assert lines[-1].endswith("[ Not a request ]")


def test_a_rich_text_message_as_a_person_typed_it() -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "user", "user_id": "U1"},
                    {"type": "text", "text": " see "},
                    {"type": "channel", "channel_id": "C1"},
                    {"type": "text", "text": " "},
                    {"type": "emoji", "name": "warning"},
                ],
            }
        ],
    }
    assert render_blocks([block], NAMES) == ["@Tina (NOC tech) see #alerts ⚠"]
