"""The engine's PostgreSQL sessions run in UTC and keep the options the URL carries."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.adapters.db import make_engine


@pytest.mark.parametrize("migrated_db", ["postgres"], indirect=True)  # SQLite has no time zone
def test_postgres_sessions_are_utc_and_keep_the_urls_options(db_url: str) -> None:
    assert "options=" in db_url  # the test schema comes as a search_path option
    engine = make_engine(db_url, pool_size=1)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
            assert "lk_" in str(conn.execute(text("SHOW search_path")).scalar())
    finally:
        engine.dispose()
