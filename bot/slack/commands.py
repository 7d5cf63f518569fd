"""Slash commands: ``/escalate [lane] [text]`` and ``/lanes [mine]``."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from ..domain.lanes import Lane
from . import blocks as ui
from . import validate
from .deps import Deps
from .errors import guarded
from .level10 import LANES_SUBCOMMANDS

_SEVERITY = re.compile(r"^(p[0-9]|sev[0-9])$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
MAX_COMMAND_TEXT = 3000


@dataclass(frozen=True)
class EscalateArgs:
    lane: str | None
    severity: str | None
    summary: str
    unknown_lane: str | None = None
    unknown_severity: str | None = None


def parse_escalate(text: str, lanes: dict[str, Lane]) -> EscalateArgs:
    """``/escalate client-request P2 acme wants it sooner`` → lane, severity and summary.

    The first word is a lane when it names one (by key, or the lane's name); a first word that
    looks like a lane key but is none (``client-requst``, ``alerts``) is reported as unknown, so
    the person learns the valid lanes instead of getting a summary that starts with a typo.
    """
    words = text.strip().split()
    lane: str | None = None
    unknown: str | None = None
    if words:
        first = words[0].lower()
        by_name = {ln.name.lower(): ln.key for ln in lanes.values()}
        if first in lanes:
            lane = first
            words = words[1:]
        elif first in by_name:
            lane = by_name[first]
            words = words[1:]
        elif _SLUG.match(first) or difflib.get_close_matches(first, list(lanes), n=1, cutoff=0.75):
            unknown = words[0]
            words = words[1:]
    severity: str | None = None
    # Any severity a lane names (P1, SEV2, critical …), matched without regard to case.
    known = {sev.lower(): sev for ln in lanes.values() for sev in ln.severity_order}
    if words and words[0].lower() in known:
        severity = known[words[0].lower()]
        words = words[1:]
    unknown_severity = None
    if severity is None and words and _SEVERITY.match(words[0]):
        unknown_severity = words[0]  # looks like one (P4, SEV9) but no lane has it
        words = words[1:]
    elif severity is not None and lane is not None and severity not in lanes[lane].severities:
        unknown_severity, severity = severity, None
    return EscalateArgs(lane, severity, " ".join(words), unknown, unknown_severity)


def _all_severities(lanes: dict[str, Lane]) -> list[str]:
    return list(dict.fromkeys(sev for ln in lanes.values() for sev in ln.severity_order))


def suggest_lane(text: str, lanes: dict[str, Lane]) -> str | None:
    """The lane whose keywords the text mentions most, if any."""
    low = text.lower()
    best, score = None, 0
    for ln in lanes.values():
        hits = sum(1 for k in ln.keywords if k and k in low)
        if hits > score:
            best, score = ln.key, hits
    return best


def register(app: App, deps: Deps) -> None:
    @app.command("/escalate")
    @guarded
    def escalate(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = validate.clean(str(body.get("text") or ""))
        if len(text) > MAX_COMMAND_TEXT:
            ack(
                f":warning: That is {len(text)} characters; keep `/escalate` text under {MAX_COMMAND_TEXT}."
            )
            return
        lanes = deps.lanes.config.lanes
        args = parse_escalate(text, lanes)
        if args.unknown_lane:
            ack(
                f":warning: There is no lane `{ui.escape(args.unknown_lane)}`. Pick one in the form; "
                f"valid lanes: {', '.join(f'`{k}`' for k in lanes)}."
            )
        elif args.unknown_severity:
            valid = lanes[args.lane].severity_order if args.lane else _all_severities(lanes)
            ack(
                f":warning: There is no severity `{ui.escape(args.unknown_severity)}`"
                + (f" in {ui.escape(lanes[args.lane].name)}" if args.lane else "")
                + f". Pick one in the form; valid: {', '.join(f'`{v}`' for v in valid)}."
            )
        else:
            ack()
        lane = args.lane or suggest_lane(args.summary, lanes)
        metadata = {
            "channel": validate.channel_id(body.get("channel_id")),
            "source": "slash_command",
        }
        view = ui.escalation_modal(
            list(lanes.values()),
            lane=lane,
            severity=args.severity,
            summary=args.summary[:150],
            details=args.summary if len(args.summary) > 150 else "",
            metadata=metadata,
        )
        # trigger_id lives 3 seconds: open the modal first, before any other work (PITFALLS).
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.command("/lanes")
    @guarded
    def lanes_command(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        # Subcommands of other capabilities: /lanes scorecard, /lanes coach (bot.slack.level10).
        word, _, rest = str(body.get("text") or "").strip().partition(" ")
        if word.lower() in LANES_SUBCOMMANDS:
            text, blocks = LANES_SUBCOMMANDS[word.lower()](deps, body, context, rest)
            ack(text=text, blocks=blocks)
            return
        arg = validate.clean(str(body.get("text") or "")).strip().lower()
        if arg in ("mine", "my", "me"):
            team_id = deps.team_id(context, body)
            with deps.uow() as uow:
                rows = uow.escalations.open_for_user(team_id, str(body["user_id"]))
                text, blocks = ui.my_escalations(rows, user_id=str(body["user_id"]))
            ack(text=text, blocks=blocks)
            return
        text, blocks = ui.lanes_help(list(deps.lanes.config.lanes.values()))
        if arg and arg not in ("help", ""):
            blocks.insert(
                0,
                ui.context(
                    f"Unknown option `{ui.escape(arg[:50])}`: try `/lanes`, `/lanes mine`, "
                    "`/lanes scorecard [team]` or `/lanes coach @person`."
                ),
            )
        ack(text=text, blocks=blocks)


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    """A view's ``private_metadata``, validated key by key (:func:`bot.slack.validate.metadata`)."""
    return validate.metadata(view)
