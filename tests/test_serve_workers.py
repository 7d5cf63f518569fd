"""`lanekeeper serve` with WEB_CONCURRENCY=2: worker processes under gunicorn, as a host runs it."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import signed_headers
from tests.served import served

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process tree from /proc")
def test_web_concurrency_runs_worker_processes_that_serve_and_stop_cleanly(
    tmp_path: Path,
) -> None:
    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-cli",
        "SLACK_SIGNING_SECRET": "cli-secret",
        "WEB_CONCURRENCY": "2",
        "LANEKEEPER_WEB_THREADS": "4",
    }
    with (
        FakeSlack(bot_token="xoxb-cli", team_id="T0CLI") as fake,
        served(tmp_path, settings | {"SLACK_API_URL": fake.api_url}) as app,
    ):
        proc, base = app.proc, app.base
        health = httpx.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["ok"] is True
        deadline = time.monotonic() + 10
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(proc.pid)) == 2  # two workers under one master
        body = urlencode(
            {
                "command": "/lanes",
                "text": "",
                "user_id": "U01REQ",
                "team_id": "T0CLI",
                "channel_id": "C01GENERAL",
            }
        ).encode()
        for _ in range(4):  # whichever worker takes it answers
            resp = httpx.post(
                f"{base}/slack/events",
                content=body,
                headers={
                    **signed_headers("cli-secret", body),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            assert resp.status_code == 200 and "Monitoring alert" in resp.text
    out = app.out
    assert app.returncode == 0, out
    # Each worker finished its work and gave back its claims, as a single serve does.
    assert out.count("lanekeeper serve worker stopped on SIGTERM") == 2, out
    assert "Traceback" not in out
