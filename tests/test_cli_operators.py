"""What operators see (issue 14, items 5, 11, 13, 16): one clear line and an honest exit code,
never a traceback; `serve` and `clock` start while Slack is down and stop cleanly on SIGTERM
and Ctrl-C. Real processes against the fake Slack as a real server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import create_engine, select

from bot.adapters.models import JobRun
from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import signed_headers
from tests.test_cli import lanekeeper

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "xoxb-ops"
MONDAY_STANDUP = "2026-11-23T08:45-06:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(bot_token=TOKEN, team_id="T0OPS").start()
    for uid in ("U01TECH1", "U01TECH2", "U01LEAD", "U01REQ"):
        slack.add_user(uid, name=uid.lower())
    for channel in ("C01DESK", "C01NOC", "C01ESC", "C01GENERAL"):
        slack.add_channel(channel, name=channel.lower(), members=["U01TECH1"])
    yield slack
    slack.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    return tmp_path


def env_for(fake: FakeSlack | None, **extra: str) -> dict[str, str]:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "ops-secret"}
    if fake is not None:
        env["SLACK_API_URL"] = fake.api_url
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


# ---------------------------------------------------------------- item 13: one clear line


def test_run_job_without_a_token_says_so(workdir: Path) -> None:
    done = lanekeeper("run-job", "standup", cwd=workdir, env={"SLACK_BOT_TOKEN": ""})
    assert done.returncode == 2
    assert "needs SLACK_BOT_TOKEN" in one_clear_line(done)


def test_run_job_with_a_bad_token_says_so(workdir: Path, fake: FakeSlack) -> None:
    done = lanekeeper(
        "run-job", "standup", cwd=workdir, env=env_for(fake, SLACK_BOT_TOKEN="xoxb-wrong")
    )
    assert done.returncode == 1
    line = one_clear_line(done)
    assert "refused SLACK_BOT_TOKEN (invalid_auth)" in line and "xoxb-wrong" not in line


def test_run_job_and_config_check_with_slack_unreachable_say_so(workdir: Path) -> None:
    env = env_for(None, SLACK_API_URL=f"http://127.0.0.1:{_free_port()}/api/")
    done = lanekeeper("run-job", "standup", cwd=workdir, env=env)
    assert done.returncode == 1
    assert "Slack is unreachable" in one_clear_line(done)
    done = lanekeeper("config", "check", cwd=workdir, env=env)
    assert done.returncode == 1
    assert "could not check the ids against Slack" in one_clear_line(done)


def test_demo_refuses_a_json_path_it_cannot_write_before_playing(tmp_path: Path) -> None:
    started = time.monotonic()
    done = lanekeeper("demo", "--json", "/no/such/dir/x.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "no folder /no/such/dir" in one_clear_line(done)
    assert time.monotonic() - started < 15  # the day was not played first


# ---------------------------------------------------------------- item 11: refused digest


def test_a_digest_slack_refused_is_not_sent_exit_1_and_the_record_says_refused(
    workdir: Path, fake: FakeSlack
) -> None:
    fake.refuse("chat.postMessage", channel="C01DESK", error="channel_not_found")
    args = ("run-job", "standup", "--team", "service-desk", "--now", MONDAY_STANDUP)
    done = lanekeeper(*args, cwd=workdir, env=env_for(fake))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    [line] = done.stdout.splitlines()
    assert line.startswith("standup service-desk: NOT sent") and "channel_not_found" in line
    engine = create_engine(f"sqlite:///{workdir / 'lanekeeper.db'}")
    with engine.connect() as conn:
        assert conn.scalar(select(JobRun.outcome)) == "refused"
    # A re-run while Slack still refuses says so again and exits 1 (not "retried", exit 0).
    done = lanekeeper(*args, cwd=workdir, env=env_for(fake))
    assert done.returncode == 1
    assert "NOT sent" in done.stdout and "retried" not in done.stdout
    # Fixed: the re-run sends it, once, and the record says sent.
    fake.lift_refusals()
    done = lanekeeper(*args, cwd=workdir, env=env_for(fake))
    assert done.returncode == 0, done.stdout + done.stderr
    with engine.connect() as conn:
        assert conn.scalar(select(JobRun.outcome)) == "sent"
    engine.dispose()
    posted = [c for c in fake.calls_to("chat.postMessage") if c.response.get("ok")]
    assert len([c for c in posted if c.args["channel"] == "C01DESK"]) == 1


# ---------------------------------------------------------------- items 5 and 16: processes


def start(
    command: str, workdir: Path, fake: FakeSlack, port: int | None = None
) -> subprocess.Popen[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_"))
    }
    env.update(env_for(fake, PORT=str(port or "")))
    return subprocess.Popen(
        [sys.executable, "-m", "lanekeeper", command, "--host", "127.0.0.1"]
        if command == "serve"
        else [sys.executable, "-m", "lanekeeper", command],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(base: str, proc: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(f"{base}/healthz", timeout=1)
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                out = proc.communicate(timeout=5)[0] if proc.poll() is not None else ""
                pytest.fail(f"lanekeeper serve did not start: {out}")
            time.sleep(0.2)


def lanes_command(base: str) -> httpx.Response:
    body = urlencode(
        {"command": "/lanes", "text": "", "user_id": "U01REQ", "team_id": "T0OPS",
         "channel_id": "C01GENERAL"}
    ).encode()  # fmt: skip
    return httpx.post(
        f"{base}/slack/events",
        content=body,
        headers={
            **signed_headers("ops-secret", body),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=10,
    )


def test_serve_starts_while_slack_is_down_catches_up_and_stops_on_sigterm(
    workdir: Path, fake: FakeSlack
) -> None:
    fake.refuse("auth.test", status=503, error="service_unavailable")
    port = _free_port()
    proc = start("serve", workdir, fake, port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_healthy(base, proc).status_code == 200
        fake.lift_refusals()  # Slack is back: requests are answered
        resp = lanes_command(base)
        assert resp.status_code == 200 and "Monitoring alert" in resp.text
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert len([ln for ln in out.splitlines() if "stopped on SIGTERM" in ln]) == 1, out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_clock_starts_while_slack_is_down_and_stops_cleanly(
    workdir: Path, fake: FakeSlack, sig: signal.Signals
) -> None:
    fake.refuse("auth.test", status=503, error="service_unavailable")
    proc = start("clock", workdir, fake)
    try:
        fake.wait_for("auth.test", timeout=30)  # the jobs' first tick asked Slack
        time.sleep(0.5)
        assert proc.poll() is None, "clock exited while Slack was down"
    finally:
        proc.send_signal(sig)
        out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert len([ln for ln in out.splitlines() if f"stopped on {sig.name}" in ln]) == 1, out
