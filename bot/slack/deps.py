"""What listeners receive from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..adapters.outbox import OutboxDeliverer
from ..adapters.uow import UnitOfWork
from ..services.context import Lanes
from ..workspaces import Workspace, workspace_of
from .directory import Directory


@dataclass
class Deps:
    lanes: Lanes
    uow: Callable[[], UnitOfWork]
    deliverer: OutboxDeliverer
    clock: Callable[[], datetime]
    directory: Directory
    default_team_id: str = "T0LOCAL"
    # Set by the composition root: the workspace registry's lookup (see bot/workspaces.py).
    resolve: Callable[[str], Workspace] | None = None

    def workspace(
        self, context: dict[str, object] | None, body: dict[str, object] | None = None
    ) -> Workspace:
        """The workspace a request belongs to, from the registry; a workspace Lanekeeper is not
        installed in is refused (:class:`~bot.workspaces.UnknownWorkspace`)."""
        assert self.resolve is not None, "Deps.resolve is set by bot.bootstrap.build"
        return self.resolve(workspace_of(context, body))

    def team_id(
        self, context: dict[str, object] | None, body: dict[str, object] | None = None
    ) -> str:
        """The id of the workspace a request belongs to (see :meth:`workspace`)."""
        if self.resolve is not None:
            return self.workspace(context, body).id
        return workspace_of(context, body) or self.default_team_id
