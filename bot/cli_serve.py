"""``lanekeeper serve`` (HTTP, one process or gunicorn workers), ``socket`` (Socket Mode) and
``clock`` (the scheduler): the long-running processes, their start and their shutdown."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_common import (
    build_container,
    configure_logging,
    is_multi,
    load_or_exit,
    load_settings,
    quiet_slack_sdk,
    shut_down,
    slack_reason,
    stop_on_signals,
)
from .settings import Settings

if TYPE_CHECKING:
    from .bootstrap import Container
    from .slack.inbox_worker import InboxWorker


def cmd_serve(args: argparse.Namespace) -> int:
    from waitress import serve

    settings = load_settings()
    configure_logging(settings)
    if not settings.slack_signing_secret or not (settings.slack_bot_token or is_multi(settings)):
        if not is_multi(settings):
            load_or_exit(settings)  # a bad lanes file is reported first
        print(
            "lanekeeper serve needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for many workspaces (see README).",
            file=sys.stderr,
        )
        return 2
    if settings.web_concurrency > 1:
        return _serve_workers(settings, args)
    stopping = stop_on_signals()
    container = build_container(settings)
    try:
        # Built without asking Slack (auth.test): a restart while Slack is down still serves
        # /healthz and delivers the outbox once Slack answers; the workspace id is resolved
        # lazily, in the background.
        app = container.web_app(token_verification=False)
        _start_delivery(container)
        if container.multi is None:  # many workspaces: each installation names its own
            _resolve_workspace_later(container)
        port = args.port or settings.port
        logging.getLogger(__name__.partition(".")[0]).info(
            "Lanekeeper listening on :%s (POST /slack/events, GET /healthz)%s",
            port,
            ""
            if container.delivers_inline
            else "; Slack's requests are handled and posts sent by `lanekeeper deliver`"
            if container.handles_in_worker
            else "; posts are sent by `lanekeeper deliver`",
        )
        serve(
            app,
            host=args.host,
            port=port,
            threads=settings.lanekeeper_web_threads,
            ident="lanekeeper",
            # waitress stops accepting past 100 open connections (its default): under a burst
            # Slack (or a router) opens more, and requests then wait in the listen backlog until
            # a keep-alive connection times out, minutes later (issue 19: 10 s timeouts at
            # 200/s). poll() instead of select(), which cannot watch past 1024 descriptors.
            connection_limit=1000,
            asyncore_use_poll=True,
        )
    except KeyboardInterrupt:
        pass
    shut_down(container, "serve", stopping)
    return 0


def _serve_workers(settings: Settings, args: argparse.Namespace) -> int:
    """``WEB_CONCURRENCY`` > 1: that many gunicorn worker processes (bot/web/server.py), each
    building its container and starting its outbox deliverer after the fork, never before."""
    from .adapters.db import upgrade
    from .web.server import serve_workers

    if not is_multi(settings):
        load_or_exit(settings)  # a bad lanes file is reported once, before any worker starts
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)  # once, not raced by the workers (NullPool: no fork hazard)
    metrics_dir = _shared_metrics_dir() if settings.lanekeeper_metrics_token else None

    def start() -> tuple[Container, object]:
        container = build_container(settings)
        app = container.web_app(token_verification=False)
        _start_delivery(container)
        if container.multi is None:
            _resolve_workspace_later(container)
        return container, app

    def stop(container: Container) -> None:
        shut_down(container, "serve worker", {"signal": "SIGTERM"})

    try:
        return serve_workers(
            host=args.host,
            port=args.port or settings.port,
            workers=settings.web_concurrency,
            threads=settings.lanekeeper_web_threads,
            start=start,
            stop=stop,
        )
    finally:
        if metrics_dir is not None and metrics_dir[1]:
            import shutil

            shutil.rmtree(metrics_dir[0], ignore_errors=True)


def _start_delivery(container: Container) -> None:
    """A web process sends the outbox itself unless LANEKEEPER_DELIVERY is separate or worker,
    where it only stores posts (and NOTIFYs on PostgreSQL) for ``lanekeeper deliver``."""
    if container.delivers_inline:
        container.deliverer.start()


# Seconds between a deliver worker's claim rounds when nothing woke it: the fallback on
# PostgreSQL (a lost NOTIFY, a retry coming due), the only wake-up on SQLite.
POLL_POSTGRES = 1.0
POLL_SQLITE = 0.25


def cmd_deliver(args: argparse.Namespace) -> int:
    """The outbox deliverer and the stored Slack requests' handler: beside ``serve`` with
    LANEKEEPER_DELIVERY=separate (posts) or worker (Slack's requests and posts)."""
    import threading

    settings = load_settings()
    configure_logging(settings)
    if not settings.slack_bot_token and not is_multi(settings):
        load_or_exit(settings)  # a bad lanes file is reported first
        print(
            "lanekeeper deliver needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET for many workspaces (see README).",
            file=sys.stderr,
        )
        return 2
    if settings.lanekeeper_deliver_nice and hasattr(os, "nice"):
        os.nice(settings.lanekeeper_deliver_nice)
    stopping = stop_on_signals()
    container = build_container(settings)
    worker = _inbox_worker(container)
    listener = container.outbox_listener(worker.wake)
    poll = POLL_SQLITE if listener is None else POLL_POSTGRES
    container.deliverer.start(interval=poll, spread=True)
    worker.start(interval=poll)
    if listener is not None:
        listener.start()
    logging.getLogger(__name__.partition(".")[0]).info(
        "Lanekeeper delivering the outbox (%s worker(s), %s, polling every %s s)%s",
        container.deliverer.workers,
        "woken by NOTIFY" if listener is not None else "SQLite",
        poll,
        " and handling Slack's requests" if container.handles_in_worker else "",
    )
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()  # until SIGTERM or SIGINT
    if listener is not None:
        listener.stop()
    worker.stop()  # what it took from the inbox finishes (and may queue posts) first
    shut_down(container, "deliver", stopping)
    return 0


def _inbox_worker(container: Container) -> InboxWorker:
    """The Slack requests ``serve`` stored (LANEKEEPER_DELIVERY=worker), handled through the
    Bolt app (signatures were checked by ``serve``). In every mode: requests stored before a
    switch back to ``inline`` or ``separate`` are handled too, not left behind."""
    from .slack.app import message_interceptor
    from .slack.inbox_worker import InboxWorker, MessageBatches

    # No auth.test at start: an unreachable Slack must not stop the outbox delivering.
    bolt = container.bolt(token_verification=False, request_verification=False)
    # Channel messages, most of the traffic, are decided many at a time in one transaction
    # (issue 19). With many workspaces each request needs its workspace's token and scope,
    # which Bolt's authorize gives: they go through the app one by one.
    interceptor = message_interceptor(bolt)
    messages = None
    if interceptor is not None and container.multi is None:
        client = container.client
        messages = MessageBatches(
            accepts=interceptor.batchable,
            handle=lambda items: interceptor.handle_batch(items, client),
        )
    # Dispatch threads: an event returns from Bolt at once, a click or command once its
    # listener acks (Bolt polls for that every 10 ms); the work itself runs on Bolt's pools.
    return InboxWorker(container.inbox(), bolt, threads=16, messages=messages)


def _shared_metrics_dir() -> tuple[str, bool]:
    """``/metrics`` with several workers: each worker's counts in files of one folder
    (prometheus-client's multiprocess mode), so that any worker answers with all of them.
    ``PROMETHEUS_MULTIPROC_DIR`` when set (emptied of an earlier run's files), else a temporary
    folder removed at the end. Set before the workers fork and before they import
    prometheus-client. Returns the folder and whether it is ours to remove."""
    import os
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink(missing_ok=True)
        return str(folder), False
    created = tempfile.mkdtemp(prefix="lanekeeper-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = created
    return created, True


def _resolve_workspace_later(container: Container) -> None:
    """Ask Slack which workspace the token is for, retrying in the background until it answers."""
    import threading

    def resolve() -> None:
        delay = 1.0
        while True:
            try:
                container.slack_team_id()
                return
            except Exception as exc:  # Slack down or unreachable: try again later
                logging.getLogger(__name__.partition(".")[0]).warning(
                    "Slack did not answer auth.test (%s); retrying in %.0f s",
                    slack_reason(exc),
                    delay,
                )
            time.sleep(delay)
            delay = min(60.0, delay * 2)

    threading.Thread(target=resolve, name="resolve-workspace", daemon=True).start()


def cmd_socket(args: argparse.Namespace) -> int:
    import threading

    from slack_sdk.errors import SlackApiError

    from .slack.socket_mode import socket_mode_handler

    settings = load_settings()
    configure_logging(settings)
    if not settings.slack_app_token or not settings.slack_bot_token:
        load_or_exit(settings)
        print(
            "lanekeeper socket needs SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (see README).",
            file=sys.stderr,
        )
        return 2
    stopping = stop_on_signals()
    container = build_container(settings)
    container.deliverer.start()
    # No SLACK_SIGNING_SECRET needed; a refreshed connection is read at once (bot.slack.socket_mode).
    handler = socket_mode_handler(container, settings.slack_app_token)
    code = 0
    try:
        with quiet_slack_sdk():
            handler.connect()
        logging.getLogger(__name__.partition(".")[0]).info(
            "Lanekeeper connected to Slack in Socket Mode"
        )
        threading.Event().wait()  # until SIGTERM or SIGINT
    except KeyboardInterrupt:
        pass
    except (SlackApiError, OSError) as exc:
        print(
            f"lanekeeper: Slack did not open a Socket Mode connection ({slack_reason(exc)}); "
            "check SLACK_APP_TOKEN (an app-level token with connections:write)",
            file=sys.stderr,
        )
        code = 1
    # SIGTERM: no new envelope, those in progress acked, the WebSocket closed with a close
    # frame; then listeners and deliveries in flight finish, as `serve` does.
    handler.stop()
    shut_down(container, "socket", stopping)
    return code


def cmd_clock(args: argparse.Namespace) -> int:
    from .clock import run_clock

    settings = load_settings()
    configure_logging(settings)
    if not settings.slack_bot_token and not is_multi(settings):
        print("lanekeeper clock needs SLACK_BOT_TOKEN (see README).", file=sys.stderr)
        return 2
    stopping = stop_on_signals()
    container = build_container(settings)
    with contextlib.suppress(KeyboardInterrupt):
        run_clock(container)
    shut_down(container, "clock", stopping)
    return 0
