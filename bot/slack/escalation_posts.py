"""An escalation's posts, delivered from the outbox: its lane message (posted, then updated from
the escalation's current state), its thread notes, the note under the message it came from, and
the source message's permalink. Registered on the outbox engine by the composition root.

The thread notes depend on the lane message: while it is pending they wait (same sequence);
once Slack refused it for good they are settled as failed with that reason, and the requester
(and owner) are told in a DM that the lane message could not be posted and why.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ..adapters.deliveries import Delivery, handler, settled_hook
from ..adapters.outbox import Deferred, OutboxDeliverer, Refused
from ..domain.escalation import Source
from ..domain.text import escape
from ..services.context import Lanes
from ..services.views import EscalationView
from . import blocks as ui

log = logging.getLogger(__name__)

SEQUENCE = "lane"


# Draws the lane message of escalations of one source (alerts): (view, lane, delivery, tz=,
# approvers=) → (text, blocks), read before the delivery releases its transaction.
LaneRenderer = Callable[..., tuple[str, list[dict[str, Any]]]]


class EscalationPosts:
    def __init__(self, lanes: Lanes, *, renderers: dict[str, LaneRenderer] | None = None) -> None:
        self.lanes = lanes
        self.renderers = dict(renderers or {})

    def register(self, deliverer: OutboxDeliverer) -> None:
        deliverer.register(
            "lane_message",
            handler(self.lane_message),
            sequence=SEQUENCE,
            on_failed=settled_hook(self.lane_refused),
        )
        deliverer.register("thread_note", handler(self.thread_note), sequence=SEQUENCE)
        deliverer.register("source_note", handler(self.source_note), sequence=SEQUENCE)

    def _escalation(self, d: Delivery) -> EscalationView:
        esc = d.escalations.view(d.escalation_id)
        if esc is None:
            raise Refused(f"outbox {d.id}: escalation {d.escalation_id} is gone")
        return esc

    # ------------------------------------------------------------------ lane message

    def lane_message(self, d: Delivery, client: WebClient) -> dict[str, Any] | None:
        esc = self._escalation(d)
        if esc.lane_ts is not None and d.escalations.superseded(d.escalation_id, d.id):
            return {"superseded": True}
        if esc.source_channel and esc.source_ts and not esc.source_permalink:
            esc = self.fill_permalink(esc, d, client)
        lane = self.lanes.config.lane(esc.lane)
        tz = self.lanes.calendar(esc.team).tz if esc.team in self.lanes.config.teams else None
        approvers = lane.approvers if lane else ()
        render = self.renderers.get(esc.source)
        if render is not None:
            text, blocks = render(esc, lane, d, tz=tz, approvers=approvers)
        else:
            text, blocks = ui.lane_message(esc, lane, tz=tz, approvers=approvers)
        d.release()
        if esc.lane_ts is None:
            resp = d.post(client, join=True, channel=esc.lane_channel, text=text, blocks=blocks)
            ts = str(resp["ts"])
            d.escalations.lane_posted(esc.id, ts)
            return {"ts": ts, "channel": resp.get("channel")}
        client.chat_update(channel=esc.lane_channel, ts=esc.lane_ts, text=text, blocks=blocks)
        return {"ts": esc.lane_ts, "updated": True}

    def lane_refused(self, d: Delivery) -> None:
        """The lane message was refused for good: tell the requester and the owner, once."""
        esc = d.escalations.view(d.escalation_id)
        if esc is None or esc.lane_ts is not None:
            return  # an update of a posted message: the message is there, only stale
        why = d.last_error or "refused"
        text = (
            f":warning: {esc.ref} ({escape(esc.client)}: {escape(esc.summary)}) is stored, but "
            f"its lane message could not be posted in <#{esc.lane_channel}>: Slack said "
            f"`{escape(why)}`. Ask your Lanekeeper admin to check the lane's channel."
        )
        requester = None if esc.source == Source.ALERT.value else esc.requester  # a monitor
        for user in dict.fromkeys(u for u in (requester, esc.owner) if u):
            d.outbox.call(
                esc.slack_team_id,
                "chat.postMessage",
                dedupe_key=f"lane-refused:{esc.id}:{user}",
                channel=user,
                text=text,
            )

    def fill_permalink(self, esc: EscalationView, d: Delivery, client: WebClient) -> EscalationView:
        """Ask Slack for the source message's permalink, once; without it the post still goes.
        Returns the view with the permalink when Slack gave one."""
        assert esc.source_channel and esc.source_ts
        d.release()
        try:
            link = client.chat_getPermalink(channel=esc.source_channel, message_ts=esc.source_ts)
        except SlackApiError as exc:
            log.info(
                "no permalink for %s: %s",
                esc.ref,
                exc.response.get("error") if exc.response else exc,
            )
            return esc
        permalink = str(link["permalink"])
        d.escalations.permalink_found(esc.id, permalink)
        return dataclasses.replace(esc, source_permalink=permalink)

    # ------------------------------------------------------------------ replies

    def thread_note(self, d: Delivery, client: WebClient) -> dict[str, Any] | None:
        esc = self._escalation(d)
        if esc.lane_ts is None:
            refused = d.escalations.lane_refusal(d.escalation_id)
            if refused is not None:
                raise Refused(f"lane message not posted: {refused}")
            raise Deferred("lane message not posted yet")
        text = str(d.payload.get("text") or "")
        d.release()
        resp = d.post(client, channel=esc.lane_channel, thread_ts=esc.lane_ts, text=text)
        return {"ts": resp.get("ts")}

    def source_note(self, d: Delivery, client: WebClient) -> dict[str, Any] | None:
        esc = self._escalation(d)
        if not esc.source_channel or not esc.source_ts:
            return {"skipped": "no source message"}
        if esc.lane_ts is None:
            refused = d.escalations.lane_refusal(d.escalation_id)
            if refused is not None:
                raise Refused(f"lane message not posted: {refused}")
        lane = self.lanes.config.lane(esc.lane)
        link = ui.message_link(esc.lane_channel, esc.lane_ts)
        ref = f"<{link}|{esc.ref}>" if link else esc.ref
        text = (
            f":arrow_right: Routed to *{ui.escape(lane.name if lane else esc.lane)}* as {ref} "
            f"— follow it there."
        )
        d.release()
        resp = d.post(client, channel=esc.source_channel, thread_ts=esc.source_ts, text=text)
        return {"ts": resp.get("ts")}
