"""Does a Slack message put a request to a protected person?

:func:`classify` reads one message's text and answers with a :class:`Verdict`: whether it is a
request, to which protected people, why (a short human reason), the lanes ranked for it and
whether it sounds urgent. It judges the *text* only. Who sent it (the protected person
themselves, a bot, a lead to their own team), whether it is an edit or a deletion and which
thread it is in are facts of the Slack event, checked by the service before it asks here.
``sender`` may still be passed so that a person is never a target of their own message.

The rules run in three steps, each a handful of precompiled regular expressions.

**1. Who is addressed.** The text is cut into sentences (``. ! ?``, new lines, ``;`` and a
spaced dash). A protected mention only counts when it is in an *addressing* position:

=============  ==========================================  =====================================
position       example                                     why
=============  ==========================================  =====================================
leading        ``<@U1> can you…``, ``hey <@U1>, …``        a vocative names who the sentence is
                                                           for; greetings, ``cc`` and ``thanks``
                                                           may come before it
trailing       ``can you look at 4477 <@U1>``              a vocative at the end works the same
mention only   ``anyone around Thursday? <@U1>``           a bare mention after a room question
                                                           puts that question to them (a hint)
=============  ==========================================  =====================================

and not when it is the *subject* (``<@U1> is out today``, ``<@U1> said…``, ``<@U1> and I…``,
``<@U1>'s fix``: talk about them), an *object* (``ask <@U1>``, ``thanks to <@U1>``, ``with
<@U1>``) or inside a sentence (``I asked <@U1> yesterday``). ``<@U1> is the VPN fixed?`` is an
inverted question, not a subject: after ``is/did/…`` a noun phrase or a ``?`` means a question.
A sentence without its own addressee is for whoever the previous one addressed, so
``<@U2> can you ask <@U1>?`` is put to U2, and ``<!here> who can cover? <@U1> is out`` to the
room; neither is a request to U1.

**2. Request cues**, looked for in the sentences addressed to a protected person:

============  ===========================================  ======================================
cue           matches                                      why
============  ===========================================  ======================================
ask           can/could/would you, please, pls, any        the plain ways of asking someone
              chance, need you, mind …ing, when you get
              a sec, got a min, take a look, help
question      a ``?`` or a leading what/where/is/did/…,    status asks and questions want an
              any update, eta, status                      answer from them
approval      ok to, good to, can I, sign-off, go-ahead,   asking for a decision
              approve, any objection, thoughts
coverage      cover, coverage, on-call, shift, rotation    scheduling asks
client        wants, asked, escalated, priority, bump,     a client pushing for a faster answer
              expedite, asap, by EOD, VIP                  reported to them
problem       down, outage, failed, alert, error, can't,   telling someone what is broken is
              stuck, expired, breach, ransomware, 98%      asking them to act
hint          might want, worth a look, you'll want,       a nudge is a request in polite form
              should probably, on your radar, fwiw
task          a leading work verb: grab, check, reset,     an imperative is a request
              renew, send, update, onboard, …
============  ===========================================  ======================================

Rhetorical and negated phrases are removed first (``can you believe``, ``don't check``,
``no need to look``).

**3. What is not a request** even when addressed:

============  ===========================================  ======================================
veto          matches                                      effect
============  ===========================================  ======================================
self-answer   never mind, nvm, disregard, scratch that,    nothing counts unless a new explicit
              figured it out, found it, false alarm        ask follows it
fyi           fyi, cc, just so you know, for your          only an ask, a question, an approval
              awareness, no action needed, in the loop     or a hint still counts
thanks        thanks, ty, kudos, legend, great work,       that sentence counts only for an ask,
              sounds good, got it                          an approval or a ``?``
small talk    how was…, weekend, lunch, coffee, game,      that sentence's question does not count
              party, birthday, congrats, lol               (a social question is not a request)
============  ===========================================  ======================================

**Urgency** (:attr:`Verdict.urgent`) is a separate word list (down, outage, breach, ransomware,
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


# --- Slack markup --------------------------------------------------------------------------

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ROOM_MENTION = re.compile(r"<!(?:here|channel|everyone|subteam\^[A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_TOKEN = re.compile(r"@@(\d+)")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|[\n;]+|\s+[-–—]+\s+")


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in Slack markup (``<@U123>``, ``<@U123|name>``), first seen first."""
    return list(dict.fromkeys(_USER_MENTION.findall(text)))


def _normalise(text: str) -> tuple[str, list[str]]:
    """Lower-case plain text with mentions as ``@@<n>`` tokens (n indexes the returned ids)."""
    ids: list[str] = []

    def user(m: re.Match[str]) -> str:
        uid = m.group(1)
        if uid not in ids:
            ids.append(uid)
        return f" @@{ids.index(uid)} "

    text = _USER_MENTION.sub(user, text)
    text = _ROOM_MENTION.sub(" @@room ", text)
    text = _CHANNEL.sub(lambda m: " #" + (m.group(1) or "channel") + " ", text)
    text = _LINK.sub(lambda m: " " + (m.group(2) or "link") + " ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"[ \t]+", " ", text).strip().lower()
    text = re.sub(r" +([,.!?:])", r"\1", text)
    return text, ids


# --- step 1: who is addressed --------------------------------------------------------------

_PREFIX = re.compile(
    r"^(?:(?:hey|hi|hiya|hello|yo|morning|good\s+morning|gm|afternoon|ok|okay|so|also|and|"
    r"sorry|thanks|thank\s+you|thx|ty|cc:?|/cc|fyi|ping|@@room)(?![\w'])[\s,:!.]*|[\s,:!.+]+)*"
)
_GROUP = re.compile(r"@@\d+(?:[\s,]*(?:(?:and|&)\s+)?@@\d+)*")
_BARE_PREFIX = re.compile(r"^(?:(?:hey|hi|yo)\b|[\s,:!.])*$")
_TAIL = re.compile(r"(@@\d+(?:[\s,]*(?:(?:and|&)\s+)?@@\d+)*)[\s?!.,:)]*$")
_LAST_WORD = re.compile(r"([\w'/+&-]+)[\s,]*$")
_FIRST_WORDS = re.compile(r"([a-z'&]+|\d\S*|#\S+)(?:\s+([a-z'&]+|\d\S*|#\S+))?")

# After a leading mention these make it the subject of a statement about them.
_SUBJECT_VERBS = frozenset(
    "said says told tells mentioned fixed closed wrote handled confirmed walked owns knows "
    "needs already and &".split()
)
# These start an inverted question when a noun phrase follows (``<@U1> is the VPN up?``).
_AUX_BE = frozenset("is are was were did does do".split())
_AUX_MODAL = frozenset(
    "has have had will would can could should can't cant won't isn't wasn't aren't doesn't "
    "didn't hasn't haven't couldn't shouldn't".split()
)
# A past tense after the mention is theirs (``<@U1> escalated it``), except the verbs chat drops
# its "I" from (``<@U1> noticed the DC is still on 2012``).
_FIRST_PERSON_PAST = frozenset(
    "noticed spotted heard received realized realised wondered figured wanted needed tried "
    "seen saw got found".split()
)
_NOUN_START = frozenset(
    "the this that these those it there a an any anyone anybody someone somebody your our my "
    "his her their we i you u he she they everyone everything all ticket".split()
)
_PERSON = frozenset("you u i we someone anyone somebody anybody one".split())
# Before a trailing mention these make it an object (``thanks to <@U1>``, ``ask <@U1>``).
_OBJECT_WORDS = frozenset(
    "to with from for by of about on at as than besides like and or & ask asked tell told "
    "ping pinging cc /cc thanks thank ty thx welcome per help include loop looping add adding "
    "via me was is it including except without shadow vs assign assigned reassigned into "
    "sync call email dm message".split()
)


@dataclass
class _Sentence:
    text: str
    body: str  # the sentence after greetings and its leading addressees
    lead: tuple[int, ...]  # mention indexes addressed at its start
    tail: tuple[int, ...]  # mention indexes addressed at its end
    bare: bool  # nothing but (greeted) mentions: "<@U1>" on its own
    room: bool  # starts with @here / @channel / a user group


def _group_ids(group: str) -> list[list[int]]:
    """Mention indexes of a group, in comma-separated parts (``@@0, @@1 and @@2``)."""
    return [[int(i) for i in _TOKEN.findall(part)] for part in group.split(",") if "@@" in part]


_PAST = re.compile(r"[a-z]{3,}ed")
_YOU = re.compile(r"\b(?:you|your|u|ur)\b")


def _is_subject(rest: str) -> bool:
    """Does the text after a leading mention make that mention the subject of a statement?"""
    if rest.startswith("'s "):
        return True
    m = _FIRST_WORDS.match(rest.lstrip(" ,:"))
    if not m:
        return False
    first, second = m.group(1), m.group(2) or ""
    question = "?" in rest
    if first in _SUBJECT_VERBS:
        return True
    if (
        _PAST.fullmatch(first)
        and first not in _FIRST_PERSON_PAST
        and not question
        and not _YOU.search(rest)
    ):
        return True
    if first in _AUX_BE:
        return not (question or second in _NOUN_START or second[:1].isdigit())
    if first in _AUX_MODAL:
        return not (question or second in _PERSON)
    return False


def _parse(text: str) -> list[_Sentence]:
    sentences = []
    for raw in _SENTENCE_BREAK.split(text):
        s = raw.strip()
        if not s:
            continue
        prefix = _PREFIX.match(s)
        start = prefix.end() if prefix else 0
        room = s.startswith("@@room")
        lead: list[int] = []
        body = s[start:]
        bare = False
        group = _GROUP.match(s, start)
        if group:
            body = s[group.end() :]
            parts = _group_ids(group.group(0))
            if _is_subject(body.lstrip(" ,:")):
                parts = parts[:-1]
            lead = [i for part in parts for i in part]
            bare = not body.strip(" ,:!.?") and bool(_BARE_PREFIX.match(s[:start]))
        body = body.strip(" ,:!.")
        tail: list[int] = []
        t = _TAIL.search(s)
        if t and t.start() > start:
            before = _LAST_WORD.search(s[: t.start()])
            if not before or before.group(1) not in _OBJECT_WORDS:
                tail = [int(i) for i in _TOKEN.findall(t.group(1))]
        sentences.append(_Sentence(s, body, tuple(lead), tuple(tail), bare, room))
    return sentences


# --- step 2: request cues ------------------------------------------------------------------

_RHETORICAL = re.compile(
    r"\b(?:can|could|would)\s+(?:you|u)\s+(?:believe|imagine)\b"
    r"|\b(?:don't|dont|do\s+not|no\s+need\s+to|never|doesn't\s+need\s+to)\s+\w+"
)
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ask",
        re.compile(
            r"\b(?:can|could|would|will|can't|cant)\s+(?:you|u|ya|someone|somebody|one\s+of\s+you"
            r"|either\s+of\s+you|we)\b"
            r"|\bare\s+you\s+(?:able|free|around|available|in|still|ok|okay|good|up)\b"
            r"|\bdo\s+you\s+(?:have|mind|think|want|know|approve)\b|\bmind\s+(?:if|\w+ing)\b"
            r"|\bany\s+chance\b|\b(?:please|pls|plz|kindly)\b"
            r"|\bneed\s+(?:you|your|a\s+hand|help|someone|a\s+second|coverage)\b"
            r"|\bi\s+need\b|\b(?:when|whenever|once|if)\s+you(?:'re|\s+(?:are|get|have|can|find))"
            r"|\bgot\s+a\s+(?:sec|second|min|minute|moment)\b"
            r"|\bquick\s+(?:ask|one|favou?r|question)\b|\bfavou?r\b|\b(?:let\s+me\s+know|lmk)\b"
            r"|\b(?:take|have)\s+a\s+(?:look|peek|pass)\b|\blook\s+(?:at|into)\b"
            r"|\bdig\s+in|\beyes\s+on\b|\bsorry\s+to\s+bug\b|\bhelp\b"
        ),
    ),
    (
        "approval",
        re.compile(
            r"\b(?:ok|okay|alright|fine|safe|good)\s+(?:to|if)\s+(?!see\b|hear\b|know\b|have\b)"
            r"|\b(?:can|may|could|should)\s+i\b|\bsign[- ]?off\b|\bgo[- ]?ahead\b"
            r"|\bgreen\s+light\b|\bapprov\w*|\bpermission\b|\bobjections?\b|\bthoughts\b"
            r"|\byes\s*/\s*no\b|\bi'd\s+like\s+to\b|\bi\s+want\s+to\b"
        ),
    ),
    (
        "coverage",
        re.compile(r"\b(?:cover|coverage|covering|on[- ]?call|shifts?|rotation|staffed)\b"),
    ),
    (
        "client",
        re.compile(
            r"\b(?:wants|wanted|asked|asking|asks|requested|would\s+like|called|calling"
            r"|escalat\w*|prioriti\w*|priority|expedite\w*|bump\w*|faster|sooner"
            r"|speed\s+(?:it\s+)?up|move\s+(?:it\s+)?up|jump\s+the\s+line|same[- ]day|vip|asap"
            r"|urgent\w*|white\s+glove|threaten\w*|unhappy|upset|complain\w*|p[1-4]"
            r"|by\s+(?:eod|end\s+of\s+(?:day|week|month)|noon|tomorrow|today|monday|tuesday"
            r"|wednesday|thursday|friday))\b"
        ),
    ),
    (
        "problem",
        re.compile(
            r"\b(?:down|outage|offline|fail\w*|errors?|alert\w*|warn\w*|critical|broken|broke"
            r"|crash\w*|dead|died|stopped|stuck|flapping|unreachable|non-?compliant"
            r"|quarantin\w*|ransom\w*|encrypted|breach\w*|phish\w*|compromis\w*|brute[- ]?forc\w*"
            r"|hacked|defac\w*|locked\s+out|expir\w*|beeping|slow\w*|again|came\s+back|wrong"
            r"|missing|issue|problem|not\s+working|isn't|aren't|hasn't|haven't|won't|wont"
            r"|can't(?!\s+wait)|cant(?!\s+wait)|cannot|unable|pegged|spik\w*|full|screaming)\b"
            r"|\b\d{2,3}\s*%|\b\d{1,2}\s*%\s+(?:free|left|remaining)\b"
        ),
    ),
    (
        "hint",
        re.compile(
            r"\b(?:might|may|probably)\s+(?:want|be\s+worth|need)\b"
            r"|\bworth\s+(?:a\s+look|a\s+check|checking|looking|investigating|double[- ]checking)"
            r"|\byou'll\s+want\b|\b(?:should\s+probably|probably\s+should)\b|\bon\s+your\s+radar\b"
            r"|\bnot\s+sure\s+if\s+you(?:'ve|\s+have)\s+seen\b|\bfwiw\b"
            r"|\bi'd\s+(?:take\s+a\s+look|check|look)\b|\blooks\s+like\s+(?:one\s+of\s+)?yours\b"
            r"|\bmight\s+be\s+(?:relevant|related|the\s+same)\b|\bi\s+bet\b"
        ),
    ),
)
# A question: a "?", a question word leading the sentence (after its addressees), a status ask.
_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|where|where's|when|who|who's|whos|why|how|how's|hows|which|is|are"
    r"|was|were|did|do|does|has|have|can|could|would|will|should|eta|status|update\s+on)\b"
)
_STATUS = re.compile(r"\bany\s+(?:update|news|word|progress|luck)\b|\beta\b|\bstatus\b")
_TASK = re.compile(
    r"^(?:grab|assign|renew|send|update|reset|add|create|check|push|re-?run|take|move|order|call"
    r"|reach|review|install|onboard|offboard|fix|restart|reboot|look|swap|cover|escalate|bump"
    r"|approve|confirm|schedule|pick|handle|share|email|remote|patch|replace|disable|enable"
    r"|unlock|build|deploy|run|test|verify|investigate|follow|make|give|open|close|merge"
    r"|migrate|document|write|forward|own|jump|hop|chase|book|let's|lets)\b"
)

# --- step 3: what is not a request ---------------------------------------------------------

_SELF_ANSWER = re.compile(
    r"\b(?:never\s*mind|nvm|nm|disregard|ignore\s+(?:my|that|this|the|it|me)"
    r"|scratch\s+(?:that|my)|cancel\s+that|figured\s+(?:it|out)|found\s+(?:it|the)"
    r"|sorted\s+(?:it|out)|all\s+(?:good|clear|set)|no\s+need|no\s+worries(?!\s+if)"
    r"|don't\s+worry|false\s+alarm|resolved\s+it|got\s+it\s+(?:working|sorted|figured|fixed)"
    r"|my\s+bad|wrong\s+channel|(?:it's|its|it\s+is)\s+(?:fine|ok|okay|working)(?:\s+now)?"
    r"|handled\s+it|auto-?resolved|we're\s+good|answered\s+(?:my|it)|thanks\s+anyway)\b"
)
_FYI = re.compile(
    r"\b(?:fyi|for\s+your\s+(?:awareness|info|information)|for\s+awareness"
    r"|just\s+so\s+you\s+know|letting\s+you\s+know|just\s+a\s+note|for\s+the\s+record"
    r"|info\s+only|no\s+action\s+(?:needed|required)|in\s+the\s+loop|for\s+visibility"
    r"|looping\s+in|nothing\s+needed)\b|(?:^|\s)/?cc\b:?|^\+"
)
_THANKS = re.compile(
    r"\b(?:thanks|thank\s+you|thx|ty|tysm|cheers|appreciate\w*|kudos|props|shout-?out|legend"
    r"|you\s+rock|you're\s+the\s+best|great\s+(?:work|job|catch)|nice\s+(?:work|job|catch)"
    r"|well\s+done|saved\s+me|much\s+obliged|sounds\s+good|will\s+do|got\s+it|perfect"
    r"|awesome)\b|:(?:raised_hands|clap|\+1|thumbsup|muscle):"
)
_SMALL_TALK = re.compile(
    r"\bhow\s+(?:was|were|are\s+you|have\s+you\s+been|is\s+it\s+going|are\s+things)\b"
    r"|\bhow's\s+it\s+going\b|\b(?:happy\s+\w+|congrat\w*|welcome|enjoy|good\s+luck"
    r"|drive\s+safe|feel\s+better|get\s+well|hope\s+(?:you|the|all|your)|lol|lmao|haha\w*"
    r"|weekend|vacation|holiday|trip|lunch|coffee|dinner|drinks?|beers?|pizza|tacos?|party"
    r"|birthday|bday|anniversary|game|league|fantasy|movie|show|series|dog|cat|baby|kids?"
    r"|wedding|cake|race|gym)\b"
)

# --- urgency and lanes ---------------------------------------------------------------------

_URGENT = re.compile(
    r"(?<!slow )(?<!calm )(?<!scroll )(?<!write )(?<!narrow )(?<!track )(?<!break )"
    r"(?<!count )(?<!step )(?<!turn )(?<!shut )(?<!wind )(?<!cut )(?<!sit )\bdown\b(?!\s+to\b)"
    r"|\b(?:outage|breach\w*|ransom\w*|encrypted|phish\w*|compromised|hacked|brute[- ]?forc\w*"
    r"|defac\w*|urgent|emergency|sev\s*1|unreachable|offline|dead"
    r"|all\s+(?:users|staff|employees)|whole\s+(?:office|network|site|company)|both\s+sites"
    r"|every(?:one|body)\s+(?:is|can't|cant|cannot)|for\s+every(?:one|body)"
    r"|nobody\s+can|no\s+one\s+can|(?:can't|cant|cannot|unable\s+to)\s+log\s*(?:in|on)"
    r"|locked\s+out|won't\s+boot|data\s+loss)\b"
    r"|:(?:rotating_light|fire|sos):"
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
}
_STRONG = frozenset({"ask", "approval", "question", "hint"})  # what survives an fyi or cc
_ROOM_WORDS = re.compile(
    r"@@room|\b(?:any\s*one|any\s*body|some\s*one|some\s*body|who|who's|everyone|team|folks)\b"
)


def _cues(sentence: _Sentence) -> set[str]:
    text = _RHETORICAL.sub(" ", _EMOJI.sub(" ", _TOKEN.sub(" ", sentence.text)))
    body = _RHETORICAL.sub(" ", _EMOJI.sub(" ", sentence.body)).strip()
    found = {name for name, pattern in _CUES if pattern.search(text)}
    if "?" in text or _QUESTION_START.match(body) or _STATUS.search(text):
        found.add("question")
    if _TASK.match(body):
        found.add("task")
    if _THANKS.search(sentence.text):
        found &= {"ask", "approval"} | ({"question"} if "?" in text else set())
    elif "question" in found and _SMALL_TALK.search(text):
        found.discard("question")
    return found


@lru_cache(maxsize=512)
def _lane_pattern(lane: LaneHint) -> re.Pattern[str] | None:
    words = [w.strip().lower() for w in (*lane.keywords, lane.key.replace("-", " ")) if w.strip()]
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
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
    plain = _EMOJI.sub(" ", _TOKEN.sub(" ", low))
    ranked = _rank_lanes(plain, lanes)
    urgent = bool(_URGENT.search(low))
    guarded = {i for i, uid in enumerate(ids) if uid in protected and uid != sender}

    def verdict(targets: Sequence[int], reason: str) -> Verdict:
        return Verdict(bool(targets), tuple(ids[i] for i in targets), reason, ranked, urgent)

    if not guarded:
        return verdict((), "no protected person mentioned")

    sentences = _parse(low)
    cues: dict[int, set[str]] = {}  # mention index -> cues of the sentences addressed to them
    after_self: dict[int, set[str]] = {}  # the same, only from sentences after a self-answer
    addressed: set[int] = set()
    current: tuple[int, ...] = ()
    previous: tuple[tuple[int, ...], set[str]] = ((), set())
    self_answered = False
    for s in sentences:
        if s.lead:
            current = s.lead
        elif s.room:
            current = ()
        targets = tuple(dict.fromkeys(current + s.tail))
        if s.tail:
            current = targets
        found = _cues(s)
        if s.bare and not previous[0]:
            found |= previous[1]
        addressed.update(targets)
        for i in targets:
            cues.setdefault(i, set()).update(found)
            if self_answered:
                after_self.setdefault(i, set()).update(found & {"ask"})
        if _SELF_ANSWER.search(s.text):
            self_answered = True
        previous = (targets, found)

    to_them = [i for i in sorted(addressed) if i in guarded]
    if not to_them:
        if addressed:
            return verdict((), "request to someone else")
        return verdict((), "to the room" if _ROOM_WORDS.search(low) else "third person")

    fyi = bool(_FYI.search(low))
    requested: list[int] = []
    reason_cues: set[str] = set()
    for i in to_them:
        found = after_self.get(i, set()) if self_answered else cues.get(i, set())
        if fyi:
            found = found & _STRONG
        if found:
            requested.append(i)
            reason_cues |= found
    if requested:
        best = next(name for name in _REASONS if name in reason_cues)
        mentions = ", ".join(f"<@{ids[i]}>" for i in requested)
        return verdict(requested, f"{_REASONS[best]} {mentions}")
    if self_answered:
        return verdict((), "answered their own question")
    if fyi:
        return verdict((), "fyi or cc")
    if any(_THANKS.search(s.text) for s in sentences):
        return verdict((), "thanks")
    if any(_SMALL_TALK.search(s.text) for s in sentences):
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
