"""The migrated schema is exactly what the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from bot.adapters.db import alembic_config
from bot.adapters.models import Base

# The installation store's tables (slack-sdk's table builders); an OAuth state has no workspace yet.
SLACK_SDK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def test_upgrade_head_matches_the_models(migrated_db: str) -> None:
    engine = create_engine(migrated_db)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a revision: {diff}"


def test_every_workspace_table_carries_the_slack_team_id(migrated_db: str) -> None:
    engine = create_engine(migrated_db)
    insp = inspect(engine)
    tables = [t for t in insp.get_table_names() if t != "alembic_version"]
    assert tables, "no tables migrated"
    for table in tables:
        columns = {c["name"] for c in insp.get_columns(table)}
        if table in SLACK_SDK_TABLES:  # slack-sdk's own columns: its team id is ``team_id``
            assert table == "slack_oauth_states" or "team_id" in columns, table
            continue
        assert "slack_team_id" in columns, table
    engine.dispose()


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
