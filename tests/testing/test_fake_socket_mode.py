"""The fake Slack's Socket Mode: tokens, the hello, envelopes and acks, disconnect and redelivery,
seen from a plain WebSocket client (``websockets``) and from slack_sdk's own client."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.testing.fake_slack import FakeSlack

BOT = "xoxb-sm"
APP = "xapp-1-A0LANE-1-sm"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT) as fake:
        fake.add_app_token(APP)
        yield fake


def open_url(fake: FakeSlack) -> str:
    return str(
        WebClient(token=BOT, base_url=fake.api_url).apps_connections_open(app_token=APP)["url"]
    )


def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=5))
    return message


def test_apps_connections_open_takes_only_an_app_level_token(fake: FakeSlack) -> None:
    client = WebClient(token=BOT, base_url=fake.api_url)
    with pytest.raises(SlackApiError) as refused:
        client.apps_connections_open(app_token=BOT)
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as unknown:
        client.apps_connections_open(app_token="xapp-1-unknown")
    assert unknown.value.response["error"] == "invalid_auth"
    # and an app-level token opens connections only
    with pytest.raises(SlackApiError) as elsewhere:
        WebClient(token=APP, base_url=fake.api_url).chat_postMessage(channel="C1", text="hi")
    assert elsewhere.value.response["error"] == "not_allowed_token_type"
    url = client.apps_connections_open(app_token=APP)["url"]
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url and "app_id=A0LANE" in url
    [call] = [c for c in fake.calls_to("apps.connections.open") if c.ok]
    assert call.token == APP


def test_hello_comes_first_and_a_ticket_is_good_once(fake: FakeSlack) -> None:
    url = open_url(fake)
    with connect(url) as ws:
        hello = receive(ws)
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0LANE"}
        assert set(hello["debug_info"]) >= {"host", "approximate_connection_time"}
        with pytest.raises(InvalidStatus) as used:
            connect(url)
        assert used.value.response.status_code == 401
        with connect(open_url(fake)) as second:
            assert receive(second)["num_connections"] == 2


def test_envelopes_acks_late_acks_and_unacked_ones_are_recorded(fake: FakeSlack) -> None:
    sm = fake.socket_mode
    sm.ack_timeout = 0.3  # Slack's 3 s, shortened for the test
    with connect(open_url(fake)) as ws:
        receive(ws)
        command = sm.push("slash_commands", {"command": "/lanes", "user_id": "U1"})
        event = sm.push("events_api", {"type": "event_callback", "event_id": "Ev1"})
        click = sm.push("interactive", {"type": "block_actions", "user": {"id": "U1"}})
        submission = sm.push("interactive", {"type": "view_submission", "user": {"id": "U1"}})
        wire = [receive(ws) for _ in range(4)]
        assert [m["type"] for m in wire] == [
            "slash_commands",
            "events_api",
            "interactive",
            "interactive",
        ]
        assert [m["accepts_response_payload"] for m in wire] == [True, False, False, True]
        assert wire[1]["retry_attempt"] == 0 and wire[1]["retry_reason"] == ""
        assert wire[0]["envelope_id"] == command.envelope_id
        assert wire[0]["payload"] == {"command": "/lanes", "user_id": "U1"}

        ws.send(json.dumps({"envelope_id": command.envelope_id, "payload": {"text": "hi"}}))
        ack = sm.wait_ack(command.envelope_id)
        assert ack.payload == {"text": "hi"} and not ack.late and ack.connection == 1
        time.sleep(0.4)
        ws.send(json.dumps({"envelope_id": event.envelope_id}))
        late = sm.wait_ack(event.envelope_id)
        assert late.late and late.payload is None
        ws.send(json.dumps({"envelope_id": "not-an-envelope"}))
        time.sleep(0.2)
    assert [a.envelope_id for a in sm.late_acks()] == [event.envelope_id]
    assert [a.known for a in sm.acks] == [True, True, False]
    unacked = {e.envelope_id for e in sm.unacked(older_than=0.3)}
    assert unacked == {click.envelope_id, submission.envelope_id}
    with pytest.raises(TimeoutError):
        sm.wait_ack(click.envelope_id, timeout=0.2)


def test_unacked_envelopes_are_redelivered_on_the_next_connection(fake: FakeSlack) -> None:
    sm = fake.socket_mode
    with connect(open_url(fake)) as ws:
        receive(ws)
        event = sm.push("events_api", {"type": "event_callback", "event_id": "Ev9"})
        assert receive(ws)["envelope_id"] == event.envelope_id
    # closed without an ack; an envelope pushed while nothing is connected waits too
    sm.wait_closed(1)
    command = sm.push("slash_commands", {"command": "/lanes"})
    with connect(open_url(fake)) as ws:
        assert receive(ws)["type"] == "hello"
        again = [receive(ws), receive(ws)]
    by_id = {m["envelope_id"]: m for m in again}
    assert set(by_id) == {event.envelope_id, command.envelope_id}
    assert (
        by_id[event.envelope_id]["retry_attempt"],
        by_id[event.envelope_id]["retry_reason"],
    ) == (
        1,
        "timeout",
    )
    assert [c for c, _ in event.deliveries] == [1, 2]


def test_disconnect_makes_slack_sdk_reconnect_through_a_new_url(fake: FakeSlack) -> None:
    answered: list[str] = []

    def listener(client: SocketModeClient, req: SocketModeRequest) -> None:
        answered.append(req.envelope_id)
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "ok"})
        )

    client = SocketModeClient(app_token=APP, web_client=WebClient(token=BOT, base_url=fake.api_url))
    client.socket_mode_request_listeners.append(listener)  # type: ignore[arg-type]
    client.connect()
    sm = fake.socket_mode
    try:
        sm.wait_connected()
        assert sm.send("slash_commands", {"command": "/a"}).connection == 1
        assert sm.disconnect("refresh_requested", close_after=1.0) == 1
        assert sm.connections[0].sent[-1]["type"] == "disconnect"
        assert sm.connections[0].sent[-1]["reason"] == "refresh_requested"
        sm.wait_connected(count=2)
        assert sm.send("slash_commands", {"command": "/b"}).connection == 2
        sm.wait_closed(1)
        assert len(fake.calls_to("apps.connections.open")) == 2
        assert len(answered) == 2
    finally:
        client.close()


def test_a_lost_ack_is_redelivered_and_only_the_second_counts(fake: FakeSlack) -> None:
    sm = fake.socket_mode
    with connect(open_url(fake)) as ws:
        receive(ws)
        sm.lose_next_ack()
        envelope = sm.push("interactive", {"type": "view_submission"})
        receive(ws)
        ws.send(json.dumps({"envelope_id": envelope.envelope_id}))
        sm.wait_closed(1)
    with connect(open_url(fake)) as ws:
        receive(ws)
        assert receive(ws)["envelope_id"] == envelope.envelope_id
        ws.send(json.dumps({"envelope_id": envelope.envelope_id}))
        ack = sm.wait_ack(envelope.envelope_id)
    assert ack.connection == 2
    assert [a.lost for a in sm.acks] == [True, False]


def test_the_websocket_endpoint_refuses_plain_http(fake: FakeSlack) -> None:
    url = open_url(fake).replace("ws://", "http://")
    assert httpx.get(url).status_code in (400, 426)
