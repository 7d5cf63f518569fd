"""Second stage of the interception rules (issue 18, round 3): a logistic regression over the
rules' own reading of a message (the deciding rule, the cues, who is addressed) and over the
words around the protected mention, trained on every labelled batch by
``bench/interception_model.py`` (fixed, deterministic; no randomness) and shipped as
``interception_model.json`` beside this module.

:func:`features` names every feature of a message (``rule=none.statement``, ``cue=ask``,
``w=please``, ``b=can_you``, ``pre=hey`` …); the model's score is the sum of their weights plus a
bias, read as a probability through the logistic function. :func:`score` returns that probability
and the features that pushed it most, so ``lanekeeper shield explain`` can say why. The features
are plain strings and the weights a plain dict: a message costs a dict lookup per feature.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("interception_model.json")

_TOKENS = re.compile(r"@@room|@@\d+|«q»|⟦[^⟧]*⟧|:[a-z0-9_+'-]+:|[a-z][a-z0-9']*|\d+|[?!]")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n")
_GREETINGS = frozenset({"hey", "hi", "hello", "yo", "morning", "gm", "ok", "okay", "so", "also"})
_MODALS = frozenset(
    {"can", "could", "would", "will", "should", "mind", "any", "is", "are", "did", "do", "does"}
)
# Round 6: what a problem report says about the problem, as evidence beside the rules' implicit
# cues (a lone ``request.problem`` was often news or an answer in the batches the model learned
# from, so it overruled terse outage reports that were asks: 5, 7 and 7 misses on d, e and f).
# Each is a feature on its own (``ev=now``) and joined to the rules' implicit rule
# (``rule+ev=problem+now``), since a logistic regression cannot join them itself.
_EVIDENCE = (
    # it is happening now: "can't print", "aren't casting", "is printing everything in …"
    (
        "now",
        re.compile(
            r"(?<![\w'])(?:can't|cant|cannot|won't|wont|isn't|aren't|unable to|not \w+ing"
            r"|(?:is|are|'s|keeps?|still) \w+ing|doing the thing)(?![\w'])"
        ),
    ),
    # it came back: "again", "still", "third time", "keeps"
    (
        "again",
        re.compile(
            r"(?<![\w'])(?:again|still|keeps?|(?:second|third|\d+(?:st|nd|rd|th)) time)(?![\w'])"
        ),
    ),
    # it is over or was explained: "was their ISP", "fixed", "back up", "nothing broke"
    (
        "over",
        re.compile(
            r"(?<![\w'])(?:was|were|fixed|resolved|cleared|back (?:up|online)|ran clean|nothing broke"
            r"|no (?:errors|issues|surprises)|results|gone|after all|turned out)(?![\w'])"
        ),
    ),
)
_IMPLICIT = frozenset({"request.problem", "request.report", "request.client", "request.question"})


def tokens(low: str, ids: list[str], protected: Collection[str], sender: str | None) -> list[str]:
    """The normalised message as tokens: a protected mention is ``@p``, another person ``@o``,
    a room ``@room``, an emoji ``:e:``, a link ``link``, a number ``0``."""
    out = []
    for t in _TOKENS.findall(low):
        if t.startswith("@@"):
            if t == "@@room":
                out.append("@room")
            else:
                uid = ids[int(t[2:])]
                out.append("@p" if uid in protected and uid != sender else "@o")
        elif t.startswith(":"):
            out.append(":e:")
        elif t.startswith("⟦"):
            out.append("link")
        elif t.isdigit():
            out.append("0")
        else:
            out.append(t)
    return out


def features(
    low: str,
    ids: list[str],
    protected: Collection[str],
    sender: str | None,
    rule: str,
    cues: Iterable[str],
    addressed_protected: bool,
) -> list[str]:
    """Every feature name of one message (each counts once)."""
    toks = tokens(low, ids, protected, sender)
    words = [t for t in toks if t not in ("?", "!")]
    found = {f"rule={rule}", f"verdict={rule.split('.')[0]}"}
    found.update(f"cue={c}" for c in cues)
    if addressed_protected:
        found.add("addressed")
    found.update(f"w={t}" for t in words)
    padded = ["^", *words, "$"]
    found.update(f"b={a}_{b}" for a, b in pairwise(padded))
    if "?" in toks:
        found.add("qmark")
        if low.rstrip().endswith("?"):
            found.add("qmark-end")
    if "@o" in toks:
        found.add("other-person")
    if "@room" in toks:
        found.add("room")
    if toks.count("@p") > 1:
        found.add("several-protected")
    # where the first protected mention sits, and the words on either side of it
    plain = [t for t in words if t != ":e:"]
    if "@p" in plain:
        at = plain.index("@p")
        before = plain[:at]
        if not before or all(t in _GREETINGS or t.startswith("@") for t in before):
            found.add("pos=lead")
        elif at == len(plain) - 1:
            found.add("pos=end")
        else:
            found.add("pos=mid")
        found.add(f"pre={plain[at - 1] if at else '^'}")
        found.add(f"post={plain[at + 1] if at + 1 < len(plain) else '$'}")
        after = [t for t in plain[at + 1 :] if not t.startswith("@")]
        if after:
            found.add(f"next={after[0]}")
            if after[0] in _MODALS:
                found.add("next-modal")
    implicit = rule.split(".")[1] if rule in _IMPLICIT else ""
    for name, pattern in _EVIDENCE:
        if pattern.search(low):
            found.add(f"ev={name}")
            if implicit:
                found.add(f"rule+ev={implicit}+{name}")
    sentences = [s for s in _SENTENCE_END.split(low) if s.strip()]
    found.add(f"sentences={min(len(sentences), 4)}")
    found.add(f"length={min(len(words) // 8, 5)}")
    return sorted(found)


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    threshold: float
    """The probability from which the second stage calls a message a request."""

    def score(self, names: Iterable[str]) -> tuple[float, tuple[tuple[str, float], ...]]:
        """The probability that the message is a request, and every feature with a weight,
        the largest contribution in the direction of the decision first."""
        weighted = [(n, self.weights[n]) for n in names if n in self.weights]
        z = self.bias + sum(w for _, w in weighted)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        sign = 1.0 if p >= self.threshold else -1.0
        weighted.sort(key=lambda nw: -sign * nw[1])
        return p, tuple(weighted)


def model_from(data: dict[str, object]) -> Model:
    """A :class:`Model` from the JSON the trainer writes; a clear ValueError if it is not one."""
    try:
        raw = data["weights"]
        if not isinstance(raw, dict):
            raise TypeError("weights is not an object")
        weights = {str(k): float(v) for k, v in raw.items()}
        bias = float(data["bias"])  # type: ignore[arg-type]
        threshold = float(data["threshold"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an interception model ({exc})") from exc
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"not an interception model (threshold {threshold} outside 0..1)")
    return Model(weights, bias, threshold)


@lru_cache(maxsize=1)
def shipped() -> Model | None:
    """The model shipped in the package, or None when the file is absent."""
    if not WEIGHTS_FILE.exists():
        return None
    return model_from(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))
