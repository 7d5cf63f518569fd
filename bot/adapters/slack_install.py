"""Installations of the Slack app (multi-workspace mode), in the app's own database.

slack-sdk's SQLAlchemy installation and OAuth state stores, on the tables their builders put on
the app's metadata (:mod:`bot.adapters.models`, created by the app's Alembic revisions) instead of
tables of their own. Added here:

- :meth:`Installations.bot_for` — a workspace's bot, its token rotated first when it is about to
  expire. Two processes refreshing the same token at once is bolt-python #663: the second use of
  a refresh token is refused (``invalid_refresh_token``) and that process is left without a
  token. Refreshes are serialized on the workspace's bot row (``SELECT … FOR UPDATE`` on
  PostgreSQL; SQLite's transactions here take the write lock at ``BEGIN IMMEDIATE``); whoever
  gets the row second reads the token the first one stored and refreshes nothing.
- :func:`forget_workspace` — what an uninstall or a revoked bot token deletes.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from . import models
from .models import Base, slack_bots, slack_installations, slack_oauth_states

log = logging.getLogger(__name__)

#: Refresh a rotating bot token this long before it expires (Slack issues them for 12 hours).
ROTATE_MINUTES_BEFORE = 120


class Installations(SQLAlchemyInstallationStore):
    """slack-sdk's installation store on the app's tables, with serialized token rotation."""

    def __init__(
        self,
        *,
        client_id: str,
        engine: Engine,
        rotator: TokenRotator | None = None,
        minutes_before_expiration: int = ROTATE_MINUTES_BEFORE,
    ) -> None:
        # Not super().__init__: that builds tables on a MetaData of its own.
        self.metadata = Base.metadata
        self.bots = slack_bots
        self.installations = slack_installations
        self.client_id = client_id
        self.engine = engine
        self._logger = log
        self.rotator = rotator
        self.minutes_before_expiration = minutes_before_expiration

    def team_ids(self) -> list[str]:
        """Workspaces with a bot token, oldest install first."""
        c = self.bots.c
        query = (
            sa.select(c.team_id, sa.func.min(c.installed_at))
            .where(c.client_id == self.client_id, c.team_id.is_not(None))
            .where(c.bot_token.is_not(None))
            .group_by(c.team_id)
            .order_by(sa.func.min(c.installed_at), c.team_id)
        )
        with self.engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(query)]

    def bot_for(self, team_id: str) -> Bot | None:
        """The workspace's bot (None when not installed), its token refreshed first if it
        expires within :attr:`minutes_before_expiration`."""
        bot = self.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not self._expiring(bot) or self.rotator is None:
            return bot
        return self.refresh(team_id)

    def _expiring(self, bot: Bot) -> bool:
        expires = bot.bot_token_expires_at
        return expires is not None and expires <= time.time() + self.minutes_before_expiration * 60

    def refresh(self, team_id: str) -> Bot | None:
        """Rotate the workspace's bot token unless another process just did: the bot row is
        locked for the whole check-refresh-store, so refreshes of one workspace run one at a
        time and each refresh token is used once."""
        assert self.rotator is not None
        c = self.bots.c
        with self.engine.begin() as conn:
            row = (
                conn.execute(
                    self.bots.select()
                    .where(c.client_id == self.client_id, c.enterprise_id.is_(None))
                    .where(c.team_id == team_id, c.bot_token.is_not(None))
                    .order_by(c.installed_at.desc())
                    .limit(1)
                    .with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            bot = self.build_bot_entity(row)
            if not self._expiring(bot):  # refreshed by someone else while we waited
                return bot
            rotated = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self.minutes_before_expiration
            )
            if rotated is None:
                return bot
            expires_at = _naive_utc(rotated.bot_token_expires_at)
            new = {
                "bot_token": rotated.bot_token,
                "bot_refresh_token": rotated.bot_refresh_token,
                "bot_token_expires_at": expires_at,
            }
            conn.execute(self.bots.update().where(c.id == row["id"]).values(**new))
            i = self.installations.c
            conn.execute(
                self.installations.update()
                .where(i.client_id == self.client_id, i.team_id == team_id)
                .where(i.bot_token == bot.bot_token)
                .values(**new)
            )
            log.info("bot token of workspace %s rotated", team_id)
            return rotated


class OAuthStates(SQLAlchemyOAuthStateStore):
    """slack-sdk's OAuth state store on the app's table."""

    def __init__(self, *, engine: Engine, expiration_seconds: int = 600) -> None:
        self.expiration_seconds = expiration_seconds
        self.engine = engine
        self.metadata = Base.metadata
        self.oauth_states = slack_oauth_states
        self._logger = log


def _naive_utc(epoch: int | None) -> datetime | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None)


# -- uninstall ---------------------------------------------------------------------------------

#: What an uninstalled workspace leaves behind, deleted (rows with its ``slack_team_id``):
#: posts not delivered yet (no token to deliver them with), intercepted message text, focus
#: sessions, processed request ids, and the PSA tickets copied in (re-synced from the PSA on a
#: reinstall). Kept: escalations with their timelines and approvals (SPEC: escalations are kept;
#: they are the MSP's audit trail), the ESC-number counter (a reinstall goes on numbering without
#: colliding with the kept escalations), SLA notices and job runs (tied to kept escalations and
#: past periods: a reinstall neither warns twice nor posts a period's digest twice), and the
#: Level-10 snapshots, issues and to-dos (SPEC: weekly snapshots are kept).
FORGOTTEN: tuple[Any, ...] = (
    models.OutboxMessage,
    models.Interception,
    models.FocusSession,
    models.ProcessedRequest,
    models.Ticket,
    models.PsaSyncState,
)


def forget_workspace(s: Session, installations: Installations, team_id: str) -> dict[str, int]:
    """Delete the workspace's installation and bot rows (its tokens) and what :data:`FORGOTTEN`
    names; returns the number of rows deleted per table. The caller commits ``s``."""
    counts: dict[str, int] = {}
    for table in (installations.bots, installations.installations):
        result = s.execute(
            sa.delete(table).where(
                table.c.client_id == installations.client_id, table.c.team_id == team_id
            )
        )
        counts[table.name] = int(getattr(result, "rowcount", 0) or 0)
    for cls in FORGOTTEN:
        result = s.execute(sa.delete(cls).where(cls.slack_team_id == team_id))
        counts[cls.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    return counts
