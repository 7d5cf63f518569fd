"""Does a Slack message put a request to a protected person?

:func:`classify` reads one message's text and answers with a :class:`Verdict`: whether it is a
request, to which protected people, why (a short human reason), the lanes ranked for it and
whether it sounds urgent. It judges the *text* only: who sent it (the protected person
themselves, a bot, a lead to their own team), whether it is an edit or a deletion and which
thread it is in are facts of the Slack event that the service checks before asking here.
``sender`` may still be passed so that nobody is ever a target of their own message.

The rules run in three steps, each a few precompiled regular expressions; a message takes
well under a millisecond (about 0.15 ms).

**1. Who is addressed.** The text is cut into sentences (``. ! ?``, new lines, ``;`` and a
spaced dash). A protected mention counts only in an *addressing* position:

=============  =========================================  =====================================
position       example                                    why
=============  =========================================  =====================================
leading        ``<@U1> can you…``, ``hey <@U1>, …``       a vocative names who the sentence is
                                                          for (greetings, ``cc``, ``thanks``
                                                          may come first)
trailing       ``can you look at 4477 <@U1>``             a vocative at the end does the same
mention only   ``anyone around Thursday? <@U1>``          a bare mention after a room question
                                                          puts that question to them (a hint)
=============  =========================================  =====================================

It does not count as the *subject* of a statement (``<@U1> is out today``, ``<@U1> said…``,
``<@U1> escalated it``, ``<@U1> and I…``, ``<@U1>'s fix``), as an *object* (``ask <@U1>``,
``thanks to <@U1>``) or inside a sentence (``I asked <@U1> yesterday``). ``<@U1> is the VPN
fixed?`` is an inverted question, not a subject: after ``is/did/…`` a ``?``, a noun phrase or a
"you" means a question. A sentence without its own addressee is for whoever the previous one
addressed: ``<@U2> can you ask <@U1>?`` goes to U2, ``<!here> who can cover? <@U1> is out`` to
the room; neither is a request to U1.

**2. Request cues**, looked for in the sentences addressed to a protected person. *Work* is a
vocabulary of MSP things (server, firewall, backup, VPN, mailbox, license, ticket, a ticket
number, RMM and PSA tool names, onsite, shift, …): it tells a work question from small talk.

============  ===========================================  =====================================
cue           matches                                      why
============  ===========================================  =====================================
ask           can/could/would you, please, pls, any        the plain ways of asking
              chance, need you, mind …ing, when you get
              a sec, got a min, take a look, help me
approval      ok to, good to, can I, sign-off, go-ahead,   asking for a decision
              approve, any objection, thoughts
coverage      cover, coverage, on-call, shift, rotation    scheduling asks
client        wants, asked, needs, escalated, priority,    a client pushing, passed on to them
              bump, expedite, asap, by EOD, VIP
problem       down, outage, failed, alert, error, can't,   telling someone what is broken is
              stuck, expired, breach, ransomware, 98%      asking them to act
hint          might want, worth a look, you'll want,       a nudge is a request in polite form
              should probably, on your radar, fwiw
task          the sentence starts with a work verb:        an imperative is a request
              grab, check, reset, renew, send, onboard
question      a ``?`` or a leading what/is/did/… *about    status asks; a question with no work
              work*, or any update / eta / status / yet    in it is small talk
report        a statement about work, not in the first     "<@U1> the Veeam job has been yellow
              person, not saying it is fixed or done       for 3 nights" hands them the job
============  ===========================================  =====================================

Rhetorical and negated phrases are removed first (``can you believe``, ``don't check``,
``no need to look``).

**3. What is not a request** even when addressed:

============  ===========================================  =====================================
veto          matches                                      effect
============  ===========================================  =====================================
self-answer   never mind, nvm, disregard, scratch that,    nothing counts unless a new explicit
              figured it out, found it, false alarm        ask follows it (statements only)
fyi           fyi, cc, just so you know, for your          only an ask, an approval, a question
              awareness, no action needed, in the loop     or a hint still counts
thanks        thanks, ty, kudos, legend, great work,       that sentence counts only for an ask,
              sounds good, got it                          an approval or a work ``?``
any of them   —                                            no *report* cue in the whole message
============  ===========================================  =====================================

**Issue 18: addressees anywhere, more kinds of ask, more kinds of statement.**

* A mention *inside* a sentence addresses that person when a comma, a colon or an ask follows
  it (``…for billing, <@U1> can you set it up``, ``…creeping up <@U1>, worth a look``), unless
  the word before it makes it an object or a subordinate subject (``ask``, ``show``, ``so``,
  ``before``, ``not`` …); ``if``/``hoping <@U1> could…`` addresses them too. Greetings,
  apologies (``sorry to bug you``), emoji codes, ``heads up``, ``lol`` … may precede a leading
  vocative; ``which vlan is it on <@U1>`` keeps its trailing vocative.
* ``cc <@U2>`` beside a request to her leaves it hers; a cc of her beside someone else's ask
  is an FYI to her.
* New cues: **wish** (``it'd help if``, ``I'd appreciate``, ``could use a second pair of
  eyes``), **handover** (``it's yours now``, ``over to you``, ``assigned to you``; survives an
  FYI), **deadline** (``due friday``, ``that's on you``, ``closes at``); questions without a
  ``?`` (a wh-start, ``know if``, ``you free after 4``) and modal questions about a thing
  (``<@U1> can the Meraki do…``); a question counts when the *message* is about work.
* New vetoes (an explicit ask, approval, wish or handover survives them): **answer** (``re your
  q``, ``yes,`` / ``no,``, where a thing is, what a value is), **answer-context** (she asked a
  question herself a moment ago: ``recent_question_by``), **offer** (``want me to``, ``I can
  take``, ``let me know if you want a hand``, ``need a hand …?``), **news** (``got approved``,
  ``ships tomorrow``, ``ETA from the vendor is``), **praise** (``nailed it``, ``MVP``) and chat
  (``lol``, ``check out this meme``).

Every verdict carries :attr:`Verdict.rule`, a stable id from :data:`RULES` (``request.<cue>``
or ``none.<why>``), and :attr:`Verdict.addressed`. ``lanekeeper shield explain`` prints them.

**Urgency** (:attr:`Verdict.urgent`) is a separate list (down, outage, breach, ransomware,
phishing, all users, can't log in, unreachable, urgent, :rotating_light:) that suggests the
highest severity. **Lanes** are ranked by how many of their keywords (and their key) the text
contains, matches first, ties in the configured order.

``bench/interception.py`` measures these rules per source of labelled text (the original set,
the lines added for issue 18, the tuning batch and, only when asked, the frozen held-out batch)
against :func:`keyword_baseline`, the naive keyword list.

The word lists and patterns live in ``_interception_vocabulary``; this module holds the rules that
use them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ._interception_vocabulary import (
    _ANSWER,
    _ANSWER_START,
    _AUX_BE,
    _AUX_MODAL,
    _BARE_PREFIX,
    _CHAT,
    _CLAUSE_END,
    _CUES,
    _FIRST_PERSON,
    _FIRST_PERSON_PAST,
    _FIRST_WORDS,
    _FYI,
    _GROUP,
    _IF_YOU,
    _LAST_WORD,
    _MID_AFTER,
    _MID_BLOCK,
    _MODAL_AFTER,
    _NEWS,
    _NOUN_START,
    _OBJECT_WORDS,
    _OFFER,
    _OFFER_QUESTION,
    _PAST,
    _PAST_OR_IMPERATIVE,
    _PERSON,
    _PLEASE,
    _PRAISE,
    _PREFIX,
    _QUESTION_START,
    _REASONS,
    _RESOLVED,
    _RHETORICAL,
    _ROOM_WORDS,
    _SELF_ANSWER,
    _SMALL_TALK,
    _STATUS,
    _SUBJECT_VERBS,
    _SURVIVE_FYI,
    _SURVIVE_STATEMENT,
    _TAIL,
    _TASK,
    _THANKS,
    _THIRD_PERSON,
    _URGENT,
    _WH_TAIL,
    _WH_TAIL_PREPOSITIONS,
    _WISH_SUBJECT,
    _WORK,
    _WORKS_AGAIN,
    _YOU,
)


@dataclass(frozen=True)
class LaneHint:
    """What the classifier needs to know of a lane."""

    key: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    is_request: bool
    targets: tuple[str, ...]
    """Protected user ids the request is put to (empty when it is not a request)."""
    reason: str
    suggested_lanes: tuple[str, ...]
    """Every lane key, best first: keyword matches first, then the configured order."""
    urgent: bool
    rule: str = ""
    """The stable id of the rule that decided (``request.ask``, ``none.fyi`` …; see
    :data:`RULES`)."""
    addressed: tuple[str, ...] = ()
    """Everyone the message addresses (protected or not), first addressed first."""


# --- Slack markup --------------------------------------------------------------------------

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ROOM_MENTION = re.compile(r"<!(?:here|channel|everyone|subteam\^[A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_TOKEN = re.compile(r"@@(\d+)")
_MARKUP = re.compile(r"@@\w+|:[a-z0-9_+'-]+:|[⟦⟧]")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|[\n;]+|\s+[-–—]+\s+")


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in Slack markup (``<@U123>``, ``<@U123|name>``), first seen first."""
    return list(dict.fromkeys(_USER_MENTION.findall(text)))


def _normalise(text: str) -> tuple[str, list[str]]:
    """Lower-case text with mentions as ``@@<n>`` (n indexes the ids), rooms as ``@@room``
    and links as ``⟦label⟧``."""
    ids = mentioned_users(text)
    text = _USER_MENTION.sub(lambda m: f" @@{ids.index(m.group(1))} ", text)
    text = _ROOM_MENTION.sub(" @@room ", text)
    text = _CHANNEL.sub(lambda m: " #" + (m.group(1) or "channel") + " ", text)
    text = _LINK.sub(lambda m: " ⟦" + (m.group(2) or "link") + "⟧ ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"[ \t]+", " ", text).strip().lower()
    return re.sub(r" +([,.!?:])", r"\1", text), ids


# --- step 1: who is addressed --------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    text: str
    body: str  # the sentence after greetings and its leading addressees
    lead: tuple[int, ...]  # mention indexes addressed at its start
    tail: tuple[int, ...]  # mention indexes addressed at its end
    bare: bool  # nothing but (greeted) mentions: "<@U1>" on its own
    room: bool  # starts with @here / @channel / a user group


_THIRD_NOUNS = frozenset({"he", "she", "they", "his", "her", "their"})
_ASKING_MODALS = frozenset({"can", "could", "will", "would", "should", "can't", "won't"})


def _is_subject(rest: str) -> bool:
    """Does the text after a leading mention make it the subject of a statement about them?"""
    if rest.startswith("'s "):
        return True
    m = _FIRST_WORDS.match(rest)
    if not m:
        return False
    first, second = m.group(1), m.group(2) or ""
    clause = _CLAUSE_END.split(rest, maxsplit=1)[0]
    asked = "?" in clause or bool(_YOU.search(clause))
    if not asked and _THIRD_PERSON.search(rest) and first in _AUX_BE | _AUX_MODAL:
        return True  # "<@U1> is the Meraki expert here, she did the Wingtip deployment"
    if first in _SUBJECT_VERBS:
        return True
    if first in _PAST_OR_IMPERATIVE:  # "<@U1> set up the Acme network" unless asked
        return not (asked or _PLEASE.search(clause))
    if _PAST.fullmatch(first) and first not in _FIRST_PERSON_PAST:
        return not (asked or second == "my")  # "<@U1> answered my own question": I did
    if first in _AUX_BE:
        noun = second in _NOUN_START or second[:1].isdigit() or second.endswith("'s")
        return not (asked or noun)
    if first in _AUX_MODAL:  # "<@U1> can the Meraki do content filtering" asks her
        noun = second in _NOUN_START or second[:1].isdigit() or second.endswith("'s")
        inverted = noun and first in _ASKING_MODALS and second not in _THIRD_NOUNS
        return not (asked or second in _PERSON or inverted)
    return False


def _is_mid_vocative(before: str, after: str) -> bool:
    """Does a mention inside a sentence address that person? ``…billing, <@U1> can you…``,
    ``…creeping up <@U1>, worth a look``, ``if <@U1> could take…``; not ``ask <@U1>``,
    ``so <@U1> can go``, ``<@U2> thinks … but <@U1> is out``."""
    last = _LAST_WORD.search(before)
    word = last.group(1) if last else ""
    if word in _WISH_SUBJECT and _MODAL_AFTER.match(after):
        return True  # "it'd help if <@U1> could take the onboarding"
    if word in _OBJECT_WORDS or word in _MID_BLOCK or word.endswith("'s"):
        return False
    if not _MID_AFTER.match(after):
        return False
    rest = after.lstrip()
    return rest[:1] in ",:!-–—" or not _is_subject(rest)


def _parse(text: str) -> list[_Sentence]:
    sentences = []
    for part in _SENTENCE_BREAK.split(text):
        s = part.strip()
        if not s:
            continue
        prefix = _PREFIX.match(s)
        start = prefix.end() if prefix else 0
        lead: list[int] = []
        body = s[start:]
        bare = False
        group = _GROUP.match(s, start)
        if group:
            body = s[group.end() :].lstrip(" ,:")
            # "@@1, @@2 said…" and "@@1 @@2 is out": only @@2 is talked about; "@@1 and @@2
            # are onsite": both are.
            joined = re.sub(r"\s*(?:and|&)\s+", "+", group.group(0))
            parts = [_TOKEN.findall(p) for p in re.split(r"[\s,]+", joined) if "@@" in p]
            if _is_subject(body):
                parts = parts[:-1]
            lead = [int(i) for p in parts for i in p]
            bare = not body.strip(" ,:!.?") and bool(_BARE_PREFIX.match(s[:start]))
        tail: list[int] = []
        t = _TAIL.search(s)
        if t and t.start() > start:
            before = _LAST_WORD.search(s[: t.start()])
            word = before.group(1) if before else ""
            if word not in _OBJECT_WORDS or (
                # "which vlan is the voip on <@U1>": the question is put to them
                word in _WH_TAIL_PREPOSITIONS and _WH_TAIL.match(body)
            ):
                tail = [int(i) for i in _TOKEN.findall(t.group(1))]
        for m in _GROUP.finditer(s, start):
            if (group and m.start() == group.start()) or (t and m.start() >= t.start()):
                continue
            if not _is_mid_vocative(s[: m.start()], s[m.end() :]):
                continue
            lead.extend(int(i) for i in _TOKEN.findall(m.group(0)) if int(i) not in lead)
        room = s.startswith("@@room")
        sentences.append(_Sentence(s, body.strip(" ,:!."), tuple(lead), tuple(tail), bare, room))
    return sentences


# --- step 2: request cues ------------------------------------------------------------------


def _cues(sentence: _Sentence, work_in_message: bool) -> tuple[set[str], set[str]]:
    """The cue families a sentence carries, and the statement vetoes it carries (``offer``,
    ``news``, ``answer``, ``praise``), before the message-level vetoes."""
    raw = _MARKUP.sub(" ", sentence.text)
    text = _WORKS_AGAIN.sub(" fine ", _RHETORICAL.sub(" ", raw))
    body = _RHETORICAL.sub(" ", _MARKUP.sub(" ", sentence.body)).strip()
    found = {name for name, pattern in _CUES if pattern.search(text)}
    if _TASK.match(body):
        found.add("task")
    work = bool(_WORK.search(text))
    asked = "?" in text or bool(_QUESTION_START.match(body))
    if _STATUS.search(text) or (asked and (work or work_in_message)):
        found.add("question")  # "Client called about #48290. <@U1> where's that at?"
    elif work and not (_FIRST_PERSON.match(body) or _RESOLVED.search(text)):
        found.add("report")
    vetoes: set[str] = set()
    if _CHAT.search(sentence.text) or _RHETORICAL.search(raw):
        found &= {"ask", "approval", "wish"}  # "lol <@U1> that printer hates you"
    offer = _OFFER.search(text) or _OFFER_QUESTION.match(body)
    if offer:
        vetoes.add("offer")  # "want me to grab it?", "let me know if you want a hand"
        rest = _IF_YOU.sub(" ", text[: offer.start()] + " " + text[offer.end() :])
        found &= {name for name, pattern in _CUES if name == "ask" and pattern.search(rest)}
    question = "?" in text
    if not question and _NEWS.search(sentence.text):
        vetoes.add("news")
    if not question and (_ANSWER.search(sentence.text) or _ANSWER_START.match(body)):
        vetoes.add("answer")
    if _PRAISE.search(sentence.text) and not question:
        vetoes.add("praise")
    if _THANKS.search(sentence.text):
        found &= {"ask", "approval", "wish"} | ({"question"} if "?" in text else set())
    return found, vetoes


# --- lanes ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _lane_pattern(lane: LaneHint) -> re.Pattern[str] | None:
    words = {w.strip().lower() for w in (*lane.keywords, lane.key.replace("-", " ")) if w.strip()}
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:s|es|ed|d|ing)?(?![\w-])")


def _rank_lanes(text: str, lanes: Sequence[LaneHint]) -> tuple[str, ...]:
    scored = []
    for position, lane in enumerate(lanes):
        pattern = _lane_pattern(lane)
        hits = {m.group(0) for m in pattern.finditer(text)} if pattern else set()
        scored.append((-len(hits), position, lane.key))
    return tuple(key for _, _, key in sorted(scored))


# --- the verdict ---------------------------------------------------------------------------


# Rule ids of the decisions that are not requests, with their human reason. A request's rule id
# is ``request.<cue>`` (``request.ask``, ``request.handover`` …), its reason "<cue words> <@U…>".
NOT_REQUEST_RULES = {
    "none.no-protected": "no protected person mentioned",
    "none.someone-else": "request to someone else",
    "none.room": "to the room",
    "none.third-person": "third person",
    "none.fyi": "fyi or cc",
    "none.self-answer": "answered their own question",
    "none.answer-context": "answers their own recent question",
    "none.answer": "an answer to them",
    "none.offer": "an offer of help",
    "none.news": "news for them",
    "none.thanks": "thanks",
    "none.praise": "praise",
    "none.small-talk": "small talk",
    "none.no-cue": "no request cue",
}
REQUEST_RULES = {f"request.{cue}": words for cue, words in _REASONS.items()}
RULES = {**REQUEST_RULES, **NOT_REQUEST_RULES}
"""Every rule id :func:`classify` may answer with, and what it means."""


def classify(
    text: str,
    *,
    protected: Collection[str],
    lanes: Sequence[LaneHint] = (),
    sender: str | None = None,
    recent_question_by: Collection[str] = (),
) -> Verdict:
    """Decide whether ``text`` puts a request to one of the ``protected`` user ids.

    ``recent_question_by``: protected user ids who asked a question themselves a moment ago in
    the same thread (or channel). A statement addressed to them is then an answer, not an ask
    (an explicit ask, approval, wish or handover still counts).
    """
    low, ids = _normalise(text)
    ranked = _rank_lanes(_MARKUP.sub(" ", low), lanes)
    urgent = bool(_URGENT.search(low))
    guarded = {i for i, uid in enumerate(ids) if uid in protected and uid != sender}
    addressed: list[int] = []

    def verdict(targets: Sequence[int], rule: str, reason: str | None = None) -> Verdict:
        return Verdict(
            bool(targets),
            tuple(ids[i] for i in targets),
            reason if reason is not None else NOT_REQUEST_RULES[rule],
            ranked,
            urgent,
            rule,
            tuple(ids[i] for i in addressed),
        )

    if not guarded:
        return verdict((), "none.no-protected")

    sentences = _parse(low)
    work_in_message = bool(_WORK.search(_MARKUP.sub(" ", low)))
    cues: dict[int, set[str]] = {}  # mention index -> cues of the sentences addressed to them
    after_self: dict[int, set[str]] = {}  # explicit asks made after a self-answer
    vetoes: dict[int, set[str]] = {}  # mention index -> statement vetoes addressed to them
    fyi_to: set[int] = set()  # mentions an "fyi" / "cc" is put to
    current: tuple[int, ...] = ()
    previous: tuple[tuple[int, ...], set[str]] = ((), set())
    self_answered = thanked = False
    for s in sentences:
        if s.lead:
            current = s.lead
        elif s.room:
            current = ()
        if s.tail:
            current = tuple(dict.fromkeys(current + s.tail))
        found, vetoed = _cues(s, work_in_message)
        if s.bare and not previous[0]:
            found |= previous[1]  # "anyone around Thursday? <@U1>"
        addressed.extend(i for i in current if i not in addressed)
        fyi = bool(_FYI.search(s.text))
        copied = _CC_OTHERS.search(s.text)
        if copied and not _FYI.search(s.text[: copied.start()] + s.text[copied.end() :]):
            fyi = False  # "<@U1> can you check X, cc <@U2>": the cc is to U2 only
            fyi_to.update(_mentions_in(copied.group(0)))
        for i in current:
            cues.setdefault(i, set()).update(found)
            vetoes.setdefault(i, set()).update(vetoed)
            if fyi:
                fyi_to.add(i)
            if self_answered:
                after_self.setdefault(i, set()).update(found & {"ask"})
        if fyi and not current:  # "cc <@U1>" with nobody addressed before: the cc is to all
            fyi_to.update(_mentions_in(s.text))
        self_answered = self_answered or ("?" not in s.text and bool(_SELF_ANSWER.search(s.text)))
        thanked = thanked or bool(_THANKS.search(s.text))
        previous = (current, found)

    to_them = [i for i in addressed if i in guarded]
    if not to_them:
        if addressed:
            return verdict((), "none.someone-else")
        return verdict((), "none.room" if _ROOM_WORDS.search(low) else "none.third-person")

    any_fyi = bool(_FYI.search(low))
    requested: list[int] = []
    reasons: set[str] = set()
    decided_by: list[str] = []  # the vetoes that took cues away, first one first
    for i in to_them:
        found = after_self.get(i, set()) if self_answered else set(cues.get(i, ()))
        fyi = i in fyi_to or (any_fyi and not fyi_to)
        if fyi and found - _SURVIVE_FYI:
            found &= _SURVIVE_FYI
            decided_by.append("none.fyi")
        if (fyi or thanked) and "report" in found:
            found.discard("report")
        statement = vetoes.get(i, set())
        if ids[i] in recent_question_by:
            statement = statement | {"answer-context"}
        for veto in ("answer-context", "answer", "offer", "news", "praise"):
            if veto in statement and found - _SURVIVE_STATEMENT:
                found &= _SURVIVE_STATEMENT
                decided_by.append(f"none.{veto}")
        if found:
            requested.append(i)
            reasons |= found
    if requested:
        best = next(name for name in _REASONS if name in reasons)
        who = ", ".join(f"<@{ids[i]}>" for i in requested)
        return verdict(requested, f"request.{best}", f"{_REASONS[best]} {who}")
    if decided_by:
        return verdict((), decided_by[0])
    if any_fyi:
        return verdict((), "none.fyi")
    if self_answered:
        return verdict((), "none.self-answer")
    if thanked:
        return verdict((), "none.thanks")
    statement = set().union(*(vetoes.get(i, set()) for i in to_them))
    for veto in ("praise", "offer", "news", "answer"):
        if veto in statement:
            return verdict((), f"none.{veto}")
    if _SMALL_TALK.search(low) or "?" in low:
        return verdict((), "none.small-talk")
    return verdict((), "none.no-cue")


_CC_OTHERS = re.compile(r"\(?(?:/?cc:?|looping in)\s+(?:@@\d+[\s,&]*(?:and\s+)?)+\)?")


def _mentions_in(text: str) -> list[int]:
    return [int(i) for i in _TOKEN.findall(text)]


def asks_a_question(text: str) -> bool:
    """Does a message ask something (a ``?``, or a sentence that opens like a question: "which
    VLAN is voice at Fabrikam", "anyone know the Northwind number")? Used to remember who asked,
    so that a reply to them reads as an answer."""
    low, _ = _normalise(text)
    if "?" in _MARKUP.sub(" ", low):
        return True
    for s in _parse(low):
        body = _MARKUP.sub(" ", s.body).strip()
        if _QUESTION_START.match(body) or _ANYONE_KNOW.match(body):
            return True
    return False


_ANYONE_KNOW = re.compile(r"^(?:does\s+)?(?:any\s?one|any\s?body)\s+(?:know|have|seen|remember)\b")


# --- the naive approach, kept for the benchmark --------------------------------------------

_BASELINE = re.compile(
    r"\?|\b(?:can\s+you|could\s+you|please|urgent|asap|check|coverage)\b", re.IGNORECASE
)


def keyword_baseline(text: str, *, protected: Collection[str]) -> bool:
    """The keyword-list approach: a protected mention plus any request keyword anywhere.

    The keywords are the issue's own list (a question, can you, could you, please, urgent,
    asap, check, coverage); the benchmark compares :func:`classify` against it.
    """
    return any(uid in protected for uid in mentioned_users(text)) and bool(_BASELINE.search(text))
