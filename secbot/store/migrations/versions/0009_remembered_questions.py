"""remembered questions: the question last answered in each place, for follow-ups

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remembered_questions",
        sa.Column("place", sa.String(length=700), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("place", name=op.f("pk_remembered_questions")),
    )


def downgrade() -> None:
    op.drop_table("remembered_questions")
