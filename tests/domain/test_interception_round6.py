"""Interception rules, issue 18 round 6 (after frozen batch f, read once held out): soft asks
("please", "we need", "quick one") only about work, offers whose beneficiary sits in the next
sentence, "not you <@U>" as an exclusion, a bare arrow line handing a ticket over, a client or
a system that wants something done as a task, bumps by a leading mark or by chasing, an
imperative after a label; and the second stage's problem-evidence features. The rules alone
(``second_stage=False``) unless said: each case fails without its mechanism."""

from __future__ import annotations

import pytest

from bot.domain import _interception_model as im
from bot.domain._interception_address import _normalise
from bot.domain.interception import classify
from tests.domain.interception_rules import PROTECTED, asks, rule


@pytest.mark.parametrize(
    "text",
    [
        # "please" about nothing of work: chat
        "<@U01TECH1> please say you're coming to the bbq on saturday",
        "<@U01TECH2> please settle this for us: is a hot dog a sandwich",
        # reported: someone else's please
        "<@U01TECH3> the building manager told us to please stop parking in the loading bay",
        "<@U01TECH1> the Contoso office manager told her staff to please reboot their laptops",
        # reassuring: she is told not to act
        "please don't feel you have to reply <@U01TECH1>, just letting you know the invoice got paid",
        # "we need" and "quick one" without work
        "<@U01TECH2> happy birthday!! :tada: we need cake photos",
        "<@U01TECH3> quick one: tabs or spaces? settling an argument",
    ],
)
def test_soft_asks_without_work_ask_nothing(text: str) -> None:
    assert not asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> please reset the Fabrikam VPN password for Dana",
        "<@U01TECH2> pls join the 3pm bridge with the Northwind owner",
        "<@U01TECH3> please call Dana at Litware back about the scanner",
        "see above pls <@U01TECH1>",
        "<@U01TECH2> we need the Tailwind firewall config before the audit",
    ],
)
def test_soft_asks_about_work_still_ask(text: str) -> None:
    assert rule(text) in ("request.ask", "request.task")


@pytest.mark.parametrize(
    "text",
    [
        # the beneficiary in the sentence beside the proposal
        "<@U01TECH1> should I take the Wingtip onsite instead? you sound swamped",
        "<@U01TECH2> can I do the Contoso patching tonight? I'm free anyway",
        # help offered, or a share of a run
        "<@U01TECH3> can I help with the Tailwind migration? happy to write the runbook",
        "<@U01TECH1> heading to the bakery, want anything?",
        # "queue" beside "plate"
        "<@U01TECH2> can we take a few of the Northwind tickets off your queue?",
    ],
)
def test_offers_with_the_beneficiary_nearby_ask_nothing(text: str) -> None:
    assert rule(text) == "none.offer"


@pytest.mark.parametrize(
    "text",
    [
        # a request for something, not a proposal to act
        "<@U01TECH1> can I get the Fabrikam admin password? I'm free to do it now",
        "<@U01TECH2> should I reboot the Contoso DC tonight?",
        # "you look at" is an imperative, "you look busy" is not
        "<@U01TECH3> you look at the Litware firewall logs, I'll do the switch",
    ],
)
def test_asks_beside_the_new_offer_shapes_stay_asks(text: str) -> None:
    assert asks(text)


def test_you_look_busy_is_no_imperative() -> None:
    assert not asks("<@U01TECH1> you look exhausted today")


@pytest.mark.parametrize(
    "text",
    [
        "who can cover the Litware onsite friday? (not you <@U01TECH1>, you're on leave)",
        "can someone restart the Contoso print spooler, not you <@U01TECH2>, you've done enough",
        "anyone free for a Wingtip walkthrough at 3 except <@U01TECH3>?",
    ],
)
def test_not_you_excludes_her(text: str) -> None:
    assert not asks(text)


def test_an_exclusion_beside_an_ask_to_another_leaves_the_ask_to_her() -> None:
    text = "<@U01TECH1> can you take the Fabrikam onsite, not you <@U01TECH2>"
    v = classify(text, protected=PROTECTED, second_stage=False)
    assert v.is_request and v.targets == ("U01TECH1",)


@pytest.mark.parametrize(
    "text",
    [
        'INC-20931 | Northwind | P2 | "Outlook keeps prompting for the password"\n-> <@U01TECH1>',
        "Contoso new starter laptop, Tuesday\n→ <@U01TECH2>",
    ],
)
def test_a_bare_arrow_line_hands_over(text: str) -> None:
    assert rule(text) == "request.handover"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> Tailwind want their shared mailbox to show up in everyone's Outlook",
        "<@U01TECH2> the Fabrikam Fortigate needs a new VLAN for the cameras, 10.40.0.0/24",
        "<@U01TECH3> Litware would like the guest wifi password changed every month",
    ],
)
def test_a_client_or_system_wanting_something_done_is_a_task(text: str) -> None:
    assert rule(text) == "request.task"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> yes, they still want the second site on the VPN, but not before march",
        "<@U01TECH2> I don't need the Contoso laptop back this week",
        "<@U01TECH3> Fabrikam wanted their mailbox moved, done this morning",
    ],
)
def test_wants_that_answer_or_are_past_are_no_task(text: str) -> None:
    assert rule(text) != "request.task"


@pytest.mark.parametrize(
    "text",
    [
        "^ <@U01TECH2> did you get a chance to read this",
        "chasing this again <@U01TECH3>, Dana has called twice about the scanner",
    ],
)
def test_bumps_by_a_leading_mark_or_by_chasing_ask(text: str) -> None:
    assert rule(text) == "request.ask"


def test_carl_chasing_them_is_no_bump() -> None:
    assert rule("<@U01TECH1> MFA enrolment at 90%, Carl is chasing them") != "request.ask"


def test_an_imperative_after_a_label_is_a_task() -> None:
    text = "Contoso Dental: swap the dead UPS battery in the server closet <@U01TECH1>"
    assert rule(text) == "request.task"


def test_a_heading_label_still_reports() -> None:
    assert not asks("update on Contoso <@U01TECH1>: 14/22 laptops enrolled")


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> fyi, didn't need you for the Wingtip cutover after all",
        "<@U01TECH2> looping you in so you know before the Contoso QBR, their CFO is unhappy",
    ],
)
def test_fyi_closers_with_a_cue_before_them_tell(text: str) -> None:
    assert not asks(text)


def test_clocks_ticking_is_a_deadline() -> None:
    assert rule("clock's ticking <@U01TECH3>, the Litware cert goes at midnight") in (
        "request.deadline",
        "request.problem",
    )


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> Tailwind's office manager has called three times about the scanner",
        "<@U01TECH2> Dana from Litware just emailed for the fourth time re the mailbox",
    ],
)
def test_pressure_by_repetition_is_a_client_push(text: str) -> None:
    assert rule(text) == "request.client"


def test_a_trend_down_from_is_no_outage() -> None:
    assert rule("<@U01TECH3> Contoso's open tickets are down from 40 to 12 this month") != (
        "request.problem"
    )


@pytest.mark.parametrize(
    "text", ["<@U01TECH1> contoso guest wifi pw", "<@U01TECH2> fabrikam nas ip?"]
)
def test_a_value_named_without_a_verb_asks_for_it(text: str) -> None:
    assert rule(text) == "request.question"


@pytest.mark.parametrize(
    "text", ["<@U01TECH3> DMed you the Litware wifi pw", "<@U01TECH1> here's the Contoso NAS ip"]
)
def test_a_value_given_asks_nothing(text: str) -> None:
    assert not asks(text)


def test_a_deadline_on_the_senders_own_work_is_not_hers() -> None:
    text = "<@U01TECH2> Contoso cutover list: 9/10 done, the last one is mine and will be done by 4"
    assert "deadline" not in classify(text, protected=PROTECTED, second_stage=False).cues


def test_a_deadline_for_her_stays() -> None:
    assert asks("<@U01TECH2> the Contoso cert renewal has to be done by 4")


def test_ring_is_a_task_verb() -> None:
    assert rule("<@U01TECH1> ring Dana at Litware about the printer") == "request.task"


# --- the second stage's problem evidence ----------------------------------------------------


def _features(text: str, rules_rule: str) -> list[str]:
    low, ids = _normalise(text)
    return im.features(low, ids, PROTECTED, None, rules_rule, (), True)


def test_problem_evidence_is_a_feature_and_joined_to_an_implicit_rule() -> None:
    now = _features("Contoso can't print to anything <@U01TECH1>", "request.problem")
    assert "ev=now" in now and "rule+ev=problem+now" in now
    again = _features("<@U01TECH1> the Wingtip wifi is doing the thing again", "request.problem")
    assert {"ev=again", "rule+ev=problem+again"} <= set(again)
    over = _features("<@U01TECH1> the Litware outage was their ISP", "request.problem")
    assert "rule+ev=problem+over" in over
    # an explicit rule gets the evidence only on its own
    asked = _features("<@U01TECH1> can you check why Contoso can't print", "request.ask")
    assert "ev=now" in asked and not any(n.startswith("rule+ev=") for n in asked)


def test_terse_problem_reports_to_her_are_kept_by_the_shipped_second_stage() -> None:
    for text in (
        "Contoso can't scan to any of the copiers <@U01TECH2>, not even the Ricoh",
        "<@U01TECH3> the Litware plotter is printing everything in black and white again",
    ):
        v = classify(text, protected=PROTECTED)
        assert v.is_request, (text, v.rule, v.model_score)
