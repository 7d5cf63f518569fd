"""An escalation's posts, delivered from the outbox: its lane message (posted, then updated from
the escalation's current state), its thread notes, the note under the message it came from, and
the source message's permalink. Registered on the outbox engine by the composition root.

The thread notes depend on the lane message: while it is pending they wait (same sequence);
once Slack refused it for good they are settled as failed with that reason, and the requester
(and owner) are told in a DM that the lane message could not be posted and why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..adapters.models import Escalation, OutboxMessage
from ..adapters.outbox import Deferred, OutboxDeliverer, Refused, post_message, release
from ..adapters.repository import OutboxRepository
from ..domain.escalation import Source
from ..domain.text import escape
from ..services.context import Lanes
from . import blocks as ui

log = logging.getLogger(__name__)

SEQUENCE = "lane"


# Draws the lane message of escalations of one source (alerts): (esc, lane, session, tz=,
# approvers=) → (text, blocks), read before the session is released.
LaneRenderer = Callable[..., tuple[str, list[dict[str, Any]]]]


class EscalationPosts:
    def __init__(self, lanes: Lanes, *, renderers: dict[str, LaneRenderer] | None = None) -> None:
        self.lanes = lanes
        self.renderers = dict(renderers or {})

    def register(self, deliverer: OutboxDeliverer) -> None:
        deliverer.register(
            "lane_message", self.lane_message, sequence=SEQUENCE, on_failed=self.lane_refused
        )
        deliverer.register("thread_note", self.thread_note, sequence=SEQUENCE)
        deliverer.register("source_note", self.source_note, sequence=SEQUENCE)

    def _escalation(self, msg: OutboxMessage, s: Session) -> Escalation:
        esc = s.get(Escalation, msg.escalation_id) if msg.escalation_id else None
        if esc is None:
            raise Refused(f"outbox {msg.id}: escalation {msg.escalation_id} is gone")
        return esc

    # ------------------------------------------------------------------ lane message

    def lane_message(
        self, msg: OutboxMessage, s: Session, client: WebClient
    ) -> dict[str, Any] | None:
        esc = self._escalation(msg, s)
        if esc.lane_ts is not None and self._superseded(msg, s):
            return {"superseded": True}
        if esc.source_channel and esc.source_ts and not esc.source_permalink:
            self.fill_permalink(esc, s, client)
        lane = self.lanes.config.lane(esc.lane)
        tz = self.lanes.calendar(esc.team).tz if esc.team in self.lanes.config.teams else None
        approvers = lane.approvers if lane else ()
        render = self.renderers.get(esc.source)
        if render is not None:
            text, blocks = render(esc, lane, s, tz=tz, approvers=approvers)
        else:
            text, blocks = ui.lane_message(esc, lane, tz=tz, approvers=approvers)
        release(s)
        if esc.lane_ts is None:
            resp = post_message(
                client, msg, join=True, channel=esc.lane_channel, text=text, blocks=blocks
            )
            ts = str(resp["ts"])
            # A plain UPDATE: storing where the message lives is not a change a user made, so
            # it must not bump the optimistic-lock version under someone's click.
            s.execute(update(Escalation).where(Escalation.id == esc.id).values(lane_ts=ts))
            return {"ts": ts, "channel": resp.get("channel")}
        client.chat_update(channel=esc.lane_channel, ts=esc.lane_ts, text=text, blocks=blocks)
        return {"ts": esc.lane_ts, "updated": True}

    def lane_refused(self, msg: OutboxMessage, s: Session) -> None:
        """The lane message was refused for good: tell the requester and the owner, once."""
        esc = s.get(Escalation, msg.escalation_id) if msg.escalation_id else None
        if esc is None or esc.lane_ts is not None:
            return  # an update of a posted message: the message is there, only stale
        why = msg.last_error or "refused"
        text = (
            f":warning: {esc.ref} ({escape(esc.client)}: {escape(esc.summary)}) is stored, but "
            f"its lane message could not be posted in <#{esc.lane_channel}>: Slack said "
            f"`{escape(why)}`. Ask your Lanekeeper admin to check the lane's channel."
        )
        outbox = OutboxRepository(s)
        requester = None if esc.source == Source.ALERT.value else esc.requester  # a monitor
        for user in dict.fromkeys(u for u in (requester, esc.owner) if u):
            outbox.call(
                esc.slack_team_id,
                "chat.postMessage",
                dedupe_key=f"lane-refused:{esc.id}:{user}",
                channel=user,
                text=text,
            )

    def fill_permalink(self, esc: Escalation, s: Session, client: WebClient) -> None:
        """Ask Slack for the source message's permalink, once; without it the post still goes."""
        assert esc.source_channel and esc.source_ts
        release(s)
        try:
            link = client.chat_getPermalink(channel=esc.source_channel, message_ts=esc.source_ts)
        except SlackApiError as exc:
            log.info(
                "no permalink for %s: %s",
                esc.ref,
                exc.response.get("error") if exc.response else exc,
            )
            return
        permalink = str(link["permalink"])
        s.execute(
            update(Escalation)
            .where(Escalation.id == esc.id)
            .values(source_permalink=permalink)
            .execution_options(synchronize_session=False)
        )
        # Seen by the rendering below, without marking the row dirty (no version bump).
        set_committed_value(esc, "source_permalink", permalink)

    def _superseded(self, msg: OutboxMessage, s: Session) -> bool:
        later = s.scalar(
            select(OutboxMessage.id).where(
                and_(
                    OutboxMessage.escalation_id == msg.escalation_id,
                    OutboxMessage.kind == "lane_message",
                    OutboxMessage.id > msg.id,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                )
            )
        )
        return later is not None

    def _lane_refusal(self, msg: OutboxMessage, s: Session) -> str | None:
        """Why the escalation's lane message was refused for good, if it was."""
        error = s.scalar(
            select(OutboxMessage.last_error)
            .where(
                OutboxMessage.escalation_id == msg.escalation_id,
                OutboxMessage.kind == "lane_message",
                OutboxMessage.failed_at.is_not(None),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        return str(error) if error is not None else None

    # ------------------------------------------------------------------ replies

    def thread_note(
        self, msg: OutboxMessage, s: Session, client: WebClient
    ) -> dict[str, Any] | None:
        esc = self._escalation(msg, s)
        if esc.lane_ts is None:
            refused = self._lane_refusal(msg, s)
            if refused is not None:
                raise Refused(f"lane message not posted: {refused}")
            raise Deferred("lane message not posted yet")
        text = str(msg.payload.get("text") or "")
        release(s)
        resp = post_message(client, msg, channel=esc.lane_channel, thread_ts=esc.lane_ts, text=text)
        return {"ts": resp.get("ts")}

    def source_note(
        self, msg: OutboxMessage, s: Session, client: WebClient
    ) -> dict[str, Any] | None:
        esc = self._escalation(msg, s)
        if not esc.source_channel or not esc.source_ts:
            return {"skipped": "no source message"}
        if esc.lane_ts is None:
            refused = self._lane_refusal(msg, s)
            if refused is not None:
                raise Refused(f"lane message not posted: {refused}")
        lane = self.lanes.config.lane(esc.lane)
        link = ui.message_link(esc.lane_channel, esc.lane_ts)
        ref = f"<{link}|{esc.ref}>" if link else esc.ref
        text = (
            f":arrow_right: Routed to *{ui.escape(lane.name if lane else esc.lane)}* as {ref} "
            f"— follow it there."
        )
        release(s)
        resp = post_message(
            client, msg, channel=esc.source_channel, thread_ts=esc.source_ts, text=text
        )
        return {"ts": resp.get("ts")}
