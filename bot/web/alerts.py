"""``POST /hooks/alerts/{source}``: monitoring alerts in, escalations out.

The request is authenticated and validated whole (:func:`bot.adapters.alerts.parse_request`:
404 unknown or switched-off source, 401 credential, 413, 415, 400 naming the field) before
anything changes; its events are then stored in one transaction
(:func:`bot.services.alerts.ingest`) and only then answered 2xx (PagerDuty's own ``202`` body
for PagerDuty). Anything transient (the database, Slack not yet saying which workspace this
is) answers 503 with ``Retry-After``: the senders retry 5xx only, and drop an alert on any 4xx.

Tokens come from ``LANEKEEPER_ALERT_TOKEN_<SOURCE>`` (through :class:`bot.settings.Settings`); a
source without one is off. ``?token=`` values and the tokens themselves are redacted from every
log line (:func:`install_log_redaction`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ..adapters.alerts import (
    MAX_BODY_BYTES,
    SOURCES,
    AlertRejected,
    RedactingFilter,
    answer,
    answer_error,
    parse_request,
    tokens_from_env,
)
from ..adapters.uow import UnitOfWork
from ..services.alerts import AlertIntakeOff, AlertStoreUnavailable, ingest
from ..services.context import Lanes
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
        named = source if source in SOURCES else "unknown"
        tokens = self.tokens if self.lanes.config.alert_lane is not None else {}
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
            log.info("alert refused: %s %s (%s)", named, error.status, error.field)
            status, body = answer_error(source, error)
            return Response.json(status, body)
        try:
            applied = ingest(
                self.uow,
                self.lanes,
                slack_team_id=self.workspace_id(),
                events=result.events,
                now=now,
            )
        except AlertIntakeOff:
            status, body = answer_error(
                source, AlertRejected(404, "source", "this alert source is switched off")
            )
            return Response.json(status, body)
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
        status, body = answer(result)
        return Response.json(status, body)

    def _unavailable(self, source: str, reason: str) -> Response:
        body: dict[str, Any]
        if source == "pagerduty":
            body = {"status": "error", "message": "Event not processed", "errors": [reason]}
        else:
            body = {"error": "unavailable", "field": "body", "reason": reason}
        return Response.json(503, body, headers=(("Retry-After", RETRY_AFTER),))


def alert_route(container: Container) -> Route:
    """The alert webhooks of ``container``: tokens from its settings, redaction installed."""
    tokens = tokens_from_settings(container.settings)
    install_log_redaction(tokens.values())
    if tokens and getattr(container, "multi", None) is not None:
        # Many workspaces: which one an alert belongs to is not said by its URL yet.
        log.warning("alert webhooks are off in multi-workspace mode")
        tokens = {}
    hooks = AlertHooks(
        tokens=tokens,
        lanes=container.lanes,
        uow=container.uow,
        workspace_id=lambda: container.workspaces.single().id,
        clock=container.clock,
    )
    return hooks.route()
