"""`lanekeeper config check` against Slack: a tiny local stand-in for the three Web API methods."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from slack_sdk import WebClient

from bot.config import check_against_slack, load_config_text


@dataclass
class StubSlack:
    """What the stand-in knows, and every call it received (method, params)."""

    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: list[dict[str, Any]] = field(default_factory=list)
    refuse: dict[str, dict[str, Any]] = field(default_factory=dict)  # method -> error body
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        self.calls.append((method, params))
        if method in self.refuse:
            return {"ok": False, **self.refuse[method]}
        if method == "conversations.info":
            channel = self.channels.get(params.get("channel", ""))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": params["channel"], **channel}}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": params["user"], **user}}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": self.usergroups}
        return {"ok": False, "error": "unknown_method"}


@pytest.fixture
def slack() -> Iterator[tuple[StubSlack, WebClient]]:
    stub = StubSlack()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            url = urlparse(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = self.rfile.read(length).decode()
                params |= {k: v[-1] for k, v in parse_qs(body).items()}
            payload = json.dumps(stub.answer(url.path.rsplit("/", 1)[-1], params)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _reply
        do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
        yield stub, WebClient(token="xoxb-test", base_url=base_url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


CONFIG = """\
timezone: America/Chicago
admins: [U0ADMIN]
teams:
  - key: desk
    name: Desk
    channel: C0DESK
    members: [U0TECH, U0GONE]
    leads: [U0LEAD]
protected:
  users: [U0TECH]
  channels: [C0DESK, C0SUPPORT]
lanes:
  - key: client-request
    name: Client priority request
    when: A client asks for a faster turnaround
    team: desk
    channel: C0ESC
    severities: {P1: {respond: 15m, resolve: 4h}}
    approval: always
    approvers: [U0SM, S0MANAGERS, S0OLD]
  - key: change
    name: Change
    when: A change with its window
    team: desk
    channel: C0CHG
    severities: {P1: {respond: 30m, resolve: 1d}}
    approval: always
    approvers: [S0MANAGERS, S0NOPE]
"""


def known_everything(stub: StubSlack) -> None:
    for channel, name in [("C0DESK", "desk"), ("C0SUPPORT", "support"), ("C0ESC", "escalations")]:
        stub.channels[channel] = {"name": name, "is_member": True, "is_archived": False}
    stub.channels["C0CHG"] = {"name": "changes", "is_member": True}
    for user in ["U0ADMIN", "U0TECH", "U0GONE", "U0LEAD", "U0SM"]:
        stub.users[user] = {"name": user.lower(), "deleted": False}
    stub.usergroups = [
        {"id": "S0MANAGERS", "handle": "managers", "date_delete": 0},
        {"id": "S0OLD", "handle": "old", "date_delete": 0},
        {"id": "S0NOPE", "handle": "nope", "date_delete": 0},
    ]


def test_a_workspace_that_has_everything_passes(slack: tuple[StubSlack, WebClient]) -> None:
    stub, client = slack
    known_everything(stub)

    assert check_against_slack(load_config_text(CONFIG), client) == []


def test_every_missing_or_unusable_id_is_reported_by_path(
    slack: tuple[StubSlack, WebClient],
) -> None:
    stub, client = slack
    known_everything(stub)
    del stub.channels["C0ESC"]
    stub.channels["C0SUPPORT"]["is_member"] = False
    stub.channels["C0CHG"]["is_archived"] = True
    del stub.users["U0LEAD"]
    stub.users["U0GONE"]["deleted"] = True
    stub.usergroups = [
        {"id": "S0MANAGERS", "handle": "managers", "date_delete": 0},
        {"id": "S0OLD", "handle": "old", "date_delete": 1700000000},
    ]

    assert check_against_slack(load_config_text(CONFIG), client) == [
        "teams[0].members[1]: user U0GONE (@u0gone) is deactivated",
        "teams[0].leads[0]: user U0LEAD not found (fix the id)",
        "protected.channels[1]: the bot is not a member of channel C0SUPPORT (#support)"
        " (invite it: /invite @Lanekeeper)",
        "lanes[0].channel: channel C0ESC not found (invite the bot or fix the id)",
        "lanes[0].approvers[2]: user group S0OLD (@old) is disabled",
        "lanes[1].channel: channel C0CHG (#changes) is archived",
        "lanes[1].approvers[1]: user group S0NOPE not found (fix the id)",
    ]


def test_each_id_is_asked_once_and_user_groups_listed_once(
    slack: tuple[StubSlack, WebClient],
) -> None:
    stub, client = slack
    known_everything(stub)

    check_against_slack(load_config_text(CONFIG), client)

    asked = [(method, params.get("channel") or params.get("user")) for method, params in stub.calls]
    assert asked == [
        ("users.info", "U0ADMIN"),
        ("conversations.info", "C0DESK"),
        ("users.info", "U0TECH"),
        ("users.info", "U0GONE"),
        ("users.info", "U0LEAD"),
        ("conversations.info", "C0SUPPORT"),
        ("conversations.info", "C0ESC"),
        ("users.info", "U0SM"),
        ("usergroups.list", None),
        ("conversations.info", "C0CHG"),
    ]
    assert stub.calls[8][1]["include_disabled"] in {"1", "true", "True"}


def test_a_refused_call_is_reported_for_its_ids_and_the_check_goes_on(
    slack: tuple[StubSlack, WebClient],
) -> None:
    stub, client = slack
    known_everything(stub)
    stub.refuse["usergroups.list"] = {"error": "missing_scope", "needed": "usergroups:read"}
    stub.refuse["users.info"] = {"error": "ratelimited"}

    problems = check_against_slack(load_config_text(CONFIG), client)

    assert problems == [
        "admins[0]: could not check user U0ADMIN: ratelimited",
        "teams[0].members[0]: could not check user U0TECH: ratelimited",
        "teams[0].members[1]: could not check user U0GONE: ratelimited",
        "teams[0].leads[0]: could not check user U0LEAD: ratelimited",
        "protected.users[0]: could not check user U0TECH: ratelimited",
        "lanes[0].approvers[0]: could not check user U0SM: ratelimited",
        "lanes[0].approvers[1]: could not check user groups: missing_scope;"
        " the app needs the usergroups:read scope",
        "lanes[0].approvers[2]: could not check user groups: missing_scope;"
        " the app needs the usergroups:read scope",
        "lanes[1].approvers[0]: could not check user groups: missing_scope;"
        " the app needs the usergroups:read scope",
        "lanes[1].approvers[1]: could not check user groups: missing_scope;"
        " the app needs the usergroups:read scope",
    ]
    assert [m for m, _ in stub.calls].count("usergroups.list") == 1


def test_a_refused_token_is_one_problem(slack: tuple[StubSlack, WebClient]) -> None:
    stub, client = slack
    stub.refuse = {m: {"error": "invalid_auth"} for m in ("users.info", "conversations.info")}

    assert check_against_slack(load_config_text(CONFIG), client) == [
        "SLACK_BOT_TOKEN: Slack refused the token (invalid_auth)"
    ]
    assert len(stub.calls) == 1


def test_watching_all_channels_checks_only_the_named_ones(
    slack: tuple[StubSlack, WebClient],
) -> None:
    stub, client = slack
    known_everything(stub)
    config = load_config_text(CONFIG.replace("channels: [C0DESK, C0SUPPORT]", "channels: all"))

    check_against_slack(config, client)

    channels = [p["channel"] for m, p in stub.calls if m == "conversations.info"]
    assert channels == ["C0DESK", "C0ESC", "C0CHG"]
