"""Statements: every row of every register file kept with its source (``models.Statement``).

``key_text`` is the one canonical form of a natural key (``importer.validation.natural_key``) as
stored in ``statements.key``; ``order`` is the order statements are resolved in (later wins);
``keep`` writes statements, a source's own replacing what it said before; ``keep_chat_changes`` keeps
what a change made from chat wrote, as the statements of its ``chat:<day>`` source, and
``keep_removals`` what it took out (a statement whose fields are ``REMOVED``: the row is not in the
register from that source's day until a later source states it again); ``resolve`` folds statements
taken in that order into one row each, as the register holds them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from secbot.store.db import insert_for
from secbot.store.models import Statement

log = logging.getLogger(__name__)

REMOVED = {"removed": True}  # no import row has a field of that name: the import format forbids extras


def key_text(key: tuple) -> str:
    """A natural key as canonical JSON: dates in ISO form, no spaces, characters as they are."""
    return json.dumps(
        [part.isoformat() if isinstance(part, dt.date) else part for part in key],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def order(issued: dt.date | None, recorded: dt.date, source: str) -> tuple[dt.date, str]:
    """Where a statement stands among others about the same row: by its source's issue date (the day
    it was first imported when the source has none), then by source key, so that the result never
    depends on the order files were imported in."""
    return (issued or recorded, source)


def keep(session: Session, statements: list[dict]) -> None:
    """Write ``statements`` (dicts of ``Statement``'s columns but ``id``); one a source already made about
    the same row is replaced, keeping the day it was first recorded."""
    insert = insert_for(session.get_bind().dialect.name)(Statement)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["key", "table", "source"],
            set_={"fields": insert.excluded.fields, "position": insert.excluded.position},
        ),
        statements,
    )


def removes(fields: dict) -> bool:
    """Whether a statement's ``fields`` take its row out of the register (``keep_removals``)."""
    return fields == REMOVED


def keep_removals(session: Session, source: str, today: dt.date, rows: Iterable[tuple[str, tuple]]) -> None:
    """Keep that ``source`` took each of ``rows`` ((table, natural key)) out of the register, so that
    neither the register as of a later day nor a later import of an earlier report brings it back."""
    kept = [
        {"table": table, "key": key_text(key), "source": source, "position": 0, "fields": REMOVED, "recorded": today}
        for table, key in rows
    ]
    if kept:
        keep(session, kept)


def keep_chat_changes(session: Session, source: str, today: dt.date) -> int:
    """Keep the rows a change from chat wrote under ``source`` (``chat:<day>``) as that source's
    statements, so that the register as it stood on a later day holds them too. How many were kept.

    A row the import format refuses (chat may record a DCC step out of order, with a warning) is kept as
    it is stored: a snapshot restores statements without validating them.
    """
    from secbot.store.export import export_rows  # the export builds on the importer, which builds on this

    refused: list[str] = []
    rows = [row for row in export_rows(session, {source}, refused=refused, keep_refused=True) if row.table != "sources"]
    for problem in refused:
        log.info("a change from chat that an import would refuse, kept as stored: %s", problem)
    if rows:
        keep(
            session,
            [
                {
                    "table": row.table,
                    "key": key_text(row.key),
                    "source": row.source,
                    "position": row.position,
                    "fields": row.fields,
                    "recorded": today,
                }
                for row in rows
            ],
        )
    return len(rows)


@dataclass(slots=True)
class Resolved:
    """One row as the statements about it resolve: what a fact table holds."""

    table: str
    key: str
    source: str  # the latest source that states the row
    position: int  # as the latest statement gives it
    fields: dict  # each field as the latest statement that gives it (not empty) says
    # A modification's titles but its current one, oldest first, each with the latest source giving it.
    earlier_titles: list[tuple[str, str]] = field(default_factory=list)


def resolve(ordered: Iterable[tuple[str, str, str, int, dict]]) -> list[Resolved]:
    """Fold statements, given as (table, key, source, position, fields) in ``order``, into one row each:
    later wins field by field, and a field a statement leaves empty keeps the earlier value. This is
    what the importer's ``Applier`` makes of the same statements, written once per row. A removal drops
    the row and everything said of it before; a later statement starts it afresh."""
    rows: dict[tuple[str, str], Resolved] = {}
    titles: dict[str, dict[str, tuple[str, str]]] = {}  # modification key -> folded title -> (text, source)
    for table, key, source, position, fields in ordered:
        if removes(fields):
            rows.pop((table, key), None)
            if table == "modifications":
                titles.pop(key, None)
            continue
        row = rows.get((table, key))
        if row is None:
            rows[(table, key)] = row = Resolved(table, key, source, position, dict(fields))
        else:
            row.source, row.position = source, position
            held = row.fields
            for name, value in fields.items():
                if value is not None and value != []:
                    held[name] = value
        if table == "modifications":
            seen = titles.setdefault(key, {})
            for title in [*fields.get("earlier_titles", ()), fields.get("title")]:
                if title:
                    seen[title.casefold()] = (title, source)
    for key, seen in titles.items():
        row = rows[("modifications", key)]
        current = (row.fields.get("title") or "").casefold()
        row.fields.pop("earlier_titles", None)
        row.earlier_titles = [said for folded, said in seen.items() if folded != current]
    return list(rows.values())
