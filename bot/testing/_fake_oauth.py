"""Slack's OAuth v2 for a distributed app, in the fake: installs into more than one workspace.

What happens on slack.com is a method here: :meth:`OAuthMethods.authorize` is the person on
``https://slack.com/oauth/v2/authorize`` clicking *Allow* for a workspace; it returns the ``code``
Slack would put on the redirect to ``/slack/oauth_redirect?code=…&state=…`` (the test makes that
request itself). The app then calls ``oauth.v2.access`` as Slack documents it:

- the app's credentials by HTTP Basic auth (slack_sdk's way) or as ``client_id`` /
  ``client_secret`` arguments; ``invalid_client_id`` / ``bad_client_secret`` otherwise;
- a ``code`` is good once, for 10 minutes, with the ``redirect_uri`` it was issued for:
  ``invalid_code``, ``code_already_used``, ``code_expired``, ``bad_redirect_uri``;
- the answer: ``access_token`` (the bot token), ``token_type: bot``, ``scope``, ``bot_user_id``,
  ``app_id``, ``team {id, name}``, ``enterprise: null``, ``is_enterprise_install: false``,
  ``authed_user {id}``; with token rotation also ``refresh_token`` and ``expires_in``;
- ``grant_type=refresh_token``: a new access and refresh token; a refresh token is good once
  (``invalid_refresh_token`` the second time: bolt-python #663's race).

Each issued token belongs to its workspace: ``auth.test`` answers that workspace's id and name,
and the views it opens carry that workspace's id.
The workspaces share the fake's users and channels (give each its own ids).
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field

from ._fake_state import FakeState, _Identity
from ._slack_methods import JsonDict, SlackError

CODE_TTL_SECONDS = 600


@dataclass
class _TeamIdentity(_Identity):
    team_id: str = ""


@dataclass
class _App:
    client_id: str
    client_secret: str
    rotation: bool
    expires_in: int


@dataclass
class _Code:
    team_id: str
    user: str
    scope: str
    client_id: str
    redirect_uri: str | None
    issued_at: float
    used: bool = False


@dataclass
class _OAuthState:
    teams: dict[str, dict[str, str]] = field(default_factory=dict)
    apps: dict[str, _App] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # team, scope
    issued: list[JsonDict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class OAuthMethods(FakeState):
    """Installing the app through OAuth, for tests (see the module's docstring)."""

    @property
    def _oauth(self) -> _OAuthState:
        state = self.__dict__.get("_oauth_state")
        if state is None:
            with self._lock:
                state = self.__dict__.setdefault("_oauth_state", _OAuthState())
        return state

    # -- arranging --------------------------------------------------------------------------

    def add_team(self, team_id: str, *, name: str | None = None, domain: str | None = None) -> None:
        """Another workspace the app can be installed into (the fake's own is one already)."""
        with self._lock:
            self._oauth.teams[team_id] = {
                "id": team_id,
                "name": name or team_id,
                "domain": domain or team_id.lower(),
            }

    def add_oauth_app(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_rotation: bool = False,
        expires_in: int = 43200,
    ) -> None:
        """The Slack app's credentials (Basic Information > App Credentials)."""
        with self._lock:
            self._oauth.apps[client_id] = _App(client_id, client_secret, token_rotation, expires_in)

    def authorize(
        self,
        *,
        team_id: str,
        user: str,
        client_id: str,
        scope: str,
        redirect_uri: str | None = None,
    ) -> str:
        """The person approving the install on slack.com: the ``code`` for the redirect."""
        with self._lock:
            if client_id not in self._oauth.apps:
                raise SlackError("invalid_client_id")
            if team_id != self.team_id and team_id not in self._oauth.teams:
                raise SlackError("team_not_found")
            self._counter += 1
            code = f"{self._counter}.{self._random_id(24)}"
            self._oauth.codes[code] = _Code(
                team_id, user, scope, client_id, redirect_uri, issued_at=time.time()
            )
            return code

    # -- reading back ---------------------------------------------------------------------------

    def team_of_token(self, token: str | None) -> str | None:
        who = self._tokens.get(token or "")
        if isinstance(who, _TeamIdentity):
            return who.team_id
        return self.team_id if who is not None else None

    @property
    def oauth_grants(self) -> list[JsonDict]:
        """Every ``oauth.v2.access`` answered ok (code exchanges and refreshes), in order."""
        with self._lock:
            return [dict(g) for g in self._oauth.issued]

    def revoke_token(self, token: str) -> None:
        """Slack forgets a token (uninstall, revocation): calls with it answer ``invalid_auth``."""
        with self._lock:
            self._tokens.pop(token, None)

    # -- the method ---------------------------------------------------------------------------

    def _team_object(self, team_id: str) -> dict[str, str]:
        if team_id == self.team_id:
            return {"id": self.team_id, "name": self.team_name}
        team = self._oauth.teams[team_id]
        return {"id": team["id"], "name": team["name"]}

    def _oauth_credentials(self, args: JsonDict, headers: dict[str, str]) -> _App:
        client_id, secret = args.get("client_id"), args.get("client_secret")
        auth = headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                raise SlackError("invalid_client_id") from None
        app = self._oauth.apps.get(str(client_id or ""))
        if app is None:
            raise SlackError("invalid_client_id")
        if secret != app.client_secret:
            raise SlackError("bad_client_secret")
        return app

    def _issue(self, app: _App, team_id: str, scope: str) -> JsonDict:
        self._counter += 1
        n = self._counter
        if app.rotation:
            token = f"xoxe.xoxb-1-{team_id}-{n}-{self._random_id(16)}"
        else:
            token = f"xoxb-{team_id}-{n}-{self._random_id(16)}"
        self._tokens[token] = _TeamIdentity(self.bot_user_id, self.bot_id, team_id)
        grant: JsonDict = {
            "access_token": token,
            "token_type": "bot",
            "scope": scope,
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": self._team_object(team_id),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if app.rotation:
            refresh = f"xoxe-1-{team_id}-{n}-{self._random_id(20)}"
            self._oauth.refresh_tokens[refresh] = (team_id, scope, False)
            grant |= {"refresh_token": refresh, "expires_in": app.expires_in}
        return grant

    def _oauth_v2_access(self, args: JsonDict, headers: dict[str, str]) -> JsonDict:
        app = self._oauth_credentials(args, headers)
        if args.get("grant_type") == "refresh_token":
            refresh = str(args.get("refresh_token") or "")
            known = self._oauth.refresh_tokens.get(refresh)
            if known is None or known[2] or not app.rotation:
                raise SlackError("invalid_refresh_token")
            team_id, scope, _ = known
            self._oauth.refresh_tokens[refresh] = (team_id, scope, True)
            grant = self._issue(app, team_id, scope)
        elif args.get("grant_type") not in (None, "", "authorization_code"):
            raise SlackError("invalid_grant_type")
        else:
            code = self._oauth.codes.get(str(args.get("code") or ""))
            if code is None or code.client_id != app.client_id:
                raise SlackError("invalid_code")
            if code.used:
                raise SlackError("code_already_used")
            if time.time() - code.issued_at > CODE_TTL_SECONDS:
                raise SlackError("code_expired")
            if code.redirect_uri and args.get("redirect_uri") not in (None, code.redirect_uri):
                raise SlackError("bad_redirect_uri")
            code.used = True
            grant = self._issue(app, code.team_id, code.scope)
            grant["authed_user"] = {"id": code.user}
        self._oauth.issued.append(dict(grant))
        return grant

    def _auth_test(self, args: JsonDict, who: _Identity) -> JsonDict:
        body: JsonDict = super()._auth_test(args, who)  # type: ignore[misc]
        if isinstance(who, _TeamIdentity) and who.team_id != self.team_id:
            team = self._oauth.teams[who.team_id]
            body |= {
                "team_id": team["id"],
                "team": team["name"],
                "url": f"https://{team['domain']}.slack.com/",
            }
        return body

    # Views opened, pushed, updated or published with a workspace's token are that workspace's
    # (``team_id``, ``app_installed_team_id``: where Bolt reads a view submission's workspace).

    def _views_open(self, args: JsonDict, who: _Identity) -> JsonDict:
        return self._in_team(super()._views_open(args, who), who)  # type: ignore[misc]

    def _views_push(self, args: JsonDict, who: _Identity) -> JsonDict:
        return self._in_team(super()._views_push(args, who), who)  # type: ignore[misc]

    def _views_update(self, args: JsonDict, who: _Identity) -> JsonDict:
        return self._in_team(super()._views_update(args, who), who)  # type: ignore[misc]

    def _views_publish(self, args: JsonDict, who: _Identity) -> JsonDict:
        return self._in_team(super()._views_publish(args, who), who)  # type: ignore[misc]

    def _in_team(self, response: JsonDict, who: _Identity) -> JsonDict:
        view = response.get("view")
        if isinstance(who, _TeamIdentity) and isinstance(view, dict):
            for held in (view, self._views.get(str(view.get("id")))):
                if held is not None:
                    held["team_id"] = held["app_installed_team_id"] = who.team_id
        return response
