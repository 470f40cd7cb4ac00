"""The register as it stood on any day, built from the statements of the sources issued by then.

``view(store, day)`` is the store to read the register from as of ``day``. It is ``store`` itself when
no statement comes from a source dated after ``day``: the fact tables are then the register as it
stood. Otherwise it is a snapshot: a SQLite database in a temporary file into which the importer's
own ``Applier`` writes the statements of the sources dated on or before ``day``, oldest first
(``statements.order``), so that each field holds what the latest of them said. A source is dated by
its issue date, or by the day it was first imported when it has none.

Every day between two sources' dates sees the same register, so snapshots are kept per (revision,
sources included): "as of 7 February 2020" and "as of 10 February 2020" share one when no source is
dated between them. At most ``KEEP`` are kept per store; the oldest is let go when another is built,
and its file deleted once no request is reading it.
A change made from chat is kept as statements of its ``chat:<day>`` source (``statements.keep_chat_changes``)
and stands in the register of later days too, and so does a row removed from chat (``keep_removals``).

A snapshot resolves each row once (``statements.resolve``) and restores it without validating it again
(``schema.restore``), then lets the ``Applier`` write the rows and their keys' links. A question that
reads only a few tables of a past day can have them resolved in memory instead (``resolved``): "what
changed since" compares modifications and release scopes, and writing the whole register first would
cost it most of its time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from secbot.store.db import Store, make_engine
from secbot.store.models import Base, EarlierTitle, Source, Statement
from secbot.store.statements import Resolved, order, resolve

log = logging.getLogger(__name__)

T = TypeVar("T")
KEEP = 2  # each holds a register and its search index: tens of megabytes at 10,000 modifications


@dataclass
class _Dated:
    """The sources that state something, each with the day it counts from, at one revision."""

    revision: int
    days: dict[str, dt.date]
    newest: dt.date | None = field(init=False)  # asked on every read of the register

    def __post_init__(self) -> None:
        self.newest = max(self.days.values(), default=None)

    def by(self, day: dt.date) -> frozenset[str]:
        return frozenset(source for source, dated in self.days.items() if dated <= day)


@dataclass
class Snapshots:
    """A store's snapshots, newest use last (``Store.snapshots``)."""

    dated: _Dated | None = None
    kept: OrderedDict[tuple[int, frozenset[str]], Store] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What a question worked out from statements resolved in memory, by (name, revision, sources).
    worked_out: OrderedDict[tuple[str, int, frozenset[str]], object] = field(default_factory=OrderedDict)


def source_days(store: Store, revision: int) -> dict[str, dt.date]:
    """Each source that states something, with the day it counts from (``revision``: ``store``'s)."""
    return _dated(store, revision).days


def _dated(store: Store, revision: int) -> _Dated:
    snapshots = _snapshots(store)
    dated = snapshots.dated
    if dated is None or dated.revision != revision:
        dated = snapshots.dated = _Dated(revision, _source_days(store))
    return dated


def view(store: Store, day: dt.date, revision: int) -> Store:
    """The store holding the register as it stood on ``day`` (``revision``: ``store``'s, as read)."""
    snapshots = _snapshots(store)
    dated = _dated(store, revision)
    newest = dated.newest
    if newest is None or day >= newest:
        return store
    included = dated.by(day)
    key = (revision, included)
    with snapshots.lock:
        found = snapshots.kept.get(key)
        if found is not None:
            snapshots.kept.move_to_end(key)
            return found
        built = build(store, included, dated.days)
        snapshots.kept[key] = built
        while len(snapshots.kept) > KEEP:
            _, old = snapshots.kept.popitem(last=False)
            _discard(old)
        return built


def resolved(store: Store, day: dt.date, revision: int, tables: tuple[str, ...]) -> list[Resolved] | None:
    """The rows of ``tables`` as they stood on ``day``, resolved in memory from the statements of the
    sources dated by then: no snapshot is written. None when the register itself stood so on ``day``
    (no source is dated after it). For a question that reads a few tables of a past day only."""
    dated = _dated(store, revision)
    if dated.newest is None or day >= dated.newest:
        return None
    included = dated.by(day)
    if not included:
        return []
    query = (
        select(Statement.table, Statement.key, Statement.source, Statement.position, Statement.fields)
        .where(Statement.source.in_(included), Statement.table.in_(tables))
        .order_by(Statement.id)
    )
    with store.sessions() as session:
        statements = session.execute(query).all()
    statements.sort(key=lambda s: (dated.days[s.source], s.source))  # stable: within a source, as recorded
    return resolve(statements)


def worked_out(store: Store, day: dt.date, revision: int, name: str, work: Callable[[], T]) -> T:
    """``work()``'s result for the register as of ``day``, worked out once per revision and sources
    included (like a snapshot, and every day between two sources' dates shares it); ``KEEP`` per store."""
    snapshots = _snapshots(store)
    key = (name, revision, _dated(store, revision).by(day))
    with snapshots.lock:
        if key in snapshots.worked_out:
            snapshots.worked_out.move_to_end(key)
            return snapshots.worked_out[key]  # type: ignore[return-value]
    result = work()
    with snapshots.lock:
        snapshots.worked_out[key] = result
        while len(snapshots.worked_out) > KEEP:
            snapshots.worked_out.popitem(last=False)
    return result


def is_kept(store: Store, day: dt.date, revision: int) -> bool:
    """Whether the register as of ``day`` is at hand without building anything: the register itself,
    or a snapshot already kept."""
    dated = _dated(store, revision)
    if dated.newest is None or day >= dated.newest:
        return True
    return (revision, dated.by(day)) in _snapshots(store).kept


def _snapshots(store: Store) -> Snapshots:
    if store.snapshots is None:
        store.snapshots = Snapshots()
    return store.snapshots


def _source_days(store: Store) -> dict[str, dt.date]:
    """Each source that states something, with the day it counts from."""
    query = (
        select(Statement.source, Source.issued, func.min(Statement.recorded))
        .join(Source, Source.key == Statement.source)
        .group_by(Statement.source, Source.issued)
    )
    with store.sessions() as session:
        return {source: order(issued, recorded, source)[0] for source, issued, recorded in session.execute(query)}


def build(store: Store, sources: frozenset[str], days: dict[str, dt.date]) -> Store:
    """A new store in a temporary SQLite file holding the register the statements of ``sources`` resolve to."""
    from secbot.store.importer.apply import Applier  # only for a day before the latest source
    from secbot.store.importer.schema import SourceIn, restore
    from secbot.store.importer.validation import Item, Plan

    plan = Plan(raws=[])
    with store.sessions() as session:
        for row in session.scalars(select(Source).where(Source.key.in_(sources))) if sources else ():
            plan.sources[row.key] = (
                "statements",
                SourceIn(
                    key=row.key, title=row.title, paper_reference=row.paper_reference, issued=row.issued, url=row.url
                ),
            )
        statements = (
            session.execute(
                select(Statement.table, Statement.key, Statement.source, Statement.position, Statement.fields)
                .where(Statement.source.in_(sources))
                .order_by(Statement.id)
            ).all()
            if sources
            else []
        )
    statements.sort(key=lambda s: (days[s.source], s.source))  # stable: within a source, as recorded
    resolved = resolve(statements)
    for row in resolved:
        plan.items.setdefault(row.table, []).append(
            Item("statements", f"{row.table} {row.key}", restore(row.table, row.fields), row.source, True, row.position)
        )
    handle, path = tempfile.mkstemp(prefix="secbot-asof-", suffix=".db")
    os.close(handle)
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    snapshot = Store(engine, sessionmaker(engine, expire_on_commit=False))
    weakref.finalize(snapshot, _remove, path)  # its file goes when it is collected, or when the process ends
    with snapshot.sessions.begin() as session:
        applier = Applier(session, plan, record=False)
        applier.recorded.update(days)  # an undated source counts from its first import day here too
        applier.run()
        if applier.errors:  # statements were valid when kept: a failure here is a bug, not bad input
            raise RuntimeError("; ".join(applier.errors[:5]))
        earlier = [
            {"modification_id": applier.mod_id(row.fields["reference"]), "title": title, "source": source}
            for row in resolved
            for title, source in row.earlier_titles
        ]
        if earlier:
            session.execute(EarlierTitle.__table__.insert(), earlier)
    log.info("built the register as of %d sources (%d statements)", len(sources), len(statements))
    return snapshot


def _discard(snapshot: Store) -> None:
    """Let a snapshot go: its idle connections now, its file when no thread holds it any more (a request
    may still be reading it: ``weakref.finalize`` in ``build`` deletes the file once it is collected)."""
    snapshot.engine.dispose()


def _remove(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
