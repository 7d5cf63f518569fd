"""Escalation use cases: create one, and move it through its lifecycle.

Each function takes a unit of work, the lanes and ``now``; it stores the change, the timeline
line and the Slack posts it needs (outbox) in one transaction, and commits. A concurrent change
to the same escalation loses cleanly (optimistic lock → :class:`Conflict`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..adapters.uow import ConcurrentChange, UnitOfWork
from ..domain import clocks, policy
from ..domain import escalation as lifecycle
from ..domain.errors import Conflict, NotAllowed, NotFound
from ..domain.escalation import Change, Draft, EscalationState, Source, Status
from ..domain.text import escape
from .context import Lanes
from .views import EscalationFacts, EscalationView

if TYPE_CHECKING:  # rows come from the unit of work's repositories; only their type is named
    from ..adapters.models import Escalation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    escalation_id: int
    number: int
    ref: str
    status: str
    created: bool = True
    change: str | None = None


def _outcome(row: Escalation, *, created: bool = True, change: str | None = None) -> Outcome:
    return Outcome(row.id, row.number, row.ref, row.status, created, change)


def state_of(row: Escalation, lanes: Lanes) -> EscalationState:
    lane = lanes.config.lane(row.lane)
    return EscalationState(
        ref=row.ref,
        status=Status(row.status),
        requester=row.requester,
        owner=row.owner,
        done_items=lane.done if lane else (),
        status_before_wait=Status(row.status_before_wait) if row.status_before_wait else None,
    )


def create_escalation(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    draft: Draft,
    requester: str,
    source: Source,
    now: datetime,
    idempotency_key: str | None = None,
    source_channel: str | None = None,
    source_ts: str | None = None,
    permalink: str | None = None,
    interception_id: int | None = None,
) -> Outcome:
    """Store a new escalation and queue its lane message (and a note on the source message)."""
    draft = lifecycle.validate_draft(draft, lanes=lanes.severities())
    with uow:
        if idempotency_key:
            existing = uow.escalations.by_idempotency_key(slack_team_id, idempotency_key)
            if existing is not None:
                return _outcome(existing, created=False)
        lane = lanes.lane(draft.lane)
        team = lanes.team_of(lane)
        number = uow.escalations.next_number(slack_team_id)
        row = uow.escalations.new(
            slack_team_id=slack_team_id,
            number=number,
            lane=lane.key,
            team=team.key,
            severity=draft.severity,
            client=draft.client,
            summary=draft.summary,
            details=draft.details,
            psa_ticket=draft.psa_ticket or None,
            starts_at=draft.starts_at,
            requester=requester,
            source=source.value,
            source_channel=source_channel,
            source_ts=source_ts,
            source_permalink=permalink,
            lane_channel=lane.channel,
            idempotency_key=idempotency_key,
            done_checked=[],
            created_at=now,
            updated_at=now,
        )
        if lane.needs_approval(draft.severity):
            row.status = Status.PENDING_APPROVAL.value
        else:
            _set_clocks(
                row,
                clocks.start(lanes.calendar(team.key), lane.severities[draft.severity], now),
            )
            row.status = Status.OPEN.value
        uow.escalations.add(row)
        uow.timeline.append(
            row,
            at=now,
            actor=requester,
            kind="created",
            text=f"<@{requester}> raised it in {lane.name} ({draft.severity})",
            detail={"source": source.value, "permalink": permalink},
        )
        uow.outbox.add(slack_team_id=slack_team_id, kind="lane_message", escalation_id=row.id)
        if source_channel and source_ts and source in (Source.INTERCEPTED, Source.SHORTCUT):
            uow.outbox.add(
                slack_team_id=slack_team_id,
                kind="source_note",
                escalation_id=row.id,
                dedupe_key=f"source-note:{row.id}",
            )
        if interception_id is not None:
            caught = uow.interceptions.get(slack_team_id, interception_id)
            if caught is not None:
                caught.outcome = "routed"
                caught.lane = lane.key
                caught.escalation_id = row.id
                caught.decided_at = now
        queue_home_refresh(uow, row)
        if row.status == Status.PENDING_APPROVAL.value:
            uow.outbox.add(
                slack_team_id=slack_team_id,
                kind="approval_requests",
                escalation_id=row.id,
                dedupe_key=f"approval-requests:{row.id}",
            )
        uow.commit()
        return _outcome(row)


def _clocks_of(row: Escalation) -> clocks.Clocks:
    return clocks.Clocks(
        opened_at=row.opened_at,
        respond_due=row.respond_due,
        resolve_due=row.resolve_due,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at,
        paused_since=row.paused_since,
    )


def _set_clocks(row: Escalation, c: clocks.Clocks) -> None:
    row.opened_at = c.opened_at
    row.respond_due = c.respond_due
    row.resolve_due = c.resolve_due
    row.responded_at = c.responded_at
    row.resolved_at = c.resolved_at
    row.paused_since = c.paused_since


def _apply(row: Escalation, change: Change, lanes: Lanes, now: datetime, **kw: Any) -> None:
    """Copy a domain change onto the row; the clocks move by :func:`clocks.apply_change`."""
    state = change.state
    row.status = state.status.value
    row.owner = state.owner
    row.status_before_wait = state.status_before_wait.value if state.status_before_wait else None
    row.updated_at = now
    targets = lanes.lane(row.lane).severities[row.severity]
    _set_clocks(
        row,
        clocks.apply_change(
            _clocks_of(row), change.kind, calendar=lanes.calendar(row.team), targets=targets, at=now
        ),
    )
    kind = change.kind
    if kind == "resolved":
        row.resolved_by = str(kw.get("actor") or "") or None
        row.resolution_note = str(change.detail.get("note") or "")
        row.done_checked = list(kw.get("checked") or [])
    elif kind == "reopened":
        row.reopen_count += 1
        row.resolved_by = None
        row.done_checked = []
    elif kind in ("rejected", "cancelled"):
        row.decision_reason = str(change.detail.get("reason") or "") or None


def roles_of(
    row: EscalationFacts,
    lanes: Lanes,
    approvers_of: Callable[[Sequence[str]], Sequence[str]] | None = None,
) -> policy.Roles:
    """The people around ``row`` for :func:`policy.check`. ``approvers_of`` expands user groups
    (a Slack lookup, made only when needed); without it only listed user ids count."""
    lane = lanes.config.lane(row.lane)
    team = lanes.config.teams.get(row.team)
    listed = tuple(lane.approvers) if lane else ()

    def approvers() -> Sequence[str]:
        if approvers_of is not None and any(a.startswith("S") for a in listed):
            try:
                return approvers_of(listed)
            except Exception:  # a failed group lookup must not block the listed users
                log.warning("approver groups of %s could not be read", row.ref, exc_info=True)
        return [a for a in listed if not a.startswith("S")]

    return policy.Roles(
        ref=row.ref,
        requester=row.requester,
        team_name=team.name if team else row.team,
        members=frozenset(team.members if team else ()),
        leads=frozenset(team.leads if team else ()),
        admins=frozenset(lanes.config.admins),
        approvers=approvers,
        anyone=bool(lane and lane.workers == "anyone"),
    )


ACTIONS: dict[str, Callable[..., Change]] = {
    "take": lifecycle.take,
    "wait": lifecycle.wait_on_client,
    "resume": lifecycle.resume,
    "resolve": lifecycle.resolve,
    "reopen": lifecycle.reopen,
    "reassign": lifecycle.reassign,
    "cancel": lifecycle.cancel,
}


def act(
    uow_factory: Callable[[], UnitOfWork],
    lanes: Lanes,
    *,
    slack_team_id: str,
    number: int,
    action: str,
    actor: str,
    now: datetime,
    request_key: str | None = None,
    approvers_of: Callable[[Sequence[str]], Sequence[str]] | None = None,
    **kw: Any,
) -> Outcome:
    """Apply one lifecycle action (``take``, ``wait``, ``resume``, ``resolve``, ``reopen``,
    ``reassign``, ``cancel``) by ``actor``; queue the lane-message update and a thread line."""
    transition = ACTIONS.get(action)
    if transition is None:
        raise NotFound(f"Unknown action “{action}”.")
    # Who may act is decided before the transaction: an approver group's lookup is a Slack
    # call, and no Slack call runs inside an open write transaction.
    row = get_escalation(uow_factory(), slack_team_id=slack_team_id, number=number)
    try:
        policy.check(action, actor, roles_of(row, lanes, approvers_of), to=kw.get("to"))
    except NotAllowed:
        log.info("refused %s on %s by %s (not allowed)", action, row.ref, actor)
        raise
    return retry_on_conflict(
        lambda: _act_once(
            uow_factory(),
            lanes,
            transition,
            slack_team_id=slack_team_id,
            number=number,
            actor=actor,
            now=now,
            request_key=request_key,
            **kw,
        ),
        f"ESC-{number} keeps changing under you; look at it again and retry.",
    )


def retry_on_conflict(attempt: Callable[[], Outcome], message: str, *, tries: int = 3) -> Outcome:
    """Run ``attempt`` again when someone changed the same escalation at the same moment
    (optimistic lock), so it decides on the fresh state: a double click is told "already
    done", a different change applies on top. Still conflicting after ``tries``: :class:`Conflict`.
    """
    for n in range(tries):
        try:
            return attempt()
        except ConcurrentChange as exc:
            if n == tries - 1:
                raise Conflict(message) from exc
    raise AssertionError("unreachable")


def _act_once(
    uow: UnitOfWork,
    lanes: Lanes,
    transition: Callable[..., Change],
    *,
    slack_team_id: str,
    number: int,
    actor: str,
    now: datetime,
    request_key: str | None,
    **kw: Any,
) -> Outcome:
    with uow:
        if request_key and not uow.processed.claim(slack_team_id, request_key):
            row = uow.escalations.get(slack_team_id, number)
            if row is None:
                raise NotFound(f"ESC-{number} does not exist.")
            return _outcome(row, created=False)
        row = uow.escalations.get(slack_team_id, number)
        if row is None:
            raise NotFound(f"ESC-{number} does not exist.")
        change = transition(state_of(row, lanes), actor, **kw)
        _apply(row, change, lanes, now, actor=actor, **kw)
        _record(uow, row, change, actor=actor, now=now)
        uow.commit()
        return _outcome(row, created=False, change=change.kind)


def _record(uow: UnitOfWork, row: Escalation, change: Change, *, actor: str, now: datetime) -> None:
    text = change.text
    note = change.detail.get("note") or change.detail.get("reason")
    if note:
        text += f": {escape(str(note))}"
    uow.flush()  # version check happens here: a concurrent change raises ConcurrentChange
    uow.timeline.append(
        row, at=now, actor=actor, kind=change.kind, text=text, detail=dict(change.detail)
    )
    uow.outbox.add(slack_team_id=row.slack_team_id, kind="lane_message", escalation_id=row.id)
    uow.outbox.add(
        slack_team_id=row.slack_team_id,
        kind="thread_note",
        escalation_id=row.id,
        payload={"text": text},
    )
    queue_home_refresh(uow, row, extra=[str(change.detail.get("previous_owner") or "")])


def queue_home_refresh(uow: UnitOfWork, row: Escalation, *, extra: Sequence[str] = ()) -> None:
    """Refresh the App Home of everyone whose lists this escalation is on (a monitor that
    raised an alert's escalation has no App Home)."""
    requester = "" if row.source == Source.ALERT.value else row.requester
    for user in dict.fromkeys([row.owner or "", requester, *extra]):
        if user:
            uow.outbox.home_refresh(row.slack_team_id, user, escalation_id=row.id)


def get_escalation(uow: UnitOfWork, *, slack_team_id: str, number: int) -> EscalationView:
    """The escalation as stored now (a frozen view, read in its own short transaction)."""
    with uow:
        view = uow.escalations.view(slack_team_id, number)
        if view is None:
            raise NotFound(f"ESC-{number} does not exist.")
        return view


def parse_ref(text: str) -> int:
    """``"ESC-12"`` / ``"12"`` → 12."""
    t = text.strip().upper().removeprefix("ESC-")
    if not t.isdigit():
        raise NotFound(f"“{text}” is not an escalation number (like ESC-12).")
    return int(t)
