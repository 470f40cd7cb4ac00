"""Claiming inbound chat requests once, so that retries and replays never answer twice.

``claim`` inserts (platform, key) if absent and says whether this call inserted it; the database's
primary key makes that true for exactly one caller across every replica. Old claims are pruned:
Slack retries within minutes, and signatures older than five minutes are refused anyway.

While the database cannot be reached, ``first_delivery`` claims in this process's memory instead
(``RecentClaims``): each request is then answered at most once per process, and a key claimed in
memory stays refused after the database is back. A request that must be answered every time it
arrives but acted on once (a Teams ``Action.Execute`` invoke, answered with a card) goes through
``answered_once``: a repeat gets the first delivery's response again, kept beside its claim.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select, update

from secbot.outages import is_outage
from secbot.replies import Reply
from secbot.store.db import Store, insert_or_nothing
from secbot.store.models import InboundDelivery

log = logging.getLogger(__name__)

KEEP = dt.timedelta(hours=24)
KEY_LENGTH = 200  # inbound_deliveries.key
MEMORY_SIZE = 10_000
_PRUNE_EVERY = 500
_calls = itertools.count()

# What a repeated request that must be answered gets while its first delivery is still being answered.
ALREADY_HANDLING = Reply(
    "Already being handled",
    kind="notice",
    summary="secbot received this action already and is still answering it, so it was not run again. "
    "Ask again in a minute to see where things stand.",
    cacheable=False,
)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RecentClaims:
    """The requests this process claimed while the database could not be reached.

    At most ``size`` keys, each forgotten ``keep`` after it was claimed (or earlier, oldest first,
    when more arrive), so a long outage costs bounded memory. Thread-safe: the doors claim from
    worker threads. ``now`` is the time source (aware UTC datetimes).
    """

    def __init__(
        self, size: int = MEMORY_SIZE, keep: dt.timedelta = KEEP, now: Callable[[], dt.datetime] = _utc_now
    ) -> None:
        self.size, self.keep, self.now = size, keep, now
        self._claimed: OrderedDict[tuple[str, str], dt.datetime] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, platform: str, key: str) -> bool:
        """True the first time (platform, key) is claimed here, False for a repeat."""
        with self._lock:
            now = self._forget_old()
            if (platform, key) in self._claimed:
                return False
            self._claimed[(platform, key)] = now
            while len(self._claimed) > self.size:
                self._claimed.popitem(last=False)
            return True

    def holds(self, platform: str, key: str) -> bool:
        with self._lock:
            self._forget_old()
            return (platform, key) in self._claimed

    def __len__(self) -> int:
        with self._lock:
            self._forget_old()
            return len(self._claimed)

    def _forget_old(self) -> dt.datetime:
        now = self.now()
        while self._claimed:
            oldest = next(iter(self._claimed.values()))
            if now - oldest < self.keep:
                break
            self._claimed.popitem(last=False)
        return now


RECENT = RecentClaims()  # this process's


def claim(store: Store, platform: str, key: str) -> bool:
    now = dt.datetime.now(dt.UTC)
    with store.engine.begin() as connection:
        inserted = insert_or_nothing(
            connection, InboundDelivery, InboundDelivery.key, platform=platform, key=key[:KEY_LENGTH], received_at=now
        )
        if next(_calls) % _PRUNE_EVERY == 0:
            connection.execute(delete(InboundDelivery).where(InboundDelivery.received_at < now - KEEP))
    return inserted


def first_delivery(store: Store, platform: str, key: str | None, *, recent: RecentClaims = RECENT) -> bool:
    """What a door asks before acting on a request: True unless this (platform, key) was already taken.

    A request without an id is always new. A key this process claimed in memory during a database
    outage stays taken. When the database cannot be reached, the key is claimed in memory: a retry
    to this process is then refused, but one to another replica may be answered (answering, with an
    apology, beats silence).
    """
    if not key:
        return True
    key = key[:KEY_LENGTH]
    if recent.holds(platform, key):
        return False
    try:
        return claim(store, platform, key)
    except Exception as error:
        _note(
            error, "could not record %s delivery %s in the database (%s); claimed in this process only", platform, key
        )
        return recent.claim(platform, key)


def remember_response(store: Store, platform: str, key: str, response: dict[str, Any]) -> None:
    """Keep what the first delivery of (platform, key) was answered with, beside its claim."""
    with store.engine.begin() as connection:
        connection.execute(
            update(InboundDelivery)
            .where(InboundDelivery.platform == platform, InboundDelivery.key == key[:KEY_LENGTH])
            .values(response=response)
        )


def response_of(store: Store, platform: str, key: str) -> dict[str, Any] | None:
    """What the first delivery of (platform, key) was answered with; None while it is being answered."""
    with store.engine.connect() as connection:
        return connection.scalar(
            select(InboundDelivery.response).where(
                InboundDelivery.platform == platform, InboundDelivery.key == key[:KEY_LENGTH]
            )
        )


def answered_once(
    store: Store,
    platform: str,
    key: str | None,
    answer: Callable[[], dict[str, Any]],
    busy: Callable[[], dict[str, Any]],
    *,
    recent: RecentClaims = RECENT,
) -> dict[str, Any]:
    """The response to a request that gets an answer every time it is delivered but is acted on once.

    The first delivery runs ``answer`` and its response is kept with the claim; a repeat gets that
    response again without running anything, or ``busy()`` while the first is still being answered
    (or when its response could not be kept or read: the database was away).
    """
    if first_delivery(store, platform, key, recent=recent):
        response = answer()
        if key and not recent.holds(platform, key[:KEY_LENGTH]):  # claimed in memory: no row to keep it in
            try:
                remember_response(store, platform, key, response)
            except Exception as error:
                _note(error, "could not keep the response to %s delivery %s (%s)", platform, key)
        return response
    try:
        kept = response_of(store, platform, key)
    except Exception as error:
        _note(error, "could not read the response to %s delivery %s (%s)", platform, key)
        kept = None
    return kept if kept is not None else busy()


def _note(error: Exception, message: str, platform: str, key: str) -> None:
    """Log a claim or response the database did not take. In an outage the request itself fails too and
    is logged once where it is answered (``secbot.outages``), so this line is only for debugging then."""
    level = logging.DEBUG if is_outage(error) else logging.WARNING
    log.log(level, message, platform, key, type(error).__name__)
