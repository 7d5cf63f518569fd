"""The fake Slack Web API, driven by the real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.testing import FakeSlack, RecordedCall, check_view

TOKEN = "xoxb-test"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN, team_id="T0LANE", trigger_ttl=0.5) as fake:
        fake.add_user("U01TECH1", name="tina", real_name="Tina Tech", tz="America/Chicago")
        fake.add_user("U01TECH2", name="tom", real_name="Tom Tech")
        fake.add_user("U01OUT", name="olga", real_name="Olga Outsider")
        fake.add_channel("C01DESK", name="desk", members=["U01TECH1", "U01TECH2"])
        fake.add_channel("C01QUIET", name="quiet", members=["U01TECH1"], bot_is_member=False)
        fake.add_usergroup("S01MANAGERS", handle="managers", users=["U01TECH2"])
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url)


def error_of(call: Any) -> dict[str, Any]:
    """Run ``call`` expecting SlackApiError; return Slack's answer."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return dict(raised.value.response.data)


def button(text: str = "Take it", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, **extra}


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "escalate",
    "title": {"type": "plain_text", "text": "Escalate"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input"},
        }
    ],
}


# -- happy paths -------------------------------------------------------------------------------


def test_post_message_returns_increasing_ts_and_stores_the_message(
    fake: FakeSlack, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C01DESK", text="one")
    second = client.chat_postMessage(channel="C01DESK", text="two")

    assert first["ok"] and first["channel"] == "C01DESK"
    assert first["message"]["bot_id"] == fake.bot_id
    assert first["message"]["user"] == fake.bot_user_id
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in fake.messages("C01DESK")] == ["one", "two"]
    [call, _] = fake.calls_to("chat.postMessage")
    assert call.args == {"channel": "C01DESK", "text": "one"}
    assert call.token == TOKEN and call.http_method == "POST"
    assert call.response["ts"] == first["ts"]


def test_thread_replies_and_permalinks(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C01DESK", text="ESC-1")
    reply = client.chat_postMessage(channel="C01DESK", text="taken", thread_ts=parent["ts"])

    thread = fake.thread("C01DESK", parent["ts"])
    assert [m["text"] for m in thread] == ["ESC-1", "taken"]
    assert thread[0]["reply_count"] == 1 and thread[1]["thread_ts"] == parent["ts"]
    assert [m["text"] for m in fake.messages("C01DESK")] == ["ESC-1"]  # replies stay in thread
    replies = client.conversations_replies(channel="C01DESK", ts=parent["ts"])
    assert [m["ts"] for m in replies["messages"]] == [parent["ts"], reply["ts"]]
    link = client.chat_getPermalink(channel="C01DESK", message_ts=parent["ts"])["permalink"]
    assert link == f"https://msp.slack.com/archives/C01DESK/p{parent['ts'].replace('.', '')}"
    assert (
        error_of(
            lambda: client.chat_postMessage(channel="C01DESK", text="x", thread_ts="1.000001")
        )["error"]
        == "thread_not_found"
    )


def test_update_applies_in_place_and_needs_an_existing_message(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C01DESK", text="open", blocks=[section("open")])

    updated = client.chat_update(channel="C01DESK", ts=posted["ts"], text="taken")

    [message] = fake.messages("C01DESK")
    assert updated["ts"] == posted["ts"] and message["text"] == "taken"
    assert message["blocks"][0]["text"]["text"] == "open"  # blocks kept unless sent, like Slack
    client.chat_update(
        channel="C01DESK", ts=posted["ts"], text="resolved", blocks=[section("resolved")]
    )
    assert fake.message("C01DESK", posted["ts"])["blocks"][0]["text"]["text"] == "resolved"  # type: ignore[index]
    assert (
        error_of(lambda: client.chat_update(channel="C01DESK", ts="1700000000.000001", text="x"))[
            "error"
        ]
        == "message_not_found"
    )
    human = fake.add_message("C01DESK", user="U01TECH1", text="mine")
    assert (
        error_of(lambda: client.chat_update(channel="C01DESK", ts=human["ts"], text="x"))["error"]
        == "cant_update_message"
    )


def test_ephemeral_goes_to_members_only(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C01DESK", user="U01TECH1", text="psst")

    [shown] = fake.ephemerals("C01DESK", user="U01TECH1")
    assert shown["text"] == "psst" and shown["message_ts"] == answer["message_ts"]
    assert fake.messages("C01DESK") == []
    refused = error_of(
        lambda: client.chat_postEphemeral(channel="C01DESK", user="U01OUT", text="psst")
    )
    assert refused["error"] == "user_not_in_channel"


def test_dm_by_user_id_opens_a_stable_im(fake: FakeSlack, client: WebClient) -> None:
    opened = client.conversations_open(users="U01TECH1")["channel"]["id"]
    posted = client.chat_postMessage(channel="U01TECH1", text="hello")

    assert opened.startswith("D") and posted["channel"] == opened
    assert client.conversations_open(users="U01TECH1")["channel"]["id"] == opened
    assert [m["text"] for m in fake.messages(opened)] == ["hello"]
    assert error_of(lambda: client.chat_postMessage(channel="U0NOBODY", text="x"))["error"] == (
        "channel_not_found"
    )


def test_channels_users_and_groups(fake: FakeSlack, client: WebClient) -> None:
    assert client.conversations_info(channel="C01DESK")["channel"]["name"] == "desk"
    members = client.conversations_members(channel="C01DESK")["members"]
    assert set(members) == {"U01TECH1", "U01TECH2", fake.bot_user_id}
    assert client.users_info(user="U01TECH1")["user"]["tz"] == "America/Chicago"
    assert client.usergroups_users_list(usergroup="S01MANAGERS")["users"] == ["U01TECH2"]
    names = {c["name"] for c in client.conversations_list()["channels"]}
    assert names == {"desk", "quiet"}
    assert error_of(lambda: client.users_info(user="U0NOBODY"))["error"] == "user_not_found"
    assert error_of(lambda: client.conversations_info(channel="C0NONE"))["error"] == (
        "channel_not_found"
    )


def test_posting_needs_the_bot_in_the_channel(fake: FakeSlack, client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="C01QUIET", text="x"))["error"] == (
        "not_in_channel"
    )
    client.conversations_join(channel="C01QUIET")
    assert client.chat_postMessage(channel="C01QUIET", text="x")["ok"]


def test_listed_methods_without_behaviour_answer_ok_and_are_recorded(
    fake: FakeSlack, client: WebClient
) -> None:
    response = client.pins_add(channel="C01DESK", timestamp="1700000000.000100")

    assert response.data == {"ok": True}
    assert fake.calls_to("pins.add")[0].args["timestamp"] == "1700000000.000100"


# -- refusals ----------------------------------------------------------------------------------


def test_unknown_method(fake: FakeSlack, client: WebClient) -> None:
    answer = error_of(lambda: client.api_call("chat.postMessagez", json={"channel": "C01DESK"}))
    assert answer["error"] == "unknown_method"


def test_missing_required_argument(client: WebClient) -> None:
    answer = error_of(lambda: client.api_call("chat.postMessage", json={"text": "hi"}))
    assert answer["error"] == "invalid_arguments"
    assert "missing required field: channel" in answer["response_metadata"]["messages"][0]


def test_argument_not_in_the_table(client: WebClient) -> None:
    answer = error_of(
        lambda: client.api_call("chat.postMessage", json={"channel": "C01DESK", "txt": "hi"})
    )
    assert answer["error"] == "invalid_arg_name"
    assert "txt" in answer["response_metadata"]["messages"][0]


def test_slack_sdk_extras_are_allowed(fake: FakeSlack) -> None:
    per_request = WebClient(token=TOKEN, base_url=fake.api_url, team_id="T0LANE")

    per_request.chat_postMessage(channel="C01DESK", text="hi", container_id="x")
    per_request.users_info(user="U01TECH1")
    per_request.team_info(include_slackbot_availability=True)

    assert all(c.ok and c.args["team_id"] == "T0LANE" for c in fake.calls)


def test_bad_tokens(fake: FakeSlack) -> None:
    anonymous = WebClient(base_url=fake.api_url)
    stranger = WebClient(token="xoxb-nope", base_url=fake.api_url)

    assert error_of(anonymous.auth_test)["error"] == "not_authed"
    assert error_of(stranger.auth_test)["error"] == "invalid_auth"
    fake.add_token("xoxp-tina", user_id="U01TECH1")
    assert WebClient(token="xoxp-tina", base_url=fake.api_url).auth_test()["user_id"] == "U01TECH1"


def test_too_many_blocks(client: WebClient) -> None:
    client.chat_postMessage(channel="C01DESK", text="ok", blocks=[section("x")] * 50)

    answer = error_of(
        lambda: client.chat_postMessage(channel="C01DESK", text="x", blocks=[section("x")] * 51)
    )
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]


def test_button_text_too_long(client: WebClient) -> None:
    ok = [{"type": "actions", "elements": [button("x" * 75)]}]
    too_long = [{"type": "actions", "elements": [button("x" * 76)]}]
    client.chat_postMessage(channel="C01DESK", text="ok", blocks=ok)

    answer = error_of(lambda: client.chat_postMessage(channel="C01DESK", text="x", blocks=too_long))
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"
    ]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x" * 3001)], "/blocks/0/text/text"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}], "/blocks/0/text/type"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "/blocks/0/text"),
        ([{"type": "actions", "elements": [button(value="v" * 2001)]}], "/blocks/0/elements/0"),
        ([{"type": "actions", "elements": [button(action_id="a" * 256)]}], "/blocks/0/elements"),
        ([{"type": "actions", "elements": [button()] * 26}], "/blocks/0/elements"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}], "/blocks/0"),
        ([section("x", fields=[{"type": "mrkdwn", "text": "x"}] * 11)], "/blocks/0/fields"),
        ([{"type": "section", "text": {"text": "no type"}}], "/blocks/0/text"),
        ([section("a", block_id="same"), section("b", block_id="same")], "/blocks/1/block_id"),
        (
            [{"type": "actions", "elements": [button(action_id="a"), button(action_id="a")]}],
            "/blocks/0/elements/1/action_id",
        ),
        ([{"type": "bogus"}], "/blocks/0/type"),
    ],
)
def test_block_kit_limits(client: WebClient, blocks: list[Any], pointer: str) -> None:
    answer = error_of(lambda: client.chat_postMessage(channel="C01DESK", text="x", blocks=blocks))

    assert answer["error"] == "invalid_blocks"
    assert any(pointer in m for m in answer["response_metadata"]["messages"]), answer


def test_message_size_and_empty_messages(client: WebClient) -> None:
    big = [section("x" * 2900) for _ in range(5)]  # each block fine, 14.6k characters in all

    assert (
        error_of(lambda: client.chat_postMessage(channel="C01DESK", text="x", blocks=big))["error"]
        == "msg_blocks_too_long"
    )
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns too
        assert error_of(lambda: client.chat_postMessage(channel="C01DESK"))["error"] == "no_text"


def test_view_limits_answer_invalid_arguments_like_slack(
    fake: FakeSlack, client: WebClient
) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}

    answer = error_of(
        lambda: client.views_open(trigger_id=fake.new_trigger_id(user="U01TECH1"), view=long_title)
    )
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert check_view({**MODAL, "private_metadata": "x" * 3001})
    assert check_view({**MODAL, "blocks": [section("x")] * 101})
    assert check_view({"type": "modal", "title": MODAL["title"], "blocks": MODAL["blocks"]})
    assert check_view({"type": "workflow_step", "blocks": []})
    no_label = {**MODAL, "blocks": [{"type": "input", "element": {"type": "plain_text_input"}}]}
    assert check_view(no_label) == [
        "[ERROR] missing required field: label [json-pointer:/view/blocks/0/label]"
    ]
    select = {
        "type": "static_select",
        "options": [
            {"text": {"type": "plain_text", "text": "x"}, "value": str(i)} for i in range(101)
        ],
    }
    too_many = {**MODAL, "blocks": [{**MODAL["blocks"][0], "element": select}]}
    assert check_view(too_many) == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks/0/element/options]"
    ]
    assert check_view(MODAL) == []


# -- generated ids ---------------------------------------------------------------------------


def test_missing_block_and_action_ids_are_generated(fake: FakeSlack, client: WebClient) -> None:
    blocks = [
        section("ESC-1"),
        {"type": "actions", "elements": [button(), button("Mine", action_id="mine")]},
    ]

    posted = client.chat_postMessage(channel="C01DESK", text="ESC-1", blocks=blocks)

    stored = fake.messages("C01DESK")[0]["blocks"]
    assert stored == posted["message"]["blocks"]
    assert all(b["block_id"] for b in stored)
    assert stored[0]["block_id"] != stored[1]["block_id"]
    generated, given = stored[1]["elements"]
    assert generated["action_id"] and given["action_id"] == "mine"
    assert (
        "block_id" not in fake.calls_to("chat.postMessage")[0].args["blocks"][0]
    )  # recorded as sent


def test_views_open_with_a_fresh_trigger(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.new_trigger_id(user="U01TECH1"), view=MODAL)["view"]

    assert opened["id"].startswith("V") and opened["hash"]
    assert opened["callback_id"] == "escalate" and opened["state"] == {"values": {}}
    [block] = opened["blocks"]
    assert block["block_id"] and block["element"]["action_id"]
    assert fake.views[opened["id"]]["blocks"] == opened["blocks"]
    assert fake.view_user(opened["id"]) == "U01TECH1"


def test_trigger_ids_must_be_issued_fresh_and_used_once(fake: FakeSlack, client: WebClient) -> None:
    used = fake.new_trigger_id()
    client.views_open(trigger_id=used, view=MODAL)
    stale = fake.new_trigger_id()
    time.sleep(0.6)  # the fixture's trigger_ttl is 0.5 s (Slack's is 3 s)

    assert error_of(lambda: client.views_open(trigger_id=stale, view=MODAL))["error"] == (
        "expired_trigger_id"
    )
    assert error_of(lambda: client.views_open(trigger_id="123.456.abc", view=MODAL))["error"] == (
        "invalid_trigger_id"
    )
    assert error_of(lambda: client.views_open(trigger_id=used, view=MODAL))["error"] == (
        "exchanged_trigger_id"
    )


def test_views_update_by_id_or_external_id_with_hash(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(
        trigger_id=fake.new_trigger_id(), view={**MODAL, "external_id": "esc-1"}
    )["view"]
    loading = {**MODAL, "title": {"type": "plain_text", "text": "Loaded"}}

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=loading)["view"]
    again = client.views_update(external_id="esc-1", view=loading)["view"]

    assert updated["id"] == opened["id"] == again["id"]
    assert fake.views[opened["id"]]["title"]["text"] == "Loaded"
    assert (
        error_of(
            lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=loading)
        )["error"]
        == "hash_conflict"
    )
    assert error_of(lambda: client.views_update(view_id="V0NOPE", view=loading))["error"] == (
        "not_found"
    )


def test_views_publish_keeps_one_home_per_user(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Your escalations")]}

    first = client.views_publish(user_id="U01TECH1", view=home)["view"]
    second = client.views_publish(user_id="U01TECH1", view={**home, "blocks": [section("None")]})[
        "view"
    ]

    assert first["id"] == second["id"]
    published = fake.home("U01TECH1")
    assert published is not None and published["blocks"][0]["text"]["text"] == "None"
    assert fake.home("U01TECH2") is None


# -- failure injection -------------------------------------------------------------------------


def test_http_500_once_then_success(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=500)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C01DESK", text="x")
    assert raised.value.response.status_code == 500
    assert client.chat_postMessage(channel="C01DESK", text="x")["ok"]
    failed, succeeded = fake.calls_to("chat.postMessage")
    assert (failed.status, failed.response["ok"]) == (500, False)
    assert succeeded.ok
    assert len(fake.messages("C01DESK")) == 1


def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C01DESK", text="x")

    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"


def test_slack_sdk_retry_handler_honours_retry_after(fake: FakeSlack) -> None:
    patient = WebClient(
        token=TOKEN, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    fake.fail_next("chat.postMessage", error="ratelimited", retry_after=1)

    started = time.monotonic()
    assert patient.chat_postMessage(channel="C01DESK", text="x")["ok"]

    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]


def test_injected_error_and_outage(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", error="channel_not_found", times=2)

    for _ in range(2):
        assert error_of(lambda: client.chat_postMessage(channel="C01DESK", text="x"))["error"] == (
            "channel_not_found"
        )
    fake.set_down(True)
    with pytest.raises(SlackApiError) as raised:
        client.auth_test()
    assert raised.value.response.status_code == 503
    fake.set_down(False)
    assert client.chat_postMessage(channel="C01DESK", text="x")["ok"]
    assert [c.status for c in fake.calls] == [200, 200, 503, 200]


def test_latency_is_added_to_every_answer() -> None:
    with FakeSlack(latency=0.2) as slow:
        started = time.monotonic()
        WebClient(token="xoxb-test", base_url=slow.api_url).auth_test()
        assert time.monotonic() - started >= 0.2


# -- bodies ------------------------------------------------------------------------------------


def test_json_form_and_query_bodies(fake: FakeSlack, client: WebClient) -> None:
    blocks = [section("hi")]
    client.chat_postMessage(channel="C01DESK", text="json", blocks=blocks)  # slack_sdk sends JSON
    form = httpx.post(
        fake.api_url + "chat.postMessage",
        data={"token": TOKEN, "channel": "C01DESK", "text": "form", "blocks": json.dumps(blocks)},
    )
    query = httpx.get(
        fake.api_url + "conversations.info",
        params={"channel": "C01DESK"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert form.json()["ok"] and query.json()["channel"]["id"] == "C01DESK"
    as_json, as_form = fake.calls_to("chat.postMessage")
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert as_json.args["blocks"] == as_form.args["blocks"] == blocks  # decoded either way
    assert as_form.token == TOKEN and "token" in as_form.args
    [info] = fake.calls_to("conversations.info")
    assert info.http_method == "GET" and info.args == {"channel": "C01DESK"}
    broken = httpx.post(
        fake.api_url + "chat.postMessage",
        data={"token": TOKEN, "channel": "C01DESK", "blocks": "[{not json"},
    )
    assert broken.json()["error"] == "invalid_blocks_format"


# -- waiting -----------------------------------------------------------------------------------


def test_wait_for_blocks_until_the_calls_arrive(fake: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.2)
        for text in ("a", "b"):
            client.chat_postMessage(channel="C01DESK", text=text)

    threading.Thread(target=later).start()
    calls: list[RecordedCall] = fake.wait_for("chat.postMessage", count=2, timeout=5)

    assert [c.args["text"] for c in calls] == ["a", "b"]
    with pytest.raises(TimeoutError, match=r"chat\.update"):
        fake.wait_for("chat.update", timeout=0.1)
    fake.reset_calls()
    assert fake.calls == []
