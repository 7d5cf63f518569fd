"""Interception rules, issue 18 round 7 (after frozen batch g, read once held out): emoji typed as
characters, her mention as the subject of a wished or wondered clause or as whom something is
needed from, alternatives asked without a "?", a dropped "I", arrows and headings that hand work
to her, verbless problem reports, offers and reports that carried ask words, and tasks that
follow a condition or a thanks. The rules alone (``second_stage=False``): each case fails without
its mechanism (checked by disabling each one)."""

from __future__ import annotations

import pytest

from tests.domain.interception_rules import asks, rule

# --- who is addressed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a typed emoji before her mention is read like a :code: emoji (a greeting's place)
        "⚠️ <@U01TECH1> the Fabrikam SAN shows both controllers offline",
        "🔥🔥 <@U01TECH2> Contoso mail flow stopped at 9:10",
        # after her mention, before the ask
        "good catch on the DNS thing <@U01TECH3> 👀 could you also check the MX records",
        # a :code: emoji there too, and a word before the ask
        "great demo today <@U01TECH3> :clap: also could you send the deck to Contoso",
    ],
)
def test_emoji_around_her_mention_leave_her_addressed(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "we really wish <@U01TECH1> would own the monthly patch reports",
        "wondering whether <@U01TECH2> remembers the admin login for the Fabrikam NAS",
        "it'd be great if <@U01TECH3> took the Contoso onboarding next week",
        "still need the go/no-go from <@U01TECH1> on the Tailwind cutover",
        "we'd love for <@U01TECH3> to run the Tailwind QBR demo",
    ],
)
def test_her_mention_as_the_subject_of_a_wish_or_a_need_is_an_ask(text: str) -> None:
    assert asks(text)


def test_something_wanted_from_her_is_a_wish() -> None:
    assert rule("would love a quick review from <@U01TECH2> on the new GPO") == "request.wish"


def test_a_wish_about_her_with_a_third_person_is_still_about_her() -> None:
    # the clause after her mention talks about her: no wish put to her
    assert not asks("I wish <@U01TECH1> would take a day off, she's been here since 6")


@pytest.mark.parametrize(
    "text",
    [
        "• Fabrikam: backup job failed twice overnight → <@U01TECH1> over to you",
        "Contoso scanner still jamming -> <@U01TECH2> can you swing by",
        "Notes for <@U01TECH3>:\n- Contoso NAS still beeping\n- the new hire laptop is not imaged yet",
    ],
)
def test_an_arrow_or_a_heading_before_her_mention_hands_it_to_her(text: str) -> None:
    assert asks(text)


def test_a_mention_after_a_comma_makes_put_and_set_imperatives() -> None:
    assert rule("morning <@U01TECH1>, set the Fabrikam mailbox to forward to Dana") == (
        "request.task"
    )
    # without the comma she is still the subject of "set up" (as before)
    assert not asks("<@U01TECH1> set up the Fabrikam mailbox last week")


def test_a_new_clause_with_thats_after_her_mention() -> None:
    text = "the new dentist starts monday, <@U01TECH1> that's a laptop and an M365 licence, can you sort it"
    assert rule(text) == "request.ask"


def test_if_she_is_up_puts_the_lines_after_it_to_her() -> None:
    assert asks("if <@U01TECH2> is awake\nthe Contoso firewall alert fired again\ncould use a hand")


# --- questions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> is Fabrikam on the E3 licences or the E5",
        "<@U01TECH2> did the Contoso restore test pass or not",
        "<@U01TECH3> are the Tailwind backups going to the NAS or to Wasabi",
    ],
)
def test_an_alternative_without_a_question_mark_is_a_question(text: str) -> None:
    assert rule(text) == "request.question"


def test_is_the_one_who_describes_her() -> None:
    assert not asks("<@U01TECH1> is the one who wrote the Northwind VPN runbook, for the new folks")


def test_a_dropped_i_before_cant_find_is_the_sender() -> None:
    assert asks("<@U01TECH2> can't locate the Tailwind warranty PDF on the shared drive")


@pytest.mark.parametrize(
    "text",
    [
        "<@U02OTHER2> told me to check with you <@U01TECH1> about the Contoso VLAN ids",
        "<@U01TECH2> third ping on this one",
        "<@U01TECH3> curious how you set up the Fabrikam conditional access, want to copy it",
        "<@U01TECH1> yay or nay on renewing the Tailwind Datto for another year",
    ],
)
def test_more_ways_of_asking(text: str) -> None:
    assert asks(text)


# --- answers, reports and offers that carried ask words -----------------------------------


def test_her_question_restated_after_to_your_question_is_answered() -> None:
    text = (
        "<@U01TECH1> to your question this morning, can we reuse the old licence keys — "
        "no, they're tied to the old tenant"
    )
    assert rule(text) == "none.answer"


def test_a_quoted_requirement_is_someone_elses_words() -> None:
    assert not asks(
        '<@U01TECH2> the MSA wording is "provider must respond within 2 hours", for reference'
    )


def test_an_eta_from_a_vendor_with_an_ampersand_is_news() -> None:
    assert rule("<@U01TECH3> ETA from B&H on the replacement drives is now friday") == "none.news"


def test_relayed_consent_gives_her_permission() -> None:
    assert not asks("<@U01TECH1> the client said ok, go ahead whenever you're ready")


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> I'm available to cover the 2pm Contoso call if you'd like",
        "<@U01TECH2> passing the Contoso office on my way home, want me to drop off the spare toner?",
        "<@U01TECH3> want me to restart the Fabrikam NAS tonight, or should I leave it for you?",
        "<@U01TECH1> taking the Fabrikam printer ticket, you stick with the audit",
    ],
)
def test_offers_and_jobs_taken_ask_nothing(text: str) -> None:
    assert rule(text) == "none.offer"


def test_teamwork_praise_with_a_problem_word() -> None:
    assert rule("<@U01TECH1> <@U01TECH2> great team effort on the Contoso migration outage") == (
        "none.praise"
    )


def test_standing_down_is_no_outage() -> None:
    assert not asks("<@U01TECH3> standing down on the Tailwind ticket since Dana has it")


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1>, status update: the Contoso escalation is now with the carrier. I will follow up at 4.",
        "<@U01TECH2>\nstatus\nTailwind NAS rebuilt overnight\nall shares back",
    ],
)
def test_a_status_heading_reports(text: str) -> None:
    assert not asks(text)


def test_a_lone_status_word_still_asks() -> None:
    assert asks("<@U01TECH2> status")


# --- problems and tasks -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> Fabrikam front desk no dial tone",
        "<@U01TECH2> scanner at Contoso not scanning to email for anyone",
    ],
)
def test_a_thing_that_does_not_work_without_a_verb_is_a_problem(text: str) -> None:
    assert rule(text) == "request.problem"


def test_something_that_keeps_happening_is_a_concern() -> None:
    assert rule("<@U01TECH3> the Contoso VPN drops every 10 minutes") == "request.report"


def test_a_condition_then_an_imperative_is_a_task() -> None:
    assert rule(
        "<@U01TECH1> once the new switch lands, swap it in at Tailwind and label the ports"
    ) == ("request.task")


def test_a_task_after_thanks_in_its_own_sentence() -> None:
    text = "thanks <@U01TECH2>, the printer works now. one more thing, reset Dana's MFA before she's back"
    assert rule(text) == "request.task"


def test_a_thanks_with_nothing_after_it_still_thanks() -> None:
    assert rule("thanks <@U01TECH2>, the printer works now") == "none.thanks"


def test_a_system_wanted_working_by_a_time_is_a_task() -> None:
    assert rule("<@U01TECH3> the Fabrikam front office needs Duo working before 8 tomorrow") == (
        "request.task"
    )


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> passing you #55123, I'm out at 5",
        "fyi <@U01TECH2> the Contoso backup is still failing after my retry, leaving it with you for tonight",
    ],
)
def test_handovers(text: str) -> None:
    assert rule(text) == "request.handover"


def test_a_ticket_with_her_name_on_it_is_a_hint() -> None:
    assert rule("<@U01TECH1> just saying, the Fabrikam NAS ticket has your name on it") == (
        "request.hint"
    )


def test_a_bare_mention_after_a_code_block_takes_the_block() -> None:
    assert asks("```\nCRITICAL disk C: 97% full on FAB-DC01\n```\n<@U01TECH1>")


def test_two_emoji_codes_before_her_mention() -> None:
    assert asks(":warning: :warning: <@U01TECH3> Fabrikam SAN controllers offline")


def test_thank_u_is_a_thanks() -> None:
    assert not asks("thank u <@U01TECH3> for covering the Tailwind shift, I'm back now")


# --- round 7, second part: mechanisms from the older spent batches' remaining errors ------


def test_voice_and_network_gear_are_work() -> None:
    assert rule("<@U01TECH1> which interface is the 3CX trunk on at Contoso?") == "request.question"


def test_an_inverted_question_right_after_a_mention_inside_a_sentence() -> None:
    text = "Huntress flagged FAB-LT-07 overnight <@U01TECH2> is this the same machine as tuesday?"
    assert rule(text) == "request.question"


@pytest.mark.parametrize(
    "text", ["<@U01TECH1> where did we land on the Contoso printer lease?", "<@U01TECH2> any joy?"]
)
def test_more_status_asks(text: str) -> None:
    assert rule(text) == "request.question"


@pytest.mark.parametrize(
    "text",
    [
        "if <@U01TECH1> has a spare 5 min, the Contoso scanner needs re-pairing",
        "it'd be a real relief if <@U01TECH3> looked over the Fabrikam DR plan",
    ],
)
def test_more_conditions_and_wishes_put_to_her(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> copy that, Contoso keeps the old firewall until march",
        "<@U01TECH2> heard, I won't reboot the Tailwind host until you say",
    ],
)
def test_an_acknowledgement_right_after_her_mention(text: str) -> None:
    assert rule(text) == "none.thanks"


def test_planned_maintenance_is_news() -> None:
    text = "<@U01TECH3> heads up: the Autotask portal is down for maintenance 10-11 tonight"
    assert rule(text) == "none.news"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> the Contoso mail issue is mitigated, mail is flowing again, writing the RCA now",
        "<@U01TECH2> cleanup complete on FAB-PC-12: malware quarantined, password reset",
        "<@U01TECH3> the Tailwind outage turned out to be the carrier, they fixed it on their end",
        "<@U01TECH2> I reset your Duo enrolment, try again",
    ],
)
def test_work_done_or_mitigated_asks_nothing(text: str) -> None:
    assert not asks(text)


def test_a_ticket_taken_so_she_does_not_have_to() -> None:
    assert rule("sorry <@U01TECH1> I've taken #77812 (Contoso scanner) so you don't have to") == (
        "none.offer"
    )


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> Fabrikam reception handsets all show unregistered",
        "<@U01TECH1> calls at Contoso are choppy for everyone",
    ],
)
def test_voice_faults_are_problems(text: str) -> None:
    assert rule(text) == "request.problem"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> might you pop by reception after lunch",
        "<@U01TECH2> <@U01TECH3> need one of you at the Tailwind office Friday 7am",
        "Dana signed off, <@U01TECH1>, so all that's left is for you to book the Contoso cutover",
        "<@U01TECH2> no idea how the Fabrikam VPN licences are counted, help",
        "<@U01TECH3> the Contoso cert renewal is waiting for you",
        "<@U01TECH1> :eyes: on my question from earlier",
    ],
)
def test_more_asks(text: str) -> None:
    assert rule(text) == "request.ask"


def test_tell_is_a_task_but_tell_me_you_is_chat() -> None:
    assert rule(
        "<@U01TECH2> if the Contoso office manager rings, tell her the tech is on the way"
    ) == ("request.task")
    assert not asks("<@U01TECH1> please tell me you saw the match last night")


def test_yours_on_its_own_hands_it_over() -> None:
    assert rule("Contoso DC disk at 97%. <@U01TECH3> yours") == "request.handover"


# --- round 7, third part: statements, offers and progress that carried request words ----


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> MFA enforced on Fabrikam, no login failures since",
        "<@U01TECH3> conditional access went live at Contoso at 6, nobody's locked out",
        "overnight recap <@U01TECH1>\n- Tailwind firewall rebooted for patches\n- nothing needs action",
        "<@U01TECH3> 6pm is fine, the office closes at 5",
    ],
)
def test_reports_that_nothing_is_wrong_ask_nothing(text: str) -> None:
    assert not asks(text)


def test_about_the_named_question_frames_an_answer() -> None:
    text = "<@U01TECH2> about the Tailwind printer question: the driver pack fails on the old model"
    assert rule(text) == "none.answer"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> Contoso's secure score dropped again, Priya is reviewing it with them tomorrow",
        "<@U01TECH2> the Fabrikam mailbox migration is at 70%, should wrap by 3",
    ],
)
def test_someone_else_on_it_or_progress_is_news(text: str) -> None:
    assert rule(text) == "none.news"


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH3> ringing you now",
        "<@U01TECH1> I have a spare UPS battery if the Contoso one dies again",
        "<@U01TECH2> if you need the Tailwind floor plan I still have a copy",
        "picking this one up <@U01TECH3>, seen that Datto error before",
    ],
)
def test_more_offers(text: str) -> None:
    assert rule(text) == "none.offer"
