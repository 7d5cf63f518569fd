from __future__ import annotations

import pytest

from bot.domain import escalation as lc
from bot.domain.errors import AlreadyDone, InvalidInput, NotAllowed
from bot.domain.escalation import Draft, EscalationState, Status

DONE = ("Client told the new target in writing", "Ticket priority updated in the PSA")


def state(status: Status = Status.OPEN, owner: str | None = None, **kw: object) -> EscalationState:
    return EscalationState(
        ref="ESC-7",
        status=status,
        requester="UREQ",
        owner=owner,
        done_items=DONE,
        **kw,  # type: ignore[arg-type]
    )


def test_take_sets_owner_and_acknowledges() -> None:
    change = lc.take(state(), "U1")
    assert change.state.status == Status.ACKNOWLEDGED
    assert change.state.owner == "U1"
    assert change.kind == "taken"
    assert change.text == "<@U1> took it"


def test_take_twice_by_the_same_person_is_already_done() -> None:
    taken = lc.take(state(), "U1").state
    with pytest.raises(AlreadyDone, match="You already own ESC-7"):
        lc.take(taken, "U1")


def test_take_over_from_someone_else_names_them() -> None:
    change = lc.take(state(Status.REOPENED, owner="U1"), "U2")
    assert change.state.owner == "U2"
    assert "over from <@U1>" in change.text


def test_wait_and_resume_return_to_the_status_before() -> None:
    acked = lc.take(state(), "U1").state
    waiting = lc.wait_on_client(acked, "U1").state
    assert waiting.status == Status.WAITING
    assert waiting.status_before_wait == Status.ACKNOWLEDGED
    resumed = lc.resume(waiting, "U1").state
    assert resumed.status == Status.ACKNOWLEDGED
    assert resumed.status_before_wait is None
    with pytest.raises(AlreadyDone):
        lc.resume(resumed, "U1")
    with pytest.raises(AlreadyDone):
        lc.wait_on_client(waiting, "U1")


def test_resolve_needs_every_done_item_and_a_note() -> None:
    acked = lc.take(state(), "U1").state
    with pytest.raises(InvalidInput) as err:
        lc.resolve(acked, "U1", checked=[DONE[0]], note="")
    assert set(err.value.fields) == {"done", "note"}
    assert "1 not ticked" in err.value.fields["done"]
    change = lc.resolve(acked, "U1", checked=list(DONE), note="  Called the client  ")
    assert change.state.status == Status.RESOLVED
    assert change.detail["note"] == "Called the client"


def test_resolve_from_waiting_is_allowed_and_twice_is_already_done() -> None:
    waiting = lc.wait_on_client(lc.take(state(), "U1").state, "U1").state
    resolved = lc.resolve(waiting, "U1", checked=list(DONE), note="done").state
    with pytest.raises(AlreadyDone):
        lc.resolve(resolved, "U1", checked=list(DONE), note="again")


def test_reopen_only_from_resolved() -> None:
    with pytest.raises(NotAllowed, match="only a resolved one"):
        lc.reopen(state(), "U1")
    resolved = lc.resolve(state(owner="U1"), "U1", checked=list(DONE), note="x").state
    reopened = lc.reopen(resolved, "UREQ").state
    assert reopened.status == Status.REOPENED
    assert reopened.owner == "U1"
    with pytest.raises(AlreadyDone):
        lc.reopen(reopened, "UREQ")


def test_reassign() -> None:
    change = lc.reassign(state(owner="U1"), "ULEAD", to="U2")
    assert change.state.owner == "U2"
    assert change.state.status == Status.ACKNOWLEDGED
    assert change.text == "<@ULEAD> assigned it to <@U2> (was <@U1>)"
    with pytest.raises(AlreadyDone):
        lc.reassign(change.state, "ULEAD", to="U2")
    with pytest.raises(NotAllowed):
        lc.reassign(state(Status.RESOLVED), "ULEAD", to="U3")


def test_closed_escalations_refuse_work() -> None:
    for status in (Status.REJECTED, Status.CANCELLED, Status.PENDING_APPROVAL):
        with pytest.raises(NotAllowed):
            lc.take(state(status), "U1")
        with pytest.raises(NotAllowed):
            lc.wait_on_client(state(status), "U1")


def test_approve_and_reject() -> None:
    pending = state(Status.PENDING_APPROVAL)
    assert lc.approve(pending, "UMGR").state.status == Status.OPEN
    with pytest.raises(InvalidInput):
        lc.reject(pending, "UMGR", reason="  ")
    rejected = lc.reject(pending, "UMGR", reason="Not in contract")
    assert rejected.state.status == Status.REJECTED
    with pytest.raises(AlreadyDone):
        lc.approve(rejected.state, "UMGR")


LANES = {"client-request": ("P1", "P2", "P3"), "alert": ("P1", "P2")}


def test_validate_draft_collects_every_problem() -> None:
    with pytest.raises(InvalidInput) as err:
        lc.validate_draft(Draft(lane="nope", severity="P9", client="", summary=""), lanes=LANES)
    assert set(err.value.fields) == {"lane", "summary", "client"}
    assert "Valid lanes: client-request, alert" in err.value.fields["lane"]


def test_validate_draft_checks_severity_of_the_lane_and_lengths() -> None:
    with pytest.raises(InvalidInput) as err:
        lc.validate_draft(
            Draft(
                lane="alert", severity="P3", client="Acme", summary="x" * 151, details="d" * 3000
            ),
            lanes=LANES,
        )
    assert set(err.value.fields) == {"severity", "summary", "details"}


def test_validate_draft_trims() -> None:
    d = lc.validate_draft(
        Draft(lane="alert", severity="P1", client=" Acme ", summary=" Down "), lanes=LANES
    )
    assert (d.client, d.summary) == ("Acme", "Down")


def test_a_stale_take_does_not_move_ownership_silently() -> None:
    taken = lc.take(state(), "U1").state
    with pytest.raises(NotAllowed, match=r"<@U1> already took ESC-7\. Use Reassign"):
        lc.take(taken, "U2")
    waiting = lc.wait_on_client(taken, "U1").state
    with pytest.raises(NotAllowed, match="Use Reassign"):
        lc.take(waiting, "U2")
