"""``/metrics`` of `lanekeeper serve` with WEB_CONCURRENCY=2: whichever worker answers the scrape,
it reports every worker's requests (prometheus-client's multiprocess mode, one folder shared by
the workers). And with ``LANEKEEPER_LOG_FORMAT=json`` every line is JSON, gunicorn's too."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import pytest

from bot.testing.fake_slack import FakeSlack
from tests.served import served

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "workers-metrics-token"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")


def _healthz_count(text: str) -> float:
    found = re.search(
        r'^lanekeeper_http_requests_total\{route="/healthz",status="200"\} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found else 0.0


def test_every_scrape_sums_every_workers_requests(tmp_path: Path) -> None:
    (tmp_path / "lanekeeper.yaml").write_text((FIXTURES / "lanes.yaml").read_text())
    shared = tmp_path / "prometheus"
    shared.mkdir()
    (shared / "counter_999999.db").write_bytes(b"stale: an earlier run's")
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-cli",
        "SLACK_SIGNING_SECRET": "cli-secret",
        "WEB_CONCURRENCY": "2",
        "LANEKEEPER_WEB_THREADS": "4",
        "LANEKEEPER_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "LANEKEEPER_LOG_FORMAT": "json",
    }
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with (
        FakeSlack(bot_token="xoxb-cli", team_id="T0CLI") as fake,
        served(tmp_path, settings | {"SLACK_API_URL": fake.api_url}) as app,
    ):
        base = app.base
        # Requests on fresh connections, until both workers have answered some (each worker
        # keeps its counts in a file named by its process id).
        for _ in range(200):
            with httpx.Client() as client:
                assert client.get(f"{base}/healthz").status_code == 200
            pids = {p.name.split("_")[-1] for p in shared.glob("counter_*.db")} - {"999999.db"}
            if len(pids) >= 2:
                break
        assert len(pids) >= 2, "one worker took every request"
        assert not (shared / "counter_999999.db").exists()  # an earlier run's counts are gone
        with httpx.Client() as client:
            expected = _healthz_count(client.get(f"{base}/metrics", headers=auth).text)
        assert expected >= 2  # the start-up wait and at least one request in the loop
        for _ in range(12):  # each scrape on a fresh connection: either worker answers
            with httpx.Client() as client:
                resp = client.get(f"{base}/metrics", headers=auth)
            assert resp.status_code == 200
            assert _healthz_count(resp.text) == expected
    out = app.out
    assert app.returncode == 0, out
    assert "Traceback" not in out
    # Every line is JSON, gunicorn's own included (for a log shipper), and says which process.
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    loggers = {r["logger"] for r in records}
    assert "gunicorn.error" in loggers, loggers
    assert any("Booting worker" in r["message"] for r in records)
