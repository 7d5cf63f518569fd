"""Reads the lanes/teams YAML file into :class:`~bot.domain.lanes.LanekeeperConfig`.

A bad file is refused as a whole: :class:`ConfigError` lists every problem found, each as
``path: message`` with the path written in the file's own shape, e.g.
``lanes[2].severities.P1.resolve: "4x" is not a duration (use e.g. 15m, 4h, 1d, 1h30m)``.

Reading happens in three passes so that one mistake never hides another:

1. YAML → Python with our own loader: YAML 1.2 booleans and integers (so ``country: NO`` stays
   Norway and an unquoted ``end: 18:00`` stays a time instead of the base-60 number 1080),
   dates left as text, and duplicate keys refused.
2. The raw shape, validated by pydantic models that forbid unknown keys (typos are reported);
   pydantic collects every field-level problem in the file in one go.
3. Cross-references, checked on the raw data so they are reported even when something else in
   the same lane is wrong: duplicate keys, a lane's team, the approval policy against the lane's
   severities and approvers, and respond against resolve.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import types
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from bot.domain.durations import Duration, parse_duration
from bot.domain.lanes import (
    WEEKDAYS,
    ApprovalPolicy,
    BusinessHours,
    Lane,
    LanekeeperConfig,
    Protected,
    SeverityTarget,
    Team,
)

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]


class ConfigError(Exception):
    """The configuration was refused; ``problems`` holds every reason, each ``path: message``."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        super().__init__(self.problems)

    def __str__(self) -> str:
        where = self.path or "the configuration"
        count = len(self.problems)
        head = f"{where}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([f"{head}:", *(f"  - {p}" for p in self.problems)])


def load_config(path: str | os.PathLike[str]) -> LanekeeperConfig:
    """Read and validate the YAML file at ``path``; raise :class:`ConfigError` if it is bad."""
    file = Path(path)
    if not file.exists():
        raise ConfigError(
            [
                f"{file}: file not found; run `lanekeeper init` to write a starter file "
                "(or point LANEKEEPER_CONFIG at yours)"
            ],
            path=str(file),
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError([f"{file}: not a UTF-8 text file"], path=str(file)) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([f"{file}: cannot read the file ({reason})"], path=str(file)) from None
    return _load_text(text, source=str(file), path=str(file))


def load_config_text(text: str, *, source: str = "<string>") -> LanekeeperConfig:
    """Validate YAML text; ``source`` names it in problems about the file as a whole."""
    return _load_text(text, source=source, path=None)


def parse_config(data: object, *, source: str = "<config>") -> LanekeeperConfig:
    """Validate already-parsed data (the YAML's shape as Python dicts and lists)."""
    return _parse(data, source=source, path=None)


def _load_text(text: str, *, source: str, path: str | None) -> LanekeeperConfig:
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # a SafeLoader subclass: no objects
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_yaml_problem(source, exc)], path=path) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}: invalid YAML: {exc}"], path=path) from None
    return _parse(data, source=source, path=path)


def _parse(data: object, *, source: str, path: str | None) -> LanekeeperConfig:
    if data is None:
        raise ConfigError(
            [f"{source}: the file is empty; run `lanekeeper init` for a starter file"], path=path
        )
    if not isinstance(data, dict):
        raise ConfigError(
            [f"{source}: must be a mapping with timezone, teams and lanes at the top"], path=path
        )
    problems: list[Problem] = []
    raw: _Config | None = None
    try:
        raw = _Config.model_validate(data)
    except ValidationError as exc:
        problems.extend((tuple(err["loc"]), _message(err)) for err in exc.errors())
    problems.extend(_cross_checks(data))
    if problems or raw is None:
        ordered = sorted(dict.fromkeys(problems), key=lambda p: _document_order(data, p[0]))
        raise ConfigError([f"{_path(loc) or source}: {msg}" for loc, msg in ordered], path=path)
    return raw.to_domain()


# --- YAML ------------------------------------------------------------------------------------


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and integers, dates as text, no duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f'duplicate key "{key}"',
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def _yaml_problem(source: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
    what = exc.problem or exc.context or "unreadable"
    return f"{where}: invalid YAML: {what}"


# --- scalar values ---------------------------------------------------------------------------


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text (got {_show(value)})")
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _keyword(value: object) -> str:
    return " ".join(_text(value).lower().split())


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: object) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(
            f"{_show(value)} is not a valid key "
            "(use lowercase letters, digits and dashes, e.g. client-request)"
        )
    return value


def _slack_id(pattern: str, what: str, hint: str) -> PlainValidator:
    regexp = re.compile(pattern)

    def check(value: object) -> str:
        if not isinstance(value, str) or not regexp.match(value):
            raise ValueError(f"{_show(value)} is not a {what} ({hint})")
        return value

    return PlainValidator(check)


def _timezone(value: object) -> str:
    try:
        if isinstance(value, str) and value:
            ZoneInfo(value)
            return value
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise ValueError(
        f"{_show(value)} is not a known timezone (use an IANA name such as America/Chicago)"
    )


def _country(value: object) -> str:
    if isinstance(value, str) and value.upper() in holidays_lib.list_supported_countries():
        return value.upper()
    raise ValueError(
        f"{_show(value)} is not a country the holidays library knows "
        "(use an ISO 3166 code such as US, CA, GB or AU)"
    )


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: object) -> str:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f'{_show(value)} is not a date (use YYYY-MM-DD, e.g. "2026-12-24")')


_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(value: object) -> int:
    name = value.strip().lower() if isinstance(value, str) else None
    if name in WEEKDAYS:
        return WEEKDAYS.index(name)
    if name in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(name)
    raise ValueError(f"{_show(value)} is not a weekday (use {', '.join(WEEKDAYS)})")


_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(value: object) -> dt.time:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'{_show(value)} is not a time of day (use HH:MM, e.g. "08:00")')
    return dt.time(int(match[1]), int(match[2]))


def _duration(value: object) -> Duration:
    if value is None:
        raise ValueError("a duration is required (e.g. 4h)")
    return parse_duration(value if isinstance(value, str) else str(value))


def _severity_name(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


_APPROVAL_FORMS = "none, always or {at_or_above: SEVERITY}"


def _approval(value: object) -> ApprovalPolicy:
    if value is None or value == "none":
        return ApprovalPolicy("none")
    if value == "always":
        return ApprovalPolicy("always")
    if isinstance(value, dict) and list(value) == ["at_or_above"]:
        severity = value["at_or_above"]
        if isinstance(severity, int) and not isinstance(severity, bool):
            severity = str(severity)
        if isinstance(severity, str) and severity.strip():
            return ApprovalPolicy("at_or_above", severity.strip())
    raise ValueError(f"{_show(value)} is not an approval policy (use {_APPROVAL_FORMS})")


def _watched_channels(value: object) -> object:
    if value == "all":
        return None  # None stands for every channel the bot is in
    if not isinstance(value, list):
        raise ValueError(f'must be "all" or a list of channel ids (got {_show(value)})')
    return value


Text = Annotated[str, PlainValidator(_text)]
Keyword = Annotated[str, PlainValidator(_keyword)]
Slug = Annotated[str, PlainValidator(_slug)]
ChannelId = Annotated[
    str, _slack_id(r"^[CG][A-Z0-9]{2,}$", "channel id", "channel ids start with C or G")
]
UserId = Annotated[str, _slack_id(r"^[UW][A-Z0-9]{2,}$", "user id", "user ids start with U or W")]
ApproverId = Annotated[
    str,
    _slack_id(
        r"^[UWS][A-Z0-9]{2,}$",
        "user or user group id",
        "users start with U or W, user groups with S",
    ),
]
TimeZone = Annotated[str, PlainValidator(_timezone)]
Country = Annotated[str, PlainValidator(_country)]
HolidayDate = Annotated[str, PlainValidator(_date)]
Weekday = Annotated[int, PlainValidator(_weekday)]
Clock = Annotated[dt.time, PlainValidator(_clock)]
Dur = Annotated[Duration, PlainValidator(_duration)]
SeverityName = Annotated[str, PlainValidator(_severity_name)]
Approval = Annotated[ApprovalPolicy, PlainValidator(_approval)]


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
        )


class _Severity(_Model):
    respond: Dur
    resolve: Dur


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


class _Config(_Model):
    timezone: TimeZone
    admins: list[UserId] = []
    teams: list[_Team] = Field(min_length=1)
    protected: _Protected = _Protected()
    lanes: list[_Lane] = Field(min_length=1)

    def to_domain(self) -> LanekeeperConfig:
        return LanekeeperConfig(
            timezone=self.timezone,
            teams={t.key: t.to_domain(self.timezone) for t in self.teams},
            lanes={lane.key: lane.to_domain() for lane in self.lanes},
            admins=tuple(self.admins),
            protected=self.protected.to_domain(),
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


# --- reporting -------------------------------------------------------------------------------


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else part
    return out


_TYPE_MESSAGES = {
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
}


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown_key(tuple(err["loc"]))
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]} (got {_show(err['input'])})"
    if kind == "too_short":
        return "must not be empty"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')} (got {_show(err['input'])})"
    return str(err["msg"])


def _unknown_key(loc: Loc) -> str:
    known = _known_keys(loc[:-1])
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
    if guess:
        return f'unknown key (did you mean "{guess[0]}"?)'
    return f"unknown key (known keys: {', '.join(known)})" if known else "unknown key"


def _known_keys(loc: Loc) -> list[str]:
    """The keys the model at ``loc`` accepts, found by walking the models' annotations."""
    shape: Any = _Config
    for part in loc:
        shape = _unwrap(shape)
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            field = shape.model_fields.get(str(part))
            if field is None:
                return []
            shape = field.annotation
        elif get_origin(shape) in (list, dict):
            shape = get_args(shape)[-1]
        else:
            return []
    shape = _unwrap(shape)
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return list(shape.model_fields)
    return []


def _unwrap(shape: Any) -> Any:
    if get_origin(shape) is Annotated:
        return _unwrap(get_args(shape)[0])
    if get_origin(shape) in (Union, types.UnionType):
        members = [arg for arg in get_args(shape) if arg is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else shape
    return shape


def _document_order(data: object, loc: Loc) -> tuple[int, ...]:
    """Sort key putting problems in the order their places appear in the file."""
    order: list[int] = []
    node: Any = data
    for part in loc:
        if isinstance(node, dict):
            keys = list(node)
            order.append(keys.index(part) if part in keys else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            order.append(part)
            node = node[part] if 0 <= part < len(node) else None
        else:
            order.append(0)
            node = None
    return tuple(order)
