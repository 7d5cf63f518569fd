"""psa tickets and sync state

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:45:16.730287
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "psa_sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psa_sync_state")),
        sa.UniqueConstraint(
            "slack_team_id", "source", name=op.f("uq_psa_sync_state_slack_team_id_source")
        ),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("board", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=200), nullable=True),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=120), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("owner_ref", sa.String(length=200), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("psa_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=True),
        sa.Column("has_resolution_note", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint(
            "slack_team_id",
            "source",
            "external_id",
            name=op.f("uq_tickets_slack_team_id_source_external_id"),
        ),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tickets_slack_team_id_owner"), ["slack_team_id", "owner"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tickets_slack_team_id_team_closed_at"),
            ["slack_team_id", "team", "closed_at"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_slack_team_id_team_closed_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_slack_team_id_owner"))

    op.drop_table("tickets")
    op.drop_table("psa_sync_state")
