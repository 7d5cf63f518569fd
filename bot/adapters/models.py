"""SQLAlchemy models. Every row that belongs to a workspace carries its Slack team id.

Times are stored as UTC and always come back tz-aware (:class:`UTCDateTime`), on SQLite too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a tz-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


TEAM_ID = String(32)
SLACK_ID = String(32)


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("slack_team_id", "number"),
        UniqueConstraint("slack_team_id", "idempotency_key"),
        Index("ix_escalations_team_status", "slack_team_id", "team", "status"),
        Index("ix_escalations_owner_status", "slack_team_id", "owner", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    number: Mapped[int]
    lane: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    psa_ticket: Mapped[str | None] = mapped_column(String(40))
    requester: Mapped[str] = mapped_column(SLACK_ID)
    owner: Mapped[str | None] = mapped_column(SLACK_ID)
    source: Mapped[str] = mapped_column(String(32))
    source_channel: Mapped[str | None] = mapped_column(SLACK_ID)
    source_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    lane_channel: Mapped[str] = mapped_column(SLACK_ID)
    lane_ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_before_wait: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime | None]
    respond_due: Mapped[datetime | None]
    resolve_due: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(SLACK_ID)
    paused_since: Mapped[datetime | None]
    starts_at: Mapped[datetime | None]  # a change's window start (change lane)
    done_checked: Mapped[list[Any]] = mapped_column(default=list)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(SLACK_ID)
    decided_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def ref(self) -> str:
        return f"ESC-{self.number}"


class TimelineEntry(Base):
    """Append-only audit trail: every change to an escalation, who made it and when."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_escalation", "escalation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(SLACK_ID)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxMessage(Base):
    """A Slack call stored in the same transaction as the change that needs it.

    ``kind`` says how it is delivered: ``lane_message`` posts or updates an escalation's lane
    message from its current state, ``thread_note`` replies in its thread (once the lane message
    exists), ``call`` makes ``payload["method"]`` with ``payload["args"]`` as stored.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("slack_team_id", "dedupe_key"),
        Index("ix_outbox_messages_pending", "delivered_at", "failed_at", "next_attempt_at"),
        # The claim asks "is an earlier row of this escalation still pending?" for each candidate.
        Index("ix_outbox_messages_escalation", "escalation_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    kind: Mapped[str] = mapped_column(String(32))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProcessedRequest(Base):
    """Inbound Slack deliveries already handled (event ids, action keys): retries stop here."""

    __tablename__ = "processed_requests"
    __table_args__ = (UniqueConstraint("slack_team_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlackInboxRequest(Base):
    """A Slack request acked at once and not handled yet (LANEKEEPER_DELIVERY=worker): ``serve``
    checks its signature and shape, stores it and answers 200; ``lanekeeper deliver`` claims it
    (a lease, so a crash frees it), runs it through the Bolt app and deletes it. Nothing stays
    once handled. ``key`` is the event's id for Events API deliveries, so Slack's retries of an
    event already stored are dropped at the door; interactions have none (Slack never retries
    them)."""

    __tablename__ = "slack_inbox"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)  # as the request names it; "" if not
    key: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]


class Counter(Base):
    """Per-workspace sequences (``ESC-<n>`` numbers)."""

    __tablename__ = "counters"

    slack_team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ApprovalRequest(Base):
    """One approver's copy of an approval request: their DM, and how the request ended."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        UniqueConstraint("escalation_id", "approver"),
        Index("ix_approval_requests_approver_status", "slack_team_id", "approver", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"))
    approver: Mapped[str] = mapped_column(SLACK_ID)
    dm_channel: Mapped[str | None] = mapped_column(SLACK_ID)
    dm_ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interception(Base):
    """A ping to a protected person that was caught, and what its sender did with it.

    Unique per message, so a retried event delivery never replies twice nor counts twice.
    ``outcome``: ``pending`` (reply shown, no choice yet), ``routed``, ``dismissed``
    (not a request), ``undeliverable`` (Slack refused the ephemeral reply). A pending one from
    an earlier day counts as ignored.
    """

    __tablename__ = "interceptions"
    __table_args__ = (
        UniqueConstraint("slack_team_id", "channel", "message_ts"),
        Index("ix_interceptions_team_created", "slack_team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    channel: Mapped[str] = mapped_column(SLACK_ID)
    message_ts: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(SLACK_ID)
    targets: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    suggested_lane: Mapped[str | None] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    lane: Mapped[str | None] = mapped_column(String(64))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class FocusSession(Base):
    """``/focus``: a person protected from ad-hoc pings until ``ends_at`` (or ended early)."""

    __tablename__ = "focus_sessions"
    __table_args__ = (Index("ix_focus_sessions_user", "slack_team_id", "user", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    user: Mapped[str] = mapped_column(SLACK_ID)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class JobRun(Base):
    """What a scheduled job sent, one row per job, scope and period (``standup`` for
    ``service-desk`` on ``2026-11-24``). The unique key is the exactly-once guarantee: a second
    clock, a restart or a re-run by hand finds the row and sends nothing."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("slack_team_id", "job", "scope", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    job: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    ran_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SlaNotice(Base):
    """An SLA warning already posted: once per work item, clock, level and reopen cycle."""

    __tablename__ = "sla_notices"
    __table_args__ = (
        UniqueConstraint("slack_team_id", "work_kind", "work_ref", "clock", "level", "cycle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    work_kind: Mapped[str] = mapped_column(String(16))
    work_ref: Mapped[str] = mapped_column(String(64))
    clock: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime]


class Ticket(Base):
    """A PSA ticket as the last sync saw it, normalized across ConnectWise, Autotask and HaloPSA.

    ``team`` and ``severity`` are ours (mapped through ``psa.teams`` / ``psa.severities``);
    ``owner`` is a Slack user id where ``psa.people`` or an email lookup maps the PSA's owner,
    else None with ``owner_name`` shown. ``waiting_since`` is when a sync first saw it waiting
    on the client (the PSA moves its own due times while it waits).
    """

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("slack_team_id", "source", "external_id"),
        Index(None, "slack_team_id", "team", "closed_at"),
        Index(None, "slack_team_id", "owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    board: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str | None] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(120))
    waiting_since: Mapped[datetime | None]
    owner: Mapped[str | None] = mapped_column(String(32))
    owner_ref: Mapped[str | None] = mapped_column(String(200))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    psa_updated_at: Mapped[datetime]
    respond_due: Mapped[datetime | None]
    resolve_due: Mapped[datetime | None]
    reopen_count: Mapped[int | None] = mapped_column(Integer)
    has_resolution_note: Mapped[bool] = mapped_column(default=False)
    url: Mapped[str] = mapped_column(String(500))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def ref(self) -> str:
        return f"#{self.number}"


class PsaSyncState(Base):
    """Where a workspace's PSA sync stands: the cursor (advanced only past stored pages) and
    what the last attempt saw, so the digest can say when the queue was last synced."""

    __tablename__ = "psa_sync_state"
    __table_args__ = (UniqueConstraint("slack_team_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    cursor: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Level10Snapshot(Base):
    """A team's weekly figures as its Level-10 prompt showed them: one per team and week.

    Stored in the transaction that queues the post, so "last week" is exactly what was shown
    then; later edits to tickets or escalations never change it. Kept (no retention)."""

    __tablename__ = "level10_snapshots"
    __table_args__ = (UniqueConstraint("slack_team_id", "team", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    team: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(16))  # ISO week of the meeting, 2026-W50
    taken_at: Mapped[datetime]
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Level10Issue(Base):
    """An IDS candidate a Level-10 prompt listed (recurring category, reopen cluster,
    documentation gap), keyed per team and week so a re-run never lists it twice."""

    __tablename__ = "level10_issues"
    __table_args__ = (UniqueConstraint("slack_team_id", "team", "week", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    team: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    refs: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Level10Todo(Base):
    """A to-do from a Level-10: an owner and a due date a week out; ``open`` until marked
    done, carried over from meeting to meeting while open (``not_done`` counts the weeks it was
    reviewed and not done)."""

    __tablename__ = "level10_todos"
    __table_args__ = (
        UniqueConstraint("issue_id"),
        Index("ix_level10_todos_team_status", "slack_team_id", "team", "status"),
        Index("ix_level10_todos_owner_status", "slack_team_id", "owner", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    team: Mapped[str] = mapped_column(String(64))
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("level10_issues.id"))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(SLACK_ID)
    assigned_by: Mapped[str] = mapped_column(SLACK_ID)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    not_done: Mapped[int] = mapped_column(default=0)
    reviewed_week: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(SLACK_ID)


class AlertRollup(Base):
    """One message in a lane channel standing for a storm of alerts (a site outage): the alerts
    of the storm are each their own escalation, shown together in this message, updated in
    place. ``seq`` numbers a channel's storms (unique, so two requests starting one storm at
    once cannot post two messages); ``rev`` is bumped by each delivery, so the changes made
    while one update is queued share it."""

    __tablename__ = "alert_rollups"
    __table_args__ = (UniqueConstraint("slack_team_id", "channel", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    channel: Mapped[str] = mapped_column(SLACK_ID)
    lane: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    started_at: Mapped[datetime]
    last_at: Mapped[datetime]
    alerts: Mapped[int] = mapped_column(default=0)
    ts: Mapped[str | None] = mapped_column(String(32))
    rev: Mapped[int] = mapped_column(default=0)


class AlertLink(Base):
    """A monitoring alert and the escalation it opened: the sender (``source``), the alert's
    key there (Alertmanager fingerprint, PagerDuty hashed routing key and dedup key, NinjaOne
    seriesUid, generic dedup_key), whether it fires now, how often it flapped.

    One row per escalation; ``cycle`` counts the escalations one alert key opened (a trigger
    long after the clear opens a new one), and the row with the highest cycle is the alert's
    current escalation. (team, source, key, cycle) is unique, so two deliveries racing to open
    the same alert open one escalation."""

    __tablename__ = "alert_links"
    __table_args__ = (
        UniqueConstraint("slack_team_id", "source", "key", "cycle"),
        UniqueConstraint("escalation_id"),
        Index("ix_alert_links_rollup", "rollup_id"),
        Index("ix_alert_links_channel_created", "slack_team_id", "channel", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(TEAM_ID)
    source: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(300))
    cycle: Mapped[int] = mapped_column(default=0)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"))
    channel: Mapped[str] = mapped_column(SLACK_ID)
    active: Mapped[bool] = mapped_column(default=True)
    fired: Mapped[int] = mapped_column(default=1)  # triggers after a clear count as flaps
    alert_severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    device: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    last_delivery: Mapped[str | None] = mapped_column(String(255))
    own_post: Mapped[bool] = mapped_column(default=True)  # False: shown in its roll-up only
    rollup_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rollups.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def flaps(self) -> int:
        return max(0, self.fired - 1)


# -- Slack installations (multi-workspace mode) ----------------------------------------------
# slack-sdk's SQLAlchemy stores keep installations, bot tokens and OAuth state in these tables;
# they are built by the stores' own table builders on this metadata so that Alembic creates and
# checks them like every other table. Their datetimes are naive UTC (slack-sdk's choice).
# ``team_id`` is Slack's team id, as ``slack_team_id`` is elsewhere; an OAuth state belongs to no
# workspace yet.
from slack_sdk.oauth.installation_store.sqlalchemy import (  # noqa: E402
    SQLAlchemyInstallationStore as _SdkInstallations,
)
from slack_sdk.oauth.state_store.sqlalchemy import (  # noqa: E402
    SQLAlchemyOAuthStateStore as _SdkStates,
)

slack_installations = _SdkInstallations.build_installations_table(
    Base.metadata, "slack_installations"
)
slack_bots = _SdkInstallations.build_bots_table(Base.metadata, "slack_bots")
slack_oauth_states = _SdkStates.build_oauth_states_table(Base.metadata, "slack_oauth_states")
