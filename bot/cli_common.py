"""What every ``lanekeeper`` command shares: settings, logging, the lanes file (or exit listing
every problem), the container, ``--now``, and how Slack's problems are told and a long-running
process stops."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .domain.lanes import LanekeeperConfig
from .settings import Settings

if TYPE_CHECKING:
    from .bootstrap import Container


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lanekeeper")
    except PackageNotFoundError:
        return "unknown (not installed)"


def load_settings() -> Settings:
    """The settings, or exit 2 naming each bad variable (its value is never printed: it may be
    a secret)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        print("lanekeeper: the environment cannot be used:", file=sys.stderr)
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            print(f"  - {name}: {error['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def configure_logging(settings: Settings) -> None:
    from .logs import configure

    configure(level=settings.lanekeeper_log_level, fmt=settings.lanekeeper_log_format)


def load_or_exit(settings: Settings) -> LanekeeperConfig:
    from .config.loader import ConfigError, load_config

    try:
        return load_config(settings.lanekeeper_config)
    except ConfigError as exc:
        print(f"lanekeeper: {settings.lanekeeper_config} cannot be used:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from exc


def parse_now(text: str | None) -> datetime:
    """``--now``: an ISO-8601 time with its offset (``2026-11-24T08:45-06:00`` or ``…Z``)."""
    if not text:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(
            f"lanekeeper: --now {text!r} is not an ISO-8601 time (e.g. 2026-11-24T08:45-06:00)"
        ) from None
    if at.tzinfo is None:
        raise SystemExit(
            f"lanekeeper: --now {text!r} needs an offset or Z (e.g. {text}-06:00 or {text}Z)"
        )
    return at.astimezone(UTC)


def build_container(settings: Settings) -> Container:
    """Load the lanes (or exit listing every problem), migrate SQLite (the zero-setup default;
    PostgreSQL runs `db upgrade` on release) and build the app."""
    from .adapters.db import upgrade
    from .bootstrap import build

    if is_multi(settings):  # LANEKEEPER_CONFIG is a folder of <TEAM_ID>.yaml, checked by build
        from .config.loader import ConfigError

        if settings.database_url.startswith("sqlite"):
            upgrade(settings.database_url)
        try:
            return build(settings)
        except ConfigError as exc:
            print(f"lanekeeper: {settings.lanekeeper_config} cannot be used:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            raise SystemExit(2) from exc
    config = load_or_exit(settings)
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    return build(settings, config=config)


def is_multi(settings: Settings) -> bool:
    from .bootstrap import is_multi_workspace

    return is_multi_workspace(settings)


def slack_reason(exc: BaseException) -> str:
    """What went wrong talking to Slack, in a few words (never a token)."""
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError) and exc.response is not None:
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or "")
        return f"HTTP {status} {error}".strip() if status != 200 else error
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"


@contextlib.contextmanager
def quiet_slack_sdk() -> Iterator[None]:
    """slack_sdk logs every failed request itself; the command says it once, in one line."""
    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk.setLevel(level)


def slack_problem(container: Container) -> str | None:
    """None when Slack answers the bot token, else one line saying why not."""
    from slack_sdk.errors import SlackApiError

    try:
        with quiet_slack_sdk():
            container.slack_team_id()
        return None
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "") if exc.response is not None else ""
        if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
            return f"Slack refused SLACK_BOT_TOKEN ({error}); check the token"
        return f"Slack is not answering ({slack_reason(exc)}); try again later"
    except OSError as exc:
        host = container.settings.slack_api_url or "https://slack.com/api/"
        return f"Slack is unreachable at {host} ({slack_reason(exc)})"


def stop_on_signals() -> dict[str, str]:
    """SIGTERM (a host stopping the process) and SIGINT (Ctrl-C) end ``serve`` / ``clock``
    through the same path: the main loop is interrupted and the shutdown runs, no traceback."""
    import signal

    stopping: dict[str, str] = {}

    def handler(signum: int, _frame: object) -> None:
        if not stopping:
            stopping["signal"] = signal.Signals(signum).name
            raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    return stopping


def shut_down(container: Container, what: str, stopping: dict[str, str]) -> None:
    """Finish what is in flight (listeners, deliveries), release the rest, log one line."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    container.stop_storing()  # serve, LANEKEEPER_DELIVERY=worker: what it acked is stored
    container.wait_idle(10)
    released = container.deliverer.stop(timeout=15)
    container.engine.dispose()
    logging.getLogger(__name__.partition(".")[0]).info(
        "lanekeeper %s stopped on %s: deliveries in flight finished, %s claimed post(s) released",
        what,
        stopping.get("signal", "request"),
        released,
    )
