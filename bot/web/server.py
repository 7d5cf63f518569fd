"""``lanekeeper serve`` with ``WEB_CONCURRENCY`` > 1: several worker processes under gunicorn.

One Python process runs its Python on one core at a time (the GIL): Bolt, SQLAlchemy, the
interception rules, the outbox deliverer and waitress all take turns, and at 200 requests a
second the acks queue behind the rest. ``WEB_CONCURRENCY`` (the hosting convention; Heroku sets
it from the dyno size) asks for that many worker processes sharing the listening socket.

gunicorn's ``gthread`` worker: a pre-fork server made for that (a master that restarts a dead
worker, graceful SIGTERM, the socket shared by the kernel), whose workers serve each connection
on a thread pool like waitress does (``LANEKEEPER_WEB_THREADS``), so a request waiting on the
database or on Bolt's ack never blocks the others. With ``WEB_CONCURRENCY`` unset or 1 the
server stays waitress, in one process, as before (and as on Windows, where gunicorn does not
run).

Nothing that starts threads or opens connections runs in the master: each worker builds its own
container (engine and pool, Bolt app, outbox deliverer, the workspace lookup) after the fork,
in ``load``, and on SIGTERM finishes what it acknowledged and gives back the posts it claimed,
as the single-process ``serve`` does. The outbox's claims (a lease per row, ``SKIP LOCKED``)
keep each post delivered once whichever worker stored it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

if TYPE_CHECKING:
    from ..bootstrap import Container

log = logging.getLogger(__name__.partition(".")[0])

Start = Callable[[], tuple["Container", Any]]  # builds a worker's container and its WSGI app
Stop = Callable[["Container"], None]  # finishes in-flight work and releases claims


class _ThroughRoot(GunicornLogger):
    """gunicorn's own lines (workers booting, signals, a worker that died) through the
    process's logging, as every other line: the same format, plain or JSON for a log shipper,
    and the same redaction of secrets (bot/logs.py)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in [h for h in logger.handlers if getattr(h, "_gunicorn", False)]:
                logger.removeHandler(handler)
            logger.propagate = True


class _Workers(BaseApplication):
    def __init__(self, options: dict[str, Any], start: Start, stop: Stop) -> None:
        self.options = options
        self.start = start
        self.stop = stop
        self.container: Container | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

        def worker_exit(_server: Any, _worker: Any) -> None:
            if self.container is not None:
                self.stop(self.container)

        self.cfg.set("worker_exit", worker_exit)

    def load(self) -> Any:
        """Runs in each worker, after the fork."""
        self.container, app = self.start()
        return app


def serve_workers(
    *, host: str, port: int, workers: int, threads: int, start: Start, stop: Stop
) -> int:
    """Serve with ``workers`` gunicorn ``gthread`` processes of ``threads`` threads each, until
    SIGTERM or SIGINT; 0 when stopped cleanly."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,  # the app (and its threads) is built in each worker
        "graceful_timeout": 25,  # listeners and deliveries in flight finish (serve's SIGTERM)
        "timeout": 60,
        "keepalive": 75,  # past a load balancer's idle timeout (60 s on the usual ones)
        "accesslog": None,
        "errorlog": "-",
        "logger_class": _ThroughRoot,
        # gunicorn's lines at the level the rest logs at (LANEKEEPER_LOG_LEVEL), never below INFO
        "loglevel": logging.getLevelName(max(logging.INFO, logging.getLogger().level)).lower(),
        "proc_name": "lanekeeper",
    }
    log.info(
        "Lanekeeper listening on %s:%s with %s worker processes x %s threads "
        "(POST /slack/events, GET /healthz)",
        host,
        port,
        workers,
        threads,
    )
    _Workers(options, start, stop).run()  # returns when the master stops
    log.info("lanekeeper serve stopped: %s worker processes finished", workers)
    return 0
