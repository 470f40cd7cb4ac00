"""Every stored row a command could change, to show that one changed nothing."""

from __future__ import annotations

from sqlalchemy import select

from secbot.store.models import Base

# What a door itself writes while answering anyone: not a change made by the command (what was last
# asked in each place, for follow-ups, is written behind the answers).
DOOR_BOOKKEEPING = {"audit_log", "inbound_deliveries", "teams_conversations", "remembered_questions"}


def everything_else(store) -> dict[str, list]:
    """Every row of every table a command could change."""
    with store.engine.connect() as connection:
        return {
            table.name: sorted(map(repr, connection.execute(select(table))))
            for table in Base.metadata.sorted_tables
            if table.name not in DOOR_BOOKKEEPING
        }
