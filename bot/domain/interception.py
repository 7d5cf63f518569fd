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

**Urgency** (:attr:`Verdict.urgent`) is a separate list (down, outage, breach, ransomware,
phishing, all users, can't log in, unreachable, urgent, :rotating_light:) that suggests the
highest severity. **Lanes** are ranked by how many of their keywords (and their key) the text
contains, matches first, ties in the configured order.

``bench/interception.py`` measures these rules on ``bench/interception_messages.tsv`` against
:func:`keyword_baseline`, the naive keyword list.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache


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


def _words(*alternatives: str) -> re.Pattern[str]:
    """One whole-word pattern from regex fragments (each may hold ``|``), where a space
    matches any run of spaces and `` ?`` an optional one."""
    body = "|".join(a.strip().replace(" ?", r"\s*").replace(" ", r"\s+") for a in alternatives)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


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

_PREFIX = re.compile(
    r"^(?:(?:hey|hi|hiya|hello|yo|morning|good\s+morning|gm|afternoon|ok|okay|so|also|and"
    r"|sorry|thanks|thank\s+you|thx|ty|cc:?|/cc|fyi|ping|@@room)(?![\w'])[\s,:!.]*|[\s,:!.+]+)*"
)
_GROUP = re.compile(r"@@\d+(?:[\s,]*(?:(?:and|&)\s+)?@@\d+)*")
_BARE_PREFIX = re.compile(r"^(?:(?:hey|hi|yo)\b|[\s,:!.])*$")
_TAIL = re.compile(
    r"(@@\d+(?:[\s,]*(?:(?:and|&)\s+)?@@\d+)*)(?:[\s?!.,:)]|⟦[^⟧]*⟧|:[a-z0-9_+'-]+:)*$"
)
_LAST_WORD = re.compile(r"([\w'/+&-]+)[\s,]*$")
_FIRST_WORDS = re.compile(r"([a-z'&]+|\d\S*|#\S+)(?:\s+([a-z'&]+|\d\S*|#\S+))?")
_YOU = re.compile(r"\b(?:you|your|u|ur|you're|youre)\b")
_THIRD_PERSON = re.compile(r"\b(?:he|she|him|his|her|he's|she's|he'd|she'd|he'll|she'll)\b")
_CLAUSE_END = re.compile(r"[,;]")
_PAST = re.compile(r"[a-z]{3,}ed")

# After a leading mention these make it the subject of a statement about them.
_SUBJECT_VERBS = _set(
    "said says told tells mentioned owns knows needs already and & built wrote took sent made "
    "ran left went came gave brought"
)
# A regular past tense does too (``<@U1> escalated it``), except the verbs chat drops its
# "I" from (``<@U1> noticed the DC is still on 2012``).
_FIRST_PERSON_PAST = _set(
    "noticed spotted heard received realized realised wondered figured wanted needed tried "
    "loved liked enjoyed"
)
_PAST_OR_IMPERATIVE = _set("set put cut")
_PLEASE = re.compile(r"\b(?:please|pls|plz|for me)\b")
# These start an inverted question (``<@U1> is the VPN up?``) or a statement (``is out``).
_AUX_BE = _set("is are was were did does do")
_AUX_MODAL = _set(
    "has have had will would can could should can't cant won't isn't wasn't aren't doesn't "
    "didn't hasn't haven't couldn't shouldn't"
)
_NOUN_START = _set(
    "the this that these those it there a an any anyone anybody someone somebody your our my "
    "his her their we i you u he she they everyone everything all ticket"
)
_PERSON = _set("you u i we someone anyone somebody anybody one")
# Before a trailing mention these make it an object (``thanks to <@U1>``, ``ask <@U1>``).
_OBJECT_WORDS = _set(
    "to with from for by of about on at as than besides like and or & ask asked tell told "
    "ping pinging cc /cc thanks thank ty thx welcome per help include loop looping add adding "
    "via me was is it including except without shadow vs assign assigned reassigned into "
    "sync call email dm message tagging"
)


@dataclass(frozen=True)
class _Sentence:
    text: str
    body: str  # the sentence after greetings and its leading addressees
    lead: tuple[int, ...]  # mention indexes addressed at its start
    tail: tuple[int, ...]  # mention indexes addressed at its end
    bare: bool  # nothing but (greeted) mentions: "<@U1>" on its own
    room: bool  # starts with @here / @channel / a user group


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
    if first in _AUX_MODAL:
        return not (asked or second in _PERSON)
    return False


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
            if not before or before.group(1) not in _OBJECT_WORDS:
                tail = [int(i) for i in _TOKEN.findall(t.group(1))]
        room = s.startswith("@@room")
        sentences.append(_Sentence(s, body.strip(" ,:!."), tuple(lead), tuple(tail), bare, room))
    return sentences


# --- step 2: request cues ------------------------------------------------------------------

_RHETORICAL = _words(
    "(?:can|could|would) (?:you|u) (?:believe|imagine)",
    r"(?:don't|dont|do not|no need to|never|doesn't need to) [\w']+",
)
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ask",
        _words(
            "(?:can|could|would|will|can't|cant) (?:you|u|ya|someone|somebody|one of you|we)",
            "are (?:you|u) (?:able|free|around|available|in|on|off|working|still|ok|okay|good"
            "|up for)",
            "(?:any|some)(?:one|body) (?:able|free|around|available|up for|want)|who (?:can|could)",
            "do (?:you|u) (?:have|mind|think|want|know|approve)",
            "(?:think|reckon) (?:you|u) (?:could|can)",
            r"mind (?:if|\w+ing)|any (?:chance|way)|wanna|please|pls|plz|kindly",
            "need (?:you|your|a hand|help|someone|somebody|a second|coverage)|i need|we need",
            "(?:when|whenever|once|if) (?:you|u)(?:'re| are| get| have| can| find)",
            "got a (?:sec|second|min|minute|moment)|quick (?:ask|one|favou?r|question|q)",
            "favou?r|let me know|lmk|(?:take|have) a (?:look|peek|pass)|look (?:at|into)",
            "dig in|eyes on|sorry to bug|help (?:me|us|with|out|on)|need help|help!",
        ),
    ),
    (
        "approval",
        _words(
            "(?:ok|okay|alright|fine|safe|good|cool) (?:to|if)(?! (?:see|hear|know|have))",
            "(?:ok|okay|alright|good|fine|cool) (?:with|by) (?:me|you|that|this|it|us)",
            "(?:can|may|could|should) (?:i|we)|want me to|sign-? ?off|go-? ?ahead",
            r"green light|approv\w*|permission|object(?:ion)?s?|thoughts|yes ?/ ?no",
            "i'd like to|i want to",
        ),
    ),
    ("coverage", _words("cover|coverage|covering|on-? ?call|shifts?|rotation|staffed")),
    (
        "client",
        _words(
            "wants|wanted|asked|asking|asks|needs|requested|would like|called|calling",
            r"pushing (?:hard|for|on)|escalat\w*|prioriti\w*|priority|expedite\w*|bump\w*",
            "faster|sooner|speed (?:it )?up|move (?:it )?up|jump the line|same-? ?day|vip|asap",
            r"urgent\w*|white glove|threaten\w*|unhappy|upset|frustrated|complain\w*|p[1-4]",
            "by (?:eod|end of (?:day|week|month)|noon|tomorrow|today|monday|tuesday|wednesday"
            "|thursday|friday)",
        ),
    ),
    (
        "problem",
        _words(
            r"down|outage|offline|fail\w*|errors?|alert\w*|warn\w*|critical|broken|broke|crash\w*",
            r"dead|died|stopped|stuck|flapping|unreachable|non-?compliant|quarantin\w*|ransom\w*",
            r"encrypted|breach\w*|phish\w*|compromis\w*|brute-? ?forc\w*|hacked|defac\w*|spoof\w*",
            r"locked out|expir\w*|beeping|bounc\w*|slow\w*|again|came back|reopened|wrong|missing",
            r"issue|problem|not working|isn't|aren't|hasn't|haven't|won't|wont|cannot|unable",
            r"can't(?! wait)|cant(?! wait)|pegged|spik\w*|full|screaming|flood\w*|in a loop",
            r"blue ?screen\w*|bsod|blocking|blocked|lost|out of (?:space|storage|disk|memory)",
            r"\d{2,3} ?%|\d{1,2} ?% (?:free|left|remaining)|suspicious|flagged|detected|malware",
            r"virus|threat|throwing",
        ),
    ),
    (
        "hint",
        _words(
            "(?:might|may|probably) (?:want|be worth|need)|you'll want|on your radar|fwiw",
            "worth (?:a look|a check|checking|looking|investigating|double-? ?checking)",
            "should probably|probably should|not sure (?:if|it's|its|whether) (?:you|on)",
            "i'd (?:take a look|check|look)|looks like (?:one of )?yours|i bet|maybe nudge",
            "might be (?:relevant|related|the same)",
        ),
    ),
)
_TASK = _words(
    "grab|assign|renew|send|update|reset|add|create|check|push|re-?run|take|move|order|call",
    "reach|review|install|onboard|offboard|fix|restart|reboot|look|swap|cover|escalate|bump",
    "approve|confirm|schedule|pick|handle|share|email|remote|patch|replace|disable|enable",
    "unlock|build|deploy|run|test|verify|investigate|follow|make|give|open|close|merge|spin",
    "migrate|document|write|forward|own|jump|hop|chase|book|configure|provision|triage|image",
    "reimage|rebuild|restore|upgrade|delete|remove|decommission|ping|let's|lets",
)
# Work: what an MSP's requests are about. A question or a report without any is small talk.
_WORK = _words(
    "servers?|pcs?|laptops?|desktops?|workstations?|machines?|devices?|printers?|print|scanner",
    "copier|phones?|switch(?:es)?|routers?|firewalls?|wi-?fi|network|internet|isp|circuit|nas",
    "san|ups|rack|dock|storage|host|vms?|dc|dc-?\\d+|domains?|e-?mails?|mail|mailbox(?:es)?",
    "outlook|exchange|teams|sharepoint|onedrive|m365|o365|azure|entra|intune|ad|dns|dhcp|vpn",
    "rdp|sql|erp|crm|quickbooks|website|portal|tenant|certs?|certificates?|ssl|licen[cs]es?",
    "licensing|subscriptions?|backups?|restore|snapshots?|replication|jobs?|agents?|patch(?:es)?",
    "patching|updates?|upgrade|firmware|bios|gpo|polic(?:y|ies)|mfa|2fa|passwords?|accounts?",
    "logins?|sso|antivirus|av|edr|alerts?|tickets?|rma|warranty|quotes?|po|invoices?|migration",
    "cutover|go-?live|rollout|onboarding|offboarding|new hires?|install|config|vlans?|ip|ports?",
    "cables?|runbooks?|documentation|connectwise|autotask|halo(?:psa)?|datto|n-?able|n-?central",
    "ninja(?:one)?|kaseya|automate|veeam|huntress|sentinelone|auvik|meraki|fortigate|sonicwall",
    "ubiquiti|it glue|itglue|hudu|atera|rmm|psa|onsite|on-?site|site visit|queue|users?|admin",
    r"creds|credentials|sync|scripts?|apps?|software|(?:shared|hard|network|[a-z]:?) drive",
    r"#?\d{4,}",
)
_STATUS = _words(
    "any (?:update|news|word|progress|luck|movement)|eta|status|latest|progress|yet|on track",
    "checking in|following up|circling back|where are we|still (?:on|happening|scheduled)",
)
_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|where|where's|when|who|who's|whos|why|how|how's|hows|how'd|which"
    r"|is|are|was|were|did|do|does|has|have|can|could|would|will|should|eta|status|update\s+on"
    r"|you(?!'))\b"
)
_FIRST_PERSON = re.compile(
    r"^(?:(?:heads\s+up|btw|fwiw|just|so|also|ok|okay)[\s,:]+)*"
    r"(?:i|i'm|im|i've|i'll|i'd|we|we're|we've|we'll|me|my)\b"
)
_WORKS_AGAIN = _words("(?:works|working|up|online|back) again")
_RESOLVED = _words(
    "fixed|resolved|working|back (?:up|online)|green|flowing|done|completed?|finished|sorted",
    "restored|closed|all good|fine|healthy|stable|holding|happy",
)

# --- step 3: what is not a request ---------------------------------------------------------

_SELF_ANSWER = _words(
    "never ?mind|nvm|nm|disregard|ignore (?:my|that|this|the|it|me)|scratch (?:that|my)",
    "cancel (?:that|my)|figured (?:it|out)|found (?:it|the)|sorted (?:it|out)|all sorted",
    "all (?:good|clear)|all set(?! up)|no need|no worries(?! if)|don't worry|false alarm",
    "resolved it|got it (?:working|sorted|figured|fixed)|my bad|wrong channel|i see it",
    "(?:it's|its|it is) (?:fine|ok|okay|working)|handled it|auto-?resolved|we're good",
    "answered (?:my|it)|thanks anyway|must have been",
)
_FYI = _words(
    "fyi|for your (?:awareness|info|information)|for awareness|just so you(?: know|'re aware)",
    "so you're aware|letting you know|just a note|for the record|info only",
    "no action (?:needed|required)|in the loop|for visibility|looping in|nothing needed",
    "in case you (?:were )?wondering|tagging|/?cc:?",
)
_THANKS = re.compile(
    _words(
        "thanks|thank you|thx|ty|tysm|cheers|appreciate\\w*|kudos|props|shout-?out|legend",
        "lifesaver|brilliant|you rock|you're the best|(?:great|nice|amazing) (?:work|job|catch)",
        "well done|saved me|much obliged|sounds good|will do|got it|perfect|awesome",
    ).pattern
    + r"|:(?:raised_hands|clap|\+1|thumbsup|muscle):|🙏"
)
_SMALL_TALK = _words(
    r"how (?:was|were|are you|have you been|is it going)|how's it going|happy \w+|congrat\w*",
    "welcome|enjoy|good luck|drive safe|feel better|hope|lol|lmao|haha\\w*",
)

# --- urgency and lanes ---------------------------------------------------------------------

_URGENT = re.compile(
    r"(?<!slow )(?<!calm )(?<!scroll )(?<!write )(?<!narrow )(?<!track )(?<!break )"
    r"(?<!count )(?<!step )(?<!turn )(?<!shut )(?<!wind )(?<!cut )(?<!sit )\bdown\b(?!\s+to\b)"
    + "|"
    + _words(
        r"outage|breach\w*|ransom\w*|encrypted|phish\w*|compromised|hacked|brute-? ?forc\w*",
        r"defac\w*|urgent|emergency|sev ?1|unreachable|offline|dead|both sites|data loss",
        "all (?:users|staff|employees)|whole (?:office|network|site|company)|locked out",
        "every(?:one|body) (?:is|can't|cant|cannot)|for every(?:one|body)|(?:nobody|no one) can",
        "(?:can't|cant|cannot|unable to) (?:log ?in|log on|get into|access)|won't boot",
    ).pattern
    + r"|:(?:rotating_light|fire|sos):"
)

_REASONS = {
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
_SURVIVE_FYI = frozenset({"ask", "approval", "question", "hint"})
_ROOM_WORDS = _words(
    r"@@room|any ?one|any ?body|some ?one|some ?body|who|who's|everyone|team|folks"
)


def _cues(sentence: _Sentence) -> set[str]:
    """The cue families a sentence carries, before the message-level vetoes."""
    text = _WORKS_AGAIN.sub(" ", _RHETORICAL.sub(" ", _MARKUP.sub(" ", sentence.text)))
    body = _RHETORICAL.sub(" ", _MARKUP.sub(" ", sentence.body)).strip()
    found = {name for name, pattern in _CUES if pattern.search(text)}
    if _TASK.match(body):
        found.add("task")
    work = bool(_WORK.search(text))
    if _STATUS.search(text) or (work and ("?" in text or _QUESTION_START.match(body))):
        found.add("question")
    elif work and not (_FIRST_PERSON.match(body) or _RESOLVED.search(text)):
        found.add("report")
    if _THANKS.search(sentence.text):
        found &= {"ask", "approval"} | ({"question"} if "?" in text else set())
    return found


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


def classify(
    text: str,
    *,
    protected: Collection[str],
    lanes: Sequence[LaneHint] = (),
    sender: str | None = None,
) -> Verdict:
    """Decide whether ``text`` puts a request to one of the ``protected`` user ids."""
    low, ids = _normalise(text)
    ranked = _rank_lanes(_MARKUP.sub(" ", low), lanes)
    urgent = bool(_URGENT.search(low))
    guarded = {i for i, uid in enumerate(ids) if uid in protected and uid != sender}

    def verdict(targets: Sequence[int], reason: str) -> Verdict:
        return Verdict(bool(targets), tuple(ids[i] for i in targets), reason, ranked, urgent)

    if not guarded:
        return verdict((), "no protected person mentioned")

    sentences = _parse(low)
    cues: dict[int, set[str]] = {}  # mention index -> cues of the sentences addressed to them
    after_self: dict[int, set[str]] = {}  # explicit asks made after a self-answer
    addressed: list[int] = []
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
        found = _cues(s)
        if s.bare and not previous[0]:
            found |= previous[1]  # "anyone around Thursday? <@U1>"
        addressed.extend(i for i in current if i not in addressed)
        for i in current:
            cues.setdefault(i, set()).update(found)
            if self_answered:
                after_self.setdefault(i, set()).update(found & {"ask"})
        self_answered = self_answered or ("?" not in s.text and bool(_SELF_ANSWER.search(s.text)))
        thanked = thanked or bool(_THANKS.search(s.text))
        previous = (current, found)

    to_them = [i for i in addressed if i in guarded]
    if not to_them:
        if addressed:
            return verdict((), "request to someone else")
        return verdict((), "to the room" if _ROOM_WORDS.search(low) else "third person")

    fyi = bool(_FYI.search(low))
    requested: list[int] = []
    reasons: set[str] = set()
    for i in to_them:
        found = after_self.get(i, set()) if self_answered else set(cues.get(i, ()))
        if fyi:
            found &= _SURVIVE_FYI
        if fyi or thanked:
            found.discard("report")
        if found:
            requested.append(i)
            reasons |= found
    if requested:
        best = next(name for name in _REASONS if name in reasons)
        return verdict(
            requested, f"{_REASONS[best]} " + ", ".join(f"<@{ids[i]}>" for i in requested)
        )
    if fyi:
        return verdict((), "fyi or cc")
    if self_answered:
        return verdict((), "answered their own question")
    if thanked:
        return verdict((), "thanks")
    if _SMALL_TALK.search(low) or "?" in low:
        return verdict((), "small talk")
    return verdict((), "no request cue")


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
