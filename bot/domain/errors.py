"""Errors the domain raises, each with a message fit to show the person who caused it.

    LanekeeperError
    ├── NotFound            – no such escalation / lane
    ├── InvalidInput        – bad input; ``fields`` maps input ids to messages for modals
    ├── NotAllowed          – this transition or actor is not allowed now
    │   └── AlreadyDone     – the change was already made (double click); harmless
    └── Conflict            – someone else changed the same thing at the same moment

The single Bolt error handler (``bot.slack.errors``) turns these into ephemeral messages;
anything else is logged with an id that the user is shown.
"""

from __future__ import annotations


class LanekeeperError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LanekeeperError):
    pass


class InvalidInput(LanekeeperError):
    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class NotAllowed(LanekeeperError):
    pass


class AlreadyDone(NotAllowed):
    pass


class Conflict(LanekeeperError):
    pass
