"""The Level-10's Slack surfaces: **Assign owner** on an IDS item, **Done** / **Not done** on a
to-do, ``/lanes scorecard [team]`` and ``/lanes coach @person`` (through
:data:`LANES_SUBCOMMANDS`, which ``/lanes`` dispatches to), and the to-dos section of App Home.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from ..adapters.level10 import Level10Repository
from ..domain.errors import InvalidInput, NotAllowed, NotFound
from ..services import scorecard
from ..services.scorecard import TodoView
from . import blocks as ui
from .deps import Deps
from .errors import guarded
from .level10_render import (
    ASSIGN,
    IDS_BLOCK,
    TODO_DONE,
    TODO_NOT_DONE,
    coach_reply,
    home_section,
    scorecard_reply,
)

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$")
_TODO_ID = re.compile(r"^[0-9]{1,12}$")

Reply = tuple[str, list[ui.Block]]


def _thread(body: dict[str, Any]) -> tuple[str, str] | None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts")
    if isinstance(channel, str) and isinstance(ts, str) and not container.get("is_ephemeral"):
        return channel, ts
    return None


def _when(at: datetime, deps: Deps, team: str) -> str:
    tz = ZoneInfo(deps.lanes.team(team).timezone) if team in deps.lanes.config.teams else None
    return ui.slack_date(at, tz)


def register(app: App, deps: Deps) -> None:
    @app.action(ASSIGN)
    @guarded
    def assign(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        parts = str(action.get("block_id") or "").split("|", 3)
        owner = str(action.get("selected_user") or "")
        if len(parts) != 4 or parts[0] != IDS_BLOCK or not _USER_ID.match(owner):
            raise InvalidInput("That choice could not be read; pick the owner again.")
        _, team, week, key = parts
        scorecard.assign_owner(
            deps.uow(),
            deps.lanes,
            slack_team_id=deps.team_id(context, body),
            team=team,
            week=week,
            key=key,
            owner=owner,
            actor=str(body["user"]["id"]),
            now=deps.clock(),
            thread=_thread(body),
            note=lambda t: (
                f":pushpin: To-do for {ui.user(t.owner)}: {ui.escape(t.title)}, due "
                f"{_when(t.due_at, deps, team)} (assigned by {ui.user(str(body['user']['id']))})"
            ),
        )

    def _mark(done: bool) -> Callable[..., None]:
        def handler(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
            ack()
            value = str((body.get("actions") or [{}])[0].get("value") or "")
            if not _TODO_ID.match(value):
                raise NotFound("That to-do is not stored any more.")
            actor = str(body["user"]["id"])
            scorecard.mark_todo(
                deps.uow(),
                deps.lanes,
                slack_team_id=deps.team_id(context, body),
                todo_id=int(value),
                done=done,
                actor=actor,
                now=deps.clock(),
                thread=_thread(body),
                note=lambda t: (
                    f":white_check_mark: Done: {ui.escape(t.title)} ({ui.user(t.owner)}), "
                    f"marked by {ui.user(actor)}"
                    if done
                    else f":arrow_right_hook: Not done: {ui.escape(t.title)} ({ui.user(t.owner)}) "
                    f"carries over to next week"
                ),
            )

        return handler

    app.action(TODO_DONE)(guarded(_mark(True)))
    app.action(TODO_NOT_DONE)(guarded(_mark(False)))


# --- /lanes scorecard, /lanes coach ---------------------------------------------------------


def scorecard_command(
    deps: Deps, body: dict[str, Any], context: dict[str, Any], rest: str
) -> Reply:
    """``/lanes scorecard [team]``: the asker's team (or the one named), the week so far."""
    asker = str(body.get("user_id") or "")
    lanes = deps.lanes
    teams = lanes.config.teams
    key = rest.strip().lower()[:64]
    if key:
        if key not in teams:
            by_name = {t.name.lower(): k for k, t in teams.items()}
            if key not in by_name:
                return (
                    f"There is no team “{ui.escape(key)}”. Teams: {', '.join(teams)}.",
                    [],
                )
            key = by_name[key]
    else:
        mine = scorecard.teams_of(lanes, asker)
        if not mine:
            return (f"Which team? `/lanes scorecard TEAM`, one of: {', '.join(teams)}.", [])
        key = mine[0]
    p = scorecard.current_scorecard(
        deps.uow(), lanes, slack_team_id=deps.team_id(context, body), team=key, now=deps.clock()
    )
    return scorecard_reply(p)


def coach_command(deps: Deps, body: dict[str, Any], context: dict[str, Any], rest: str) -> Reply:
    """``/lanes coach @person``: their reopens, documentation gaps and SLA misses, to their
    team's leads and admins only."""
    m = _MENTION.match(rest.strip())
    if m is None:
        return ("Name one person: `/lanes coach @person`.", [])
    person = m.group(1)
    try:
        items = scorecard.coach(
            deps.uow(),
            deps.lanes,
            slack_team_id=deps.team_id(context, body),
            asker=str(body.get("user_id") or ""),
            person=person,
            now=deps.clock(),
        )
    except NotAllowed as exc:
        return (f":no_entry: {exc.message}", [])
    return coach_reply(person, items)


#: ``/lanes`` subcommands of this module, by their first word.
LANES_SUBCOMMANDS: dict[str, Callable[[Deps, dict[str, Any], dict[str, Any], str], Reply]] = {
    "scorecard": scorecard_command,
    "coach": coach_command,
}


def home_blocks(
    todos_repo: Level10Repository, team_id: str, user: str, now: datetime
) -> list[ui.Block]:
    """App Home's section: my open Level-10 to-dos (read through the repository App Home hands
    it, on App Home's own unit of work or delivery)."""
    todos = [
        TodoView(t.id, t.title, t.owner, t.due_at, t.status, t.not_done)
        for t in todos_repo.open_todos(team_id, owner=user)
    ]
    return home_section(todos, now) if todos else []
