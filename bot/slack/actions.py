"""Buttons on the lane message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from ..services import escalations as service
from . import blocks as ui
from .deps import Deps
from .errors import guarded
from .payloads import action_number, request_key

DIRECT = {"take": "take", "wait": "wait", "resume": "resume", "reopen": "reopen"}


def register(app: App, deps: Deps) -> None:
    for action, action_id in ui.ACTION_IDS.items():
        if action in DIRECT:
            app.action(action_id)(guarded(_direct(deps, DIRECT[action])))

    @app.action(ui.ACTION_IDS["resolve"])
    @guarded
    def open_resolve(
        ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        ack()
        esc = service.get_escalation(
            deps.uow(), slack_team_id=deps.team_id(context, body), number=action_number(body)
        )
        client.views_open(
            trigger_id=body["trigger_id"],
            view=ui.resolve_modal(esc, deps.lanes.config.lane(esc.lane)),
        )

    @app.action(ui.ACTION_IDS["reassign"])
    @guarded
    def open_reassign(
        ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        ack()
        esc = service.get_escalation(
            deps.uow(), slack_team_id=deps.team_id(context, body), number=action_number(body)
        )
        client.views_open(trigger_id=body["trigger_id"], view=ui.reassign_modal(esc))


def _direct(deps: Deps, action: str) -> Any:
    def handler(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        ack()
        service.act(
            deps.uow,
            deps.lanes,
            slack_team_id=deps.team_id(context, body),
            number=action_number(body),
            action=action,
            actor=body["user"]["id"],
            now=deps.clock(),
            request_key=request_key(body),
        )

    handler.__name__ = f"lane_{action}"
    return handler
