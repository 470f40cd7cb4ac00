"""The audit log: every SECAS action (done, refused, cancelled or failed) with who, when, where and
the values it changed.

``record`` adds the row to the caller's session, so it commits or rolls back with the change it
describes: the register never changes without its audit row. ``record_alone`` writes a row in a
transaction of its own, for actions that change nothing (a refused attempt, a cancelled preview).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from secbot.store.db import Store
from secbot.store.models import AuditEntry

DONE, REFUSED, CANCELLED, FAILED, PREVIEWED = "done", "refused", "cancelled", "failed", "previewed"


@dataclass(frozen=True)
class Who:
    """Who did it and where: ``actor`` is the platform identity (``secbot.roles.identity``)."""

    actor: str
    platform: str
    channel_id: str | None = None
    name: str | None = None


SYNC = Who("system:sync", "system")


def record(
    session: Session,
    who: Who,
    command: str,
    action: str,
    outcome: str,
    *,
    reference: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at or dt.datetime.now(dt.UTC),
        actor=who.actor[:200],
        actor_name=(who.name or None) and who.name[:200],
        platform=who.platform,
        channel_id=who.channel_id,
        command=command,
        action=action,
        reference=reference,
        outcome=outcome,
        before=before,
        after=after,
        detail=detail,
    )
    session.add(entry)
    return entry


def record_alone(store: Store, who: Who, command: str, action: str, outcome: str, **values: Any) -> None:
    with store.sessions.begin() as session:
        record(session, who, command, action, outcome, **values)
