"""Step 1 of the interception rules: who a message addresses. The Slack markup is normalised
(mentions become ``@@<n>``), the text is cut into sentences, and each sentence records the
mentions it addresses at its start (after greetings, apologies, emoji), inside it (after a clause,
before a new clause's subject) and at its end. How the steps fit together is told in
:mod:`bot.domain.interception`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._interception_vocabulary import (
    _AUX_BE,
    _AUX_MODAL,
    _BARE_PREFIX,
    _CLAUSE_END,
    _FIRST_PERSON_PAST,
    _FIRST_WORDS,
    _GROUP,
    _LAST_WORD,
    _MID_AFTER,
    _MID_AFTER_YOU,
    _MID_ASKED,
    _MID_BLOCK,
    _MID_NEW_CLAUSE,
    _MODAL_AFTER,
    _NEED_NEGATED,
    _NEED_SUBJECT,
    _NEED_TO,
    _NOUN_BEFORE,
    _NOUN_START,
    _OBJECT_WORDS,
    _PAST,
    _PAST_OR_IMPERATIVE,
    _PERSON,
    _PLEASE,
    _PREFIX,
    _QUESTION_ADVERB,
    _SECOND_PERSON,
    _SUBJECT_VERBS,
    _TAIL,
    _TASK,
    _THIRD_PERSON,
    _WEAK_OBJECT_WORDS,
    _WEAK_PREPOSITIONS,
    _WH_TAIL,
    _WH_TAIL_PREPOSITIONS,
    _WISH_SUBJECT,
    _YOU,
)

# --- Slack markup --------------------------------------------------------------------------

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ROOM_MENTION = re.compile(r"<!(?:here|channel|everyone|subteam\^[A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_TOKEN = re.compile(r"@@(\d+)")
_MARKUP = re.compile(r"@@\w+|:[a-z0-9_+'-]+:|[⟦⟧]|«q»")
# "X happened so <@U1> their tickets go first": a mention after "so"/"but" starts a sentence of
# its own, so that the news before it does not veto the ask after it.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])(?<![.\s][a-z]\.[a-z]\.)(?<!\betc\.)(?<!\bvs\.)\s+|[\n;]+|\s+[-–—]+\s+|,?\s+(?:so|but)\s+(?=@@\d)"
)


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
    if _UNICODE_EMOJI.search(text):
        text = _UNICODE_EMOJI.sub(_emoji_code, text)
    text = _quotes_removed(_SLACK_QUOTE.sub(_slack_quote, text))
    text = re.sub(r"[ \t]+", " ", text).strip().lower()
    text = _RESTATED_QUESTION.sub(r"\1 «q»", text) if "your" in text else text
    return re.sub(r" +([,.!?:])(?=\s|$)", r"\1", text), ids


# Round 7: an emoji typed as a character ("🚨 <@U1> the dashboard shows …", "nice work <@U1> 🙌 can
# you …") is read like the ``:code:`` Slack writes for one picked from its menu: a few keep their
# meaning (an alarm is urgent, a laugh is chat), any other becomes ``:emoji:``.
_UNICODE_EMOJI = re.compile(
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF][\uFE0F\u200D\U0001F3FB-\U0001F3FF]*"
)
_EMOJI_CODES = {
    "🚨": ":rotating_light:",
    "🔥": ":fire:",
    "🆘": ":sos:",
    "😂": ":joy:",
    "🤣": ":rofl:",
    "😅": ":sweat_smile:",
    "🎉": ":tada:",
    "👆": ":point_up:",
    "🙏": ":pray:",
    "🙌": ":raised_hands:",
    "👏": ":clap:",
    "👍": ":+1:",
    "💪": ":muscle:",
    "➡": ":arrow_right:",
}


def _emoji_code(m: re.Match[str]) -> str:
    return f" {_EMOJI_CODES.get(m.group(0)[0], ':emoji:')} "


# Round 7: her own question repeated after the words that say it is answered ("to your question
# yesterday, can you reuse the old SFPs — yes, …") is her question, not an ask of her: it becomes
# «q», as a quoted question does.
_RESTATED_QUESTION = re.compile(
    r"((?<![\w'])(?:to|re:?|on|about|answering|per)\s+your\s+(?:[\w-]+\s+)?(?:q|question|ask)"
    r"(?:\s+(?:yesterday|earlier|today|this\s+morning|last\s+night|from\s+\w+|in\s+\w+))?)[,:]\s+"
    r"[^?.!\n—–]{3,200}\?*"
)


# Quoted speech is someone else's words: "the client said "can you come tuesday", so I moved…"
# asks nothing of her. A quotation (double quotes, straight or curly, or backticks) that asks
# something (a "?", can/could/please, a wh-word) becomes the token «q», and the verb that reports
# it goes with it ("asked «q»", "wrote: «q»"). A quotation that asks nothing is kept: it is
# usually what a screen or an error says ("showing a "your files are encrypted" screen").
_QUOTE = re.compile(r'"([^"\n]{1,300})"|“([^”\n]{1,300})”|`([^`\n]{1,300})`')
_QUOTED_ASK = re.compile(
    r"\?|\b(?:can|could|would|will|please|pls|plz|who|what|why|how|when|where|which|need|want"
    r"|must|shall|required)\b",  # round 7: a quoted requirement ("the RFP says "must …"") too
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"\b(?:asked|asks|said|says|wrote|writes|texted|emailed|messaged|replied|replies|typed|goes"
    r"|went|was\s+like|is\s+like|put)(?:\s+(?:me|us|her|him|them))?[\s,:]*«q»",
    re.IGNORECASE,
)


# Round 5: a line that starts with ">" is Slack's quote markup: someone's earlier words, quoted
# ("> <@U1> can you check the backups" then "already handled"). Its words ask nothing now; its
# mentions are kept (what follows may bump the quoted ask to her: "> <@U1> can you …" then
# "any update?"), and the rest of the line becomes the token «q».
_SLACK_QUOTE = re.compile(r"^[ \t]*>[ \t]?([^\n]*)$", re.MULTILINE)
_KEPT_IN_QUOTE = re.compile(r"@@\d+|@@room")


def _slack_quote(m: re.Match[str]) -> str:
    return " ".join([*_KEPT_IN_QUOTE.findall(m.group(1)), "«q»"])


def _quote(m: re.Match[str]) -> str:
    inside = m.group(1) or m.group(2) or m.group(3) or ""
    return " «q» " if _QUOTED_ASK.search(inside) else f" {inside} "


def _quotes_removed(text: str) -> str:
    if '"' not in text and "“" not in text and "`" not in text:
        return text
    return _REPORTED.sub("«q»", _QUOTE.sub(_quote, text))


# --- step 1: who is addressed --------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    text: str
    body: str  # the sentence after greetings and its leading addressees
    lead: tuple[int, ...]  # mention indexes addressed at its start
    tail: tuple[int, ...]  # mention indexes addressed at its end
    bare: bool  # nothing but (greeted) mentions: "<@U1>" on its own
    room: bool  # starts with @here / @channel / a user group
    told: bool = False  # its leading mentions are the subject of a statement ("<@U1> is out")


_THIRD_NOUNS = frozenset({"he", "she", "they", "his", "her", "their"})
_WISH_VERBS = frozenset({"love", "appreciate", "be", "really", "help", "like"})
_DO = frozenset({"did", "does", "do"})
_DID_OBJECT = frozenset(
    {"it", "the", "that", "this", "a", "an", "his", "her", "their", "those", "these", "our", "my"}
)
_IMPERATIVE_OPENERS = frozenset({"ok", "okay", "also", "then", "pls", "please", "so", "and"})
_NOT_VERBS = frozenset(
    {"pls", "plz", "thanks", "thx", "please", "guys", "folks", "thoughts", "yes"}
)
_ASKING_MODALS = frozenset({"can", "could", "will", "would", "should", "can't", "won't"})
# Round 6: "(not you <@U1>, I know)", "anyone but <@U1>": a mention that excludes her
_EXCLUDED = re.compile(
    r"(?:(?<![\w'])not\s+(?:you|u)|(?<![\w'])(?:except|excluding|other\s+than|anyone\s+but)(?:\s+(?:you|u))?)[\s,]*$"
)


# Round 7: an alternative put as a question without its "?" ("is Contoso on 24/7 or business
# hours", "did it finish or did it roll back", "… or not")
_ALTERNATIVE = re.compile(
    r"(?<![\w'])or\s+(?:not|did|is|are|was|were|does|do|will|has|have|should|would|can|could)\b"
    r"|(?<![\w'])or\s+[\w/-]+(?:\s+[\w/-]+){0,2}[\s.]*$"
)
_DESCRIBED = re.compile(
    r"(?:is|was)\s+(?:the|our)\s+(?:only\s+)?(?:one|person|guy|gal|go-to|expert|owner|contact|lead)"
    r"(?:\s+[\w-]+)?\s+(?:who|that|for)\b"
)
# Chat drops the "I" before these: "<@U1> can't find the runbook", "<@U1> don't see it in IT Glue"
_DROPPED_I = frozenset({"can't", "cant", "cannot", "couldn't", "couldnt", "don't", "dont"})
_DROPPED_I_VERBS = frozenset({"find", "see", "locate", "reach", "access", "remember", "figure"})


def _is_subject(rest: str, vocative: bool = False) -> bool:
    """Does the text after a leading mention make it the subject of a statement about them?"""
    if rest.startswith("'s "):
        return True
    m = _FIRST_WORDS.match(rest)
    if not m:
        return False
    first, second = m.group(1), m.group(2) or ""
    clause = _CLAUSE_END.split(rest, maxsplit=1)[0]
    asked = "?" in clause or bool(_YOU.search(clause))
    if first in _DO and _QUESTION_ADVERB.search(clause):
        asked = True  # "<@U1> did Wingtip ever send back the quote"
    if first in _AUX_BE and _ALTERNATIVE.search(rest) and not _THIRD_PERSON.search(rest):
        asked = True  # round 7: "<@U1> did the cutover finish or did it roll back": a question
    if first in _AUX_BE and _DESCRIBED.match(rest):
        return True  # round 7: "<@U1> is the one who set up Duo": a description of her
    if first in _DROPPED_I and second in _DROPPED_I_VERBS:
        return False  # round 7: "<@U1> can't find the runbook anywhere": the sender can't
    if not asked and _THIRD_PERSON.search(rest) and first in _AUX_BE | _AUX_MODAL:
        return True  # "<@U1> is the Meraki expert here, she did the Wingtip deployment"
    if first in _SUBJECT_VERBS:
        return True
    if first in _PAST_OR_IMPERATIVE:  # "<@U1> set up the Acme network" unless asked
        return not (asked or vocative or _PLEASE.search(clause))
    if _PAST.fullmatch(first) and first not in _FIRST_PERSON_PAST:
        return not (asked or second == "my")  # "<@U1> answered my own question": I did
    if (
        first in _DO
        and second in _DID_OBJECT
        and not asked
        and "?" not in rest
        and not _QUESTION_ADVERB.search(clause)
    ):
        return True  # "<@U1> did it last time", but "<@U1> did either of you …"
    if first in ("has", "had") and "?" not in rest and second not in _PERSON:
        return True  # "<@U1> has the config backup if you need it": a statement about them
    if first in _AUX_BE:
        noun = second in _NOUN_START or second[:1].isdigit() or second.endswith("'s")
        return not (asked or noun)
    if first in ("would", "could") and second in _WISH_VERBS:
        return False  # "<@U1> would love it if the runbook got some love": a wish put to them
    if first in _AUX_MODAL:  # "<@U1> can the Meraki do content filtering" asks her
        noun = second in _NOUN_START or second[:1].isdigit() or second.endswith("'s")
        inverted = noun and first in _ASKING_MODALS and second not in _THIRD_NOUNS
        return not (asked or second in _PERSON or inverted)
    return False


# Round 7: a wish or a wonder whose clause has her as its subject
_WISHED_SUBJECT = re.compile(
    r"(?:(?<![\w'])(?:i|we)\s+(?:really\s+|just\s+|kinda\s+)?wish"
    r"|(?:wondering|wonder|wondered|curious)\s+(?:if|whether)"
    r"|(?:great|amazing|awesome|nice|ideal|helpful|perfect|brilliant|lovely|a\s+lifesaver|relief|easier"
    r"|appreciate\s+it|love\s+it|grateful)\s+if)[\s,]*$"
)
_ARROW_BEFORE = re.compile(r"(?:->|→|=>|:arrow_right:)\s*$")
_HEADING_FOR = re.compile(r"^[\w' -]{0,30}\b(?:for|to|attn|attention)[\s:]*$")
_FOR_TO = re.compile(r"(?:love|like|want|need|prefer|appreciate\s+it)\s+for\s*$")
_NEED_FROM = re.compile(
    r"(?<![\w'])(?:need|needs|want|wants|still\s+need|waiting\s+(?:on|for)|could\s+use"
    r"|(?:would|'d)\s+(?:really\s+)?(?:love|like|appreciate))\s+"
    r"(?:an?\s+|the\s+|some\s+)?[\w/'-]+(?:\s+[\w/'-]+){0,3}\s+from[\s,]*$"
)


def _is_mid_vocative(before: str, after: str) -> bool:
    """Does a mention inside a sentence address that person? ``…billing, <@U1> can you…``,
    ``…creeping up <@U1>, worth a look``, ``if <@U1> could take…``; not ``ask <@U1>``,
    ``so <@U1> can go``, ``<@U2> thinks … but <@U1> is out``."""
    if _EXCLUDED.search(before[-40:]):
        return False  # "anyone free at 2? (not you <@U1>, I know)"
    last = _LAST_WORD.search(before)
    word = last.group(1) if last else ""
    if word in _WISH_SUBJECT and _MODAL_AFTER.match(after):
        return True  # "it'd help if <@U1> could take the onboarding"
    if _WISHED_SUBJECT.search(before[-60:]) and not _THIRD_PERSON.search(after[:40]):
        # round 7: her mention is the subject of the clause a wish or a wonder puts to her, with
        # any verb ("I wish <@U1> would …", "wondering if <@U1> knows …", "would be great if
        # <@U1> owned …")
        return True
    if word in ("you", "u"):
        return True  # round 7: "told me to check with you <@U1> about …": you, that is her
    if _ARROW_BEFORE.search(before[-6:]):
        return True  # round 7: "… still erroring → <@U1> over to you": the arrow hands it to her
    if after[:1] == ":" and _HEADING_FOR.search(before):
        return True  # round 7: "Handover for <@U1>:" then the lines handed over
    if word == "for" and _FOR_TO.search(before[-40:]) and _NEED_TO.match(after):
        return True  # round 7: "I'd love for <@U1> to take a crack at …"
    if word == "from" and _NEED_FROM.search(before[-60:]):
        return True  # round 7: "need a yes/no from <@U1> on …": what is needed is hers to give
    if word in _NEED_SUBJECT and _NEED_TO.match(after) and not _NEED_NEGATED.search(before):
        return True  # "need <@U1> to pull the logs", "I'll need <@U1> to confirm the models"
    if word in _OBJECT_WORDS or word.endswith("'s"):
        return False
    verb = (
        word.endswith("s")
        and not word.endswith("ss")
        and len(word) > 3
        and word not in _NOT_VERBS
        and before.rstrip()[-1:].isalpha()
    )
    if verb and _THIRD_PERSON.search(after) and not _YOU.search(after):
        return False  # "the client loves <@U1>, keeps asking for her by name": talked about
    demonstrative = word == "that"  # "did you schedule that <@U1> or should I cancel"
    if (
        _MID_AFTER_YOU.match(after)
        and _SECOND_PERSON.search(before)
        and (word not in _MID_BLOCK or demonstrative)
    ):
        return True  # "do you agree <@U1> or is that too soon?"
    if word in _MID_BLOCK and not _MID_ASKED.match(after):
        return False  # "so <@U1> can go", but "so <@U1> can you…", "said, <@U1>, but…"
    if _MID_NEW_CLAUSE.match(after):
        return True
    boundary = before.rstrip()[-1:] in (",", ":", "!") or word in _IMPERATIVE_OPENERS
    if boundary and _TASK.match(after.lstrip()) and not _PAST.match(after.lstrip()):
        return True  # "Wingtip's UPS is beeping again, <@U1> swap the battery when ur onsite"  # "…office move <@U1> and nobody has labelled the cables"
    if not _MID_AFTER.match(after):
        return False
    rest = after.lstrip()
    return rest[:1] in ",:!-–—" or not _is_subject(rest)


# Punctuation around a body, but not the colon that opens an emoji code (":coffee: did…").
_LEADING_PUNCT = re.compile(r"^(?:[\s,!.]|:(?![a-z0-9_+'-]+:))+")
_TRAILING_PUNCT = re.compile(r"(?:[\s,!.]|(?<![a-z0-9_+'-]):)+$")
_FYI_WORDS = frozenset({"fyi", "fwiw"})


def _parse(text: str) -> list[_Sentence]:
    sentences = []
    for part in _SENTENCE_BREAK.split(text):
        s = part.strip()
        if not s:
            continue
        prefix = _PREFIX.match(s)
        start = prefix.end() if prefix else 0
        lead: list[int] = []
        told = False
        body = s[start:]
        bare = False
        group = _GROUP.match(s, start)
        if group:
            body = _LEADING_PUNCT.sub("", s[group.end() :])
            # "@@1, @@2 said…" and "@@1 @@2 is out": only @@2 is talked about; "@@1 and @@2
            # are onsite": both are.
            joined = re.sub(r"\s*(?:and|&)\s+", "+", group.group(0))
            parts = [_TOKEN.findall(p) for p in re.split(r"[\s,]+", joined) if "@@" in p]
            # round 7: "hey <@U1>, put S1 on the new laptops": a comma after her makes a
            # vocative of her, and "put"/"set" an imperative
            comma = s[group.end() : group.end() + 2].lstrip()[:1] in (",", ":")
            if _is_subject(body, vocative=comma):
                parts = parts[:-1]
                told = True
            lead = [int(i) for p in parts for i in p]
            bare = not body.strip(" ,:!.?") and bool(_BARE_PREFIX.match(s[:start]))
        tail: list[int] = []
        t = _TAIL.search(s)
        if t and t.start() > start and not _EXCLUDED.search(s[max(0, t.start() - 40) : t.start()]):
            before = _LAST_WORD.search(s[: t.start()])
            word = before.group(1) if before else ""
            spoken_to = bool(_SECOND_PERSON.search(s[start:]))
            if (
                (
                    (word not in _OBJECT_WORDS or word.endswith("'s"))
                    and not (word in _FYI_WORDS and lead)
                    and not word.endswith("'s")
                )
                or (
                    # "which vlan is the voip on <@U1>": the question is put to them
                    word in _WH_TAIL_PREPOSITIONS and _WH_TAIL.match(body)
                )
                or (
                    # round 7: "Handover for <@U1>:" then the lines handed over
                    ":" in t.group(0)[len(t.group(1)) :] and _HEADING_FOR.search(s[: t.start()])
                )
                or (
                    # "your call <@U1>", "DM me <@U1>", "what are the cameras on <@U1>?"
                    word in _WEAK_OBJECT_WORDS
                    and (
                        (spoken_to and word in _WEAK_PREPOSITIONS)
                        or bool(_NOUN_BEFORE.search(s[: t.start()]))
                    )
                )
            ):  # "<@U2> can you bump the firmware (fyi <@U1>)": U1 is told, not asked
                tail = [int(i) for i in _TOKEN.findall(t.group(1))]
        for m in _GROUP.finditer(s, start):
            if (group and m.start() == group.start()) or (t and m.start() >= t.start()):
                continue
            if not _is_mid_vocative(s[: m.start()], s[m.end() :]):
                continue
            lead.extend(int(i) for i in _TOKEN.findall(m.group(0)) if int(i) not in lead)
        room = s.startswith("@@room")
        body = _TRAILING_PUNCT.sub("", _LEADING_PUNCT.sub("", body))
        sentences.append(_Sentence(s, body, tuple(lead), tuple(tail), bare, room, told))
    return sentences
