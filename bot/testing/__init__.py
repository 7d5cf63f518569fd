"""Testing utilities shipped with Lanekeeper: a fake Slack Web API and Slack's side of requests.

- :class:`FakeSlack` — a real HTTP server on a free loopback port standing in for Slack's Web
  API (``WebClient(base_url=fake.api_url)``), recording every call
  (``python -m bot.testing.fake_slack --port 0`` serves one by hand).
- :class:`SlackClientSimulator` — builds Slack-shaped payloads and sends them signed to the app.

The names are imported lazily, so importing this package costs nothing until one is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fake_slack import (
        EXTRA_ARGS,
        BlockKitChecker,
        FakeSlack,
        MethodSpec,
        RecordedCall,
        SlackError,
        check_message_blocks,
        check_view,
        load_method_table,
    )
    from .requests import (
        STATE_KEYS,
        SlackClientSimulator,
        build_state_values,
        rich_text_blocks,
        sign_request,
        signed_headers,
        state_entry,
    )

_HOMES = {
    f"{__name__}.fake_slack": (
        "EXTRA_ARGS",
        "BlockKitChecker",
        "FakeSlack",
        "MethodSpec",
        "RecordedCall",
        "SlackError",
        "check_message_blocks",
        "check_view",
        "load_method_table",
    ),
    f"{__name__}.requests": (
        "STATE_KEYS",
        "SlackClientSimulator",
        "build_state_values",
        "rich_text_blocks",
        "sign_request",
        "signed_headers",
        "state_entry",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "EXTRA_ARGS",
    "STATE_KEYS",
    "BlockKitChecker",
    "FakeSlack",
    "MethodSpec",
    "RecordedCall",
    "SlackClientSimulator",
    "SlackError",
    "build_state_values",
    "check_message_blocks",
    "check_view",
    "load_method_table",
    "rich_text_blocks",
    "sign_request",
    "signed_headers",
    "state_entry",
]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module '{__name__}' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
