"""Interception with the context the bot already sees (issue 18), end to end: signed message
events through the real app; a protected person's own recent question in the same thread or
channel makes a reply to her an answer; an explicit ask still counts; the stored row names the
rule that decided, and "Not a request" clicks are counted per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.interceptions import dismissals_per_rule, rule_of
from tests.e2e.conftest import TEAM, Harness
from tests.e2e.test_interception import CHANNEL, caught, offers, say

ANSWER = "<@U01TECH1> the Fabrikam voice VLAN is still untagged on the core switch"


def test_without_her_question_the_statement_is_handed_to_her(app: Harness) -> None:
    say(app, ANSWER)
    assert len(offers(app)) == 1
    [row] = caught(app)
    assert rule_of(row.reason) == "request.report"
    assert row.reason.startswith("request.report: work handed to <@U01TECH1>")


def test_a_reply_to_her_own_question_in_the_thread_is_an_answer(app: Harness) -> None:
    question = say(app, "which VLAN is voice on at Fabrikam", user="U01TECH1")
    say(app, ANSWER, thread_ts=question)
    assert offers(app) == [] and caught(app) == []


def test_a_reply_in_the_channel_after_her_question_there_is_an_answer(app: Harness) -> None:
    say(app, "anyone know where the Fabrikam voice VLAN lives?", user="U01TECH1")
    say(app, ANSWER)
    assert offers(app) == []


def test_an_explicit_ask_after_her_question_is_still_intercepted(app: Harness) -> None:
    question = say(app, "is the Fabrikam switch on the new firmware?", user="U01TECH1")
    say(app, "<@U01TECH1> not sure, can you check the Contoso one too?", thread_ts=question)
    assert len(offers(app)) == 1
    assert rule_of(caught(app)[0].reason) == "request.ask"


def test_her_question_elsewhere_or_long_ago_does_not_count(app: Harness) -> None:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    app.clock.set(start)
    app.fake.add_channel("C01OPS", name="ops", members=["U01TECH1", "U01REQ"])
    say(app, "which VLAN is voice on at Fabrikam?", user="U01TECH1", channel="C01OPS")
    say(app, ANSWER)  # another channel: not an answer to her
    assert len(offers(app)) == 1
    say(app, "which VLAN is voice on at Fabrikam?", user="U01TECH1")
    app.clock.set(start + timedelta(hours=2))
    say(app, ANSWER + " today")  # her question is two hours old
    assert len(offers(app)) == 2


def test_someone_elses_question_does_not_make_a_reply_to_her_an_answer(app: Harness) -> None:
    question = say(app, "which VLAN is voice on at Fabrikam?", user="U02OTHER1")
    say(app, ANSWER, thread_ts=question)
    assert len(offers(app)) == 1


def test_not_a_request_clicks_are_counted_per_rule(app: Harness) -> None:
    app.clock.set(datetime.now(UTC))
    say(app, "<@U01TECH1> can you check the backup alert on FS01?")
    say(app, "<@U01TECH1> the Acme firewall is down")
    say(app, "<@U01TECH1> the Northwind Veeam copy job has been yellow for 3 nights")
    ask, _problem, report = offers(app)
    for offer in (ask, report):
        assert app.slack.click(offer, "route_not_request", user="U01REQ").status_code == 200
    app.settle()
    now = app.clock() + timedelta(seconds=1)
    figures = dismissals_per_rule(
        app.container.uow(), slack_team_id=TEAM, since=now - timedelta(days=7), until=now
    )
    assert [(f.rule, f.dismissed, f.intercepted) for f in figures] == [
        ("request.ask", 1, 1),
        ("request.report", 1, 1),
        ("request.problem", 0, 1),
    ]
    assert figures[0].share == 1.0
    assert {r.channel for r in caught(app)} == {CHANNEL}
