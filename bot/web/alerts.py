"""``POST /hooks/alerts/{source}``: monitoring alerts in, escalations out.

The request is authenticated and validated whole (:func:`bot.adapters.alerts.parse_request`:
404 unknown or switched-off source, 401 credential, 413, 415, 400 naming the field) before
anything changes; its events are then stored in one transaction
(:func:`bot.services.alerts.ingest`) and only then answered 2xx (PagerDuty's own ``202`` body
for PagerDuty). Anything transient (the database, Slack not yet saying which workspace this
is) answers 503 with ``Retry-After``: the senders retry 5xx only, and drop an alert on any 4xx.

Single workspace: ``/hooks/alerts/<source>``, tokens from ``LANEKEEPER_ALERT_TOKEN_<SOURCE>``
(through :class:`bot.settings.Settings`); a source without one is off.

Many workspaces (OAuth): the URL names the workspace, ``/hooks/alerts/<TEAM_ID>/<source>``, and
each workspace has tokens of its own, ``LANEKEEPER_ALERT_TOKEN_<TEAM_ID>_<SOURCE>``: a client's
monitoring can only ever file into its own workspace, since a token is good for one workspace's
URL only. A workspace without a token for that source, not installed, or without a lanes file
answers 404 and nothing is stored; ``/hooks/alerts/<source>`` without a workspace answers 404
saying to name it.

``?token=`` values and the tokens themselves are redacted from every log line
(:func:`install_log_redaction`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ..adapters.alerts import (
    MAX_BODY_BYTES,
    SOURCES,
    TOKEN_ENV_PREFIX,
    AlertRejected,
    RedactingFilter,
    answer,
    answer_error,
    parse_request,
    tokens_from_env,
)
from ..adapters.uow import UnitOfWork
from ..installed_workspaces import NotConfigured, in_workspace, is_team_id
from ..instruments import count_alert
from ..logs import environment
from ..services.alerts import AlertIntakeOff, AlertStoreUnavailable, ingest
from ..services.context import Lanes
from ..workspaces import UnknownWorkspace, Workspaces
from .app import Request, Response, Route

if TYPE_CHECKING:
    from ..bootstrap import Container
    from ..settings import Settings

log = logging.getLogger(__name__)

PREFIX: Final = "/hooks/alerts/"
RETRY_AFTER: Final = "10"
# Loggers whose own records could carry a request URL: the web server's, the HTTP clients'.
REDACTED_LOGGERS: Final = (
    "",
    "waitress",
    "waitress.queue",
    "urllib3.connectionpool",
    "requests",
    f"{__package__}.app",
    __name__,
)


def tokens_from_settings(settings: Settings) -> dict[str, str]:
    """The alert sources switched on, from the settings' ``lanekeeper_alert_token_*``."""
    values = settings.model_dump()
    return tokens_from_env(
        {name.upper(): value for name, value in values.items() if isinstance(value, str)}
    )


def install_log_redaction(secrets: Iterable[str]) -> RedactingFilter:
    """Redact ``?token=`` values and ``secrets`` from the records of the loggers that could log
    a request line, and from everything the root logger's handlers write."""
    redacting = RedactingFilter(secrets)
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in REDACTED_LOGGERS]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(redacting)
        else:  # a rebuilt app may know more tokens: the newest filter has them all
            for old in [f for f in target.filters if isinstance(f, RedactingFilter)]:
                target.removeFilter(old)
            target.addFilter(redacting)
    return redacting


class AlertHooks:
    def __init__(
        self,
        *,
        tokens: Mapping[str, str],
        lanes: Lanes,
        uow: Callable[[], UnitOfWork],
        workspace_id: Callable[[], str],
        clock: Callable[[], datetime],
    ) -> None:
        self.tokens = dict(tokens)
        self.lanes = lanes
        self.uow = uow
        self.workspace_id = workspace_id
        self.clock = clock

    def route(self) -> Route:
        # One byte over the parser's limit still reaches it: its 413 names the field (and
        # answers in PagerDuty's shape); far larger bodies are refused unread by the router.
        return Route(frozenset({"POST"}), PREFIX, handler=self.handle, max_body=MAX_BODY_BYTES + 1)

    def handle(self, request: Request) -> Response:
        source = request.path[len(PREFIX) :].strip("/")
        tokens = self.tokens if self.lanes.config.alert_lane is not None else {}
        return self.intake(
            request, source, tokens, lambda: (self.workspace_id(), self.lanes, nullcontext())
        )

    def intake(
        self,
        request: Request,
        source: str,
        tokens: Mapping[str, str],
        workspace: Callable[[], tuple[str, Lanes, AbstractContextManager[Any]]],
    ) -> Response:
        """Authenticate, parse, then store in ``workspace()``'s (team id, lanes, scope)."""
        named = source if source in SOURCES else "unknown"
        now = self.clock()
        try:
            result = parse_request(
                source,
                headers=request.headers,
                query=request.query,
                body=request.body,
                tokens=tokens,
                now=now,
            )
        except AlertRejected as error:
            return self._refused(source, error)
        try:
            team_id, lanes, scope = workspace()
            with scope:
                applied = ingest(
                    self.uow, lanes, slack_team_id=team_id, events=result.events, now=now
                )
        except AlertRejected as error:
            return self._refused(source, error)
        except AlertIntakeOff:
            return self._refused(
                source, AlertRejected(404, "source", "this alert source is switched off")
            )
        except AlertStoreUnavailable as exc:
            return self._unavailable(source, str(exc))
        except Exception as exc:  # Slack unreachable while asked which workspace this is
            log.warning("alert not stored: %s", type(exc).__name__)
            return self._unavailable(source, "not stored; try again")
        if applied.changed:
            log.info(
                "alert from %s: created %s, updated %s, resolved %s, acknowledged %s",
                named,
                applied.created,
                applied.updated,
                applied.resolved,
                applied.acknowledged,
            )
        count_alert(named, "stored")
        status, body = answer(result)
        return Response.json(status, body)

    def _refused(self, source: str, error: AlertRejected) -> Response:
        named = source if source in SOURCES else "unknown"
        log.info("alert refused: %s %s (%s)", named, error.status, error.field)
        count_alert(named, "refused")
        status, body = answer_error(source, error)
        return Response.json(status, body)

    def _unavailable(self, source: str, reason: str) -> Response:
        count_alert(source if source in SOURCES else "unknown", "unavailable")
        body: dict[str, Any]
        if source == "pagerduty":
            body = {"status": "error", "message": "Event not processed", "errors": [reason]}
        else:
            body = {"error": "unavailable", "field": "body", "reason": reason}
        return Response.json(503, body, headers=(("Retry-After", RETRY_AFTER),))


NO_WORKSPACE: Final = "not installed, or without a lanes file, or without alert tokens"


class WorkspaceAlertHooks(AlertHooks):
    """Many workspaces: ``/hooks/alerts/<TEAM_ID>/<source>``, tokens per workspace."""

    def __init__(
        self,
        *,
        tokens_by_team: Mapping[str, Mapping[str, str]],
        workspaces: Workspaces,
        uow: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        lanes: Lanes,
    ) -> None:
        super().__init__(tokens={}, lanes=lanes, uow=uow, workspace_id=lambda: "", clock=clock)
        self.tokens_by_team = {team: dict(t) for team, t in tokens_by_team.items()}
        self.workspaces = workspaces

    def handle(self, request: Request) -> Response:
        parts = request.path[len(PREFIX) :].strip("/").split("/")
        if len(parts) != 2:
            source = parts[0] if len(parts) == 1 else "unknown"
            return self._refused(
                source,
                AlertRejected(
                    404,
                    "workspace",
                    "name the workspace: POST /hooks/alerts/<TEAM_ID>/<source>",
                ),
            )
        team_id, source = parts
        # A team id with no token of its own is refused like a source switched off: the same
        # answer for a forged id, an id never configured, and a source not switched on there.
        tokens = self.tokens_by_team.get(team_id, {}) if is_team_id(team_id) else {}

        def workspace() -> tuple[str, Lanes, AbstractContextManager[Any]]:
            try:
                ws = self.workspaces.get(team_id)
            except (UnknownWorkspace, NotConfigured):
                raise AlertRejected(404, "workspace", NO_WORKSPACE) from None
            if ws.lanes.config.alert_lane is None:
                raise AlertIntakeOff("no alert lane in this workspace's lanes file")
            return ws.id, ws.lanes, in_workspace(ws)

        return self.intake(request, source, tokens, workspace)


def tokens_by_workspace(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Many workspaces' alert tokens: ``LANEKEEPER_ALERT_TOKEN_<TEAM_ID>_<SOURCE>`` → team id →
    source → token (blank values are off)."""
    found: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if not name.startswith(TOKEN_ENV_PREFIX) or not (value or "").strip():
            continue
        team, _, source = name[len(TOKEN_ENV_PREFIX) :].rpartition("_")
        if is_team_id(team) and source.lower() in SOURCES:
            found.setdefault(team, {})[source.lower()] = value.strip()
    return found


def alert_route(container: Container) -> Route:
    """The alert webhooks of ``container``: tokens from its settings (many workspaces: from the
    environment, per workspace), redaction installed."""
    tokens = tokens_from_settings(container.settings)
    if getattr(container, "multi", None) is not None:
        by_team = tokens_by_workspace(environment())
        install_log_redaction([t for team in by_team.values() for t in team.values()])
        if tokens:
            log.warning(
                "LANEKEEPER_ALERT_TOKEN_<SOURCE> is ignored with many workspaces: alerts post to "
                "/hooks/alerts/<TEAM_ID>/<source> with LANEKEEPER_ALERT_TOKEN_<TEAM_ID>_<SOURCE>"
            )
        return WorkspaceAlertHooks(
            tokens_by_team=by_team,
            workspaces=container.workspaces,
            uow=container.uow,
            clock=container.clock,
            lanes=container.lanes,
        ).route()
    install_log_redaction(tokens.values())
    hooks = AlertHooks(
        tokens=tokens,
        lanes=container.lanes,
        uow=container.uow,
        workspace_id=lambda: container.workspaces.single().id,
        clock=container.clock,
    )
    return hooks.route()
