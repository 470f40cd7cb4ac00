"""Which channels receive which digests: one store for Slack and Teams channels.

A channel has at most one subscription per digest kind; subscribing again replaces its filters and
resumes it if it was paused. Pausing (after a channel refused a post for good) keeps the row and
says why. Every write is one transaction, so replicas never clash; a change asked for in chat carries
its audit row (each kind's subscription before and after) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from secbot.formatting import agreeing
from secbot.store import audit
from secbot.store.db import Store, insert_for
from secbot.store.models import Subscription


@dataclass(frozen=True)
class Filters:
    """Narrow a digest to some modifications: by phase, by reference, or by release. Empty: everything."""

    phases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    release: str | None = None

    def __bool__(self) -> bool:
        return bool(self.phases or self.references or self.release)

    def describe(self) -> str:
        """The filters for people: "everything", or "only MP161; phase Refine; in June 2022 SEC Release"."""
        parts = []
        if self.references:
            parts.append(", ".join(self.references))
        if self.phases:
            parts.append(agreeing(len(self.phases), "phase ", "phases ") + ", ".join(self.phases))
        if self.release:
            parts.append(f"in {self.release}")
        return "only " + "; ".join(parts) if parts else "everything"

    def to_json(self) -> dict[str, Any]:
        return {"phases": list(self.phases), "references": list(self.references), "release": self.release}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Filters:
        data = data or {}
        return cls(tuple(data.get("phases") or ()), tuple(data.get("references") or ()), data.get("release"))


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    platform: str
    channel_id: str
    kind: str
    filters: Filters = field(default_factory=Filters)
    paused_reason: str | None = None

    @property
    def paused(self) -> bool:
        return self.paused_reason is not None


def subscribe(
    store: Store,
    platform: str,
    channel_id: str,
    kinds: tuple[str, ...],
    filters: Filters,
    by: str,
    *,
    who: audit.Who | None = None,
    command: str = "subscribe",
) -> list[SubscriptionView]:
    """Subscribe the channel to ``kinds`` with ``filters``; with ``who``, the audit row (each kind's
    subscription before and after) is written in the same transaction."""
    now = dt.datetime.now(dt.UTC)
    insert = insert_for(store.engine.dialect.name)
    with store.sessions.begin() as session:
        before = _states(session, platform, channel_id, kinds)
        for kind in kinds:
            statement = insert(Subscription).values(
                platform=platform,
                channel_id=channel_id,
                kind=kind,
                filters=filters.to_json(),
                created_by=by[:200],
                created_at=now,
            )
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=[Subscription.platform, Subscription.channel_id, Subscription.kind],
                    set_={"filters": statement.excluded.filters, "paused_at": None, "paused_reason": None},
                )
            )
        if who is not None:
            after = dict.fromkeys(kinds, filters.describe())
            reference = filters.references[0] if filters.references else None
            audit.record(
                session, who, command, "subscribe", audit.DONE, reference=reference, before=before, after=after
            )
    return [s for s in for_channel(store, platform, channel_id) if s.kind in kinds]


def unsubscribe(
    store: Store,
    platform: str,
    channel_id: str,
    kinds: tuple[str, ...],
    *,
    who: audit.Who | None = None,
    command: str = "unsubscribe",
) -> int:
    """Remove the channel's subscriptions to ``kinds``; how many there were. With ``who``, the audit row
    is written in the same transaction."""
    with store.sessions.begin() as session:
        before = _states(session, platform, channel_id, kinds)
        removed = session.execute(
            delete(Subscription).where(
                Subscription.platform == platform, Subscription.channel_id == channel_id, Subscription.kind.in_(kinds)
            )
        ).rowcount
        if who is not None:
            detail = None if removed else "the channel had none of these subscriptions"
            after = dict.fromkeys(kinds)
            audit.record(session, who, command, "unsubscribe", audit.DONE, before=before, after=after, detail=detail)
    return removed


def _states(session: Session, platform: str, channel_id: str, kinds: tuple[str, ...]) -> dict[str, str | None]:
    """Each kind's subscription in the channel as the audit log shows it (None: not subscribed)."""
    rows = session.scalars(
        select(Subscription).where(
            Subscription.platform == platform, Subscription.channel_id == channel_id, Subscription.kind.in_(kinds)
        )
    )
    found = {
        row.kind: Filters.from_json(row.filters).describe() + (" (paused)" if row.paused_at else "") for row in rows
    }
    return {kind: found.get(kind) for kind in kinds}


def for_channel(store: Store, platform: str, channel_id: str) -> list[SubscriptionView]:
    return _views(
        store,
        select(Subscription).where(Subscription.platform == platform, Subscription.channel_id == channel_id),
    )


def in_workspace(store: Store, platform: str, workspace: str) -> list[SubscriptionView]:
    """Every subscription of the channels whose ids start ``<workspace>:`` (a Slack team id)."""
    prefix = f"{workspace}:"
    return _views(
        store,
        select(Subscription).where(
            Subscription.platform == platform,
            func.substr(Subscription.channel_id, 1, len(prefix)) == prefix,  # not LIKE: ids may hold _ or %
        ),
    )


def active(store: Store, kind: str) -> list[SubscriptionView]:
    """Subscriptions to ``kind`` that are not paused, in a stable order."""
    return _views(store, select(Subscription).where(Subscription.kind == kind, Subscription.paused_at.is_(None)))


def get(store: Store, subscription_id: int) -> SubscriptionView | None:
    found = _views(store, select(Subscription).where(Subscription.id == subscription_id))
    return found[0] if found else None


def pause(store: Store, subscription_id: int, reason: str) -> bool:
    """Pause an active subscription; True when this call paused it (so whoever paused it tells admins)."""
    with store.engine.begin() as connection:
        return (
            connection.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id, Subscription.paused_at.is_(None))
                .values(paused_at=dt.datetime.now(dt.UTC), paused_reason=reason[:2000])
            ).rowcount
            == 1
        )


def _views(store: Store, statement) -> list[SubscriptionView]:
    order = (Subscription.kind, Subscription.platform, Subscription.channel_id)
    with store.session() as session:
        return [
            SubscriptionView(
                row.id, row.platform, row.channel_id, row.kind, Filters.from_json(row.filters), row.paused_reason
            )
            for row in session.scalars(statement.order_by(*order))
        ]
