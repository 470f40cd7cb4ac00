"""The outbox: each digest post is one row, claimed before it is sent, so that it is sent once.

A post is the row unique on (subscription, kind, period). ``claim`` inserts it, insert-or-nothing
with RETURNING (the database, not a rowcount, says whose insert it was), or takes over a pending
row whose lease has run out with a conditional ``UPDATE … RETURNING``: however many processes try
at once, one gets the id. The claimant sends, then calls ``mark_sent`` (with the platform's message
id), ``release_for_retry`` (still pending, leased until the retry is due, when any process may claim
it) or ``mark_failed``. Those three touch only pending rows, so a late answer from a claimant that
lost its lease cannot undo a post another process finished. Every time is UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from secbot.store.db import Store, insert_for
from secbot.store.models import OutboxPost

PENDING, SENT, FAILED = "pending", "sent", "failed"
DEFAULT_LEASE_SECONDS = 300.0
_ERROR_LIMIT = 2000


@dataclass(frozen=True)
class StalePost:
    id: int
    subscription_id: int
    kind: str
    period: str


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def claim(
    store: Store, subscription_id: int, kind: str, period: str, worker: str, *, lease: float = DEFAULT_LEASE_SECONDS
) -> int | None:
    """The post's id if this call claimed it (a new row, or a pending one whose lease ran out), else None."""
    now = utcnow()
    held = {"claimed_by": worker[:100], "lease_until": now + dt.timedelta(seconds=lease)}
    insert = (
        insert_for(store.engine.dialect.name)(OutboxPost)
        .values(subscription_id=subscription_id, kind=kind, period=period, status=PENDING, attempts=0, created_at=now)
        .values(**held)
        .on_conflict_do_nothing()
        .returning(OutboxPost.id)
    )
    take_over = (
        update(OutboxPost)
        .where(
            OutboxPost.subscription_id == subscription_id,
            OutboxPost.kind == kind,
            OutboxPost.period == period,
            OutboxPost.status == PENDING,
            OutboxPost.lease_until <= now,
        )
        .values(**held)
        .returning(OutboxPost.id)
    )
    with store.engine.begin() as connection:
        claimed = connection.execute(insert).scalar()
        if claimed is None:
            claimed = connection.execute(take_over).scalar()
    return claimed


def mark_sent(store: Store, post_id: int, message_id: str | None) -> bool:
    """Sent (``message_id`` None: there was nothing to post to that channel this period)."""
    return _finish(store, post_id, status=SENT, sent_at=utcnow(), message_id=message_id, error=None)


def mark_failed(store: Store, post_id: int, error: str) -> bool:
    return _finish(store, post_id, status=FAILED, error=error[:_ERROR_LIMIT])


def release_for_retry(store: Store, post_id: int, at: dt.datetime, error: str, *, counted: bool = True) -> int | None:
    """Keep the post pending but let it go until ``at``, when any process may claim it again.

    Returns how many failed attempts it has had (``counted=False`` for a wait the platform asked
    for, which is no failure), or None when it is no longer pending.
    """
    statement = (
        update(OutboxPost)
        .where(OutboxPost.id == post_id, OutboxPost.status == PENDING)
        .values(
            lease_until=at,
            next_attempt_at=at,
            error=error[:_ERROR_LIMIT],
            attempts=OutboxPost.attempts + (1 if counted else 0),
        )
        .returning(OutboxPost.attempts)
    )
    with store.engine.begin() as connection:
        return connection.execute(statement).scalar()


def stale(store: Store) -> list[StalePost]:
    """Pending posts whose lease has run out: their claimant died, or their retry is due."""
    statement = (
        select(OutboxPost.id, OutboxPost.subscription_id, OutboxPost.kind, OutboxPost.period)
        .where(OutboxPost.status == PENDING, OutboxPost.lease_until <= utcnow())
        .order_by(OutboxPost.id)
    )
    with store.engine.connect() as connection:
        return [StalePost(*row) for row in connection.execute(statement)]


def _finish(store: Store, post_id: int, **values) -> bool:
    statement = (
        update(OutboxPost)
        .where(OutboxPost.id == post_id, OutboxPost.status == PENDING)
        .values(lease_until=None, next_attempt_at=None, **values)
    )
    with store.engine.begin() as connection:
        return connection.execute(statement).rowcount == 1
