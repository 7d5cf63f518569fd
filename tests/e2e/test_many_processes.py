"""Many processes, proven (issue 20): two ``lanekeeper serve`` and two ``lanekeeper clock``
processes on one PostgreSQL database, driven through both webs while one web is killed with
SIGKILL (a crash: it holds a post Slack took but never answered) and one clock stops on SIGTERM.

The run happens once (the ``fleet`` fixture); each test asserts one guarantee on what it left in
the fake Slack's recorded calls and in the database: no post lost, none doubled, each job once
per period, each alert once. The figures are printed (``-s`` shows them) for the closing note.

PostgreSQL only (SQLite is one file on one host); skipped when it is not reachable, like the
other PostgreSQL tests. Marked ``processes`` (and ``postgres``): ``-m "not processes"``
deselects it. It takes about a minute, most of it the crashed web's lease running out.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine, make_url

from bot.adapters.db import upgrade
from bot.adapters.models import (
    AlertLink,
    Escalation,
    JobRun,
    OutboxMessage,
)
from bot.adapters.outbox import METADATA_EVENT
from bot.testing.alert_payloads import generic_alert, json_body
from bot.testing.fake_slack import FakeSlack, RecordedCall
from bot.testing.requests import SlackClientSimulator
from tests.conftest import (
    FIXTURES,
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    drop_schema,
    postgres_problem,
    private_schema,
)

pytestmark = [pytest.mark.postgres, pytest.mark.processes]

TOKEN = "xoxb-fleet"
SECRET = "fleet-signing-secret"
ALERT_TOKEN = "fleet-alert-token"
TEAM = "T0FLEET"
USERS = ["U01TECH1", "U01TECH2", "U01TECH3", "U01LEAD", "U01SM", "U01ADMIN", "U01REQ"]
CHANNELS = ("C01DESK", "C01NOC", "C01ESC", "C01GENERAL")
LATE = 30.0  # seconds the fake holds the answer to the post in flight when web A is killed


# --------------------------------------------------------------------------------- the lanes


def _zone_at_noon(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now: the run never crosses a local midnight,
    so "today's" stand-up and this week's Level-10 are one period whatever time CI runs."""
    offset = 12 - now.hour  # -11 … +12; Etc/GMT's sign is inverted (Etc/GMT-5 is UTC+5)
    return f"Etc/GMT{-offset:+d}"


def lanes_file(path: Path, now: datetime) -> None:
    """The e2e lanes, every day a business day, with both teams' stand-up and Level-10 due
    from a minute ago: the clocks' first tick (both at once) finds them due."""
    from zoneinfo import ZoneInfo

    zone = _zone_at_noon(now)
    local = now.astimezone(ZoneInfo(zone)) - timedelta(minutes=1)
    data = yaml.safe_load((FIXTURES / "lanes.yaml").read_text())
    data["timezone"] = zone
    for team in data["teams"]:
        team["timezone"] = zone
        team["business_hours"] = {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": "00:00",
            "end": "24:00",
        }
        team.pop("holidays", None)
        team["standup"] = {"time": f"{local:%H:%M}"}
        team["level10"] = {"day": f"{local:%a}".lower(), "time": f"{local:%H:%M}"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))


# --------------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Fleet:
    fake: FakeSlack
    url: str
    engine: Engine
    workdir: Path
    env: dict[str, str]
    procs: dict[str, Proc] = field(default_factory=dict)
    sims: dict[str, SlackClientSimulator] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    exits: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    alerts_served: bool | None = None
    alert_keys: list[str] = field(default_factory=list)
    requests_sent: Counter[str] = field(default_factory=Counter)
    run_jobs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def start(self, name: str, command: str) -> Proc:
        port = _free_port() if command == "serve" else None
        argv = [sys.executable, "-m", "lanekeeper", command]
        if command == "serve":
            argv += ["--host", "127.0.0.1", "--port", str(port)]
        log = self.workdir / f"{name}.log"
        out = log.open("wb")
        popen = subprocess.Popen(
            argv, cwd=self.workdir, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        proc = Proc(name, popen, log, port)
        self.procs[name] = proc
        return proc

    def wait_healthy(self, proc: Proc, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{proc.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.popen.poll() is not None:
                pytest.fail(f"{proc.name} did not start:\n{proc.output()}")
            time.sleep(0.2)

    def sim(self, web: str) -> SlackClientSimulator:
        self.requests_sent[web] += 1
        return self.sims[web]

    def scalar(self, stmt: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.scalar(stmt)

    def rows(self, stmt: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(stmt))

    def pending(self) -> int:
        return int(
            self.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
        )

    def escalation(self, summary: str, timeout: float = 20) -> Any:
        """The escalation with this (unique) summary, once its lane message is posted."""
        return self.wait(
            lambda: self.rows(
                select(Escalation).where(
                    Escalation.summary == summary, Escalation.lane_ts.is_not(None)
                )
            ),
            f"lane message of {summary!r}",
            timeout,
        )[0]

    @staticmethod
    def wait(probe: Callable[[], Any], what: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            got = probe()
            if got:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)


def _postgres_url() -> str:
    problem = postgres_problem()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (LANEKEEPER_REQUIRE_POSTGRES) but: {problem}")
        pytest.skip(
            f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {problem} "
            "(several processes on one database need PostgreSQL)"
        )
    return POSTGRES_URL


# --------------------------------------------------------------------------------- driving


def open_modal(fleet: Fleet, web: str, text: str, user: str = "U01REQ") -> dict[str, Any]:
    before = len(fleet.fake.calls_to("views.open"))
    resp = fleet.sim(web).slash_command("/escalate", text=text, user=user, channel="C01GENERAL")
    assert resp.status_code == 200, resp.text
    call = fleet.fake.wait_for("views.open", count=before + 1, timeout=15)[-1]
    assert call.ok, call.response
    return dict(call.response["view"])


def submit(fleet: Fleet, web: str, view: dict[str, Any], user: str, **values: Any) -> None:
    resp = fleet.sim(web).submit_view(view["id"], user=user, values=values)
    assert resp.status_code == 200, resp.text
    assert resp.content in (b"", b"{}") or "errors" not in resp.json(), resp.text


def escalate(fleet: Fleet, opener: str, submitter: str, text: str, client: str) -> None:
    """/escalate through one web, the modal submitted through the other."""
    view = open_modal(fleet, opener, text)
    submit(fleet, submitter, view, "U01REQ", client=client)


def click(fleet: Fleet, web: str, summary: str, action_id: str, user: str) -> None:
    esc = fleet.escalation(summary)
    fleet.wait(  # the lane message shows the button once its update is delivered
        lambda: f'"{action_id}"' in json.dumps(fleet.fake.message(esc.lane_channel, esc.lane_ts)),
        f"{action_id} on {summary!r}",
    )
    resp = fleet.sim(web).click(
        {"channel": esc.lane_channel, "ts": esc.lane_ts}, action_id=action_id, user=user
    )
    assert resp.status_code == 200, resp.text


def wait_status(fleet: Fleet, summary: str, status: str, timeout: float = 20) -> None:
    fleet.wait(
        lambda: fleet.scalar(
            select(Escalation.id).where(Escalation.summary == summary, Escalation.status == status)
        ),
        f"{summary!r} {status}",
        timeout,
    )


def resolve(fleet: Fleet, clicker: str, submitter: str, summary: str, user: str) -> None:
    before = len(fleet.fake.calls_to("views.open"))
    click(fleet, clicker, summary, "esc_resolve", user)
    view = fleet.fake.wait_for("views.open", count=before + 1, timeout=15)[-1].response["view"]
    assert view["callback_id"] == "resolve"
    submit(fleet, submitter, view, user, done_0=["0", "1"], note="Re-ran the job")
    wait_status(fleet, summary, "resolved")


def approve(fleet: Fleet, web: str, summary: str) -> None:
    """The approver's DM arrived; the approval is clicked through ``web``."""
    esc = fleet.escalation(summary)
    esc_id, ref = esc.id, f"ESC-{esc.number}"

    def dm() -> RecordedCall | None:
        for c in fleet.fake.calls_to("chat.postMessage"):
            text = str(c.args.get("text") or "")
            to_sm = c.ok and c.args.get("channel") == "U01SM"
            if to_sm and "Approval needed" in text and ref in json.dumps(c.args):
                return c
        return None

    call = fleet.wait(dm, f"approval DM for {summary!r}")
    resp = fleet.sim(web).click(
        {"channel": call.response["channel"], "ts": call.response["ts"]},
        action_id="approval_approve",
        user="U01SM",
    )
    assert resp.status_code == 200, resp.text
    fleet.wait(
        lambda: fleet.scalar(
            select(Escalation.id).where(Escalation.id == esc_id, Escalation.status == "open")
        ),
        f"{summary!r} approved",
    )


def intercept(
    fleet: Fleet, teller: str, router: str, submitter: str, text: str, client: str
) -> None:
    """A request to a protected person is said through ``teller``; its sender routes it from
    the offer through ``router`` and submits the modal through ``submitter``."""
    offered = len(fleet.fake.ephemerals("C01GENERAL", user="U01REQ"))
    resp, _ts = fleet.sim(teller).message("C01GENERAL", "U01REQ", text)
    assert resp.status_code == 200, resp.text
    offers = fleet.wait(
        lambda: [
            e
            for e in fleet.fake.ephemerals("C01GENERAL", user="U01REQ")[offered:]
            if any(b.get("block_id") == "route" for b in e.get("blocks") or [])
        ],
        f"the lane offer for {text!r}",
    )
    before = len(fleet.fake.calls_to("views.open"))
    resp = fleet.sim(router).click(offers[0], "route:alert", user="U01REQ")
    assert resp.status_code == 200, resp.text
    view = fleet.fake.wait_for("views.open", count=before + 1, timeout=15)[-1].response["view"]
    submit(fleet, submitter, view, "U01REQ", client=client, summary=f"Intercepted: {client}")


def alert(fleet: Fleet, web: str, key: str, status: str) -> httpx.Response:
    body = json_body(
        generic_alert(
            key,
            status=status,
            title=f"Backup job failed: {key}",
            occurred_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    )
    fleet.requests_sent[web] += 1
    return httpx.post(
        f"{fleet.procs[web].base}/hooks/alerts/generic",
        content=body,
        headers={"Authorization": f"Bearer {ALERT_TOKEN}", "Content-Type": "application/json"},
        timeout=15,
    )


def alerts_are_served(fleet: Fleet, web: str) -> bool:
    """Whether ``POST /hooks/alerts/generic`` exists yet (the router's own 404 says it does not)."""
    resp = httpx.post(
        f"{fleet.procs[web].base}/hooks/alerts/generic",
        content=b"{}",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    return not (resp.status_code == 404 and resp.json().get("error") == "not found")


def run_job_twice_at_once(fleet: Fleet, job: str) -> list[subprocess.CompletedProcess[str]]:
    """``lanekeeper run-job JOB`` from two processes at the same moment (real time, no --now)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lanekeeper", "run-job", job],
            cwd=fleet.workdir,
            env=fleet.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


# --------------------------------------------------------------------------------- the run


def _scenario(fleet: Fleet) -> None:
    a, b = "web-a", "web-b"
    # -- both webs up: everything alternates between them ---------------------------------
    escalate(fleet, a, b, "alert P2 Backups failed three nights", "Acme Dental")
    escalate(fleet, b, a, "coverage P3 Cover the Thursday shift", "Globex")
    escalate(fleet, a, b, "client-request P3 Expedite the Initech laptop order", "Initech")
    escalate(fleet, b, a, "client-request P2 Acme wants the migration this week", "Acme")
    click(fleet, a, "Backups failed three nights", "esc_take", "U01TECH3")
    wait_status(fleet, "Backups failed three nights", "acknowledged")
    click(fleet, b, "Backups failed three nights", "esc_wait", "U01TECH3")
    wait_status(fleet, "Backups failed three nights", "waiting")
    click(fleet, a, "Backups failed three nights", "esc_resume", "U01TECH3")
    wait_status(fleet, "Backups failed three nights", "acknowledged")
    resolve(fleet, b, a, "Backups failed three nights", "U01TECH3")
    approve(fleet, a, "Acme wants the migration this week")
    click(fleet, b, "Cover the Thursday shift", "esc_take", "U01TECH1")
    intercept(
        fleet, a, b, a, "<@U01TECH1> can you check the backup alert on FS01 for Acme?", "Hooli"
    )
    intercept(
        fleet, b, a, b, "<@U01TECH2> could you look at the offline NAS at Umbrella?", "Umbrella"
    )

    fleet.alerts_served = alerts_are_served(fleet, a)
    if fleet.alerts_served:
        fleet.alert_keys = ["fleet-fs01-backup", "fleet-nas-offline"]
        for key, web in zip(fleet.alert_keys, (a, b), strict=True):
            assert alert(fleet, web, key, "firing").status_code // 100 == 2
        for key, web in zip(fleet.alert_keys, (b, a), strict=True):  # re-sent, other web
            assert alert(fleet, web, key, "firing").status_code // 100 == 2

    # -- the crash: web A stores a post, Slack takes it but its answer never comes back ------
    fleet.wait(lambda: fleet.pending() == 0, "the outbox to drain before the crash", 30)
    fleet.fake.answer_late("chat.postMessage", LATE)
    posts_before = len(fleet.fake.calls_to("chat.postMessage"))
    escalate(fleet, a, a, "alert P1 Firewall offline at Stark", "Stark")
    in_flight = fleet.fake.wait_for("chat.postMessage", count=posts_before + 1, timeout=15)[-1]
    outbox_id = in_flight.args.get("metadata", {}).get("event_payload", {}).get("outbox_id")
    holder = fleet.scalar(select(OutboxMessage.claimed_by).where(OutboxMessage.id == outbox_id))
    fleet.figures["in-flight post held by the killed web"] = str(holder or "").startswith(
        f"{fleet.procs[a].popen.pid}-"
    )
    fleet.procs[a].popen.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    fleet.procs[a].popen.wait(timeout=10)
    fleet.exits[a] = (fleet.procs[a].popen.returncode, fleet.procs[a].output())
    # ... and one clock stops the way a host stops it.
    clock = fleet.procs["clock-1"]
    clock.popen.send_signal(signal.SIGTERM)
    clock.popen.wait(timeout=40)
    fleet.exits["clock-1"] = (clock.popen.returncode, clock.output())

    # -- web B alone (and clock 2) ----------------------------------------------------------
    escalate(fleet, b, b, "coverage P2 Who covers Friday night", "Wayne")
    click(fleet, b, "Who covers Friday night", "esc_take", "U01TECH2")
    click(fleet, b, "Expedite the Initech laptop order", "esc_take", "U01TECH1")
    intercept(fleet, b, b, b, "<@U01TECH1> can you check the disk alert for Soylent?", "Soylent")
    if fleet.alerts_served:
        for key in fleet.alert_keys:
            assert alert(fleet, b, key, "resolved").status_code // 100 == 2
    fleet.run_jobs = run_job_twice_at_once(fleet, "standup")

    # -- settle: the crashed web's lease runs out and a live process delivers its post -------
    fleet.wait(lambda: fleet.pending() == 0, "the outbox to settle after the kill", 100)
    fleet.figures["seconds to settle after the kill"] = round(time.monotonic() - killed_at, 1)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    base_url = _postgres_url()
    schema, url = private_schema(base_url)
    started = time.monotonic()
    workdir = tmp_path_factory.mktemp("fleet")
    fake = FakeSlack(bot_token=TOKEN, team_id=TEAM).start()
    engine = create_engine(url)
    try:
        upgrade(url)
        for uid in USERS:
            fake.add_user(uid, name=uid.lower(), real_name=uid.title())
        fake.add_usergroup("S01MANAGERS", users=["U01SM", "U01LEAD"])
        for channel in CHANNELS:
            fake.add_channel(channel, name=channel.lower(), members=USERS)
        lanes_file(workdir / "lanekeeper.yaml", datetime.now(UTC))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_"))
        }
        env.update(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
                "DATABASE_URL": url,
                "LANEKEEPER_CONFIG": str(workdir / "lanekeeper.yaml"),
                "LANEKEEPER_ALERT_TOKEN_GENERIC": ALERT_TOKEN,
                "LANEKEEPER_WEB_THREADS": "8",
                "LANEKEEPER_LISTENER_THREADS": "8",
                "LANEKEEPER_DELIVERY_THREADS": "2",
            }
        )
        fleet = Fleet(fake=fake, url=url, engine=engine, workdir=workdir, env=env)
        # Both clocks at the same moment: their first tick races for the due stand-ups.
        fleet.start("clock-1", "clock")
        fleet.start("clock-2", "clock")
        for name in ("web-a", "web-b"):
            fleet.start(name, "serve")
        for name in ("web-a", "web-b"):
            proc = fleet.procs[name]
            fleet.wait_healthy(proc)
            fleet.sims[name] = SlackClientSimulator(
                app_url=f"{proc.base}/slack/events", signing_secret=SECRET, fake=fake, team_id=TEAM
            )
        _scenario(fleet)
        for name in ("web-b", "clock-2"):
            proc = fleet.procs[name]
            proc.popen.send_signal(signal.SIGTERM)
            proc.popen.wait(timeout=40)
            fleet.exits[name] = (proc.popen.returncode, proc.output())
        fleet.figures["run seconds"] = round(time.monotonic() - started, 1)
        yield fleet
    finally:
        for sim in fleet.sims.values() if "fleet" in locals() else ():
            sim.close()
        for proc in fleet.procs.values() if "fleet" in locals() else ():
            if proc.popen.poll() is None:
                proc.popen.kill()
                proc.popen.wait(timeout=10)
        engine.dispose()
        fake.stop()
        drop_schema(base_url, schema)


# --------------------------------------------------------------------------------- reading


def outbox_id(call: RecordedCall) -> int | None:
    meta = call.args.get("metadata") or {}
    if isinstance(meta, str):
        meta = json.loads(meta)
    if meta.get("event_type") != METADATA_EVENT:
        return None
    return int(meta["event_payload"]["outbox_id"])


def posts(fleet: Fleet) -> list[RecordedCall]:
    """Every post Slack took."""
    return [c for c in fleet.fake.calls_to("chat.postMessage") if c.ok]


def posts_by_outbox_id(fleet: Fleet) -> Counter[int]:
    return Counter(i for c in posts(fleet) if (i := outbox_id(c)) is not None)


def outbox(fleet: Fleet) -> list[Any]:
    return fleet.rows(select(OutboxMessage).order_by(OutboxMessage.id))


# --------------------------------------------------------------------------------- the proofs


def test_the_processes_ran_and_stopped_as_asked(fleet: Fleet) -> None:
    code, out = fleet.exits["web-a"]
    assert code == -signal.SIGKILL
    for name in ("clock-1", "clock-2", "web-b"):
        code, out = fleet.exits[name]
        assert code == 0, f"{name} exited {code}:\n{out}"
        assert "Traceback" not in out, f"{name}:\n{out}"
        assert len([ln for ln in out.splitlines() if "stopped on SIGTERM" in ln]) == 1, out
    for done in fleet.run_jobs:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr


def test_no_post_lost(fleet: Fleet) -> None:
    rows = outbox(fleet)
    assert rows
    pending = [r.id for r in rows if r.delivered_at is None and r.failed_at is None]
    assert pending == []
    failed = [(r.id, r.kind, r.last_error, r.payload) for r in rows if r.failed_at is not None]
    assert all(f[2] for f in failed), failed  # failed with a reason
    # Nothing here was refused by Slack: every post went out. (An App Home refresh for a
    # requester that is not a Slack user is refused; it is not a post.)
    assert [f for f in failed if f[1] != "home"] == [], failed
    fleet.figures["outbox rows failed (App Home refreshes)"] = len(failed)
    # Every post a row says it delivered is in Slack.
    posted = posts_by_outbox_id(fleet)
    for r in rows:
        result = r.result or {}
        if r.kind in ("lane_message", "thread_note", "source_note", "level10") and not (
            result.get("superseded") or result.get("updated") or result.get("skipped")
        ):
            assert posted[r.id] == 1, (r.id, r.kind, result)
    escalations = fleet.rows(select(Escalation).order_by(Escalation.id))
    assert all(e.lane_ts for e in escalations)
    fleet.figures["escalations"] = len(escalations)
    fleet.figures["outbox rows"] = len(rows)
    fleet.figures["outbox rows delivered"] = len([r for r in rows if r.delivered_at is not None])


def test_none_doubled(fleet: Fleet) -> None:
    counted = posts_by_outbox_id(fleet)
    doubled = {i: n for i, n in counted.items() if n > 1}
    # Posts without an outbox id in their metadata (approval DMs, direct answers): by content.
    others = Counter(
        (c.args.get("channel"), c.args.get("thread_ts"), c.args.get("text"))
        for c in posts(fleet)
        if outbox_id(c) is None
    )
    doubled_others = {k: n for k, n in others.items() if n > 1}
    fleet.figures["posts delivered"] = len(posts(fleet))
    fleet.figures["duplicates"] = len(doubled) + len(doubled_others)
    assert doubled == {}, doubled
    assert doubled_others == {}, doubled_others
    # Every escalation: exactly one lane message in its channel, the one it points at.
    lane_rows: dict[int, set[int]] = {}
    for r in outbox(fleet):
        if r.kind == "lane_message":
            lane_rows.setdefault(int(r.escalation_id), set()).add(int(r.id))
    for esc in fleet.rows(select(Escalation)):
        tops = [
            c
            for c in posts(fleet)
            if c.args.get("channel") == esc.lane_channel
            and not c.args.get("thread_ts")
            and outbox_id(c) in lane_rows.get(esc.id, set())
        ]
        assert [c.response["ts"] for c in tops] == [esc.lane_ts], esc.summary
    top_level = [
        m
        for m in fleet.fake.messages("C01ESC")
        if not m.get("thread_ts") or m.get("thread_ts") == m.get("ts")
    ]
    assert len(top_level) == len(fleet.rows(select(Escalation.id)))
    # Every thread note once (the notes each state change queued).
    notes = [r for r in outbox(fleet) if r.kind == "thread_note"]
    assert notes and all(counted[r.id] == 1 for r in notes)
    fleet.figures["thread notes"] = len(notes)
    # One approval DM per approver of the approval-gated escalation.
    dms = Counter(
        c.args["channel"] for c in posts(fleet) if "Approval needed" in c.args.get("text", "")
    )
    assert dms == Counter({"U01SM": 1, "U01LEAD": 1}), dms


def test_each_job_once_per_period(fleet: Fleet) -> None:
    runs = fleet.rows(select(JobRun.job, JobRun.scope, JobRun.period, JobRun.outcome))
    standups = sorted((r.scope, r.outcome) for r in runs if r.job == "standup")
    assert standups == [("noc", "sent"), ("service-desk", "sent")], runs
    level10 = sorted(r.scope for r in runs if r.job == "level10")
    assert level10 == ["noc", "service-desk"], runs
    counted = posts_by_outbox_id(fleet)
    per_key = Counter(
        (r.dedupe_key or "").rsplit(":", 1)[0]
        for r in outbox(fleet)
        if r.kind in ("call", "level10")
        and (r.dedupe_key or "").startswith(("standup:", "level10:"))
    )
    assert per_key == Counter(
        {"standup:noc": 1, "standup:service-desk": 1, "level10:noc": 1, "level10:service-desk": 1}
    ), per_key
    for r in outbox(fleet):
        if (r.dedupe_key or "").startswith(("standup:", "level10:")):
            assert counted[r.id] == 1, r.dedupe_key
    for channel in ("C01DESK", "C01NOC"):  # a stand-up and a Level-10 each, nothing else
        assert len([c for c in posts(fleet) if c.args.get("channel") == channel]) == 2
    for done in fleet.run_jobs:  # run by hand from two sides at once: already sent
        assert " sent" not in done.stdout.replace("already-sent", ""), done.stdout
    fleet.figures["job runs"] = len(runs)


def test_each_alert_once(fleet: Fleet) -> None:
    if not fleet.alerts_served:
        pytest.skip("POST /hooks/alerts/ is not served by `lanekeeper serve` yet")
    links = fleet.rows(select(AlertLink.key, AlertLink.escalation_id, AlertLink.active))
    assert sorted(link.key for link in links) == sorted(fleet.alert_keys), links
    assert not any(link.active for link in links)
    for link in links:
        esc = fleet.rows(select(Escalation).where(Escalation.id == link.escalation_id))[0]
        assert esc.status == "resolved" and esc.lane_ts


def test_figures(fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    fig = {
        "processes": "2 serve + 2 clock (+2 run-job standup at once)",
        "requests sent": dict(fleet.requests_sent),
        "alerts": "served" if fleet.alerts_served else "not served yet",
        **fleet.figures,
    }
    with capsys.disabled():
        print("\nmany processes:", json.dumps(fig))
