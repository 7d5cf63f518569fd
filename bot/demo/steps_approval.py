"""Approvals: an escalation that needs one, a non-approver refused, the approver's App Home,
and the approval from the DM."""

from __future__ import annotations

import json

from .context import DemoContext


def _status(ctx: DemoContext, number: int) -> str:
    return ctx.escalation(number).status


def approval_request(ctx: DemoContext) -> None:
    c = ctx.cast
    lane, severity = c.approval_lane, c.approval_severity
    if lane is None or severity is None:
        ctx.note("(No lane in this file needs approval: the approval steps are skipped.)")
        return
    ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{c.tech2.id}> Acme Dental wants the server migration moved up to this week, "
        "can you expedite?",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    view = ctx.click(c.requester, offer, f"route:{lane.key}", where="in the offer")
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    ctx.submit(
        c.requester,
        view,
        {"client": "Acme Dental", "severity": severity},
        describe=f"Client: Acme Dental · Severity: {severity}",
    )
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and esc.lane == lane.key and esc.status == "pending_approval",
        f"{esc.ref if esc else 'it'} waits for approval ({lane.approval.describe()}); "
        "its SLA clock has not started",
        otherwise=f"it is {esc.status if esc else 'not stored'}",
    )
    assert esc is not None
    approvers = c.approvers()
    asked = [
        uid
        for uid in approvers
        if any("Approval needed" in str(m.get("text")) for m in ctx.fake.messages(uid))
    ]
    ctx.check(
        asked == approvers,
        "every approver got a DM with [ Approve ] [ Reject ]: "
        + ", ".join(ctx.cast.people[u].name for u in approvers),
        otherwise=f"only {asked} did",
    )
    ctx.state["approval_esc"] = esc.number


def refused_non_approver(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state.get("approval_esc")
    if n is None:
        ctx.note("(Skipped: no escalation is waiting for approval.)")
        return
    if c.non_approver is None:
        ctx.note("(Skipped: everyone in this file may approve it.)")
        return
    who = c.non_approver
    before = len(ctx.fake.calls_to("response_url"))
    ctx.click(who, ctx.lane_message(n), "approval_approve", where=f"on ESC-{n}")
    told = [
        call
        for call in ctx.fake.calls_to("response_url")[before:]
        if "can approve" in str(call.args.get("text"))
    ]
    ctx.check(
        bool(told), f"{who.name} is told, privately, who can approve", otherwise="nobody told them"
    )
    ctx.check(
        _status(ctx, n) == "pending_approval",
        f"ESC-{n} is unchanged (still pending approval)",
        otherwise=f"it is {_status(ctx, n)}",
    )
    ctx.tally.refused_non_approvers += 1


def approver_home(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state.get("approval_esc")
    if n is None or c.approver is None:
        ctx.note("(Skipped: no escalation is waiting for approval.)")
        return
    view = ctx.open_home(c.approver)
    ctx.check(
        f"ESC-{n}" in json.dumps(view.get("blocks")),
        f"ESC-{n} is listed under the approvals waiting on {c.approver.name}",
        otherwise="it is not in the App Home",
    )


def approve(ctx: DemoContext) -> None:
    from sqlalchemy import select

    from ..adapters.models import ApprovalRequest

    c = ctx.cast
    n = ctx.state.get("approval_esc")
    if n is None or c.approver is None:
        ctx.note("(Skipped: no escalation is waiting for approval.)")
        return
    esc = ctx.escalation(n)
    with ctx.container.sessions() as s:
        dm = s.scalar(
            select(ApprovalRequest).where(
                ApprovalRequest.escalation_id == esc.id, ApprovalRequest.approver == c.approver.id
            )
        )
        where = (dm.dm_channel, dm.dm_ts) if dm is not None else (None, None)
    ctx.check(
        where[0] is not None and where[1] is not None,
        f"{c.approver.name} has the approval DM",
        quiet=True,
        otherwise="it was never sent",
    )
    ctx.click(c.approver, (str(where[0]), str(where[1])), "approval_approve", where="in the DM")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "open" and esc.decided_by == c.approver.id and esc.respond_due is not None,
        f"ESC-{n} is approved by {c.approver.name}; its SLA clock starts now",
        otherwise=f"it is {esc.status}",
    )
    told = [m for m in ctx.fake.messages(c.requester.id) if "was approved" in str(m.get("text"))]
    ctx.check(
        bool(told), f"{c.requester.name} is told in a DM", otherwise="the requester was not told"
    )
    for uid in c.approvers():
        req = None
        with ctx.container.sessions() as s:
            req = s.scalar(
                select(ApprovalRequest).where(
                    ApprovalRequest.escalation_id == esc.id, ApprovalRequest.approver == uid
                )
            )
            shown = (
                ctx.fake.message(str(req.dm_channel), str(req.dm_ts))
                if req and req.dm_channel and req.dm_ts
                else None
            )
        ctx.check(
            shown is not None and "approval_approve" not in json.dumps(shown.get("blocks")),
            "",
            quiet=True,
            otherwise=f"{ctx.cast.people[uid].name}'s approval DM still offers the buttons",
        )
    ctx.check(True, "every approver's DM now shows the decision and who made it")
