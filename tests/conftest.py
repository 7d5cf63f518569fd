"""Shared fixtures: databases (SQLite always; PostgreSQL when reachable or required)."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.adapters.db import upgrade
from bot.adapters.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get(
    "LANEKEEPER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("LANEKEEPER_REQUIRE_POSTGRES", "") not in ("", "0", "false")

# The suite runs 2,000 tests in one interpreter and what they leave alive (apps, engines,
# Hypothesis' examples) grows to ~3.6 million tracked objects. A full (generation 2) collection
# walks them all: measured with a gc.callbacks probe over a full run, pauses grew from 0.1 s to
# 2.6 s late in the run, inside SQLite e2e tests, and a pause over 3 s is Bolt's "didn't call
# ack()" 404 (CI's intermittent test_hostile_input / test_socket_mode failures). Every
# FREEZE_EVERY tests the survivors are collected once and frozen, so later collections walk only
# what the tests since have made. Test infrastructure only: no product code calls gc.freeze.
FREEZE_EVERY = 50
_finished = 0


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    global _finished
    _finished += 1
    if _finished % FREEZE_EVERY == 0:
        gc.collect()
        gc.freeze()


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: not available here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


_PG_PROBLEM: str | bool | None = False


def postgres_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _postgres_available()
    return _PG_PROBLEM  # type: ignore[return-value]


def private_schema(url: str) -> tuple[str, str]:
    """A schema of this test run's own, so runs sharing one server never see each other's rows;
    returns (schema, URL whose connections use it)."""
    schema = f"lk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return schema, f"{url}{sep}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def migrated_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head with Alembic, once per session and kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lanekeeper.db'}"
    else:
        problem = postgres_problem()
        if problem:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required (LANEKEEPER_REQUIRE_POSTGRES) but: {problem}")
            pytest.skip(
                f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {problem}"
            )
        schema, url = private_schema(POSTGRES_URL)
        request.addfinalizer(lambda: drop_schema(POSTGRES_URL, schema))
    upgrade(url)
    yield url


@pytest.fixture
def db_url(migrated_db: str) -> Iterator[str]:
    """A migrated, empty database (SQLite and PostgreSQL)."""
    truncate_all(migrated_db)
    yield migrated_db
