"""The escalation lifecycle: statuses, who may do what, and what each action changes.

    pending_approval ─approve→ open ─take→ acknowledged ⇄ waiting ─resolve→ resolved ─reopen→ reopened
           └─reject→ rejected        (any active status) ─cancel→ cancelled

Everything here is pure: a transition takes the current :class:`EscalationState` and returns a
:class:`Change` (the new state plus the timeline line that explains it). The service applies
the change to the stored row and moves the SLA clocks; nothing here knows about storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from .errors import AlreadyDone, InvalidInput, NotAllowed


class Status(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    WAITING = "waiting"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_active(self) -> bool:
        """Work is expected: the SLA applies and the escalation shows in digests."""
        return self in ACTIVE


_LABELS = {
    Status.PENDING_APPROVAL: "Pending approval",
    Status.OPEN: "Open",
    Status.ACKNOWLEDGED: "In progress",
    Status.WAITING: "Waiting on client",
    Status.RESOLVED: "Resolved",
    Status.REOPENED: "Reopened",
    Status.REJECTED: "Rejected",
    Status.CANCELLED: "Cancelled",
}

ACTIVE = frozenset({Status.OPEN, Status.ACKNOWLEDGED, Status.WAITING, Status.REOPENED})
CLOSED = frozenset({Status.RESOLVED, Status.REJECTED, Status.CANCELLED})


class Source(StrEnum):
    SLASH_COMMAND = "slash_command"
    INTERCEPTED = "intercepted"
    SHORTCUT = "message_shortcut"
    ALERT = "alert_webhook"
    PSA = "psa"
    HOME = "app_home"


MAX_SUMMARY = 150
MAX_CLIENT = 80
MAX_DETAILS = 2900
MAX_NOTE = 2000
MAX_TICKET = 40


@dataclass(frozen=True)
class EscalationState:
    """What a transition needs to decide: status, people, definition of done."""

    ref: str
    status: Status
    requester: str
    owner: str | None = None
    done_items: tuple[str, ...] = ()
    status_before_wait: Status | None = None


@dataclass(frozen=True)
class Change:
    state: EscalationState
    kind: str  # timeline kind: "taken", "waiting", "resumed", "resolved", ...
    text: str  # timeline line, mrkdwn; user text inside must already be escaped
    detail: dict[str, object] = field(default_factory=dict)


def _require(state: EscalationState, allowed: frozenset[Status], doing: str) -> None:
    if state.status not in allowed:
        raise NotAllowed(f"{state.ref} is {state.status.label.lower()}; it cannot be {doing} now.")


_WORKABLE = frozenset({Status.OPEN, Status.ACKNOWLEDGED, Status.REOPENED})


def take(state: EscalationState, actor: str) -> Change:
    if state.owner == actor and state.status in {Status.ACKNOWLEDGED, Status.WAITING}:
        raise AlreadyDone(f"You already own {state.ref}.")
    if state.owner and state.status in {Status.ACKNOWLEDGED, Status.WAITING}:
        # A stale "Take it" (the message was rendered before someone took it) must not move
        # ownership silently; taking over is a deliberate Reassign.
        raise NotAllowed(
            f"<@{state.owner}> already took {state.ref}. Use Reassign to take it over."
        )
    _require(state, _WORKABLE | {Status.WAITING}, "taken")
    status = Status.WAITING if state.status == Status.WAITING else Status.ACKNOWLEDGED
    before = state.owner
    text = f"<@{actor}> took it" + (f" over from <@{before}>" if before and before != actor else "")
    return Change(
        replace(state, status=status, owner=actor),
        "taken",
        text,
        {"previous_owner": before},
    )


def wait_on_client(state: EscalationState, actor: str) -> Change:
    if state.status == Status.WAITING:
        raise AlreadyDone(f"{state.ref} is already waiting on the client.")
    _require(state, _WORKABLE, "put on hold")
    return Change(
        replace(state, status=Status.WAITING, status_before_wait=state.status),
        "waiting",
        f"<@{actor}> set it to waiting on the client; the SLA clock is paused",
    )


def resume(state: EscalationState, actor: str) -> Change:
    if state.status != Status.WAITING:
        raise AlreadyDone(f"{state.ref} is not waiting; its SLA clock is already running.")
    back = state.status_before_wait or (Status.ACKNOWLEDGED if state.owner else Status.OPEN)
    return Change(
        replace(state, status=back, status_before_wait=None),
        "resumed",
        f"<@{actor}> resumed work; the SLA clock runs again",
    )


def resolve(state: EscalationState, actor: str, *, checked: list[str], note: str) -> Change:
    if state.status == Status.RESOLVED:
        raise AlreadyDone(f"{state.ref} is already resolved.")
    _require(state, ACTIVE, "resolved")
    fields: dict[str, str] = {}
    missing = [item for item in state.done_items if item not in set(checked)]
    if missing:
        fields["done"] = (
            f"Every item of the definition of done is required ({len(missing)} not ticked)."
        )
    note = (note or "").strip()
    if not note:
        fields["note"] = "Say what was done: a resolution note is required."
    elif len(note) > MAX_NOTE:
        fields["note"] = f"Keep the note under {MAX_NOTE} characters."
    if fields:
        raise InvalidInput("The escalation cannot be resolved yet.", fields=fields)
    owner = state.owner or actor
    return Change(
        replace(state, status=Status.RESOLVED, owner=owner, status_before_wait=None),
        "resolved",
        f"<@{actor}> resolved it",
        {"note": note, "done": list(state.done_items)},
    )


def reopen(state: EscalationState, actor: str, *, reason: str = "") -> Change:
    if state.status == Status.REOPENED:
        raise AlreadyDone(f"{state.ref} is already reopened.")
    if state.status != Status.RESOLVED:
        raise NotAllowed(
            f"{state.ref} is {state.status.label.lower()}; only a resolved one can be reopened."
        )
    return Change(
        replace(state, status=Status.REOPENED),
        "reopened",
        f"<@{actor}> reopened it",
        {"reason": reason},
    )


def reassign(state: EscalationState, actor: str, *, to: str) -> Change:
    if state.owner == to:
        raise AlreadyDone(f"<@{to}> already owns {state.ref}.")
    _require(state, ACTIVE, "reassigned")
    status = state.status if state.status == Status.WAITING else Status.ACKNOWLEDGED
    return Change(
        replace(state, status=status, owner=to),
        "reassigned",
        f"<@{actor}> assigned it to <@{to}>" + (f" (was <@{state.owner}>)" if state.owner else ""),
        {"previous_owner": state.owner, "owner": to},
    )


def cancel(state: EscalationState, actor: str, *, reason: str = "") -> Change:
    if state.status == Status.CANCELLED:
        raise AlreadyDone(f"{state.ref} is already cancelled.")
    _require(state, ACTIVE | {Status.PENDING_APPROVAL}, "cancelled")
    return Change(
        replace(state, status=Status.CANCELLED),
        "cancelled",
        f"<@{actor}> cancelled it",
        {"reason": reason},
    )


def approve(state: EscalationState, actor: str) -> Change:
    if state.status != Status.PENDING_APPROVAL:
        raise AlreadyDone(f"{state.ref} was already decided.")
    return Change(replace(state, status=Status.OPEN), "approved", f"<@{actor}> approved it")


def reject(state: EscalationState, actor: str, *, reason: str) -> Change:
    if state.status != Status.PENDING_APPROVAL:
        raise AlreadyDone(f"{state.ref} was already decided.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A reason is required.", fields={"reason": "Say why it is rejected."})
    return Change(
        replace(state, status=Status.REJECTED),
        "rejected",
        f"<@{actor}> rejected it",
        {"reason": reason},
    )


@dataclass(frozen=True)
class Draft:
    """A new escalation as a person filled it in, validated before anything is stored."""

    lane: str
    severity: str
    client: str
    summary: str
    details: str = ""
    psa_ticket: str = ""
    starts_at: datetime | None = None  # a change's window start


def validate_draft(draft: Draft, *, lanes: dict[str, tuple[str, ...]]) -> Draft:
    """Check a draft against the lanes (``lane key → severities``); raise with per-field messages."""
    fields: dict[str, str] = {}
    if draft.lane not in lanes:
        valid = ", ".join(lanes)
        fields["lane"] = f"Unknown lane “{draft.lane}”. Valid lanes: {valid}."
    elif draft.severity not in lanes[draft.lane]:
        fields["severity"] = f"Choose one of {', '.join(lanes[draft.lane])}."
    summary = (draft.summary or "").strip()
    if not summary:
        fields["summary"] = "A one-line summary is required."
    elif len(summary) > MAX_SUMMARY:
        fields["summary"] = f"Keep the summary under {MAX_SUMMARY} characters ({len(summary)} now)."
    client = (draft.client or "").strip()
    if not client:
        fields["client"] = "Name the client (or “internal”)."
    elif len(client) > MAX_CLIENT:
        fields["client"] = f"Keep the client name under {MAX_CLIENT} characters."
    details = (draft.details or "").strip()
    if len(details) > MAX_DETAILS:
        fields["details"] = f"Keep the details under {MAX_DETAILS} characters ({len(details)} now)."
    ticket = (draft.psa_ticket or "").strip()
    if len(ticket) > MAX_TICKET:
        fields["psa_ticket"] = f"A ticket number is at most {MAX_TICKET} characters."
    if fields:
        raise InvalidInput("Some fields need fixing.", fields=fields)
    return replace(draft, summary=summary, client=client, details=details, psa_ticket=ticket)
