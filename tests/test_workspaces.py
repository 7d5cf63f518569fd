"""The workspace registry in single-workspace mode: one token, its id from Slack, others refused."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.config.loader import load_config
from bot.services.context import Lanes
from bot.workspaces import UnknownWorkspace, Workspaces, workspace_of
from tests.conftest import FIXTURES

LANES = Lanes(load_config(FIXTURES / "lanes.yaml"))


def registry(resolve: object) -> Workspaces:
    return Workspaces(lanes=LANES, client=WebClient(token="xoxb-x"), resolve_id=resolve)  # type: ignore[arg-type]


def test_requests_resolve_to_the_tokens_workspace_and_others_are_refused() -> None:
    asked: list[int] = []

    def auth_test() -> str:
        asked.append(1)
        return "T0LANE"

    ws = registry(auth_test)
    assert ws.get("T0LANE").id == "T0LANE"
    assert ws.get("").id == "T0LANE"  # a request that names none belongs to the token's
    assert ws.get("T0LANE").lanes is LANES
    with pytest.raises(UnknownWorkspace, match="not set up for this Slack workspace"):
        ws.get("T0FORGED")
    assert [w.id for w in ws.all()] == ["T0LANE"]
    assert asked == [1]  # Slack is asked once


def test_while_slack_cannot_say_a_signed_requests_workspace_is_taken_as_given() -> None:
    def down() -> str:
        raise OSError("Slack unreachable")

    ws = registry(down)
    assert ws.get("T0LANE").id == "T0LANE"
    with pytest.raises(OSError):
        ws.get("")


@pytest.mark.parametrize(
    ("context", "body", "expected"),
    [
        ({"team_id": "T1"}, {"team": {"id": "T2"}}, "T1"),
        ({}, {"team": {"id": "T2"}}, "T2"),
        (None, {"team_id": "T3"}, "T3"),
        (None, {"user": {"id": "U1", "team_id": "T4"}}, "T4"),
        (None, {}, ""),
    ],
)
def test_workspace_of_a_request(context: dict | None, body: dict, expected: str) -> None:
    assert workspace_of(context, body) == expected
