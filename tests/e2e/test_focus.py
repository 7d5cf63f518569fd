"""/focus end to end: any team member protects themselves for a while; focus ends by itself.

U01TECH3 (NOC, UTC) is not protected by the lanes file, U01TECH1 (service desk, Chicago) always
is; the app's business clock is moved with ``app.clock.set``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.adapters.models import FocusSession, OutboxMessage
from tests.e2e.conftest import Harness, reply_text
from tests.e2e.test_interception import assert_not_intercepted, caught, ephemeral_calls, say

CHI = ZoneInfo("America/Chicago")
MONDAY_10_CHICAGO = datetime(2026, 11, 23, 10, 0, tzinfo=CHI)  # 16:00 UTC
USAGE = "Use `/focus 90m`, `/focus 2h`, `/focus until 14:00`, `/focus off`, or `/focus` for your status."
ASK = "can you check the disk alert on SQL02?"


def focus(app: Harness, text: str = "", user: str = "U01TECH3") -> str:
    resp = app.slack.slash_command("/focus", text=text, user=user, channel="C01NOC")
    assert resp.status_code == 200
    app.settle()
    return reply_text(resp)


def sessions(app: Harness) -> list[FocusSession]:
    with app.container.sessions() as s:
        rows = list(s.scalars(select(FocusSession).order_by(FocusSession.id)))
        for r in rows:
            s.expunge(r)
        return rows


def slack_date(at: datetime) -> str:
    """The date token the bot writes for ``at`` (shown in each reader's own timezone)."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|"


def test_focus_for_a_while_protects_anyone_until_it_ends_by_itself(app: Harness) -> None:
    app.clock.set(MONDAY_10_CHICAGO)
    say(app, f"<@U01TECH3> {ASK}")
    assert_not_intercepted(app)  # not protected yet

    said = focus(app, "90m")
    [row] = sessions(app)
    end = MONDAY_10_CHICAGO + timedelta(minutes=90)
    assert (row.user, row.slack_team_id, row.ended_at) == ("U01TECH3", "T0LANE", None)
    assert row.starts_at == MONDAY_10_CHICAGO and row.ends_at == end
    assert said.startswith(f":shield: Focus on until {slack_date(end)}")
    assert said.endswith(
        "Pings to you in channels I'm in will be offered a lane instead. `/focus off` ends it."
    )

    app.clock.set(end - timedelta(minutes=1))
    ts = say(app, f"<@U01TECH3> {ASK}")
    [call] = ephemeral_calls(app)
    assert (call.args["channel"], call.args["user"]) == ("C01GENERAL", "U01REQ")
    intro = call.args["blocks"][0]["text"]["text"]
    assert intro.startswith(f":shield: <@U01TECH3> is in focus until {slack_date(end)}")
    assert "Requests go through a lane" in intro
    [caught_row] = caught(app)
    assert (caught_row.message_ts, caught_row.targets) == (ts, ["U01TECH3"])

    # the focus is over: pings reach them again, and /focus says so
    app.clock.set(end + timedelta(seconds=1))
    say(app, f"<@U01TECH3> {ASK}")
    assert len(ephemeral_calls(app)) == 1 and len(caught(app)) == 1
    assert focus(app) == "You are not in focus. `/focus 90m` or `/focus until 14:00` starts it."
    assert sessions(app)[0].ended_at is None  # it ran out; nobody ended it


def test_focus_until_a_time_of_day_is_in_the_persons_team_timezone(app: Harness) -> None:
    app.clock.set(MONDAY_10_CHICAGO)
    # U01TECH1 works in Chicago: 14:00 there, 4 hours from now
    said = focus(app, "until 14:00", user="U01TECH1")
    two_pm = datetime(2026, 11, 23, 14, 0, tzinfo=CHI)
    assert said.startswith(f":shield: Focus on until {slack_date(two_pm)}")
    # U01TECH3's NOC runs on UTC, where it is 16:00: "until 8pm" is 20:00 UTC
    focus(app, "until 8pm", user="U01TECH3")
    assert [(r.user, r.ends_at) for r in sessions(app)] == [
        ("U01TECH1", two_pm),
        ("U01TECH3", datetime(2026, 11, 23, 20, 0, tzinfo=UTC)),
    ]
    # someone in no team uses the lanes file's timezone (Chicago)
    focus(app, "until 11:30", user="U01REQ")
    assert sessions(app)[-1].ends_at == datetime(2026, 11, 23, 11, 30, tzinfo=CHI)
    # a time already past today is tomorrow's, and that is longer than 12 hours
    said = focus(app, "until 9:30", user="U01TECH1")
    assert said == f":warning: Focus lasts at most 12h; “until 9:30” is longer. {USAGE}"
    assert len(sessions(app)) == 3


def test_status_off_and_a_new_focus_replacing_the_running_one(app: Harness) -> None:
    app.clock.set(MONDAY_10_CHICAGO)
    assert focus(app, "", user="U01TECH1") == (
        ":shield: You are always protected (set in the lanes file)."
    )
    assert focus(app, "status") == (
        "You are not in focus. `/focus 90m` or `/focus until 14:00` starts it."
    )
    focus(app, "30m")
    focus(app, "2h")
    first, second = sessions(app)
    assert first.ended_at == MONDAY_10_CHICAGO  # replaced, not left running beside the new one
    assert second.ended_at is None
    assert second.ends_at == MONDAY_10_CHICAGO + timedelta(hours=2)
    assert focus(app) == (
        f":shield: You are in focus until {slack_date(second.ends_at)}"
        f"{second.ends_at.strftime('%a %d %b %H:%M %Z')}>. `/focus off` ends it."
    )

    app.clock.set(MONDAY_10_CHICAGO + timedelta(minutes=5))
    assert focus(app, "off") == ":white_check_mark: Focus ended."
    assert sessions(app)[1].ended_at == MONDAY_10_CHICAGO + timedelta(minutes=5)
    say(app, f"<@U01TECH3> {ASK}")
    assert_not_intercepted(app)
    assert focus(app, "off") == "You were not in focus."
    assert focus(app) == "You are not in focus. `/focus 90m` or `/focus until 14:00` starts it."


def test_an_always_protected_person_in_focus_is_told_their_focus_end(app: Harness) -> None:
    app.clock.set(MONDAY_10_CHICAGO)
    focus(app, "1h", user="U01TECH1")
    say(app, f"<@U01TECH1> {ASK}")
    [call] = ephemeral_calls(app)
    end = MONDAY_10_CHICAGO + timedelta(hours=1)
    assert call.args["blocks"][0]["text"]["text"].startswith(
        f":shield: <@U01TECH1> is in focus until {slack_date(end)}"
    )
    # after the focus, the lanes file still protects them
    app.clock.set(end + timedelta(minutes=1))
    say(app, f"<@U01TECH1> {ASK}")
    assert len(ephemeral_calls(app)) == 2
    intro = ephemeral_calls(app)[-1].args["blocks"][0]["text"]["text"]
    assert intro.startswith(":shield: <@U01TECH1> is heads-down.")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("banana", f"“banana” is not a duration or a time. {USAGE}"),
        ("1.5h", f"“1.5h” is not a duration or a time. {USAGE}"),
        ("0m", f"“0m” is not a duration or a time. {USAGE}"),
        ("2d", f"Focus lasts at most 12h. {USAGE}"),
        ("13h", f"Focus lasts at most 12h; “13h” is longer. {USAGE}"),
        ("until 25:00", f"“until 25:00” is not a time of day. {USAGE}"),
        ("until 13pm", f"“until 13pm” is not a time of day. {USAGE}"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    app: Harness, text: str, answer: str
) -> None:
    app.clock.set(MONDAY_10_CHICAGO)
    assert focus(app, text) == f":warning: {answer}"
    assert sessions(app) == []
    with app.container.sessions() as s:
        assert s.scalar(select(func.count(OutboxMessage.id))) == 0
    assert app.fake.calls_to("views.publish") == []
    say(app, f"<@U01TECH3> {ASK}")
    assert_not_intercepted(app)


def test_focus_answers_only_the_person_who_typed_it(app: Harness) -> None:
    resp = app.slack.slash_command("/focus", text="45m", user="U01TECH3", channel="C01NOC")
    # a plain-text acknowledgement: Slack shows it to the person who typed the command only
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert re.match(r"^:shield: Focus on until <!date\^\d+\^", resp.text)
    app.settle()
    # nothing is said in the channel
    assert [c for c in app.fake.calls_to("chat.postMessage") if c.args["channel"] == "C01NOC"] == []
