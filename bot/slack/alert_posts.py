"""Alert escalations in Slack: their lane message (the escalation's, with the monitor as the
requester, the device, a link back to the alert and its flap count) and the roll-up message that
stands for a storm of alerts in one lane channel, updated in place.

:func:`render_lane_message` is given to :class:`~bot.slack.escalation_posts.EscalationPosts` for
escalations whose source is an alert; :class:`AlertRollups` delivers the ``alert_rollup`` outbox
kind. Alert text is escaped like all text; links are http(s) only (the parser drops the rest).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient

from ..adapters.alert_links import AlertLinkView, RollupView
from ..adapters.deliveries import Delivery, handler
from ..adapters.outbox import OutboxDeliverer, Refused
from ..domain.escalation import Status
from ..domain.lanes import Lane
from ..domain.text import escape, safe_link, truncate
from ..services.alerts import ROLLUP_KIND, source_name
from ..services.context import Lanes
from ..services.views import EscalationFacts
from . import blocks as ui
from .block_kit import text_objects

log = logging.getLogger(__name__)

Block = dict[str, Any]
ROLLUP_LINES = 40  # alerts listed by name in a roll-up; the rest are counted

_ICONS = {True: ":red_circle:", False: ":white_check_mark:"}


def _monitor(source: str) -> str:
    name = source_name(source)
    return name[0].upper() + name[1:]


def render_lane_message(
    esc: EscalationFacts,
    lane: Lane | None,
    d: Delivery,
    *,
    tz: Any = None,
    approvers: Sequence[str] = (),
) -> tuple[str, list[Block]]:
    """The escalation's lane message as :func:`bot.slack.blocks.lane_message` draws it, with the
    monitor named where a person would be (``<@alertmanager>`` is no Slack user) and the alert's
    device, link and flap count added. ``d`` is the lane message's delivery: the alert is read
    through its ``alerts`` repository, before it releases its transaction."""
    text, blocks = ui.lane_message(esc, lane, tz=tz, approvers=approvers)
    link = d.alerts.view_of(esc.id)
    if link is None:
        return text, blocks
    monitor = f"_{escape(_monitor(link.source))}_"
    mention = f"<@{esc.requester}>"
    for obj in text_objects(blocks):
        obj["text"] = str(obj.get("text", "")).replace(mention, monitor)
    for block in blocks:
        if block.get("block_id") != "esc_fields":
            continue
        fields = block.setdefault("fields", [])
        for f in fields:
            if str(f.get("text", "")).startswith("*Requester*"):
                f["text"] = f"*Raised by*\n{monitor}"
        extra = []
        if link.device:
            extra.append(f"*Device*\n{escape(truncate(link.device, 150))}")
        if link.url and safe_link(link.url):
            extra.append(f"*Alert*\n<{link.url}|open in {escape(_monitor(link.source))}>")
        fields.extend(ui.mrkdwn(f, 2000) for f in extra)
        del fields[10:]
    state = "firing" if link.active else "cleared"
    icon = ":rotating_light:" if link.active else ":white_check_mark:"
    note = f"{icon} Alert {state} in {escape(_monitor(link.source))}"
    if link.flaps:
        note += f" · flapped {link.flaps}× (fired {link.fired} times)"
    at = next((i for i, b in enumerate(blocks) if b.get("type") == "actions"), len(blocks))
    blocks.insert(at, ui.context(note))
    return ui.fit_message(text, blocks)


# ---------------------------------------------------------------------------- roll-ups


def rollup_message(
    rollup: RollupView,
    items: Sequence[tuple[EscalationFacts, AlertLinkView]],
    lane: Lane | None,
    *,
    tz: Any = None,
) -> tuple[str, list[Block]]:
    """One message for a storm: how many alerts, how many still firing, and a line each
    (firing first, newest first)."""
    firing = sum(1 for esc, link in items if link.active and esc.status != Status.RESOLVED.value)
    lane_name = lane.name if lane else rollup.lane
    since = ui.slack_date(rollup.started_at, tz)
    title = f"Alert storm · {lane_name}: {len(items)} alerts, {firing} firing"
    fallback = f"{title} (since {rollup.started_at:%H:%M} UTC)"
    lines = []
    for esc, link in items[:ROLLUP_LINES]:
        message = ui.message_link(esc.lane_channel, esc.lane_ts)
        ref = f"<{message}|{esc.ref}>" if message else esc.ref
        device = f" · {escape(truncate(link.device, 60))}" if link.device else ""
        flaps = f" · flapped {link.flaps}×" if link.flaps else ""
        status = Status(esc.status).label.lower()
        lines.append(
            f"{_ICONS[link.active]} {ref} [{esc.severity}] {escape(truncate(esc.client, 40))}"
            f"{device}: {escape(truncate(esc.summary, 90))} — {status}{flaps}"
        )
    blocks: list[Block] = [
        {"type": "header", "text": ui.plain(title, 150)},
        ui.context(
            f"Since {since}: every alert is its own escalation in {escape(lane_name)}; "
            "this message keeps the list instead of one post each."
        ),
    ]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            blocks.append(ui.section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(ui.section("\n".join(chunk)))
    if len(items) > ROLLUP_LINES:
        blocks.append(ui.context(f"…and {len(items) - ROLLUP_LINES} more."))
    return ui.fit_message(fallback, blocks)


class AlertRollups:
    """Delivers ``alert_rollup`` rows: posts the storm's message once, then edits it."""

    def __init__(self, lanes: Lanes) -> None:
        self.lanes = lanes

    def register(self, deliverer: OutboxDeliverer) -> None:
        # One sequence per roll-up (the rows carry the storm's first escalation): its first
        # post and its edits never overtake each other, so it is posted once.
        deliverer.register(ROLLUP_KIND, handler(self.deliver), sequence=ROLLUP_KIND)

    def deliver(self, d: Delivery, client: WebClient) -> dict[str, Any] | None:
        rollup_id = int(d.payload.get("rollup_id") or 0)
        # Changes made from now on queue another update (a new ``rev``): they may not be seen
        # by the rendering below.
        d.alerts.next_rollup_rev(rollup_id)
        d.release()
        rollup = d.alerts.rollup_view(rollup_id)
        if rollup is None:
            raise Refused(f"alert roll-up {rollup_id} is gone")
        items = d.alerts.rollup_items(rollup_id)
        lane = self.lanes.config.lane(rollup.lane)
        team = lane.team if lane else None
        tz = self.lanes.calendar(team).tz if team in self.lanes.config.teams else None
        text, blocks = rollup_message(rollup, items, lane, tz=tz)
        channel, ts = rollup.channel, rollup.ts
        d.release()
        if ts is None:
            resp = d.post(client, join=True, channel=channel, text=text, blocks=blocks)
            new_ts = str(resp["ts"])
            d.alerts.rollup_posted(rollup_id, new_ts)
            return {"ts": new_ts, "channel": resp.get("channel")}
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return {"ts": ts, "updated": True}
