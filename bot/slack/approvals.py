"""Approvals in Slack: the approver's DM with Approve / Reject, the reject-reason modal, and
the outbox kinds that send and update those DMs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ..adapters.deliveries import Delivery, handler
from ..adapters.outbox import TRANSIENT_ERRORS, OutboxDeliverer, Retry
from ..domain.errors import Conflict, InvalidInput, LanekeeperError, NotFound
from ..domain.escalation import Status
from ..domain.lanes import Lane
from ..domain.text import escape, truncate
from ..services import approvals as service
from ..services.context import Lanes
from ..services.escalations import get_escalation
from ..services.views import EscalationView
from . import blocks as ui
from .commands import metadata_of
from .deps import Deps
from .directory import Directory
from .errors import guarded
from .payloads import action_number, text_value

log = logging.getLogger(__name__)

APPROVE = "approval_approve"
REJECT = "approval_reject"
CB_REJECT = "reject"


def approval_message(
    esc: EscalationView, lane: Lane | None, *, tz: Any = None
) -> tuple[str, list[ui.Block]]:
    lane_name = lane.name if lane else esc.lane
    text = (
        f"Approval needed: {esc.ref} [{esc.severity}] {escape(esc.client)}: {escape(esc.summary)}"
    )
    blocks: list[ui.Block] = [
        {"type": "header", "text": ui.plain(f"Approval needed · {esc.ref}", 150)},
        ui.section(
            f"<@{esc.requester}> asks for *{escape(lane_name)}* ({esc.severity}) for "
            f"*{escape(esc.client)}*:\n*{escape(esc.summary)}*"
            + (f"\n{escape(truncate(esc.details, 1500))}" if esc.details else "")
        ),
    ]
    if lane is not None and esc.severity in lane.severities:
        t = lane.severities[esc.severity]
        blocks.append(
            ui.context(
                f"If approved: respond within {t.respond}, resolve within {t.resolve} (business time)."
            )
        )
    status = Status(esc.status)
    if status == Status.PENDING_APPROVAL:
        blocks.append(
            {
                "type": "actions",
                "block_id": "approval_actions",
                "elements": [
                    ui.button("Approve", APPROVE, str(esc.number), style="primary"),
                    ui.button("Reject", REJECT, str(esc.number), style="danger"),
                ],
            }
        )
    else:
        blocks.append(ui.section(decision_line(esc), block_id="approval_decision"))
    return ui.fit_message(truncate(text, 3000), blocks)


def decision_line(esc: EscalationView) -> str:
    when = ui.slack_date(esc.decided_at) if esc.decided_at else ""
    who = f"<@{esc.decided_by}>" if esc.decided_by else "someone"
    if esc.status == Status.REJECTED.value:
        return f":no_entry_sign: *Rejected* by {who} {when}: {escape(esc.decision_reason or '')}"
    if esc.status == Status.CANCELLED.value:
        return ":heavy_multiplication_x: *Cancelled* by the requester."
    return f":white_check_mark: *Approved* by {who} {when}."


def reject_modal(esc: EscalationView) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CB_REJECT,
        "title": ui.plain(f"Reject {esc.ref}", 24),
        "submit": ui.plain("Reject", 24),
        "close": ui.plain("Cancel", 24),
        "private_metadata": json.dumps({"n": esc.number}),
        "blocks": [
            ui.section(
                f"*{esc.ref}* · {escape(truncate(esc.client, 80))} — {escape(truncate(esc.summary, 200))}"
            ),
            {
                "type": "input",
                "block_id": "reason",
                "label": ui.plain("Why is it rejected? The requester sees this."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": 1000,
                },
            },
        ],
    }


@dataclass
class Approvers:
    """A lane's approvers as far as Slack could tell: listed users always, each group on its
    own (a deleted group is skipped, a group Slack did not answer for is named in ``unknown``)."""

    users: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # groups whose lookup failed for now
    missing: list[str] = field(default_factory=list)  # groups Slack says do not exist


def _transient(exc: Exception) -> bool:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or "") if exc.response is not None else ""
        return status == 429 or status >= 500 or error in TRANSIENT_ERRORS
    return isinstance(exc, OSError)


def expand_approvers(
    directory: Directory, team_id: str, ids: Iterable[str], *, tries: int = 2
) -> Approvers:
    """User ids for a lane's approvers; a group's failure never hides the others, and a
    transient one is tried again (``tries`` times, briefly) before it is reported."""
    out = Approvers()
    for ident in ids:
        if not ident.startswith("S"):
            members: tuple[str, ...] = (ident,)
        else:
            members = ()
            for attempt in range(tries):
                try:
                    members = directory.group_members(team_id, ident)
                    break
                except (SlackApiError, OSError) as exc:
                    if not _transient(exc):
                        log.warning("approver group %s skipped: %s", ident, _why(exc))
                        out.missing.append(ident)
                        break
                    if attempt == tries - 1:
                        log.warning("approver group %s not looked up: %s", ident, _why(exc))
                        out.unknown.append(ident)
                    else:
                        time.sleep(0.3)
        for uid in members:
            if uid not in out.users:
                out.users.append(uid)
    return out


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or getattr(exc.response, "status_code", ""))
    return type(exc).__name__


def approvers_deciding(directory: Directory, team_id: str, actor: str) -> Any:
    """``approvers_of`` for a decision by ``actor``: a listed approver decides whatever the
    groups' lookups do; someone who could only be in a group Slack did not answer for is told
    to try again, and nothing is recorded."""

    def approvers_of(lane: Lane) -> list[str]:
        found = expand_approvers(directory, team_id, lane.approvers)
        if actor not in found.users and found.unknown:
            raise Conflict(
                "Slack did not say just now who is in the approver group "
                f"{', '.join(f'<!subteam^{g}>' for g in found.unknown)}, so nothing was "
                "recorded. Please try again in a minute."
            )
        return found.users

    return approvers_of


def register(app: App, deps: Deps, directory: Directory) -> None:
    def approvers_for(team_id: str, body: dict[str, Any]) -> Any:
        return approvers_deciding(directory, team_id, str(body["user"]["id"]))

    @app.action(APPROVE)
    @guarded
    def approve(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        ack()
        team_id = deps.team_id(context, body)
        service.decide(
            deps.uow,
            deps.lanes,
            slack_team_id=team_id,
            number=action_number(body),
            actor=body["user"]["id"],
            approve=True,
            approvers_of=approvers_for(team_id, body),
            now=deps.clock(),
        )

    @app.action(REJECT)
    @guarded
    def open_reject(
        ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        ack()
        team_id = deps.team_id(context, body)
        esc = get_escalation(deps.uow(), slack_team_id=team_id, number=action_number(body))
        lane = deps.lanes.lane(esc.lane)
        if esc.status != Status.PENDING_APPROVAL.value:
            by = f" by <@{esc.decided_by}>" if esc.decided_by else ""
            raise service.AlreadyDone(f"{esc.ref} was already decided{by}.")
        # Refuse a non-approver now, not after they typed a reason.
        actor = body["user"]["id"]
        service.check_approver(esc, lane, actor, approvers_for(team_id, body)(lane))
        client.views_open(trigger_id=body["trigger_id"], view=reject_modal(esc))

    @app.view(CB_REJECT)
    @guarded
    def submit_reject(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        team_id = deps.team_id(context, body)
        number = int(metadata_of(view).get("n") or 0)
        try:
            service.decide(
                deps.uow,
                deps.lanes,
                slack_team_id=team_id,
                number=number,
                actor=body["user"]["id"],
                approve=False,
                approvers_of=approvers_for(team_id, body),
                now=deps.clock(),
                reason=text_value(view, "reason"),
            )
        except InvalidInput as exc:
            ack(response_action="errors", errors={"reason": exc.fields.get("reason", exc.message)})
            return
        except LanekeeperError as exc:
            ack(response_action="errors", errors={"reason": exc.message[:150]})
            return
        ack()


class ApprovalDelivery:
    """Outbox kinds of the approval flow, registered on the deliverer by the composition root."""

    def __init__(self, lanes: Lanes, directory: Directory) -> None:
        self.lanes = lanes
        self.directory = directory

    def register(self, deliverer: OutboxDeliverer) -> None:
        """An approver's DM goes out before its update (one sequence); asking the approvers
        waits for nothing, so a group Slack does not answer for holds back no DM."""
        for kind, deliver in self.handlers().items():
            sequence = None if kind == "approval_requests" else "approval"
            deliverer.register(kind, handler(deliver), sequence=sequence)

    def handlers(self) -> dict[str, Any]:
        return {
            "approval_requests": self.requests,
            "approval_dm": self.dm,
            "approval_update": self.update,
        }

    def _esc(self, d: Delivery) -> EscalationView:
        esc = d.escalations.view(d.escalation_id)
        if esc is None:
            raise NotFound(f"outbox {d.id}: no escalation")
        return esc

    def requests(self, d: Delivery, client: WebClient) -> dict[str, Any]:
        esc = self._esc(d)
        lane = self.lanes.lane(esc.lane)
        d.release()
        found = expand_approvers(self.directory, esc.slack_team_id, lane.approvers)
        added = service.record_requests(
            d.approvals,
            d.outbox,
            slack_team_id=esc.slack_team_id,
            escalation_id=esc.id,
            approvers=found.users,
        )
        if found.unknown:
            # Those found are asked now (stored with the retry); the rest when Slack answers.
            raise Retry(f"approver groups not looked up yet: {', '.join(found.unknown)}")
        return {"approvers": found.users, "added": added, "missing_groups": found.missing}

    def _render(self, esc: EscalationView) -> tuple[str, list[ui.Block]]:
        lane = self.lanes.config.lane(esc.lane)
        return approval_message(esc, lane)

    def dm(self, d: Delivery, client: WebClient) -> dict[str, Any]:
        esc = self._esc(d)
        approver = str(d.payload["approver"])
        text, blocks = self._render(esc)
        d.release()
        # Carries its outbox id: a DM a crashed process had sent is found, not sent twice.
        resp = d.post(client, channel=approver, text=text, blocks=blocks)
        d.approvals.dm_sent(esc.id, approver, channel=resp["channel"], ts=resp["ts"])
        return {"channel": resp["channel"], "ts": resp["ts"]}

    def update(self, d: Delivery, client: WebClient) -> dict[str, Any]:
        esc = self._esc(d)
        dm = d.approvals.dm_of(esc.id, str(d.payload["approver"]))
        if dm is None:
            return {"skipped": "no DM to update"}
        channel, ts = dm
        text, blocks = self._render(esc)
        d.release()
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return {"ts": ts}
