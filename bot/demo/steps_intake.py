"""How else work reaches the bot, and what it leaves alone: a thank-you and a ping that is no
request, ``/escalate``, the message shortcut, and a ping to someone in focus."""

from __future__ import annotations

import re
from typing import Any

from .cast import _free_severity
from .context import DemoContext
from .steps_escalation import _initial

COMMAND_SEVERITY = re.compile(r"^(p[0-9]|sev[0-9])$", re.IGNORECASE)


def thanks_left_alone(ctx: DemoContext) -> None:
    c = ctx.cast
    before = len(ctx.fake.ephemerals(c.ping_channel, c.requester.id))
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"thanks <@{c.tech.id}>, the Acme Dental backups are green again. Great work!",
    )
    after = len(ctx.fake.ephemerals(c.ping_channel, c.requester.id))
    ctx.check(
        ctx.interception(c.ping_channel, ts) is None and after == before,
        "a thank-you is not a request: nobody is interrupted by the bot",
        otherwise="it was intercepted",
    )
    ctx.tally.left_alone += 1


def not_a_request(ctx: DemoContext) -> None:
    c = ctx.cast
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{c.tech2.id}> the label printer at Contoso reception is jammed again",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    ctx.note(f"({c.requester.name} was only venting: Contoso's office manager already cleared it.)")
    ctx.click(c.requester, offer, "route_not_request", where="in the offer")
    gone = all(e["ts"] != offer["ts"] for e in ctx.fake.ephemerals(c.ping_channel, c.requester.id))
    caught = ctx.interception(c.ping_channel, ts)
    ctx.check(
        gone and caught is not None and caught.outcome == "dismissed",
        "the offer is gone and the ping is recorded as not a request",
        otherwise=f"its outcome is {caught.outcome if caught else None}",
    )


def slash_escalate(ctx: DemoContext) -> None:
    c = ctx.cast
    lane, severity = c.escalate_lane, c.escalate_severity
    where = ctx.home_channel(c.tech2)
    view = None
    before = len(ctx.opened_views)
    # `/escalate` reads a severity word shaped like P1 or SEV1; others are picked in the form
    typed = severity if COMMAND_SEVERITY.match(severity) else None
    summary = "Contoso's CFO clicked a phishing link and entered her password"
    ctx.command(c.tech2, "/escalate", " ".join(filter(None, [lane.key, typed, summary])), where)
    if len(ctx.opened_views) > before:
        view = ctx.opened_views[-1]
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    expected = (lane.key, typed or _initial(view, "severity"), summary)
    shown = (_initial(view, "lane"), _initial(view, "severity"), _initial(view, "summary"))
    ctx.check(
        shown == expected,
        f"it is pre-filled from the command: {lane.name}, {typed or 'the default severity'}, "
        "the summary",
        otherwise=f"it was pre-filled with {shown}",
    )
    values = {"client": "Contoso"} if typed else {"client": "Contoso", "severity": severity}
    describe = "Client: Contoso" + ("" if typed else f" · Severity: {severity}")
    ctx.submit(c.tech2, view, values, describe=describe)
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and esc.lane == lane.key and esc.source == "slash_command",
        f"{esc.ref if esc else 'it'} is stored in {lane.name} and posted to {c.channel(lane.channel)}",
        otherwise="no escalation was stored",
    )
    assert esc is not None
    ctx.lane_message(esc.number)
    ctx.state["slash_esc"] = esc.number


def message_shortcut(ctx: DemoContext) -> None:
    c = ctx.cast
    team_channel = ctx.config.teams[c.work_lane.team].channel
    ts = ctx.say(
        c.reporter,
        team_channel,
        "Heads-up: the Datto backup for Contoso failed again last night, "
        "and the disk on CONTOSO-FS01 is at 96%.",
    )
    view = ctx.shortcut(c.shortcut_user, team_channel, ts)
    ctx.check(
        view is not None,
        "the escalation modal opened with the message",
        otherwise="no modal opened",
    )
    assert view is not None
    values: dict[str, Any] = {"client": "Contoso", "severity": c.work_severity}
    suggested = _initial(view, "lane")
    lane_key = (
        suggested
        if suggested
        and _free_severity(ctx.config.lanes[suggested], c.work_severity) == c.work_severity
        else c.work_lane.key
    )
    describe = f"Client: Contoso · Severity: {c.work_severity}"
    if lane_key != suggested:
        values["lane"] = lane_key
        describe += f" · Lane: {ctx.config.lanes[lane_key].name}"
    ctx.submit(c.shortcut_user, view, values, describe=describe)
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and esc.source == "message_shortcut" and esc.source_ts == ts,
        f"{esc.ref if esc else 'it'} is stored in {ctx.config.lanes[lane_key].name}, linked to the message",
        otherwise="no escalation was stored",
    )
    assert esc is not None
    ctx.lane_message(esc.number)
    notes = [m for m in ctx.fake.thread(team_channel, ts)[1:] if esc.ref in str(m.get("text"))]
    ctx.check(
        bool(notes),
        f"the message's thread says it became {esc.ref}",
        otherwise="no note in its thread",
    )


def focus_ping(ctx: DemoContext) -> None:
    c = ctx.cast
    who = c.focus_person
    resp = ctx.command(who, "/focus", "90m", ctx.home_channel(who))
    ctx.check(
        "Focus on until" in resp.text,
        f"{who.name} is in focus for 90 minutes",
        otherwise=f"the bot said {resp.text[:120]!r}",
    )
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{who.id}> can you cover the on-call shift Thursday night? We are one short.",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    ctx.check(
        ctx.interception(c.ping_channel, ts) is not None,
        f"{who.name} is not always protected, but in focus: the ping is intercepted",
    )
    route = next(
        el
        for b in offer.get("blocks") or []
        if b.get("block_id") == "route"
        for el in b.get("elements") or []
    )
    lane_key = str(route["action_id"]).removeprefix("route:")
    view = ctx.click(c.requester, offer, str(route["action_id"]), where="(the suggested lane)")
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    ctx.submit(
        c.requester,
        view,
        {"client": "Internal"},
        describe="Client: Internal (the rest as pre-filled)",
    )
    esc = ctx.newest_escalation()
    lane = ctx.config.lanes[lane_key]
    ctx.check(
        esc is not None and esc.lane == lane_key and esc.source == "intercepted",
        f"{esc.ref if esc else 'it'} is stored in {lane.name} and posted to {c.channel(lane.channel)}",
        otherwise="no escalation was stored",
    )
