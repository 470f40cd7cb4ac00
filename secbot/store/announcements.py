"""Consultation announcements in the store: recording, correcting and withdrawing them, and their posted copies.

The three appliers run inside ``changes.commit`` or ``changes.confirm`` (one transaction with the
audit row and the new revision):

- ``announce`` records the consultation in the register (filling in the round that was only expected,
  or opening a new round) and the announcement, remembering what the consultation row held before;
- ``announce-correct`` changes the dates, link or note of both, and bumps the announcement's version;
- ``announce-withdraw`` marks it withdrawn, bumps the version and puts the consultation back as it was.

Each copy posted to a channel is an outbox row (kind ``announcement``, period ``A<id>``) whose
``rendered_version`` says which version it shows; the service edits copies until every one shows the
current version and then records it as ``settled_version`` (``secbot.delivery.announcements``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from secbot.store import outbox
from secbot.store.changes import Conflict, Outcome, applier, chat_source, from_iso, modification
from secbot.store.db import Store
from secbot.store.models import Announcement, Consultation, Modification, OutboxPost

KIND = "announcement"  # the outbox kind of a posted copy
SUBSCRIBED_KIND = "consultations"  # who receives them
ACTIVE, WITHDRAWN = "active", "withdrawn"
CORRECTABLE = ("opens", "closes", "url", "note")
_KEPT = ("opens", "closes", "expected_week", "expected_text", "url", "note", "source")


def period(announcement_id: int) -> str:
    return f"A{announcement_id}"


def id_of(period_name: str) -> int | None:
    return int(period_name[1:]) if period_name[:1] == "A" and period_name[1:].isdigit() else None


@dataclass(frozen=True)
class AnnouncementView:
    id: int
    reference: str
    title: str | None  # the modification's
    kind: str
    opens: dt.date
    closes: dt.date
    url: str | None
    note: str | None
    status: str
    version: int
    settled_version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def withdrawn(self) -> bool:
        return self.status == WITHDRAWN


@dataclass(frozen=True)
class Copy:
    """One posted copy: the outbox row, the subscription it went to and the platform's message id."""

    post_id: int
    subscription_id: int
    message_id: str
    rendered_version: int | None


def get(store: Store, announcement_id: int) -> AnnouncementView | None:
    with store.sessions() as session:
        found = session.execute(_views().where(Announcement.id == announcement_id)).first()
    return AnnouncementView(*found) if found else None


def recent(store: Store, limit: int = 10) -> list[AnnouncementView]:
    with store.sessions() as session:
        rows = session.execute(_views().order_by(Announcement.id.desc()).limit(limit))
        return [AnnouncementView(*row) for row in rows]


def active_for(session: Session, reference: str, kind: str) -> int | None:
    """The active announcement of this modification's consultation of this kind that has not closed."""
    return session.scalar(
        select(Announcement.id).where(
            Announcement.reference == reference, Announcement.kind == kind, Announcement.status == ACTIVE
        )
    )


def unsettled(store: Store, since: dt.datetime) -> list[int]:
    """Announcements changed since ``since`` whose copies may not all show their current version yet."""
    with store.sessions() as session:
        return list(
            session.scalars(
                select(Announcement.id)
                .where(Announcement.settled_version < Announcement.version, Announcement.updated_at >= since)
                .order_by(Announcement.id)
            )
        )


def copies(store: Store, announcement_id: int) -> list[Copy]:
    with store.sessions() as session:
        rows = session.execute(
            select(OutboxPost.id, OutboxPost.subscription_id, OutboxPost.message_id, OutboxPost.rendered_version)
            .where(
                OutboxPost.kind == KIND,
                OutboxPost.period == period(announcement_id),
                OutboxPost.status == outbox.SENT,
                OutboxPost.message_id.is_not(None),
            )
            .order_by(OutboxPost.id)
        )
        return [Copy(*row) for row in rows]


def copy_counts(store: Store, announcement_ids: list[int]) -> dict[int, int]:
    """How many channels have a copy of each announcement, in one query."""
    periods = {period(number): number for number in announcement_ids}
    with store.sessions() as session:
        rows = session.execute(
            select(OutboxPost.period, func.count())
            .where(
                OutboxPost.kind == KIND,
                OutboxPost.period.in_(list(periods)),
                OutboxPost.status == outbox.SENT,
                OutboxPost.message_id.is_not(None),
            )
            .group_by(OutboxPost.period)
        )
        return {periods[name]: count for name, count in rows}


def waiting(store: Store, announcement_id: int) -> int:
    """Copies still pending in the outbox (being posted, or waiting for a retry)."""
    with store.sessions() as session:
        return session.scalar(
            select(func.count()).where(
                OutboxPost.kind == KIND,
                OutboxPost.period == period(announcement_id),
                OutboxPost.status == outbox.PENDING,
            )
        )


def mark_rendered_for(store: Store, announcement_id: int, versions: dict[int, int]) -> None:
    """After a posting round: each subscription's new copy shows the version rendered for it."""
    with store.engine.begin() as connection:
        for subscription_id, version in versions.items():
            connection.execute(
                update(OutboxPost)
                .where(
                    OutboxPost.kind == KIND,
                    OutboxPost.period == period(announcement_id),
                    OutboxPost.subscription_id == subscription_id,
                    OutboxPost.rendered_version.is_(None),
                )
                .values(rendered_version=version)
            )


def settle(store: Store, announcement_id: int, version: int) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            update(Announcement)
            .where(Announcement.id == announcement_id, Announcement.settled_version < version)
            .values(settled_version=version)
        )


def _views():
    return select(
        Announcement.id,
        Announcement.reference,
        Modification.title,
        Announcement.kind,
        Announcement.opens,
        Announcement.closes,
        Announcement.url,
        Announcement.note,
        Announcement.status,
        Announcement.version,
        Announcement.settled_version,
        Announcement.created_at,
        Announcement.updated_at,
    ).outerjoin(Modification, Modification.reference == Announcement.reference)


# -- the appliers ----------------------------------------------------------------------------------
def _values(consultation: Consultation) -> dict[str, Any]:
    return {key: shown(consultation, key) for key in _KEPT}


@applier("announce")
def apply_announce(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    reference, kind = payload["reference"], payload["kind"]
    mod = modification(session, reference)
    already = active_for(session, reference, kind)
    if already is not None:
        raise Conflict(f"{reference}'s consultation is already announced (announcement {already}).")
    opens, closes = from_iso(payload["opens"]), from_iso(payload["closes"])
    rounds = session.scalars(
        select(Consultation)
        .where(Consultation.modification_id == mod.id, Consultation.kind == kind)
        .order_by(Consultation.round.desc())
    ).all()
    latest = rounds[0] if rounds else None
    source = chat_source(session, today)
    if latest is not None and (latest.opens is None or latest.opens == opens):
        restore: dict[str, Any] | None = _values(latest)
        consultation = latest  # the round that was only expected, or the same one announced again
    else:
        restore = None
        consultation = Consultation(
            kind=kind, modification_id=mod.id, round=(latest.round + 1) if latest else 1, source=source
        )
        session.add(consultation)
    consultation.opens, consultation.closes = opens, closes
    consultation.url = payload.get("url") or consultation.url
    consultation.note = payload.get("note") or consultation.note
    consultation.source = source
    session.flush()
    now = dt.datetime.now(dt.UTC)
    announcement = Announcement(
        consultation_id=consultation.id,
        reference=reference,
        kind=kind,
        opens=opens,
        closes=closes,
        url=payload.get("url"),
        note=payload.get("note"),
        status=ACTIVE,
        version=1,
        settled_version=0,
        restore=restore,
        created_by=payload.get("by") or "",
        created_at=now,
        updated_at=now,
    )
    session.add(announcement)
    session.flush()
    after = {key: payload.get(key) for key in ("kind", *CORRECTABLE)}
    return Outcome(
        {**after, "announcement": announcement.id, "round": consultation.round}, {"announcement": announcement.id}
    )


def _active(session: Session, announcement_id: int) -> Announcement:
    found = session.get(Announcement, announcement_id)
    if found is None:
        raise Conflict(f"There is no announcement {announcement_id}.")
    if found.status != ACTIVE:
        raise Conflict(f"Announcement {announcement_id} has been withdrawn.")
    return found


def shown(row: Announcement | AnnouncementView | Consultation, key: str) -> str | None:
    """A column's value as JSON keeps it (dates as ISO strings)."""
    value = getattr(row, key)
    return value.isoformat() if isinstance(value, dt.date) else value


@applier("announce-correct")
def apply_correct(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    announcement = _active(session, payload["id"])
    for key, was in payload["before"].items():
        if shown(announcement, key) != was:
            raise Conflict(f"Announcement {announcement.id}'s {key} changed since you asked.")
    consultation = session.get(Consultation, announcement.consultation_id) if announcement.consultation_id else None
    for key, value in payload["changes"].items():
        typed = from_iso(value) if key in ("opens", "closes") else value
        setattr(announcement, key, typed)
        if consultation is not None:
            setattr(consultation, key, typed)
    if consultation is not None:
        consultation.source = chat_source(session, today)
    announcement.version += 1
    announcement.updated_at = dt.datetime.now(dt.UTC)
    return Outcome(dict(payload["changes"]), {"announcement": announcement.id})


@applier("announce-withdraw")
def apply_withdraw(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    announcement = _active(session, payload["id"])
    consultation = session.get(Consultation, announcement.consultation_id) if announcement.consultation_id else None
    removed = []
    if consultation is not None:
        if announcement.restore is None:
            announcement.consultation_id = None
            reference = session.get(Modification, consultation.modification_id).reference
            removed.append(("consultations", (reference, consultation.kind, consultation.round)))
            session.delete(consultation)
        else:
            for key, value in announcement.restore.items():
                setattr(consultation, key, from_iso(value) if key in ("opens", "closes", "expected_week") else value)
    announcement.status = WITHDRAWN
    announcement.version += 1
    announcement.updated_at = dt.datetime.now(dt.UTC)
    reason = {"reason": payload["reason"]} if payload.get("reason") else {}
    return Outcome({"status": WITHDRAWN, **reason}, {"announcement": announcement.id}, removed=removed)
