"""Issue 18, round 2 (after frozen batch b): quoted speech is someone else's words; a mention after
a noun (``your call <@U1>``), a stranded preposition or a clause spoken to her addresses her;
completion reports, "nothing needed from you", status headings, acknowledgements and a thank-you
take the implicit cues away; reported consent is not an approval asked. Each case is decided
differently by the rules before this round (1f78455)."""

from __future__ import annotations

import pytest

from bot.domain.interception import RULES, Verdict, classify

PROTECTED = frozenset({"U01TECH1", "U01TECH2", "U01TECH3"})


def verdict(text: str) -> Verdict:
    # the rules alone: the second stage has its own tests (test_interception_model.py)
    return classify(text, protected=PROTECTED, second_stage=False)


# --- quoted speech ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'the client wrote "can you come friday instead?" so I booked friday 9am <@U01TECH2>',
        '<@U01TECH3> the owner asked "could someone look at the wifi" and Bob went out yesterday',
        "the voicemail “can you call me back” was for billing <@U01TECH1>, transferred it",
    ],
)
def test_an_ask_inside_quotes_is_someone_elses(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


def test_a_quote_that_asks_nothing_is_kept_as_text() -> None:
    v = verdict('<@U01TECH1> the Bayside PC shows a "your files are encrypted" screen')
    assert v.is_request and v.rule == "request.problem", v.rule


def test_an_ask_outside_the_quote_still_counts() -> None:
    v = verdict('the client keeps asking "is it fixed yet?" <@U01TECH1> can you call them back')
    assert v.is_request and v.rule == "request.ask", v.rule


# --- who is addressed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "quick call <@U01TECH3>?",
        "10 min call <@U01TECH3>?",
        "patch tonight or wait till the weekend? your call <@U01TECH2>",
        "need the Fabrikam admin creds, DM me <@U01TECH1>",
        "do you know which VLAN the Wingtip cameras are on <@U01TECH1>",
        "can you look at why the Wingtip DNS is flapping <@U01TECH1> lol",
    ],
)
def test_a_trailing_mention_after_a_noun_or_a_stranded_preposition_is_a_vocative(
    text: str,
) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    assert v.targets == (text.split("<@")[1].split(">")[0],)


@pytest.mark.parametrize(
    "text",
    [
        "can you email <@U01TECH1> the invoice",
        "can you email <@U01TECH1>",
        "I set up a call with <@U01TECH1>",
        "pretty sure the tech they mean is <@U01TECH1>",
        "the exec asked for the tech who fixed the printer, pretty sure that's <@U01TECH1>",
    ],
)
def test_a_mention_after_a_verb_or_a_copula_stays_an_object(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, v.rule
    assert "U01TECH1" not in v.addressed


@pytest.mark.parametrize(
    "text",
    [
        "did you patch that <@U01TECH3> or should I",
        "do you agree <@U01TECH2> or is that too early?",
        "need your ok on the Fabrikam firewall rule <@U01TECH2> before I push it",
        "sanity check pls <@U01TECH1> before I send the quote to the client",
    ],
)
def test_a_mention_closing_a_clause_spoken_to_her_addresses_her(text: str) -> None:
    assert verdict(text).is_request, verdict(text).rule


def test_a_mention_after_an_object_verb_is_not_addressed_even_before_or() -> None:
    v = verdict("can you ask <@U01TECH1> or Bob before Friday")
    assert not v.is_request and "U01TECH1" not in v.addressed


@pytest.mark.parametrize(
    "text",
    [
        "<@U02OTHER1> can you reset the owner's password? <@U01TECH2> did it last time",
        "<@U02OTHER1> you're on the firewall swap. <@U01TECH1> has the config backup if you need it",
        "Acme goes live tonight. <@U02OTHER1> is running it, <@U01TECH1> fyi as account owner",
    ],
)
def test_a_leading_mention_that_is_the_subject_is_not_asked(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


def test_did_either_of_you_is_still_a_question() -> None:
    v = verdict("<@U01TECH3> <@U01TECH1> did either of you hear back about the quote")
    assert v.is_request and set(v.targets) == {"U01TECH1", "U01TECH3"}


def test_i_e_does_not_end_a_sentence() -> None:
    v = verdict(
        "it'd really help if someone who knows the EHR joined the call, i.e. you <@U01TECH1>"
    )
    assert v.is_request and v.rule == "request.wish", v.rule


# --- completion and resolution ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Granite firewall cert renewed <@U01TECH1>, now expires 12/2027. all tunnels back up",
        "Contoso user offboarded <@U01TECH2>: AD disabled, license removed, mailbox converted",
        "<@U01TECH1> the rack move went fine, everything came back up first try",
        "any-any rule removed <@U01TECH2>, watched it for an hour, no complaints",
    ],
)
def test_a_completion_report_is_not_a_request(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)
    assert v.rule == "none.done"


@pytest.mark.parametrize(
    "text",
    [
        "renewed the cert <@U01TECH1> but the tunnels are still down",
        "<@U01TECH1> have you finished the Litware cutover",
        "<@U01TECH2> let's get the Datto agent installed on the new file server this week",
        "<@U01TECH2> RMM shows the file server rebooted itself twice overnight",
    ],
)
def test_a_completion_word_with_something_still_open_is_still_a_request(text: str) -> None:
    assert verdict(text).is_request, verdict(text).rule


@pytest.mark.parametrize(
    "text",
    [
        "moved the Pellham onsite to tuesday <@U01TECH2>. nothing needed from you",
        "the Summit escalation went to the vendor <@U01TECH1>, you're off the hook",
        "the URGENT banner on the portal is the vendor's maintenance notice <@U01TECH3>. ignore",
        "added the CA exception <@U01TECH3>, expires 12/20. just closing the loop",
        "the form was due friday <@U01TECH2> but they got an extension, so we're fine either way",
    ],
)
def test_a_message_that_says_nothing_is_needed_is_not_a_request(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)
    assert v.rule in {"none.resolved", "none.fyi"}  # "nothing needed" is an FYI word too


def test_an_ask_after_nothing_needed_still_counts() -> None:
    v = verdict("nothing needed from you on the RMM side <@U01TECH1>. but can you check the VPN?")
    assert v.is_request and v.rule == "request.ask", v.rule


def test_a_status_heading_reports_and_a_status_question_asks() -> None:
    v = verdict("update on Thistle <@U01TECH3>: 14/22 tablets enrolled, rest tomorrow")
    assert not v.is_request, v.rule
    assert verdict("<@U01TECH3> update on Thistle?").is_request


# --- thanks, acknowledgements, consent ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> thanks for the call flow doc, the new dispatcher picked it up in 10 min",
        "Thanks so much <@U01TECH3>!! Orchard Vet's owner called just to say how nice you were",
        "understood <@U01TECH1> — won't touch the firewall until after the change window",
    ],
)
def test_a_thank_you_or_an_acknowledgement_takes_the_implicit_cues(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)
    assert v.rule == "none.thanks"


def test_a_thank_you_with_an_explicit_ask_is_a_request() -> None:
    assert verdict("thanks <@U01TECH1>! can you also check the Wingtip backups?").is_request


def test_reported_consent_is_not_an_approval_asked() -> None:
    v = verdict("told the owner you're booked till the 15th <@U01TECH1>. he's fine with that")
    assert not v.is_request, v.rule
    assert "U01TECH1" in v.addressed
    assert verdict("are you fine with that <@U01TECH1>?").is_request


# --- answers, offers, asks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "you asked who owns Nordvik <@U01TECH3> — it's me now, Bob moved to projects",
        "short answer <@U01TECH2>: no, the SonicWall can't do that without the CSE license",
        "re the question you asked in standup <@U01TECH2>: yes, Datto SaaS covers it",
        '<@U01TECH3> to your "who approved this?" — the client\'s COO, email is on the CR',
        "the change window is 22:00-02:00 tonight <@U01TECH3>. answered your DM here",
    ],
)
def test_answers_framed_as_answers_are_not_requests(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)
    assert v.rule in {"none.answer", "none.resolved", "none.statement", "none.done"}


@pytest.mark.parametrize(
    "text",
    [
        "taking the Juniper onsite off your plate <@U01TECH1>, I'm in the area anyway",
        "grabbed #48402 from your queue <@U01TECH3>, you're slammed",
        "I'm free after 3 if you want a second pair of eyes on the Pellham firewall <@U01TECH1>",
    ],
)
def test_self_assignment_and_conditional_offers_are_offers(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)
    assert v.rule == "none.offer"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("taking PTO so <@U01TECH3> you'll need to own the Nordvik project", "request.ask"),
        ("<@U01TECH3> any ideas before I call Autodesk", "request.ask"),
        ("handing Willow Creek ticket #48633 to you <@U01TECH3>", "request.handover"),
        ("would appreciate it if you could own the Entra cleanup <@U01TECH1>", "request.wish"),
        # round 6: a system that needs something done, said to her, is a task
        ("the new Square terminals need a DHCP reservation each <@U01TECH1>", "request.task"),
        (
            "need a volunteer for the Silverline onsite friday. <@U01TECH1> you're closest",
            "request.hint",
        ),
        (
            "the fax server alert fired again — <@U01TECH1> this is the one you patched",
            "request.hint",
        ),
        (
            "the auditor wants the engineer who configured it.\n<@U01TECH2> that's you",
            "request.hint",
        ),
        (
            "not sure who owns the Datto alert. <@U01TECH3> wasn't that your rollout",
            "request.question",
        ),
        ("<@U01TECH1> ^", "request.question"),
    ],
)
def test_asks_designations_and_bumps(text: str, rule: str) -> None:
    v = verdict(text)
    assert v.is_request and v.rule == rule, (v.rule, v.cues)


def test_you_were_right_is_not_a_right_question() -> None:
    v = verdict(
        "the CAD machine has a 3060, not the 4070 they quoted <@U01TECH1>. so you were right"
    )
    assert not v.is_request, v.rule


# --- a question before she is addressed ----------------------------------------------------------


def test_a_question_before_the_vocative_is_put_to_her() -> None:
    v = verdict(
        "is the Corvid patch policy set to auto-reboot? <@U01TECH2> they got rebooted mid-demo"
    )
    assert v.is_request and v.rule == "request.question", v.rule


@pytest.mark.parametrize(
    "text",
    [
        "who has the Fabrikam FortiGate password? <@U01TECH3> usually has it",
        "who has the Fabrikam FortiGate password? cc <@U01TECH3>",
        "Ticket 4410 resolved - was a bad patch cable. cc <@U01TECH1>",
    ],
)
def test_a_rooms_question_or_a_cc_is_not_put_to_her(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


def test_the_verdict_lists_the_cues_that_counted() -> None:
    v = verdict("<@U01TECH1> the Acme server is down, can you look?")
    assert v.cues[0] == "ask" and "problem" in v.cues
    assert verdict("<@U01TECH1> thanks!").cues == ()


def test_every_new_rule_is_known() -> None:
    assert {"none.done", "none.resolved"} <= set(RULES)


# --- round 6 and 7 probes: a lone problem word that is past, negated or part of another word ---


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH2> the new runbook for the Northwind failover is really good",
        "<@U01TECH3> Northwind DC migration is 80% there, finishing tomorrow",
        "Datto pushed their agent update overnight <@U01TECH2>, nothing broke",
        "<@U01TECH3> just got off the phone with Litware, they're happy with the wifi, no more dropouts",
        "the Contoso backup that failed tuesday ran clean last night <@U01TECH2>",
        "found out why the Litware scanner was failing <@U01TECH2>: SMB1 got turned off",
        "Bayside emailed again about the slow internet, I'm calling him now <@U01TECH2>",
        "<@U01TECH3> if the Contoso migration runs long tonight I can stay and babysit it",
        "<@U01TECH2> Bayside cutover went smooth, all phones registered by 6:20",
    ],
)
def test_a_problem_word_that_is_past_negated_or_another_word_asks_nothing(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


@pytest.mark.parametrize(
    "text",
    [
        "any reason the Litware backup job is set to 2am and not midnight <@U01TECH2>",
        "if you could get the Contoso exclusions reviewed by Wed <@U01TECH2>, that'd help",
        "<@U01TECH3> the Contoso DC clock is 6 min off",
        "<@U01TECH2> Tailspin asked if we can do the migration this weekend",
        "<@U01TECH1> the backup failed again last night after the patch",
    ],
)
def test_an_open_problem_or_a_question_still_counts(text: str) -> None:
    v = verdict(text)
    assert v.is_request, (v.rule, v.cues)


# --- round 8 probes: wonder, a named source, someone else's outage ---


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("how did you even get the Contoso printer to work <@U01TECH1>?? wizardry", "none"),
        ("<@U01TECH2> who knew the old Bayside NAS could still do 100MB/s, nice tuning", "none"),
        ("they use Sophos, not Defender <@U01TECH3>. I asked their office manager", "none.answer"),
        (
            "<@U01TECH1> heads up, Exchange Online is having an outage, it's on their side",
            "none.resolved",
        ),
        ("<@U01TECH1> heads up, Exchange Online is down, nothing we can do", "none.resolved"),
    ],
)
def test_wonder_sourced_answers_and_someone_elses_outage_ask_nothing(text: str, rule: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)
    assert v.rule.startswith(rule)


def test_a_real_how_question_still_asks() -> None:
    v = verdict("<@U01TECH1> how did you get the Contoso printer to map over the VPN?")
    assert v.is_request and v.rule == "request.question", v.rule


# --- round 9: precision first for statements; hedges; the sender's own commitments ---


@pytest.mark.parametrize(
    "text",
    [
        # a weak concern alone (tonight, dropped, a percentage, looks like …) no longer hands
        # a statement to her: a false interception costs more than a miss
        "<@U01TECH1> Contoso SQL maintenance plan set up, first run is tonight",
        "<@U01TECH1> Litware's ticket volume dropped 40% since the new onboarding checklist",
        "<@U01TECH2> the Wingtip backup is sending its report to the shared mailbox now",
        "<@U01TECH1> re #48920 - the user was on the wrong SSID, moved her to corp, she's good",
        "<@U01TECH1> sql plan rebuilt, first run tonight, i'll check it in the morning",
        "<@U01TECH2> need me to grab the spare switch from the office for tomorrow?",
        "<@U01TECH3> ping me if you want me to test the new Meraki SSID from my laptop",
    ],
)
def test_weak_evidence_or_the_senders_own_commitment_is_not_intercepted(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "could be nothing <@U01TECH2>, but the admin logged in at 3am from a new device",
            "request.hint",
        ),
        ("random but the Wingtip NAS fan sounds like a jet engine <@U01TECH3>", "request.hint"),
        ("<@U01TECH1> the Acme backup has been yellow for 3 nights", "request.report"),
        ("<@U01TECH3> Tailspin's backup retention is 3 days, that seems short", "request.report"),
        (
            "<@U01TECH2> M365 shows the accounting mailbox sending hundreds of msgs",
            "request.report",
        ),
        (
            "<@U01TECH2> Proseware wants 5 more seats, i'll order unless you say otherwise",
            "request.approval",
        ),
        ("<@U01TECH2> want me to go ahead and order the Fabrikam drives?", "request.approval"),
        (
            "hey <@U01TECH2> r u able to do the Harbor Law site visit tues instead of me",
            "request.ask",
        ),
        (
            "<@U02OTHER1> <@U01TECH2> which of you has the Fabrikam Dell service tag?",
            "request.question",
        ),
    ],
)
def test_hedged_hints_strong_concerns_and_open_approvals_still_ask(text: str, rule: str) -> None:
    v = verdict(text)
    assert v.is_request and v.rule == rule, (v.rule, v.cues)


# --- round 10: problem words in explanations, drills and news about others ---


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> the outage last tuesday at contoso was their ISP, they gave us a credit",
        "<@U01TECH3> the wingtip printer issue was a driver thing, the new one is on the share",
        "yes <@U01TECH2> the bayside server was slow because of the AV scan, moved it to 2am",
        "<@U01TECH1> the reason the fabrikam backups were missing is the retention got changed",
        "<@U01TECH3> litware phishing test results are in: 4 clicks out of 60",
        "crowdstrike is having issues again per reddit <@U01TECH2>, none of ours run it",
        "<@U01TECH1> big M365 outage in europe, our clients are not affected so far",
        "don't need anything <@U01TECH2>, just wanted to say the teachers love the new wifi",
    ],
)
def test_explained_past_problems_drills_and_others_outages_ask_nothing(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


@pytest.mark.parametrize(
    "text",
    [
        # a negated verb no longer silences the rest of its sentence
        "<@U01TECH1> northwind's SSL cert expires next week and I don't see a renewal ticket",
        # a question is not an answer even when it names a reason
        "any reason the Litware backup job is set to 2am and not midnight <@U01TECH2>",
        "<@U01TECH3> the Contoso DC has been logging kerberos errors since the patch",
        "<@U01TECH1> the backup is failing because the disk is full",
        "ok real question <@U01TECH1> — is the Contoso firewall on 7.2 yet",
    ],
)
def test_present_problems_and_questions_still_ask(text: str) -> None:
    v = verdict(text)
    assert v.is_request, (v.rule, v.cues)


# --- round 11 ---


@pytest.mark.parametrize(
    "text",
    [
        '<@U01TECH1> the litware CFO called you "the only IT person who explains things"',
        "the bayside client loves <@U01TECH1>, keeps asking for her by name",
        "<@U01TECH2> bayside's DMARC is at p=quarantine now, reports look clean",
        "not yet <@U01TECH3>, the vendor says the part ships monday",
    ],
)
def test_round_11_others_ask_nothing(text: str) -> None:
    v = verdict(text)
    assert not v.is_request, (v.rule, v.cues)


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> the bayside backup job is taking 9 hours now, used to be 2",
        "<@U01TECH3> need a hand with the alpine vet cutover tonight, you in?",
        "<@U01TECH1> who at litware signs off on purchases?",
        "<@U01TECH2> Fabrikam called about #48211 again, the scanner is still down",
        "bitlocker key pls <@U01TECH2>, he's on a job site",
    ],
)
def test_round_11_requests_ask(text: str) -> None:
    v = verdict(text)
    assert v.is_request, (v.rule, v.cues)
