"""What became of the posts a command-line job run queued (``lanekeeper run-job`` / ``digest``):
the outbox rows of the run, as frozen outcomes, read on a session of their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session, sessionmaker

from .models import OutboxMessage


@dataclass(frozen=True, slots=True)
class PostOutcome:
    kind: str
    dedupe_key: str | None
    delivered: bool
    failed: bool
    last_error: str | None

    @property
    def pending(self) -> bool:
        return not self.delivered and not self.failed


class RunPosts:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def of_run(self, *, since: datetime, key_prefixes: Sequence[str]) -> list[PostOutcome]:
        """The run's posts: queued since ``since``, or queued before and due again since then
        under one of ``key_prefixes`` (a post Slack had refused, keyed ``job:scope:period``,
        sent again by this run). In the order they were queued."""
        ours = or_(
            OutboxMessage.created_at >= since,
            and_(
                OutboxMessage.next_attempt_at >= since,
                or_(*[OutboxMessage.dedupe_key.startswith(k) for k in key_prefixes])
                if key_prefixes
                else false(),
            ),
        )
        with self._sessions() as s:
            return [
                PostOutcome(
                    kind=m.kind,
                    dedupe_key=m.dedupe_key,
                    delivered=m.delivered_at is not None,
                    failed=m.failed_at is not None,
                    last_error=m.last_error,
                )
                for m in s.scalars(select(OutboxMessage).where(ours).order_by(OutboxMessage.id))
            ]
