"""Slack's Web API as the fake knows it: the method table, the arguments it takes, what a call
records and how a method answers ``ok: false``.

The table is Slack's own (``slack_methods.json``, MIT, slack-api-ref); :data:`EXTRA_ARGS`
allow-lists the few arguments slack_sdk sends that it lacks. Used by
:class:`~bot.testing.fake_slack.FakeSlack`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

JsonDict = dict[str, Any]

#: Arguments slack_sdk really sends that Slack's method table lacks, allow-listed one by one
#: (found by comparing slack_sdk/web/client.py with the table). ``"*"`` applies to every method.
EXTRA_ARGS: Mapping[str, frozenset[str]] = {
    # Bolt's per-request client (and WebClient(team_id=...)) adds team_id to every call.
    "*": frozenset({"team_id"}),
    "chat.postMessage": frozenset({"container_id"}),
    "chat.unfurl": frozenset({"metadata"}),
    "chat.stopStream": frozenset({"session_status"}),
    "team.info": frozenset({"include_slackbot_availability"}),
}

#: Arguments Slack takes as JSON text inside form bodies; recorded (and used) decoded.
JSON_ARGS = frozenset({"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks"})


@dataclass(frozen=True)
class MethodSpec:
    """One row of Slack's method table."""

    name: str
    args: frozenset[str]
    required: frozenset[str]
    http_method: str
    json_body: bool


@lru_cache(maxsize=1)
def load_method_table() -> dict[str, MethodSpec]:
    """Slack's Web API methods, from the packaged ``slack_methods.json`` (MIT, slack-api-ref)."""
    raw = resources.files(__package__).joinpath("slack_methods.json").read_text("utf-8")
    methods: dict[str, JsonDict] = json.loads(raw)["methods"]
    return {
        name: MethodSpec(
            name=name,
            args=frozenset(spec["args"]),
            required=frozenset(spec["required"]),
            http_method=spec["http_method"],
            json_body=bool(spec["json_body"]),
        )
        for name, spec in methods.items()
    }


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake answered, kept whole.

    ``args`` merges the query string and the body, with Slack's JSON-in-form arguments
    (``blocks``, ``view``, ``attachments`` ...) decoded. ``method`` is the Web API method, or
    ``"response_url"`` / ``"response_action"`` for replies through a response URL or to a view
    submission. Header names are Title-Cased (``Content-Type``, ``Authorization``).
    """

    method: str
    args: JsonDict
    headers: dict[str, str]
    http_method: str
    token: str | None
    at: float
    response: JsonDict
    status: int = 200
    path: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


class SlackError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, messages: Iterable[str] = (), **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages)
        self.extra = extra

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.code, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body
