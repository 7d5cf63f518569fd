"""Who is behind a user group: ``usergroups.users.list``, cached briefly per workspace."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

ClientFor = Callable[[str], WebClient]


class Directory:
    def __init__(self, client_for: ClientFor, *, ttl: float = 60.0) -> None:
        self.client_for = client_for
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def group_members(self, team_id: str, group_id: str) -> tuple[str, ...]:
        key = (team_id, group_id)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        resp = self.client_for(team_id).usergroups_users_list(usergroup=group_id)
        users = tuple(str(u) for u in resp.get("users") or [])
        with self._lock:
            self._cache[key] = (now, users)
        return users

    def display_names(self, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
        """Display names for user ids (``users.info``, cached); ids Slack cannot name are left out,
        so a pre-filled summary reads "@Tina can you…" rather than "@U0TINA can you…"."""
        out: dict[str, str] = {}
        for uid in dict.fromkeys(user_ids):
            key = (team_id, "user:" + uid)
            now = time.monotonic()
            with self._lock:
                hit = self._cache.get(key)
            if hit and now - hit[0] < self.ttl * 60:
                if hit[1]:
                    out[uid] = hit[1][0]
                continue
            try:
                user = self.client_for(team_id).users_info(user=uid).get("user") or {}
            except (SlackApiError, OSError):
                continue
            profile = user.get("profile") or {}
            name = str(
                profile.get("display_name") or user.get("real_name") or user.get("name") or ""
            )
            with self._lock:
                self._cache[key] = (now, (name,) if name else ())
            if name:
                out[uid] = name
        return out

    def expand(self, team_id: str, ids: Iterable[str]) -> list[str]:
        """User ids for a list of user and user-group ids, in order, without repeats."""
        out: list[str] = []
        for ident in ids:
            members = self.group_members(team_id, ident) if ident.startswith("S") else (ident,)
            for uid in members:
                if uid not in out:
                    out.append(uid)
        return out
