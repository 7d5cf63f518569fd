"""Modal submissions: the escalation form, the definition-of-done resolve form, reassign."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from ..domain.errors import InvalidInput, LanekeeperError
from ..domain.escalation import Draft, Source
from ..services import escalations as service
from . import blocks as ui
from .commands import metadata_of
from .deps import Deps
from .errors import guarded
from .payloads import state_value, text_value, user_value

SOURCES = {s.value: s for s in Source}


def _field_errors(exc: InvalidInput, mapping: dict[str, str] | None = None) -> dict[str, str]:
    mapping = mapping or {}
    return {mapping.get(k, k): v[:150] for k, v in exc.fields.items()} or {}


def _choice(value: Any) -> str:
    """A select's value: a short string, or empty (the domain then says to pick one)."""
    return value[:100] if isinstance(value, str) else ""


def _when(value: Any) -> datetime | None:
    """A datetimepicker's ``selected_date_time`` (Unix seconds) as an aware datetime."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            return datetime.fromtimestamp(int(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None  # no date Slack's picker can send
    return None


def _texts(view: dict[str, Any], *block_ids: str) -> tuple[dict[str, str], dict[str, str]]:
    """The text inputs' values, and every field refused (too long for its modal) at once."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for block_id in block_ids:
        try:
            values[block_id] = text_value(view, block_id)
        except InvalidInput as exc:
            values[block_id] = ""
            errors.update(exc.fields)
    return values, errors


def register(app: App, deps: Deps) -> None:
    def act_from_modal(
        ack: Ack,
        body: dict[str, Any],
        context: dict[str, Any],
        number: int,
        action: str,
        error_field: str,
        field_map: dict[str, str],
        **kw: Any,
    ) -> None:
        """Apply a lifecycle action submitted from a modal; refusals go back into the modal
        (per field where the domain names one, else under ``error_field``)."""
        try:
            service.act(
                deps.uow,
                deps.lanes,
                slack_team_id=deps.team_id(context, body),
                number=number,
                action=action,
                actor=body["user"]["id"],
                now=deps.clock(),
                **kw,
            )
        except InvalidInput as exc:
            errors = _field_errors(exc, field_map) or {error_field: exc.message[:150]}
            ack(response_action="errors", errors=errors)
            return
        except LanekeeperError as exc:
            ack(response_action="errors", errors={error_field: exc.message[:150]})
            return
        ack()

    @app.view(ui.CB_ESCALATE)
    @guarded
    def submit_escalation(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        meta = metadata_of(view)
        texts, too_long = _texts(view, "client", "summary", "details", "psa_ticket")
        if too_long:
            ack(response_action="errors", errors=too_long)
            return
        draft = Draft(
            lane=_choice(state_value(view, "lane")),
            severity=_choice(state_value(view, "severity")),
            client=texts["client"],
            summary=texts["summary"],
            details=texts["details"],
            psa_ticket=texts["psa_ticket"],
            starts_at=_when(state_value(view, "starts_at")),
        )
        user = body["user"]["id"]
        try:
            service.create_escalation(
                deps.uow(),
                deps.lanes,
                slack_team_id=deps.team_id(context, body),
                draft=draft,
                requester=str(meta.get("requester") or user),
                source=SOURCES.get(str(meta.get("source")), Source.SLASH_COMMAND),
                now=deps.clock(),
                idempotency_key=f"view:{view['id']}",
                source_channel=meta.get("source_channel"),
                source_ts=meta.get("source_ts"),
                permalink=meta.get("permalink"),
                interception_id=meta.get("interception"),
            )
        except InvalidInput as exc:
            ack(response_action="errors", errors=_field_errors(exc) or {"summary": exc.message})
            return
        ack()

    @app.view(ui.CB_RESOLVE)
    @guarded
    def submit_resolve(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        number = int(metadata_of(view).get("n") or 0)
        try:
            esc = service.get_escalation(
                deps.uow(), slack_team_id=deps.team_id(context, body), number=number
            )
        except LanekeeperError as exc:
            ack(response_action="errors", errors={"note": exc.message[:150]})
            return
        lane = deps.lanes.config.lane(esc.lane)
        items = list(lane.done) if lane else []
        picked: set[int] = set()
        for block_id in (view.get("state") or {}).get("values") or {}:
            if block_id.startswith("done_"):
                chosen = state_value(view, block_id, "done")
                for v in chosen if isinstance(chosen, list) else []:
                    if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 4:
                        picked.add(int(v))
        checked = [items[i] for i in sorted(picked) if i < len(items)]
        texts, too_long = _texts(view, "note")
        if too_long:
            ack(response_action="errors", errors=too_long)
            return
        act_from_modal(
            ack, body, context, number, "resolve", "note", {"done": "done_0"},
            checked=checked, note=texts["note"],
        )  # fmt: skip

    @app.view(ui.CB_REASSIGN)
    @guarded
    def submit_reassign(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        number = int(metadata_of(view).get("n") or 0)
        to = user_value(view, "owner")
        if to is None:
            ack(response_action="errors", errors={"owner": "Pick the new owner."})
            return
        act_from_modal(ack, body, context, number, "reassign", "owner", {}, to=to)
