"""Property: whatever the Events API delivers, the app answers sanely (issue 20, hostile input).

Real-shaped ``event_callback`` bodies (messages with arbitrary text, thread replies, broadcasts,
file shares, edits, deletions, joins, bot messages, DMs, @mentions, App Home opens, events the
app does not subscribe to) are built, then mutated (keys dropped, values of the wrong type, huge
strings, deep nesting, forged envelopes, Slack markup and control characters in every string)
and sent signed, as Slack signs them, to the served app with the fake Slack as a real HTTP server,
on SQLite and PostgreSQL. Every example asserts: never a 500; never an unexpected error behind the
200 (Slack does not show one to anybody, so the log is where it shows); no raw markup of the input
in any Slack call (the checker of ``test_properties``); only the tables an event may change
change, and what they gain is whole (a caught ping is a complete row whose offer was shown).
"""

from __future__ import annotations

import copy
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select

from bot.adapters.models import Base, Interception
from bot.testing.requests import rich_text_blocks
from tests.e2e.conftest import TEAM, Harness
from tests.e2e.test_properties import MARKUP, _check, typed

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples every run: a red run is reproducible as it is
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CHANNELS = ["C01GENERAL", "C01DESK", "C01NOC"]
SENDERS = ["U01REQ", "U01TECH3", "U01LEAD", "U0EVIL"]
# Pings to the protected technicians (U01TECH1/2 in the test lanes) that read as requests, so a
# good share of the examples is caught and its offer shown.
PINGS = [
    "<@U01TECH1> can you check the backup alert on FS01?",
    "<@U01TECH2> urgent: the printer at Acme is down, can you look?",
    "hey <@U01TECH1> quick question, why is the VPN failing for Acme",
    "",
]
# Tables an event may add rows to: a caught ping, the claim of an event id (DM, @mention) and
# the App Home's publication. Any other table changing is a partial or stray write.
MAY_GROW = {"interceptions", "processed_requests", "outbox_messages"}


def _ts() -> str:
    return f"{time.time():.6f}"


# --------------------------------------------------------------------------- real shapes


def message_event(kind: str, *, text: str, user: str, channel: str, thread_ts: str | None) -> dict:
    """One event as Slack sends it for ``kind`` (see the Events API's message subtypes)."""
    ts = _ts()
    base: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM,
        "client_msg_id": str(uuid.uuid4()),
        "blocks": rich_text_blocks(text),
        "channel_type": "channel",
        "event_ts": ts,
    }
    if kind == "plain":
        return base
    if kind == "thread_reply":
        return {**base, "thread_ts": thread_ts or _ts(), "parent_user_id": "U01LEAD"}
    if kind == "thread_broadcast":
        root = {"text": "root", "user": "U01LEAD", "ts": thread_ts or _ts(), "type": "message"}
        return {
            **base,
            "subtype": "thread_broadcast",
            "thread_ts": root["ts"],
            "root": root,
        }
    if kind == "file_share":
        files = [{"id": "F0FILE1", "name": "screenshot.png", "mimetype": "image/png"}]
        return {**base, "subtype": "file_share", "files": files, "upload": False}
    if kind == "me_message":
        return {**base, "subtype": "me_message"}
    if kind == "message_changed":
        previous = {**base, "text": "before", "ts": _ts()}
        edited = {**base, "ts": previous["ts"], "edited": {"user": user, "ts": ts}}
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "ts": ts,
            "event_ts": ts,
            "message": edited,
            "previous_message": previous,
            "channel_type": "channel",
        }
    if kind == "message_deleted":
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "ts": ts,
            "deleted_ts": _ts(),
            "event_ts": ts,
            "previous_message": base,
            "channel_type": "channel",
        }
    if kind == "bot_message":
        return {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0OTHERAPP",
            "username": "monitoring",
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "channel_type": "channel",
        }
    if kind == "channel_join":
        return {
            **base,
            "subtype": "channel_join",
            "text": f"<@{user}> has joined the channel",
            "inviter": "U01LEAD",
        }
    if kind == "im":
        return {**base, "channel": "D0" + user[1:], "channel_type": "im"}
    if kind == "app_mention":
        return {
            "type": "app_mention",
            "user": user,
            "text": f"<@UBOTLANE> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "team": TEAM,
            "blocks": rich_text_blocks(text),
        }
    if kind == "app_home_opened":
        return {"type": "app_home_opened", "user": user, "channel": "D0" + user[1:], "tab": "home"}
    if kind == "app_home_messages":
        return {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0" + user[1:],
            "tab": "messages",
        }
    if kind == "member_joined_channel":  # not subscribed: what if it comes anyway
        return {
            "type": "member_joined_channel",
            "user": user,
            "channel": channel,
            "channel_type": "C",
            "team": TEAM,
            "inviter": "U01LEAD",
            "event_ts": ts,
        }
    if kind == "tokens_revoked":  # a user token revoked: the bot keeps none, nothing changes
        return {"type": "tokens_revoked", "tokens": {"oauth": [user], "bot": []}, "event_ts": ts}
    raise ValueError(kind)


# No listener: Bolt answers 404 "unhandled request" (never a 500). member_joined_channel is not
# in slack-manifest.yml's bot_events.
UNSUBSCRIBED = {"member_joined_channel"}
KINDS = [
    "plain",
    "plain",
    "thread_reply",
    "thread_broadcast",
    "file_share",
    "me_message",
    "message_changed",
    "message_deleted",
    "bot_message",
    "channel_join",
    "im",
    "app_mention",
    "app_home_opened",
    "app_home_messages",
    "member_joined_channel",
    "tokens_revoked",
]


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    """The ``event_callback`` around ``event``, as the simulator (and Slack) builds it."""
    return {
        "token": "fake-verification-token",
        "team_id": TEAM,
        "context_team_id": TEAM,
        "context_enterprise_id": None,
        "api_app_id": "A0LANEKEEPER",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM,
                "user_id": "UBOTLANE",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


# --------------------------------------------------------------------------- mutations


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


DEEP = "__5000_levels__"
hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.sampled_from(MARKUP),
    st.sampled_from(
        [
            "",
            "\x00",
            "\ud800",
            "\x1b[31mred\x1b[0m",
            "*bold* _it_ ~gone~ `code`",
            "<http://x|y>",
            "U" + "1" * 40,
            "C" + "Z" * 40,
            "1" * 40 + ".000100",
            "x" * 200_000,
        ]
    ),
    st.integers(2, 60).map(_deep),
    st.just(DEEP),  # spliced into the JSON text: too deep for json.dumps itself
)
EVENT_KEYS = [
    "type",
    "subtype",
    "user",
    "channel",
    "text",
    "ts",
    "thread_ts",
    "event_ts",
    "channel_type",
    "bot_id",
    "blocks",
    "message",
    "previous_message",
    "tab",
    "tokens",
    "files",
    "team",
]
ENVELOPE_KEYS = ["type", "team_id", "event_id", "event", "authorizations", "api_app_id", "token"]
mutation = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(EVENT_KEYS)),
    st.tuples(st.just("set"), st.sampled_from(EVENT_KEYS), hostile_values),
    st.tuples(st.just("envelope_drop"), st.sampled_from(ENVELOPE_KEYS)),
    st.tuples(st.just("envelope_set"), st.sampled_from(ENVELOPE_KEYS), hostile_values),
)


def mutate(body: dict[str, Any], how: tuple[Any, ...]) -> None:
    event = body.get("event")
    if how[0] == "drop" and isinstance(event, dict):
        event.pop(how[1], None)
    elif how[0] == "set" and isinstance(event, dict):
        event[how[1]] = copy.deepcopy(how[2])
    elif how[0] == "envelope_drop":
        body.pop(how[1], None)
    elif how[0] == "envelope_set":
        body[how[1]] = copy.deepcopy(how[2])


# --------------------------------------------------------------------------- the checks


def table_counts(app: Harness) -> dict[str, int]:
    with app.container.sessions() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture
def errors(app: Harness, caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The log, from WARNING up (an unexpected error in a listener is logged, not answered).
    U0EVIL is a member of the workspace who types markup (Slack sends events of members only)."""
    app.fake.add_user("U0EVIL", name="u0evil", real_name="<!channel> *Evil*")
    caplog.set_level(logging.WARNING)
    yield caplog


def unexpected(log: pytest.LogCaptureFixture, start: int) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in log.records[start:]
        if r.levelno >= logging.ERROR
    ]


def tally(what: str) -> None:
    """Hypothesis' statistics, when called from a property (the explicit tests share checks)."""
    if currently_in_test_context():
        event(what)


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000).encode()


def send(app: Harness, body: dict[str, Any] | bytes) -> Any:
    raw = body if isinstance(body, bytes) else encode(body)
    return app.slack.raw(raw, {"Content-Type": "application/json"})


def check_event(app: Harness, log: pytest.LogCaptureFixture, body: dict[str, Any] | bytes) -> Any:
    start, logged, before = len(app.fake.calls), len(log.records), table_counts(app)
    resp = send(app, body)
    _check(app, start, resp)  # no 500, no generic error, no raw markup, escalations whole
    assert unexpected(log, logged) == []
    after = table_counts(app)
    grown = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert set(grown) <= MAY_GROW, grown
    assert all(0 <= n <= 1 for n in grown.values()), grown  # one event: at most one of each
    tally(f"answered {resp.status_code}")
    tally(f"grew {sorted(grown)}")
    if grown.get("interceptions"):
        with app.container.sessions() as s:
            row = s.scalars(select(Interception).order_by(Interception.id.desc())).first()
            assert row is not None
            assert row.sender and row.channel and row.message_ts and row.targets and row.text
            assert row.slack_team_id == TEAM
        offered = [
            c
            for c in app.fake.calls[start:]
            if c.method == "chat.postEphemeral" and c.args.get("user") == row.sender
        ]
        assert offered or row.outcome == "undeliverable", "caught but neither offered nor marked"
    return resp


# --------------------------------------------------------------------------- the properties


@settings(SETTINGS, max_examples=60)
@given(
    kind=st.sampled_from(KINDS),
    ping=st.sampled_from(PINGS),
    text=typed,
    user=st.sampled_from(SENDERS),
    channel=st.sampled_from(CHANNELS),
    mutations=st.lists(mutation, max_size=3),
)
@example(
    kind="plain",
    ping=PINGS[0],
    text=" <!channel> *now*",
    user="U01REQ",
    channel="C01GENERAL",
    mutations=[],
)
@example(  # a thread_ts of no Slack shape on a caught ping
    kind="thread_reply",
    ping=PINGS[1],
    text="",
    user="U01REQ",
    channel="C01GENERAL",
    mutations=[("set", "thread_ts", "x" * 200_000)],
)
def test_any_event(
    app: Harness,
    errors: pytest.LogCaptureFixture,
    kind: str,
    ping: str,
    text: str,
    user: str,
    channel: str,
    mutations: list[tuple[Any, ...]],
) -> None:
    event = message_event(kind, text=ping + text, user=user, channel=channel, thread_ts=None)
    body = envelope(event)
    for how in mutations:
        mutate(body, how)
    raw = encode(body)
    resp = check_event(app, errors, raw)
    if not mutations and kind not in UNSUBSCRIBED:  # Slack's own shape: acknowledged
        assert resp.status_code == 200, resp.text[:300]


@pytest.mark.parametrize("authorizations", [False, {"team_id": TEAM}, ["x"]])
def test_authorizations_of_the_wrong_type_are_refused_not_a_500(
    app: Harness, authorizations: Any
) -> None:
    body = envelope(
        message_event("plain", text="hi", user="U01REQ", channel="C01GENERAL", thread_ts=None)
    )
    body["authorizations"] = authorizations
    resp = send(app, body)
    assert resp.status_code == 400, resp.status_code


@pytest.mark.parametrize("kind", ["tokens_revoked", "app_uninstalled"])
def test_uninstall_events_are_acknowledged_in_single_mode(
    app: Harness, errors: pytest.LogCaptureFixture, kind: str
) -> None:
    """The manifest subscribes both; single-workspace mode has no installation to forget, so it
    acknowledges them, keeps everything and tells the operator the token no longer works."""
    event = (
        {"type": "tokens_revoked", "tokens": {"bot": ["U0LANEKEEPER"]}, "event_ts": _ts()}
        if kind == "tokens_revoked"
        else {"type": "app_uninstalled", "event_ts": _ts()}
    )
    before = table_counts(app)
    resp = send(app, envelope(event))
    assert table_counts(app) == before
    assert resp.status_code == 200, resp.text
    app.container.wait_idle()
    assert any("SLACK_BOT_TOKEN no longer works" in r.getMessage() for r in errors.records)


@pytest.mark.parametrize(
    "change",
    [
        {"user": {"id": "U01REQ", "name": "<!channel>"}},
        {"ts": None},
        {"ts": "1" * 40 + ".000100"},
    ],
    ids=["user-object", "no-ts", "long-ts"],
)
def test_a_message_event_without_slack_ids_is_ignored(
    app: Harness, errors: pytest.LogCaptureFixture, change: dict[str, Any]
) -> None:
    event = message_event(
        "plain", text=PINGS[0], user="U01REQ", channel="C01GENERAL", thread_ts=None
    )
    event.update(change)
    event = {k: v for k, v in event.items() if v is not None}
    before = table_counts(app)
    check_event(app, errors, envelope(event))
    assert table_counts(app)["interceptions"] == before["interceptions"]


@SETTINGS
@given(text=typed, kind=st.sampled_from(["thread_reply", "thread_broadcast", "plain"]))
def test_any_reply_in_an_escalation_thread(
    app: Harness, errors: pytest.LogCaptureFixture, text: str, kind: str
) -> None:
    """Working an escalation in its own thread is the lane, not a ping: never caught."""
    if not app.escalations():
        from tests.e2e.test_lifecycle import create

        create(app)
    esc = app.escalation(1)
    event = message_event(
        kind, text=PINGS[0] + text, user="U01REQ", channel=esc.lane_channel, thread_ts=esc.lane_ts
    )
    before = table_counts(app)["interceptions"]
    resp = check_event(app, errors, envelope(event))
    assert resp.status_code == 200
    if kind != "plain":
        assert table_counts(app)["interceptions"] == before


# What a person typing markup literally sends: Slack escapes &, < and > in message text.
TYPED_MARKUP = [m.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for m in MARKUP]


@settings(SETTINGS, max_examples=10)
@given(text=typed, literal=st.lists(st.sampled_from(TYPED_MARKUP), min_size=1, max_size=3))
def test_a_caught_hostile_ping_routed_to_a_lane_is_posted_escaped(
    app: Harness, errors: pytest.LogCaptureFixture, text: str, literal: list[str]
) -> None:
    """The one way what a person typed in a channel reaches a post: caught, routed, submitted."""
    from tests.e2e.test_interception import offers

    text = " ".join(literal) + " " + text.replace("\x00", "")[:2000]
    start, logged = len(app.fake.calls), len(errors.records)
    shown = len(offers(app))
    resp, _ = app.slack.message("C01GENERAL", "U01REQ", PINGS[0] + " " + text)
    app.settle()
    if len(offers(app)) == shown:  # not read as a request: nothing else to follow
        tally("not caught")
        _check(app, start, resp)
        return
    tally("caught, routed")
    view = route_newest(app, offers(app)[-1])
    answer = app.slack.submit_view(view["id"], user="U01REQ", values={"client": "Acme"})
    _check(app, start, resp, answer)
    assert unexpected(errors, logged) == []


def route_newest(app: Harness, offer: dict[str, Any]) -> dict[str, Any]:
    """Click "Monitoring alert" on ``offer``; the modal as it stands once the names are in."""
    before = len(app.fake.calls_to("views.open"))
    assert app.slack.click(offer, "route:alert", user="U01REQ").status_code == 200
    opened = app.fake.wait_for("views.open", count=before + 1)[-1]
    assert opened.ok, opened.response
    view: dict[str, Any] = opened.response["view"]
    app.settle()
    updates = [
        c for c in app.fake.calls_to("views.update") if c.args.get("view_id") == view["id"] and c.ok
    ]
    return updates[-1].response["view"] if updates else view
