"""No secret in any log line (SPEC, Operations), end to end, every logger at DEBUG, plain and JSON.

Real processes, as a host runs them, with every secret configured: ``lanekeeper serve`` (a slash
command, its modal, the lane post, a click, an intercepted message, App Home, a forged request,
alerts with the token in the header and in ``?token=``, wrong tokens, ``/metrics`` with and
without its token, SIGTERM), ``lanekeeper run-job psa-sync`` against the fake ConnectWise (and
once with a refused key), ``lanekeeper socket`` (a command and an intercepted message through
the fake's Socket Mode, SIGTERM), and ``lanekeeper serve`` with many workspaces (the OAuth install, a
command in the installed workspace, an alert on its own URL). Everything each process writes
(log lines, and anything printed past logging) is searched for every secret, as given and as it
travels: URL-encoded, in HTTP Basic credentials, and the tokens Slack issues at install.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.adapters.db import upgrade
from bot.testing import alert_payloads as ap
from bot.testing.fake_psa.connectwise import FakeConnectWise
from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import SlackClientSimulator
from bot.testing.socket_requests import SocketModeSimulator
from tests.conftest import FIXTURES, POSTGRES_URL, drop_schema, postgres_problem, private_schema

TEAM, ALPHA = "T0LANE", "T0ALPHA"
USERS = ["U01TECH1", "U01TECH2", "U01TECH3", "U01LEAD", "U01SM", "U01ADMIN", "U01REQ"]
CHANNELS = ["C01DESK", "C01NOC", "C01ESC", "C01GENERAL"]
CLIENT_ID = "4444.5555"
CW_COMPANY = "lanekeeper_msp"
DB_PASSWORD = "db-p@ss/Pg7Secret"  # needs encoding in a URL

SECRETS = {
    "SLACK_SIGNING_SECRET": "sign-Secret-4f9a2b7c",
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-BotSecretToken",
    "SLACK_APP_TOKEN": "xapp-1-A0LANE-1-AppSecretToken",
    "SLACK_CLIENT_SECRET": "client-Secret-9e1d2f",
    "LANEKEEPER_METRICS_TOKEN": "metrics-Secret-81d0c",
    "LANEKEEPER_ALERT_TOKEN_GENERIC": "generic-Alert/Secret+55",
    "LANEKEEPER_ALERT_TOKEN_ALERTMANAGER": "am-Alert-Secret-66",
    f"LANEKEEPER_ALERT_TOKEN_{ALPHA}_GENERIC": "alpha-Alert-Secret-77",
    "CONNECTWISE_PUBLIC_KEY": "PUBcwSecret7Lq2",
    "CONNECTWISE_PRIVATE_KEY": "PRIVcwSecret9zR4",
}

PSA_CONFIG = """\
timezone: America/Chicago
teams:
  - {key: service-desk, name: Service Desk, channel: C01DESK}
lanes:
  - key: alert
    name: Alert
    when: A monitoring alert needs action
    team: service-desk
    channel: C01ESC
    severities: {P1: {respond: 15m, resolve: 4h}, P2: {respond: 1h, resolve: 1d}, P3: {respond: 4h, resolve: 3d}}
psa:
  kind: connectwise
  url: URL
  teams: {Service Desk: service-desk}
  severities:
    Priority 1 - Emergency Response: P1
    Priority 2 - Quick Response: P2
    Priority 3 - Normal Response: P3
"""


def forms(secret: str) -> set[str]:
    """A secret as it may travel: as given, URL-encoded (form or path), JSON-escaped."""
    return {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]}


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def forbidden(issued: list[str] = ()) -> dict[str, str]:  # type: ignore[assignment]
    """Each string no output may contain → what it is."""
    out: dict[str, str] = {}
    for name, secret in SECRETS.items():
        for form in forms(secret):
            out[form] = name
    for form in forms(DB_PASSWORD):
        out[form] = "the database password"
    cw = basic(
        f"{CW_COMPANY}+{SECRETS['CONNECTWISE_PUBLIC_KEY']}", SECRETS["CONNECTWISE_PRIVATE_KEY"]
    )
    out[cw] = "ConnectWise's Basic credentials"
    out[basic(CLIENT_ID, SECRETS["SLACK_CLIENT_SECRET"])] = "the OAuth client's Basic credentials"
    for token in issued:
        out[token] = "a token Slack issued at install"
    return out


def leaks(text: str, issued: list[str] = ()) -> list[tuple[str, str]]:  # type: ignore[assignment]
    found = []
    for line in text.splitlines():
        for needle, what in forbidden(issued).items():
            if needle in line:
                found.append((what, line[:300]))
    return found


# -- processes ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Run:
    fmt: str
    database_url: str
    tmp: Path
    outputs: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_", "CONNECTWISE_", "WEB_"))
        }
        env.update(
            {
                "LANEKEEPER_LOG_LEVEL": "DEBUG",
                "LANEKEEPER_LOG_FORMAT": self.fmt,
                "DATABASE_URL": self.database_url,
                "CONNECTWISE_COMPANY_ID": CW_COMPANY,
                "CONNECTWISE_CLIENT_ID": "1b7c7d0e-5f0a-4e54-9d6a-0c5a3f0e2f11",
            }
        )
        env.update(extra)
        return env

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        out = (self.tmp / f"{name}.out").open("w")
        return subprocess.Popen(
            [sys.executable, "-m", "lanekeeper", *args],
            cwd=self.tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self, name: str, proc: subprocess.Popen[str]) -> None:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=40) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        self.outputs[name] = (self.tmp / f"{name}.out").read_text()

    def run(self, name: str, args: list[str], env: dict[str, str]) -> int:
        proc = self.start(name, args, env)
        code = proc.wait(timeout=120)
        self.outputs[name] = (self.tmp / f"{name}.out").read_text()
        return code


def wait_healthy(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            pytest.fail("lanekeeper serve did not start")
        time.sleep(0.2)


def slack_fake(**kwargs: str) -> FakeSlack:
    fake = FakeSlack(**kwargs)  # type: ignore[arg-type]
    fake.start()
    for uid in USERS:
        fake.add_user(uid, name=uid.lower(), real_name=uid.title())
    fake.add_usergroup("S01MANAGERS", users=["U01SM", "U01LEAD"])
    for channel in CHANNELS:
        fake.add_channel(channel, name=channel.lower(), members=USERS)
    return fake


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL with a password in its URL when the server is here, else SQLite."""
    if postgres_problem() is not None:
        url = f"sqlite:///{tmp_path / 'lk.db'}"
        upgrade(url)
        yield url
        return
    schema, url = private_schema(POSTGRES_URL)
    try:
        upgrade(url)
        yield make_url(url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    finally:
        drop_schema(POSTGRES_URL, schema)


# -- the story ------------------------------------------------------------------------------------


def single_workspace(run: Run) -> None:
    fake = slack_fake(bot_token=SECRETS["SLACK_BOT_TOKEN"], team_id=TEAM)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = run.env(
        **{k: v for k, v in SECRETS.items() if ALPHA not in k and k != "SLACK_CLIENT_SECRET"},
        SLACK_API_URL=fake.api_url,
        LANEKEEPER_CONFIG=str(FIXTURES / "lanes.yaml"),
        PORT=str(port),
    )
    proc = run.start("serve", ["serve", "--host", "127.0.0.1"], env)
    slack = SlackClientSimulator(
        app_url=f"{base}/slack/events",
        signing_secret=SECRETS["SLACK_SIGNING_SECRET"],
        fake=fake,
        team_id=TEAM,
    )
    try:
        wait_healthy(base, proc)
        resp = slack.slash_command(
            "/escalate", text="alert P2 Backups", user="U01REQ", channel="C01GENERAL"
        )
        assert resp.status_code == 200
        view = fake.wait_for("views.open")[-1].response["view"]
        assert (
            slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"}).status_code
            == 200
        )
        [lane] = [c for c in fake.wait_for("chat.postMessage") if c.args.get("channel") == "C01ESC"]
        assert slack.click(lane.response, action_id="esc_take", user="U01TECH3").status_code == 200
        slack.message("C01GENERAL", "U01REQ", "<@U01TECH1> can you check the backup alert on FS01?")
        slack.app_home_opened("U01REQ")
        forged = httpx.post(
            f"{base}/slack/events",
            content=b"command=%2Flanes",
            headers={"X-Slack-Signature": "v0=00"},
        )
        assert forged.status_code == 401
        hooks = f"{base}/hooks/alerts/"
        generic = ap.json_body(
            ap.generic_alert()
            if hasattr(ap, "generic_alert")
            else {"dedup_key": "k1", "status": "firing", "title": "Disk full"}
        )
        headers, _ = ap.request_parts(SECRETS["LANEKEEPER_ALERT_TOKEN_GENERIC"])
        assert httpx.post(hooks + "generic", content=generic, headers=headers).status_code == 200
        body = ap.alertmanager_body(ap.node_down_notification())
        headers, query = ap.request_parts(
            SECRETS["LANEKEEPER_ALERT_TOKEN_ALERTMANAGER"], in_query=True
        )
        assert (
            httpx.post(
                hooks + "alertmanager", content=body, headers=headers, params=query
            ).status_code
            == 200
        )
        headers, query = ap.request_parts(
            "wrong-" + SECRETS["LANEKEEPER_ALERT_TOKEN_ALERTMANAGER"], in_query=True
        )
        assert (
            httpx.post(
                hooks + "alertmanager", content=body, headers=headers, params=query
            ).status_code
            == 401
        )
        auth = {"Authorization": f"Bearer {SECRETS['LANEKEEPER_METRICS_TOKEN']}"}
        assert httpx.get(f"{base}/metrics", headers=auth).status_code == 200
        assert (
            httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        fake.wait_for("chat.postEphemeral")
        time.sleep(1.0)  # the posts the alerts queued go out
    finally:
        slack.close()
        run.stop("serve", proc)
        fake.stop()


def psa_sync(run: Run) -> None:
    fake = slack_fake(bot_token=SECRETS["SLACK_BOT_TOKEN"], team_id=TEAM)
    try:
        cw = FakeConnectWise.demo(now=datetime.now(UTC))
        cw.public_key = SECRETS["CONNECTWISE_PUBLIC_KEY"]
        cw.private_key = SECRETS["CONNECTWISE_PRIVATE_KEY"]
        with cw as psa:
            lanes = run.tmp / "psa.yaml"
            lanes.write_text(PSA_CONFIG.replace("URL", psa.url))
            env = run.env(
                SLACK_BOT_TOKEN=SECRETS["SLACK_BOT_TOKEN"],
                SLACK_API_URL=fake.api_url,
                LANEKEEPER_CONFIG=str(lanes),
                CONNECTWISE_PUBLIC_KEY=SECRETS["CONNECTWISE_PUBLIC_KEY"],
                CONNECTWISE_PRIVATE_KEY=SECRETS["CONNECTWISE_PRIVATE_KEY"],
            )
            assert run.run("psa-sync", ["run-job", "psa-sync"], env) == 0, run.outputs["psa-sync"]
            assert "psa-sync connectwise: synced" in run.outputs["psa-sync"], run.outputs[
                "psa-sync"
            ]
            assert run.run("psa-check", ["psa", "check", "--config", str(lanes)], env) in (0, 1)
            assert "signed in" in run.outputs["psa-check"], run.outputs["psa-check"]
            # a refused key, an hour later: the error path logs too, and names no key (the
            # configured key is what redaction knows; the refused one is a secret as well)
            env["CONNECTWISE_PRIVATE_KEY"] = "PRIVwrongSecret00"
            later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
            run.run("psa-refused", ["run-job", "psa-sync", "--now", later], env)
            assert "credentials refused" in run.outputs["psa-refused"], run.outputs["psa-refused"]
            assert "PRIVwrongSecret00" not in run.outputs["psa-refused"]
    finally:
        fake.stop()


def socket_mode(run: Run) -> None:
    fake = slack_fake(bot_token=SECRETS["SLACK_BOT_TOKEN"], team_id=TEAM)
    fake.add_app_token(SECRETS["SLACK_APP_TOKEN"])
    env = run.env(
        SLACK_BOT_TOKEN=SECRETS["SLACK_BOT_TOKEN"],
        SLACK_APP_TOKEN=SECRETS["SLACK_APP_TOKEN"],
        SLACK_API_URL=fake.api_url,
        LANEKEEPER_CONFIG=str(FIXTURES / "lanes.yaml"),
    )
    proc = run.start("socket", ["socket"], env)
    slack = SocketModeSimulator(fake, team_id=TEAM)
    try:
        fake.socket_mode.wait_connected(timeout=30)
        resp = slack.slash_command("/lanes", user="U01REQ", channel="C01GENERAL")
        assert "Monitoring alert" in resp.text
        slack.message("C01GENERAL", "U01REQ", "<@U01TECH1> can you check the backup alert on FS01?")
        fake.wait_for("chat.postEphemeral")
    finally:
        slack.close()
        run.stop("socket", proc)
        fake.stop()


def many_workspaces(run: Run) -> list[str]:
    fake = slack_fake(bot_token="xoxb-not-issued", team_id=ALPHA, team_name="Alpha")
    fake.add_oauth_app(CLIENT_ID, SECRETS["SLACK_CLIENT_SECRET"], token_rotation=True)
    folder = run.tmp / "workspaces"
    folder.mkdir(exist_ok=True)
    (folder / f"{ALPHA}.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = run.env(
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=SECRETS["SLACK_CLIENT_SECRET"],
        SLACK_SIGNING_SECRET=SECRETS["SLACK_SIGNING_SECRET"],
        SLACK_API_URL=fake.api_url,
        LANEKEEPER_CONFIG=str(folder),
        LANEKEEPER_METRICS_TOKEN=SECRETS["LANEKEEPER_METRICS_TOKEN"],
        PORT=str(port),
        **{
            f"LANEKEEPER_ALERT_TOKEN_{ALPHA}_GENERIC": SECRETS[
                f"LANEKEEPER_ALERT_TOKEN_{ALPHA}_GENERIC"
            ]
        },
    )
    proc = run.start("serve-multi", ["serve", "--host", "127.0.0.1"], env)
    slack = SlackClientSimulator(
        app_url=f"{base}/slack/events",
        signing_secret=SECRETS["SLACK_SIGNING_SECRET"],
        fake=fake,
        team_id=ALPHA,
    )
    try:
        wait_healthy(base, proc)
        page = httpx.get(f"{base}/slack/install")
        assert page.status_code == 200, page.text
        cookie = page.headers["set-cookie"].split(";")[0]
        found = re.search(r'<a href="([^"]+)"', page.text)
        assert found
        query = parse_qs(urlsplit(html.unescape(found.group(1))).query)
        code = fake.authorize(
            team_id=ALPHA, user="U01ADMIN", client_id=CLIENT_ID, scope=query["scope"][0]
        )
        done = httpx.get(
            f"{base}/slack/oauth_redirect",
            params={"code": code, "state": query["state"][0]},
            headers={"Cookie": cookie},
        )
        assert done.status_code == 200, done.text
        resp = slack.slash_command("/lanes", user="U01REQ", channel="C01GENERAL")
        assert resp.status_code == 200 and "Monitoring alert" in resp.text
        headers, query_ = ap.request_parts(
            SECRETS[f"LANEKEEPER_ALERT_TOKEN_{ALPHA}_GENERIC"], in_query=True
        )
        alert = ap.json_body({"dedup_key": "k2", "status": "firing", "title": "Printer offline"})
        resp = httpx.post(
            f"{base}/hooks/alerts/{ALPHA}/generic", content=alert, headers=headers, params=query_
        )
        assert resp.status_code == 200, resp.text
        fake.wait_for("chat.postMessage")
        time.sleep(1.0)
    finally:
        slack.close()
        run.stop("serve-multi", proc)
        fake.stop()
    issued = [
        str(g[key])
        for g in fake.oauth_grants
        for key in ("access_token", "refresh_token")
        if g.get(key)
    ]
    assert issued
    return issued


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_no_secret_in_any_log_line_of_the_end_to_end_run(
    fmt: str, database: str, tmp_path: Path
) -> None:
    run = Run(fmt=fmt, database_url=database, tmp=tmp_path)
    single_workspace(run)
    psa_sync(run)
    socket_mode(run)
    issued = many_workspaces(run)
    found = {name: leaks(text, issued) for name, text in run.outputs.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}
    # It was a DEBUG run in the format asked for, with something to look at (`psa check`
    # prints its report and logs nothing).
    for name, text in run.outputs.items():
        if name == "psa-check":
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines, name
        if fmt == "json":
            records = [json.loads(line) for line in lines if line.startswith("{")]
            assert records and any(r["level"] == "DEBUG" for r in records), name
        else:
            assert any(" DEBUG " in line for line in lines), name
    assert sum(len(t) for t in run.outputs.values()) > 10_000


def test_the_search_finds_a_secret_in_any_of_its_forms() -> None:
    """The check itself can fail: each form a secret travels in is found."""
    token = SECRETS["LANEKEEPER_ALERT_TOKEN_GENERIC"]
    for line in (
        f"posting to /hooks/alerts/generic?token={quote(token, safe='')}",
        f'{{"message": "{json.dumps(token)[1:-1]}"}}',
        "Authorization: Basic "
        + basic(
            f"{CW_COMPANY}+{SECRETS['CONNECTWISE_PUBLIC_KEY']}", SECRETS["CONNECTWISE_PRIVATE_KEY"]
        ),
        f"postgresql://postgres:{quote(DB_PASSWORD, safe='')}@db/lk",
        "access_token xoxe.xoxb-1-issued",
    ):
        assert leaks(line, ["xoxe.xoxb-1-issued"]), line
    assert leaks("nothing secret here") == []
