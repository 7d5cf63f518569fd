"""The words the interception rules look for, compiled once: greetings and the words that make
a mention a subject or an object (step 1), the request cues and the work vocabulary (step 2), the
vetoes (step 3), urgency, and the reasons given. How they are used is told in
:mod:`bot.domain.interception`."""

from __future__ import annotations

import re


def _words(*alternatives: str) -> re.Pattern[str]:
    """One whole-word pattern from regex fragments (each may hold ``|``), where a space
    matches any run of spaces and `` ?`` an optional one."""
    body = "|".join(a.strip().replace(" ?", r"\s*").replace(" ", r"\s+") for a in alternatives)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


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
