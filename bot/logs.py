"""Logging for every command: plain lines or one JSON object per line
(``LANEKEEPER_LOG_FORMAT=json``), with every secret the process knows redacted from the message
and the traceback — Slack tokens, the signing secret, PSA credentials, alert and metrics tokens,
and ``?token=`` in URLs (SPEC, Operations) — and every Slack token by its shape (``xoxb-``,
``xoxe.xoxb-``, ``xoxe-`` refresh tokens, ``xapp-``), so that the tokens Slack issues at an
install, which no setting names, never reach a log either (slack_sdk logs each response body at
DEBUG, ``oauth.v2.access``'s included). Python warnings and exceptions a thread did not catch go
through logging too, redacted, instead of straight to stderr."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from .adapters.alerts.base import REDACTED, MessageRedactor, redact_text

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


#: Slack's token shapes: bot, user, app-level, rotating (``xoxe.xoxb-``) and refresh (``xoxe-``).
SLACK_TOKEN = re.compile(r"\b(?:xoxe\.)?xox[abeoprs]-[A-Za-z0-9-]{4,}|\bxapp-[A-Za-z0-9-]{4,}")


def secrets_in(env: Mapping[str, str]) -> list[str]:
    from urllib.parse import unquote

    names = [*SECRET_VARIABLES, *(k for k in env if k.startswith("LANEKEEPER_ALERT_TOKEN_"))]
    values = [env.get(name, "") for name in names]
    url = env.get("DATABASE_URL", "")
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        password = url.split("@")[0].split("//")[-1].split(":", 1)[1]
        values += [password, unquote(password)]  # as written in the URL, and as sent
    return [v for v in values if v and len(v) >= 4]


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with ``?token=`` values, the given secrets and any Slack token redacted."""
    return SLACK_TOKEN.sub(REDACTED, redact_text(text, secrets))


class ScrubbingFilter(MessageRedactor):
    """Redacts :func:`scrub`'s way every record's message (a separate class from the alert
    webhooks' :class:`RedactingFilter`, which replaces its own kind when rebuilt)."""

    def redact(self, message: str) -> str:
        return scrub(message, self.secrets)


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage(), self.secrets),
        }
        if record.exc_info:
            out["exception"] = scrub(self.formatException(record.exc_info), self.secrets)
        if record.stack_info:
            out["stack"] = scrub(self.formatStack(record.stack_info), self.secrets)
        return json.dumps(out, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record), self.secrets)  # message, traceback and stack


def configure(
    *, level: str = "INFO", fmt: str = "plain", env: Mapping[str, str] | None = None
) -> None:
    """Set up the root logger once for a command (stderr)."""
    secrets = secrets_in(env if env is not None else environment())
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else PlainFormatter(secrets))
    handler.addFilter(ScrubbingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.getLogger("alembic").setLevel(logging.WARNING)  # `db upgrade` says what it did
    logging.captureWarnings(True)  # warnings through the redacting handler, not raw stderr

    def uncaught(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        logging.getLogger(__name__).error(
            "uncaught exception in %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    threading.excepthook = uncaught
