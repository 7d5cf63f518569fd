"""Slack's side: signed, Slack-shaped requests, checked on the wire and through a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.testing import FakeSlack, SlackClientSimulator, build_state_values, sign_request

TOKEN = "xoxb-test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": plain(text or value), "value": value}


ESCALATE_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "escalate",
    "notify_on_close": True,
    "title": plain("Escalate"),
    "submit": plain("Send"),
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": plain("Summary"),
            "element": {"type": "plain_text_input", "action_id": "summary", "max_length": 150},
        },
        {
            "type": "input",
            "block_id": "severity",
            "label": plain("Severity"),
            "element": {
                "type": "static_select",
                "action_id": "severity",
                "options": [option("P1"), option("P2"), option("P3")],
            },
        },
        {
            "type": "input",
            "block_id": "done",
            "label": plain("Definition of done"),
            "element": {
                "type": "checkboxes",
                "action_id": "done",
                "options": [option("told", "Client told"), option("psa", "PSA updated")],
            },
        },
        {
            "type": "input",
            "block_id": "owner",
            "label": plain("Owner"),
            "element": {"type": "users_select", "action_id": "owner"},
        },
        {
            "type": "input",
            "block_id": "lane",
            "label": plain("Lane"),
            "element": {
                "type": "radio_buttons",
                "action_id": "lane",
                "options": [option("alert"), option("coverage")],
                "initial_option": option("alert"),
            },
        },
        {
            "type": "input",
            "block_id": "due",
            "optional": True,
            "label": plain("Due"),
            "element": {"type": "datepicker", "action_id": "due"},
        },
        {  # no ids at all: Slack generates them and keys state.values by them
            "type": "input",
            "optional": True,
            "label": plain("PSA ticket"),
            "element": {"type": "number_input", "is_decimal_allowed": False},
        },
        {
            "type": "input",
            "block_id": "watchers",
            "optional": True,
            "label": plain("Watchers"),
            "element": {"type": "multi_users_select", "action_id": "watchers"},
        },
    ],
}


# -- a Bolt app behind a WSGI server -----------------------------------------------------------


class _QuietWsgiHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWsgiServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@dataclass
class BoltHarness:
    app: App
    url: str
    seen: dict[str, list[Any]] = field(default_factory=dict)

    def saw(self, kind: str, item: Any) -> None:
        self.seen.setdefault(kind, []).append(item)

    def wait(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.seen.get(kind, [])) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app never saw {kind}; saw {list(self.seen)}")
            time.sleep(0.01)
        return self.seen[kind]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as fake:
        fake.add_user("U01TECH1", name="tina", real_name="Tina Tech")
        fake.add_user("U01TECH2", name="tom", real_name="Tom Tech")
        fake.add_channel("C01DESK", name="desk", members=["U01TECH1", "U01TECH2"])
        yield fake


def _register(app: App, harness: BoltHarness) -> None:
    @app.command("/escalate")
    def escalate(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        harness.saw("command", body)
        client.views_open(trigger_id=body["trigger_id"], view=ESCALATE_MODAL)

    @app.view("escalate")
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        harness.saw("submission", body)
        summary = view["state"]["values"]["summary"]["summary"]["value"]
        if len(summary) < 5:
            ack(response_action="errors", errors={"summary": "Say a bit more"})
        else:
            ack()

    @app.view_closed("escalate")
    def closed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        harness.saw("closed", body)

    @app.action("take")
    def take(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        harness.saw("take", body)
        respond(replace_original=True, text=f"Taken by <@{body['user']['id']}>")

    @app.action("pick_lane")
    def pick_lane(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        harness.saw("pick_lane", body)

    @app.event("message")
    def message(event: dict[str, Any]) -> None:
        harness.saw("message", event)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        harness.saw("home", event)
        client.views_publish(
            user_id=event["user"],
            view={"type": "home", "blocks": [{"type": "section", "text": plain("Nothing due")}]},
        )

    @app.shortcut("escalate_message")
    def shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        harness.saw("shortcut", body)


@pytest.fixture
def bolt(fake: FakeSlack) -> Iterator[BoltHarness]:
    app = App(client=WebClient(token=TOKEN, base_url=fake.api_url), signing_secret=SECRET)
    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWsgiServer,
        handler_class=_QuietWsgiHandler,
    )
    harness = BoltHarness(app, f"http://127.0.0.1:{server.server_port}/slack/events")
    _register(app, harness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield harness
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack(fake: FakeSlack, bolt: BoltHarness) -> Iterator[SlackClientSimulator]:
    with SlackClientSimulator(app_url=bolt.url, signing_secret=SECRET, fake=fake) as slack:
        yield slack


# -- a server that just records what arrives ---------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.form()["payload"]))


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[Received]]]:
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(Received(dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", received
    server.shutdown()
    server.server_close()


# -- signing -----------------------------------------------------------------------------------


def test_signature_verifies_with_slack_sdk() -> None:
    body = b"token=x&team_id=T0LANE&command=%2Fescalate"
    stamp = int(time.time())
    verifier = SignatureVerifier(SECRET)

    signature = sign_request(SECRET, body, stamp)

    assert verifier.is_valid(body, str(stamp), signature)
    assert signature == verifier.generate_signature(timestamp=str(stamp), body=body)
    assert not verifier.is_valid(body + b"&x=1", str(stamp), signature)
    stale = stamp - 600
    assert not verifier.is_valid(body, str(stale), sign_request(SECRET, body, stale))


def test_requests_on_the_wire_are_signed_and_slack_shaped(
    fake: FakeSlack, recorder: tuple[str, list[Received]]
) -> None:
    url, received = recorder
    verifier = SignatureVerifier(SECRET)
    with SlackClientSimulator(app_url=url, signing_secret=SECRET, fake=fake) as slack:
        slack.slash_command("/escalate", "alert backup failed", user="U01TECH1", channel="C01DESK")
        slack.event({"type": "reaction_added"}, event_id="Ev1", retry_num=1)
        slack.raw(b"{}", {"Content-Type": "application/json"}, sign=False)

    command, event, unsigned = received
    assert all(verifier.is_valid_request(r.body, r.headers) for r in (command, event))
    assert "X-Slack-Signature" not in unsigned.headers
    fields = command.form()
    assert fields["command"] == "/escalate" and fields["text"] == "alert backup failed"
    assert (fields["user_id"], fields["user_name"]) == ("U01TECH1", "tina")
    assert (fields["channel_id"], fields["channel_name"]) == ("C01DESK", "desk")
    assert fields["team_id"] == "T0LANE" and fields["api_app_id"] == fake.app_id
    assert fields["response_url"].startswith(fake.base_url + "response_url/")
    assert command.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = json.loads(event.body)
    assert body["type"] == "event_callback" and body["event_id"] == "Ev1"
    assert body["authorizations"][0]["user_id"] == fake.bot_user_id
    assert event.headers["X-Slack-Retry-Num"] == "1"
    assert event.headers["X-Slack-Retry-Reason"] == "http_timeout"


# -- through Bolt ------------------------------------------------------------------------------


def test_slash_command_modal_submission_round_trip(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    response = slack.slash_command("/escalate", "printer", user="U01TECH1", channel="C01DESK")
    assert response.status_code == 200
    [opened] = fake.wait_for("views.open")
    view = opened.response["view"]
    assert opened.ok and opened.args["team_id"] == "T0LANE"  # Bolt's per-request client
    ticket = view["blocks"][6]
    ticket_ids = (ticket["block_id"], ticket["element"]["action_id"])

    answer = slack.submit_view(
        view["id"],
        user="U01TECH1",
        values={
            "summary": "Printer down on floor 2",
            "severity": "P2",
            "done": ["told", "psa"],
            "owner": "U01TECH2",
            "due": "2026-12-01",
        },
    )

    assert answer.status_code == 200
    [body] = bolt.wait("submission")
    assert body["type"] == "view_submission" and body["user"]["id"] == "U01TECH1"
    assert body["view"]["callback_id"] == "escalate"
    assert body["view"]["state"]["values"] == {
        "summary": {"summary": {"type": "plain_text_input", "value": "Printer down on floor 2"}},
        "severity": {"severity": {"type": "static_select", "selected_option": option("P2")}},
        "done": {
            "done": {
                "type": "checkboxes",
                "selected_options": [option("told", "Client told"), option("psa", "PSA updated")],
            }
        },
        "owner": {"owner": {"type": "users_select", "selected_user": "U01TECH2"}},
        "lane": {"lane": {"type": "radio_buttons", "selected_option": option("alert")}},
        "due": {"due": {"type": "datepicker", "selected_date": "2026-12-01"}},
        ticket_ids[0]: {ticket_ids[1]: {"type": "number_input", "value": None}},
        "watchers": {"watchers": {"type": "multi_users_select", "selected_users": []}},
    }
    assert view["id"] not in fake.views  # an empty ack closes the modal


def test_response_action_errors_keeps_the_modal_open(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    slack.slash_command("/escalate", user="U01TECH1", channel="C01DESK")
    view = fake.wait_for("views.open")[0].response["view"]
    values = {"severity": "P1", "done": ["told"], "owner": "U01TECH1"}

    first = slack.submit_view(view["id"], values={**values, "summary": "bad"})

    assert first.json() == {"response_action": "errors", "errors": {"summary": "Say a bit more"}}
    assert view["id"] in fake.views
    slack.submit_view(view["id"], values={**values, "summary": "Backup failed twice"})
    assert view["id"] not in fake.views
    actions = [c.args.get("response_action") for c in fake.calls_to("response_action")]
    assert actions == ["errors", None]


def test_replayed_click_and_duplicate_submission(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    take = {"type": "button", "action_id": "take", "text": plain("Take"), "value": "ESC-9"}
    posted = WebClient(token=TOKEN, base_url=fake.api_url).chat_postMessage(
        channel="C01DESK", text="ESC-9", blocks=[{"type": "actions", "elements": [take]}]
    )
    payload = slack.build_click(posted.data, "take", user="U01TECH1")

    for _ in range(2):
        assert slack.send_interaction(payload).status_code == 200
    deliveries = bolt.wait("take", count=2)
    assert deliveries[0] == deliveries[1] == payload

    slack.slash_command("/escalate", user="U01TECH1", channel="C01DESK")
    view_id = fake.wait_for("views.open")[0].response["view"]["id"]
    values = {"summary": "Printer down", "severity": "P2", "done": ["told"], "owner": "U01TECH2"}
    for _ in range(2):
        assert slack.submit_view(view_id, values=values).status_code == 200
    assert len(bolt.seen["submission"]) == 2
    first, second = fake.calls_to("response_action")
    assert first.ok and second.response["error"] == "not_found"  # closed already
    assert view_id not in fake.views


def test_closing_a_modal_notifies_the_app(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    slack.slash_command("/escalate", user="U01TECH1", channel="C01DESK")
    view = fake.wait_for("views.open")[0].response["view"]

    slack.close_view(view["id"])

    [body] = bolt.wait("closed")
    assert body["type"] == "view_closed" and body["is_cleared"] is False
    assert body["user"]["id"] == "U01TECH1" and view["id"] not in fake.views


def test_click_a_button_on_a_lane_message_and_respond(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    client = WebClient(token=TOKEN, base_url=fake.api_url)
    posted = client.chat_postMessage(
        channel="C01DESK",
        text="ESC-1",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "*ESC-1* printer"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "take",
                        "text": plain("Take it"),
                        "value": "ESC-1",
                        "style": "primary",
                    },
                ],
            },
        ],
    )

    response = slack.click(fake.messages("C01DESK")[0], "take", user="U01TECH2")

    assert response.status_code == 200
    [body] = bolt.wait("take")
    block_id = posted["message"]["blocks"][1]["block_id"]  # generated by the fake
    assert body["type"] == "block_actions"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C01DESK",
        "is_ephemeral": False,
    }
    assert body["channel"] == {"id": "C01DESK", "name": "desk"}
    assert body["message"]["ts"] == posted["ts"]
    tom = {"id": "U01TECH2", "username": "tom", "name": "tom", "team_id": "T0LANE"}
    assert body["user"] == tom
    [action] = body["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == (
        "take",
        block_id,
        "ESC-1",
    )
    assert action["type"] == "button" and action["text"] == plain("Take it")
    fake.wait_for("response_url")
    [replaced] = fake.messages("C01DESK")
    assert replaced["text"] == "Taken by <@U01TECH2>"
    assert "blocks" not in replaced  # replace_original replaces the whole message
    with pytest.raises(LookupError, match="take"):
        slack.click(replaced, "take", user="U01TECH1")


def test_clicking_a_stale_snapshot_twice_is_a_double_click(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    take = {"type": "button", "action_id": "take", "text": plain("Take"), "value": "ESC-2"}
    WebClient(token=TOKEN, base_url=fake.api_url).chat_postMessage(
        channel="C01DESK", text="ESC-2", blocks=[{"type": "actions", "elements": [take]}]
    )
    seen_by_tina = fake.messages("C01DESK")[0]

    slack.click(seen_by_tina, "take", user="U01TECH1")
    fake.wait_for("response_url")
    slack.click(seen_by_tina, "take", user="U01TECH1")  # her client has not refreshed yet

    first, second = bolt.wait("take", count=2)
    assert first["message"]["blocks"] == second["message"]["blocks"] == seen_by_tina["blocks"]
    assert "blocks" not in fake.messages("C01DESK")[0]


def test_click_picks_the_button_by_value_on_an_ephemeral(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    lanes = ["alert", "coverage"]
    WebClient(token=TOKEN, base_url=fake.api_url).chat_postEphemeral(
        channel="C01DESK",
        user="U01TECH1",
        text="Which lane?",
        blocks=[
            {"type": "actions", "elements": [lane_button]}
            for lane_button in (
                {"type": "button", "action_id": "pick_lane", "text": plain(lane), "value": lane}
                for lane in lanes
            )
        ],
    )
    [ephemeral] = fake.ephemerals("C01DESK", user="U01TECH1")

    slack.click(ephemeral, "pick_lane", user="U01TECH1", value="coverage")

    [body] = bolt.wait("pick_lane")
    assert body["actions"][0]["value"] == "coverage"
    assert body["container"]["is_ephemeral"] is True
    assert "message" not in body  # Slack leaves ephemeral sources out
    forged = slack.build_click(ephemeral, "pick_lane", user="U01TECH1", value="onsite")
    assert forged["actions"][0]["value"] == "onsite"  # no button has it: a tampered delivery
    assert body["actions"][0]["block_id"] == ephemeral["blocks"][1]["block_id"]  # coverage
    assert forged["actions"][0]["block_id"] == ephemeral["blocks"][0]["block_id"]  # the first


def test_message_event_and_shortcut(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    response, ts = slack.message("C01DESK", "U01TECH1", "<@U01TECH2> can you check the backup?")

    assert response.status_code == 200
    [event] = bolt.wait("message")
    assert (event["channel"], event["user"], event["ts"]) == ("C01DESK", "U01TECH1", ts)
    assert event["channel_type"] == "channel"
    section = event["blocks"][0]["elements"][0]["elements"]
    assert section[0] == {"type": "user", "user_id": "U01TECH2"}
    assert fake.messages("C01DESK")[-1]["ts"] == ts  # stored, so permalinks and replies work

    slack.message_shortcut("escalate_message", "C01DESK", ts, "U01TECH2")

    [shortcut] = bolt.wait("shortcut")
    assert shortcut["type"] == "message_action" and shortcut["message"]["ts"] == ts
    assert shortcut["callback_id"] == "escalate_message"


def test_app_home_opened_publishes_home(
    fake: FakeSlack, bolt: BoltHarness, slack: SlackClientSimulator
) -> None:
    slack.app_home_opened("U01TECH1")

    [event] = bolt.wait("home")
    fake.wait_for("views.publish")
    home = fake.home("U01TECH1")
    assert event["channel"] == fake.im_channel("U01TECH1") and event["tab"] == "home"
    assert home is not None and home["blocks"][0]["text"]["text"] == "Nothing due"


def test_bolt_refuses_bad_and_stale_signatures(slack: SlackClientSimulator) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"})
    json_type = {"Content-Type": "application/json"}

    assert slack.raw(body, json_type).json() == {"challenge": "abc"}
    assert slack.raw(body, json_type, sign=False).status_code == 401
    assert slack.raw(body, json_type, timestamp=int(time.time()) - 600).status_code == 401
    forged = {
        **json_type,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    assert slack.raw(body, forged, sign=False).status_code == 401


# -- state.values rules ------------------------------------------------------------------------


def _blocks(fake: FakeSlack) -> list[dict[str, Any]]:
    view = WebClient(token=TOKEN, base_url=fake.api_url).views_open(
        trigger_id=fake.new_trigger_id(user="U01TECH1"), view=ESCALATE_MODAL
    )["view"]
    return list(view["blocks"])


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"summary": "x", "severity": "P9", "done": ["told"], "owner": "U1"}, ValueError),
        ({"summary": "x", "severity": "P1", "owner": "U1"}, ValueError),
        ({"summary": "x", "severity": "P1", "done": ["told"]}, ValueError),
        ({"summary": "x" * 151, "severity": "P1", "done": ["told"], "owner": "U1"}, ValueError),
        (
            {"summary": "x", "severity": "P1", "done": ["told"], "owner": "U1", "sumary": 1},
            KeyError,
        ),
    ],
)
def test_state_values_refuse_what_slack_would_not_submit(
    fake: FakeSlack, values: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        build_state_values(_blocks(fake), values)


def test_explicit_empty_values_are_sent_for_testing_server_checks(fake: FakeSlack) -> None:
    state = build_state_values(
        _blocks(fake), {"summary": "", "severity": None, "done": [], "owner": "U1"}
    )

    assert state["summary"]["summary"]["value"] is None
    assert state["severity"]["severity"]["selected_option"] is None
    assert state["done"]["done"]["selected_options"] == []


def test_state_values_by_action_id_and_typed_values(fake: FakeSlack) -> None:
    blocks = _blocks(fake)
    ticket = blocks[6]

    state = build_state_values(
        blocks,
        {
            "summary": "x",
            "severity": "P3",
            "done": "psa",
            "owner": "U01TECH1",
            ticket["element"]["action_id"]: 4521,
            "watchers": ["U01TECH2"],
        },
    )

    assert state[ticket["block_id"]][ticket["element"]["action_id"]]["value"] == "4521"
    assert state["done"]["done"]["selected_options"] == [option("psa", "PSA updated")]
    assert state["watchers"]["watchers"]["selected_users"] == ["U01TECH2"]
    assert state["due"]["due"]["selected_date"] is None


def test_needs_a_fake_for_stateful_requests(recorder: tuple[str, list[Received]]) -> None:
    url, _ = recorder
    with SlackClientSimulator(app_url=url, signing_secret=SECRET) as slack:
        assert slack.slash_command("/lanes", user="U1", channel="C1").status_code == 200
        with pytest.raises(RuntimeError, match="FakeSlack"):
            slack.submit_view("V123", user="U1")
