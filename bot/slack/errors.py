"""The one error path to the user.

Domain errors become a clear ephemeral message to the person who acted; anything unexpected is
logged with a short id, and the user is shown that id so support can find the traceback.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.errors import LanekeeperError

log = logging.getLogger(__name__)


def tell_user(client: WebClient, body: dict[str, Any], text: str) -> None:
    """Show ``text`` to the person behind ``body`` only, however the request came in."""
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    response_url = body.get("response_url")
    if not response_url and body.get("response_urls"):
        response_url = body["response_urls"][0].get("response_url")
    try:
        if response_url:
            from slack_sdk.webhook import WebhookClient

            WebhookClient(response_url).send(text=text, response_type="ephemeral", replace_original=False)
            return
        channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
        if channel and user_id:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, OSError) as exc:
        log.warning("could not tell %s: %s (%r)", user_id, text, exc)


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        if isinstance(error, LanekeeperError):
            logger.info("refused: %s", error.message)
            tell_user(client, body, f":warning: {error.message}")
            return
        incident = uuid.uuid4().hex[:8]
        logger.exception("unexpected error %s", incident, exc_info=error)
        tell_user(
            client,
            body,
            f":x: Something went wrong on our side (error id `{incident}`). Please try again; "
            "if it keeps happening, give your Lanekeeper admin that id.",
        )
