"""What a test does with the fake besides calling it: arranging the workspace (users, channels,
user groups, messages people posted) and reading back what Slack holds (calls, messages, threads,
ephemerals, views, the Home tab)."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable

from ._fake_state import FakeState, _Channel, _Identity
from ._slack_methods import JsonDict, RecordedCall


class Workspace(FakeState):
    """Arranging the workspace and inspecting it, for tests."""

    # -- workspace setup ----------------------------------------------------------------------

    def add_token(self, token: str, *, user_id: str | None = None) -> None:
        """Accept another token: a user token acting as ``user_id``, else another bot token."""
        with self._lock:
            self._tokens[token] = (
                _Identity(user_id, None) if user_id else _Identity(self.bot_user_id, self.bot_id)
            )

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/Chicago",
        email: str | None = None,
        is_bot: bool = False,
        is_admin: bool = False,
        deleted: bool = False,
    ) -> JsonDict:
        """Add (or replace) a workspace member; returns the ``users.info`` user object."""
        user = self._user_object(
            user_id,
            name=name or user_id.lower(),
            real_name=real_name or name or user_id,
            tz=tz,
            is_bot=is_bot,
            email=email,
        )
        user["is_admin"] = is_admin
        user["deleted"] = deleted
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        """Add a channel; the bot is a member unless ``bot_is_member=False``."""
        people = list(dict.fromkeys(members))
        if bot_is_member and self.bot_user_id not in people:
            people.append(self.bot_user_id)
        with self._lock:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                name=name or channel_id.lower(),
                members=people,
                is_private=is_private,
                is_archived=is_archived,
            )

    def add_members(self, channel_id: str, *users: str) -> None:
        """Add users to an existing channel."""
        with self._lock:
            channel = self._channels[channel_id]
            channel.members.extend(u for u in users if u not in channel.members)

    def add_usergroup(
        self,
        usergroup_id: str,
        *,
        users: Iterable[str] = (),
        handle: str | None = None,
        name: str | None = None,
    ) -> None:
        """Add a user group (``S…``) with its members."""
        with self._lock:
            self._usergroups[usergroup_id] = {
                "id": usergroup_id,
                "team_id": self.team_id,
                "is_usergroup": True,
                "is_subteam": True,
                "name": name or handle or usergroup_id,
                "handle": handle or usergroup_id.lower(),
                "description": "",
                "date_delete": 0,
                "users": list(users),
            }

    def im_channel(self, user: str) -> str:
        """The DM channel id between the bot and ``user``, opening it if needed."""
        with self._lock:
            return self._open_im(user).id

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list[JsonDict] | None = None,
        bot_id: str | None = None,
    ) -> JsonDict:
        """Store a message as if a person (or another app) had posted it; returns it."""
        with self._lock:
            chan = self._channel_for_write(channel, None)
            message: JsonDict = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts or self._next_ts(),
                "team": self.team_id,
            }
            if blocks is not None:
                message["blocks"] = copy.deepcopy(blocks)
            if bot_id is not None:
                message["bot_id"] = bot_id
            self._store_message(chan, message, thread_ts=thread_ts)
            return copy.deepcopy(message)

    # -- inspection ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until ``count`` calls to ``method`` were answered; returns all of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise TimeoutError(
                        f"waited {timeout}s for {count} {method} call(s), got {len(found)}; "
                        f"calls seen: {seen}"
                    )
                self._changed.wait(left)

    def messages(self, channel: str, *, include_replies: bool = False) -> list[JsonDict]:
        """Current messages of a channel (edits applied), oldest first.

        Like ``conversations.history`` thread replies are left out unless broadcast, or unless
        ``include_replies=True``. ``channel`` may be a user id for the bot's DM with them.
        """
        with self._lock:
            chan = self._lookup_channel(channel)
            if chan is None:
                return []
            return [
                copy.deepcopy(m) for m in chan.messages if include_replies or self._is_top_level(m)
            ]

    def message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            chan = self._lookup_channel(channel)
            found = self._find_message(chan, ts) if chan else None
            return copy.deepcopy(found) if found else None

    def find_message(self, ts: str) -> tuple[str, JsonDict] | None:
        """Find a stored message by ts in any channel: ``(channel_id, message)``."""
        with self._lock:
            for chan in self._channels.values():
                found = self._find_message(chan, ts)
                if found is not None:
                    return chan.id, copy.deepcopy(found)
        return None

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """A thread's parent then its replies, like ``conversations.replies``."""
        with self._lock:
            chan = self._lookup_channel(channel)
            if chan is None:
                return []
            return [copy.deepcopy(m) for m in self._thread_messages(chan, ts)]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[JsonDict]:
        """Ephemeral messages shown so far (``chat.postEphemeral`` and response URLs)."""
        with self._lock:
            chan = self._lookup_channel(channel) if channel else None
            channel_id = chan.id if chan else channel
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if (channel_id is None or e["channel"] == channel_id)
                and (user is None or e["user"] == user)
            ]

    @property
    def scheduled_messages(self) -> list[JsonDict]:
        with self._lock:
            return copy.deepcopy(self._scheduled)

    def home(self, user: str) -> JsonDict | None:
        """The Home tab last published for ``user``."""
        with self._lock:
            found = self._views.get(self._homes.get(user, ""))
            return copy.deepcopy(found) if found else None

    @property
    def views(self) -> dict[str, JsonDict]:
        """Open views (modals and Home tabs) by view id."""
        with self._lock:
            return copy.deepcopy(self._views)

    def view(self, view_id: str, *, include_closed: bool = False) -> JsonDict | None:
        """An open view by id (or, with ``include_closed``, one closed since)."""
        with self._lock:
            found = self._views.get(view_id)
            if found is None and include_closed:
                found = self._closed_views.get(view_id)
            return copy.deepcopy(found) if found else None

    def view_user(self, view_id: str) -> str | None:
        """The user a view was opened for (or published to), when known."""
        with self._lock:
            return self._view_users.get(view_id)

    def user(self, user_id: str) -> JsonDict | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def channel(self, channel_id: str) -> JsonDict | None:
        """The ``conversations.info`` object of a channel (or DM), if known."""
        with self._lock:
            chan = self._lookup_channel(channel_id)
            return self._channel_object(chan) if chan else None
