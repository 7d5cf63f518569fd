"""The fake Slack's state: the workspace it holds and the internals every method family shares.

:class:`FakeState` holds the channels (with their messages), users, user groups, tokens, views,
triggers, response URLs and recorded calls, behind one lock; its helpers look channels up as Slack
would (by id, name or a user's DM), store messages and threads, and issue ids and timestamps. The
method families (``_fake_chat``, ``_fake_conversations``, ``_fake_views``) and the test-facing
:class:`~bot.testing._fake_workspace.Workspace` build on it;
:class:`~bot.testing.fake_slack.FakeSlack` puts them together.
"""

from __future__ import annotations

import base64
import bisect
import random
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._blockkit import ACTION_ELEMENTS
from ._slack_methods import JsonDict, RecordedCall, SlackError

if TYPE_CHECKING:
    from ._fake_http import _Server


TRIGGER_TTL_SECONDS = 3.0


@dataclass
class _Channel:
    id: str
    name: str
    members: list[str]
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    im_user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    messages: list[JsonDict] = field(default_factory=list)


@dataclass
class _Identity:
    user_id: str
    bot_id: str | None


@dataclass
class _Trigger:
    issued_at: float
    user: str | None
    view_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    channel: str | None
    message_ts: str | None
    user: str | None
    ephemeral: bool
    uses: int = 0


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


def _ts_key(ts: str) -> tuple[int, int]:
    whole, _, frac = ts.partition(".")
    return int(whole or 0), int((frac or "0").ljust(6, "0")[:6])


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _page(
    items: list[Any], args: Mapping[str, Any], *, default_limit: int = 100
) -> tuple[list[Any], JsonDict]:
    """Slice ``items`` by Slack's ``cursor`` / ``limit`` and build ``response_metadata``."""
    try:
        limit = int(args.get("limit") or default_limit)
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_limit") from exc
    limit = max(1, min(limit, 1000))
    offset = 0
    cursor = args.get("cursor")
    if cursor:
        try:
            offset = int(base64.b64decode(str(cursor)).decode().split(":", 1)[1])
        except (ValueError, IndexError) as exc:
            raise SlackError("invalid_cursor") from exc
    chunk = items[offset : offset + limit]
    more = offset + limit < len(items)
    return chunk, {"next_cursor": _encode_cursor(offset + limit) if more else ""}


class FakeState:
    """What the fake holds, and the internals every part of it uses (see
    :class:`~bot.testing.fake_slack.FakeSlack` for the options)."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        team_id: str = "T0LANE",
        team_domain: str = "msp",
        team_name: str = "MSP",
        bot_user_id: str = "UBOTLANE",
        bot_id: str = "BLANE",
        app_id: str = "A0LANE",
        bot_name: str = "lanekeeper",
        latency: float = 0.0,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_name = bot_name
        self.latency = latency
        self.trigger_ttl = trigger_ttl
        self._host = host
        self._port = port
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._rng = random.Random(0)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tokens: dict[str, _Identity] = {bot_token: _Identity(bot_user_id, bot_id)}
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, JsonDict] = {}
        self._usergroups: dict[str, JsonDict] = {}
        self._calls: list[RecordedCall] = []
        self._failures: dict[str, list[_Failure]] = {}
        # Permanent refusals: (method or "*", channel or None, status, error), until lifted.
        self._refusals: list[tuple[str, str | None, int, str]] = []
        # Late answers: method -> [seconds, times left]; the call is processed, then answered.
        self._late: dict[str, list[float]] = {}
        self._down = False
        self._last_ts_us = 0
        self._counter = 0
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._views: dict[str, JsonDict] = {}
        self._closed_views: dict[str, JsonDict] = {}
        self._view_users: dict[str, str | None] = {}
        self._homes: dict[str, str] = {}
        self._ephemerals: list[JsonDict] = []
        self._scheduled: list[JsonDict] = []
        self._users[bot_user_id] = self._user_object(
            bot_user_id, name=bot_name, real_name=bot_name, tz="UTC", is_bot=True, email=None
        )

    # -- internals: ids, users, channels ------------------------------------------------------

    def _random_id(self, length: int) -> str:
        return "".join(self._rng.choices(string.ascii_letters + string.digits, k=length))

    def _next_ts(self) -> str:
        now_us = int(self._clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _user_object(
        self, user_id: str, *, name: str, real_name: str, tz: str, is_bot: bool, email: str | None
    ) -> JsonDict:
        try:
            zone = ZoneInfo(tz)
            now = datetime.now(zone)
            offset = now.utcoffset()
            tz_offset = int(offset.total_seconds()) if offset else 0
            tz_label = now.tzname() or tz
        except (ZoneInfoNotFoundError, ValueError):
            tz_offset, tz_label = 0, tz
        first, _, last = real_name.partition(" ")
        profile: JsonDict = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": first,
            "last_name": last,
            "team": self.team_id,
            "image_48": f"https://avatars.example/{user_id}_48.png",
        }
        if email:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = self.bot_id if user_id == self.bot_user_id else None
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": profile,
        }

    def _lookup_channel(self, ref: str | None) -> _Channel | None:
        if not ref:
            return None
        if ref in self._channels:
            return self._channels[ref]
        if ref[0] in "UW" and ref in self._users:
            return self._open_im(ref)
        name = ref.lstrip("#")
        for chan in self._channels.values():
            if not chan.is_im and chan.name == name:
                return chan
        return None

    def _open_im(self, user: str) -> _Channel:
        channel_id = f"D{user[1:]}"
        chan = self._channels.get(channel_id)
        if chan is None:
            chan = _Channel(
                id=channel_id,
                name=channel_id,
                members=[user, self.bot_user_id],
                is_im=True,
                im_user=user,
            )
            self._channels[channel_id] = chan
        return chan

    def _channel_for_write(self, ref: Any, who: _Identity | None) -> _Channel:
        chan = self._lookup_channel(str(ref)) if ref else None
        if chan is None:
            raise SlackError("channel_not_found")
        if chan.is_archived:
            raise SlackError("is_archived")
        if who is not None and who.user_id not in chan.members:
            raise SlackError("not_in_channel")
        return chan

    def _channel_for_read(self, ref: Any, who: _Identity) -> _Channel:
        chan = self._lookup_channel(str(ref)) if ref else None
        if chan is None or ((chan.is_private or chan.is_im) and who.user_id not in chan.members):
            raise SlackError("channel_not_found")
        return chan

    def _channel_object(self, chan: _Channel, who: _Identity | None = None) -> JsonDict:
        member = (who.user_id if who else self.bot_user_id) in chan.members
        if chan.is_im:
            return {
                "id": chan.id,
                "created": chan.created,
                "is_im": True,
                "is_org_shared": False,
                "user": chan.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": chan.id,
            "name": chan.name,
            "name_normalized": chan.name,
            "is_channel": not chan.is_private,
            "is_group": chan.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": chan.is_private,
            "is_archived": chan.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": member,
            "created": chan.created,
            "creator": "",
            "context_team_id": self.team_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    # -- internals: messages ------------------------------------------------------------------

    @staticmethod
    def _is_top_level(message: JsonDict) -> bool:
        thread_ts = message.get("thread_ts")
        return (
            thread_ts is None
            or thread_ts == message["ts"]
            or message.get("subtype") == "thread_broadcast"
        )

    @staticmethod
    def _find_message(chan: _Channel, ts: str) -> JsonDict | None:
        for message in chan.messages:
            if message["ts"] == ts:
                return message
        return None

    def _thread_messages(self, chan: _Channel, ts: str) -> list[JsonDict]:
        anchor = self._find_message(chan, ts)
        if anchor is None:
            return []
        root = anchor.get("thread_ts") or anchor["ts"]
        parent = self._find_message(chan, root)
        replies = [m for m in chan.messages if m.get("thread_ts") == root and m["ts"] != root]
        return ([parent] if parent else []) + replies

    def _store_message(
        self, chan: _Channel, message: JsonDict, *, thread_ts: str | None, broadcast: bool = False
    ) -> None:
        if thread_ts:
            parent = self._find_message(chan, str(thread_ts))
            if parent is None:
                raise SlackError("thread_not_found")
            root = parent.get("thread_ts") or parent["ts"]
            parent = self._find_message(chan, root) or parent
            message["thread_ts"] = root
            message["parent_user_id"] = parent.get("user")
            if broadcast:
                message["subtype"] = "thread_broadcast"
            parent["thread_ts"] = root
            replies = [m for m in chan.messages if m.get("thread_ts") == root and m is not parent]
            users = list(dict.fromkeys([*(m.get("user") for m in replies), message.get("user")]))
            parent["reply_count"] = len(replies) + 1
            parent["reply_users"] = [u for u in users if u]
            parent["reply_users_count"] = len(parent["reply_users"])
            parent["latest_reply"] = message["ts"]
        bisect.insort(chan.messages, message, key=lambda m: _ts_key(m["ts"]))

    def _assign_ids(self, blocks: Any, taken: set[str] | None = None) -> None:
        """Give blocks and interactive elements lacking ids generated ones, like Slack."""
        if not isinstance(blocks, list):
            return
        taken = taken if taken is not None else set()
        taken.update(b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b)
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if not block.get("block_id"):
                block_id = self._random_id(5)
                while block_id in taken:
                    block_id = self._random_id(5)
                taken.add(block_id)
                block["block_id"] = block_id
            elements: list[Any] = []
            if block.get("type") == "actions":
                elements = list(block.get("elements") or [])
            elif block.get("type") == "section" and "accessory" in block:
                elements = [block["accessory"]]
            elif block.get("type") == "input" and "element" in block:
                elements = [block["element"]]
            for el in elements:
                if isinstance(el, dict) and el.get("type") in ACTION_ELEMENTS:
                    el.setdefault("action_id", self._random_id(5))

    # -- recording ----------------------------------------------------------------------------

    def _record(self, call: RecordedCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
