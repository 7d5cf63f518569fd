"""The lanes/teams YAML file: loading and validating it, the starter file, checking it in Slack."""

from __future__ import annotations

from .check import check_against_slack
from .loader import ConfigError, load_config, load_config_text, parse_config
from .starter import starter_yaml, write_starter

__all__ = [
    "ConfigError",
    "check_against_slack",
    "load_config",
    "load_config_text",
    "parse_config",
    "starter_yaml",
    "write_starter",
]
