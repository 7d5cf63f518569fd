"""`lanekeeper socket` when Slack refuses the app-level token: one line, exit 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.testing.fake_slack import FakeSlack

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_refused_app_token_is_one_line_and_exit_1(tmp_path: Path) -> None:
    fake = FakeSlack(bot_token="xoxb-cli", team_id="T0CLI").start()
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_"))
        }
        env.update(
            {
                "SLACK_BOT_TOKEN": "xoxb-cli",
                "SLACK_APP_TOKEN": "xapp-1-never-issued",
                "SLACK_API_URL": fake.api_url,
                "LANEKEEPER_CONFIG": str(FIXTURES / "lanes.yaml"),
            }
        )
        done = subprocess.run(
            [sys.executable, "-m", "lanekeeper", "socket"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        fake.stop()
    assert done.returncode == 1, done.stderr
    assert "Slack did not open a Socket Mode connection (invalid_auth)" in done.stderr
    assert "Traceback" not in done.stderr
    assert "xapp-1-never-issued" not in done.stderr + done.stdout
