"""statements: every row of every register file kept with its source, backfilled from the fact tables

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:00:00

The backfill records one statement per row ``secbot.store.export.export_rows`` gives for the register as
it stands (but the ``sources`` rows, which stay in ``sources``): ``source`` the row's source, ``key`` its natural key as
``secbot.store.statements.key_text`` writes it, ``position``, ``fields``, and ``recorded`` today (UTC).
Two rows with the same table, key and source are one statement, their fields merged
(``export.merge_fields``).
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table", sa.String(length=20), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("recorded", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["source"], ["sources.key"], name=op.f("fk_statements_source_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("key", "table", "source", name=op.f("uq_statements_key")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_source"), ["source"], unique=False)
    _backfill()


def _backfill() -> None:
    from secbot.store.export import export_rows, merge_fields
    from secbot.store.statements import key_text

    recorded = dt.datetime.now(dt.UTC).date()
    statements: dict[tuple[str, str, str], dict] = {}
    for row in export_rows(op.get_bind()):
        if row.table == "sources":
            continue  # a source is kept in ``sources``; statements are what sources say of the register
        found = statements.get((row.table, key_text(row.key), row.source))
        if found is not None:
            found["fields"] = merge_fields(found["fields"], row.fields)
            continue
        statements[(row.table, key_text(row.key), row.source)] = {
            "table": row.table,
            "key": key_text(row.key),
            "source": row.source,
            "position": row.position,
            "fields": row.fields,
            "recorded": recorded,
        }
    table = sa.table(
        "statements",
        sa.column("table", sa.String()),
        sa.column("key", sa.Text()),
        sa.column("source", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("fields", sa.JSON()),
        sa.column("recorded", sa.Date()),
    )
    rows = list(statements.values())
    for start in range(0, len(rows), _BATCH):
        op.bulk_insert(table, rows[start : start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_source"))
    op.drop_table("statements")
