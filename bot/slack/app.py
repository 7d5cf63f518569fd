"""The Bolt app: one ``register`` per Slack surface, one error handler."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from . import actions, approvals, commands, errors, home, interception, level10, views
from .deps import Deps
from .executor import ListenerExecutor, route_events
from .home import HomeDelivery


class _TokenFromEnvironmentNotice(logging.Filter):
    """Bolt reads ``SLACK_BOT_TOKEN`` from the environment by itself and then warns, at every
    start, that the client given (which carries that same token) wins; nothing is wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("As you gave `client` as well")


# Each app's message interceptor: the worker decides stored channel messages in batches with
# the same one (its conversation context included) that the app's message listener uses.
_INTERCEPTORS: weakref.WeakKeyDictionary[App, interception.MessageInterceptor] = (
    weakref.WeakKeyDictionary()
)


def message_interceptor(app: App) -> interception.MessageInterceptor | None:
    return _INTERCEPTORS.get(app)


def build_bolt_app(
    *,
    deps: Deps,
    client: WebClient,
    signing_secret: str,
    listener_threads: int,
    token_verification: bool = True,
    home_delivery: HomeDelivery,
    app_options: Mapping[str, Any] | None = None,
    middleware: Sequence[Callable[..., Any]] = (),
) -> App:
    """``app_options`` and ``middleware``: multi-workspace mode's OAuth settings, authorize and
    workspace scope (bot/slack/installs.py); single-workspace mode passes neither."""
    executor = ListenerExecutor(listener_threads)
    bolt_log = logging.getLogger(__package__)
    if not any(isinstance(f, _TokenFromEnvironmentNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_TokenFromEnvironmentNotice())
    app = App(
        client=client,
        signing_secret=signing_secret,
        # Bolt's default pool of 5 threads makes acks queue past Slack's 3 s at ~100 req/s
        # and delays what listeners do after the ack (PITFALLS): size it on purpose.
        # Commands, clicks and submissions ack on their own pool; events (acked by Bolt first)
        # and slow replies run elsewhere, so a slow Slack never starves the acks.
        listener_executor=executor,
        token_verification_enabled=token_verification,
        logger=bolt_log,
        **(app_options or {}),
    )
    app.use(route_events)
    for extra in middleware:
        app.use(extra)
    errors.register(app)
    # Message events first: Bolt runs every earlier listener's matchers on each request until
    # one matches, and behind the others that cost each message ~0.6 ms of CPU (issue 19).
    _INTERCEPTORS[app] = interception.register_messages(app, deps, replies=executor.replies)
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    approvals.register(app, deps, deps.directory)
    interception.register_actions(app, deps, replies=executor.replies)
    home.register(app, deps, home_delivery)
    level10.register(app, deps)
    return app
