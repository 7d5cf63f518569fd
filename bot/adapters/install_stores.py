"""The database side of multi-workspace mode (issue 20), for :mod:`bot.slack.installs`: the
installation store (tokens), the OAuth state store, and forgetting an uninstalled workspace.

Built by the composition root from the engine and the session factory, so the Slack layer is
handed stores and never a database handle (issue 13, the persistence boundary).
"""

from __future__ import annotations

from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .slack_install import Installations, OAuthStates, forget_workspace


class InstallStores:
    def __init__(self, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self._engine = engine
        self._sessions = sessions

    def installations(self, *, client_id: str, rotator: TokenRotator) -> Installations:
        return Installations(client_id=client_id, engine=self._engine, rotator=rotator)

    def oauth_states(self) -> OAuthStates:
        return OAuthStates(engine=self._engine)

    def forget(self, installations: Installations, team_id: str) -> dict[str, int]:
        """Delete the workspace's tokens and what it no longer needs, in one transaction;
        the number of rows deleted per table."""
        with self._sessions.begin() as s:
            return forget_workspace(s, installations, team_id)
