"""Approvals: a lane that needs a manager's yes before work starts.

The decision is checked on the server from the acting user's id against the lane's approvers
(user groups expanded by the caller, before the write transaction opens: no Slack call ever runs
inside one); a button's value only says which escalation. Exactly one
decision wins: the optimistic lock makes a concurrent second decision fail, and on retry it
sees the first one and is told who decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..adapters.repository import ApprovalRequests, OutboxRepository
from ..adapters.uow import UnitOfWork
from ..domain import escalation as lifecycle
from ..domain.errors import AlreadyDone, NotAllowed, NotFound

__all__ = ["AlreadyDone", "check_approver", "decide", "record_requests"]
from ..domain.escalation import Status
from ..domain.lanes import Lane
from ..domain.text import escape
from .context import Lanes
from .escalations import (
    Outcome,
    _apply,
    _outcome,
    _record,
    get_escalation,
    retry_on_conflict,
    state_of,
)
from .views import EscalationFacts

ApproversOf = Callable[[Lane], Sequence[str]]


def _who(users: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in users) or "an approver"


def check_approver(
    row: EscalationFacts, lane: Lane, actor: str, approvers: Sequence[str]
) -> str | None:
    """Raise unless ``actor`` may decide; return a timeline remark for the special case."""
    if actor not in approvers:
        raise NotAllowed(f"Only {_who(approvers)} can approve or reject {row.ref}.")
    if actor == row.requester:
        if set(approvers) != {actor}:
            others = [a for a in approvers if a != actor]
            raise NotAllowed(
                f"You asked for {row.ref}, so someone else must decide it: {_who(others)}."
            )
        return "the requester is the only approver configured for this lane"
    return None


def record_requests(
    requests: ApprovalRequests,
    outbox: OutboxRepository,
    *,
    slack_team_id: str,
    escalation_id: int,
    approvers: Sequence[str],
) -> int:
    """One approval request (and its DM in the outbox) per approver; idempotent."""
    existing = requests.approvers_asked(escalation_id)
    added = 0
    for approver in approvers:
        if approver in existing:
            continue
        requests.add(slack_team_id, escalation_id, approver)
        outbox.home_refresh(slack_team_id, approver, escalation_id=escalation_id)
        outbox.add(
            slack_team_id=slack_team_id,
            kind="approval_dm",
            escalation_id=escalation_id,
            payload={"approver": approver},
            dedupe_key=f"approval-dm:{escalation_id}:{approver}",
        )
        added += 1
    return added


def decide(
    uow_factory: Callable[[], UnitOfWork],
    lanes: Lanes,
    *,
    slack_team_id: str,
    number: int,
    actor: str,
    approve: bool,
    approvers_of: ApproversOf,
    now: datetime,
    reason: str = "",
) -> Outcome:
    # Who may decide is asked of Slack (user groups) here, before the transaction: a slow or
    # failing lookup never holds a database lock, and raises before anything is written.
    lane = lanes.lane(
        get_escalation(uow_factory(), slack_team_id=slack_team_id, number=number).lane
    )
    approvers = list(approvers_of(lane))
    return retry_on_conflict(
        lambda: _decide_once(
            uow_factory(),
            lanes,
            slack_team_id=slack_team_id,
            number=number,
            actor=actor,
            approve=approve,
            approvers=approvers,
            now=now,
            reason=reason,
        ),
        f"ESC-{number} is being decided right now; look again.",
    )


def _decide_once(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    number: int,
    actor: str,
    approve: bool,
    approvers: Sequence[str],
    now: datetime,
    reason: str,
) -> Outcome:
    with uow:
        row = uow.escalations.get(slack_team_id, number)
        if row is None:
            raise NotFound(f"ESC-{number} does not exist.")
        lane = lanes.lane(row.lane)
        if row.status != Status.PENDING_APPROVAL.value:
            verdict = {"rejected": "rejected", "cancelled": "cancelled"}.get(row.status, "approved")
            by = f" by <@{row.decided_by}>" if row.decided_by else ""
            raise AlreadyDone(f"{row.ref} was already {verdict}{by}.")
        remark = check_approver(row, lane, actor, approvers)
        state = state_of(row, lanes)
        change = (
            lifecycle.approve(state, actor)
            if approve
            else lifecycle.reject(state, actor, reason=reason)
        )
        if remark:
            change = type(change)(
                change.state, change.kind, f"{change.text} ({remark})", change.detail
            )
        _apply(row, change, lanes, now)
        row.decided_by = actor
        row.decided_at = now
        _record(uow, row, change, actor=actor, now=now)
        for req in uow.approvals.of(row.id):
            req.status = (
                ("approved" if approve else "rejected") if req.approver == actor else "closed"
            )
            uow.outbox.add(
                slack_team_id=slack_team_id,
                kind="approval_update",
                escalation_id=row.id,
                payload={"approver": req.approver},
            )
            uow.outbox.home_refresh(slack_team_id, req.approver, escalation_id=row.id)
        verdict = "approved" if approve else "rejected"
        text = (
            f"Your escalation {row.ref} ({escape(row.client)}: {escape(row.summary)}) "
            f"was {verdict} by <@{actor}>"
        )
        text += (
            f". Reason: {escape(reason.strip())}" if not approve else "; its SLA clock has started."
        )
        uow.outbox.call(
            slack_team_id,
            "chat.postMessage",
            channel=row.requester,
            text=text,
            dedupe_key=f"decision-notice:{row.id}",
            escalation_id=row.id,
        )
        uow.commit()
        return _outcome(row, created=False, change=change.kind)
