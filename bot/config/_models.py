"""The raw shape of the lanes file (pass 2) and its cross-references (pass 3).

The pydantic models forbid unknown keys and turn into the domain's
:class:`~bot.domain.lanes.LanekeeperConfig` with ``to_domain()``; :func:`_cross_checks` reads the
raw data again for what one field cannot say alone (duplicate keys, a lane's team, the approval
policy against the lane's severities and approvers, respond against resolve).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import holidays as holidays_lib
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..domain.durations import Duration
from ..domain.lanes import (
    DEFAULT_ALERT_SEVERITIES,
    AlertSettings,
    ApprovalPolicy,
    BusinessHours,
    Lane,
    LanekeeperConfig,
    Protected,
    PsaSettings,
    Retention,
    SeverityTarget,
    Team,
)
from ._values import (
    Approval,
    ApproverId,
    ChannelId,
    Clock,
    Country,
    Dur,
    HolidayDate,
    Keyword,
    SeverityName,
    Slug,
    Text,
    TimeZone,
    UserId,
    Weekday,
    _clock,
    _show,
    _watched_channels,
)

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]


# --- the raw shape ---------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _BusinessHours(_Model):
    days: list[Weekday] = Field(default=[0, 1, 2, 3, 4], min_length=1)
    start: Clock = dt.time(8, 0)
    end: dt.time = dt.time(18, 0)

    @field_validator("end", mode="plain")
    @classmethod
    def _end_after_start(cls, value: object, info: ValidationInfo) -> dt.time:
        start = info.data.get("start")
        if value == "24:00":
            if start is not None and start != dt.time(0, 0):
                raise ValueError('"24:00" can only end an all-day window (start "00:00")')
            return dt.time(0, 0)
        end = _clock(value)
        if start is not None and end <= start:
            raise ValueError(
                f'"{end:%H:%M}" must be after start "{start:%H:%M}" '
                '(for all day use start "00:00", end "24:00")'
            )
        return end

    def to_domain(self) -> BusinessHours:
        return BusinessHours(days=frozenset(self.days), start=self.start, end=self.end)


class _Holidays(_Model):
    country: Country | None = None
    subdivision: str | None = None
    dates: list[HolidayDate] = []

    @field_validator("subdivision", mode="plain")
    @classmethod
    def _known_subdivision(cls, value: object, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if "country" not in info.data:
            return None  # the country itself is wrong; that is the problem to report
        country = info.data["country"]
        if country is None:
            raise ValueError("a subdivision needs a country")
        known = holidays_lib.list_supported_countries()[country]
        for sub in known:
            if isinstance(value, str | int) and str(value).upper() == sub.upper():
                return sub
        raise ValueError(f"{_show(value)} is not a subdivision of {country} ({', '.join(known)})")


class _Severity(_Model):
    respond: Dur
    resolve: Dur


class _Standup(_Model):
    time: Clock = dt.time(8, 45)


class _Level10(_Model):
    day: Weekday = 1
    time: Clock = dt.time(9, 0)


class _Team(_Model):
    key: Slug
    name: Text
    channel: ChannelId
    timezone: TimeZone | None = None
    business_hours: _BusinessHours = _BusinessHours()
    holidays: _Holidays = _Holidays()
    members: list[UserId] = []
    leads: list[UserId] = []
    standup: _Standup = _Standup()
    level10: _Level10 = _Level10()
    aged_backlog_alert: StrictInt = Field(default=4, ge=1)
    ticket_sla: dict[SeverityName, _Severity] = {}

    def to_domain(self, default_timezone: str) -> Team:
        return Team(
            key=self.key,
            name=self.name,
            channel=self.channel,
            timezone=self.timezone or default_timezone,
            business_hours=self.business_hours.to_domain(),
            holiday_country=self.holidays.country,
            holiday_subdivision=self.holidays.subdivision,
            holiday_dates=tuple(self.holidays.dates),
            members=tuple(self.members),
            leads=tuple(self.leads),
            standup_time=self.standup.time,
            level10_day=self.level10.day,
            level10_time=self.level10.time,
            aged_backlog_alert=self.aged_backlog_alert,
            ticket_sla={
                name: SeverityTarget(respond=t.respond, resolve=t.resolve)
                for name, t in self.ticket_sla.items()
            },
        )


class _Lane(_Model):
    key: Slug
    name: Text
    when: Text
    team: Text
    channel: ChannelId
    severities: dict[SeverityName, _Severity] = Field(min_length=1)
    approval: Approval = ApprovalPolicy()
    approvers: list[ApproverId] = []
    done: list[Text] = []
    keywords: list[Keyword] = []
    window: StrictBool | None = None  # default: true for the lane keyed "change"
    workers: Literal["team", "anyone"] = "team"

    def to_domain(self) -> Lane:
        return Lane(
            key=self.key,
            name=self.name,
            when=self.when,
            team=self.team,
            channel=self.channel,
            severities={
                name: SeverityTarget(respond=s.respond, resolve=s.resolve)
                for name, s in self.severities.items()
            },
            approval=self.approval,
            approvers=tuple(self.approvers),
            done=tuple(self.done),
            keywords=tuple(dict.fromkeys(self.keywords)),
            window=self.window if self.window is not None else self.key == "change",
            workers=self.workers,
        )


class _Protected(_Model):
    users: list[UserId] = []
    channels: Annotated[list[ChannelId] | None, BeforeValidator(_watched_channels)] = None
    exempt_leads: StrictBool = False

    def to_domain(self) -> Protected:
        channels: Literal["all"] | tuple[str, ...] = (
            "all" if self.channels is None else tuple(self.channels)
        )
        return Protected(users=tuple(self.users), channels=channels, exempt_leads=self.exempt_leads)


def _http_url(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValueError(f"{_show(value)} is not an http(s) URL")
    return value.rstrip("/")


class _Psa(_Model):
    kind: Literal["connectwise", "autotask", "halo"]
    url: Annotated[str, BeforeValidator(_http_url)]
    sync_every: Dur = Duration(seconds=300)
    teams: dict[str, Text] = Field(min_length=1)
    severities: dict[str, SeverityName] = {}
    people: dict[str, UserId] = {}

    @field_validator("severities", "people", "teams", mode="before")
    @classmethod
    def _string_keys(cls, value: object) -> object:
        # YAML reads `1: P1` (a HaloPSA priority id) with an int key; PSA names are strings.
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    def to_domain(self) -> PsaSettings:
        return PsaSettings(
            kind=self.kind,
            url=self.url,
            sync_every=dt.timedelta(
                seconds=max(60, self.sync_every.days * 86400 + self.sync_every.seconds)
            ),
            teams=dict(self.teams),
            severities=dict(self.severities),
            people=dict(self.people),
        )


AlertLevel = Literal["critical", "error", "warning", "info"]


class _Alerts(_Model):
    lane: Slug = "alert"
    severities: dict[AlertLevel, SeverityName] = Field(
        default_factory=lambda: dict(DEFAULT_ALERT_SEVERITIES)  # type: ignore[arg-type]
    )

    def to_domain(self) -> AlertSettings:
        return AlertSettings(
            lane=self.lane, severities={str(k): v for k, v in self.severities.items()}
        )


_CALENDAR = re.compile(r"^\s*(?:(\d+)\s*([wdh])\s*)+$", re.I)
_CALENDAR_PART = re.compile(r"(\d+)\s*([wdh])", re.I)
_UNIT = {"w": 7 * 86400, "d": 86400, "h": 3600}


def _calendar_duration(value: object) -> dt.timedelta:
    """``90d``, ``8w``, ``12h`` as calendar time (a retention is not business time)."""
    if not isinstance(value, str) or not _CALENDAR.match(value):
        raise ValueError(f"{_show(value)} is not a duration (use e.g. 7d, 8w, 12h)")
    seconds = sum(int(n) * _UNIT[u.lower()] for n, u in _CALENDAR_PART.findall(value))
    if seconds < 3600:
        raise ValueError(f"{_show(value)} is too short to keep anything (at least 1h)")
    return dt.timedelta(seconds=seconds)


CalendarDuration = Annotated[dt.timedelta, BeforeValidator(_calendar_duration)]


class _Retention(_Model):
    interceptions: CalendarDuration = dt.timedelta(days=90)
    requests: CalendarDuration = dt.timedelta(days=7)
    outbox: CalendarDuration = dt.timedelta(days=30)
    tickets_closed: CalendarDuration = dt.timedelta(weeks=8)

    def to_domain(self) -> Retention:
        return Retention(
            interceptions=self.interceptions,
            requests=self.requests,
            outbox=self.outbox,
            tickets_closed=self.tickets_closed,
        )


class _Config(_Model):
    timezone: TimeZone
    admins: list[UserId] = []
    teams: list[_Team] = Field(min_length=1)
    protected: _Protected = _Protected()
    lanes: list[_Lane] = Field(min_length=1)
    psa: _Psa | None = None
    alerts: _Alerts = _Alerts()
    retention: _Retention = _Retention()

    def to_domain(self) -> LanekeeperConfig:
        return LanekeeperConfig(
            timezone=self.timezone,
            teams={t.key: t.to_domain(self.timezone) for t in self.teams},
            lanes={lane.key: lane.to_domain() for lane in self.lanes},
            admins=tuple(self.admins),
            protected=self.protected.to_domain(),
            psa=self.psa.to_domain() if self.psa else None,
            alerts=self.alerts.to_domain(),
            retention=self.retention.to_domain(),
        )


# --- cross-references ------------------------------------------------------------------------

_BUSINESS_HOURS = TypeAdapter(_BusinessHours)
_APPROVAL = TypeAdapter(Approval)
_DURATION = TypeAdapter(Dur)


def _quiet(adapter: TypeAdapter[Any], value: object) -> Any:
    """``value`` validated by ``adapter``, or None (its problems are reported by pass 2)."""
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _mappings(items: object) -> Iterator[tuple[int, dict[Any, Any]]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _cross_checks(data: dict[Any, Any]) -> list[Problem]:
    problems: list[Problem] = []
    teams: dict[str, dict[Any, Any]] = {}
    for section, kind in (("teams", "team"), ("lanes", "lane")):
        first_at: dict[str, int] = {}
        for index, item in _mappings(data.get(section)):
            key = item.get("key")
            if not isinstance(key, str):
                continue
            if key in first_at:
                first = f"{section}[{first_at[key]}]"
                message = f'duplicate {kind} key "{key}" (already used by {first})'
                problems.append(((section, index, "key"), message))
            else:
                first_at[key] = index
                if section == "teams":
                    teams[key] = item
    for index, lane in _mappings(data.get("lanes")):
        raw_team = lane.get("team")
        team = raw_team.strip() if isinstance(raw_team, str) else ""
        if team and isinstance(data.get("teams"), list) and team not in teams:
            known = ", ".join(teams) or "none are valid"
            problems.append((("lanes", index, "team"), f'no team "{team}" (teams: {known})'))
        day = _business_day_seconds(teams.get(team))
        problems.extend(_lane_checks(("lanes", index), lane, day))
    problems.extend(_psa_and_alert_checks(data, teams))
    return problems


def _lane_severities(data: dict[Any, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for _index, lane in _mappings(data.get("lanes")):
        sev = lane.get("severities")
        if isinstance(lane.get("key"), str) and isinstance(sev, dict):
            out[lane["key"]] = [str(name) for name in sev]
    return out


def _psa_and_alert_checks(data: dict[Any, Any], teams: dict[str, dict[Any, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    lanes = _lane_severities(data)
    alerts = data.get("alerts")
    if isinstance(alerts, dict):
        lane = alerts.get("lane", "alert")
        if isinstance(lane, str) and lanes and lane not in lanes:
            problems.append((("alerts", "lane"), f'no lane "{lane}" (lanes: {", ".join(lanes)})'))
        elif isinstance(lane, str) and isinstance(alerts.get("severities"), dict):
            for word, sev in alerts["severities"].items():
                if isinstance(sev, str) and sev not in lanes.get(lane, [sev]):
                    problems.append(
                        (
                            ("alerts", "severities", str(word)),
                            f'"{sev}" is not a severity of lane "{lane}" ({", ".join(lanes[lane])})',
                        )
                    )
    psa = data.get("psa")
    if isinstance(psa, dict):
        if isinstance(psa.get("teams"), dict) and teams:
            for name, key in psa["teams"].items():
                if isinstance(key, str) and key not in teams:
                    problems.append(
                        (
                            ("psa", "teams", str(name)),
                            f'no team "{key}" (teams: {", ".join(teams)})',
                        )
                    )
        known = {name for names in lanes.values() for name in names}
        for team in teams.values():
            if isinstance(team.get("ticket_sla"), dict):
                known |= {str(name) for name in team["ticket_sla"]}
        if isinstance(psa.get("severities"), dict) and known:
            for name, sev in psa["severities"].items():
                if isinstance(sev, str) and sev not in known:
                    problems.append(
                        (
                            ("psa", "severities", str(name)),
                            f'"{sev}" is not a severity of any lane or ticket_sla ({", ".join(sorted(known))})',
                        )
                    )
    return problems


def _business_day_seconds(team: dict[Any, Any] | None) -> int:
    hours = _quiet(_BUSINESS_HOURS, team.get("business_hours", {})) if team else None
    hours = hours.to_domain() if hours is not None else BusinessHours()
    if hours.all_day:
        return 24 * 3600
    start = dt.datetime.combine(dt.date.min, hours.start)
    end = dt.datetime.combine(dt.date.min, hours.end)
    return int((end - start).total_seconds())


def _lane_checks(loc: Loc, lane: dict[Any, Any], day_seconds: int) -> list[Problem]:
    problems: list[Problem] = []
    severities = lane.get("severities")
    severities = severities if isinstance(severities, dict) else None
    policy: ApprovalPolicy | None = _quiet(_APPROVAL, lane.get("approval"))
    if policy is not None and policy.mode == "at_or_above" and severities:
        names = [str(name) for name in severities]
        if policy.severity not in names:
            problems.append(
                (
                    (*loc, "approval"),
                    f'at_or_above "{policy.severity}" is not one of this lane\'s severities '
                    f"({', '.join(names)})",
                )
            )
    if policy is not None and policy.mode != "none" and not lane.get("approvers"):
        problems.append(
            ((*loc, "approvers"), f"the lane {policy.describe()} but lists no approvers")
        )
    for name, target in (severities or {}).items():
        if not isinstance(target, dict):
            continue
        respond = _quiet(_DURATION, target.get("respond"))
        resolve = _quiet(_DURATION, target.get("resolve"))
        if respond is None or resolve is None:
            continue
        if _seconds(respond, day_seconds) > _seconds(resolve, day_seconds):
            problems.append(
                (
                    (*loc, "severities", name),
                    f"respond ({respond}) is longer than resolve ({resolve})",
                )
            )
    return problems


def _seconds(duration: Duration, day_seconds: int) -> int:
    return duration.days * day_seconds + duration.seconds
