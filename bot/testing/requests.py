"""Slack's side of the conversation: realistic payloads, signed and sent to the bot over HTTP.

:class:`SlackClientSimulator` plays what Slack's servers do when people use the app: it builds
slash commands, button clicks, view submissions, events and shortcuts shaped like Slack's own,
signs them with the signing secret (``v0:{timestamp}:{body}``, HMAC-SHA256, checked by
``slack_sdk.signature.SignatureVerifier``) and POSTs them to the app. With a
:class:`~bot.testing.fake_slack.FakeSlack` it takes trigger ids and response URLs from the fake,
finds buttons in the messages and views stored there, and applies the app's answer to a view
submission (close, update, push, errors) to the fake's views::

    with FakeSlack() as fake, SlackClientSimulator(
        app_url="http://127.0.0.1:3000/slack/events", signing_secret="s3cret", fake=fake
    ) as slack:
        slack.slash_command("/escalate", text="client-request acme", user="U01TECH1",
                            channel="C01DESK")
        [opened] = fake.wait_for("views.open")
        slack.submit_view(opened.response["view"]["id"], user="U01TECH1",
                          values={"summary": "Printer down", "severity": "P2"})

Every sending method returns the ``httpx.Response`` the app gave.

Where things live: signing in ``_signing``; ``state.values`` and ``rich_text`` blocks as the client
builds them in ``_payloads``; sending and the shared parts of payloads in ``_simulator_base``;
clicks and view submissions in ``_simulator_actions``. This module has slash commands, shortcuts
and events, and puts :class:`SlackClientSimulator` together.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from ._payloads import (
    STATE_KEYS,
    JsonDict,
    build_state_values,
    rich_text_blocks,
    state_entry,
)
from ._signing import sign_request, signed_headers
from ._simulator_actions import SurfaceActions
from ._simulator_base import _now_ts

__all__ = [
    "STATE_KEYS",
    "SlackClientSimulator",
    "build_state_values",
    "rich_text_blocks",
    "sign_request",
    "signed_headers",
    "state_entry",
]


class SlackClientSimulator(SurfaceActions):
    """Sends Slack's requests to the app at ``app_url``, signed with ``signing_secret``.

    ``fake`` (a started :class:`FakeSlack`) supplies trigger ids, response URLs, the stored
    messages and views that clicks and submissions start from, and the team, app and bot ids.
    """

    # -- slash commands, shortcuts ------------------------------------------------------------

    def slash_command(
        self, command: str, text: str = "", *, user: str, channel: str
    ) -> httpx.Response:
        """``/command text`` typed by ``user`` in ``channel`` (form-encoded, like Slack)."""
        channel_id = self._channel_id(channel)
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user,
            "user_name": self._user_name(user),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(channel=channel_id, user=user),
            "trigger_id": self._trigger_id(user=user),
        }
        self.last_payload = dict(fields)
        return self._send_form(fields)

    def message_shortcut(
        self, callback_id: str, channel: str, message_ts: str, user: str
    ) -> httpx.Response:
        """A message shortcut (``type: message_action``) on a message stored in the fake."""
        fake = self._need_fake()
        channel_id = self._channel_id(channel)
        message = fake.message(channel_id, message_ts)
        if message is None:
            raise LookupError(f"no message {message_ts} in {channel_id} in the fake")
        payload = self._interaction_base("message_action", user)
        payload.update(
            {
                "action_ts": _now_ts(),
                "callback_id": callback_id,
                "trigger_id": self._trigger_id(user=user),
                "response_url": self._response_url(channel=channel_id, user=user),
                "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
                "message_ts": message_ts,
                "message": message,
            }
        )
        return self.send_interaction(payload)

    def shortcut(self, callback_id: str, *, user: str) -> httpx.Response:
        """A global shortcut (``type: shortcut``)."""
        payload = self._interaction_base("shortcut", user)
        payload.update(
            {
                "action_ts": _now_ts(),
                "callback_id": callback_id,
                "trigger_id": self._trigger_id(user=user),
            }
        )
        return self.send_interaction(payload)

    # -- events -------------------------------------------------------------------------------

    def url_verification(self, challenge: str = "fake-challenge") -> httpx.Response:
        return self._send_json(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        )

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """An Events API ``event_callback`` wrapping ``event``.

        ``retry_num`` makes it a redelivery (``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``);
        pass the first delivery's ``event_id`` with it.
        """
        self._events += 1
        body_event = dict(event)
        body_event.setdefault("event_ts", body_event.get("ts") or _now_ts())
        bot_user = self.fake.bot_user_id if self.fake else "UBOTLANE"
        payload: JsonDict = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": body_event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:9].upper()}{self._events:03d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": bot_user,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send_json(payload, headers)

    def message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        *,
        event_id: str | None = None,
    ) -> tuple[httpx.Response, str]:
        """``user`` types ``text`` in ``channel``: stored in the fake, then the message event.

        Returns the app's response and the message ts.
        """
        blocks = rich_text_blocks(text)
        channel_id = self._channel_id(channel)
        event: JsonDict = {
            "type": "message",
            "channel": channel_id,
            "user": user,
            "text": text,
            "client_msg_id": str(uuid.uuid4()),
            "team": self.team_id,
            "blocks": blocks,
        }
        if self.fake is not None:
            stored = self.fake.add_message(
                channel_id, user=user, text=text, thread_ts=thread_ts, blocks=blocks
            )
            event["ts"] = stored["ts"]
            if stored.get("thread_ts"):
                event["thread_ts"] = stored["thread_ts"]
                event["parent_user_id"] = stored.get("parent_user_id")
        else:
            event["ts"] = _now_ts()
            if thread_ts:
                event["thread_ts"] = thread_ts
        event["event_ts"] = event["ts"]
        event["channel_type"] = self._channel_type(channel_id)
        return self.event(event, event_id=event_id), str(event["ts"])

    def app_home_opened(self, user: str, *, tab: str = "home") -> httpx.Response:
        """``user`` opens the app's Home tab (with the published view, if any)."""
        event: JsonDict = {"type": "app_home_opened", "user": user, "tab": tab}
        if self.fake is not None:
            event["channel"] = self.fake.im_channel(user)
            home = self.fake.home(user)
            if home is not None:
                event["view"] = home
        else:
            event["channel"] = f"D{user[1:]}"
        event["event_ts"] = _now_ts()
        return self.event(event)
