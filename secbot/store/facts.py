"""Everything dated about one modification in one query: its events, agenda items (with their meeting's
kind and date), consultations, DCC assessments, votes, decisions and release scope (with the release's
name, date and date text).

A status card needs all seven; asked one by one they were seven round trips, and the statement overhead
of each cost more than the rows. ``load`` asks them as one ``UNION ALL`` whose columns are typed slots
(dates, texts, integers), each kind's columns assigned to slots in turn, and gives each kind's rows back
as named tuples that read as the model does (``event.date``, ``vote.outcome``), in the order the card
reads them: votes and decisions by date, assessments by accepted date (unknown first), scope by release
date (unknown last), the rest as they were stored.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Date, Integer, Text, bindparam, cast, literal_column, null, select, union_all

from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Decision,
    Event,
    Meeting,
    Release,
    ReleaseScope,
    Vote,
)

_MOD_ID = bindparam("mod_id")
_SLOT_TYPES = {"d": Date(), "t": Text(), "i": Integer()}


def _columns(model, *names: str) -> list:
    return [getattr(model, name) for name in names]


def _by_id(row) -> tuple:
    return (row.id,)


def _dated(name: str, unknown_last: bool) -> Callable[[Any], tuple]:
    def key(row) -> tuple:
        day = getattr(row, name)
        return (day is None) == unknown_last, day or dt.date.min, row.id

    return key


@dataclass(frozen=True)
class _Kind:
    name: str
    columns: list  # the columns selected, labelled by their attribute names
    select_from: Any
    where: Any
    order: Callable[[Any], tuple]


_KINDS = (
    _Kind(
        "events",
        _columns(Event, "id", "date", "kind", "text", "source"),
        Event,
        Event.modification_id == _MOD_ID,
        _by_id,
    ),
    _Kind(
        "agenda",
        [AgendaItem.id, Meeting.kind, Meeting.date, AgendaItem.note, AgendaItem.source],
        Meeting.__table__.join(AgendaItem.__table__),
        AgendaItem.modification_id == _MOD_ID,
        _by_id,
    ),
    _Kind(
        "consultations",
        _columns(
            Consultation,
            "id",
            "kind",
            "opens",
            "closes",
            "expected_week",
            "expected_text",
            "url",
            "note",
            "round",
            "source",
        ),
        Consultation,
        Consultation.modification_id == _MOD_ID,
        _by_id,
    ),
    _Kind(
        "assessments",
        _columns(
            Assessment,
            "id",
            "kind",
            "round",
            "requested",
            "accepted",
            "returned",
            "target_wd",
            "clock_restart",
            "note",
            "source",
        ),
        Assessment,
        Assessment.modification_id == _MOD_ID,
        _dated("accepted", unknown_last=False),
    ),
    _Kind(
        "votes",
        _columns(Vote, "id", "date", "outcome", "governance", "majority", "objective", "note", "source"),
        Vote,
        Vote.modification_id == _MOD_ID,
        _dated("date", unknown_last=True),
    ),
    _Kind(
        "decisions",
        _columns(Decision, "id", "date", "outcome", "authority", "conditions", "source"),
        Decision,
        Decision.modification_id == _MOD_ID,
        _dated("date", unknown_last=True),
    ),
    _Kind(
        "scope",
        [
            ReleaseScope.id,
            ReleaseScope.status,
            ReleaseScope.note,
            ReleaseScope.source,
            Release.name,
            Release.date,
            Release.date_text,
        ],
        ReleaseScope.__table__.join(Release.__table__),
        ReleaseScope.modification_id == _MOD_ID,
        _dated("date", unknown_last=True),
    ),
)


def _slot_kind(column) -> str:
    if isinstance(column.type, Date):
        return "d"
    if isinstance(column.type, Integer):
        return "i"
    return "t"


def _build() -> tuple[Any, list[tuple[str, type, list[str]]]]:
    """The ``UNION ALL`` statement, and for each branch its kind's name, row type and the positions of
    its columns in the statement's rows."""
    layouts, counts = [], {"d": 0, "t": 0, "i": 0}
    assigned = []
    for kind in _KINDS:
        used = {"d": 0, "t": 0, "i": 0}
        slots = {}
        for column in kind.columns:
            letter = _slot_kind(column)
            slots[column.key] = (f"{letter}{used[letter]}", column)
            used[letter] += 1
        for letter, count in used.items():
            counts[letter] = max(counts[letter], count)
        assigned.append(slots)
        layouts.append(
            (kind.name, namedtuple(f"{kind.name.title()}Row", list(slots)), [slot for slot, _ in slots.values()])
        )
    order = [f"{letter}{n}" for letter, count in counts.items() for n in range(count)]
    position = {slot: index for index, slot in enumerate(order, 1)}  # the branch number is column 0
    layouts = [(name, row_type, [position[slot] for slot in slots]) for name, row_type, slots in layouts]
    selects = []
    for number, (kind, slots) in enumerate(zip(_KINDS, assigned, strict=True)):
        by_slot = {slot: column for slot, column in slots.values()}
        columns = [literal_column(str(number), Integer).label("kind")]
        for letter, count in counts.items():
            for n in range(count):
                slot = f"{letter}{n}"
                columns.append((by_slot.get(slot, cast(null(), _SLOT_TYPES[letter]))).label(slot))
        selects.append(select(*columns).select_from(kind.select_from).where(kind.where))
    return union_all(*selects), layouts


_STATEMENT, _LAYOUTS = _build()


def load(connection: Connection, mod_id: int) -> dict[str, list]:
    """The modification's rows of each kind, by kind name (``events``, ``agenda``, ``consultations``,
    ``assessments``, ``votes``, ``decisions``, ``scope``)."""
    found: dict[str, list] = {kind.name: [] for kind in _KINDS}
    for row in connection.execute(_STATEMENT, {"mod_id": mod_id}):
        name, row_type, positions = _LAYOUTS[row[0]]
        found[name].append(row_type(*(row[index] for index in positions)))
    for kind in _KINDS:
        found[kind.name].sort(key=kind.order)
    return found
