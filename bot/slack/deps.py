"""What listeners receive from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.adapters.outbox import OutboxDeliverer
from bot.adapters.uow import UnitOfWork
from bot.services.context import Lanes
from bot.slack.directory import Directory


@dataclass
class Deps:
    lanes: Lanes
    uow: Callable[[], UnitOfWork]
    deliverer: OutboxDeliverer
    clock: Callable[[], datetime]
    directory: Directory
    default_team_id: str = "T0LOCAL"

    def team_id(
        self, context: dict[str, object] | None, body: dict[str, object] | None = None
    ) -> str:
        """The workspace a request belongs to: Bolt's context, the payload, or the default."""
        if context and context.get("team_id"):
            return str(context["team_id"])
        if body:
            team = body.get("team")
            if isinstance(team, dict) and team.get("id"):
                return str(team["id"])
            if body.get("team_id"):
                return str(body["team_id"])
        return self.default_team_id
