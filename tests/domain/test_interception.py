"""The interception rule set: who a message is put to, the request cues, the vetoes, lanes."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.interception import (
    RULES,
    LaneHint,
    Verdict,
    asks_a_question,
    classify,
    keyword_baseline,
    mentioned_users,
)

PROTECTED = frozenset({"U01TECH1", "U01TECH2", "U01TECH3"})
DATASET = Path(__file__).resolve().parents[2] / "bench" / "interception_messages.tsv"
LANES = (
    LaneHint("sla-risk", ("sla", "overdue")),
    LaneHint("alert", ("alert", "backup", "veeam", "datto")),
    LaneHint("coverage", ("cover", "coverage", "on-call", "shift")),
    LaneHint("client-request", ("faster", "priority", "expedite", "asap")),
    LaneHint("change", ("reboot", "patch", "firmware")),
    LaneHint("security", ("phishing", "ransomware", "mfa")),
    LaneHint("onsite", ("onsite", "site visit")),
)


REASONS = {
    "ask": "ask to",
    "approval": "approval asked of",
    "question": "question to",
    "coverage": "coverage ask to",
    "client": "client priority for",
    "problem": "problem reported to",
    "hint": "hint to",
    "task": "task for",
    "report": "work handed to",
}


def verdict(text: str, sender: str | None = None) -> Verdict:
    # the rules alone: the second stage has its own tests (test_interception_model.py)
    return classify(text, protected=PROTECTED, lanes=LANES, sender=sender, second_stage=False)


# --- mention parsing -----------------------------------------------------------------------


def test_mentioned_users_reads_both_mention_forms_in_order_without_repeats() -> None:
    text = "<@U01TECH2|dana> and <@U01TECH1> — <@U01TECH2> again, <@W0ENTERPRISE>"
    assert mentioned_users(text) == ["U01TECH2", "U01TECH1", "W0ENTERPRISE"]


def test_mentioned_users_ignores_channels_groups_links_and_plain_text() -> None:
    text = "<#C01DESK|desk> <!subteam^S01DESK> <!here> <https://x.example/@U1|@U1> @U01TECH1"
    assert mentioned_users(text) == []


def test_named_mention_is_a_target_by_its_id() -> None:
    v = verdict("<@U01TECH1|sam> can you check the backup alert for Acme?")
    assert v.is_request and v.targets == ("U01TECH1",)


def test_link_labels_and_channels_do_not_confuse_the_reading() -> None:
    v = verdict(
        "<@U01TECH1> this one looks like yours <https://acme.myconnectwise.net/t/55221|#55221> "
        "(see <#C01DESK|service-desk>)"
    )
    assert v.is_request and v.reason.startswith("hint")


# --- requests: each cue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("<@U01TECH1> can you check the backup alert for Acme?", "ask"),
        ("<@U01TECH2> please update Autotask ticket 44121 with the notes", "ask"),
        ("<@U01TECH1> any chance you could set up the shared mailbox for Northwind?", "ask"),
        ("<@U01TECH2> mind taking ticket #88213? printer mapping at Litware", "ask"),
        ("<@U01TECH1> when you get a sec, re-run the Veeam job for Northwind", "ask"),
        ("<@U01TECH1> ok to reboot the SQL box tonight?", "approval"),
        ("<@U01TECH3> need your sign-off on the Fabrikam firewall change", "ask"),
        ("<@U01TECH1> I want to roll back the Intune policy at Acme, any objection?", "approval"),
        ("<@U01TECH1> who's on call tonight, you or Dana?", "coverage"),
        ("<@U01TECH3> is the Contoso VPN fixed yet?", "question"),
        ("<@U01TECH1> did the new switch for Acme ship yet", "question"),
        ("<@U01TECH1> status?", "question"),
        ("<@U01TECH1> could you cover the 7am shift tomorrow", "ask"),
        ("<@U01TECH3> Fabrikam asked for a faster turnaround on the firewall quote", "client"),
        ("<@U01TECH1> Wingtip wants 88122 done asap, they have an audit", "client"),
        ("<@U01TECH1> the Acme firewall is down", "problem"),
        ("<@U01TECH1> the Veeam job for Northwind failed again last night", "problem"),
        ("<@U01TECH1> you might want to look at the Contoso backups", "ask"),
        ("<@U01TECH2> might be worth checking the Meraki logs at Acme", "hint"),
        ("<@U01TECH3> noticed the Acme DC is still on 2012 R2, on your radar?", "question"),
        ("<@U01TECH1> grab ticket 55102", "task"),
        ("<@U01TECH2> renew the SSL cert on the Adatum portal before tuesday", "task"),
        ("<@U01TECH1> the Northwind Veeam copy job has been yellow for 3 nights", "report"),
        ("<@U01TECH2> Globex's M365 storage is at 98%", "problem"),
    ],
)
def test_requests_are_intercepted_with_the_cue_as_reason(text: str, cue: str) -> None:
    v = verdict(text)
    assert v.is_request, v.reason
    assert v.reason.startswith(REASONS[cue]), v.reason
    assert v.reason.endswith(f"<@{v.targets[0]}>")


@pytest.mark.parametrize(
    "text",
    [
        "hey <@U01TECH1> how was the weekend? also could you look at ticket 4411 when you can",
        "<@U01TECH1> congrats on the cert!! btw any chance you could look at the Contoso VPN?",
        "<@U01TECH1> happy birthday!! :birthday: also sorry to bug you but Northwind is down again",
        "<@U01TECH1> thanks for yesterday! can you also do the same GPO change for Northwind?",
    ],
)
def test_a_request_after_small_talk_or_thanks_is_still_a_request(text: str) -> None:
    assert verdict(text).is_request


@pytest.mark.parametrize(
    "text",
    [
        "anyone around to cover Thursday? <@U01TECH1>",
        "who can take the Globex site visit wednesday? <@U01TECH2>",
        "any chance someone can cover Pat's tickets while she's out? <@U01TECH1> <@U01TECH2>",
    ],
)
def test_a_mention_appended_to_a_room_question_puts_it_to_that_person(text: str) -> None:
    v = verdict(text)
    assert v.is_request
    assert set(v.targets) == set(mentioned_users(text))


def test_a_trailing_vocative_addresses_the_person() -> None:
    assert verdict("can you take a look at ticket 4477 <@U01TECH1>").targets == ("U01TECH1",)
    assert verdict("pls check the Contoso backup report when you can <@U01TECH2>").is_request


def test_only_the_addressed_protected_people_are_targets() -> None:
    v = verdict("<@U01TECH1> can you ask <@U01TECH2> about the Acme backups?")
    assert v.targets == ("U01TECH1",)
    both = verdict("<@U01TECH1> <@U01TECH3> can one of you take the Contoso onsite friday?")
    assert both.targets == ("U01TECH1", "U01TECH3")


def test_inverted_questions_are_not_read_as_talk_about_them() -> None:
    assert verdict("<@U01TECH1> is 55210 still waiting on the client or can I close it").is_request
    assert verdict("<@U01TECH1> is it ok if I put you on the rotation for the holiday week?")
    assert verdict("<@U01TECH2> did Fabrikam ever send the list of users for the MFA rollout?")


# --- not requests: each exclusion ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("thanks <@U01TECH1>!", "thanks"),
        ("<@U01TECH2> you're a legend, that fixed it :pray:", "thanks"),
        ("<@U01TECH1> thanks, can you believe it was DNS again", "thanks"),
        ("<@U01TECH3> awesome, thank you! Globex just confirmed email is flowing", "thanks"),
        ("<@U01TECH1> fyi the patch window moved to Saturday", "fyi or cc"),
        ("cc <@U01TECH1>", "fyi or cc"),
        ("Closed ticket 55120, client confirmed it's working. cc <@U01TECH1>", "fyi or cc"),
        ("<@U01TECH3> fyi no need to check the Fabrikam alert, it was a planned reboot", None),
        ("<@U01TECH1> never mind, found it", "answered their own question"),
        ("<@U01TECH1> answered my own question, it was DNS", "answered their own question"),
        ("<@U01TECH2> false alarm on the Contoso outage, their ISP blipped", None),
        ("<@U01TECH1> figured it out - Globex had the wrong DNS suffix", None),
        ("<@U01TECH2> did you see the game last night?", "small talk"),
        ("<@U01TECH1> welcome back! how was Cancun?", "small talk"),
        ("<@U01TECH1> enjoy your vacation! don't check slack", "small talk"),
        ("I asked <@U01TECH1> yesterday, he said it's fine", "third person"),
        ("<@U01TECH1> is out today, ping me instead", "third person"),
        ("<@U01TECH1> and I are heading to the Fabrikam onsite now", "third person"),
        ("<@U01TECH1>'s fix for the Contoso printer is holding", "third person"),
        ("<@U01TECH2|dana> is the Meraki expert here, she did the Wingtip deployment", None),
        ("<@U02OTHER1> can you ask <@U01TECH1> about it", "request to someone else"),
        ("hey <@U02OTHER1>, <@U01TECH1> said you have the Meraki creds, can you send them?", None),
        ("<@U02OTHER2> <@U01TECH1> is out, can you handle his Northwind tickets?", None),
        ("<@U02OTHER2> is the Tailspin quote ready? <@U01TECH1> needs it for the call", None),
        ("<!here> who can cover Thursday? <@U01TECH1> is out", "to the room"),
        ("anyone around to cover Thursday? <@U01TECH1> is at the Wingtip onsite", "to the room"),
        ("<!channel> the Acme firewall is down, <@U01TECH1> is on it", "to the room"),
        ("can somebody other than <@U01TECH1> look at the Fabrikam alert", "to the room"),
        ("<!channel> Northwind outage is resolved, thanks <@U01TECH1>", None),
    ],
)
def test_non_requests_are_let_through(text: str, reason: str | None) -> None:
    v = verdict(text)
    assert not v.is_request, v.reason
    assert v.targets == ()
    if reason is not None:
        assert v.reason == reason


def test_a_new_explicit_ask_after_a_self_answer_counts() -> None:
    assert verdict("<@U01TECH1> never mind the Acme one, found it. can you check 4412 though?")
    assert not verdict("<@U01TECH1> never mind the Acme one, found it. 4412 failed too").is_request


def test_a_self_answer_phrase_inside_a_question_is_not_a_self_answer() -> None:
    assert verdict("<@U01TECH1> is Globex's new hire all set up for monday?").is_request


def test_a_request_to_someone_else_is_not_put_to_the_protected_person() -> None:
    only_other = classify("<@U02OTHER1> can you check the Acme backup?", protected=PROTECTED)
    assert not only_other.is_request
    assert only_other.reason == "no protected person mentioned"


def test_the_sender_is_never_a_target_of_their_own_message() -> None:
    text = "<@U01TECH1> <@U01TECH2> can one of you take the Acme onsite?"
    assert verdict(text, sender="U01TECH1").targets == ("U01TECH2",)
    assert not verdict("<@U01TECH1> can you check?", sender="U01TECH1").is_request


def test_unprotected_mentions_are_never_targets() -> None:
    v = classify("<@U01TECH1> can you check the alert?", protected={"U01TECH2"})
    assert not v.is_request and v.reason == "no protected person mentioned"


def test_empty_and_markup_only_texts_are_not_requests() -> None:
    for text in ("", "   ", "<@U01TECH1>", ":wave:", "<!here>"):
        assert not verdict(text).is_request


# --- urgency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> the Acme firewall is down",
        "<@U01TECH2> Contoso is reporting all users can't log in to M365!!",
        "<@U01TECH1> possible ransomware at Fabrikam, files renamed .locked",
        "<@U01TECH3> outage at Wingtip :rotating_light:",
        "<@U01TECH1> we've got a breach alert from Huntress on LITWARE-WS12",
        "<@U01TECH2> Contoso's CFO clicked a phishing link",
        "<@U01TECH1> urgent: Tailspin's DC is unreachable",
    ],
)
def test_urgent_reports_suggest_the_highest_severity(text: str) -> None:
    v = verdict(text)
    assert v.is_request and v.urgent


@pytest.mark.parametrize(
    "text",
    [
        "<@U01TECH1> can you check the backup alert for Acme?",
        "<@U01TECH1> can you slow down the patch rollout at Acme?",
        "<@U01TECH1> can you write down the steps for the Contoso VPN?",
        "<@U01TECH1> Fabrikam asked for a faster turnaround on the quote",
    ],
)
def test_ordinary_requests_are_not_urgent(text: str) -> None:
    v = verdict(text)
    assert v.is_request and not v.urgent


# --- lane suggestion -----------------------------------------------------------------------


def test_lanes_are_ranked_by_keyword_matches_and_all_are_present() -> None:
    v = verdict("<@U01TECH1> the Veeam backup alert for Acme fired again, can you check?")
    assert v.suggested_lanes[0] == "alert"
    assert sorted(v.suggested_lanes) == sorted(lane.key for lane in LANES)


def test_more_keyword_matches_rank_higher_and_ties_keep_the_configured_order() -> None:
    v = verdict("<@U01TECH1> can you cover the on-call shift? and reboot the box after")
    assert v.suggested_lanes[:2] == ("coverage", "change")
    none = verdict("<@U01TECH1> can you look at this?")
    assert none.suggested_lanes == tuple(lane.key for lane in LANES)


def test_keywords_match_whole_words_with_simple_inflections() -> None:
    lanes = (LaneHint("a", ("patch",)), LaneHint("b", ("backup",)))
    v = classify("<@U01TECH1> can you check the backups?", protected=PROTECTED, lanes=lanes)
    assert v.suggested_lanes == ("b", "a")
    dispatch = classify("<@U01TECH1> can you dispatch someone?", protected=PROTECTED, lanes=lanes)
    assert dispatch.suggested_lanes == ("a", "b")  # "patch" inside "dispatch" is no match


def test_the_lane_key_counts_as_a_keyword() -> None:
    lanes = (LaneHint("alert", ()), LaneHint("onsite", ()))
    v = classify("<@U01TECH1> can we get someone onsite?", protected=PROTECTED, lanes=lanes)
    assert v.suggested_lanes == ("onsite", "alert")


def test_lanes_are_ranked_even_without_protected_people() -> None:
    v = classify("Fabrikam wants this expedited asap", protected=(), lanes=LANES)
    assert not v.is_request
    assert v.suggested_lanes[0] == "client-request"


def test_no_lanes_give_no_suggestions() -> None:
    assert classify("<@U01TECH1> can you check?", protected=PROTECTED).suggested_lanes == ()


# --- the baseline --------------------------------------------------------------------------


def test_keyword_baseline_is_a_protected_mention_plus_any_keyword() -> None:
    assert keyword_baseline("<@U01TECH1> can you check?", protected=PROTECTED)
    assert keyword_baseline("<@U02OTHER1> can you ask <@U01TECH1>?", protected=PROTECTED)
    assert not keyword_baseline("<@U01TECH1> the firewall is down", protected=PROTECTED)
    assert not keyword_baseline("<@U02OTHER1> can you check?", protected=PROTECTED)


# --- the labelled set ----------------------------------------------------------------------

REQUEST_CATEGORIES = {
    "task",
    "alert-check",
    "status-ask",
    "coverage",
    "client-priority",
    "urgent-report",
    "hint",
    "approval",
    "after-small-talk",
}
OTHER_CATEGORIES = {
    "thanks",
    "fyi-cc",
    "self-answer",
    "social",
    "third-person",
    "to-someone-else",
    "to-the-room",
}


def test_the_labelled_set_loads_with_both_labels_and_every_category() -> None:
    rows = [
        line.split("\t")
        for line in DATASET.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(rows) >= 400
    assert all(len(row) == 3 and row[2].strip() for row in rows)
    labels = Counter(row[0] for row in rows)
    assert set(labels) == {"request", "other"}
    assert 0.4 <= labels["request"] / len(rows) <= 0.6
    by_label = {label: {row[1] for row in rows if row[0] == label} for label in labels}
    assert by_label["request"] == REQUEST_CATEGORIES
    assert by_label["other"] == OTHER_CATEGORIES
    assert len({row[2] for row in rows}) == len(rows), "duplicate messages"
    for _, _, text in rows:
        assert set(mentioned_users(text)) & PROTECTED, text


# --- issue 18: who is addressed, wherever the mention sits ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a vocative after a greeting, an apology, an emoji or a clause
        "sorry to bug you <@U01TECH1>, could you unlock the admin account on the Northwind PC",
        "sry <@U01TECH2> one more: can u check the share perms on the Northwind NAS",
        ":wave: <@U01TECH3> can you whitelist the vendor in the Contoso spam filter",
        "heads up <@U01TECH1> Huntress isolated 3 machines at Harbor Law",
        "need a new shared mailbox for Harbor Law billing, <@U01TECH2> can you set it up pls",
        'the Veeam job for Contoso failed w/ "no space" <@U01TECH3> pls check',
        "noticed the Veeam repo for Contoso is creeping up <@U01TECH1>, worth keeping an eye on",
        # at the end, also after a preposition that ends a question
        "the Harbor Law firewall is rebooting in a loop <@U01TECH2>",
        "which vlan is the Fabrikam voip on <@U01TECH3>",
        "it would be nice to have the Northwind docs done by friday if you can swing it <@U01TECH1>",
        # beside someone else who is only talked about
        "<@U02OTHER1> thinks they're fine but <@U01TECH2> can you confirm the reboot tonight",
    ],
)
def test_a_vocative_anywhere_in_the_sentence_addresses_them(text: str) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    assert set(v.targets) <= PROTECTED and v.targets


def test_a_request_with_someone_else_ccd_is_hers_and_theirs_beside_her_is_not() -> None:
    hers = verdict("<@U01TECH1> the Contoso backup failed again, cc <@U02OTHER2>")
    assert hers.is_request and hers.targets == ("U01TECH1",)
    theirs = verdict("<@U02OTHER2> please take #48213, <@U01TECH2> is swamped")
    assert not theirs.is_request and theirs.rule == "none.someone-else"
    shown = verdict("<@U02OTHER1> can you show <@U01TECH3> how the new Autotask board works?")
    assert not shown.is_request
    not_hers = verdict("<@U02OTHER1> the Litware ticket is for you not <@U01TECH3>, grab it?")
    assert not not_hers.is_request


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("<@U01TECH1> i'd appreciate it if you could update the Fabrikam doc", "request.wish"),
        ("it'd really help if <@U01TECH2> could take the Contoso onboarding", "request.wish"),
        ("if you get a minute <@U01TECH3>, the Meraki config could use a sanity check", None),
        ("hoping <@U01TECH1> can take a look at the Northwind DHCP issue", None),
        ("fyi <@U01TECH1> the Contoso nightly Veeam job failed again, it's yours now", None),
        ("<@U01TECH2> fyi the Fabrikam patch job errored on 9 machines, over to you", None),
        ("fyi <@U01TECH3> Autopilot at Contoso is failing, assigned #48560 to you", None),
        ("countdown <@U01TECH1>: the Contoso cutover window closes at 6", "request.deadline"),
        ("the audit questionnaire is due friday and half the answers are yours <@U01TECH3>", None),
        ("<@U01TECH1> can the Northwind Meraki do content filtering without the license", None),
        ("<@U01TECH3> know if Contoso has E3 or E5", "request.ask"),
        ("you free after 4 for a quick handover on the Northwind stuff <@U01TECH1>", None),
        ("Client just called again about #48290. <@U01TECH1> where's that at?", None),
    ],
)
def test_wishes_conditions_handovers_deadlines_and_bare_questions_are_requests(
    text: str, rule: str | None
) -> None:
    v = verdict(text)
    assert v.is_request, v.rule
    assert v.rule.startswith("request.") and v.rule in RULES
    if rule is not None:
        assert v.rule == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # answers to her own question: a value, a place, a yes/no, "re your q"
        ("<@U01TECH1> it's VLAN 20 for voice at Fabrikam, 10 for data", "none.answer"),
        ("<@U01TECH2> re your question: Northwind is on E3, 42 seats", "none.answer"),
        ("<@U01TECH3> the license keys are in the Harbor Law vault in IT Glue", "none.answer"),
        ("<@U01TECH1> no, the user wasn't on VPN when it happened", "none.answer"),
        ("<@U01TECH2> the onsite contact is Maria, ext 201", "none.answer"),
        # offers of help, even as a question or with "let me know"
        ("<@U01TECH2> want me to grab the Contoso ticket? I'm free", "none.offer"),
        ("<@U01TECH2> let me know if you want a hand with the Fabrikam migration", "none.offer"),
        ("<@U01TECH2> i can write the RCA for Contoso if you're swamped", "none.offer"),
        ("<@U01TECH3> need a hand with the Harbor Law firewall? I'm free after 3", "none.offer"),
        # news carrying request words
        ("<@U01TECH1> the Contoso change got approved by CAB", "none.news"),
        ("<@U01TECH2> ETA from the vendor is Friday for the Fabrikam switch", "none.news"),
        ("<@U01TECH1> Microsoft says the Exchange Online outage is resolved", None),
        ("<@U01TECH3> can you believe Harbor Law wants to go back to on-prem exchange lol", None),
        # praise without a thanks word, chat with work words
        ("<@U01TECH3> absolute wizardry with that FortiGate config", "none.praise"),
        ("really impressive troubleshooting on the Veeam thing <@U01TECH2>", "none.praise"),
        ("lol <@U01TECH2> that printer has a personal vendetta against you", None),
        ("<@U01TECH3> check out this meme lol <https://imgur.com/abc|meme>", None),
    ],
)
def test_answers_offers_news_praise_and_chat_are_not_requests(text: str, rule: str | None) -> None:
    v = verdict(text)
    assert not v.is_request, v.rule
    assert v.rule in RULES and v.rule.startswith("none.")
    assert v.reason == RULES[v.rule]
    if rule is not None:
        assert v.rule == rule


def test_an_explicit_ask_survives_an_offer_news_or_an_answer() -> None:
    assert verdict("<@U01TECH1> I'll take the call; can you send me the Contoso notes?").is_request
    assert verdict("<@U01TECH2> the change got approved, can you schedule it for tonight?")


def test_her_own_recent_question_makes_a_statement_to_her_an_answer() -> None:
    text = "<@U01TECH1> the Fabrikam voice VLAN is still untagged on the core switch"
    assert verdict(text).rule == "request.report"
    v = classify(text, protected=PROTECTED, recent_question_by={"U01TECH1"})
    assert not v.is_request and v.rule == "none.answer-context"
    other = classify(text, protected=PROTECTED, recent_question_by={"U01TECH2"})
    assert other.is_request  # someone else's question does not make it an answer to her
    ask = "<@U01TECH1> not sure, can you check the Contoso one too?"
    assert classify(ask, protected=PROTECTED, recent_question_by={"U01TECH1"}).is_request


def test_every_verdict_carries_a_known_rule_and_the_addressees() -> None:
    v = verdict("<@U02OTHER1> <@U01TECH1> can one of you take the Contoso onsite?")
    assert v.rule == "request.ask" and v.addressed == ("U02OTHER1", "U01TECH1")
    assert v.targets == ("U01TECH1",)
    assert verdict("no mention here").rule == "none.no-protected"
    assert verdict("<@U01TECH1> is out today").rule == "none.third-person"
    assert verdict("anyone free to cover? <@U01TECH1> is out").rule == "none.room"
    assert set(RULES) >= {"request.handover", "request.wish", "request.deadline", "none.offer"}


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("which VLAN is voice on at Fabrikam", True),
        ("anyone know the Northwind after-hours number", True),
        ("<@U01TECH2> is the Contoso VPN fixed?", True),
        ("thanks all, fixed", False),
        ("fyi the <https://x.example/?q=1|report> is in", False),
    ],
)
def test_asks_a_question(text: str, asks: bool) -> None:
    assert asks_a_question(text) is asks


def test_the_rules_stay_fast() -> None:
    # a loose bound (the benchmark measures the real figure, ~0.15 ms): catastrophic
    # backtracking in a new pattern would blow it by orders of magnitude
    text = "hey <@U01TECH1>, " + "the Contoso backup on FS01 failed again, " * 40 + "can you look"
    started = time.perf_counter()
    for _ in range(20):
        verdict(text)
    assert (time.perf_counter() - started) / 20 < 0.05
