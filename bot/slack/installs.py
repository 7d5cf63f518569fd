"""Bolt in multi-workspace mode: the OAuth install flow, per-workspace authorization, the
workspace scope of each request, unconfigured workspaces, and uninstalls.

- ``/slack/install`` and ``/slack/oauth_redirect`` are Bolt's OAuth flow (:func:`oauth_settings`),
  installations and OAuth state in the app's database (:mod:`bot.adapters.slack_install`).
- :class:`InstalledAuthorize` gives each request its workspace's bot token (rotated when due,
  one process at a time), so the ``client`` listeners receive is that workspace's.
- :func:`workspace_scope` (global middleware) resolves the request's workspace once and makes it
  the workspace in scope (:mod:`bot.installed_workspaces`). A workspace without a lanes file gets
  the set-up message instead, and nothing else happens: its App Home explains it, a command or a
  shortcut is answered with it, a mention gets it as an ephemeral; other events are ignored.
- ``app_uninstalled``, and ``tokens_revoked`` naming the bot, forget the workspace
  (:func:`~bot.adapters.slack_install.forget_workspace`): its tokens and installation rows and what
  it no longer needs are deleted, its escalations kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.token_rotation import TokenRotator

from ..adapters.install_stores import InstallStores
from ..adapters.outbox import Refused
from ..adapters.slack_install import Installations, OAuthStates
from ..domain.text import escape
from ..installed_workspaces import (
    ConfigFolder,
    InstalledWorkspaces,
    NotConfigured,
    enter_workspace,
    in_workspace,
)
from ..workspaces import UnknownWorkspace, workspace_of

log = logging.getLogger(__name__)

#: The bot scopes the app asks for at install: slack-manifest.yml's ``oauth_config.scopes.bot``
#: (a test keeps the two equal).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "files:write",
    "commands",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "users:read",
    "usergroups:read",
)

UNINSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})
NOT_INSTALLED = "Lanekeeper is not installed in this Slack workspace. Ask an admin to install it."


def oauth_settings(
    *,
    client_id: str,
    client_secret: str,
    installations: Installations,
    states: OAuthStates,
    authorization_url: str | None = None,
) -> OAuthSettings:
    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        authorization_url=authorization_url,
    )


class InstalledAuthorize(Authorize):
    """A request's workspace's bot token, from the installation store; None (Bolt answers that
    the app is not installed) for a workspace without one."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

    def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        if not team_id:
            return None
        try:
            bot = self.installations.bot_for(team_id)
        except SlackTokenRotationError as exc:
            log.warning("bot token of workspace %s not rotated: %s", team_id, exc.api_error)
            bot = self.installations.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


# -- the workspace of each request --------------------------------------------------------------


def setup_home(message: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Set up Lanekeeper"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": escape(message)}},
        ],
    }


def workspace_scope(
    registry: InstalledWorkspaces, replies: ThreadPoolExecutor
) -> Callable[..., Any]:
    """Bolt global middleware (after authorization): the request's workspace in scope, or the
    set-up message for a workspace without a lanes file."""

    def middleware(body: dict[str, Any], context: dict[str, Any], next: Callable[[], Any]) -> Any:
        enter_workspace(None)
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        if event is not None and event.get("type") in UNINSTALL_EVENTS:
            return next()
        try:
            ws = registry.get(workspace_of(context, body))
        except NotConfigured as exc:
            return _not_configured(body, event, context.get("client"), str(exc), replies)
        except UnknownWorkspace:
            return BoltResponse(status=200, body=NOT_INSTALLED if "command" in body else "")
        enter_workspace(ws)
        return next()

    return middleware


def _not_configured(
    body: dict[str, Any],
    event: dict[str, Any] | None,
    client: WebClient | None,
    message: str,
    replies: ThreadPoolExecutor,
) -> BoltResponse:
    """Answer with the set-up message, never run a listener. Slack calls go on ``replies``
    so that Slack gets its answer at once."""

    def later(call: Callable[[WebClient], Any]) -> None:
        def run() -> None:
            try:
                call(client)  # type: ignore[arg-type]
            except SlackApiError as exc:
                log.info("set-up message not delivered: %s", exc.response.get("error"))

        if client is not None:
            replies.submit(run)

    if "command" in body:  # slash command: the answer is the message
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": message}),
            headers={"content-type": ["application/json"]},
        )
    if event is not None:
        kind, user = event.get("type"), str(event.get("user") or "")
        if kind == "app_home_opened" and user:
            later(lambda c: c.views_publish(user_id=user, view=setup_home(message)))
        elif kind == "app_mention" and user and event.get("channel"):
            channel = event["channel"]
            later(lambda c: c.chat_postEphemeral(channel=channel, user=user, text=message))
        return BoltResponse(status=200, body="")
    person = body.get("user")
    who = str(person.get("id") or "") if isinstance(person, dict) else ""
    if body.get("type") in ("shortcut", "message_action", "block_actions") and who:
        later(lambda c: c.chat_postMessage(channel=who, text=message))
    if body.get("type") == "block_suggestion":
        return BoltResponse(status=200, body=json.dumps({"options": []}))
    return BoltResponse(status=200, body="")


# -- uninstalls -----------------------------------------------------------------------------


def register_uninstall(app: App, forget: Callable[[str], Any]) -> None:
    """``app_uninstalled`` and ``tokens_revoked`` (the bot's token) forget the workspace; a
    revoked user token changes nothing, Lanekeeper keeps none."""

    @app.event("app_uninstalled")
    def uninstalled(body: dict[str, Any], context: dict[str, Any]) -> None:
        team = workspace_of(context, body)
        if team:
            forget(team)

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        team = workspace_of(context, body)
        if team and (event.get("tokens") or {}).get("bot"):
            forget(team)


def single_workspace_uninstalled(team: str) -> None:
    """Single-workspace mode has one token from the environment and no installation to forget:
    the event is acknowledged (the manifest subscribes it, and an unanswered event is retried and
    counted as a failure) and the operator is told what stopped working."""
    log.error(
        "Slack says Lanekeeper was uninstalled from workspace %s or its bot token was revoked: "
        "SLACK_BOT_TOKEN no longer works, so nothing more can be posted there. Reinstall the app "
        "and set the new token; what is stored is kept and pruned as `retention:` says.",
        team,
    )


# -- the mode, assembled ------------------------------------------------------------------------


class MultiWorkspaceMode:
    """What multi-workspace mode adds to the composition root: the stores, the lanes files, the
    registry, and the hooks the outbox, the directory and Bolt take."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        api_url: str,
        config_folder: str,
        stores: InstallStores,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.stores = stores
        rotator = TokenRotator(
            client_id=client_id,
            client_secret=client_secret,
            client=WebClient(base_url=api_url),
        )
        self.installations = stores.installations(client_id=client_id, rotator=rotator)
        self.states = stores.oauth_states()
        self.configs = ConfigFolder(config_folder)
        self.configs.check()  # a bad lanes file is refused at start, with every problem
        self.registry = InstalledWorkspaces(
            installations=self.installations, configs=self.configs, api_url=api_url
        )
        self.replies = ThreadPoolExecutor(max_workers=2, thread_name_prefix="setup-reply")

    def client_for(self, team_id: str) -> WebClient:
        """The outbox's client: the row's workspace's token; a workspace that is gone (or has no
        lanes file) never gets the post."""
        try:
            return self.registry.get(team_id).client
        except (UnknownWorkspace, NotConfigured) as exc:
            raise Refused(f"workspace {team_id}: {exc}") from None

    @contextmanager
    def delivery_scope(self, team_id: str) -> Iterator[None]:
        try:
            ws = self.registry.get(team_id)
        except (UnknownWorkspace, NotConfigured):
            yield  # client_for refuses the row
            return
        with in_workspace(ws):
            yield

    def bolt_options(self) -> dict[str, Any]:
        return {
            "oauth_settings": oauth_settings(
                client_id=self.client_id,
                client_secret=self.client_secret,
                installations=self.installations,
                states=self.states,
            ),
            "authorize": InstalledAuthorize(self.installations),
            "user_facing_authorize_error_message": NOT_INSTALLED,
        }

    def middleware(self) -> list[Callable[..., Any]]:
        return [workspace_scope(self.registry, self.replies)]

    def forget(self, team_id: str) -> dict[str, int]:
        """Uninstalled or revoked: nothing more runs there, and what it no longer needs goes."""
        counts = self.stores.forget(self.installations, team_id)
        log.info(
            "workspace %s uninstalled: deleted %s",
            team_id,
            ", ".join(f"{n} {table}" for table, n in counts.items() if n) or "nothing",
        )
        return counts

    def close(self) -> None:
        self.replies.shutdown(wait=False, cancel_futures=True)
