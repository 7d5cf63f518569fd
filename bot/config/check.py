"""``lanekeeper config check`` with a token: does every id in the file exist in Slack?

Each channel is looked up with ``conversations.info`` (and must have the bot as a member),
each user with ``users.info``, and the user groups with one ``usergroups.list``. Every id is
asked about once, however often the file uses it, and a refused call is reported against the
ids it concerns without stopping the rest of the check. Problems are ``path: message`` with the
file's own paths, like the loader's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ..domain.lanes import LanekeeperConfig

# Errors that say the token itself is unusable: reported once, then the check stops asking.
_TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


def check_against_slack(config: LanekeeperConfig, client: WebClient) -> list[str]:
    """Every problem with the file's Slack ids, as ``path: message``; [] when all is well."""
    checker = _Checker(client)
    for path, kind, slack_id in _references(config):
        if checker.token_refused:
            break
        for message in checker.check(kind, slack_id):
            checker.problems.append(f"{path}: {message}")
    return checker.problems


def _references(config: LanekeeperConfig) -> Iterator[tuple[str, str, str]]:
    """(path, kind, id) for every Slack id in the file, in file order."""
    for i, user in enumerate(config.admins):
        yield f"admins[{i}]", "user", user
    for t, team in enumerate(config.teams.values()):
        yield f"teams[{t}].channel", "channel", team.channel
        for i, user in enumerate(team.members):
            yield f"teams[{t}].members[{i}]", "user", user
        for i, user in enumerate(team.leads):
            yield f"teams[{t}].leads[{i}]", "user", user
    for i, user in enumerate(config.protected.users):
        yield f"protected.users[{i}]", "user", user
    if config.protected.channels != "all":
        for i, channel in enumerate(config.protected.channels):
            yield f"protected.channels[{i}]", "channel", channel
    for n, lane in enumerate(config.lanes.values()):
        yield f"lanes[{n}].channel", "channel", lane.channel
        for i, approver in enumerate(lane.approvers):
            yield f"lanes[{n}].approvers[{i}]", "group" if approver[0] == "S" else "user", approver


class _Checker:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.problems: list[str] = []
        self.token_refused = False
        self._seen: dict[tuple[str, str], list[str]] = {}
        self._groups: dict[str, dict[str, Any]] | None = None
        self._groups_error: str | None = None

    def check(self, kind: str, slack_id: str) -> list[str]:
        """The problems with one id (asked of Slack only the first time)."""
        if (kind, slack_id) not in self._seen:
            lookup = {"channel": self._channel, "user": self._user, "group": self._group}[kind]
            self._seen[kind, slack_id] = lookup(slack_id)
        return self._seen[kind, slack_id]

    def _channel(self, channel_id: str) -> list[str]:
        try:
            channel = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            if _error(exc) == "channel_not_found":
                return [f"channel {channel_id} not found (invite the bot or fix the id)"]
            return self._refused(exc, f"channel {channel_id}")
        name = f"{channel_id} (#{channel['name']})" if channel.get("name") else channel_id
        if channel.get("is_archived"):
            return [f"channel {name} is archived"]
        if not channel.get("is_member", False):
            return [f"the bot is not a member of channel {name} (invite it: /invite @Lanekeeper)"]
        return []

    def _user(self, user_id: str) -> list[str]:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if _error(exc) in {"user_not_found", "users_not_found"}:
                return [f"user {user_id} not found (fix the id)"]
            return self._refused(exc, f"user {user_id}")
        if user.get("deleted"):
            return [f"user {user_id} (@{user.get('name', '?')}) is deactivated"]
        return []

    def _group(self, group_id: str) -> list[str]:
        if self._groups is None and self._groups_error is None:
            try:
                response = self.client.usergroups_list(include_disabled=True)
                self._groups = {g["id"]: g for g in response.get("usergroups") or []}
            except SlackApiError as exc:
                self._groups_error = "; ".join(self._refused(exc, "user groups"))
        if self._groups is None:
            return [self._groups_error] if self._groups_error else []
        group = self._groups.get(group_id)
        if group is None:
            return [f"user group {group_id} not found (fix the id)"]
        if group.get("date_delete"):
            return [f"user group {group_id} (@{group.get('handle', '?')}) is disabled"]
        return []

    def _refused(self, exc: SlackApiError, what: str) -> list[str]:
        error = _error(exc)
        if error in _TOKEN_ERRORS:
            self.token_refused = True
            self.problems.append(f"SLACK_BOT_TOKEN: Slack refused the token ({error})")
            return []
        needed = exc.response.get("needed") if exc.response is not None else None
        scope = f"; the app needs the {needed} scope" if needed else ""
        return [f"could not check {what}: {error}{scope}"]


def _error(exc: SlackApiError) -> str:
    response = exc.response
    return str(response.get("error", "unknown_error")) if response is not None else "no_response"
