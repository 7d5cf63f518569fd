"""The one error path to the user.

Domain errors become a clear ephemeral message to the person who acted; anything unexpected is
logged with a short id, and the user is shown that id so support can find the traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ..domain.errors import LanekeeperError
from .executor import RECEIVED

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

            WebhookClient(response_url).send(
                text=text, response_type="ephemeral", replace_original=False
            )
            return
        channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
        if channel and user_id:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, OSError) as exc:
        log.warning("could not tell %s: %s (%r)", user_id, text, exc)


def report(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    """Tell the user what went wrong: the domain's message, or an id for anything unexpected."""
    if isinstance(error, LanekeeperError):
        log.info("refused: %s", error.message)
        tell_user(client, body, f":warning: {error.message}")
        return
    incident = uuid.uuid4().hex[:8]
    log.error("unexpected error %s", incident, exc_info=error)
    tell_user(
        client,
        body,
        f":x: Something went wrong on our side (error id `{incident}`). Please try again; "
        "if it keeps happening, give your Lanekeeper admin that id.",
    )


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a listener and send whatever it raises through :func:`report`.

    A listener that acks and then raises into Bolt races Bolt's own bookkeeping and Slack gets
    a 404 instead of the 200 it was promised (seen with slack-bolt 1.30); so errors after the
    ack never reach Bolt. Bolt injects arguments by name, so the wrapper asks for ``body`` and
    ``client`` besides what the listener itself names.
    """
    sig = inspect.signature(fn)
    own = set(sig.parameters)
    params = list(sig.parameters.values())
    for extra in ("body", "client", "context"):
        if extra not in own:
            params.append(inspect.Parameter(extra, inspect.Parameter.POSITIONAL_OR_KEYWORD))

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        call = {k: v for k, v in kwargs.items() if k in own}
        if _too_late(kwargs):
            return None
        try:
            return fn(**call)
        except Exception as exc:
            ack = kwargs.get("ack")
            if ack is not None and getattr(ack, "response", None) is None:
                ack()
            report(exc, kwargs["body"], kwargs["client"])
            return None

    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    del wrapper.__wrapped__  # Bolt must read the new signature
    return wrapper


ACK_DEADLINE = 2.5  # seconds: Bolt gives up at 3 s and Slack tells the person it failed


def _too_late(kwargs: dict[str, Any]) -> bool:
    """Whether a listener that must ack starts after Slack has (nearly) given up on the request:
    it then does nothing, so the failure the person is shown is the truth — never an effect
    (a focus started, an escalation taken) behind a "failed" message."""
    ack, context = kwargs.get("ack"), kwargs.get("context")
    if ack is None or getattr(ack, "response", None) is not None or not context:
        return False
    received = context.get(RECEIVED)
    waited = time.monotonic() - received if isinstance(received, float) else 0.0
    if waited <= ACK_DEADLINE:
        return False
    log.warning("not acting on a request that waited %.1f s for a listener thread", waited)
    return True


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        report(error, body, client)
