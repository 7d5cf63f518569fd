"""Multi-workspace mode's pieces without Slack: the lanes files folder and the workspace in scope."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.config.loader import ConfigError
from bot.installed_workspaces import (
    ConfigFolder,
    NotConfigured,
    NoWorkspaceInScope,
    RoutedLanes,
    carry_context,
    in_workspace,
)
from bot.services.context import Lanes
from bot.workspaces import Workspace
from tests.conftest import FIXTURES

GOOD = (FIXTURES / "lanes.yaml").read_text()


def test_a_workspaces_lanes_come_from_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "T0ALPHA.yaml").write_text(GOOD)
    folder = ConfigFolder(tmp_path)
    assert folder.check() == ["T0ALPHA"]
    lanes = folder.lanes("T0ALPHA")
    assert "coverage" in lanes.config.lanes
    assert folder.lanes("T0ALPHA") is lanes  # read once while unchanged
    with pytest.raises(NotConfigured, match=r"T0BETA\.yaml"):
        folder.lanes("T0BETA")
    with pytest.raises(NotConfigured):
        folder.lanes("../T0ALPHA")  # only team ids name files


def test_a_bad_file_stops_the_start_and_a_file_turned_bad_keeps_the_last_good(
    tmp_path: Path,
) -> None:
    (tmp_path / "T0BAD.yaml").write_text("timezone: Nowhere/Land\nteams: []\nlanes: []\n")
    with pytest.raises(ConfigError):
        ConfigFolder(tmp_path).check()
    (tmp_path / "T0BAD.yaml").unlink()
    file = tmp_path / "T0ALPHA.yaml"
    file.write_text(GOOD)
    folder = ConfigFolder(tmp_path)
    good = folder.lanes("T0ALPHA")
    file.write_text("lanes: [")
    os.utime(file, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert folder.lanes("T0ALPHA") is good
    with pytest.raises(NotConfigured, match="has problems"):
        ConfigFolder(tmp_path).lanes("T0ALPHA")


def test_every_bad_file_is_named_and_misnamed_files_are_said_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "T0BAD.yaml").write_text("timezone: Nowhere/Land\nteams: []\nlanes: []\n")
    (tmp_path / "T0WORSE.yaml").write_text("lanes: [")
    (tmp_path / "T0GOOD.yaml").write_text(GOOD)
    (tmp_path / "T0ALSO.yml").write_text(GOOD)
    (tmp_path / "acme.yaml").write_text(GOOD)
    with pytest.raises(ConfigError) as refused:
        ConfigFolder(tmp_path).check()
    files = {problem.split(":", 1)[0] for problem in refused.value.problems}
    assert files == {"T0BAD.yaml", "T0WORSE.yaml"}
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "T0ALSO.yml is not read" in said and "acme.yaml is not read" in said


def test_routed_lanes_are_the_workspace_in_scope_and_refuse_outside_one() -> None:
    from bot.config.loader import load_config

    alpha = Workspace("T0ALPHA", Lanes(load_config(FIXTURES / "lanes.yaml")), WebClient())
    routed = RoutedLanes.as_lanes()
    held = routed.config  # held on to at start-up, read later
    with pytest.raises(NoWorkspaceInScope):
        _ = held.lanes
    with pytest.raises(NoWorkspaceInScope):
        routed.lane("coverage")
    with in_workspace(alpha):
        assert held.lanes is alpha.lanes.config.lanes
        assert routed.lane("coverage") is alpha.lanes.lane("coverage")
        seen: list[object] = []
        thread = threading.Thread(target=carry_context(lambda: seen.append(held.timezone)))
        thread.start()
        thread.join()
        assert seen == [alpha.lanes.config.timezone]  # carried into another thread
    with pytest.raises(NoWorkspaceInScope):
        _ = held.teams
