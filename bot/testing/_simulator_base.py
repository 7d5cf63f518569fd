"""The simulator's footing: the connection to the app, signed sending, and the pieces of a
payload every kind of request shares (the user, the team, channel names and types, trigger ids and
response URLs from the fake)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from ._payloads import JsonDict
from ._signing import signed_headers
from .fake_slack import FakeSlack


def _now_ts() -> str:
    return f"{time.time():.6f}"


class SimulatorBase:
    """Sending to the app and building the shared parts of payloads (see
    :class:`~bot.testing.requests.SlackClientSimulator` for the options)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: FakeSlack | None = None,
        *,
        team_id: str | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        verification_token: str = "fake-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or (fake.team_id if fake else "T0LANE")
        self.team_domain = team_domain or (fake.team_domain if fake else "msp")
        self.api_app_id = api_app_id or (fake.app_id if fake else "A0LANE")
        self.verification_token = verification_token
        self.last_payload: JsonDict | None = None
        self._client = httpx.Client(timeout=timeout)
        self._events = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending ------------------------------------------------------------------------------

    def raw(
        self,
        body: bytes | str,
        headers: Mapping[str, str] | None = None,
        *,
        sign: bool = True,
        timestamp: int | str | None = None,
    ) -> httpx.Response:
        """POST ``body`` as given; signed unless ``sign=False`` (``timestamp`` for stale ones)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        sent = {"User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)", **(headers or {})}
        if sign:
            sent.update(signed_headers(self.signing_secret, data, timestamp))
        return self._client.post(self.app_url, content=data, headers=sent)

    def _send_form(self, fields: Mapping[str, str]) -> httpx.Response:
        body = urlencode(fields)
        return self.raw(body, {"Content-Type": "application/x-www-form-urlencoded"})

    def send_interaction(self, payload: JsonDict) -> httpx.Response:
        """POST an interactivity ``payload`` (``payload=<json>``, form-encoded) as Slack does;
        sending a built payload twice replays one delivery."""
        self.last_payload = payload
        return self._send_form({"payload": json.dumps(payload)})

    def _send_json(
        self, payload: JsonDict, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        self.last_payload = payload
        return self.raw(
            json.dumps(payload), {"Content-Type": "application/json", **(headers or {})}
        )

    # -- helpers ------------------------------------------------------------------------------

    def _need_fake(self) -> FakeSlack:
        if self.fake is None:
            raise RuntimeError("this request needs a FakeSlack: pass fake=... to the simulator")
        return self.fake

    def _user_name(self, user: str) -> str:
        found = self.fake.user(user) if self.fake else None
        return str(found["name"]) if found else user.lower()

    def _user_ref(self, user: str) -> JsonDict:
        name = self._user_name(user)
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> JsonDict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _channel_id(self, channel: str) -> str:
        found = self.fake.channel(channel) if self.fake else None
        return str(found["id"]) if found else channel

    def _channel_name(self, channel: str) -> str:
        found = self.fake.channel(channel) if self.fake else None
        if found is None:
            return "directmessage" if channel.startswith("D") else channel.lower()
        if found.get("is_im"):
            return "directmessage"
        if found.get("is_private"):
            return "privategroup"
        return str(found["name"])

    def _channel_type(self, channel_id: str) -> str:
        found = self.fake.channel(channel_id) if self.fake else None
        if channel_id.startswith("D") or (found and found.get("is_im")):
            return "im"
        if found and found.get("is_private"):
            return "group"
        return "channel"

    def _trigger_id(self, *, user: str, view_id: str | None = None) -> str:
        if self.fake is None:
            return f"{int(time.time())}.{uuid.uuid4().int % 10**10}.{uuid.uuid4().hex[:24]}"
        return self.fake.new_trigger_id(user=user, view_id=view_id)

    def _response_url(self, **context: Any) -> str:
        if self.fake is None:
            return f"https://hooks.slack.com/actions/{self.team_id}/1/{uuid.uuid4().hex[:24]}"
        return self.fake.new_response_url(**context)

    def _interaction_base(self, kind: str, user: str) -> JsonDict:
        return {
            "type": kind,
            "user": self._user_ref(user),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
