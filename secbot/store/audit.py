"""The audit log: every SECAS action (done, refused, cancelled or failed) with who, when, where and
the values it changed.

``record`` adds the row to the caller's session, so it commits or rolls back with the change it
describes: the register never changes without its audit row. ``record_alone`` writes a row in a
transaction of its own, for actions that change nothing (a cancelled preview, a view of the log);
``record_attempt`` does the same for refused attempts, whose refusal must be given even when the log
cannot be written. Every string a row stores is made printable and cut to its column (``inputs.bounded``),
so whatever someone typed, NUL, lone surrogates or a megabyte of it, the row can be written.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from secbot import outages
from secbot.inputs import bounded
from secbot.store.db import Store
from secbot.store.models import AuditEntry

log = logging.getLogger(__name__)

# Characters kept: the input gate reads 4,000 of a question; a confirm row holds the previewed command too.
COMMAND_LIMIT = 8000
DETAIL_LIMIT = 10_000
VALUE_LIMIT = 10_000  # each string among the before and after values

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
        actor=bounded(who.actor, 200),
        actor_name=bounded(who.name, 200) or None,
        platform=bounded(who.platform, 16),
        channel_id=bounded(who.channel_id, 300) or None,
        command=bounded(command, COMMAND_LIMIT),
        action=bounded(action, 60),
        reference=bounded(reference, 16) or None,
        outcome=bounded(outcome, 16),
        before=_values(before),
        after=_values(after),
        detail=bounded(detail, DETAIL_LIMIT) or None,
    )
    session.add(entry)
    return entry


def _values(value: Any) -> Any:
    """Before and after values as JSON the database takes: every string printable and bounded."""
    if isinstance(value, str):
        return bounded(value, VALUE_LIMIT)
    if isinstance(value, dict):
        return {bounded(str(k), 200): _values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_values(v) for v in value]
    return value


def record_alone(store: Store, who: Who, command: str, action: str, outcome: str, **values: Any) -> None:
    with store.sessions.begin() as session:
        record(session, who, command, action, outcome, **values)


def record_attempt(store: Store, who: Who, command: str, action: str, outcome: str, **values: Any) -> bool:
    """``record_alone`` for an attempt the person must be answered about whether or not it is recorded
    (a refusal): a failure is logged once through ``secbot.outages.report`` and returns False."""
    try:
        record_alone(store, who, command, action, outcome, **values)
    except Exception as error:
        outages.report(f"recording a {outcome} {action}", error, log)
        return False
    return True
