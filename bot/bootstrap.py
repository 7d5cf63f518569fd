"""The composition root: the one place that builds the engine, the Slack client, the outbox
deliverer, the Bolt app and the WSGI app from the settings. Nothing is built at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from .adapters.db import make_engine, make_session_factory
from .adapters.install_stores import InstallStores
from .adapters.outbox import OutboxDeliverer
from .adapters.outbox_wakeup import INBOX_CHANNEL, OutboxListener, OutboxNotifier
from .adapters.psa.base import PsaConfigError, PsaConnector
from .adapters.uow import UnitOfWork
from .config.loader import load_config
from .domain.escalation import Source
from .domain.lanes import LanekeeperConfig
from .installed_workspaces import RoutedLanes, fresh_context
from .services.context import Lanes
from .settings import Settings
from .slack import level10_posts
from .slack.alert_posts import AlertRollups, render_lane_message
from .slack.app import build_bolt_app
from .slack.approvals import ApprovalDelivery
from .slack.deps import Deps
from .slack.directory import Directory
from .slack.escalation_posts import EscalationPosts
from .slack.executor import ListenerExecutor
from .slack.home import HomeDelivery
from .slack.installs import MultiWorkspaceMode, register_uninstall, single_workspace_uninstalled
from .web import Response, Route, WebApp
from .web.alerts import alert_route
from .web.slack_endpoint import SlackEndpoint
from .workspaces import Workspaces

if TYPE_CHECKING:
    from .adapters.inbox import InboxWriter, SlackInbox

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    lanes: Lanes
    client: WebClient
    deliverer: OutboxDeliverer
    deps: Deps
    clock: Callable[[], datetime]
    home: HomeDelivery
    _bolt: App | None = field(default=None, repr=False)
    _team_id: str | None = field(default=None, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _workspaces: Workspaces | None = field(default=None, repr=False)
    _inbox: SlackInbox | None = field(default=None, repr=False)
    _writer: InboxWriter | None = field(default=None, repr=False)
    # Multi-workspace mode (SLACK_CLIENT_ID/SECRET, no SLACK_BOT_TOKEN): see bot/slack/installs.py
    multi: MultiWorkspaceMode | None = field(default=None, repr=False)

    # What a commit that stored outbox rows calls (see ``stored_hook``).
    after_commit: Callable[[], None] | None = field(default=None, repr=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, after_commit=self.after_commit or self.deliverer.wake)

    @property
    def delivers_inline(self) -> bool:
        """Whether ``serve`` sends the outbox itself (LANEKEEPER_DELIVERY=inline, the default)
        or leaves it to ``lanekeeper deliver`` (``separate``)."""
        return self.settings.lanekeeper_delivery == "inline"

    @property
    def handles_in_worker(self) -> bool:
        """LANEKEEPER_DELIVERY=worker: ``serve`` stores deferrable Slack requests and acks them,
        ``lanekeeper deliver`` handles them (:class:`~bot.slack.inbox_worker.InboxWorker`)."""
        return self.settings.lanekeeper_delivery == "worker"

    def inbox(self) -> SlackInbox:
        """The stored Slack requests (one per container); storing one wakes the worker (NOTIFY
        on PostgreSQL)."""
        from .adapters.inbox import SlackInbox

        with self._lock:
            if self._inbox is None:
                self._inbox = SlackInbox(self.engine, stored=self.after_commit)
            return self._inbox

    def inbox_writer(self) -> InboxWriter:
        """``serve``'s one writer of the inbox (started on first use)."""
        from .adapters.inbox import InboxWriter

        with self._lock:
            if self._writer is None:
                self._writer = InboxWriter(self.inbox())
            return self._writer

    def stop_storing(self) -> None:
        """Stopping: what was acked and is still queued is stored first."""
        if self._writer is not None:
            self._writer.close()

    def outbox_listener(
        self, inbox_wake: Callable[[], None] | None = None
    ) -> OutboxListener | None:
        """``lanekeeper deliver`` on PostgreSQL: wake the outbox's workers on each NOTIFY of a
        stored post, and ``inbox_wake`` on each of stored Slack requests (None on SQLite, where
        the workers' short poll is all there is)."""
        if self.engine.dialect.name != "postgresql":
            return None
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        also = {INBOX_CHANNEL: inbox_wake} if inbox_wake is not None else None
        return OutboxListener(url, self.deliverer.wake, also=also)

    def bolt(self, *, token_verification: bool = True, request_verification: bool = True) -> App:
        """The Bolt app. ``request_verification=False`` only in the worker, which takes no HTTP:
        the requests it dispatches were checked by ``serve`` before they were stored."""
        with self._lock:
            if self._bolt is None:
                if request_verification and not self.settings.slack_signing_secret:
                    raise SystemExit(
                        "SLACK_SIGNING_SECRET is not set (see README: Install for real)."
                    )
                self._bolt = build_bolt_app(
                    deps=self.deps,
                    client=self.client,
                    # The worker's app checks no signature (serve did): it needs no secret.
                    signing_secret=self.settings.slack_signing_secret or "",
                    listener_threads=self.settings.lanekeeper_listener_threads,
                    token_verification=token_verification,
                    home_delivery=self.home,
                    app_options={
                        **(self.multi.bolt_options() if self.multi else {}),
                        **({} if request_verification else {"request_verification_enabled": False}),
                    },
                    middleware=self.multi.middleware() if self.multi else (),
                )
                register_uninstall(
                    self._bolt,
                    self.multi.forget if self.multi else single_workspace_uninstalled,
                )
            return self._bolt

    def _listeners(self) -> ListenerExecutor | None:
        """The Bolt app's listener pools, once the app is built."""
        bolt = self._bolt
        executor = getattr(bolt, "listener_runner", None) and bolt.listener_runner.listener_executor  # type: ignore[union-attr]
        return executor if isinstance(executor, ListenerExecutor) else None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Whether every listener that Slack was already answered for has finished."""
        executor = self._listeners()
        return executor.wait_idle(timeout) if executor is not None else True

    def web_app(self, *, token_verification: bool = True) -> WebApp:
        """The HTTP front: Slack's endpoint, Bolt's other routes, ``/healthz``."""
        assert self.settings.slack_signing_secret
        bolt = self.bolt(token_verification=token_verification)
        endpoint = SlackEndpoint(
            bolt,
            signing_secret=self.settings.slack_signing_secret,
            inbox=self.inbox_writer() if self.handles_in_worker else None,
        )
        # Multi-workspace mode: each Slack request's workspace in scope ends with the request.
        scoped: Callable[[Any], Any] = fresh_context if self.multi else lambda wsgi: wsgi
        metrics = None
        extra: list[Route] = []
        if self.settings.lanekeeper_metrics_token:
            from .web.metrics import Metrics

            metrics = Metrics(token=self.settings.lanekeeper_metrics_token, sessions=self.sessions)
            extra.append(Route(frozenset({"GET"}), "/metrics", handler=metrics.handle))
        return WebApp(
            [
                *extra,
                Route(frozenset({"GET", "HEAD"}), "/healthz", handler=lambda _r: self.healthz()),
                alert_route(self),
                Route(frozenset({"POST"}), "/slack/events", wsgi=scoped(endpoint)),
                Route(frozenset({"GET", "POST"}), "/slack/", wsgi=scoped(endpoint.bolt_handler)),
            ],
            observe=metrics.observe if metrics else None,
        )

    def healthz(self) -> Response:
        """200 only when the database answers and its schema is current; the body never names
        a host, a port, a database or a role (SPEC, Operations)."""
        try:
            status = self.health()
        except Exception as exc:
            log.warning("health check failed: %s", type(exc).__name__)
            return Response.json(503, {"ok": False, "error": "database unavailable"})
        if not status.pop("schema_current", True):
            return Response.json(
                503,
                {
                    "ok": False,
                    "error": "database schema is not current: run `lanekeeper db upgrade`",
                },
            )
        return Response.json(200, {"ok": True, **status})

    def health(self) -> dict[str, Any]:
        from .adapters.db import schema_is_current

        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = schema_is_current(conn)
        status: dict[str, Any] = {"database": self.engine.dialect.name, "schema_current": current}
        if not current:
            return status
        # Acked and not handled yet: a growing number or age means no worker is running (shown
        # in every mode once any wait, so requests left from worker mode are not forgotten).
        waiting, oldest = self.inbox().backlog()
        waiting += self._writer.waiting if self._writer else 0
        if self.handles_in_worker or waiting:
            status["slack_requests_waiting"] = waiting
            status["oldest_waiting_seconds"] = round(oldest, 1)
        return status

    def slack_team_id(self) -> str:
        """The workspace of the bot token (single-workspace mode), asked of Slack once."""
        with self._lock:
            if self._team_id is None:
                self._team_id = str(self.client.auth_test()["team_id"])
                self.deps.default_team_id = self._team_id
            return self._team_id

    @property
    def workspaces(self) -> Workspaces:
        """The registry every request and job resolves its workspace from."""
        with self._lock:
            if self._workspaces is None:
                self._workspaces = Workspaces(
                    lanes=self.lanes, client=self.client, resolve_id=self.slack_team_id
                )
            return self._workspaces

    def pending_outbox(self) -> int:
        """Posts stored but not yet delivered nor refused for good."""
        with UnitOfWork(self.sessions) as uow:
            return uow.outbox.pending_count()

    def stored_workspaces(self) -> list[str]:
        """Slack team ids that escalations are stored under."""
        with UnitOfWork(self.sessions) as uow:
            return uow.escalations.workspaces()

    def refused_since(self, since: datetime) -> list[tuple[str, str]]:
        """Posts Slack refused for good since ``since`` (kind, Slack's error)."""
        with UnitOfWork(self.sessions) as uow:
            return uow.outbox.refused_since(since)

    def psa_connector(self) -> PsaConnector:
        """The configured PSA's connector, credentials from the environment or ``.env``."""
        from .adapters.psa.factory import make_connector
        from .logs import environment

        psa = self.lanes.config.psa
        if psa is None:
            raise PsaConfigError("no psa: block in the lanes file")
        return make_connector(psa, environment())

    def close(self) -> None:
        self.stop_storing()
        self.deliverer.stop()
        executor = self._listeners()
        if executor is not None:
            executor.shutdown(wait=False)
        if self.multi:
            self.multi.close()
        self.engine.dispose()


def build(
    settings: Settings,
    *,
    config: LanekeeperConfig | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Container:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    multi: MultiWorkspaceMode | None = None
    if is_multi_workspace(settings) and config is None:
        # One lanes file per workspace (LANEKEEPER_CONFIG a folder); each request, delivery and
        # job reads the lanes of the workspace in scope (bot/installed_workspaces.py).
        multi = MultiWorkspaceMode(
            client_id=str(settings.slack_client_id),
            client_secret=str(settings.slack_client_secret),
            api_url=settings.slack_api_url,
            config_folder=settings.lanekeeper_config,
            stores=InstallStores(engine, sessions),
        )
        lanes = RoutedLanes.as_lanes()
    else:
        lanes = Lanes(config or load_config(settings.lanekeeper_config))
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # Delivery runs on real time (leases, retries); ``clock`` is the business "now" that
    # decisions use, which tests and the demo move.
    deliverer = OutboxDeliverer(
        session_factory=sessions,
        client_for=multi.client_for if multi else lambda _team: client,
        workers=settings.lanekeeper_delivery_threads,
        scope=multi.delivery_scope if multi else None,
    )
    directory = Directory(multi.client_for if multi else lambda _team: client)
    EscalationPosts(lanes, renderers={Source.ALERT: render_lane_message}).register(deliverer)
    AlertRollups(lanes).register(deliverer)
    ApprovalDelivery(lanes, directory).register(deliverer)
    home = HomeDelivery(lanes, clock)
    deliverer.register("home", home.handle)
    level10_posts.register(deliverer)
    from .adapters.deliveries import settled_hook
    from .jobs import level10 as level10_job
    from .jobs import standup as standup_job

    deliverer.on_settled(settled_hook(standup_job.record_delivery))
    deliverer.on_settled(settled_hook(level10_job.record_delivery))
    stored = stored_hook(settings, engine, deliverer)
    deps = Deps(
        lanes=lanes,
        uow=lambda: UnitOfWork(sessions, after_commit=stored),
        deliverer=deliverer,
        clock=clock,
        directory=directory,
    )
    container = Container(
        home=home,
        settings=settings,
        engine=engine,
        sessions=sessions,
        lanes=lanes,
        client=client,
        deliverer=deliverer,
        deps=deps,
        clock=clock,
        after_commit=stored,
    )
    deps.resolve = lambda workspace_id: container.workspaces.get(workspace_id)
    if multi:
        container.multi = multi
        container._workspaces = multi.registry
    return container


def is_multi_workspace(settings: Settings) -> bool:
    """SPEC, Workspaces: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, and no SLACK_BOT_TOKEN."""
    return bool(
        settings.slack_client_id and settings.slack_client_secret and not settings.slack_bot_token
    )


def stored_hook(
    settings: Settings, engine: Engine, deliverer: OutboxDeliverer
) -> Callable[[], None]:
    """After a commit that stored outbox rows: wake this process's deliverer when it runs one
    (inline delivery, the clock, the deliver process); otherwise, with
    LANEKEEPER_DELIVERY=separate or worker on PostgreSQL, NOTIFY the deliver process (off the request
    thread, bursts coalesced: :class:`OutboxNotifier`). On SQLite the deliver process polls."""
    if settings.lanekeeper_delivery == "inline" or engine.dialect.name != "postgresql":
        return deliverer.wake
    notifier = OutboxNotifier(engine)

    def stored() -> None:
        if deliverer.running:
            deliverer.wake()
        else:
            notifier.notify()

    return stored
