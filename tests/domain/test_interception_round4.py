"""Interception rules, issue 18 round 4 (after frozen batch d, read once held out): offers put
as questions or with "for you", FYI closers, handovers by arrow or "passing you", and three
more task verbs. The rules alone (``second_stage=False``): each case fails without its rule."""

from __future__ import annotations

import pytest

from bot.domain.interception import classify
from tests.domain.interception_rules import PROTECTED, rule


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> would you like me to write up the Unifi adoption steps? I took notes",
        "<@U01TECH3> can I double-check the MX records for you before the flip?",
        "<@U01TECH3> happy to be a second pair of eyes on that firewall rule if you want one",
        "<@U01TECH3> no rush but if you ever want help with the library's GPOs, shout",
        "<@U01TECH2> I'd be willing to do the phishing lunch-and-learn if you don't want it",
    ],
)
def test_offers_ask_nothing_of_her(text: str) -> None:
    assert rule(text) == "none.offer"


@pytest.mark.parametrize(
    "text",
    [
        # what follows an offer may still ask
        "<@U01TECH1> happy to help but can you send me the VPN logs first?",
        # "for you to …" is not an offer: she is asked to do it
        "<@U01TECH1> can I get the admin creds for you to check the firewall?",
        "<@U01TECH1> can you check the Acme backup for me?",
    ],
)
def test_asks_next_to_offer_words_stay_asks(text: str) -> None:
    assert rule(text).startswith("request.")


@pytest.mark.parametrize(
    "text",
    [
        "the mail flow case is still open, I sent the trace. <@U01TECH1> just keeping you posted",
        "the patrons can't print again, I'm on it. <@U01TECH2> just in case they call you directly",
    ],
)
def test_fyi_closers_tell_her(text: str) -> None:
    assert rule(text) == "none.fyi"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH2> taking off for the week. Pinecrest phone port → you. notes are in the ticket",
        "<@U01TECH2> out tomorrow, Acme firewall swap -> you",
        "<@U01TECH3> passing you the Bayview Dentrix ticket, I couldn't get the vendor on the phone",
    ],
)
def test_handovers_by_arrow_or_passing_you(text: str) -> None:
    assert rule(text) == "request.handover"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH2> ship the loaner laptop back from Hartwell when their new one arrives",
        "<@U01TECH1> kill the stale VPN sessions on the Acme firewall",
        "<@U01TECH1> pull a config backup off the Millbrook MX before you touch anything",
    ],
)
def test_more_task_verbs(text: str) -> None:
    assert rule(text) == "request.task"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> gentle nudge on the Bayview PC :slightly_smiling_face:",
        "<@U01TECH1> resurfacing this since it got buried, the Granite Ridge RMA question",
        "<@U01TECH1> ^^ still need an answer on this one",
        "<@U01TECH3> re: the above, anything?",
    ],
)
def test_bumps_ask_again(text: str) -> None:
    assert rule(text) == "request.ask"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> I see 3 unbilled tickets under your name for November",
        "submitted my timesheet. <@U01TECH3> yours is the only one still out btw",
        "<@U01TECH2> Autotask says you have 19 tickets past SLA",
        "<@U01TECH1> the Bayside renewal quote is blocked on your port counts",
    ],
)
def test_hints_at_her_own_backlog(text: str) -> None:
    v = classify(text, protected=PROTECTED, second_stage=False)
    assert v.is_request and "hint" in v.cues  # "blocked" is also a problem: request.problem


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> mark the old Hyper-V host as decommissioned in Datto RMM",
        "<@U01TECH2> rotate the Seaport break-glass password",
        "<@U01TECH1> whitelist the scanner's IP on the Seaport FortiGate",
        "<@U01TECH1> revoke the contractor's VPN access",
    ],
)
def test_yet_more_task_verbs(text: str) -> None:
    assert rule(text) == "request.task"
