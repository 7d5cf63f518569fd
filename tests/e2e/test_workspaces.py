"""Many workspaces (SPEC, Workspaces): installed through Slack's OAuth flow against the fake Slack,
each with its own token and lanes file; no request, job, digest, figure or App Home of one reads or
changes another's; a workspace without a lanes file gets the set-up Home and nothing else; an
uninstall stops it; two processes refreshing a rotated token end with one valid token. SQLite and
PostgreSQL.

The isolation and uninstall tests also run with LANEKEEPER_DELIVERY=worker: ``serve`` stores
events, clicks and slash commands and acks them empty, and a second container (``lanekeeper
deliver``'s, built from the same settings) handles them through its own Bolt app, where the
workspace of each stored request is resolved again by Bolt's authorization and middleware."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation import TokenRotator
from waitress.server import create_server

from bot.adapters.db import make_engine
from bot.adapters.models import (
    Escalation,
    Interception,
    OutboxMessage,
    slack_bots,
    slack_installations,
)
from bot.adapters.slack_install import Installations
from bot.bootstrap import Container, build
from bot.clock import run_job_once
from bot.jobs import registry
from bot.settings import Settings
from bot.slack.inbox_worker import InboxWorker
from bot.slack.installs import BOT_SCOPES, NOT_INSTALLED
from bot.testing.fake_slack import FakeSlack, RecordedCall
from bot.testing.requests import SlackClientSimulator
from tests.conftest import FIXTURES
from tests.e2e.conftest import FakeClock, stop_server

SIGNING_SECRET = "test-signing-secret"
CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-s3cret"
ALPHA, BETA, GAMMA = "T0ALPHA", "T0BETA", "T0GAMMA"  # GAMMA: installed, no lanes file
CHI = ZoneInfo("America/Chicago")
ROLES = ["TECH1", "TECH2", "TECH3", "LEAD", "SM", "ADMIN", "REQ"]
ROOT = Path(__file__).resolve().parents[2]


def users(n: int) -> list[str]:
    return [f"U0{n}{role}" for role in ROLES]


def channels(n: int) -> list[str]:
    return [f"C0{n}{name}" for name in ("DESK", "NOC", "ESC", "GENERAL")]


@dataclass
class Side:
    """One workspace, as its people see it: Slack's requests signed for its team id."""

    team: str
    n: int  # its ids: U0<n>…, C0<n>…
    slack: SlackClientSimulator
    fake: FakeSlack

    @property
    def users(self) -> list[str]:
        return users(self.n)

    @property
    def channels(self) -> list[str]:
        return channels(self.n)

    def user(self, role: str) -> str:
        return f"U0{self.n}{role}"

    def channel(self, name: str) -> str:
        return f"C0{self.n}{name}"


@dataclass
class Multi:
    base: str
    fake: FakeSlack
    container: Container
    clock: FakeClock
    sides: dict[str, Side] = field(default_factory=dict)
    # LANEKEEPER_DELIVERY=worker: the deliver process's container and its inbox worker.
    worker_container: Container | None = None
    worker: InboxWorker | None = None

    @property
    def in_worker(self) -> bool:
        return self.worker is not None

    def settle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        # Who sends the outbox: serve itself (inline), or the deliver process (worker).
        sender = self.worker_container or self.container
        while time.monotonic() < deadline:
            waiting = 0
            if self.worker_container is not None:
                # What serve acked is stored, and the worker has handled (and deleted) it.
                assert self.container.inbox_writer().flush(max(0.0, deadline - time.monotonic()))
                waiting = self.worker_container.inbox().backlog()[0]
                self.worker_container.wait_idle(max(0.0, deadline - time.monotonic()))
            self.container.wait_idle(max(0.0, deadline - time.monotonic()))
            sender.deliverer.deliver_due()
            with self.container.sessions() as s:
                pending = s.scalar(
                    sa.select(sa.func.count(OutboxMessage.id)).where(
                        OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                    )
                )
            idle = self.container.wait_idle(0) and (
                self.worker_container is None or self.worker_container.wait_idle(0)
            )
            if not waiting and not pending and idle:
                return
            time.sleep(0.05)
        raise AssertionError("inbox or outbox did not settle")

    def side(self, team: str, n: int) -> Side:
        slack = SlackClientSimulator(
            app_url=f"{self.base}/slack/events",
            signing_secret=SIGNING_SECRET,
            fake=self.fake,
            team_id=team,
        )
        self.sides[team] = Side(team, n, slack, self.fake)
        return self.sides[team]

    def install(self, team: str, user: str) -> None:
        """The install as a person does it: /slack/install, Slack's authorize page (the fake's
        ``authorize``), then Slack's redirect back to /slack/oauth_redirect."""
        page = httpx.get(f"{self.base}/slack/install")
        assert page.status_code == 200, page.text
        cookie = page.headers["set-cookie"].split(";")[0]
        found = re.search(r'<a href="([^"]+)"', page.text)
        assert found, page.text
        link = html.unescape(found.group(1))
        assert link.startswith("https://slack.com/oauth/v2/authorize?")
        query = parse_qs(urlsplit(link).query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["scope"][0].split(",") == list(BOT_SCOPES)
        code = self.fake.authorize(
            team_id=team, user=user, client_id=CLIENT_ID, scope=query["scope"][0]
        )
        done = httpx.get(
            f"{self.base}/slack/oauth_redirect",
            params={"code": code, "state": query["state"][0]},
            headers={"Cookie": cookie},
        )
        assert done.status_code == 200, done.text
        self.last_redirect = (code, query["state"][0], cookie)

    def token(self, team: str) -> str:
        with self.container.engine.connect() as conn:
            token = conn.scalar(
                sa.select(slack_bots.c.bot_token).where(slack_bots.c.team_id == team)
            )
        assert token, f"{team} not installed"
        return str(token)

    def escalations(self, team: str) -> list[dict[str, Any]]:
        with self.container.sessions() as s:
            rows = s.scalars(
                sa.select(Escalation)
                .where(Escalation.slack_team_id == team)
                .order_by(Escalation.number)
            )
            return [
                {
                    c.name: getattr(r, c.key)
                    for c in Escalation.__table__.columns  # type: ignore[attr-defined]
                }
                for r in rows
            ]


def lanes_file(n: int) -> str:
    text = (FIXTURES / "lanes.yaml").read_text()
    return text.replace("U01", f"U0{n}").replace("C01", f"C0{n}").replace("S01", f"S0{n}")


@pytest.fixture
def multi(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[Multi]:
    """Three workspaces installed; ``serve``'s web app in-process. Parametrized ``"worker"``
    (indirectly), LANEKEEPER_DELIVERY=worker with the deliver process's inbox worker and outbox
    deliverer in-process too; otherwise inline."""
    delivery = getattr(request, "param", "inline")
    fake = FakeSlack(bot_token="xoxb-not-issued", team_id=ALPHA, team_name="Alpha")
    fake.start()
    fake.add_team(BETA, name="Beta")
    fake.add_team(GAMMA, name="Gamma")
    fake.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
    for n in (1, 2, 3):
        for uid in users(n):
            fake.add_user(uid, name=uid.lower(), real_name=uid.title())
        fake.add_usergroup(f"S0{n}MANAGERS", users=[f"U0{n}SM", f"U0{n}LEAD"])
        for channel in channels(n):
            fake.add_channel(channel, name=channel.lower(), members=users(n))
    folder = tmp_path / "workspaces"
    folder.mkdir()
    (folder / f"{ALPHA}.yaml").write_text(lanes_file(1))
    (folder / f"{BETA}.yaml").write_text(lanes_file(2))
    settings = Settings(
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=db_url,
        lanekeeper_config=str(folder),
        lanekeeper_listener_threads=16,
        lanekeeper_delivery=delivery,
    )
    clock = FakeClock()
    container = build(settings, clock=clock)
    assert container.multi is not None
    worker_container: Container | None = None
    worker: InboxWorker | None = None
    if delivery == "worker":
        # `lanekeeper deliver`: its own container from the same settings (as in cmd_deliver),
        # handling the stored requests and sending the outbox; serve sends nothing itself.
        worker_container = build(settings, clock=clock)
        assert worker_container.multi is not None
        worker = InboxWorker(
            worker_container.inbox(), worker_container.bolt(request_verification=False)
        )
        worker_container.deliverer.start(interval=0.2)
        worker.start(interval=0.05)
    else:
        container.deliverer.start(interval=0.2)
    server = create_server(container.web_app(), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    m = Multi(
        base=base,
        fake=fake,
        container=container,
        clock=clock,
        worker_container=worker_container,
        worker=worker,
    )
    try:
        for team, n in ((ALPHA, 1), (BETA, 2), (GAMMA, 3)):
            m.install(team, user=f"U0{n}ADMIN")
            m.side(team, n)
        yield m
    finally:
        for side in m.sides.values():
            side.slack.close()
        stop_server(server, thread)
        container.stop_storing()  # what serve acked is stored before the worker stops
        if worker is not None:
            worker.stop()
        if worker_container is not None:
            worker_container.close()
        container.close()
        fake.stop()


# -- helpers --------------------------------------------------------------------------------


def create(m: Multi, side: Side, text: str, client: str) -> None:
    before = len(m.fake.calls_to("views.open"))
    resp = side.slack.slash_command(
        "/escalate", text=text, user=side.user("REQ"), channel=side.channel("GENERAL")
    )
    assert resp.status_code == 200, resp.text
    opened = m.fake.wait_for("views.open", count=before + 1)[-1]
    assert opened.response["ok"], opened.response
    assert opened.token == m.token(side.team)
    view = opened.response["view"]
    resp = side.slack.submit_view(view["id"], user=side.user("REQ"), values={"client": client})
    assert resp.status_code == 200
    m.settle()


def refused_text(m: Multi, resp: httpx.Response, side: Side | None = None) -> str:
    """What the person was told: the answer itself, or (Bolt's refusal of a workspace it has no
    installation for, and in worker mode any command's answer) a post to the command's response
    URL; with ``side``, to the response URL of that side's last command and no other."""
    if resp.text:
        return resp.text
    if side is None:
        calls = m.fake.wait_for("response_url")
        return str(calls[-1].args.get("text"))
    path = urlsplit(side.slack.last_payload["response_url"]).path
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mine = [c for c in m.fake.calls_to("response_url") if c.path == path]
        if mine:
            assert len(mine) == 1 and mine[0].status == 200, mine
            return str(mine[0].args.get("text"))
        time.sleep(0.02)
    raise AssertionError(f"nothing was posted to {path}")


def acked(m: Multi, resp: httpx.Response) -> httpx.Response:
    """A request serve answers at once: in worker mode stored and acked with an empty 200."""
    assert resp.status_code == 200, resp.text
    if m.in_worker:
        assert resp.content == b"", resp.text
    return resp


def calls_in(m: Multi, side: Side) -> list[RecordedCall]:
    """Calls naming one of ``side``'s channels or people."""
    mine = set(side.channels) | set(side.users) | {f"D{u[1:]}" for u in side.users}
    return [
        c
        for c in m.fake.calls
        if str(c.args.get("channel") or c.args.get("user_id") or c.args.get("user") or "") in mine
    ]


def assert_only_own_token(m: Multi) -> None:
    """Every call about a workspace's channels and people was made with that workspace's token."""
    for team, side in m.sides.items():
        for call in calls_in(m, side):
            assert m.fake.team_of_token(call.token) == team, (call.method, call.args)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHI)


# -- tests ------------------------------------------------------------------------------------


def test_each_workspace_is_installed_through_oauth_with_its_own_token(multi: Multi) -> None:
    tokens = {team: multi.token(team) for team in (ALPHA, BETA, GAMMA)}
    assert len(set(tokens.values())) == 3
    for team, token in tokens.items():
        assert multi.fake.team_of_token(token) == team
        assert WebClient(token=token, base_url=multi.fake.api_url).auth_test()["team_id"] == team
    with multi.container.engine.connect() as conn:
        rows = conn.execute(
            sa.select(slack_installations.c.team_id, slack_installations.c.user_id)
        ).all()
    assert sorted(rows) == [(ALPHA, "U01ADMIN"), (BETA, "U02ADMIN"), (GAMMA, "U03ADMIN")]
    # The redirect cannot be replayed: the state is spent, and so is the code.
    code, state, cookie = multi.last_redirect
    again = httpx.get(
        f"{multi.base}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": cookie},
    )
    assert again.status_code != 200
    exchanges = [g for g in multi.fake.oauth_grants if "authed_user" in g]
    assert len(exchanges) == 3
    # The clock's workspaces: the installed ones with a lanes file.
    assert [w.id for w in multi.container.workspaces.all()] == [ALPHA, BETA]


@pytest.mark.parametrize("multi", ["inline", "worker"], indirect=True)
def test_requests_of_one_workspace_never_read_or_change_the_others(multi: Multi) -> None:
    a, b = multi.sides[ALPHA], multi.sides[BETA]
    multi.clock.set(at(23, 10))
    create(multi, a, "coverage P2 Alpha needs cover Thursday", client="Alphaco")
    create(multi, b, "coverage P2 Beta needs cover Friday", client="Betaco")
    [esc_a], [esc_b] = multi.escalations(ALPHA), multi.escalations(BETA)
    assert esc_a["number"] == esc_b["number"] == 1  # ESC-1 in each: numbering per workspace
    assert esc_a["lane_channel"] == "C01ESC" and esc_b["lane_channel"] == "C02ESC"
    before_b = multi.escalations(BETA)

    # A request signed for ALPHA that carries BETA's lane message (channel, ts, ESC-1): it acts
    # on ALPHA's ESC-1, never on BETA's.
    resp = a.slack.click(
        {"channel": esc_b["lane_channel"], "ts": esc_b["lane_ts"]},
        action_id="esc_take",
        user=a.user("TECH1"),
    )
    acked(multi, resp)
    multi.settle()
    assert multi.escalations(BETA) == before_b
    assert multi.escalations(ALPHA)[0]["owner"] == "U01TECH1"
    # A slash command signed for ALPHA from BETA's channel files under ALPHA, in ALPHA's lanes.
    before = len(multi.fake.calls_to("views.open"))
    acked(
        multi,
        a.slack.slash_command(
            "/escalate", text="coverage P3 x", user="U02REQ", channel="C02GENERAL"
        ),
    )
    opened = multi.fake.wait_for("views.open", count=before + 1)[-1]
    assert opened.token == multi.token(ALPHA)
    multi.settle()
    assert multi.escalations(BETA) == before_b

    # A workspace Lanekeeper is not installed in is refused, nothing stored; the person is told
    # (in worker mode through the command's response URL, the HTTP answer being long given).
    stranger = multi.side("T0NOPE", 9)
    multi.fake.add_user("U09X", name="u09x", real_name="U09X")  # Slack knows them; we do not
    multi.fake.add_channel("C09X", name="c09x", members=["U09X"])
    calls = len(multi.fake.calls)
    refused = acked(
        multi,
        stranger.slack.slash_command(
            "/escalate", text="coverage P2 x", user="U09X", channel="C09X"
        ),
    )
    assert refused_text(multi, refused, stranger) == NOT_INSTALLED
    acked(multi, stranger.slack.app_home_opened("U09X"))
    multi.settle()
    assert multi.escalations("T0NOPE") == []
    assert [c.method for c in multi.fake.calls[calls:]] == ["response_url"]  # nothing else

    # App Home: each person sees their own workspace's escalations only.
    for side, own, other in ((a, "Alphaco", "Betaco"), (b, "Betaco", "Alphaco")):
        before = len(multi.fake.calls_to("views.publish"))
        acked(multi, side.slack.app_home_opened(side.user("REQ")))
        published = multi.fake.wait_for("views.publish", count=before + 1)[-1]
        text = json.dumps(published.args["view"])
        assert own in text and other not in text
        assert multi.fake.team_of_token(published.token) == side.team
    multi.settle()
    assert_only_own_token(multi)


def test_the_clock_runs_each_workspace_with_its_own_token_lanes_and_figures(multi: Multi) -> None:
    a, b = multi.sides[ALPHA], multi.sides[BETA]
    multi.clock.set(at(23, 10))
    create(multi, a, "coverage P2 Alpha needs cover Thursday", client="Alphaco")
    create(multi, b, "coverage P2 Beta needs cover Friday", client="Betaco")
    create(multi, b, "client-request P3 Beta wants reports sooner", client="Betaco2")
    out = run_job_once(multi.container, registry()["standup"], at(24, 8, 45), "service-desk")
    multi.settle()
    assert out == ["standup service-desk: sent (2026-11-24)"] * 2
    posts = {
        c.args["channel"]: c
        for c in multi.fake.calls_to("chat.postMessage")
        if c.args.get("channel") in ("C01DESK", "C02DESK")
    }
    assert set(posts) == {"C01DESK", "C02DESK"}
    assert multi.fake.team_of_token(posts["C01DESK"].token) == ALPHA
    assert multi.fake.team_of_token(posts["C02DESK"].token) == BETA
    alpha_digest, beta_digest = (
        json.dumps(posts[c].args["blocks"]) for c in ("C01DESK", "C02DESK")
    )
    assert "Alphaco" in alpha_digest and "Betaco" not in alpha_digest
    assert "Betaco" in beta_digest and "Betaco2" in beta_digest and "Alphaco" not in beta_digest
    # Running again posts nothing more, in either workspace.
    again = run_job_once(multi.container, registry()["standup"], at(24, 9), "service-desk")
    multi.settle()
    assert all("already" in line for line in again), again
    # SLA watch too: each warning in its own workspace's channel, with its own token.
    run_job_once(multi.container, registry()["sla-watch"], at(24, 12))
    multi.settle()
    assert_only_own_token(multi)
    assert not calls_in(multi, multi.sides[GAMMA])


def test_a_workspace_without_a_lanes_file_gets_the_setup_home_and_nothing_else(
    multi: Multi,
) -> None:
    g = multi.sides[GAMMA]
    before = len(multi.fake.calls_to("views.publish"))
    assert g.slack.app_home_opened(g.user("REQ")).status_code == 200
    published = multi.fake.wait_for("views.publish", count=before + 1)[-1]
    assert multi.fake.team_of_token(published.token) == GAMMA
    home = json.dumps(published.args["view"])
    assert "not set up" in home and f"{GAMMA}.yaml" in home and "LANEKEEPER_CONFIG" in home
    opened = len(multi.fake.calls_to("views.open"))
    resp = g.slack.slash_command(
        "/escalate", text="coverage P2 x", user=g.user("REQ"), channel=g.channel("GENERAL")
    )
    assert resp.status_code == 200 and "not set up" in resp.text
    resp = g.slack.slash_command(
        "/focus", text="30m", user=g.user("TECH1"), channel=g.channel("GENERAL")
    )
    assert "not set up" in resp.text
    g.slack.message(
        channel=g.channel("GENERAL"),
        user=g.user("REQ"),
        text=f"<@{g.user('TECH1')}> can you check the backups?",
    )
    for job in ("standup", "sla-watch", "level10"):
        run_job_once(multi.container, registry()[job], at(24, 9))
    multi.settle()
    time.sleep(0.3)
    assert len(multi.fake.calls_to("views.open")) == opened
    assert multi.escalations(GAMMA) == []
    with multi.container.sessions() as s:
        assert not s.scalar(
            sa.select(sa.func.count())
            .select_from(Interception)
            .where(Interception.slack_team_id == GAMMA)
        )
        assert not s.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.slack_team_id == GAMMA)
        )
    # Its lanes file arrives: it works from the next request on, no restart.
    folder = Path(multi.container.settings.lanekeeper_config)
    (folder / f"{GAMMA}.yaml").write_text(lanes_file(3))
    create(multi, g, "coverage P2 Gamma needs cover", client="Gammaco")
    assert [e["client"] for e in multi.escalations(GAMMA)] == ["Gammaco"]


@pytest.mark.parametrize("multi", ["inline", "worker"], indirect=True)
@pytest.mark.parametrize("how", ["app_uninstalled", "tokens_revoked"])
def test_uninstall_stops_the_workspace_and_forgets_what_it_no_longer_needs(
    multi: Multi, how: str
) -> None:
    a, b = multi.sides[ALPHA], multi.sides[BETA]
    multi.clock.set(at(23, 10))
    create(multi, a, "coverage P2 Alpha needs cover Thursday", client="Alphaco")
    create(multi, b, "coverage P2 Beta needs cover Friday", client="Betaco")
    b.slack.slash_command("/focus", text="60m", user=b.user("TECH1"), channel=b.channel("GENERAL"))
    multi.settle()
    alpha_before = multi.escalations(ALPHA)
    event: dict[str, Any] = {"type": how}
    if how == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": [multi.fake.bot_user_id]}
    acked(multi, b.slack.event(event))
    multi.settle()
    with multi.container.engine.connect() as conn:
        for table in (slack_bots, slack_installations):
            teams = set(conn.scalars(sa.select(table.c.team_id)))
            assert BETA not in teams and ALPHA in teams
        assert not conn.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.slack_team_id == BETA)
        )
        assert not conn.scalar(
            sa.text("SELECT count(*) FROM focus_sessions WHERE slack_team_id = :t"), {"t": BETA}
        )
    # Kept: BETA's escalations (the audit trail); ALPHA untouched.
    assert [e["client"] for e in multi.escalations(BETA)] == ["Betaco"]
    assert multi.escalations(ALPHA) == alpha_before
    # Stopped: no request and no job runs there.
    resp = b.slack.slash_command(
        "/escalate", text="coverage P2 x", user=b.user("REQ"), channel=b.channel("GENERAL")
    )
    assert "not installed" in refused_text(multi, resp, b)
    assert [w.id for w in multi.container.workspaces.all()] == [ALPHA]
    calls = len(calls_in(multi, b))
    run_job_once(multi.container, registry()["standup"], at(24, 8, 45))
    multi.settle()
    assert len(calls_in(multi, b)) == calls
    assert [
        c.args["channel"]
        for c in multi.fake.calls_to("chat.postMessage")
        if c.args.get("channel", "").endswith("DESK")
    ] == ["C01DESK"]


# -- token rotation ---------------------------------------------------------------------------


def test_two_processes_refreshing_a_rotated_token_at_once_end_with_one_valid_token(
    db_url: str, tmp_path: Path
) -> None:
    with FakeSlack(team_id=ALPHA) as fake:
        fake.add_oauth_app(CLIENT_ID, CLIENT_SECRET, token_rotation=True)
        # Installed, and its token about to expire (an hour left: inside the 2-hour window).
        client = WebClient(base_url=fake.api_url)
        code = fake.authorize(
            team_id=ALPHA, user="U01ADMIN", client_id=CLIENT_ID, scope="chat:write"
        )
        grant = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
        expires = datetime.utcnow().replace(microsecond=0) + timedelta(hours=1)  # naive UTC
        engine = make_engine(db_url)
        with engine.begin() as conn:
            row = {
                "client_id": CLIENT_ID,
                "app_id": fake.app_id,
                "team_id": ALPHA,
                "bot_token": grant["access_token"],
                "bot_id": fake.bot_id,
                "bot_user_id": fake.bot_user_id,
                "bot_scopes": "chat:write",
                "bot_refresh_token": grant["refresh_token"],
                "bot_token_expires_at": expires,
                "is_enterprise_install": False,
                "installed_at": datetime.utcnow(),
            }
            conn.execute(slack_bots.insert(), row)
            conn.execute(
                slack_installations.insert(), row | {"user_id": "U01ADMIN", "token_type": "bot"}
            )

        # Without the lock the two refreshes race and one is refused (bolt-python #663).
        rotators = [
            TokenRotator(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                client=WebClient(base_url=fake.api_url),
            )
            for _ in range(2)
        ]
        stores = [
            Installations(client_id=CLIENT_ID, engine=make_engine(db_url), rotator=r)
            for r in rotators
        ]
        barrier = threading.Barrier(2)
        got: list[str] = []
        errors: list[BaseException] = []

        def process(store: Installations) -> None:
            try:
                barrier.wait()
                bot = store.bot_for(ALPHA)
                assert bot is not None
                got.append(str(bot.bot_token))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=process, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors, errors
        refreshes = [g for g in fake.oauth_grants if "authed_user" not in g]
        assert len(refreshes) == 1  # one refresh, whoever won
        assert got == [refreshes[0]["access_token"]] * 2  # both processes use the new token
        assert stores[0].find_bot(enterprise_id=None, team_id=ALPHA).bot_token == got[0]  # type: ignore[union-attr]
        assert WebClient(token=got[0], base_url=fake.api_url).auth_test()["team_id"] == ALPHA
        # The race itself, in the fake: the old refresh token again is refused.
        with pytest.raises(SlackApiError, match="invalid_refresh_token"):
            rotators[0].client.oauth_v2_access(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                grant_type="refresh_token",
                refresh_token=grant["refresh_token"],
            )
        for store in stores:
            store.engine.dispose()
        engine.dispose()


def test_the_install_asks_for_the_manifests_scopes() -> None:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yml").read_text())
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    assert manifest["oauth_config"]["redirect_urls"]
