"""Logging for every command: plain lines or one JSON object per line
(``LANEKEEPER_LOG_FORMAT=json``), with every secret the process knows redacted from the message
and the traceback — Slack tokens, the signing secret, PSA credentials, alert and metrics tokens,
and ``?token=`` in URLs (SPEC, Operations)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from .adapters.alerts.base import RedactingFilter, redact_text

SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_SECRET",
    "CONNECTWISE_PUBLIC_KEY",
    "CONNECTWISE_PRIVATE_KEY",
    "AUTOTASK_SECRET",
    "HALO_CLIENT_SECRET",
    "LANEKEEPER_METRICS_TOKEN",
)


def environment() -> dict[str, str]:
    """The variables the settings are read from: the ``.env`` file when present, then the
    process environment over it (as :class:`bot.settings.Settings` reads them)."""
    from dotenv import dotenv_values

    merged = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    merged.update(os.environ)
    return merged


def secrets_in(env: Mapping[str, str]) -> list[str]:
    names = [*SECRET_VARIABLES, *(k for k in env if k.startswith("LANEKEEPER_ALERT_TOKEN_"))]
    values = [env.get(name, "") for name in names]
    url = env.get("DATABASE_URL", "")
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        values.append(url.split("@")[0].split("//")[-1].split(":", 1)[1])  # the password
    return [v for v in values if v and len(v) >= 4]


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage(), self.secrets),
        }
        if record.exc_info:
            out["exception"] = redact_text(self.formatException(record.exc_info), self.secrets)
        return json.dumps(out, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.secrets = tuple(secrets)

    def formatException(self, ei: object) -> str:
        return redact_text(super().formatException(ei), self.secrets)  # type: ignore[arg-type]


def configure(
    *, level: str = "INFO", fmt: str = "plain", env: Mapping[str, str] | None = None
) -> None:
    """Set up the root logger once for a command (stderr)."""
    secrets = secrets_in(env if env is not None else environment())
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else PlainFormatter(secrets))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.getLogger("alembic").setLevel(logging.WARNING)  # `db upgrade` says what it did
