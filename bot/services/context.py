"""What services need to know of the MSP's configuration, with a calendar per team."""

from __future__ import annotations

import threading
from datetime import timedelta

from ..domain.calendar import BusinessCalendar
from ..domain.errors import NotFound
from ..domain.lanes import Lane, LanekeeperConfig, Team


class Lanes:
    """The loaded configuration plus derived, cached pieces (business calendars)."""

    def __init__(self, config: LanekeeperConfig) -> None:
        self.config = config
        self._calendars: dict[str, BusinessCalendar] = {}
        self._targets: dict[tuple[str, str, str], tuple[timedelta, timedelta] | None] = {}
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

    def target_lengths(
        self, team: str, lane_key: str, severity: str
    ) -> tuple[timedelta, timedelta] | None:
        """Business length of a lane's respond and resolve targets in a team's calendar, cached
        (the digest asks it for every open item)."""
        key = (team, lane_key, severity)
        try:  # a dict read is atomic under the GIL: no lock on the hot path
            return self._targets[key]
        except KeyError:
            pass
        lane = self.config.lane(lane_key)
        result = None
        if lane is not None and severity in lane.severities and team in self.config.teams:
            cal = self.calendar(team)
            t = lane.severities[severity]
            result = (cal.to_timedelta(t.respond), cal.to_timedelta(t.resolve))
        with self._lock:
            self._targets[key] = result
        return result

    def severities(self) -> dict[str, tuple[str, ...]]:
        return {key: lane.severity_order for key, lane in self.config.lanes.items()}
