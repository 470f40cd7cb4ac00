"""fenced outbox claims, per-message progress, posts to channels named directly, inbound responses

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("parts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("sending", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("target", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("body", sa.JSON(), nullable=True))
        batch_op.alter_column("subscription_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_kind"), ["kind", "period", "target"])
    with op.batch_alter_table("inbound_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_deliveries", schema=None) as batch_op:
        batch_op.drop_column("response")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_kind"), type_="unique")
        batch_op.alter_column("subscription_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("body")
        batch_op.drop_column("target")
        batch_op.drop_column("sending")
        batch_op.drop_column("parts")
        batch_op.drop_column("claim_token")
