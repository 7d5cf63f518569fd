"""Slack's side of the conversation in Socket Mode: the simulator's payloads as envelopes.

:class:`SocketModeSimulator` builds every request exactly as
:class:`~bot.testing.requests.SlackClientSimulator` does (the same payload builders, trigger ids
and response URLs from the fake, clicks found in the stored messages, view answers applied to the
fake's views) but, instead of signing and POSTing it, pushes it to the app through the fake's
Socket Mode connection and waits for the ack: a slash command as ``slash_commands`` (the form
fields as the payload), an interaction as ``interactive``, an event as ``events_api`` (a retried
delivery with ``retry_attempt`` / ``retry_reason``). Each sending method returns what the app's
ack carried as an ``httpx.Response`` (200 with the ack's payload as JSON, or an empty body), so
tests written for HTTP mode read it the same way; :attr:`SocketModeSimulator.last_ack` is the
:class:`~bot.testing._fake_socket_mode.Ack` itself (its latency, whether it was late)::

    with FakeSlack() as fake:
        token = fake.add_app_token()
        # … start the app in Socket Mode with SLACK_APP_TOKEN=token …
        slack = SocketModeSimulator(fake)
        slack.slash_command("/escalate", text="alert P2 backups", user="U01REQ", channel="C01DESK")
        assert slack.last_ack.latency < 3
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ._fake_socket_mode import Ack
from ._payloads import JsonDict
from .fake_slack import FakeSlack
from .requests import SlackClientSimulator

__all__ = ["SocketModeSimulator"]


class SocketModeSimulator(SlackClientSimulator):
    """Sends the simulator's requests as Socket Mode envelopes through ``fake``."""

    def __init__(self, fake: FakeSlack, *, ack_wait: float = 10.0, **options: Any) -> None:
        super().__init__(app_url="socket-mode:", signing_secret="", fake=fake, **options)
        self.ack_wait = ack_wait
        self.last_ack: Ack | None = None
        self.acks: list[Ack] = []

    def _push(self, kind: str, payload: JsonDict, **options: Any) -> httpx.Response:
        fake = self._need_fake()
        ack = fake.socket_mode.send(kind, payload, timeout=self.ack_wait, **options)
        self.last_ack = ack
        self.acks.append(ack)
        if ack.payload is None:
            return httpx.Response(200, content=b"")
        return httpx.Response(
            200,
            content=json.dumps(ack.payload).encode(),
            headers={"Content-Type": "application/json"},
        )

    def raw(
        self,
        body: bytes | str,
        headers: Mapping[str, str] | None = None,
        *,
        sign: bool = True,
        timestamp: int | str | None = None,
    ) -> httpx.Response:
        raise NotImplementedError("Socket Mode has no raw HTTP body: push an envelope instead")

    def _send_form(self, fields: Mapping[str, str]) -> httpx.Response:
        """A slash command: Slack sends its form fields as the envelope's payload."""
        return self._push("slash_commands", dict(fields))

    def send_interaction(self, payload: JsonDict) -> httpx.Response:
        self.last_payload = payload
        return self._push("interactive", payload)

    def _send_json(
        self, payload: JsonDict, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """An Events API callback; the HTTP retry headers become the envelope's retry fields."""
        self.last_payload = payload
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        options: dict[str, Any] = {}
        if "x-slack-retry-num" in sent:
            options["retry_attempt"] = int(sent["x-slack-retry-num"])
            options["retry_reason"] = sent.get("x-slack-retry-reason", "")
        return self._push("events_api", payload, **options)
