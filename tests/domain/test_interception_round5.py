"""Interception rules, issue 18 round 5 (after frozen batch e, read once held out): offers
recognised by their shape (a first person proposing to act, for her), ``need <@U> to …`` put to
her, and Slack's ``>`` quote lines read as quoted words. The rules alone
(``second_stage=False``): each case fails without its mechanism."""

from __future__ import annotations

import pytest

from bot.domain._interception_address import _normalise
from bot.domain.interception import classify
from tests.domain.interception_rules import PROTECTED, rule


@pytest.mark.parametrize(
    "text",
    [
        # a first person proposing to act, and for whom: "so you can", "instead of you", …
        "<@U01TECH1> should I run the Contoso patch window tonight so you can sleep?",
        "<@U01TECH2> could I do the Fabrikam onsite instead of you, is that ok?",
        "<@U01TECH3> can we grab a couple of tickets off your plate this week?",
        "<@U01TECH1> can cover the Tailwind walkthrough if you want, lmk",
        "<@U01TECH2> anything else I can do to help with the Wingtip cutover?",
        "<@U01TECH3> I'll write the Northwind RCA for you so you can keep going on the VPN",
    ],
)
def test_offers_by_their_shape_ask_nothing_of_her(text: str) -> None:
    assert rule(text) == "none.offer"


@pytest.mark.parametrize(
    "text",
    [
        # waiting for her is asking her
        "<@U01TECH1> should I reimage the Contoso laptop or wait for you?",
        "<@U01TECH2> should I wait for you before I touch the mail flow rules?",
        # "for you to …": she is asked to do it
        "<@U01TECH1> can I get the admin creds for you to check the firewall?",
        # what is left after the offer may still ask
        "<@U01TECH3> I can take the Fabrikam onsite for you, but can you send me the floor plan?",
    ],
)
def test_asks_beside_offer_shapes_stay_asks(text: str) -> None:
    assert rule(text).startswith("request.")


@pytest.mark.parametrize(
    "text",
    [
        "need <@U01TECH2> to export the Datto audit log before the client call",
        "for the renewal I'll need <@U01TECH1> to confirm the seat count",
        "we'd like <@U01TECH3> to walk the new hire through the RMM on Monday",
    ],
)
def test_need_her_to_puts_the_ask_to_her(text: str) -> None:
    v = classify(text, protected=PROTECTED, second_stage=False)
    assert v.rule == "request.ask" and v.targets


def test_not_needing_her_asks_nothing() -> None:
    assert not classify(
        "we don't need <@U01TECH3> to do anything on the Contoso ticket",
        protected=PROTECTED,
        second_stage=False,
    ).is_request


def test_slack_quote_lines_are_quoted_words() -> None:
    low, _ = _normalise("> <@U01TECH1> can you check the Contoso backups\nalready sorted")
    assert low.startswith("@@0 «q»")  # the quote's words are gone, its mention kept
    quoted_then_done = "> <@U01TECH1> can you reset the Fabrikam VPN\nignore, done last week"
    assert not classify(quoted_then_done, protected=PROTECTED, second_stage=False).is_request
    # the quoted ask bumped to her is still an ask
    bumped = "> <@U01TECH1> can you reset the Fabrikam VPN\nany update on this?"
    assert classify(bumped, protected=PROTECTED, second_stage=False).is_request
    # a ">" inside a line is no quote
    low, _ = _normalise("<@U01TECH1> is the mailbox > 50 GB?")
    assert "«q»" not in low


@pytest.mark.parametrize(
    "text",
    [
        # something still wanted of her, after chat or an apology that would otherwise close it
        "<@U01TECH1> haha fair enough. still need those Contoso license counts though",
        "<@U01TECH2> no worries! but the Fabrikam onboarding still needs the two laptops imaged",
        # her view asked for without "you"
        "<@U01TECH3> I want your take on the Northwind firewall quote",
        "<@U01TECH1> would love your eyes on the new GPO before Friday",
        # a bump by an arrow or a pointing emoji
        "<@U01TECH2> ↑",
        "<@U01TECH2> :point_up:",
    ],
)
def test_still_needed_views_and_arrow_bumps_ask(text: str) -> None:
    assert rule(text) == "request.ask"


def test_an_imperative_with_you_said_is_a_task() -> None:
    assert rule("<@U02OTHER1> has the parts, <@U01TECH3> you do the swap on Friday") == (
        "request.task"
    )
    assert rule("<@U01TECH1> you take the Fabrikam onsite tomorrow").startswith("request.")
    # said to someone named in words, not to her
    assert not classify(
        "<@U01TECH3> <@U02OTHER3> — Other3, you take the Tailspin quote, Tech3 is on PTO",
        protected=PROTECTED,
        second_stage=False,
    ).is_request


def test_so_you_know_where_tells_her() -> None:
    assert (
        rule("<@U01TECH2> the on-call rota is pinned in #helpdesk now, so you know who to call")
        == "none.fyi"
    )
