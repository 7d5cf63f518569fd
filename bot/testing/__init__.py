"""Testing utilities shipped with Lanekeeper: a fake Slack Web API and Slack's side of requests.

- :class:`FakeSlack` — a real HTTP server on a free loopback port standing in for Slack's Web
  API (``WebClient(base_url=fake.api_url)``), recording every call.
- :class:`SlackClientSimulator` — builds Slack-shaped payloads and sends them signed to the app.
"""

from bot.testing.fake_slack import (
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
from bot.testing.requests import (
    STATE_KEYS,
    SlackClientSimulator,
    build_state_values,
    rich_text_blocks,
    sign_request,
    signed_headers,
    state_entry,
)

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
