"""Bolt tries its listeners in order, running each one's matchers (with their argument
injection) until one matches: the message listener, most of the traffic, comes first (issue 19:
behind the other listeners that matching cost every message ~0.2 ms of CPU)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from tests.e2e.conftest import TEAM, Harness


def _event(event: dict[str, Any]) -> BoltRequest:
    body = {"type": "event_callback", "team_id": TEAM, "event_id": "Ev1", "event": event}
    return BoltRequest(body=json.dumps(body), headers={"content-type": "application/json"})


def test_a_message_event_is_matched_by_the_first_listener_bolt_tries(app: Harness) -> None:
    listeners = app.container.bolt()._listeners  # Bolt's own order of trial
    message = _event({"type": "message", "channel": "C01GENERAL", "user": "U01REQ", "text": "hi"})
    resp = BoltResponse(status=200)
    assert listeners[0].matches(req=message, resp=resp)
    # … and only that one: commands and clicks still find theirs further on
    assert not listeners[0].matches(
        req=_event({"type": "app_home_opened", "user": "U1"}), resp=resp
    )
    assert sum(1 for listener in listeners if listener.matches(req=message, resp=resp)) == 1
