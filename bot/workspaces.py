"""Workspaces: a Slack workspace's id, its MSP configuration and its Slack client, together.

"Workspace" is Slack's (a team id ``T…``); "team" is the MSP's (the service desk, the NOC).
Every request and every job runs in exactly one workspace, resolved once from the
:class:`Workspaces` registry. Today the registry holds the one workspace of ``SLACK_BOT_TOKEN``
(its id learned from ``auth.test`` the first time it is needed); a multi-workspace install adds
one entry per installation, each with its own token and lanes file, behind the same interface.
A request naming a workspace the registry does not hold is refused, never filed under a guess.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk import WebClient

from .domain.errors import NotFound
from .services.context import Lanes


@dataclass(frozen=True)
class Workspace:
    id: str  # Slack's team id
    lanes: Lanes  # this workspace's teams, lanes and protected people
    client: WebClient  # this workspace's bot token


class UnknownWorkspace(NotFound):
    """A request or job for a workspace Lanekeeper is not installed in."""


def workspace_of(context: Mapping[str, object] | None, body: Mapping[str, object] | None) -> str:
    """The workspace a Slack request names: Bolt's context, then the payload; '' when none."""
    if context and context.get("team_id"):
        return str(context["team_id"])
    if body:
        team = body.get("team")
        if isinstance(team, Mapping) and team.get("id"):
            return str(team["id"])
        if body.get("team_id"):
            return str(body["team_id"])
        user = body.get("user")
        if isinstance(user, Mapping) and user.get("team_id"):
            return str(user["team_id"])
    return ""


class Workspaces:
    """The registry. Single-workspace mode: one token, one lanes file."""

    def __init__(self, *, lanes: Lanes, client: WebClient, resolve_id: Callable[[], str]) -> None:
        self._lanes = lanes
        self._client = client
        self._resolve_id = resolve_id
        self._single: Workspace | None = None
        self._lock = threading.Lock()

    def single(self) -> Workspace:
        """The token's workspace (asks Slack once; raises what ``auth.test`` raises)."""
        with self._lock:
            if self._single is None:
                self._single = Workspace(self._resolve_id(), self._lanes, self._client)
            return self._single

    def all(self) -> list[Workspace]:
        return [self.single()]

    def get(self, workspace_id: str) -> Workspace:
        """The workspace named ``workspace_id``; a request without one belongs to the single
        workspace; any other id is :class:`UnknownWorkspace`.

        While Slack cannot say which workspace the token is for (``auth.test`` failing: Slack
        down at start), a signed request's own workspace id is taken as given, so nothing is
        lost or refused during an outage; the id is checked once Slack answers.
        """
        try:
            ws = self.single()
        except Exception:
            if not workspace_id:
                raise
            return Workspace(workspace_id, self._lanes, self._client)
        if workspace_id and workspace_id != ws.id:
            raise UnknownWorkspace(
                "Lanekeeper is not set up for this Slack workspace. Ask an admin to install it."
            )
        return ws
