"""What Slack is shown of an escalation: a frozen copy of its stored facts (issue 13, renderers
that take domain view models).

:class:`EscalationView` is built by the unit of work's repositories from the stored row
(:func:`bot.adapters.repository.escalation_view`) and handed to the renderers in
:mod:`bot.slack.blocks` and to the outbox handlers; nothing in ``bot/slack`` needs the ORM model
to draw a message. :class:`EscalationFacts` is what a renderer reads: the view satisfies it, and
so does a stored row (no caller in ``bot/slack`` reads rows any more: issue 13, held by
``tests/test_persistence_boundary.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class EscalationFacts(Protocol):
    """The facts of an escalation a renderer reads (read-only)."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def ref(self) -> str: ...
    @property
    def lane(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def details(self) -> str: ...
    @property
    def psa_ticket(self) -> str | None: ...
    @property
    def requester(self) -> str: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def lane_channel(self) -> str: ...
    @property
    def lane_ts(self) -> str | None: ...
    @property
    def source_permalink(self) -> str | None: ...
    @property
    def respond_due(self) -> datetime | None: ...
    @property
    def resolve_due(self) -> datetime | None: ...
    @property
    def responded_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def resolved_by(self) -> str | None: ...
    @property
    def paused_since(self) -> datetime | None: ...
    @property
    def starts_at(self) -> datetime | None: ...
    @property
    def resolution_note(self) -> str | None: ...
    @property
    def decision_reason(self) -> str | None: ...
    @property
    def decided_by(self) -> str | None: ...
    @property
    def decided_at(self) -> datetime | None: ...
    @property
    def reopen_count(self) -> int: ...


@dataclass(frozen=True)
class EscalationView:
    """An escalation as stored when it was read; it never changes and never touches the
    database."""

    id: int
    slack_team_id: str
    number: int
    lane: str
    team: str
    severity: str
    client: str
    summary: str
    details: str
    psa_ticket: str | None
    requester: str
    owner: str | None
    source: str
    source_channel: str | None
    source_ts: str | None
    source_permalink: str | None
    lane_channel: str
    lane_ts: str | None
    status: str
    opened_at: datetime | None
    respond_due: datetime | None
    resolve_due: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    paused_since: datetime | None
    starts_at: datetime | None
    resolution_note: str | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    reopen_count: int
    done_checked: tuple[Any, ...] = field(default=())

    @property
    def ref(self) -> str:
        return f"ESC-{self.number}"
