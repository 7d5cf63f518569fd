"""Engine and session factory, and ``db upgrade`` through Alembic."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

# The migrations ship inside the package, so a wheel, a container or `pipx install` finds them.
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """An engine fit for many threads: SQLite in WAL mode with a busy timeout, PostgreSQL pooled."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take the write lock up front so
        # concurrent writers queue on busy_timeout instead of failing with "database is locked".
        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        return engine
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, connect_args=_utc_session(url)
    )
    _ping_when_idle(engine)
    return engine


def _utc_session(url: str) -> dict[str, str]:
    """Sessions in UTC: every stored time is UTC, and a server whose TimeZone is anything else
    makes the driver convert each one twice (measured: 0.4 s of a 2.2 s stand-up for 50 teams
    on a server set to Etc/UTC). Options the URL already carries are kept."""
    given = make_url(url).query.get("options")
    given = given[-1] if isinstance(given, tuple) else given
    return {"options": f"{given} -c TimeZone=UTC" if given else "-c TimeZone=UTC"}


# A pooled connection that was used this recently is taken as alive; one idle longer is pinged
# before use (a restarted server, a proxy that dropped it) and replaced when the ping fails.
PING_AFTER_IDLE = 10.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping``, but only for connections idle for ``PING_AFTER_IDLE`` seconds.

    ``pool_pre_ping=True`` pings on every checkout: one more round trip per unit of work, which
    at 200 messages a second is hundreds of ``SELECT 1`` a second competing for the same two
    cores as the requests. A connection in steady use does not need it; if the server went
    away meanwhile, the failing statement invalidates the pool and the next checkout connects
    afresh."""
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["lanekeeper_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("lanekeeper_idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # a fresh connection, or one just used
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError("pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("pooled connection is gone")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["url_given"] = True
    cfg.attributes["package"] = __name__.partition(".")[0]
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


@functools.cache
def shipped_heads() -> frozenset[str]:
    """The newest revision(s) the installed code ships."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def schema_is_current(connection: Any) -> bool:
    """Whether the database is at the newest revision the installed code ships."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads()) == shipped_heads()
