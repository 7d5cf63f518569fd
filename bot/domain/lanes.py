"""Lanes, teams and protected people: the MSP's configuration as plain, validated data.

Built by :mod:`bot.config.loader` from the YAML file; everything else reads these.
The order of a lane's severities is meaningful: the first is the most severe (P1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Literal

from .durations import Duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_LANE_KEYS = (
    "sla-risk",
    "alert",
    "coverage",
    "client-request",
    "change",
    "security",
    "onsite",
)


@dataclass(frozen=True)
class BusinessHours:
    """Working days (0 = Monday) and the daily window, in the team's local time.

    ``end`` of ``time(0, 0)`` together with ``start`` of ``time(0, 0)`` means the whole day
    (a 24/7 NOC); otherwise ``end`` is after ``start`` on the same day.
    """

    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    start: time = time(8, 0)
    end: time = time(18, 0)

    @property
    def all_day(self) -> bool:
        return self.start == time(0, 0) and self.end == time(0, 0)


@dataclass(frozen=True)
class SeverityTarget:
    respond: Duration
    resolve: Duration


@dataclass(frozen=True)
class ApprovalPolicy:
    mode: Literal["none", "always", "at_or_above"] = "none"
    severity: str | None = None

    def requires(self, severity: str, order: tuple[str, ...]) -> bool:
        """Whether an escalation of ``severity`` needs approval (``order``: most severe first)."""
        if self.mode == "none":
            return False
        if self.mode == "always":
            return True
        assert self.severity is not None
        return order.index(severity) <= order.index(self.severity)

    def describe(self) -> str:
        if self.mode == "none":
            return "no approval"
        if self.mode == "always":
            return "always needs approval"
        return f"needs approval at {self.severity} or above"


@dataclass(frozen=True)
class Lane:
    key: str
    name: str
    when: str
    team: str
    channel: str
    severities: dict[str, SeverityTarget]
    approval: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    approvers: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    # Escalations in this lane carry a window start (a change): the modal asks for it and the
    # stand-up lists those starting within 24 hours.
    window: bool = False
    # "team": the owning team, the lane's approvers and admins work it; "anyone": everybody.
    workers: Literal["team", "anyone"] = "team"

    @property
    def severity_order(self) -> tuple[str, ...]:
        return tuple(self.severities)

    @property
    def default_severity(self) -> str:
        """The middle severity: a sensible pre-selection that is neither panic nor neglect."""
        order = self.severity_order
        return order[len(order) // 2] if len(order) > 2 else order[-1]

    def needs_approval(self, severity: str) -> bool:
        return self.approval.requires(severity, self.severity_order)


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    channel: str
    timezone: str
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    holiday_dates: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    standup_time: time = time(8, 45)
    level10_day: int = 1
    level10_time: time = time(9, 0)
    aged_backlog_alert: int = 4
    # Targets for PSA tickets whose PSA gives no due times, by severity.
    ticket_sla: dict[str, SeverityTarget] = field(default_factory=dict)


@dataclass(frozen=True)
class Protected:
    users: tuple[str, ...] = ()
    channels: Literal["all"] | tuple[str, ...] = "all"
    exempt_leads: bool = False

    def watches(self, channel: str) -> bool:
        return self.channels == "all" or channel in self.channels


PsaKind = Literal["connectwise", "autotask", "halo"]


@dataclass(frozen=True)
class PsaSettings:
    """The MSP's ticket queue: which PSA, where, how often, and how its names map to ours."""

    kind: PsaKind
    url: str
    sync_every: timedelta = timedelta(minutes=5)
    teams: dict[str, str] = field(default_factory=dict)  # board / queue / team -> team key
    severities: dict[str, str] = field(default_factory=dict)  # PSA priority -> severity
    people: dict[str, str] = field(default_factory=dict)  # PSA owner -> Slack user id


DEFAULT_ALERT_SEVERITIES = {"critical": "P1", "error": "P1", "warning": "P2", "info": "P3"}


@dataclass(frozen=True)
class AlertSettings:
    """Monitoring alerts on webhooks: the lane they become escalations in, and severities."""

    lane: str = "alert"
    severities: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ALERT_SEVERITIES))


@dataclass(frozen=True)
class Retention:
    """How long what is not needed forever is kept (calendar time). Escalations, their timeline
    and weekly snapshots are kept; posts still waiting for Slack are never pruned."""

    interceptions: timedelta = timedelta(days=90)  # intercepted message text
    requests: timedelta = timedelta(days=7)  # processed request ids (retry dedupe)
    outbox: timedelta = timedelta(days=30)  # delivered or failed posts
    tickets_closed: timedelta = timedelta(weeks=8)  # closed PSA tickets


@dataclass(frozen=True)
class LanekeeperConfig:
    timezone: str
    teams: dict[str, Team]
    lanes: dict[str, Lane]
    admins: tuple[str, ...] = ()
    protected: Protected = field(default_factory=Protected)
    psa: PsaSettings | None = None
    alerts: AlertSettings = field(default_factory=AlertSettings)
    retention: Retention = field(default_factory=Retention)

    @property
    def alert_lane(self) -> str | None:
        """The lane alerts land in, when it exists (no such lane: alert intake is off)."""
        return self.alerts.lane if self.alerts.lane in self.lanes else None

    @property
    def window_lanes(self) -> frozenset[str]:
        """Lanes whose escalations carry a window start (changes)."""
        return frozenset(key for key, lane in self.lanes.items() if lane.window)

    def lane(self, key: str) -> Lane | None:
        return self.lanes.get(key)

    def team_of(self, lane: Lane) -> Team:
        return self.teams[lane.team]

    def lane_keys(self) -> tuple[str, ...]:
        return tuple(self.lanes)
