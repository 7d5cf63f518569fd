"""The fake's directory: ``auth.test``, ``bots.info``, ``team.info``, ``conversations.*``,
``users.*`` and ``usergroups.*``."""

from __future__ import annotations

import copy
import time

from ._fake_state import FakeState, _Channel, _Identity, _page, _truthy, _ts_key
from ._slack_methods import JsonDict, SlackError


def _without_metadata(messages: list[JsonDict], args: JsonDict) -> list[JsonDict]:
    """Like Slack, message ``metadata`` is returned only with ``include_all_metadata``."""
    if not _truthy(args.get("include_all_metadata")):
        for message in messages:
            message.pop("metadata", None)
    return messages


class ConversationMethods(FakeState):
    """Who and where: the workspace, its channels and DMs, users and user groups."""

    # -- method handlers ----------------------------------------------------------------------

    def _auth_test(self, args: JsonDict, who: _Identity) -> JsonDict:
        user = self._users.get(who.user_id, {})
        body: JsonDict = {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": user.get("name", who.user_id.lower()),
            "team_id": self.team_id,
            "user_id": who.user_id,
            "is_enterprise_install": False,
        }
        if who.bot_id:
            body["bot_id"] = who.bot_id
        return body

    def _bots_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        bot = args.get("bot") or self.bot_id
        if bot != self.bot_id:
            raise SlackError("bot_not_found")
        return {
            "bot": {
                "id": self.bot_id,
                "deleted": False,
                "name": self.bot_name,
                "updated": int(time.time()),
                "app_id": self.app_id,
                "user_id": self.bot_user_id,
                "icons": {"image_48": "https://avatars.example/bot_48.png"},
            }
        }

    def _team_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        team = args.get("team")
        if team and team != self.team_id:
            raise SlackError("team_not_found")
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "url": f"https://{self.team_domain}.slack.com/",
                "icon": {"image_default": True},
            }
        }

    def _conversations_open(self, args: JsonDict, who: _Identity) -> JsonDict:
        if args.get("channel"):
            chan = self._channel_for_read(args["channel"], who)
            return {"channel": {"id": chan.id}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError("not_supported", ["the fake opens 1:1 DMs only"])
        if users[0] not in self._users:
            raise SlackError("user_not_found")
        chan = self._open_im(users[0])
        if _truthy(args.get("return_im")):
            return {"channel": self._channel_object(chan, who)}
        return {"channel": {"id": chan.id}}

    def _conversations_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        body = self._channel_object(chan, who)
        if _truthy(args.get("include_num_members")) and not chan.is_im:
            body["num_members"] = len(chan.members)
        return {"channel": body}

    def _conversations_members(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        members, meta = _page(list(chan.members), args)
        return {"members": members, "response_metadata": meta}

    def _conversations_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        types = set(str(args.get("types") or "public_channel").split(","))
        exclude_archived = _truthy(args.get("exclude_archived"))
        found: list[JsonDict] = []
        for chan in self._channels.values():
            kind = (
                "im" if chan.is_im else "private_channel" if chan.is_private else "public_channel"
            )
            if kind not in types or (exclude_archived and chan.is_archived):
                continue
            if kind != "public_channel" and who.user_id not in chan.members:
                continue
            found.append(self._channel_object(chan, who))
        channels, meta = _page(found, args)
        return {"channels": channels, "response_metadata": meta}

    def _readable_history(self, args: JsonDict, who: _Identity) -> _Channel:
        chan = self._channel_for_read(args["channel"], who)
        if who.user_id not in chan.members:
            raise SlackError("not_in_channel")
        return chan

    def _conversations_history(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._readable_history(args, who)
        inclusive = _truthy(args.get("inclusive"))
        oldest = _ts_key(str(args["oldest"])) if args.get("oldest") else None
        latest = _ts_key(str(args["latest"])) if args.get("latest") else None

        def within(message: JsonDict) -> bool:
            key = _ts_key(message["ts"])
            if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
                return False
            return not (latest is not None and (key > latest or (key == latest and not inclusive)))

        found = [m for m in reversed(chan.messages) if self._is_top_level(m) and within(m)]
        messages, meta = _page(_without_metadata(copy.deepcopy(found), args), args)
        return {
            "messages": messages,
            "has_more": bool(meta["next_cursor"]),
            "pin_count": 0,
            "response_metadata": meta,
        }

    def _conversations_replies(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._readable_history(args, who)
        thread = self._thread_messages(chan, str(args["ts"]))
        if not thread:
            raise SlackError("thread_not_found")
        messages, meta = _page(
            _without_metadata(copy.deepcopy(thread), args), args, default_limit=1000
        )
        return {
            "messages": messages,
            "has_more": bool(meta["next_cursor"]),
            "response_metadata": meta,
        }

    def _conversations_join(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._lookup_channel(str(args["channel"]))
        if chan is None:
            raise SlackError("channel_not_found")
        if chan.is_im or chan.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if chan.is_archived:
            raise SlackError("is_archived")
        body: JsonDict = {}
        if who.user_id in chan.members:
            body["warning"] = "already_in_channel"
        else:
            chan.members.append(who.user_id)
        body["channel"] = self._channel_object(chan, who)
        return body

    def _users_info(self, args: JsonDict, who: _Identity) -> JsonDict:
        user = self._users.get(str(args["user"]))
        if user is None:
            raise SlackError("user_not_found")
        body = copy.deepcopy(user)
        if _truthy(args.get("include_locale")):
            body["locale"] = "en-US"
        return {"user": body}

    def _users_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        members, meta = _page(copy.deepcopy(list(self._users.values())), args)
        return {"members": members, "cache_ts": int(time.time()), "response_metadata": meta}

    def _usergroups_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        groups = []
        for group in self._usergroups.values():
            body = copy.deepcopy(group)
            body["user_count"] = len(group["users"])
            if not _truthy(args.get("include_users")):
                body.pop("users")
            groups.append(body)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: JsonDict, who: _Identity) -> JsonDict:
        group = self._usergroups.get(str(args["usergroup"]))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group["users"])}
