"""Issue 18, second pass: a statement to her asks only when it says something is wrong or
pending; mentions after a clause address her; deadlines, status asks and questions without cue
words; answers, offers, news, praise and chat recognised even with work or request words; a
veto takes only its own sentence's cues. Each case failed on the rules before this pass."""

from __future__ import annotations

import pytest

from bot.domain.interception import RULES, Verdict, classify

PROTECTED = frozenset({"U01TECH1", "U01TECH2", "U01TECH3"})


def verdict(text: str) -> Verdict:
    # the rules alone: the second stage has its own tests (test_interception_model.py)
    return classify(text, protected=PROTECTED, second_stage=False)


# --- a statement to her: a report only with a concern ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> the Fourth Coffee firewall is a FortiGate 60F",
        ':information_source: <@U01TECH1> Autotask now tags Wingtip tickets as "Finance" now',
        "<@U01TECH1> the Litware backups run at 11pm and finish around 2",
        "<@U01TECH1> the Fabrikam voice VLAN is tagged on the core switch",
    ],
)
def test_a_work_statement_that_asks_nothing_is_let_through(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, v.rule
    assert v.rule == "none.statement"
    assert v.addressed  # she is addressed; nothing is asked of her


@pytest.mark.parametrize(
    "text",
    [
        "heads up <@U01TECH3>, the Proseware projector setup is still not done",
        "<@U01TECH1> the Proseware admin account has no MFA",
        "<@U01TECH1> the Northwind Veeam copy job has been yellow for 3 nights",
        "<@U01TECH2> the Woodgrove secure score dropped 12 points this week",
    ],
)
def test_a_work_statement_with_a_concern_is_handed_to_her(text: str) -> None:
    v = verdict(text)
    assert v.is_request and v.rule == "request.report", v.rule


def test_a_negated_resolution_is_a_concern_not_a_resolution() -> None:
    assert verdict("<@U01TECH2> the Litware cutover is not done").is_request
    assert not verdict("<@U01TECH2> the Litware cutover is done").is_request


# --- who is addressed: a mention after a clause --------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Litware says nobody can log in, <@U01TECH3> it's getting worse", "request.problem"),
        (
            "we're 3 days out from the Tailspin move <@U01TECH1> and nobody has labelled the cables",
            "request.deadline",
        ),
        (
            "apologies if you already did it, <@U01TECH3>, but can you send the Wingtip quote",
            "request.ask",
        ),
        ("<@U02OTHER1> is out sick so <@U01TECH1> can you take the Adatum onsite", "request.ask"),
        ("sorry to shout <@U01TECH1> but the Proseware server shows a ransom note", None),
        ("I'd like to reboot the Wingtip DC at lunch, <@U01TECH1> good with that", None),
        ("the Fourth Coffee POS is offline again, <@U01TECH2> it's your area", None),
    ],
)
def test_a_mention_after_a_clause_addresses_her(text: str, rule: str | None) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    assert set(v.targets) <= PROTECTED
    if rule is not None:
        assert v.rule == rule


def test_a_mention_after_so_or_since_is_still_a_subject_when_a_verb_follows() -> None:
    assert not verdict("<@U02OTHER1> is out so <@U01TECH1> can go home early").is_request
    assert not verdict("the Wingtip onsite moved since <@U01TECH1> is sick").is_request


def test_an_fyi_beside_someone_elses_ask_tells_her_and_asks_nothing() -> None:
    text = "<@U02OTHER2> when you get a minute, the Litware Meraki needs a firmware bump (fyi <@U01TECH1>)"
    v = verdict(text)
    assert not v.is_request and v.rule == "none.someone-else"
    assert v.addressed == ("U02OTHER2",)


# --- what is asked: deadlines, status asks, questions without cue words ---------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("client is waiting on this by 3 <@U01TECH1>", "request.client"),
        ("<@U01TECH2> the Litware renewal has to be signed before friday", "request.deadline"),
        ("<@U01TECH1> only 30 min left on the response SLA for #51220", "request.deadline"),
        ("where are we on the Contoso ticket <@U01TECH1>", "request.question"),
        ("<@U01TECH2> how's the Litware migration coming along", "request.question"),
        ("<@U01TECH3> quick status check on the Proseware printer swap", "request.question"),
        (
            "morning <@U01TECH1> :coffee: did the Tailspin restore finish overnight",
            "request.question",
        ),
        (
            "sorry <@U01TECH1> dumb question but where do i find the site visit form",
            "request.question",
        ),
        ("remind me what the naming convention is for Contoso laptops <@U01TECH2>", "request.ask"),
        ("hoping <@U01TECH3> can get the Fourth Coffee true-up done before the invoice", None),
        ("in a perfect world the Proseware AP is in before their open house <@U01TECH2>", None),
        ("kinda wish someone would sort the Litware scanner... looking at you <@U01TECH1>", None),
        (
            "<@U01TECH2> Harbor Law says every file on the S: drive has a .locked extension!!",
            "request.problem",
        ),
    ],
)
def test_deadlines_status_asks_and_questions_without_cue_words_are_requests(
    text: str, rule: str | None
) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    assert v.rule in RULES
    if rule is not None:
        assert v.rule == rule


# --- answers, offers, news, praise, chat -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("<@U01TECH2> that onboarding script is a thing of beauty", "none.praise"),
        ("<@U01TECH1> your notes on #51002 are the gold standard", "none.praise"),
        ("let me take the Wingtip onboarding <@U01TECH3>, I did their last one", "none.offer"),
        ("if it helps <@U01TECH2>, I can stay late and watch the Tailspin restore", "none.offer"),
        ("<@U02OTHER1> and I can split your tickets today <@U01TECH1>, go rest", "none.offer"),
        ("<@U01TECH2> need an extra set of hands on the Contoso migration tonight?", "none.offer"),
        ("Lenovo finally gave us an ETA <@U01TECH3>, the laptops land Thursday", "none.news"),
        ("Microsoft shipped the fix for the Teams crash <@U01TECH1>", "none.news"),
        ("<@U01TECH3> Fortinet extended the renewal deadline to March", "none.news"),
        ("<@U01TECH2> the new on-call rotation got the green light from leadership", "none.news"),
        ("<@U01TECH2> you're not gonna believe this: the Globex outage was the cleaner", None),
        ("Autotask outage is resolved btw <@U01TECH1>, status page is green", None),
        (
            "sorry for the slow reply <@U01TECH1> — Wingtip has 40 laptops, 3 noncompliant",
            "none.answer",
        ),
        ("<@U01TECH3> it's under Settings → Templates → Onsite, took me ages", "none.answer"),
        ("<@U01TECH3> take a break, you've been staring at that switch config for hours", None),
        ("ty <@U01TECH2>, no worries on the delay, got what I needed", "none.self-answer"),
    ],
)
def test_answers_offers_news_praise_and_chat_with_work_words_are_let_through(
    text: str, rule: str | None
) -> None:
    v = verdict(text)
    assert not v.is_request, v.rule
    assert v.rule in RULES
    if rule is not None:
        assert v.rule == rule


def test_a_veto_takes_only_its_own_sentences_cues() -> None:
    praise_then_ask = (
        "<@U01TECH1> congrats on the cert :tada: well deserved. "
        "ok work stuff: the Litware auditor wants our patch logs"
    )
    assert verdict(praise_then_ask).rule == "request.client"
    value_then_question = (
        "<@U01TECH1>, the FortiGate sent 50+ IPS alerts from 10.0.4.22. worth investigating?"
    )
    assert verdict(value_then_question).is_request
    # but an answer that frames the whole message takes every sentence's implicit cues
    framed = "re your q <@U01TECH2> — the Fabrikam NAS is at 91%. the other one is fine"
    assert verdict(framed).rule == "none.answer"


def test_emoji_codes_and_punctuation_stay_apart_from_the_words_beside_them() -> None:
    v = verdict("morning! :sunny: <@U01TECH2> how far along is the fabrikam intune rollout")
    assert v.rule == "request.question"


# --- round 3: imperatives after a clause, "so <@U1>", question adverbs, more vetoes ----------


def test_an_imperative_after_a_clause_addresses_her_but_not_after_an_auxiliary() -> None:
    v = verdict("Wingtip's UPS is beeping again, <@U01TECH2> swap the battery when ur onsite")
    assert v.is_request and v.targets == ("U01TECH2",)
    other = verdict("<@U02OTHER1> did <@U01TECH3> send you the Tailspin config?")
    assert not other.is_request and other.rule == "none.someone-else"


def test_news_before_so_mention_does_not_veto_the_ask_after_it() -> None:
    text = "Globex just signed the premium plan so <@U01TECH2> their tickets go first from today"
    assert verdict(text).rule == "request.client"
    assert verdict("Globex just signed the premium plan, fyi <@U01TECH2>").rule.startswith("none.")


def test_did_with_a_question_adverb_asks_her() -> None:
    assert verdict("<@U01TECH3> did Wingtip ever send back the signed quote").rule == (
        "request.question"
    )
    assert not verdict("<@U01TECH3> is already on the Wingtip call").is_request


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Globex is our biggest account and they're waiting <@U01TECH1>", "request.client"),
        ("the Litware SSL goes at midnight <@U01TECH3>", "request.deadline"),
        ("the Fourth Coffee firewall admin page is open to the internet <@U01TECH3>", None),
        (
            "<@U01TECH2> pretty sure the Tailspin DC is running out of disk, just fyi",
            "request.hint",
        ),
        ("<@U01TECH1> the Acme file server disk is full", "request.problem"),
    ],
)
def test_round_three_requests(text: str, rule: str | None) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    if rule is not None:
        assert v.rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("<@U01TECH1> the Tailspin outage last night was on the ISP side, RCA is up", "none.news"),
        ("<@U01TECH3> Wingtip's old NAS is finally decommissioned", "none.news"),
        ("<@U01TECH3> Adatum hired a full-time IT person for first-line tickets", None),
        ("<@U01TECH1> the client called to say how fast you fixed their email", "none.praise"),
        ("<@U01TECH3> you made the Globex QBR look easy", "none.praise"),
        ("<@U01TECH1> I'm at Wingtip tomorrow, can grab their UPS while I'm there", "none.offer"),
        ("<@U01TECH2> the coffee machine is down again, send help :sob:", None),
    ],
)
def test_round_three_non_requests(text: str, rule: str | None) -> None:
    v = verdict(text)
    assert not v.is_request, v.rule
    if rule is not None:
        assert v.rule == rule


# --- round 4: conditions on her, wishes after her name, handovers, itself --------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("if <@U01TECH1> has a sec today the Wingtip VPN profile needs a tweak", None),
        ("<@U01TECH3> would love it if the Tailspin runbook got some love before the audit", None),
        ("fyi <@U01TECH3> I'm out tomorrow, the Tailspin migration is with you now", None),
        ("<@U01TECH2> RMM shows Adatum-FS01 rebooted itself twice overnight", "request.report"),
    ],
)
def test_round_four_requests(text: str, rule: str | None) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    if rule is not None:
        assert v.rule == rule


def test_i_asked_them_and_they_said_is_an_answer() -> None:
    v = verdict("<@U01TECH3> I asked Tailspin, they said the old server can go")
    assert not v.is_request and v.rule == "none.answer"


def test_a_mention_inside_someone_elses_question_is_still_not_addressed() -> None:
    assert not verdict("<@U02OTHER1> can you loop <@U01TECH2> in on the Globex ticket?").is_request
    assert not verdict("does anyone know if <@U01TECH1> finished the Contoso migration?").is_request


# --- round 5 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Alpine Vet's software won't open <@U01TECH2> they have surgeries at 10", None),
        ("<@U01TECH3> the Northwind admin password is the same as the wifi one", "request.report"),
        ("be great if someone re-cabled the rack, <@U01TECH3> you're onsite thurs right", None),
        (
            "fyi <@U01TECH2> the Bayside ticket bounced back from the vendor, it's back with you",
            None,
        ),
    ],
)
def test_round_five_requests(text: str, rule: str | None) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    if rule is not None:
        assert v.rule == rule


def test_round_five_non_requests() -> None:
    assert verdict("<@U01TECH3> clean work on the Northwind rack, looks like a showroom").rule == (
        "none.praise"
    )
    assert not verdict("<@U01TECH3> did you try the new taco place yet").is_request
