"""Teams conversation references: where the bot may post unprompted, saved and forgotten.

A reference is saved (or refreshed: service URLs move) whenever Teams tells us about a conversation,
and deleted when the bot is removed from it; removing the bot from a team forgets every channel of
that team. Writes are single upserts or deletes, so replicas saving the same reference never clash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from secbot.store.db import Store, insert_for
from secbot.store.models import TeamsConversation


@dataclass(frozen=True)
class SavedConversation:
    conversation_id: str
    service_url: str
    tenant_id: str | None
    team_id: str | None
    kind: str
    name: str | None
    reference: dict[str, Any]


def save(store: Store, conversation: SavedConversation) -> None:
    values = {
        "conversation_id": conversation.conversation_id,
        "service_url": conversation.service_url,
        "tenant_id": conversation.tenant_id,
        "team_id": conversation.team_id,
        "kind": conversation.kind,
        "name": conversation.name,
        "reference": conversation.reference,
        "saved_at": dt.datetime.now(dt.UTC),
    }
    statement = insert_for(store.engine.dialect.name)(TeamsConversation).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[TeamsConversation.conversation_id],
        set_={key: statement.excluded[key] for key in values if key != "conversation_id"},
    )
    with store.engine.begin() as connection:
        connection.execute(statement)


def forget(store: Store, *, conversation_id: str | None = None, team_id: str | None = None) -> int:
    """Delete the conversation, or every conversation of the team; returns how many were deleted."""
    if not (conversation_id or team_id):
        return 0
    condition = (
        TeamsConversation.team_id == team_id if team_id else TeamsConversation.conversation_id == conversation_id
    )
    with store.engine.begin() as connection:
        return connection.execute(delete(TeamsConversation).where(condition)).rowcount


def get(store: Store, conversation_id: str) -> SavedConversation | None:
    with store.session() as session:
        row = session.get(TeamsConversation, conversation_id)
        return _saved(row) if row else None


def all_saved(store: Store) -> list[SavedConversation]:
    with store.session() as session:
        rows = session.scalars(select(TeamsConversation).order_by(TeamsConversation.conversation_id))
        return [_saved(row) for row in rows]


def _saved(row: TeamsConversation) -> SavedConversation:
    return SavedConversation(
        row.conversation_id, row.service_url, row.tenant_id, row.team_id, row.kind, row.name, row.reference
    )
