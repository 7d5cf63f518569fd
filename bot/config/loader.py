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

Where things live: the scalar validators and the ``Annotated`` types in ``_values``; the raw
models (pass 2) and the cross-references (pass 3) in ``_models``; wording and ordering the
problems in ``_report``. This module reads the file (pass 1) and runs the passes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..domain.lanes import LanekeeperConfig
from ._models import Loc as Loc
from ._models import Problem, _Config, _cross_checks
from ._report import _document_order, _message, _path
from ._values import Approval as Approval
from ._values import ApproverId as ApproverId
from ._values import ChannelId as ChannelId
from ._values import Clock as Clock
from ._values import Country as Country
from ._values import Dur as Dur
from ._values import HolidayDate as HolidayDate
from ._values import Keyword as Keyword
from ._values import SeverityName as SeverityName
from ._values import Slug as Slug
from ._values import Text as Text
from ._values import TimeZone as TimeZone
from ._values import UserId as UserId
from ._values import Weekday as Weekday


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
