"""Interception: pings to protected people become an offer to route them into a lane.

A message event is acked by Bolt before this runs; the decision itself is a few regexes and one
indexed query, and the reply goes straight to Slack (an ephemeral reply that arrives minutes
late is no use, so it does not wait in the outbox).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.request.internals import extract_team_id
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ..domain.errors import AlreadyDone, InvalidInput
from ..domain.focus import USAGE, parse_focus
from ..domain.interception import LaneHint, Verdict, classify, mentioned_users
from ..domain.lanes import Lane, LanekeeperConfig
from ..domain.text import escape, plain_from_slack, truncate
from ..services import interceptions as service
from ..services.conversation_context import ConversationContext
from . import blocks as ui
from . import validate
from .deps import Deps
from .errors import guarded
from .executor import WAITED, ReplyPool
from .payloads import action_value_id

if TYPE_CHECKING:
    from ..adapters.uow import UnitOfWork

log = logging.getLogger(__name__)

ROUTE = re.compile(r"^route:(?P<lane>[a-z0-9-]+)$")
NOT_A_REQUEST = "route_not_request"
START = re.compile(r"^start:(?P<lane>[a-z0-9-]+)$")
SHORTCUT = "escalate_message"
MAX_FOCUS_TEXT = 100  # "until 14:00" and "90m" are short; a longer text is never one
# Subtypes that are still a person writing in the channel; every other one (edits, deletions,
# joins, bot messages, topic changes …) is never a ping.
PERSON_SUBTYPES = frozenset({"file_share", "thread_broadcast"})
# Seconds a message may have waited for the worker and still get an offer or an answer.
STALE_OFFER = 120.0


def exempt_targets(config: LanekeeperConfig, sender: str) -> set[str]:
    """Who ``sender`` may ping without interception (``protected.exempt_leads``): the people
    of every team they lead, and of every team when they are an admin."""
    if not config.protected.exempt_leads:
        return set()
    admin = sender in config.admins
    out: set[str] = set()
    for team in config.teams.values():
        if admin or sender in team.leads:
            out.update(team.members)
            out.update(team.leads)
    out.discard(sender)
    return out


def lane_hints(lanes: dict[str, Lane]) -> list[LaneHint]:
    return [LaneHint(key=ln.key, keywords=ln.keywords) for ln in lanes.values()]


def offer_blocks(
    *,
    interception_id: int,
    targets: list[str],
    focus: dict[str, datetime],
    lanes: dict[str, Lane],
    ranked: tuple[str, ...],
    urgent: bool,
) -> tuple[str, list[ui.Block]]:
    who = ", ".join(f"<@{t}>" for t in targets)
    why = []
    for t in targets:
        if t in focus:
            why.append(f"<@{t}> is in focus until {ui.slack_date(focus[t])}")
    heads = "; ".join(why) if why else f"{who} {'is' if len(targets) == 1 else 'are'} heads-down"
    intro = (
        f":shield: {heads}. Requests go through a lane so they get an owner and an SLA "
        "instead of interrupting one person. Where should this go?"
    )
    order = [k for k in ranked if k in lanes] + [k for k in lanes if k not in ranked]
    suggested = order[0] if order else None
    buttons = []
    for key in order[:23]:
        label = lanes[key].name + (" (suggested)" if key == suggested else "")
        buttons.append(
            ui.button(
                label,
                f"route:{key}",
                str(interception_id),
                style="primary" if key == suggested else None,
            )
        )
    buttons.append(ui.button("Not a request", NOT_A_REQUEST, str(interception_id)))
    blocks: list[ui.Block] = [ui.section(intro)]
    if urgent:
        blocks.append(
            ui.context(
                ":rotating_light: Sounds urgent: the form will start at the highest severity."
            )
        )
    blocks.append({"type": "actions", "block_id": "route", "elements": buttons})
    return f"{who} is heads-down; route this request into a lane.", blocks


def howto_blocks(lanes: dict[str, Lane]) -> tuple[str, list[ui.Block]]:
    text = (
        "*Lanekeeper* routes requests into escalation lanes: each gets an owner, an SLA clock and "
        "a definition of done, and nobody gets pinged ad hoc.\n"
        "• `/escalate [lane] [summary]` raises one · `/lanes` lists the lanes · `/lanes mine` yours\n"
        "• `/focus 90m` protects your time · *Escalate this message* (message menu) turns any message into one"
    )
    buttons = [ui.button(ln.name, f"start:{ln.key}", ln.key) for ln in list(lanes.values())[:24]]
    return "How to use Lanekeeper", [
        ui.section(text),
        {"type": "actions", "block_id": "start", "elements": buttons},
    ]


def _open_then_name(
    client: WebClient,
    trigger_id: str,
    modal: Callable[[dict[str, str]], dict[str, Any]],
    deps: Deps,
    team_id: str,
    text: str,
) -> None:
    """Open the modal at once (a trigger id lives 3 seconds), then, when the message mentions
    people, fill their names in with ``views.update`` (``users.info`` can be slow)."""
    opened = client.views_open(trigger_id=trigger_id, view=modal({}))
    users = mentioned_users(text)[:5]
    if not users:
        return
    names = deps.directory.display_names(team_id, users)
    view = opened.get("view") or {}
    if names and view.get("id"):
        # A refusal means the person changed the form meanwhile: their text wins.
        with contextlib.suppress(SlackApiError):
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=modal(names))


def _replier(deps: Deps, pool: ReplyPool) -> Callable[..., None]:
    def reply(send: Any, *, interception_id: int | None = None, what: str) -> None:
        """Send a reply on the reply pool (never on a listener thread: a slow Slack would starve
        the acks); an offer Slack refuses, or one dropped as too late, is recorded as such."""

        def undeliverable(reason: str) -> None:
            log.info("could not %s: %s", what, reason)
            if interception_id is not None:
                service.mark_undeliverable(
                    deps.uow(), interception_id=interception_id, reason=reason[:200]
                )

        def run() -> None:
            try:
                send()
            except SlackApiError as exc:
                undeliverable(str(exc.response.get("error") if exc.response is not None else exc))
            except OSError as exc:
                undeliverable(f"Slack did not answer ({type(exc).__name__})")

        pool.submit(run, on_drop=undeliverable)

    return reply


def _first_delivery(deps: Deps, body: dict[str, Any], team_id: str) -> bool:
    """False for a retried delivery of an event already answered (X-Slack-Retry-Num)."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    with deps.uow() as uow:
        first = uow.processed.claim(team_id, f"event:{event_id}")
        uow.commit()
        return first


def register(app: App, deps: Deps, *, replies: ReplyPool | None = None) -> None:
    """Every interception listener, the message listener first."""
    pool = replies or ReplyPool(4)
    register_messages(app, deps, replies=pool)
    register_actions(app, deps, replies=pool)


@dataclass(frozen=True)
class Ping:
    """A person's message in a watched channel that mentions someone: read, not yet decided."""

    team_id: str
    channel: str
    sender: str
    text: str
    ts: str
    thread_ts: str | None
    mentioned: list[str]
    asked_before: frozenset[str]


@dataclass(frozen=True)
class Catch:
    """A ping decided to be a request to protected people, stored (not yet committed)."""

    ping: Ping
    interception_id: int
    targets: list[str]
    focus: dict[str, datetime]
    verdict: Verdict


class MessageInterceptor:
    """The interception of message events, in three steps: :meth:`ping` reads an event (no
    I/O), :meth:`catch` decides and stores it inside a unit of work, :meth:`offer` sends the
    sender their offer. The Bolt listener runs them for one event in its own transaction;
    ``lanekeeper deliver`` (LANEKEEPER_DELIVERY=worker) runs :meth:`handle_batch` over the
    stored events it claimed, in one transaction for all of them (issue 19)."""

    def __init__(self, deps: Deps, replies: ReplyPool) -> None:
        self.deps = deps
        # With many workspaces this is the workspace in scope's (read at each use, never here).
        self.lanes_cfg = deps.lanes.config
        # Who asked a question here a moment ago (issue 18), for the listener and the batches.
        self.conversation = ConversationContext()
        self._reply = _replier(deps, replies)

    @staticmethod
    def from_a_person(event: dict[str, Any]) -> bool:
        subtype = event.get("subtype")
        if (subtype and subtype not in PERSON_SUBTYPES) or event.get("bot_id"):
            return False  # edits, deletions, joins, bots (ours included)
        return bool(event.get("user"))

    @staticmethod
    def too_late(event: dict[str, Any], waited: object) -> bool:
        if isinstance(waited, float) and waited > STALE_OFFER:
            # Acked, then stored while no worker ran: the sender has moved on, and an offer
            # minutes late reads as a bot gone wrong (LANEKEEPER_DELIVERY=worker).
            log.info("no offer for a message from %s that waited %.0f s", event["user"], waited)
            return True
        return False

    def ping(self, event: dict[str, Any], team_id: str, text: str) -> Ping | None:
        """A person's channel message: None unless it is in a watched channel and mentions
        someone other than the sender and the people they may ping freely."""
        channel = str(event.get("channel") or "")
        if not self.lanes_cfg.protected.watches(channel):
            return None
        sender = str(event["user"])
        thread_ts = event.get("thread_ts")
        # Context, fed from the events themselves (no Slack call): a protected person's own
        # recent question here makes a reply to them an answer (classify's recent_question_by).
        asked_before = self.conversation.observe(
            team=team_id,
            channel=channel,
            user=sender,
            text=text,
            ts=event.get("ts"),
            thread_ts=thread_ts,
            now=self.deps.clock(),
        )
        exempt = exempt_targets(self.lanes_cfg, sender)
        mentioned = [u for u in mentioned_users(text) if u != sender and u not in exempt]
        if not mentioned:
            return None
        return Ping(
            team_id=team_id,
            channel=channel,
            sender=sender,
            text=text,
            ts=str(event["ts"]),
            thread_ts=str(thread_ts) if thread_ts else None,
            mentioned=mentioned,
            asked_before=asked_before,
        )

    def catch(self, uow: UnitOfWork, ping: Ping, now: datetime) -> Catch | None:
        """Decide, and store the catch in ``uow`` (the caller commits): None when it asks
        nothing of a protected person, or was caught already (a retried delivery)."""
        if ping.thread_ts and uow.interceptions.in_lane_thread(
            ping.team_id, ping.channel, ping.thread_ts
        ):
            return None  # working an escalation in its own thread is the lane, not a ping
        # Always-protected people too: their reply says until when they are in focus.
        focus = service.focused_users(uow, ping.team_id, now, ping.mentioned)
        protected = {u for u in ping.mentioned if u in self.lanes_cfg.protected.users or u in focus}
        if not protected:
            return None
        verdict = classify(
            ping.text,
            protected=protected,
            lanes=lane_hints(self.lanes_cfg.lanes),
            recent_question_by=ping.asked_before,
        )
        if not verdict.is_request or not verdict.targets:
            return None
        targets = list(verdict.targets)
        iid = service.store_catch(
            uow,
            service.caught(
                slack_team_id=ping.team_id,
                channel=ping.channel,
                message_ts=ping.ts,
                sender=ping.sender,
                targets=targets,
                text=ping.text,
                suggested_lane=verdict.suggested_lanes[0] if verdict.suggested_lanes else None,
                urgent=verdict.urgent,
                reason=verdict.reason,
                rule=verdict.rule,
                now=now,
            ),
        )
        if iid is None:
            return None  # a retried delivery of a message already answered
        return Catch(ping=ping, interception_id=iid, targets=targets, focus=focus, verdict=verdict)

    def offer(self, client: WebClient, catch: Catch) -> None:
        ping, verdict = catch.ping, catch.verdict
        t, blocks = offer_blocks(
            interception_id=catch.interception_id,
            targets=catch.targets,
            focus=catch.focus,
            lanes=self.lanes_cfg.lanes,
            ranked=verdict.suggested_lanes,
            urgent=verdict.urgent,
        )
        self._reply(
            lambda: client.chat_postEphemeral(
                channel=ping.channel, user=ping.sender, text=t, blocks=blocks
            ),
            interception_id=catch.interception_id,
            what=f"offer lanes to {ping.sender} in {ping.channel}",
        )

    def handle(self, event: dict[str, Any], team_id: str, client: WebClient) -> None:
        """One channel message, in its own transaction (the Bolt listener)."""
        ping = self.ping(event, team_id, validate.clean(str(event.get("text") or "")))
        if ping is None:
            return
        # One unit of work, one transaction: read the focus state, decide, store the catch
        # (at 200 messages a second every checkout and round trip shows in the acks).
        with self.deps.uow() as uow:
            caught = self.catch(uow, ping, self.deps.clock())
            if caught is not None:
                uow.commit()
        if caught is not None:
            self.offer(client, caught)

    @staticmethod
    def batchable(body: dict[str, Any]) -> bool:
        """Whether :meth:`handle_batch` takes this stored request: a channel message event
        (direct messages, and everything else, go through the Bolt app)."""
        if body.get("type") != "event_callback":
            return False
        event = body.get("event")
        return (
            isinstance(event, dict)
            and event.get("type") == "message"
            and event.get("channel_type") != "im"
            and isinstance(event.get("text", ""), str)
        )

    def handle_batch(self, items: list[tuple[dict[str, Any], float]], client: WebClient) -> None:
        """Stored channel message events (body, seconds waited), decided in one transaction:
        one connection checkout, one focus read per message and one commit for them all,
        instead of a Bolt dispatch, a listener hand-off and a transaction each (issue 19).

        Each message is read once, in order (:meth:`ping` feeds the conversation context).
        When the shared transaction fails, nothing was sent and each ping is decided again in
        a transaction of its own from that same reading, so a later message of the batch never
        colours an earlier one; a ping that fails alone is logged and skipped, as the listener
        does. Offers go out one by one: one that cannot be queued does not hold back the rest.
        """
        pings: list[Ping] = []
        for body, waited in items:
            event = body["event"]
            if not self.from_a_person(event) or self.too_late(event, waited):
                continue
            # NUL bytes and lone surrogates are dropped (no database stores them): the rest of
            # the message is still read, so they never hide a request.
            text = validate.clean(str(event.get("text") or ""))
            try:
                # The workspace as Bolt reads it: in a Slack Connect channel the payload's
                # team_id is the sender's organisation, authorizations[0] is ours.
                team_id = self.deps.team_id({"team_id": extract_team_id(body)}, body)
                ping = self.ping(event, team_id, text)
            except Exception:
                log.exception("could not read a stored message event")
                continue
            if ping is not None:
                pings.append(ping)
        if not pings:
            return
        now = self.deps.clock()
        caught: list[Catch] = []
        try:
            with self.deps.uow() as uow:
                caught = [c for c in (self.catch(uow, p, now) for p in pings) if c is not None]
                if caught:
                    uow.commit()
        except Exception:
            log.warning(
                "deciding %s messages together failed; deciding each alone",
                len(pings),
                exc_info=True,
            )
            caught = []
            for ping in pings:
                try:
                    with self.deps.uow() as uow:
                        one = self.catch(uow, ping, now)
                        if one is not None:
                            uow.commit()
                            caught.append(one)
                except Exception:
                    log.exception("deciding a message from %s failed", ping.sender)
        for each in caught:
            try:
                self.offer(client, each)
            except Exception:
                log.exception("could not queue the offer to %s", each.ping.sender)


def register_messages(app: App, deps: Deps, *, replies: ReplyPool) -> MessageInterceptor:
    """The message listener alone. Register it before every other listener: Bolt tries the
    listeners in order, running each one's matchers (argument injection included) until one
    matches, and messages are most of the traffic. Behind the ~17 other listeners that matching
    was about 0.6 ms of CPU per message, more than the database work (issue 19). Returns the
    interceptor, for the worker's batches."""
    lanes_cfg = deps.lanes.config
    interceptor = MessageInterceptor(deps, replies)
    _reply = interceptor._reply

    @app.event("message")
    @guarded
    def on_message(
        event: dict[str, Any], client: WebClient, context: dict[str, Any], body: dict[str, Any]
    ) -> None:
        if not interceptor.from_a_person(event):
            return
        if interceptor.too_late(event, context.get(WAITED)):
            return
        channel = str(event.get("channel") or "")
        sender = str(event["user"])
        team_id = deps.team_id(context, body)
        if event.get("channel_type") == "im":
            if event.get("thread_ts") or not _first_delivery(deps, body, team_id):
                return
            t, blocks = howto_blocks(lanes_cfg.lanes)
            _reply(
                lambda: client.chat_postMessage(channel=channel, text=t, blocks=blocks),
                what=f"answer a DM from {sender}",
            )
            return
        interceptor.handle(event, team_id, client)

    return interceptor


def register_actions(app: App, deps: Deps, *, replies: ReplyPool) -> None:
    """The offer's buttons, the message shortcut, mentions of the bot and ``/focus``."""
    lanes_cfg = deps.lanes.config
    _reply = _replier(deps, replies)

    def _already_routed(lane_key: str | None, escalation_id: int | None) -> AlreadyDone:
        with deps.uow() as uow:
            number = uow.interceptions.escalation_number(escalation_id) if escalation_id else None
        lane = lanes_cfg.lane(lane_key or "")
        where = lane.name if lane else (lane_key or "a lane")
        return AlreadyDone(f"Already routed to {where}" + (f" as ESC-{number}." if number else "."))

    def _team_tz(user: str) -> str:
        for team in lanes_cfg.teams.values():
            if user in team.members or user in team.leads:
                return team.timezone
        return lanes_cfg.timezone

    @app.action(ROUTE)
    @guarded
    def route(ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        ack()
        action = body["actions"][0]
        lane_key = ROUTE.match(action["action_id"]).group("lane")  # type: ignore[union-attr]
        team_id = deps.team_id(context, body)
        row = service.get(
            deps.uow(),
            slack_team_id=team_id,
            interception_id=action_value_id(body, "message to route"),
        )
        if row.sender != body["user"]["id"]:
            raise service.NotAllowed("Only the person who sent that message can route it.")
        if row.outcome == "routed":
            raise _already_routed(
                row.lane, row.escalation_id
            )  # a second click would make a second escalation
        lane = deps.lanes.lane(lane_key)
        severity = lane.severity_order[0] if row.urgent else None

        def modal(names: dict[str, str]) -> dict[str, Any]:
            summary = plain_from_slack(row.text, names)
            return ui.escalation_modal(
                list(lanes_cfg.lanes.values()),
                lane=lane.key,
                severity=severity,
                summary=truncate(" ".join(summary.split()), 150),
                details=summary if len(summary) > 150 else "",
                permalink=ui.message_link(row.channel, row.message_ts),
                metadata={
                    "source": "intercepted",
                    "source_channel": row.channel,
                    "source_ts": row.message_ts,
                    "requester": row.sender,
                    "interception": row.id,
                },
            )

        _open_then_name(client, body["trigger_id"], modal, deps, team_id, row.text)

    @app.action(NOT_A_REQUEST)
    @guarded
    def not_a_request(
        ack: Ack, body: dict[str, Any], respond: Any, context: dict[str, Any]
    ) -> None:
        ack()
        team_id = deps.team_id(context, body)
        interception_id = action_value_id(body, "message to route")
        row = service.get(deps.uow(), slack_team_id=team_id, interception_id=interception_id)
        if row.outcome == "routed" and row.sender == body["user"]["id"]:
            raise _already_routed(row.lane, row.escalation_id)
        service.decide(
            deps.uow(),
            slack_team_id=team_id,
            interception_id=interception_id,
            actor=body["user"]["id"],
            outcome="dismissed",
            now=deps.clock(),
        )
        respond(delete_original=True)

    @app.action(START)
    @guarded
    def start(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        lane_key = START.match(body["actions"][0]["action_id"]).group("lane")  # type: ignore[union-attr]
        view = ui.escalation_modal(
            list(lanes_cfg.lanes.values()), lane=lane_key, metadata={"source": "slash_command"}
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.shortcut(SHORTCUT)
    @guarded
    def escalate_message(
        ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        ack()
        message = body.get("message") or {}
        channel = validate.channel_id((body.get("channel") or {}).get("id"))
        raw = validate.clean(str(message.get("text") or ""))[:40_000]
        message_ts = validate.message_ts(message.get("ts"))
        hints = lane_hints(lanes_cfg.lanes)
        verdict = classify(raw, protected=[], lanes=hints)
        lane = verdict.suggested_lanes[0] if verdict.suggested_lanes else None

        def modal(names: dict[str, str]) -> dict[str, Any]:
            text = plain_from_slack(raw, names)
            return ui.escalation_modal(
                list(lanes_cfg.lanes.values()),
                lane=lane,
                summary=truncate(" ".join(text.split()), 150),
                details=text if len(text) > 150 else "",
                permalink=ui.message_link(channel, message_ts),
                metadata={
                    "source": "message_shortcut",
                    "source_channel": channel,
                    "source_ts": message_ts,
                },
            )

        team_id = deps.team_id(context, body)
        _open_then_name(client, body["trigger_id"], modal, deps, team_id, raw)

    @app.event("app_mention")
    @guarded
    def mentioned(
        event: dict[str, Any], client: WebClient, context: dict[str, Any], body: dict[str, Any]
    ) -> None:
        if event.get("bot_id") or not event.get("user"):
            return
        if not _first_delivery(deps, body, deps.team_id(context, body)):
            return
        t, blocks = howto_blocks(lanes_cfg.lanes)
        channel, user = str(event.get("channel") or ""), str(event["user"])
        _reply(
            lambda: client.chat_postEphemeral(channel=channel, user=user, text=t, blocks=blocks),
            what="answer a mention",
        )

    @app.command("/focus")
    @guarded
    def focus(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        user = str(body["user_id"])
        team_id = deps.team_id(context, body)
        now = deps.clock()
        typed = validate.clean(str(body.get("text") or ""))
        if len(typed) > MAX_FOCUS_TEXT:
            ack(f":warning: That is {len(typed)} characters; `/focus` takes a duration. {USAGE}")
            return
        try:
            # Escaped before it is parsed: nothing valid has <, > or &, and every refusal that
            # echoes the text then shows it literally (never a <!channel> or a fake link).
            req = parse_focus(escape(typed), now=now, tz=_team_tz(user))
        except InvalidInput as exc:
            ack(f":warning: {exc.message}")
            return
        if req.kind == "start" and req.ends_at is not None:
            service.start_focus(
                deps.uow(), slack_team_id=team_id, user=user, ends_at=req.ends_at, now=now
            )
            ack(
                f":shield: Focus on until {ui.slack_date(req.ends_at)}. Pings to you in channels "
                "I'm in will be offered a lane instead. `/focus off` ends it."
            )
        elif req.kind == "off":
            ended = service.end_focus(deps.uow(), slack_team_id=team_id, user=user, now=now)
            ack(":white_check_mark: Focus ended." if ended else "You were not in focus.")
        else:
            with deps.uow() as uow:
                until = service.focused_users(uow, team_id, now, [user]).get(user)
            always = user in lanes_cfg.protected.users
            if until:
                ack(
                    f":shield: You are in focus until {ui.slack_date(until)}. `/focus off` ends it."
                )
            elif always:
                ack(":shield: You are always protected (set in the lanes file).")
            else:
                ack("You are not in focus. `/focus 90m` or `/focus until 14:00` starts it.")
