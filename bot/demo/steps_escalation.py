"""The day's first escalation, from the ping to its resolve: the ping intercepted and routed into
a lane, taken, waiting on the client and resumed, a resolve refused for an unticked box of the
definition of done, then resolved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import DemoContext


def _initial(view: Mapping[str, Any], block_id: str) -> Any:
    """What an input of a modal starts with: the option value, or the text."""
    for block in view.get("blocks") or []:
        if block.get("block_id") == block_id:
            element = block.get("element") or {}
            option = element.get("initial_option")
            return (
                option.get("value") if isinstance(option, Mapping) else element.get("initial_value")
            )
    return None


def ping_routed(ctx: DemoContext) -> None:
    c = ctx.cast
    if not c.tech_always_protected:
        ctx.note(f"(Nobody is always protected in this file: {c.tech.name} turns on focus.)")
        ctx.command(c.tech, "/focus", "8h", ctx.home_channel(c.tech))
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{c.tech.id}> can you check the backup alert for Acme Dental? "
        "The Veeam job has failed three nights running.",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    caught = ctx.interception(c.ping_channel, ts)
    ctx.check(
        caught is not None and caught.outcome == "pending",
        f"the ping was intercepted: only {c.requester.name} was offered the lanes, "
        f"{c.tech.name} was not interrupted",
        otherwise="no interception was stored",
    )
    ctx.state["ping"] = (c.ping_channel, ts, offer)


def route_ping(ctx: DemoContext) -> None:
    c = ctx.cast
    channel, ts, offer = ctx.state["ping"]
    lane = c.work_lane
    view = ctx.click(c.requester, offer, f"route:{lane.key}", where="in the offer")
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    ctx.check(
        _initial(view, "lane") == lane.key and "backup alert" in str(_initial(view, "summary")),
        f"the modal is pre-filled with the lane {lane.name!r} and the message",
        otherwise="the lane or the summary was not pre-filled",
    )
    before = ctx.escalation_count()
    ctx.submit(
        c.requester,
        view,
        {"client": "Acme Dental", "severity": c.work_severity},
        describe=f"Client: Acme Dental · Severity: {c.work_severity} (the rest as pre-filled)",
    )
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and ctx.escalation_count() == before + 1 and esc.lane == lane.key,
        f"{esc.ref if esc else 'the escalation'} is stored in {lane.name} ({c.work_severity}), "
        f"requested by {c.requester.name}",
        otherwise="no escalation was stored",
    )
    assert esc is not None
    ctx.check(
        esc.status == "open" and esc.source == "intercepted",
        f"{esc.ref} is open, its SLA clock running",
        otherwise=f"it is {esc.status}",
    )
    ctx.lane_message(esc.number)
    ctx.check(True, f"its lane message is in {c.channel(lane.channel)} with the lane buttons")
    notes = [m for m in ctx.fake.thread(channel, ts)[1:] if esc.ref in str(m.get("text"))]
    ctx.check(
        bool(notes),
        f"the original message's thread says where it went ({esc.ref})",
        otherwise="no note in the original message's thread",
    )
    caught = ctx.interception(channel, ts)
    ctx.check(
        caught is not None and caught.outcome == "routed",
        "the interception is recorded as routed",
        otherwise=f"its outcome is {caught.outcome if caught else None}",
    )
    ctx.state["work_esc"] = esc.number


def take(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    ctx.click(c.tech, ctx.lane_message(n), "esc_take", where=f"on ESC-{n}")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "acknowledged" and esc.owner == c.tech.id and esc.responded_at is not None,
        f"ESC-{n} is in progress, owned by {c.tech.name}; its respond target is met",
        otherwise=f"it is {esc.status}, owned by {esc.owner}",
    )


def wait_and_resume(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    ctx.click(c.tech, ctx.lane_message(n), "esc_wait", where=f"on ESC-{n}")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "waiting" and esc.paused_since is not None,
        f"ESC-{n} is waiting on the client; its SLA clock is paused",
        otherwise=f"it is {esc.status}",
    )
    due_before = esc.resolve_due
    ctx.note("(Acme Dental's office manager confirms the backup window.)")
    ctx.click(c.tech, ctx.lane_message(n), "esc_resume", where=f"on ESC-{n}")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "acknowledged"
        and esc.paused_since is None
        and (due_before is None or (esc.resolve_due is not None and esc.resolve_due >= due_before)),
        f"ESC-{n} is back in progress; the paused time was added to its resolve target",
        otherwise=f"it is {esc.status}",
    )


def _done_boxes(view: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    boxes = []
    for block in view.get("blocks") or []:
        el = block.get("element") or {}
        if block.get("type") == "input" and el.get("type") == "checkboxes":
            boxes.append(
                (str(block["block_id"]), [str(o["value"]) for o in el.get("options") or []])
            )
    return boxes


def resolve_refused(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    view = ctx.click(c.tech, ctx.lane_message(n), "esc_resolve", where=f"on ESC-{n}")
    ctx.check(
        view is not None and view.get("callback_id") == "resolve",
        f"the definition-of-done modal opened for ESC-{n}",
        otherwise="no resolve modal opened",
    )
    assert view is not None
    ctx.state["resolve_view"] = view
    boxes = _done_boxes(view)
    if not boxes:
        ctx.note(f"({c.work_lane.name} has no definition of done, so there is no box to miss.)")
        return
    values: dict[str, Any] = {block_id: options for block_id, options in boxes}
    last_block, last_options = boxes[-1]
    values[last_block] = last_options[:-1]
    values["note"] = "Re-ran the Veeam job, it completed."
    total = sum(len(options) for _, options in boxes)
    answer = ctx.submit(
        c.tech,
        view,
        values,
        describe=(
            f"ticks {total - 1} of the {total} boxes, with a note"
            if total > 1
            else "leaves the one box unticked, with a note"
        ),
    )
    ctx.check(
        answer.get("response_action") == "errors",
        "the resolve is refused: every box of the definition of done is required",
        otherwise="the bot accepted it",
    )
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "acknowledged" and esc.resolved_at is None,
        f"ESC-{n} is unchanged (still in progress)",
        otherwise=f"it is {esc.status}",
    )
    ctx.tally.refused_resolves += 1


def resolve(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    view = ctx.state["resolve_view"]
    boxes = _done_boxes(view)
    values: dict[str, Any] = {block_id: options for block_id, options in boxes}
    values["note"] = "Re-ran the Veeam job and verified a restore; the retention setting was wrong."
    total = sum(len(options) for _, options in boxes)
    answer = ctx.submit(
        c.tech,
        view,
        values,
        describe=f"ticks {'all ' + str(total) + ' boxes' if total > 1 else 'the box'}, with a note",
    )
    ctx.check(
        answer.get("response_action") != "errors",
        "the modal closes",
        otherwise=f"it says {answer.get('errors')}",
    )
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "resolved" and list(esc.done_checked) == list(c.work_lane.done),
        f"ESC-{n} is resolved with its definition of done and the note on record",
        otherwise=f"it is {esc.status} with {esc.done_checked}",
    )
    message = ctx.lane_message(n)
    buttons = [
        e.get("action_id")
        for b in message.get("blocks") or []
        if b.get("type") == "actions"
        for e in b.get("elements") or []
    ]
    ctx.check(
        buttons == ["esc_reopen"],
        "the lane message now offers only [ Reopen ]",
        otherwise=f"it offers {buttons}",
    )
    kinds = ctx.timeline_kinds(n)
    ctx.check(
        kinds == ["created", "taken", "waiting", "resumed", "resolved"],
        "its timeline holds every change and who made it: " + " → ".join(kinds),
        otherwise=f"the timeline is {kinds}",
    )
