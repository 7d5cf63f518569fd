"""The script: :class:`Step` and :data:`STEPS`, the day in order.

The steps themselves are in ``steps_escalation``, ``steps_intake``, ``steps_approval`` and
``steps_morning``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .context import DemoContext
from .steps_alerts import alert_clears_itself
from .steps_approval import approval_request, approve, approver_home, refused_non_approver
from .steps_escalation import (
    ping_routed,
    resolve,
    resolve_refused,
    route_ping,
    take,
    wait_and_resume,
)
from .steps_intake import (
    focus_ping,
    message_shortcut,
    not_a_request,
    slash_escalate,
    thanks_left_alone,
)
from .steps_level10 import level10
from .steps_morning import standup
from .steps_psa import psa_sync


@dataclass(frozen=True)
class Step:
    """One event of the day. ``title`` may name the cast: ``{tech}``, ``{work_lane}`` …"""

    name: str
    title: str
    run: Callable[[DemoContext], None]


#: The day, in order. Append a :class:`Step` to show a new capability.
STEPS: list[Step] = [
    Step("ping", "{requester} pings {tech} about a failed backup", ping_routed),
    Step("route", "{requester} routes the ping into the lane “{work_lane}”", route_ping),
    Step("take", "{tech} takes it", take),
    Step("wait-resume", "{tech} waits on the client, then resumes", wait_and_resume),
    Step("resolve-refused", "{tech} tries to resolve it with a box unticked", resolve_refused),
    Step("resolve", "{tech} resolves it with its definition of done", resolve),
    Step("thanks", "{requester} thanks {tech}: not a request, left alone", thanks_left_alone),
    Step(
        "not-a-request",
        "{requester} mentions a jammed printer to {tech2}: not a request",
        not_a_request,
    ),
    Step("escalate", "{tech2} raises one in “{escalate_lane}” with /escalate", slash_escalate),
    Step(
        "shortcut",
        "{shortcut_user} turns {reporter}'s heads-up into an escalation",
        message_shortcut,
    ),
    Step(
        "focus", "{focus_person} turns on focus; {requester}'s ping is offered a lane", focus_ping
    ),
    Step(
        "approval",
        "{requester} asks {tech2} to expedite a client: it needs approval",
        approval_request,
    ),
    Step(
        "refused-approver",
        "{non_approver} tries to approve it and is refused",
        refused_non_approver,
    ),
    Step("home", "{approver} opens Lanekeeper's App Home", approver_home),
    Step("approve", "{approver} approves it from the DM", approve),
    Step("psa", "Next morning: the clock syncs the service desk's PSA queue", psa_sync),
    Step("standup", "Next morning: each team's stand-up digest, and an SLA watch", standup),
    Step("level10", "The weekly Level-10: the service desk's scorecard and chart", level10),
    Step("alert", "A client's file server goes down: the monitor's alert", alert_clears_itself),
]
