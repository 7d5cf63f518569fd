"""The `lanekeeper` command as a person runs it: real processes, real files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import signed_headers
from tests.served import served

FIXTURES = Path(__file__).parent / "fixtures"


def lanekeeper(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "lanekeeper", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = lanekeeper("init", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "lanekeeper.yaml").exists()
    again = lanekeeper("init", cwd=tmp_path)
    assert again.returncode == 1 and "use --force" in again.stderr
    check = lanekeeper("config", "check", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "7 lanes" in check.stdout
    assert "Still the starter's placeholder ids" in check.stdout and "U0TECH001" in check.stdout


def test_a_bad_file_is_refused_with_every_problem_and_the_bot_does_not_start(
    tmp_path: Path,
) -> None:
    bad = (
        (FIXTURES / "lanes.yaml")
        .read_text()
        .replace("resolve: 4h", "resolve: 4x")
        .replace("team: noc", "team: nope")
    )
    (tmp_path / "lanekeeper.yaml").write_text(bad)
    check = lanekeeper("config", "check", cwd=tmp_path)
    assert check.returncode == 2
    assert 'lanes[0].severities.P1.resolve: "4x" is not a duration' in check.stderr
    assert 'lanes[0].team: no team "nope"' in check.stderr
    serve = lanekeeper(
        "serve", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    )
    assert serve.returncode == 2
    assert '"4x" is not a duration' in serve.stderr
    assert not (tmp_path / "lanekeeper.db").exists()


def test_run_job_list_and_bad_now(tmp_path: Path) -> None:
    out = lanekeeper("run-job", "--list", cwd=tmp_path)
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert names == ["standup", "sla-watch", "psa-sync", "prune", "level10", "level10-remind"]
    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    bad = lanekeeper("run-job", "standup", "--now", "tomorrow", cwd=tmp_path)
    assert bad.returncode == 1 and "is not an ISO-8601 time" in bad.stderr
    naive = lanekeeper("run-job", "standup", "--now", "2026-11-24T08:45", cwd=tmp_path)
    assert naive.returncode == 1 and "needs an offset" in naive.stderr
    unknown = lanekeeper("run-job", "nightly", cwd=tmp_path)
    assert unknown.returncode == 2 and "no job 'nightly'" in unknown.stderr


def test_digest_dry_run_prints_and_posts_nothing(tmp_path: Path) -> None:
    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    out = lanekeeper(
        "digest",
        "standup",
        "--team",
        "service-desk",
        "--now",
        "2026-11-24T08:45-06:00",
        "--dry-run",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "All clear for Service Desk" in out.stdout
    nope = lanekeeper("digest", "standup", "--team", "nope", "--dry-run", cwd=tmp_path)
    assert nope.returncode == 2 and "teams: service-desk, noc" in nope.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_slack_and_health_as_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    settings = {"SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "cli-secret"}
    with (
        FakeSlack(bot_token="xoxb-cli", team_id="T0CLI") as fake,
        served(tmp_path, settings | {"SLACK_API_URL": fake.api_url}) as app,
    ):
        base = app.base
        health = httpx.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 200 and health.json() == {"ok": True, "database": "sqlite"}
        body = urlencode(
            {
                "command": "/lanes",
                "text": "",
                "user_id": "U01REQ",
                "team_id": "T0CLI",
                "channel_id": "C01GENERAL",
            }
        ).encode()
        resp = httpx.post(
            f"{base}/slack/events",
            content=body,
            headers={
                **signed_headers("cli-secret", body),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert resp.status_code == 200
        assert "Monitoring alert" in resp.text
        refused = httpx.post(
            f"{base}/slack/events",
            content=body,
            headers={
                **signed_headers("wrong", body),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert refused.status_code == 401
        assert (tmp_path / "lanekeeper.db").exists()
    assert app.returncode == 0, app.out
    # Bolt's notice that the given client wins over SLACK_BOT_TOKEN is not a warning to show.
    assert "will be unused" not in app.out and "Traceback" not in app.out


def test_digest_dry_run_without_a_token_reads_the_stored_workspace(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.adapters.db import make_engine, make_session_factory, upgrade
    from bot.adapters.models import Escalation

    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    url = f"sqlite:///{tmp_path / 'lanekeeper.db'}"
    upgrade(url)
    engine = make_engine(url)
    opened = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    with make_session_factory(engine)() as s:
        s.add(
            Escalation(
                slack_team_id="T0REAL", number=1, lane="coverage", team="service-desk",
                severity="P2", client="Globex", summary="Cover Thursday", details="",
                requester="U01REQ", source="slash_command", lane_channel="C01ESC",
                status="open", opened_at=opened, respond_due=datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
                resolve_due=datetime(2026, 11, 24, 16, 0, tzinfo=UTC), done_checked=[],
                created_at=opened, updated_at=opened,
            )
        )  # fmt: skip
        s.commit()
    engine.dispose()
    out = lanekeeper(
        "digest", "standup", "--team", "service-desk", "--now", "2026-11-24T08:45-06:00",
        "--dry-run", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "ESC-1" in out.stdout and "Globex" in out.stdout
    assert "All clear" not in out.stdout


def test_db_upgrade_against_a_database_that_is_not_there_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    """The Procfile's release step: a refused connection is one line naming where, no password
    and no traceback."""
    port = _free_port()  # nothing listens there
    url = f"postgresql://lk:s3cr3t-pw@127.0.0.1:{port}/lanekeeper"
    out = lanekeeper("db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": url})
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "s3cr3t-pw" not in out.stdout + out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.startswith("lanekeeper db upgrade")]
    assert f"cannot reach the database at postgresql+psycopg://lk:***@127.0.0.1:{port}" in line
