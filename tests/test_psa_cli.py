"""`lanekeeper psa check` against the fake ConnectWise: what would be synced, what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.testing.fake_psa.connectwise import FakeConnectWise
from tests.e2e.test_psa_sync import SECRETS

CONFIG = """\
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
  teams: {Service Desk: service-desk, Helpdesk: service-desk}
  severities:
    Priority 1 - Emergency Response: P1
    Priority 2 - Quick Response: P2
    Priority 9 - Whenever: P3
"""


@pytest.fixture
def psa() -> Iterator[FakeConnectWise]:
    with FakeConnectWise.demo(now=datetime(2026, 11, 24, 16, tzinfo=UTC)) as fake:
        yield fake  # type: ignore[misc]


def test_psa_check_names_what_is_missing_and_counts_the_first_page(
    psa: FakeConnectWise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "lanekeeper.yaml"
    path.write_text(CONFIG.replace("URL", psa.url))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    before = len(psa.requests)
    assert main(["psa", "check", "--config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "connectwise at http://127.0.0.1" in out and "signed in" in out
    assert "problem: psa.teams: 'Helpdesk' is not in the PSA" in out
    assert "problem: psa.severities: 'Priority 9 - Whenever' is not a PSA priority" in out
    assert "service-desk" in out and "P1" in out
    assert all(r.method == "GET" for r in psa.requests[before:])  # it changes nothing
    assert SECRETS["CONNECTWISE_PRIVATE_KEY"] not in out


def test_psa_check_with_refused_credentials_says_so_in_one_line(
    psa: FakeConnectWise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "lanekeeper.yaml"
    path.write_text(CONFIG.replace("URL", psa.url))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CONNECTWISE_PRIVATE_KEY", "not-the-key")
    assert main(["psa", "check", "--config", str(path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("lanekeeper psa check: connectwise at http")
    assert "not-the-key" not in out[0]


def test_config_check_names_what_the_psa_lacks(
    psa: FakeConnectWise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "lanekeeper.yaml"
    path.write_text(CONFIG.replace("URL", psa.url))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["config", "check", str(path)]) == 0  # no PSA credentials: said, not checked
    assert "to also check psa: against connectwise" in capsys.readouterr().out
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "psa.teams: 'Helpdesk' is not in connectwise" in err
    assert "psa.severities: 'Priority 9 - Whenever' is not a connectwise priority" in err


def test_psa_check_reads_credentials_and_the_lanes_file_from_dotenv(
    psa: FakeConnectWise,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """README: settings go in the environment or in a ``.env`` file; the PSA's too."""
    (tmp_path / "psa.yaml").write_text(CONFIG.replace("URL", psa.url))
    for name in [*SECRETS, "LANEKEEPER_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    lines = [f"{name}={value}" for name, value in SECRETS.items()] + ["LANEKEEPER_CONFIG=psa.yaml"]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    assert main(["psa", "check"]) == 1  # signed in, and names what the PSA lacks
    out = capsys.readouterr().out
    assert "signed in" in out and "not set" not in out
    assert SECRETS["CONNECTWISE_PRIVATE_KEY"] not in out
