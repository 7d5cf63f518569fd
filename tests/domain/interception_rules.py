"""What the interception round tests share: the protected people and the rules alone."""

from __future__ import annotations

from bot.domain.interception import classify

PROTECTED = frozenset({"U01TECH1", "U01TECH2", "U01TECH3"})


def rule(text: str) -> str:
    """The rule that decided, the rules alone (``second_stage=False``)."""
    return classify(text, protected=PROTECTED, second_stage=False).rule


def asks(text: str) -> bool:
    """Whether the rules alone (``second_stage=False``) read it as a request."""
    return classify(text, protected=PROTECTED, second_stage=False).is_request
