"""Claiming inbound chat requests once, so that retries and replays never answer twice.

``claim`` inserts (platform, key) if absent and says whether this call inserted it; the database's
primary key makes that true for exactly one caller across every replica. Old claims are pruned:
Slack retries within minutes, and signatures older than five minutes are refused anyway.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging

from sqlalchemy import delete

from secbot.store.db import Store, insert_or_nothing
from secbot.store.models import InboundDelivery

log = logging.getLogger(__name__)

KEEP = dt.timedelta(hours=24)
_PRUNE_EVERY = 500
_calls = itertools.count()


def claim(store: Store, platform: str, key: str) -> bool:
    now = dt.datetime.now(dt.UTC)
    with store.engine.begin() as connection:
        inserted = insert_or_nothing(
            connection, InboundDelivery, InboundDelivery.key, platform=platform, key=key[:200], received_at=now
        )
        if next(_calls) % _PRUNE_EVERY == 0:
            connection.execute(delete(InboundDelivery).where(InboundDelivery.received_at < now - KEEP))
    return inserted


def first_delivery(store: Store, platform: str, key: str | None) -> bool:
    """What a door asks before acting on a request: True unless this (platform, key) was already taken.

    A request without an id is always new; when the store is down the answer is True too, because
    answering (with an apology) beats silence.
    """
    if not key:
        return True
    try:
        return claim(store, platform, key)
    except Exception:
        log.exception("could not record %s delivery %s", platform, key)
        return True
