"""The scalar values of the lanes file: one validator per kind of value (text, keys, Slack ids,
timezones, countries, dates, weekdays, times of day, durations, approval policies), each raising
a ``ValueError`` worded for the person editing the file, and the ``Annotated`` types the raw
models declare their fields with."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import PlainValidator

from ..domain.durations import Duration, parse_duration
from ..domain.lanes import WEEKDAYS, ApprovalPolicy


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
