"""Alembic environment: the models' metadata, the URL from DATABASE_URL or the caller."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Literal

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
# Alembic loads this file by its path, not as part of the package, so the package is named here:
# the caller passes the name it was imported as (``lanekeeper`` when installed, ``bot`` in the
# repository); the ``alembic`` command run from a checkout falls back to the folder's name.
_PACKAGE = config.attributes.get("package") or Path(__file__).resolve().parents[1].name
Base = importlib.import_module(f"{_PACKAGE}.adapters.models").Base
normalize_database_url = importlib.import_module(f"{_PACKAGE}.settings").normalize_database_url
target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """New revisions spell the models' UTC column type as plain ``sa.DateTime(timezone=True)``
    (the same DDL), so no revision imports the package under either of its names."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if os.environ.get("DATABASE_URL") and not config.attributes.get("url_given"):
        url = os.environ["DATABASE_URL"]
    return normalize_database_url(url or "sqlite:///lanekeeper.db")


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    section = config.get_section(config.config_ini_section) or {}
    section["sqlalchemy.url"] = _url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
