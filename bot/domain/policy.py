"""Who may act on an escalation (SPEC, "Who may act"). Pure: the caller says who is who.

- The owning team's members and leads, the lane's approvers and the admins may Take,
  Wait / Resume, Resolve, Reassign and Reopen — the *workers*.
- Reassign hands it to a member or lead of the owning team only.
- Its requester may Reopen (and cancel their own request); nobody else may do anything.
- A lane with ``workers: anyone`` opens the workers' actions to everybody (and Reassign to anyone).
- Approving stays with the approvers (:mod:`bot.services.approvals`); routing an intercepted
  message stays with its sender (:mod:`bot.services.interceptions`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .errors import NotAllowed

WORK_ACTIONS = frozenset({"take", "wait", "resume", "resolve", "reassign", "reopen", "cancel"})
REQUESTER_ACTIONS = frozenset({"reopen", "cancel"})


@dataclass(frozen=True)
class Roles:
    """The people around one escalation. ``approvers`` is called only when the cheaper rules
    have not decided (it may need a user-group lookup)."""

    ref: str
    requester: str
    team_name: str
    members: frozenset[str]
    leads: frozenset[str]
    admins: frozenset[str]
    approvers: Callable[[], Collection[str]]
    anyone: bool = False

    @property
    def team(self) -> frozenset[str]:
        return self.members | self.leads

    def is_worker(self, user: str) -> bool:
        return (
            self.anyone or user in self.team or user in self.admins or user in set(self.approvers())
        )


def check(action: str, actor: str, roles: Roles, *, to: str | None = None) -> None:
    """Raise :class:`NotAllowed` with a message for the actor when ``actor`` may not do it."""
    if action not in WORK_ACTIONS:
        raise NotAllowed(f"Unknown action “{action}”.")
    if not roles.is_worker(actor):
        if actor == roles.requester and action in REQUESTER_ACTIONS:
            return
        if actor == roles.requester:
            raise NotAllowed(
                f"{roles.ref} is {roles.team_name}'s to work on; as its requester you can "
                "reopen it or write in its thread."
            )
        raise NotAllowed(
            f"Only {roles.team_name} (its members and leads), the lane's approvers and admins "
            f"can change {roles.ref}."
        )
    if action == "reassign" and to is not None and not roles.anyone and to not in roles.team:
        raise NotAllowed(
            f"{roles.ref} can only be assigned to a member or lead of {roles.team_name}."
        )
