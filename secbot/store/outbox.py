"""The outbox: each post to a channel is one row, owned by one claimant at a time, so that it is sent once.

A post is the row unique on (subscription, kind, period), or on (kind, period, target) for a channel
named directly (an admin notice). ``claim`` inserts it, insert-or-nothing with RETURNING (the
database, not a rowcount, says whose insert it was), or takes over a pending row whose lease has run
out with a conditional ``UPDATE … RETURNING``: however many processes try at once, one gets it.

Every claim adds one to the row's ``claim_token``: the fencing token. The claimant holds a ``Claim``
(id, token), and every later step is a compare-and-set on (id, token, status):

- ``fence`` just before each post or edit: the row is still this claimant's, its lease is extended
  to cover the call, and the part about to go out is noted (``sending``). False: another process
  took it over; post nothing.
- ``record_part`` after each message of a multi-message post (summary, thread replies, chart): the
  ids of the messages up so far, in order, so that whoever resumes the post goes on with the next
  one in the same thread and never posts the summary again.
- ``mark_sent``, ``mark_failed``, ``release_for_retry`` (still pending, free until the retry is
  due, when any process may claim it; the claim's own ``parts`` are kept) end or pause the claim.

``renew`` extends, in one statement, the lease of every row a claimant (``holder``) still holds: a
claimant's heartbeat while its rows wait for a send slot, for the channel's pacing or a rate limit.
A take-over changes ``claimed_by``, so a renewal never revives a row someone else owns.

``claim_edit`` / ``mark_edited`` / ``release_edit`` are the same rules for editing a post already
sent (an announcement's correction): one editor at a time, fenced by the same token.

Every time is UTC and comes from the caller (``now``), so tests move a clock instead of waiting out
a lease; replicas compare leases with their own clocks, which are assumed to agree to well within a
lease (NTP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from secbot.store.db import Store, as_utc, insert_for
from secbot.store.models import OutboxPost

PENDING, SENT, FAILED = "pending", "sent", "failed"
DEFAULT_LEASE_SECONDS = 300.0
_ERROR_LIMIT = 2000


@dataclass(frozen=True)
class Claim:
    """A row this claimant owns while ``token`` is the row's: its id, and the messages already up."""

    id: int
    token: int
    parts: tuple[str, ...] = ()
    sending: int | None = None  # the part an earlier claimant was sending when it last fenced

    @property
    def in_flight(self) -> int | None:
        """The part an earlier claimant may have posted without recording it (its call was in flight)."""
        return self.sending if self.sending is not None and self.sending == len(self.parts) else None


@dataclass(frozen=True)
class StalePost:
    id: int
    subscription_id: int | None
    kind: str
    period: str
    target: str | None = None
    body: dict | None = None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _lease(now: dt.datetime, lease: float) -> dt.datetime:
    return now + dt.timedelta(seconds=lease)


def _claim_of(row) -> Claim | None:
    return None if row is None else Claim(row.id, row.claim_token, tuple(row.parts or ()), row.sending)


_RETURNED = (OutboxPost.id, OutboxPost.claim_token, OutboxPost.parts, OutboxPost.sending)


def claim(
    store: Store,
    subscription_id: int | None,
    kind: str,
    period: str,
    holder: str,
    *,
    lease: float = DEFAULT_LEASE_SECONDS,
    now: dt.datetime | None = None,
    target: str | None = None,
) -> Claim | None:
    """The claim if this call got the post (a new row, or a pending one whose lease ran out), else None."""
    now = now or utcnow()
    to = OutboxPost.subscription_id == subscription_id if target is None else OutboxPost.target == target
    held = {"claimed_by": holder[:100], "lease_until": _lease(now, lease)}
    insert = _insert(
        store.engine.dialect.name,
        subscription_id=subscription_id,
        target=target,
        kind=kind,
        period=period,
        created_at=now,
        claim_token=1,
        **held,
    ).returning(*_RETURNED)
    take_over = (
        update(OutboxPost)
        .where(
            to,
            OutboxPost.kind == kind,
            OutboxPost.period == period,
            OutboxPost.status == PENDING,
            OutboxPost.lease_until <= now,
        )
        .values(claim_token=OutboxPost.claim_token + 1, next_attempt_at=None, **held)
        .returning(*_RETURNED)
    )
    with store.engine.begin() as connection:
        row = connection.execute(insert).first()
        if row is None:
            row = connection.execute(take_over).first()
    return _claim_of(row)


def _insert(dialect: str, **values):
    """A new pending row, insert-or-nothing: the unique keys say whether it was there already."""
    return insert_for(dialect)(OutboxPost).values(status=PENDING, attempts=0, **values).on_conflict_do_nothing()


def enqueue(connection, target: str, kind: str, period: str, body: dict[str, Any], now: dt.datetime) -> bool:
    """Add a post to a channel named directly, unclaimed and due now, in the caller's transaction
    (so that it is recorded with whatever it tells); False when it was already there."""
    statement = _insert(
        connection.dialect.name,
        subscription_id=None,
        target=target[:320],
        kind=kind,
        period=period,
        created_at=now,
        claim_token=0,
        lease_until=now,
        body=body,
    ).returning(OutboxPost.id)
    return connection.execute(statement).first() is not None


def _owned(claim_: Claim, status: str = PENDING):
    return (OutboxPost.id == claim_.id, OutboxPost.claim_token == claim_.token, OutboxPost.status == status)


def _set(store: Store, claim_: Claim, values: dict[str, Any], status: str = PENDING) -> bool:
    statement = update(OutboxPost).where(*_owned(claim_, status)).values(**values)
    with store.engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def fence(
    store: Store,
    claim_: Claim,
    lease: float,
    now: dt.datetime | None = None,
    *,
    status: str = PENDING,
    sending: int | None = None,
) -> bool:
    """Still this claimant's? Then its lease is extended by ``lease`` from now, to cover the call to come,
    and ``sending`` (the part about to go out) is noted."""
    values: dict[str, Any] = {"lease_until": _lease(now or utcnow(), lease)}
    if sending is not None:
        values["sending"] = sending
    return _set(store, claim_, values, status)


def not_sent(store: Store, claim_: Claim) -> bool:
    """The part last fenced was refused (a 429): nothing of it is in the channel, nothing to look for."""
    return _set(store, claim_, {"sending": None})


def record_part(
    store: Store, claim_: Claim, parts: Sequence[str], lease: float, now: dt.datetime | None = None
) -> bool:
    """The messages up so far (their ids, in order), recorded before the next is sent; False: no longer ours."""
    values = {"parts": list(parts), "message_id": parts[0] or None, "lease_until": _lease(now or utcnow(), lease)}
    return _set(store, claim_, values)


def mark_sent(
    store: Store, claim_: Claim, message_id: str | None, now: dt.datetime | None = None, parts: Sequence[str] = ()
) -> bool:
    """Sent (``message_id`` None: there was nothing to post to that channel this period), with every part's id."""
    values = {"status": SENT, "sent_at": now or utcnow(), "message_id": message_id, "error": None}
    if parts:
        values["parts"] = list(parts)
    return _set(store, claim_, {"lease_until": None, "next_attempt_at": None, "claimed_by": None, **values})


def mark_failed(store: Store, claim_: Claim, error: str) -> bool:
    values = {"status": FAILED, "error": error[:_ERROR_LIMIT]}
    return _set(store, claim_, {"lease_until": None, "next_attempt_at": None, "claimed_by": None, **values})


def release_for_retry(store: Store, claim_: Claim, at: dt.datetime, error: str, *, counted: bool = True) -> int | None:
    """Keep the post pending but let it go until ``at``, when any process may claim it again.

    Returns how many failed attempts it has had (``counted=False`` for a wait the platform asked
    for, which is no failure), or None when it is no longer this claimant's.
    """
    statement = (
        update(OutboxPost)
        .where(*_owned(claim_))
        .values(
            claimed_by=None,
            lease_until=at,
            next_attempt_at=at,
            error=error[:_ERROR_LIMIT],
            attempts=OutboxPost.attempts + (1 if counted else 0),
        )
        .returning(OutboxPost.attempts)
    )
    with store.engine.begin() as connection:
        return connection.execute(statement).scalar()


def renew(store: Store, holder: str, lease: float, now: dt.datetime | None = None) -> int:
    """Extend the lease of every pending row ``holder`` still holds; how many it holds."""
    statement = (
        update(OutboxPost)
        .where(OutboxPost.claimed_by == holder[:100], OutboxPost.status.in_((PENDING, SENT)))
        .values(lease_until=_lease(now or utcnow(), lease))
    )
    with store.engine.begin() as connection:
        return connection.execute(statement).rowcount


def stale(store: Store, now: dt.datetime | None = None) -> list[StalePost]:
    """Pending posts whose lease has run out: their claimant died, or their retry is due."""
    statement = (
        select(
            OutboxPost.id,
            OutboxPost.subscription_id,
            OutboxPost.kind,
            OutboxPost.period,
            OutboxPost.target,
            OutboxPost.body,
        )
        .where(OutboxPost.status == PENDING, OutboxPost.lease_until <= (now or utcnow()))
        .order_by(OutboxPost.id)
    )
    with store.engine.connect() as connection:
        return [StalePost(*row) for row in connection.execute(statement)]


# -- editing a post already sent -----------------------------------------------------------------------------
def claim_edit(
    store: Store, post_id: int, version: int, holder: str, *, lease: float, now: dt.datetime | None = None
) -> Claim | None:
    """Take a sent post to bring it to ``version``, unless it shows that already or another editor holds it."""
    now = now or utcnow()
    statement = (
        update(OutboxPost)
        .where(
            OutboxPost.id == post_id,
            OutboxPost.status == SENT,
            or_(OutboxPost.rendered_version.is_(None), OutboxPost.rendered_version < version),
            or_(OutboxPost.lease_until.is_(None), OutboxPost.lease_until <= now),
        )
        .values(claim_token=OutboxPost.claim_token + 1, claimed_by=holder[:100], lease_until=_lease(now, lease))
        .returning(*_RETURNED)
    )
    with store.engine.begin() as connection:
        return _claim_of(connection.execute(statement).first())


def mark_edited(store: Store, claim_: Claim, version: int) -> bool:
    """The post now shows ``version`` (or can never be edited: it is left showing what it shows)."""
    return _set(store, claim_, {"rendered_version": version, "lease_until": None, "claimed_by": None}, SENT)


def release_edit(store: Store, claim_: Claim) -> bool:
    """Give an edit up for now: the next pass, in any process, tries again."""
    return _set(store, claim_, {"lease_until": None, "claimed_by": None}, SENT)


def lease_left(store: Store, post_id: int, now: dt.datetime | None = None) -> float | None:
    """Seconds until the post's lease runs out (negative: it has), or None when it holds none."""
    with store.engine.connect() as connection:
        until = as_utc(connection.execute(select(OutboxPost.lease_until).where(OutboxPost.id == post_id)).scalar())
    return None if until is None else (until - (now or utcnow())).total_seconds()
