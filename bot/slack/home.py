"""App Home: my escalations, my SLA risks, approvals waiting on me, my focus state."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from ..adapters.deliveries import Delivery, handler
from ..adapters.home_reads import HomeReads
from ..adapters.outbox import Deferred, Handler
from ..domain.sla import WorkItem, at_risk, describe_reading
from ..domain.text import escape, safe_link
from ..services import interceptions
from ..services.context import Lanes
from ..services.views import EscalationView
from . import blocks as ui
from .deps import Deps
from .errors import guarded
from .level10 import home_blocks as level10_home

END_FOCUS = "home_end_focus"
START_FOCUS = "home_start_focus"
MAX_LINES = 15
# Renders in a row for one person while changes keep coming; then the row goes back to the
# outbox (a deliverer thread is not held by one busy person's Home for ever).
MAX_ROUNDS = 5


def home_view(
    *,
    user: str,
    lanes: Lanes,
    owned: Sequence[EscalationView],
    requested: Sequence[EscalationView],
    approvals: Sequence[EscalationView],
    focus_until: datetime | None,
    now: datetime,
    tickets: Sequence[WorkItem] | None = None,
    owned_items: Sequence[WorkItem | None],
) -> dict[str, Any]:
    """``owned_items``: ``owned``'s work items in the same order (None: no clock here), read
    with them (:class:`bot.adapters.home_reads.HomeState`)."""
    blocks: list[ui.Block] = [{"type": "header", "text": ui.plain("Lanekeeper", 150)}]
    always = user in lanes.config.protected.users
    if focus_until:
        state = f":shield: *In focus* until {ui.slack_date(focus_until)}: pings are offered a lane instead."
        button = ui.button("End focus", END_FOCUS, "off")
    elif always:
        state = (
            ":shield: *Always protected* (set in the lanes file): pings to you are offered a lane."
        )
        button = None
    else:
        state = "Not in focus. Pings reach you directly."
        button = ui.button("Focus for 90 minutes", START_FOCUS, "90m")
    focus_block = ui.section(state, block_id="focus")
    if button:
        focus_block["accessory"] = button
    blocks.append(focus_block)

    risks = []
    for esc, item in zip(owned, owned_items, strict=True):
        reading = (
            at_risk(item, lanes.calendar(esc.team), now)
            if item is not None and esc.team in lanes.config.teams
            else None
        )
        if reading is not None:
            risks.append((esc, reading))
    ticket_risks = []
    for t in tickets or []:
        reading = at_risk(t, lanes.calendar(t.team), now) if t.team in lanes.config.teams else None
        if reading is not None:
            ticket_risks.append((t, reading))
    blocks.append({"type": "divider"})
    blocks.append(
        ui.section(f"*My SLA risks* ({len(risks) + len(ticket_risks)})", block_id="risks")
    )
    for esc, reading in risks[:MAX_LINES]:
        blocks.append(
            ui.section(
                f"{ui.escalation_line(esc)} · *{describe_reading(reading)}* ({reading.clock})"
            )
        )
    for t, reading in ticket_risks[:MAX_LINES]:
        what = escape(f"{t.client}: {t.summary}" if t.client else t.summary)
        ref = f"<{t.url}|{escape(t.ref)}>" if safe_link(t.url) else escape(t.ref)
        blocks.append(ui.section(f"{ref} {what} · *{describe_reading(reading)}* ({reading.clock})"))
    if not risks and not ticket_risks:
        blocks.append(ui.context("Nothing of yours breaches in the next 4 business hours."))

    blocks.append({"type": "divider"})
    blocks.append(ui.section(f"*Approvals waiting on me* ({len(approvals)})", block_id="approvals"))
    for esc in approvals[:MAX_LINES]:
        line = ui.section(f"{ui.escalation_line(esc)} · asked by {ui.requester(esc.requester)}")
        blocks.append(line)
        blocks.append(
            {
                "type": "actions",
                "block_id": f"approve_{esc.number}",
                "elements": [
                    ui.button("Approve", "approval_approve", str(esc.number), style="primary"),
                    ui.button("Reject", "approval_reject", str(esc.number), style="danger"),
                ],
            }
        )
    if not approvals:
        blocks.append(ui.context("No approvals are waiting on you."))

    blocks.append({"type": "divider"})
    blocks.append(ui.section(f"*My escalations* ({len(owned)})", block_id="owned"))
    for esc in owned[:MAX_LINES]:
        blocks.append(ui.section(ui.escalation_line(esc)))
    if len(owned) > MAX_LINES:
        blocks.append(ui.context(f"and {len(owned) - MAX_LINES} more: `/lanes mine`"))
    if not owned:
        blocks.append(ui.context("You own no open escalations."))

    mine = [e for e in requested if e.owner != user]
    if mine:
        blocks.append({"type": "divider"})
        blocks.append(ui.section(f"*Asked by me* ({len(mine)})", block_id="requested"))
        for esc in mine[:MAX_LINES]:
            blocks.append(ui.section(ui.escalation_line(esc)))
    blocks.append(
        ui.context(
            f"Updated {ui.slack_date(now)} · `/escalate` raises one · `/lanes` lists the lanes"
        )
    )
    return {"type": "home", "blocks": blocks[:100]}


@dataclass
class _Render:
    """A render in flight for one person: whether an outbox row carries it (it is retried if
    it fails, so requests folded into it are never lost) and whether one came in meanwhile."""

    durable: bool
    again: bool = False


class HomeDelivery:
    """Renders and publishes App Homes, coalesced per person (issue 19).

    Under load, clicks and state changes ask for many renders of the same Home. The outbox
    keeps at most one *pending* refresh per person (its coalescing key); here, at most one
    render per person is *in flight* in this process: a request that comes while one runs folds
    into it, and the running render reads the state again and publishes once more when it is
    done. The last publish therefore always reads state committed after the last request, and
    two renders of one Home never race (an older one could land last and show a stale Home).

    Only a render an outbox row carries takes in outbox rows: if it fails, the row is retried
    and renders the latest state, so a folded request is never lost. An ``app_home_opened``
    render is not retried; an outbox row that finds one in flight is deferred instead.
    """

    def __init__(self, lanes: Lanes, clock: Any) -> None:
        self.lanes = lanes
        self.clock = clock
        self._guard = threading.Lock()
        self._rendering: dict[tuple[str, str], _Render] = {}
        # The outbox engine's handler for "home" rows (given a Delivery, see deliveries.handler).
        self.handle: Handler = handler(self._deliver)

    def publish(
        self,
        reads: HomeReads,
        client: WebClient,
        team_id: str,
        user: str,
        *,
        durable: bool = False,
    ) -> bool:
        """Publish ``user``'s Home, or fold the request into a render of it in flight (False).
        ``durable``: an outbox row asks, and will be retried if this raises."""
        key = (team_id, user)
        with self._guard:
            running = self._rendering.get(key)
            if running is not None and (running.durable or not durable):
                running.again = True
                return False
            if running is not None:
                raise Deferred("an App Home render that is not retried is in flight")
            render = self._rendering[key] = _Render(durable=durable)
        try:
            rounds = 0
            while True:
                self._render(reads, client, team_id, user)
                rounds += 1
                with self._guard:
                    if not render.again:
                        del self._rendering[key]
                        return True
                    if rounds >= MAX_ROUNDS:
                        del self._rendering[key]
                        break
                    render.again = False  # read and publish again: the state changed
            if durable:  # what came in during the last round goes out with this row, later
                raise Deferred("this App Home keeps changing; rendering it again shortly")
            return True  # only other Home openings came in: it was just published 5 times
        except BaseException:
            with self._guard:
                self._rendering.pop(key, None)
            raise

    def _render(self, reads: HomeReads, client: WebClient, team_id: str, user: str) -> None:
        now = self.clock()
        state = reads.state(team_id, user, now)
        view = home_view(
            user=user,
            lanes=self.lanes,
            now=now,
            owned=state.owned,
            owned_items=state.owned_items,
            requested=state.requested,
            approvals=state.approvals,
            focus_until=state.focus_until,
            tickets=state.tickets,
        )
        # Sections of other capabilities, before the footer: the Level-10 to-dos.
        extra = level10_home(reads.todos, team_id, user, now)
        view["blocks"] = (view["blocks"][:-1] + extra + view["blocks"][-1:])[:100]
        reads.release()
        client.views_publish(user_id=user, view=view)

    def _deliver(self, delivery: Delivery, client: WebClient) -> dict[str, Any]:
        user = str(delivery.payload["user"])
        team_id = delivery.slack_team_id
        if self.publish(delivery.home(self.lanes), client, team_id, user, durable=True):
            return {"user": user}
        return {"user": user, "folded": True}  # into the render of this Home in flight


def register(app: App, deps: Deps, home: HomeDelivery) -> None:
    @app.event("app_home_opened")
    @guarded
    def opened(
        event: dict[str, Any], client: WebClient, context: dict[str, Any], body: dict[str, Any]
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        with deps.uow() as uow:
            home.publish(
                uow.home(deps.lanes), client, deps.team_id(context, body), str(event["user"])
            )

    @app.action(END_FOCUS)
    @guarded
    def end_focus(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        ack()
        interceptions.end_focus(
            deps.uow(),
            slack_team_id=deps.team_id(context, body),
            user=body["user"]["id"],
            now=deps.clock(),
        )

    @app.action(START_FOCUS)
    @guarded
    def start_focus(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        ack()
        now = deps.clock()
        interceptions.start_focus(
            deps.uow(),
            slack_team_id=deps.team_id(context, body),
            user=body["user"]["id"],
            ends_at=now + timedelta(minutes=90),
            now=now,
        )
