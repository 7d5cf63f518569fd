"""What services need to know of the MSP's configuration, with a calendar per team."""

from __future__ import annotations

import threading

from bot.domain.calendar import BusinessCalendar
from bot.domain.errors import NotFound
from bot.domain.lanes import Lane, LanekeeperConfig, Team


class Lanes:
    """The loaded configuration plus derived, cached pieces (business calendars)."""

    def __init__(self, config: LanekeeperConfig) -> None:
        self.config = config
        self._calendars: dict[str, BusinessCalendar] = {}
        self._lock = threading.Lock()

    def lane(self, key: str) -> Lane:
        lane = self.config.lane(key)
        if lane is None:
            raise NotFound(
                f"There is no lane “{key}”. Valid lanes: {', '.join(self.config.lanes)}."
            )
        return lane

    def team(self, key: str) -> Team:
        return self.config.teams[key]

    def team_of(self, lane: Lane) -> Team:
        return self.config.team_of(lane)

    def calendar(self, team_key: str) -> BusinessCalendar:
        with self._lock:
            cal = self._calendars.get(team_key)
            if cal is None:
                cal = BusinessCalendar.for_team(self.config.teams[team_key])
                self._calendars[team_key] = cal
            return cal

    def severities(self) -> dict[str, tuple[str, ...]]:
        return {key: lane.severity_order for key, lane in self.config.lanes.items()}
