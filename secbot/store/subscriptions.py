"""Which channels receive which digests: one store for Slack and Teams channels.

A channel has at most one subscription per digest kind; subscribing again replaces its filters and
resumes it if it was paused. Pausing (after a channel refused a post for good) keeps the row and
says why. Every write is one statement, so replicas never clash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update

from secbot.store.db import Store, insert_for
from secbot.store.models import Subscription

KINDS = ("agenda", "consultations", "monthly")


@dataclass(frozen=True)
class Filters:
    """Narrow a digest to some modifications: by phase, by reference, or by release. Empty: everything."""

    phases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    release: str | None = None

    def __bool__(self) -> bool:
        return bool(self.phases or self.references or self.release)

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
    store: Store, platform: str, channel_id: str, kinds: tuple[str, ...], filters: Filters, by: str
) -> list[SubscriptionView]:
    now = dt.datetime.now(dt.UTC)
    insert = insert_for(store.engine.dialect.name)
    with store.engine.begin() as connection:
        for kind in kinds:
            statement = insert(Subscription).values(
                platform=platform,
                channel_id=channel_id,
                kind=kind,
                filters=filters.to_json(),
                created_by=by,
                created_at=now,
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[Subscription.platform, Subscription.channel_id, Subscription.kind],
                    set_={"filters": statement.excluded.filters, "paused_at": None, "paused_reason": None},
                )
            )
    return [s for s in for_channel(store, platform, channel_id) if s.kind in kinds]


def unsubscribe(store: Store, platform: str, channel_id: str, kinds: tuple[str, ...]) -> int:
    with store.engine.begin() as connection:
        return connection.execute(
            delete(Subscription).where(
                Subscription.platform == platform, Subscription.channel_id == channel_id, Subscription.kind.in_(kinds)
            )
        ).rowcount


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
