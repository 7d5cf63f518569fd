"""Alembic environment: the models' metadata, the URL from DATABASE_URL or the caller."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import engine_from_config, pool

from bot.adapters.models import Base
from bot.settings import normalize_database_url

config = context.config
target_metadata = Base.metadata


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
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
