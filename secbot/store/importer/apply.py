"""Apply a validated ``Plan`` to the store in one transaction (``loader`` begins and ends it).

``Applier`` checks what only the database knows (every source and every referenced modification
exists; ``check``, which only reads and also runs for a plan that already has problems, so that one
run reports them all), then upserts rows by their natural keys, parents first (``TABLE_ORDER``), loading stored
rows in bulk. Every row is also kept as a statement of its source (``models.Statement``; a source
re-imported restates its rows), and when sources disagree the later source wins field by field: a
field takes the value of the latest statement that gives it (``statements.order``: by the source's
issue date, then its key), whatever order the files came in. A row no statement speaks for yet (one
written before statements were kept) falls back to the date of the source that last set the row.
Earlier titles of a modification are kept as aliases.

Around it: ``lock`` (one importer at a time per database), ``bump_revision`` (atomic, so importers
in several processes never lose an increment), ``current_revision``, ``digest`` (the import
record's checksum) and ``database_error`` (a database failure as one error line).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from secbot.references import Ref, parse_reference
from secbot.store.db import insert_for
from secbot.store.importer import readers
from secbot.store.importer.results import TABLE_ORDER, TableCounts
from secbot.store.importer.schema import ModificationIn
from secbot.store.importer.validation import Item, Plan, natural_key
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
    RegisterState,
    Release,
    ReleaseScope,
    Source,
    Statement,
    Vote,
)
from secbot.store.statements import keep, key_text, order, removes

_CHUNK = 500  # keys per IN (...) when loading existing rows
_WHOLE_TABLE = 1000  # more keys than this: read the table once instead (see _rows_where_in)
_IMPORT_LOCK = 0x5EC_1A9  # pg_advisory_xact_lock key: one importer at a time per database

# Modification fields that later-source-wins applies to one by one (title is handled apart).
_MOD_FIELDS = tuple(
    name for name in ModificationIn.model_fields if name not in ("reference", "title", "earlier_titles", "source")
)


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


def _rows_where_in(session: Session, query, column, values: Iterable, *, orm: bool = False) -> list:
    """The rows of ``query`` whose ``column`` is one of ``values``, without one SELECT per key.

    Up to ``_WHOLE_TABLE`` keys: ``IN (...)`` in batches. More: the query once, filtered here.
    psycopg prepares a statement once a pooled connection has run it five times, and PostgreSQL's
    generic plan for a long ``IN`` list compares every row with every key (no hashing), which made
    a 10,000-key import spend seconds in these look-ups.
    """
    wanted = set(values)
    if not wanted:
        return []
    name = column.key

    def run(statement) -> list:
        result = session.execute(statement)
        return list(result.scalars() if orm else result.mappings())

    if len(wanted) > _WHOLE_TABLE:
        return [row for row in run(query) if (getattr(row, name) if orm else row[name]) in wanted]
    rows: list = []
    for chunk in _chunks(sorted(wanted)):
        rows.extend(run(query.where(column.in_(chunk))))
    return rows


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


_Order = tuple[dt.date, str]
_NOT_STATED = frozenset({"source", "items", "scope"})  # a meeting's items and a release's scope come as their own rows


def stated_fields(row: BaseModel) -> dict:
    """What a row states, as its statement keeps it (JSON values; ``source`` is the statement's own)."""
    return row.model_dump(mode="json", exclude_unset=True, exclude=_NOT_STATED)


class Applier:
    """Applies a plan; ``record`` False applies it without keeping statements (an as-of view, built
    from statements already kept, in their order). ``today`` is the day statements are recorded."""

    def __init__(self, session: Session, plan: Plan, *, record: bool = True, today: dt.date | None = None):
        self.session = session
        self.plan = plan
        self.record = record
        self.today = today or dt.datetime.now(dt.UTC).date()
        # For each row this import names, by (table, key text): what each source states of it (its
        # statements kept and this import's), as the source's order and the fields it gives.
        self.stated: dict[tuple[str, str], dict[str, tuple[_Order, dict]]] = {}
        self.recorded: dict[str, dt.date] = {}  # each source's first import day, from its statements
        self.statements_changed = False
        self._last_item: Item | None = None
        self._last_stated: dict[str, tuple[_Order, dict]] = {}
        self.errors: list[str] = []
        self.status: dict[str, dict[tuple, str]] = {table: {} for table in TABLE_ORDER}
        self.source_dates: dict[str, dt.date | None] = {}
        self.stored_sources: dict[str, Source] = {}
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
        return _rows_where_in(self.session, select(model), column, values, orm=True)

    # -- later wins, field by field

    def order_of(self, source: str) -> _Order:
        return order(self.source_dates.get(source), self.recorded.get(source, self.today), source)

    def wins(self, table: str, item: Item, name: str, holder: str) -> bool:
        """Whether ``item``'s value of field ``name`` (``"*"``: the row as a whole, for its ``source``)
        is the one to keep: no other source that states it comes later. ``holder``, the source that
        last set the stored row, counts as stating all of it when no statement of it is kept (a row
        written before statements were, or from chat)."""
        mine = self.order_of(item.source)
        stated = self._stated_about(table, item)
        for source, (at, names) in stated.items():
            if source != item.source and at > mine and (name == "*" or name in names):
                return False
        return holder == item.source or holder in stated or self.order_of(holder) <= mine

    def _stated_about(self, table: str, item: Item) -> dict[str, tuple[_Order, dict]]:
        """What each source states of ``item``'s row (nothing when no statement is kept: an as-of view)."""
        if not self.stated:
            return {}
        if self._last_item is not item:  # a row's fields are checked one after another: its key once
            self._last_item = item
            self._last_stated = self.stated.get((table, key_text(natural_key(table, item.row))), {})
        return self._last_stated

    def title_source(self, reference: str, title: str, holder: str) -> str:
        """The latest source that gave the modification ``title``: the source its earlier title keeps."""
        folded = title.casefold()
        stated = self.stated.get(("modifications", key_text((reference,))), {})
        giving = [
            (at, source) for source, (at, fields) in stated.items() if (fields.get("title") or "").casefold() == folded
        ]
        return max(giving)[1] if giving else holder

    def upsert(self, table: str, existing: dict, key: tuple, item: Item, model: type, values: dict, given: dict):
        """Add ``model(**values)`` under ``key``, or apply the ``given`` fields to the stored row."""
        obj = existing.get(key)
        if obj is None:
            obj = model(**values, source=item.source)
            self.session.add(obj)
            existing[key] = obj
            self.mark(table, key, "added")
            return obj
        holder = obj.source
        changed = False
        for name, value in given.items():
            current = getattr(obj, name)
            if current == value:
                continue
            if current is None or self.wins(table, item, name, holder):
                setattr(obj, name, value)
                changed = True
        if self.wins(table, item, "*", holder) and obj.source != item.source:
            obj.source = item.source
            changed = True
        self.mark(table, key, "updated" if changed else "unchanged")
        return obj

    # -- phases

    def check(self) -> None:
        """Every source and every referenced modification exists. Reads only; problems go to ``errors``.

        A name that a row which failed validation stood for is not reported again, and when some file
        could not be read in full, each unknown name is reported with a note that it may be there.
        """
        self.check_sources()
        self.resolve_modifications()

    def _maybe_unread(self) -> str:
        if not self.plan.unread:
            return ""
        files = ", ".join(self.plan.unread)
        return f" (it may be in {files}, which could not be read in full)"

    def run(self) -> None:
        self.check()
        if self.errors:
            return
        self.write_sources()
        self.session.flush()
        if self.record:
            self.record_statements()
            self.leave_out_removed()
        self.modifications()
        self.conversions()
        self.events()
        self.meetings()
        self.per_modification("consultations", Consultation, ("kind", "round"))
        self.per_modification("assessments", Assessment, ("kind", "round"))
        self.per_modification("votes", Vote, ("date",))
        self.per_modification("decisions", Decision, ("date",))
        self.releases()
        self.session.flush()

    def check_sources(self) -> None:
        self.stored_sources = {s.key: s for s in self.session.scalars(select(Source))}
        self.source_dates = {key: s.issued for key, s in self.stored_sources.items()}
        for key, (_where, row) in self.plan.sources.items():
            self.source_dates[key] = row.issued
        known = set(self.source_dates) | self.plan.invalid_sources
        note = self._maybe_unread()
        for file, key in self.plan.default_keys.items():
            if key not in known:
                self.errors.append(
                    f"{file}: source: {key!r} is not a known source; define it under 'sources:' or "
                    f"give 'source:' as a mapping (key, title, issued){note}"
                )
        missing_defaults = {key for key in self.plan.default_keys.values() if key not in known}
        for items in self.plan.items.values():
            for item in items:
                if item.source in known:
                    continue
                if item.explicit_source:
                    self.errors.append(
                        f"{item.where}: field 'source': {item.source!r} is not a known source; "
                        f"define it under 'sources:' (or in sources.csv){note}"
                    )
                elif item.source not in missing_defaults:
                    self.errors.append(f"{item.where}: source {item.source!r} is not a known source{note}")

    def write_sources(self) -> None:
        stored = self.stored_sources
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

    def record_statements(self) -> None:
        """Keep every row of the plan as its source's statement, and load what the other sources
        stated about the same rows (``stated``), so that each field goes to the latest of them."""
        incoming: dict[tuple[str, str, str], dict] = {}
        for table, items in self.plan.items.items():
            for item in items:
                key = key_text(natural_key(table, item.row))
                incoming[(table, key, item.source)] = {
                    "table": table,
                    "key": key,
                    "source": item.source,
                    "position": item.position,
                    "fields": stated_fields(item.row),
                    "recorded": self.today,
                }
        if not incoming:
            return
        wanted = {(table, key) for table, key, _source in incoming}
        query = select(
            Statement.table, Statement.key, Statement.source, Statement.position, Statement.fields, Statement.recorded
        )
        stored: dict[tuple[str, str, str], dict] = {}
        for row in _rows_where_in(self.session, query, Statement.__table__.c.key, {key for _t, key in wanted}):
            if (row["table"], row["key"]) in wanted:
                stored[(row["table"], row["key"], row["source"])] = dict(row)
                recorded = self.recorded.get(row["source"])
                self.recorded[row["source"]] = min(recorded, row["recorded"]) if recorded else row["recorded"]
        for (table, key, source), row in {**stored, **incoming}.items():  # a restated row: its new statement
            self.stated.setdefault((table, key), {})[source] = (self.order_of(source), row["fields"])
        changed = []
        for triple, values in incoming.items():
            before = stored.get(triple)
            if before is not None:
                values["recorded"] = before["recorded"]
                if before["fields"] == values["fields"] and before["position"] == values["position"]:
                    continue
            changed.append(values)
        if changed:
            self.statements_changed = True
            keep(self.session, changed)

    def leave_out_removed(self) -> None:
        """Leave out each row this import states that a later source took out of the register (from
        chat): its statement is kept, so the register as of an earlier day still holds it."""
        if not any(removes(fields) for stated in self.stated.values() for _at, fields in stated.values()):
            return
        for table, items in self.plan.items.items():
            kept = []
            for item in items:
                mine = self.order_of(item.source)
                if any(at > mine and removes(fields) for at, fields in self._stated_about(table, item).values()):
                    self.mark(table, natural_key(table, item.row), "unchanged")
                else:
                    kept.append(item)
            items[:] = kept

    def _child_references(self) -> Iterator[tuple[Item, str, str]]:
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
        for row in _rows_where_in(self.session, select(table), table.c.reference, wanted):
            values = dict(row)
            self.mods[values["reference"]] = _Mod(values.pop("id"), values)
        if incoming:
            by_id = {mod.id: mod for mod in self.mods.values()}
            titles = EarlierTitle.__table__
            query = select(titles).order_by(titles.c.id)
            for row in _rows_where_in(self.session, query, titles.c.modification_id, by_id):
                by_id[row["modification_id"]].earlier.append(_Title(row["title"], row["source"], row["id"]))
        note = self._maybe_unread()
        for item, name, reference in children:
            if (
                reference not in incoming
                and reference not in self.mods
                and reference not in self.plan.invalid_references
            ):
                self.errors.append(
                    f"{item.where}: field '{name}': {reference!r} is neither in the register nor in this import{note}"
                )

    # modifications: later source wins, field by field

    def add_earlier_title(self, mod: _Mod, title: str, source: str) -> bool:
        folded = title.casefold()
        current = mod.values.get("title")
        if current and current.casefold() == folded:
            return False
        for earlier in mod.earlier:
            if earlier.title.casefold() == folded:
                if earlier.source != source and _wins(
                    self.source_dates.get(source), self.source_dates.get(earlier.source)
                ):
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
            old_source = values["source"]
            changed = False
            for name in _MOD_FIELDS:
                value = getattr(row, name)
                if value is None or value == []:
                    continue
                current = values[name]
                if current == value:
                    continue
                if current is None or current == [] or self.wins("modifications", item, name, old_source):
                    values[name] = value
                    changed = True
            title, current_title = row.title, values["title"]
            if title and title != current_title:
                if current_title is None:
                    values["title"] = title
                    changed = True
                elif self.wins("modifications", item, "title", old_source):
                    values["title"] = title
                    changed = True
                    if current_title.casefold() != title.casefold():
                        self.add_earlier_title(
                            mod, current_title, self.title_source(row.reference, current_title, old_source)
                        )
                elif current_title.casefold() != title.casefold():
                    changed |= self.add_earlier_title(mod, title, item.source)
            for earlier in row.earlier_titles:
                changed |= self.add_earlier_title(mod, earlier, item.source)
            changed |= self.drop_current_title(mod)
            row_wins = self.wins("modifications", item, "*", old_source)
            if row_wins and (values["source"] != item.source or values["source_date"] != date):
                values["source"] = item.source
                values["source_date"] = date
                changed = True
            mod.dirty |= changed
            self.mark("modifications", key, "updated" if changed else "unchanged")
        # The rows are now in ``self.mods``; letting them go before writing keeps a large import's
        # peak memory down (nothing reads the plan's modifications after this).
        self.plan.items.pop("modifications", None)
        self.write_modifications()

    def write_modifications(self) -> None:
        """Write the modifications phase with a few executemany statements, not one per row."""
        table = Modification.__table__
        titles = EarlierTitle.__table__
        new = [mod for mod in self.mods.values() if mod.id is None]
        # A row new to this import is inserted as its last item left it: only stored rows need updating.
        changed = [mod for mod in self.mods.values() if mod.dirty and mod.id is not None]
        if new:
            # Then their ids in one look-up: INSERT … RETURNING took PostgreSQL twice as long.
            self.session.execute(table.insert(), [mod.values for mod in new])
            by_reference = {mod.values["reference"]: mod for mod in new}
            query = select(table.c.reference, table.c.id)
            for row in _rows_where_in(self.session, query, table.c.reference, by_reference):
                by_reference[row["reference"]].id = row["id"]
        if changed:
            columns = [c.name for c in table.columns if c.name not in ("id", "reference", "family", "number", "suffix")]
            statement = (
                table.update().where(table.c.id == bindparam("_id")).values({name: bindparam(name) for name in columns})
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
        resourced = [
            {"_id": t.id, "source": t.source}
            for mod in self.mods.values()
            for t in mod.earlier
            if t.id is not None and t.dirty
        ]
        if resourced:
            self.session.execute(
                titles.update().where(titles.c.id == bindparam("_id")).values(source=bindparam("source")), resourced
            )

    def mod_id(self, reference: str) -> int:
        return self.mods[reference].id

    def _existing_ids(self, items: list[Item], *names: str) -> set[int]:
        return {self.mods[getattr(item.row, name)].id for item in items for name in names}

    def conversions(self) -> None:
        items = self.plan.items.get("conversions", [])
        if not items:
            return
        drafts = self._existing_ids(items, "draft")
        existing = {(c.draft_id,): c for c in self.load(Conversion, Conversion.draft_id, drafts)}
        for item in items:
            row = item.row
            draft_id, proposal_id = self.mod_id(row.draft), self.mod_id(row.proposal)
            values = {"draft_id": draft_id, "proposal_id": proposal_id, "date": row.date, "next_phase": row.next_phase}
            given = {"proposal_id": proposal_id, **_given(row, ("draft", "proposal"))}
            self.upsert("conversions", existing, (draft_id,), item, Conversion, values, given)

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
            values = {"modification_id": key[0], "date": row.date, "kind": row.kind, "text": row.text}
            self.upsert("events", existing, key, item, Event, values, {})

    def meetings(self) -> None:
        items = self.plan.items.get("meetings", [])
        agenda = self.plan.items.get("agenda_items", [])
        if not items and not agenda:
            return
        dates = {item.row.date for item in items} | {item.row.meeting_date for item in agenda}
        existing = {(m.kind, m.date): m for m in self.load(Meeting, Meeting.date, dates)}
        for item in items:
            row = item.row
            self.upsert(
                "meetings",
                existing,
                (row.kind, row.date),
                item,
                Meeting,
                _values(row, ("items",)),
                _given(row, ("kind", "date", "items")),
            )
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
            values = {"meeting_id": meeting_id, "modification_id": mod_id, "position": item.position, "note": row.note}
            given = {"position": item.position, **_given(row, ("meeting_kind", "meeting_date", "reference"))}
            self.upsert("agenda_items", stored, (meeting_id, mod_id), item, AgendaItem, values, given)

    def per_modification(self, table: str, model: type, key_fields: tuple[str, ...]) -> None:
        """Consultations, assessments, votes, decisions: keyed by modification and ``key_fields``."""
        items = self.plan.items.get(table, [])
        if not items:
            return
        existing = {
            (r.modification_id, *(getattr(r, name) for name in key_fields)): r
            for r in self.load(model, model.modification_id, self._existing_ids(items, "reference"))
        }
        for item in items:
            row = item.row
            mod_id = self.mod_id(row.reference)
            key = (mod_id, *(getattr(row, name) for name in key_fields))
            values = {"modification_id": mod_id, **_values(row, ("reference",))}
            self.upsert(table, existing, key, item, model, values, _given(row, ("reference", *key_fields)))

    def releases(self) -> None:
        items = self.plan.items.get("releases", [])
        scope = self.plan.items.get("release_scope", [])
        if not items and not scope:
            return
        names = {item.row.name for item in items} | {item.row.release for item in scope}
        existing = {(r.name,): r for r in self.load(Release, Release.name, names)}
        for item in items:
            row = item.row
            self.upsert(
                "releases",
                existing,
                (row.name,),
                item,
                Release,
                _values(row, ("scope",)),
                _given(row, ("name", "scope")),
            )
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
            values = {
                "release_id": release_id,
                "modification_id": mod_id,
                "position": item.position,
                "status": row.status,
                "note": row.note,
            }
            given = {"position": item.position, **_given(row, ("release", "reference"))}
            self.upsert("release_scope", stored, (release_id, mod_id), item, ReleaseScope, values, given)


def lock(session: Session) -> None:
    """One importer at a time: later importers wait, then see what earlier ones committed."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    elif dialect == "sqlite":
        # Take SQLite's write lock before reading, so a concurrent importer cannot slip in between.
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def current_revision(session: Session) -> int:
    return session.scalar(select(RegisterState.revision).where(RegisterState.id == 1)) or 0


def bump_revision(session: Session, now: dt.datetime) -> int:
    """revision = revision + 1 in the database itself, so concurrent importers never lose a bump."""
    bumped = session.execute(
        update(RegisterState)
        .where(RegisterState.id == 1)
        .values(revision=RegisterState.revision + 1, changed_at=now)
        .returning(RegisterState.revision)
    ).scalar_one_or_none()
    if bumped is not None:
        return bumped
    insert = insert_for(session.get_bind().dialect.name)
    statement = insert(RegisterState).values(id=1, revision=1, changed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[RegisterState.id],
        set_={"revision": RegisterState.revision + 1, "changed_at": now},
    ).returning(RegisterState.revision)
    return session.execute(statement).scalar_one()


def digest(raws: list[readers.RawFile]) -> tuple[str, list[dict]]:
    files = [{"name": raw.name, "sha256": raw.sha256} for raw in raws]
    if len(files) == 1:
        return files[0]["sha256"], files
    combined = hashlib.sha256("".join(f"{f['name']}\0{f['sha256']}\n" for f in files).encode())
    return combined.hexdigest(), files


def database_error(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return f"database error, nothing was imported: {first_line}"
