"""level10 snapshots issues todos

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "level10_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level10_issues")),
        sa.UniqueConstraint(
            "slack_team_id",
            "team",
            "week",
            "key",
            name=op.f("uq_level10_issues_slack_team_id_team_week_key"),
        ),
    )
    op.create_table(
        "level10_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=16), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level10_snapshots")),
        sa.UniqueConstraint(
            "slack_team_id",
            "team",
            "week",
            name=op.f("uq_level10_snapshots_slack_team_id_team_week"),
        ),
    )
    op.create_table(
        "level10_todos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("assigned_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_done", sa.Integer(), nullable=False),
        sa.Column("reviewed_week", sa.String(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["level10_issues.id"],
            name=op.f("fk_level10_todos_issue_id_level10_issues"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level10_todos")),
        sa.UniqueConstraint("issue_id", name=op.f("uq_level10_todos_issue_id")),
    )
    with op.batch_alter_table("level10_todos", schema=None) as batch_op:
        batch_op.create_index(
            "ix_level10_todos_owner_status", ["slack_team_id", "owner", "status"], unique=False
        )
        batch_op.create_index(
            "ix_level10_todos_team_status", ["slack_team_id", "team", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("level10_todos", schema=None) as batch_op:
        batch_op.drop_index("ix_level10_todos_team_status")
        batch_op.drop_index("ix_level10_todos_owner_status")

    op.drop_table("level10_todos")
    op.drop_table("level10_snapshots")
    op.drop_table("level10_issues")
