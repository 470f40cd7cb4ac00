"""The register as import rows: the flat rows (``importer.schema.FLAT_TABLES``) that, imported, give the
fact tables back.

``export_rows`` owns the way back from the fact tables to the import format: references instead of
database ids, a meeting's kind and date for its agenda items, a release's name for its scope, every row
under its own ``source``, and one ``sources`` row per source (its own source is itself). It is what the
``statements`` backfill (migration 0008) records, one statement per row, and what a re-import of the
register is made of.

Each ``ExportedRow``'s ``fields`` are the row as the import format takes it, without ``source``: only the
fields that hold a value, as JSON (dates in ISO form), and canonical --
``FLAT_TABLES[table].model_validate(fields).model_dump(mode="json", exclude_unset=True) == fields``.
``key`` is the row's natural key as ``importer.validation.natural_key`` gives it; ``position`` the order of
an agenda item in its meeting or of a scope row in its release (0 for every other row).

A modification's earlier titles: those its current source gave are the row's ``earlier_titles``; each
other source that gave some is one more ``modifications`` row, ``{reference, title}`` (when a source gave
several, the latest stored is its ``title`` and the others its ``earlier_titles``; only ``earlier_titles``
when the modification has no title, so that the row cannot become its title). These rows come before
every modification's own row: applied in this order, later source wins (``importer.apply``) keeps each
earlier title with its source and leaves the current title current, because an earlier title's source is
never later than the modification's (which title of several a source gave as its title is not stored).

It reads only the columns the schema has had since revision 0008 (by name, with Core), on a ``Session`` or
a ``Connection``, so that migration 0008 can run it on a database at that revision.

What the import format cannot say is not exported: a modification's ``source_date`` (an import takes its
source's ``issued``), the ids, the order of earlier titles, and which values of a row came from older
sources that filled gaps (every value is exported under the row's own source). ``standalone`` is given
only when true. A stored value the import format would refuse raises ``ExportError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from secbot.store.importer.results import TABLE_ORDER
from secbot.store.importer.schema import FLAT_TABLES
from secbot.store.importer.validation import natural_key
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Conversion,
    Decision,
    EarlierTitle,
    Event,
    Meeting,
    Modification,
    Release,
    ReleaseScope,
    Source,
    Vote,
)

__all__ = ["ExportError", "ExportedRow", "export_rows", "merge_fields"]

# Per model: the columns exported as fields of the same name (the model's key columns included).
_MODIFICATION = (
    "reference",
    "title",
    "proposer",
    "organisation",
    "lead_analyst",
    "raised",
    "phase",
    "status",
    "path",
    "impacted_parties",
    "sec_documents",
    "issue_summary",
    "solution_summary",
    "implementation_date",
    "latest_update",
    "url",
)
_PER_MODIFICATION = {
    "events": (Event, ("date", "kind", "text")),
    "consultations": (
        Consultation,
        ("kind", "round", "opens", "closes", "expected_week", "expected_text", "url", "note"),
    ),
    "assessments": (
        Assessment,
        ("kind", "round", "requested", "accepted", "returned", "target_wd", "clock_restart", "note"),
    ),
    "votes": (Vote, ("date", "outcome", "governance", "majority", "objective", "note")),
    "decisions": (Decision, ("date", "outcome", "authority", "conditions")),
}


@dataclass(frozen=True, slots=True)
class ExportedRow:
    """One flat import row: its table, natural key, source, position and fields (without ``source``)."""

    table: str
    key: tuple
    source: str
    position: int
    fields: dict[str, Any]


class ExportError(ValueError):
    """Stored rows the import format would refuse; ``problems`` names each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def merge_fields(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two rows' fields as one: ``first``'s values, the fields only ``second`` gives, lists joined."""
    merged = dict(first)
    for name, value in second.items():
        if name not in merged:
            merged[name] = value
        elif isinstance(merged[name], list) and isinstance(value, list):
            merged[name] = merged[name] + [item for item in value if item not in merged[name]]
    return merged


def _columns(model, names: Iterable[str]) -> list:
    table = model.__table__
    return [table.c[name] for name in names]


def _stated(row: BaseModel) -> dict[str, Any]:
    """The fields a validated row holds a value in, as JSON, without ``source``."""
    dumped = row.model_dump(mode="json", exclude_unset=True)
    return {name: value for name, value in dumped.items() if name != "source" and value is not None and value != []}


class _Rows:
    """The exported rows, checked as they are made, one per (table, key, source)."""

    def __init__(self, sources: set[str] | None = None, keep_refused: bool = False) -> None:
        self.rows: dict[tuple[str, tuple, str], ExportedRow] = {}
        self.problems: list[str] = []
        self.sources = sources  # None: every source's rows
        self.keep_refused = keep_refused

    def add(self, table: str, source: str, values: dict[str, Any], position: int = 0) -> None:
        if self.sources is not None and source not in self.sources:
            return
        model = FLAT_TABLES[table]
        given = {name: value for name, value in values.items() if value is not None and value != [] and value != ""}
        try:
            row = model.model_validate(given)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in error.errors())
            self.problems.append(f"{table} {_shown(given)} from {source}: {problems}")
            if self.keep_refused:
                self._keep(table, source, position, model.model_construct(**given), _as_json(given))
            return
        fields = _stated(row)
        again = model.model_validate(fields).model_dump(mode="json", exclude_unset=True)
        if again != fields:  # a value the import format does not give back as it takes it
            self.problems.append(f"{table} {_shown(given)} from {source}: its fields do not read back as given")
            return
        self._keep(table, source, position, row, fields)

    def _keep(self, table: str, source: str, position: int, row: BaseModel, fields: dict[str, Any]) -> None:
        key = natural_key(table, row)
        found = self.rows.get((table, key, source))
        if found is not None:  # the same row twice (stored values that read as one key): one row
            fields, position = merge_fields(found.fields, fields), found.position
        self.rows[(table, key, source)] = ExportedRow(table, key, source, position, fields)


def _as_json(values: dict[str, Any]) -> dict[str, Any]:
    """A stored row's values as a statement keeps them: dates in ISO form, without ``source``."""
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in values.items()
        if name != "source"
    }


def _shown(values: dict[str, Any]) -> str:
    shown = repr({name: value.isoformat() if isinstance(value, dt.date) else value for name, value in values.items()})
    return shown if len(shown) <= 160 else shown[:157] + "..."


def export_rows(
    session: Session | Connection,
    sources: set[str] | None = None,
    *,
    refused: list[str] | None = None,
    keep_refused: bool = False,
) -> list[ExportedRow]:
    """The flat import rows that give the fact tables back: ``sources`` first, then table by table in the
    importer's order (a modification's earlier-title rows before every modification's own row; agenda
    items and scope rows by meeting or release, then position); only the rows of ``sources`` when given.
    Raises ``ExportError`` naming every stored row the import format would refuse, or, given a
    ``refused`` list, names them there and leaves them out, or, with ``keep_refused``, keeps them with
    their fields as stored (a change from chat may record a DCC step out of order; its statement keeps it)."""
    out = _Rows(sources, keep_refused)

    def of_sources(query, model):
        """``query`` over ``model``'s rows of ``sources`` only, when given: the child tables are the large
        ones (modifications, meetings and releases are read whole, for the names their children use)."""
        return query if sources is None else query.where(model.__table__.c.source.in_(sorted(sources)))

    for key, title, paper_reference, issued, url in session.execute(
        select(*_columns(Source, ("key", "title", "paper_reference", "issued", "url"))).order_by(Source.__table__.c.key)
    ):
        out.add(
            "sources",
            key,
            {"key": key, "title": title, "paper_reference": paper_reference, "issued": issued, "url": url},
        )

    # Modifications: earlier titles from other sources first, then each modification's own row.
    mods = Modification.__table__
    references: dict[int, str] = {}
    own: list[tuple[int, str, dict[str, Any]]] = []  # (id, source, fields) of each modification
    for row in session.execute(
        select(mods.c.id, mods.c.source, *_columns(Modification, _MODIFICATION)).order_by(mods.c.reference)
    ):
        values = dict(row._mapping)
        mod_id, source = values.pop("id"), values.pop("source")
        references[mod_id] = values["reference"]
        own.append((mod_id, source, values))
    titles = EarlierTitle.__table__
    earlier: dict[int, dict[str, list[str]]] = {}  # modification -> source -> titles, in the order stored
    for mod_id, title, source in session.execute(
        of_sources(select(titles.c.modification_id, titles.c.title, titles.c.source), EarlierTitle).order_by(
            titles.c.id
        )
    ):
        earlier.setdefault(mod_id, {}).setdefault(source, []).append(title)
    for mod_id, source, values in own:
        for other, said in earlier.get(mod_id, {}).items():
            if other == source:
                continue
            if values["title"]:
                title = said[-1]  # the latest stored: the title a newer source renamed away, most often
                out.add(
                    "modifications",
                    other,
                    {"reference": values["reference"], "title": title, "earlier_titles": said[:-1]},
                )
            else:
                out.add("modifications", other, {"reference": values["reference"], "earlier_titles": said})
    for mod_id, source, values in own:
        out.add("modifications", source, {**values, "earlier_titles": earlier.get(mod_id, {}).get(source, [])})

    conversions = Conversion.__table__
    for draft_id, proposal_id, date, next_phase, source in session.execute(
        of_sources(
            select(*_columns(Conversion, ("draft_id", "proposal_id", "date", "next_phase", "source"))), Conversion
        ).order_by(conversions.c.draft_id)
    ):
        values = {"draft": references[draft_id], "proposal": references[proposal_id], "date": date}
        out.add("conversions", source, {**values, "next_phase": next_phase})

    def per_modification(table: str) -> None:
        model, names = _PER_MODIFICATION[table]
        rows = session.execute(of_sources(select(*_columns(model, ("modification_id", "source", *names))), model))
        found = [(references[row[0]], row[1], dict(zip(names, row[2:], strict=True))) for row in rows]
        for reference, source, values in sorted(found, key=lambda f: (f[0], repr(f[2]), f[1])):
            out.add(table, source, {"reference": reference, **values})

    per_modification("events")

    meetings: dict[int, tuple[str, dt.date]] = {}
    for meeting_id, kind, date, title, published, url, source in session.execute(
        select(*_columns(Meeting, ("id", "kind", "date", "title", "agenda_published", "url", "source"))).order_by(
            Meeting.__table__.c.date, Meeting.__table__.c.kind
        )
    ):
        meetings[meeting_id] = (kind, date)
        values = {"kind": kind, "date": date, "title": title, "agenda_published": published, "url": url}
        out.add("meetings", source, values)
    agenda = sorted(
        session.execute(
            of_sources(
                select(*_columns(AgendaItem, ("meeting_id", "modification_id", "position", "note", "source"))),
                AgendaItem,
            )
        ),
        key=lambda a: (meetings[a[0]][1], meetings[a[0]][0], a[2], references[a[1]]),
    )
    for meeting_id, mod_id, position, note, source in agenda:
        kind, date = meetings[meeting_id]
        values = {"meeting_kind": kind, "meeting_date": date, "reference": references[mod_id], "note": note}
        out.add("agenda_items", source, values, position)

    for table in ("consultations", "assessments", "votes", "decisions"):
        per_modification(table)

    releases: dict[int, str] = {}
    for release_id, name, date, date_text, standalone, source in session.execute(
        select(*_columns(Release, ("id", "name", "date", "date_text", "standalone", "source"))).order_by(
            Release.__table__.c.name
        )
    ):
        releases[release_id] = name
        values = {"name": name, "date": date, "date_text": date_text, "standalone": True if standalone else None}
        out.add("releases", source, values)
    scope = sorted(
        session.execute(
            of_sources(
                select(
                    *_columns(ReleaseScope, ("release_id", "modification_id", "position", "status", "note", "source"))
                ),
                ReleaseScope,
            )
        ),
        key=lambda s: (releases[s[0]], s[2], references[s[1]]),
    )
    for release_id, mod_id, position, status, note, source in scope:
        values = {"release": releases[release_id], "reference": references[mod_id], "status": status, "note": note}
        out.add("release_scope", source, values, position)

    if out.problems:
        if refused is None:
            raise ExportError(out.problems)
        refused.extend(out.problems)
    order = {table: number for number, table in enumerate(TABLE_ORDER)}  # the importer's: parents first
    return sorted(out.rows.values(), key=lambda row: order[row.table])  # stable: each table in the order added
