"""Apply register files to the store: validate everything, then write everything or nothing.

``import_paths`` reads the files (``readers``), validates every row (``schema``), and applies all of
them in ONE transaction. Any problem -- a bad value, an unknown reference or source, the same
natural key twice from one source, a database error -- rolls everything back and raises
``ImportFailed`` whose lines each name the file, the row, the field and the value.

Rows are upserted by their natural keys. When two sources disagree, the later source wins: a
value from a source issued on or after the source that last set the row replaces the stored one,
an older source only fills gaps. So importing the same files in any order gives the same register
(see ``docs/import-format.md`` for the exact rule and its one limitation).

An import that changes something bumps ``RegisterState.revision`` (atomically, so importers in
several processes never lose an increment) and leaves an ``ImportRecord``; an import that changes
nothing writes nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import String, bindparam, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from secbot.references import Ref, parse_reference
from secbot.store.db import Store
from secbot.store.importer import readers
from secbot.store.importer.schema import FLAT_TABLES, ModificationIn, SourceIn
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Conversion,
    Decision,
    EarlierTitle,
    Event,
    ImportRecord,
    Meeting,
    Modification,
    RegisterState,
    Release,
    ReleaseScope,
    Source,
    Vote,
)

log = logging.getLogger(__name__)

MAX_ERRORS = 20
_CHUNK = 500  # keys per IN (...) when loading existing rows
_IMPORT_LOCK = 0x5EC_1A9  # pg_advisory_xact_lock key: one importer at a time per database

# The order tables are applied in (parents first) and shown in summaries.
TABLE_ORDER = (
    "sources",
    "modifications",
    "conversions",
    "events",
    "meetings",
    "agenda_items",
    "consultations",
    "assessments",
    "votes",
    "decisions",
    "releases",
    "release_scope",
)
_DISPLAY = {"agenda_items": "agenda items", "release_scope": "release scope"}
_ORM = {
    "sources": Source,
    "modifications": Modification,
    "events": Event,
    "meetings": Meeting,
    "agenda_items": AgendaItem,
    "consultations": Consultation,
    "assessments": Assessment,
    "votes": Vote,
    "decisions": Decision,
    "releases": Release,
    "release_scope": ReleaseScope,
    "conversions": Conversion,
}
# Modification fields that later-source-wins applies to one by one (title is handled apart).
_MOD_FIELDS = tuple(
    name for name in ModificationIn.model_fields if name not in ("reference", "title", "earlier_titles", "source")
)


# --------------------------------------------------------------------------------------------
# Public results


class ImportFailed(Exception):
    """Nothing was imported. ``errors`` has one line per problem (at most ``MAX_ERRORS``)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors[:MAX_ERRORS])
        self.total = len(errors)
        self._all = list(errors)
        lines = list(self.errors)
        if self.total > len(self.errors):
            lines.append(f"... and {self.total - len(self.errors)} more errors")
        super().__init__("\n".join(lines))

    def __reduce__(self):  # survive pickling (multiprocessing, task queues) with its lines intact
        return (type(self), (self._all,))


@dataclass
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def text(self) -> str:
        parts = [f"{n} {word}" for n, word in ((self.added, "added"), (self.updated, "updated"),
                                               (self.unchanged, "unchanged")) if n]
        return ", ".join(parts) or "nothing"


@dataclass
class ImportResult:
    """What an import did. ``counts`` has one entry per table the files gave rows for; a row (by
    natural key) is added, updated or unchanged."""

    names: list[str]
    counts: dict[str, TableCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    changed: bool = False
    revision: int = 0

    def count(self, table: str) -> TableCounts:
        return self.counts.get(table, TableCounts())

    @property
    def added(self) -> int:
        return sum(c.added for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    def summary_text(self) -> str:
        names = ", ".join(self.names) or "nothing"
        if not self.changed:
            verb = "matches" if len(self.names) == 1 else "match"
            lines = [f"No changes: {names} {verb} the register (revision {self.revision})."]
        else:
            tables = "; ".join(
                f"{_DISPLAY.get(table, table)} {self.counts[table].text()}"
                for table in TABLE_ORDER
                if table in self.counts
            )
            lines = [f"Imported {names}: {tables}. The register is now at revision {self.revision}."]
        lines.extend(f"Warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "files": self.names,
            "counts": {t: vars(c).copy() for t, c in self.counts.items()},
            "warnings": list(self.warnings),
            "changed": self.changed,
            "revision": self.revision,
        }


# --------------------------------------------------------------------------------------------
# Validation (no database)


@dataclass
class _Item:
    file: str
    label: str
    row: BaseModel
    source: str  # the effective source key
    explicit_source: bool  # the row named its source itself
    position: int = 0  # agenda items and release scope: order within their meeting / release

    @property
    def where(self) -> str:
        return f"{self.file}: {self.label}"


@dataclass
class _Plan:
    raws: list[readers.RawFile]
    items: dict[str, list[_Item]] = field(default_factory=dict)
    sources: dict[str, tuple[str, SourceIn]] = field(default_factory=dict)  # key -> (where, row)
    default_keys: dict[str, str] = field(default_factory=dict)  # file name -> named default key
    errors: list[str] = field(default_factory=list)


def _show(value: object) -> str:
    if isinstance(value, str):
        shown = repr(value if len(value) <= 80 else value[:77] + "...")
    elif isinstance(value, dt.date):
        shown = f"'{value.isoformat()}'"
    else:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
    return shown


def _format_errors(where: str, model: type[BaseModel], error: ValidationError) -> list[str]:
    lines = []
    for problem in error.errors():
        loc = problem.get("loc", ())
        name = ".".join(str(part) for part in loc)
        kind = problem.get("type", "")
        message = str(problem.get("msg", ""))
        if kind == "missing":
            lines.append(f"{where}: field '{name}' is required")
        elif kind == "extra_forbidden":
            accepted = ", ".join(model.model_fields)
            lines.append(f"{where}: unknown field '{name}' (the fields of this table are: {accepted})")
        elif not loc:
            lines.append(f"{where}: {message.removeprefix('Value error, ')}")
        elif kind == "value_error":
            lines.append(f"{where}: field '{name}': {_show(problem.get('input'))} {message.removeprefix('Value error, ')}")
        else:
            message = message[:1].lower() + message[1:]
            lines.append(f"{where}: field '{name}': {_show(problem.get('input'))}: {message}")
    return lines


def _string_limits() -> dict[str, dict[str, int]]:
    limits: dict[str, dict[str, int]] = {}
    for table, model in _ORM.items():
        for column in model.__table__.columns:
            if isinstance(column.type, String) and column.type.length:
                limits.setdefault(table, {})[column.name] = column.type.length
    return limits


_LIMITS = _string_limits()


def _natural_key(table: str, row: BaseModel) -> tuple:
    r = row
    if table == "sources":
        return (r.key,)
    if table == "modifications":
        return (r.reference,)
    if table == "events":
        return (r.reference, r.date, r.kind, r.text)
    if table == "meetings":
        return (r.kind, r.date)
    if table == "agenda_items":
        return (r.meeting_kind, r.meeting_date, r.reference)
    if table in ("consultations", "assessments"):
        return (r.reference, r.kind, r.round)
    if table in ("votes", "decisions"):
        return (r.reference, r.date)
    if table == "releases":
        return (r.name,)
    if table == "release_scope":
        return (r.release, r.reference)
    if table == "conversions":
        return (r.draft,)
    raise KeyError(table)


def _describe_key(table: str, key: tuple) -> str:
    return " ".join(str(part) for part in key)


def _validate(raws: list[readers.RawFile], caller_source: SourceIn | None) -> _Plan:
    plan = _Plan(raws)
    source_seen: dict[str, tuple[str, SourceIn]] = {}

    def add_source(where: str, source: SourceIn) -> None:
        if source.key in source_seen:
            first_where, first = source_seen[source.key]
            if first != source:
                plan.errors.append(
                    f"{where}: source '{source.key}' is defined differently in {first_where}; give one definition"
                )
            return
        source_seen[source.key] = (where, source)

    def validate(model: type[BaseModel], where: str, data: dict) -> BaseModel | None:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            plan.errors.extend(_format_errors(where, model, error))
            return None

    if caller_source is not None:
        add_source("the import's source", caller_source)
    used_auto: dict[str, SourceIn] = {}
    positions: dict[tuple, int] = {}

    for raw in raws:
        default: str | None = None
        auto: SourceIn | None = None
        if isinstance(raw.default_source, tuple):
            label, data = raw.default_source
            source = validate(SourceIn, f"{raw.name}: {label}", data)
            if source is not None:
                add_source(f"{raw.name}: {label}", source)
                default = source.key
        elif isinstance(raw.default_source, str):
            default = raw.default_source
            plan.default_keys[raw.name] = default
        elif caller_source is not None:
            default = caller_source.key
        elif raw.auto_source:
            auto = SourceIn(key=f"import:{raw.name}"[:80], title=raw.name)
            default = auto.key
        for table, rows in raw.tables.items():  # in file order, so errors come in file order
            model = FLAT_TABLES[table]
            for label, data in rows:
                where = f"{raw.name}: {label}"
                row = validate(model, where, data)
                if row is None:
                    continue
                for name, limit in _LIMITS.get(table, {}).items():
                    value = getattr(row, name, None)
                    if isinstance(value, str) and len(value) > limit:
                        plan.errors.append(f"{where}: field '{name}': {_show(value)} is longer than {limit} characters")
                if table == "sources":
                    add_source(where, row)
                    continue
                key = row.source or default
                if key is None:
                    plan.errors.append(
                        f"{where}: field 'source' is required: the file has no default 'source:' and the row names none"
                    )
                    continue
                if row.source is None and auto is not None:
                    used_auto[auto.key] = auto
                item = _Item(raw.name, label, row, key, row.source is not None)
                if table in ("agenda_items", "release_scope"):
                    parent = (raw.name, table, row.meeting_kind, row.meeting_date) if table == "agenda_items" \
                        else (raw.name, table, row.release)
                    item.position = positions.get(parent, 0)
                    positions[parent] = item.position + 1
                plan.items.setdefault(table, []).append(item)
    for auto in used_auto.values():
        add_source("the file name", auto)
    plan.sources = source_seen

    # The same natural key twice from the same source is a contradiction or a copy-paste slip.
    for table, items in plan.items.items():
        seen: dict[tuple, _Item] = {}
        for item in items:
            key = (*_natural_key(table, item.row), item.source)
            if key in seen:
                plan.errors.append(
                    f"{item.where}: duplicate {_DISPLAY.get(table, table)} "
                    f"{_describe_key(table, key[:-1])}: already given by {seen[key].where}"
                )
            else:
                seen[key] = item
    return plan


# --------------------------------------------------------------------------------------------
# Applying (one transaction)


def _wins(incoming: dt.date | None, stored: dt.date | None) -> bool:
    """Later source wins; an unknown date on either side lets the incoming value win."""
    return incoming is None or stored is None or incoming >= stored


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterator[list]:
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _given(row: BaseModel, exclude: Iterable[str]) -> dict:
    """The fields the row states (present and not empty), by column name."""
    skip = set(exclude) | {"source"}
    return {
        name: getattr(row, name)
        for name in row.model_fields_set
        if name not in skip and getattr(row, name) is not None and getattr(row, name) != []
    }


def _values(row: BaseModel, exclude: Iterable[str]) -> dict:
    skip = set(exclude) | {"source"}
    return {name: getattr(row, name) for name in type(row).model_fields if name not in skip}


@dataclass
class _Title:
    title: str
    source: str
    id: int | None = None  # None: added by this import
    dirty: bool = False  # its source changed


@dataclass
class _Mod:
    """A modification as plain values while an import works on it (fast for 10,000 rows)."""

    id: int | None  # None: added by this import
    values: dict  # column -> value, every column but id
    earlier: list[_Title] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # earlier title ids to delete
    dirty: bool = False


class _Applier:
    def __init__(self, session: Session, plan: _Plan):
        self.session = session
        self.plan = plan
        self.errors: list[str] = []
        self.status: dict[str, dict[tuple, str]] = {table: {} for table in TABLE_ORDER}
        self.source_dates: dict[str, dt.date | None] = {}
        self.mods: dict[str, _Mod] = {}

    # -- bookkeeping

    def mark(self, table: str, key: tuple, status: str) -> None:
        table_status = self.status[table]
        previous = table_status.get(key)
        if previous is None or (previous == "unchanged" and status == "updated"):
            table_status[key] = status

    def counts(self) -> dict[str, TableCounts]:
        result: dict[str, TableCounts] = {}
        for table in TABLE_ORDER:
            statuses = self.status[table]
            if not statuses:
                continue
            counts = TableCounts()
            for status in statuses.values():
                setattr(counts, status, getattr(counts, status) + 1)
            result[table] = counts
        return result

    def load(self, model, column, values: Iterable) -> list:
        rows: list = []
        for chunk in _chunks(sorted(set(values))):
            rows.extend(self.session.scalars(select(model).where(column.in_(chunk))))
        return rows

    def upsert(self, table: str, existing: dict, key: tuple, item: _Item, create: Callable[[], object],
               given: dict) -> object:
        obj = existing.get(key)
        if obj is None:
            obj = create()
            obj.source = item.source
            self.session.add(obj)
            existing[key] = obj
            self.mark(table, key, "added")
            return obj
        wins = _wins(self.source_dates.get(item.source), self.source_dates.get(obj.source))
        changed = False
        for name, value in given.items():
            current = getattr(obj, name)
            if current == value:
                continue
            if wins or current is None:
                setattr(obj, name, value)
                changed = True
        if wins and obj.source != item.source:
            obj.source = item.source
            changed = True
        self.mark(table, key, "updated" if changed else "unchanged")
        return obj

    # -- phases

    def run(self) -> None:
        self.sources()
        self.session.flush()
        self.resolve_modifications()
        if self.errors:
            return
        self.modifications()
        self.conversions()
        self.events()
        self.meetings()
        self.consultations_and_assessments()
        self.votes_and_decisions()
        self.releases()
        self.session.flush()

    def sources(self) -> None:
        stored = {s.key: s for s in self.session.scalars(select(Source))}
        self.source_dates = {key: s.issued for key, s in stored.items()}
        for key, (_where, row) in self.plan.sources.items():
            self.source_dates[key] = row.issued
        known = set(self.source_dates)
        for file, key in self.plan.default_keys.items():
            if key not in known:
                self.errors.append(
                    f"{file}: source: {key!r} is not a known source; define it under 'sources:' or "
                    "give 'source:' as a mapping (key, title, issued)"
                )
        missing_defaults = {key for key in self.plan.default_keys.values() if key not in known}
        for items in self.plan.items.values():
            for item in items:
                if item.source in known:
                    continue
                if item.explicit_source:
                    self.errors.append(
                        f"{item.where}: field 'source': {item.source!r} is not a known source; "
                        "define it under 'sources:' (or in sources.csv)"
                    )
                elif item.source not in missing_defaults:
                    self.errors.append(f"{item.where}: source {item.source!r} is not a known source")
        for key, (_where, row) in self.plan.sources.items():
            current = stored.get(key)
            if current is None:
                self.session.add(Source(**row.model_dump()))
                self.mark("sources", (key,), "added")
                continue
            changed = False
            for name, value in _given(row, ()).items():
                if getattr(current, name) != value:
                    setattr(current, name, value)
                    changed = True
            self.mark("sources", (key,), "updated" if changed else "unchanged")

    def _child_references(self) -> Iterator[tuple[_Item, str, str]]:
        for table, items in self.plan.items.items():
            if table == "modifications":
                continue
            for item in items:
                if table == "conversions":
                    yield item, "draft", item.row.draft
                    yield item, "proposal", item.row.proposal
                elif hasattr(item.row, "reference"):
                    yield item, "reference", item.row.reference

    def resolve_modifications(self) -> None:
        """Load the stored modifications this import names (in bulk) and check child references."""
        incoming = {item.row.reference for item in self.plan.items.get("modifications", [])}
        children = list(self._child_references())
        wanted = incoming | {reference for _item, _field, reference in children}
        table = Modification.__table__
        for chunk in _chunks(sorted(wanted)):
            for row in self.session.execute(select(table).where(table.c.reference.in_(chunk))).mappings():
                values = dict(row)
                self.mods[values["reference"]] = _Mod(values.pop("id"), values)
        if incoming:
            by_id = {mod.id: mod for mod in self.mods.values()}
            titles = EarlierTitle.__table__
            for chunk in _chunks(sorted(by_id)):
                query = select(titles).where(titles.c.modification_id.in_(chunk)).order_by(titles.c.id)
                for row in self.session.execute(query).mappings():
                    by_id[row["modification_id"]].earlier.append(_Title(row["title"], row["source"], row["id"]))
        for item, name, reference in children:
            if reference not in incoming and reference not in self.mods:
                self.errors.append(
                    f"{item.where}: field '{name}': {reference!r} is neither in the register nor in this import"
                )

    # modifications: later source wins, field by field

    def add_earlier_title(self, mod: _Mod, title: str, source: str) -> bool:
        folded = title.casefold()
        current = mod.values.get("title")
        if current and current.casefold() == folded:
            return False
        for earlier in mod.earlier:
            if earlier.title.casefold() == folded:
                if earlier.source != source and _wins(self.source_dates.get(source),
                                                      self.source_dates.get(earlier.source)):
                    earlier.source = source  # remember the latest source that used the title
                    earlier.dirty = True
                    return True
                return False
        mod.earlier.append(_Title(title, source))
        return True

    def drop_current_title(self, mod: _Mod) -> bool:
        current = mod.values.get("title")
        if not current:
            return False
        folded = current.casefold()
        doomed = [e for e in mod.earlier if e.title.casefold() == folded]
        for earlier in doomed:
            mod.earlier.remove(earlier)
            if earlier.id is not None:
                mod.removed.append(earlier.id)
        return bool(doomed)

    def modifications(self) -> None:
        for item in self.plan.items.get("modifications", []):
            row: ModificationIn = item.row  # type: ignore[assignment]
            date = self.source_dates.get(item.source)
            key = (row.reference,)
            mod = self.mods.get(row.reference)
            if mod is None:
                ref = parse_reference(row.reference)
                assert isinstance(ref, Ref)
                values = {
                    "reference": row.reference,
                    "family": ref.family,
                    "number": ref.number,
                    "suffix": ref.suffix,
                    "title": row.title,
                    **{name: getattr(row, name) for name in _MOD_FIELDS},
                    "source": item.source,
                    "source_date": date,
                }
                mod = _Mod(None, values)
                for title in row.earlier_titles:
                    self.add_earlier_title(mod, title, item.source)
                self.mods[row.reference] = mod
                self.mark("modifications", key, "added")
                continue

            values = mod.values
            wins = _wins(date, values["source_date"])
            old_source = values["source"]
            changed = False
            for name in _MOD_FIELDS:
                value = getattr(row, name)
                if value is None or value == []:
                    continue
                current = values[name]
                if current == value:
                    continue
                if wins or current is None or current == []:
                    values[name] = value
                    changed = True
            title, current_title = row.title, values["title"]
            if title and title != current_title:
                if current_title is None:
                    values["title"] = title
                    changed = True
                elif wins:
                    values["title"] = title
                    changed = True
                    if current_title.casefold() != title.casefold():
                        self.add_earlier_title(mod, current_title, old_source)
                elif current_title.casefold() != title.casefold():
                    changed |= self.add_earlier_title(mod, title, item.source)
            for earlier in row.earlier_titles:
                changed |= self.add_earlier_title(mod, earlier, item.source)
            changed |= self.drop_current_title(mod)
            if wins and (values["source"] != item.source or values["source_date"] != date):
                values["source"] = item.source
                values["source_date"] = date
                changed = True
            mod.dirty |= changed
            self.mark("modifications", key, "updated" if changed else "unchanged")
        self.write_modifications()

    def write_modifications(self) -> None:
        """Write the modifications phase with a few executemany statements, not one per row."""
        table = Modification.__table__
        titles = EarlierTitle.__table__
        new = [mod for mod in self.mods.values() if mod.id is None]
        if new:
            self.session.execute(table.insert(), [mod.values for mod in new])
            by_reference = {mod.values["reference"]: mod for mod in new}
            for chunk in _chunks(sorted(by_reference)):
                query = select(table.c.reference, table.c.id).where(table.c.reference.in_(chunk))
                for reference, mod_id in self.session.execute(query):
                    by_reference[reference].id = mod_id
        changed = [mod for mod in self.mods.values() if mod.dirty]
        if changed:
            columns = [c.name for c in table.columns if c.name not in ("id", "reference", "family", "number", "suffix")]
            statement = (
                table.update()
                .where(table.c.id == bindparam("_id"))
                .values({name: bindparam(name) for name in columns})
            )
            self.session.execute(statement, [{"_id": mod.id, **{n: mod.values[n] for n in columns}} for mod in changed])
        removed = [title_id for mod in self.mods.values() for title_id in mod.removed]
        for chunk in _chunks(removed):
            self.session.execute(titles.delete().where(titles.c.id.in_(chunk)))
        added = [
            {"modification_id": mod.id, "title": t.title, "source": t.source}
            for mod in self.mods.values()
            for t in mod.earlier
            if t.id is None
        ]
        if added:
            self.session.execute(titles.insert(), added)
        resourced = [{"_id": t.id, "source": t.source} for mod in self.mods.values() for t in mod.earlier
                     if t.id is not None and t.dirty]
        if resourced:
            self.session.execute(
                titles.update().where(titles.c.id == bindparam("_id")).values(source=bindparam("source")), resourced
            )

    def mod_id(self, reference: str) -> int:
        return self.mods[reference].id

    def _existing_ids(self, items: list[_Item], *names: str) -> set[int]:
        return {self.mods[getattr(item.row, name)].id for item in items for name in names}

    def conversions(self) -> None:
        items = self.plan.items.get("conversions", [])
        if not items:
            return
        existing = {(c.draft_id,): c for c in self.load(Conversion, Conversion.draft_id, self._existing_ids(items, "draft"))}
        for item in items:
            row = item.row
            values = {"proposal_id": self.mod_id(row.proposal), "date": row.date, "next_phase": row.next_phase}
            given = {"proposal_id": values["proposal_id"], **_given(row, ("draft", "proposal"))}
            draft_id = self.mod_id(row.draft)
            self.upsert("conversions", existing, (draft_id,), item,
                        lambda: Conversion(draft_id=draft_id, **values), given)

    def events(self) -> None:
        items = self.plan.items.get("events", [])
        if not items:
            return
        existing = {
            (e.modification_id, e.date, e.kind, e.text): e
            for e in self.load(Event, Event.modification_id, self._existing_ids(items, "reference"))
        }
        for item in items:
            row = item.row
            key = (self.mod_id(row.reference), row.date, row.kind, row.text)
            self.upsert("events", existing, key, item,
                        lambda: Event(modification_id=key[0], date=row.date, kind=row.kind, text=row.text), {})

    def meetings(self) -> None:
        items = self.plan.items.get("meetings", [])
        agenda = self.plan.items.get("agenda_items", [])
        if not items and not agenda:
            return
        dates = {item.row.date for item in items} | {item.row.meeting_date for item in agenda}
        existing = {(m.kind, m.date): m for m in self.load(Meeting, Meeting.date, dates)}
        for item in items:
            row = item.row
            self.upsert("meetings", existing, (row.kind, row.date), item,
                        lambda: Meeting(**_values(row, ("items",))), _given(row, ("kind", "date", "items")))
        for item in agenda:  # a meeting named only by an agenda row is created from it
            row = item.row
            key = (row.meeting_kind, row.meeting_date)
            if key not in existing:
                meeting = Meeting(kind=row.meeting_kind, date=row.meeting_date, source=item.source)
                self.session.add(meeting)
                existing[key] = meeting
                self.mark("meetings", key, "added")
        if not agenda:
            return
        self.session.flush()
        stored = {
            (a.meeting_id, a.modification_id): a
            for a in self.load(AgendaItem, AgendaItem.meeting_id, {m.id for m in existing.values()})
        }
        for item in agenda:
            row = item.row
            meeting_id = existing[(row.meeting_kind, row.meeting_date)].id
            mod_id = self.mod_id(row.reference)
            given = {"position": item.position, **_given(row, ("meeting_kind", "meeting_date", "reference"))}
            self.upsert("agenda_items", stored, (meeting_id, mod_id), item,
                        lambda: AgendaItem(meeting_id=meeting_id, modification_id=mod_id,
                                           position=item.position, note=row.note), given)

    def consultations_and_assessments(self) -> None:
        for table, model in (("consultations", Consultation), ("assessments", Assessment)):
            items = self.plan.items.get(table, [])
            if not items:
                continue
            existing = {
                (r.modification_id, r.kind, r.round): r
                for r in self.load(model, model.modification_id, self._existing_ids(items, "reference"))
            }
            for item in items:
                row = item.row
                mod_id = self.mod_id(row.reference)
                self.upsert(table, existing, (mod_id, row.kind, row.round), item,
                            lambda: model(modification_id=mod_id, **_values(row, ("reference",))),
                            _given(row, ("reference", "kind", "round")))

    def votes_and_decisions(self) -> None:
        for table, model in (("votes", Vote), ("decisions", Decision)):
            items = self.plan.items.get(table, [])
            if not items:
                continue
            existing = {
                (r.modification_id, r.date): r
                for r in self.load(model, model.modification_id, self._existing_ids(items, "reference"))
            }
            for item in items:
                row = item.row
                mod_id = self.mod_id(row.reference)
                self.upsert(table, existing, (mod_id, row.date), item,
                            lambda: model(modification_id=mod_id, **_values(row, ("reference",))),
                            _given(row, ("reference", "date")))

    def releases(self) -> None:
        items = self.plan.items.get("releases", [])
        scope = self.plan.items.get("release_scope", [])
        if not items and not scope:
            return
        names = {item.row.name for item in items} | {item.row.release for item in scope}
        existing = {(r.name,): r for r in self.load(Release, Release.name, names)}
        for item in items:
            row = item.row
            self.upsert("releases", existing, (row.name,), item,
                        lambda: Release(**_values(row, ("scope",))), _given(row, ("name", "scope")))
        for item in scope:  # a release named only by a scope row is created from it
            key = (item.row.release,)
            if key not in existing:
                release = Release(name=item.row.release, source=item.source)
                self.session.add(release)
                existing[key] = release
                self.mark("releases", key, "added")
        if not scope:
            return
        self.session.flush()
        stored = {
            (s.release_id, s.modification_id): s
            for s in self.load(ReleaseScope, ReleaseScope.release_id, {r.id for r in existing.values()})
        }
        for item in scope:
            row = item.row
            release_id = existing[(row.release,)].id
            mod_id = self.mod_id(row.reference)
            given = {"position": item.position, **_given(row, ("release", "reference"))}
            self.upsert("release_scope", stored, (release_id, mod_id), item,
                        lambda: ReleaseScope(release_id=release_id, modification_id=mod_id,
                                             position=item.position, status=row.status, note=row.note), given)


def _lock(session: Session) -> None:
    """One importer at a time: later importers wait, then see what earlier ones committed."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    elif dialect == "sqlite":
        # Take SQLite's write lock before reading, so a concurrent importer cannot slip in between.
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _current_revision(session: Session) -> int:
    return session.scalar(select(RegisterState.revision).where(RegisterState.id == 1)) or 0


def _bump_revision(session: Session, now: dt.datetime) -> int:
    """revision = revision + 1 in the database itself, so concurrent importers never lose a bump."""
    bumped = session.execute(
        update(RegisterState)
        .where(RegisterState.id == 1)
        .values(revision=RegisterState.revision + 1, changed_at=now)
        .returning(RegisterState.revision)
    ).scalar_one_or_none()
    if bumped is not None:
        return bumped
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(RegisterState).values(id=1, revision=1, changed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[RegisterState.id],
        set_={"revision": RegisterState.revision + 1, "changed_at": now},
    ).returning(RegisterState.revision)
    return session.execute(statement).scalar_one()


def _digest(raws: list[readers.RawFile]) -> tuple[str, list[dict]]:
    files = [{"name": raw.name, "sha256": hashlib.sha256(raw.content).hexdigest()} for raw in raws]
    if len(files) == 1:
        return files[0]["sha256"], files
    combined = hashlib.sha256("".join(f"{f['name']}\0{f['sha256']}\n" for f in files).encode())
    return combined.hexdigest(), files


def _database_error(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return f"database error, nothing was imported: {first_line}"


# --------------------------------------------------------------------------------------------
# Public API


def import_paths(store: Store, paths: list[Path], *, source: SourceIn | None = None) -> ImportResult:
    """Import register files (YAML, CSV, XLSX or directories of them) as one all-or-nothing change.

    ``source`` is the default source for files that do not name their own (every CSV and XLSX file,
    YAML files without ``source:``); without it a CSV/XLSX file's rows get the source
    ``import:<file name>``. Raises ``ImportFailed`` and writes nothing when anything is wrong.
    """
    try:
        raws = readers.read_paths([Path(p) for p in paths])
    except readers.ReadError as error:
        raise ImportFailed(error.errors) from None
    names = [raw.name for raw in raws]
    warnings = [warning for raw in raws for warning in raw.warnings]
    plan = _validate(raws, source)
    if plan.errors:
        raise ImportFailed(plan.errors)

    result = ImportResult(names, warnings=warnings)
    session = store.sessions()
    try:
        session.begin()
        _lock(session)
        applier = _Applier(session, plan)
        applier.run()
        if applier.errors:
            raise ImportFailed(applier.errors)
        result.counts = applier.counts()
        result.changed = any(c.added or c.updated for c in result.counts.values())
        if result.changed:
            now = dt.datetime.now(dt.UTC)
            result.revision = _bump_revision(session, now)
            digest, files = _digest(raws)
            session.add(
                ImportRecord(at=now, name=", ".join(names), sha256=digest, summary={**result.as_dict(), "files": files})
            )
            session.commit()
        else:
            result.revision = _current_revision(session)
            session.rollback()  # nothing changed: write nothing at all
    except ImportFailed:
        session.rollback()
        raise
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("import of %s failed: %s", names, error)
        raise ImportFailed([f"{', '.join(names)}: {_database_error(error)}"]) from error
    finally:
        session.close()
    log.info("%s", result.summary_text())
    return result


def _issued(path: Path) -> dt.date:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        issued = document["source"]["issued"]
    except (yaml.YAMLError, OSError, KeyError, TypeError):
        return dt.date.min
    if isinstance(issued, dt.date):
        return issued
    try:
        return dt.date.fromisoformat(str(issued))
    except ValueError:
        return dt.date.min


def sample_paths() -> list[Path]:
    """The bundled sample register files, oldest source first."""
    folder = Path(str(resources.files("secbot.store").joinpath("sample")))
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in readers.YAML_SUFFIXES]
    return sorted(files, key=lambda p: (_issued(p), p.name))


def import_sample(store: Store) -> ImportResult:
    """Import the bundled sample register (all its files as one import)."""
    return import_paths(store, sample_paths())


def load_sample_if_empty(store: Store) -> ImportResult | None:
    """Load the sample register into a store that has no modifications yet; else do nothing."""
    with store.sessions() as session:
        if session.scalar(select(Modification.id).limit(1)) is not None:
            return None
    if not sample_paths():
        log.warning("no bundled sample register files found; the register stays empty")
        return None
    return import_sample(store)
