"""The fake's messages: ``chat.*`` and ``reactions.add``, and the replies apps send through a
response URL (which post, replace or delete a message or an ephemeral like ``chat.*`` does)."""

from __future__ import annotations

import copy
import json

from ._blockkit import check_message_blocks
from ._fake_http import _json_or_raise
from ._fake_state import FakeState, _Channel, _Identity, _ResponseUrl, _truthy
from ._slack_methods import JsonDict, SlackError

MESSAGE_BLOCKS_JSON_MAX = 13_000  # undocumented; Slack answers msg_blocks_too_long past it
MESSAGE_TEXT_MAX = 40_000


class ChatMethods(FakeState):
    """``chat.*``, ``reactions.add`` and response URL replies."""

    # -- internals: messages ------------------------------------------------------------------

    def _bot_message(self, who: _Identity, ts: str, args: JsonDict) -> JsonDict:
        message: JsonDict = {"type": "message", "user": who.user_id, "ts": ts}
        if who.bot_id:
            message["bot_id"] = who.bot_id
            message["app_id"] = self.app_id
            message["bot_profile"] = {
                "id": who.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.team_id,
            }
        message["text"] = args.get("text") or args.get("markdown_text") or ""
        message["team"] = self.team_id
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) is not None:
                message[key] = copy.deepcopy(args[key])
        if "blocks" in message:
            self._assign_ids(message["blocks"])
        return message

    def _check_message_content(self, args: JsonDict, *, require_content: bool = True) -> None:
        blocks = args.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise SlackError("invalid_blocks_format")
            problems = check_message_blocks(blocks)
            if problems:
                raise SlackError("invalid_blocks", problems)
            if len(json.dumps(blocks, separators=(",", ":"))) > MESSAGE_BLOCKS_JSON_MAX:
                raise SlackError("msg_blocks_too_long")
        attachments = args.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        text = args.get("text") or args.get("markdown_text")
        if text is not None and len(str(text)) > MESSAGE_TEXT_MAX:
            raise SlackError("msg_too_long")
        if require_content and not (text or blocks or attachments):
            raise SlackError("no_text")

    # -- response URLs ------------------------------------------------------------------------

    def _respond_via_url(self, target: _ResponseUrl, payload: JsonDict) -> None:
        if isinstance(payload.get("blocks"), str):
            payload["blocks"] = _json_or_raise(payload["blocks"], "invalid_blocks_format")
        bot = _Identity(self.bot_user_id, self.bot_id)
        has_original = target.message_ts is not None and target.channel is not None
        if _truthy(payload.get("delete_original")) and has_original:
            self._delete_original(target)
            return
        self._check_message_content(payload)
        if _truthy(payload.get("replace_original")) and has_original:
            assert target.channel is not None and target.message_ts is not None
            if target.ephemeral:
                for eph in self._ephemerals:
                    if eph["channel"] == target.channel and eph["ts"] == target.message_ts:
                        self._replace_content(eph, payload)
                        return
                raise SlackError("message_not_found")
            chan = self._channels.get(target.channel)
            found = self._find_message(chan, target.message_ts) if chan else None
            if found is None:
                raise SlackError("message_not_found")
            self._replace_content(found, payload)
            return
        if target.channel is None:
            raise SlackError("channel_not_found")
        chan = self._channel_for_write(target.channel, None)
        if payload.get("response_type") == "in_channel":
            message = self._bot_message(bot, self._next_ts(), payload)
            self._store_message(chan, message, thread_ts=payload.get("thread_ts"))
        else:
            self._add_ephemeral(chan, target.user or "", payload, bot)

    def _delete_original(self, target: _ResponseUrl) -> None:
        if target.ephemeral:
            self._ephemerals = [
                e
                for e in self._ephemerals
                if not (e["channel"] == target.channel and e["ts"] == target.message_ts)
            ]
            return
        chan = self._channels.get(target.channel or "")
        if chan is not None:
            chan.messages = [m for m in chan.messages if m["ts"] != target.message_ts]

    def _replace_content(self, message: JsonDict, args: JsonDict) -> None:
        """``replace_original``: the new message replaces the old one whole."""
        for key in ("blocks", "attachments"):
            message.pop(key, None)
        message["text"] = ""
        self._apply_update(message, args)

    def _apply_update(self, message: JsonDict, args: JsonDict) -> None:
        """``chat.update``: what is sent replaces; blocks not sent are kept, ``[]`` drops them."""
        if "text" in args or "markdown_text" in args:
            message["text"] = args.get("text") or args.get("markdown_text") or ""
        for key in ("blocks", "attachments", "metadata"):
            if key in args and args[key] is not None:
                if args[key] == []:
                    message.pop(key, None)
                else:
                    message[key] = copy.deepcopy(args[key])
        if "blocks" in message:
            self._assign_ids(message["blocks"])

    def _add_ephemeral(self, chan: _Channel, user: str, args: JsonDict, who: _Identity) -> JsonDict:
        ts = self._next_ts()
        message = self._bot_message(who, ts, args)
        message.update({"channel": chan.id, "user": user, "message_ts": ts, "is_ephemeral": True})
        message["sender"] = who.user_id
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self._ephemerals.append(message)
        return message

    # -- method handlers ----------------------------------------------------------------------

    def _chat_post_message(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], who)
        self._check_message_content(args)
        message = self._bot_message(who, self._next_ts(), args)
        self._store_message(
            chan,
            message,
            thread_ts=args.get("thread_ts"),
            broadcast=_truthy(args.get("reply_broadcast")),
        )
        return {"channel": chan.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], None)
        message = self._find_message(chan, str(args["ts"]))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != who.user_id:
            raise SlackError("cant_update_message")
        self._check_message_content(args)
        self._apply_update(message, args)
        message["edited"] = {"user": who.user_id, "ts": self._next_ts()}
        return {
            "channel": chan.id,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], who)
        user = str(args["user"])
        if user not in chan.members:
            raise SlackError("user_not_in_channel")
        self._check_message_content(args)
        message = self._add_ephemeral(chan, user, args, who)
        return {"message_ts": message["ts"]}

    def _chat_delete(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], None)
        message = self._find_message(chan, str(args["ts"]))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != who.user_id:
            raise SlackError("cant_delete_message")
        chan.messages.remove(message)
        return {"channel": chan.id, "ts": message["ts"]}

    def _chat_get_permalink(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        ts = str(args["message_ts"])
        message = self._find_message(chan, ts)
        if message is None:
            raise SlackError("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{chan.id}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={chan.id}"
        return {"channel": chan.id, "permalink": link}

    def _chat_schedule_message(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_write(args["channel"], who)
        try:
            post_at = int(float(args["post_at"]))
        except (TypeError, ValueError) as exc:
            raise SlackError("invalid_time") from exc
        now = self._clock()
        if post_at <= now:
            raise SlackError("time_in_past")
        if post_at > now + 120 * 86_400:
            raise SlackError("time_too_far")
        self._check_message_content(args)
        self._counter += 1
        message = self._bot_message(who, self._next_ts(), args)
        scheduled_id = f"Q{self._counter:04d}{self._random_id(6).upper()}"
        self._scheduled.append(
            {"id": scheduled_id, "channel_id": chan.id, "post_at": post_at, "message": message}
        )
        return {
            "channel": chan.id,
            "scheduled_message_id": scheduled_id,
            "post_at": post_at,
            "message": copy.deepcopy(message),
        }

    def _reactions_add(self, args: JsonDict, who: _Identity) -> JsonDict:
        chan = self._channel_for_read(args["channel"], who)
        message = self._find_message(chan, str(args["timestamp"]))
        if message is None:
            raise SlackError("message_not_found")
        name = str(args["name"]).strip(":")
        reactions: list[JsonDict] = message.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["name"] == name:
                if who.user_id in reaction["users"]:
                    raise SlackError("already_reacted")
                reaction["users"].append(who.user_id)
                reaction["count"] += 1
                return {}
        reactions.append({"name": name, "users": [who.user_id], "count": 1})
        return {}
