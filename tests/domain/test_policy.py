"""Who may act on an escalation (SPEC, "Who may act")."""

from __future__ import annotations

import pytest

from bot.domain.errors import NotAllowed
from bot.domain.policy import WORK_ACTIONS, Roles, check

LOOKUPS: list[str] = []


def approvers() -> list[str]:
    LOOKUPS.append("lookup")
    return ["U0SM", "U0GROUPMEMBER"]


ROLES = Roles(
    ref="ESC-7",
    requester="U0REQ",
    team_name="Service Desk",
    members=frozenset({"U0TECH"}),
    leads=frozenset({"U0LEAD"}),
    admins=frozenset({"U0ADMIN"}),
    approvers=approvers,
)
WORK = sorted(WORK_ACTIONS)


@pytest.mark.parametrize("actor", ["U0TECH", "U0LEAD", "U0ADMIN", "U0SM", "U0GROUPMEMBER"])
@pytest.mark.parametrize("action", WORK)
def test_workers_may_do_everything(actor: str, action: str) -> None:
    check(action, actor, ROLES, to="U0TECH")


@pytest.mark.parametrize("action", WORK)
def test_outsiders_may_do_nothing(action: str) -> None:
    with pytest.raises(NotAllowed, match=r"^Only Service Desk \(its members and leads\)"):
        check(action, "U0STRANGER", ROLES, to="U0STRANGER")


@pytest.mark.parametrize("action", WORK)
def test_the_requester_may_reopen_and_cancel_only(action: str) -> None:
    if action in ("reopen", "cancel"):
        check(action, "U0REQ", ROLES)
    else:
        with pytest.raises(NotAllowed, match="as its requester you can reopen it"):
            check(action, "U0REQ", ROLES)


def test_reassign_only_within_the_owning_team() -> None:
    check("reassign", "U0TECH", ROLES, to="U0LEAD")
    for target in ("U0STRANGER", "U0ADMIN", "U0SM", "U0REQ"):
        with pytest.raises(
            NotAllowed, match="only be assigned to a member or lead of Service Desk"
        ):
            check("reassign", "U0LEAD", ROLES, to=target)


def test_a_lane_open_to_anyone() -> None:
    open_lane = Roles(**{**ROLES.__dict__, "anyone": True})
    for action in WORK:
        check(action, "U0STRANGER", open_lane, to="U0ELSEWHERE")


def test_approvers_are_looked_up_only_when_the_cheap_rules_do_not_decide() -> None:
    LOOKUPS.clear()
    check("take", "U0TECH", ROLES)
    check("take", "U0ADMIN", ROLES)
    assert LOOKUPS == []
    check("take", "U0SM", ROLES)
    assert LOOKUPS == ["lookup"]


def test_unknown_actions_are_refused() -> None:
    with pytest.raises(NotAllowed, match=r"^Unknown action “approve”\.$"):
        check("approve", "U0ADMIN", ROLES)
