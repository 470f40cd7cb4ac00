"""Turn read register files into a validated ``Plan``, without touching the database.

``validate`` checks every row of every file against ``schema``, resolves each row's effective
source (the row's own, the file's ``source:``, the caller's, or ``import:<file name>``), checks
string lengths against the columns, refuses text the database cannot store (NUL and other control
characters but tab, line feed and carriage return; unpaired surrogates), and rejects the same
natural key twice from one source. It collects every problem as one line naming the file, the row,
the field and the value, so several can be fixed at once; the readers' problems come first, file by
file, and the rows a reader could read are checked even when it could not read them all. What it
cannot know without the database -- whether a source or a referenced modification exists -- is
checked by ``apply`` (``Applier.check``), which the loader runs even when there are problems here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError
from sqlalchemy import String

from secbot.references import Ref, parse_reference
from secbot.store.importer import readers
from secbot.store.importer.schema import FLAT_TABLES, SourceIn
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Conversion,
    Decision,
    Event,
    Meeting,
    Modification,
    Release,
    ReleaseScope,
    Source,
    Vote,
)

_SINGULAR = {
    "sources": "source",
    "modifications": "modification",
    "events": "event",
    "meetings": "meeting",
    "agenda_items": "agenda item",
    "consultations": "consultation",
    "assessments": "assessment",
    "votes": "vote",
    "decisions": "decision",
    "releases": "release",
    "release_scope": "release scope entry",
    "conversions": "conversion of",
}
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


@dataclass(slots=True)
class Item:
    file: str  # as problem lines name it (``RawFile.shown``)
    label: str
    row: BaseModel
    source: str  # the effective source key
    explicit_source: bool  # the row named its source itself
    position: int = 0  # agenda items and release scope: order within their meeting / release

    @property
    def where(self) -> str:
        return f"{self.file}: {self.label}"


@dataclass
class Plan:
    raws: list[readers.RawFile]
    items: dict[str, list[Item]] = field(default_factory=dict)
    sources: dict[str, tuple[str, SourceIn]] = field(default_factory=dict)  # key -> (where, row)
    default_keys: dict[str, str] = field(default_factory=dict)  # file (as shown) -> named default key
    errors: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # files (as shown) not read in full: they may define more
    # What rows that failed validation stood for: not "unknown" to other rows, only invalid.
    invalid_references: set[str] = field(default_factory=set)
    invalid_sources: set[str] = field(default_factory=set)


# What PostgreSQL cannot store in text (NUL) and what has no business in a register: the C0 and C1
# control characters but tab, line feed and carriage return (CSV cells keep Windows line breaks),
# and unpaired surrogates (which only an escape such as "\ud800" in YAML can produce).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


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


def _format_errors(where: str, model: type[BaseModel], error: ValidationError, skip: set = frozenset()) -> list[str]:
    """One line per problem, but none for the fields in ``skip`` (already reported)."""
    lines = []
    for problem in error.errors():
        loc = problem.get("loc", ())
        if loc and loc[0] in skip:
            continue
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
            lines.append(
                f"{where}: field '{name}': {_show(problem.get('input'))} {message.removeprefix('Value error, ')}"
            )
        else:
            message = message[:1].lower() + message[1:]
            lines.append(f"{where}: field '{name}': {_show(problem.get('input'))}: {message}")
    return lines


def _strings(value: object, depth: int = 0):
    """The text inside a row value: itself, or the strings in its lists and mappings."""
    if isinstance(value, str):
        yield value
    elif depth < 20 and isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)
    elif depth < 20 and isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, depth + 1)
            yield from _strings(item, depth + 1)


def _unstorable(where: str, data: dict) -> dict[str, str]:
    """Field name -> the problem with text in it that the register cannot store."""
    problems = {}
    for name, value in data.items():
        for text in _strings(value):
            found = _UNSTORABLE.search(text)
            if found is None:
                continue
            char = found.group()
            what = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
            problems[name] = (
                f"{where}: field '{name}': {_show(text)} contains {what} (U+{ord(char):04X}), "
                "which the register cannot store; remove it"
            )
            break
    return problems


def _reference_of(data: dict) -> str | None:
    value = data.get("reference")
    if isinstance(value, str | int) and not isinstance(value, bool):
        parsed = parse_reference(str(value))
        if isinstance(parsed, Ref):
            return parsed.text
    return None


def _string_limits() -> dict[str, dict[str, int]]:
    limits: dict[str, dict[str, int]] = {}
    for table, model in _ORM.items():
        for column in model.__table__.columns:
            if isinstance(column.type, String) and column.type.length:
                limits.setdefault(table, {})[column.name] = column.type.length
    return limits


_LIMITS = _string_limits()


def natural_key(table: str, row: BaseModel) -> tuple:
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


def _consume(rows: readers.Rows) -> Iterator[tuple[str, dict]]:
    """The rows in order, each let go of once checked: a large file's rows and the validated rows
    made from them are not held at the same time (the raw file keeps an empty table)."""
    rows.reverse()
    while rows:
        yield rows.pop()


def validate(raws: list[readers.RawFile], caller_source: SourceIn | None, unread: list[str] | None = None) -> Plan:
    """Check every row of ``raws``; ``unread`` names files that could not be read at all."""
    plan = Plan(raws, unread=list(unread or []))
    plan.unread.extend(raw.shown for raw in raws if not raw.complete)
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

    def validate_row(model: type[BaseModel], where: str, data: dict) -> BaseModel | None:
        unstorable = _unstorable(where, data)
        plan.errors.extend(unstorable.values())
        try:
            row = model.model_validate(data)
        except ValidationError as error:
            plan.errors.extend(_format_errors(where, model, error, set(unstorable)))
            row = None
        if row is None or unstorable:
            remember_invalid(model, data)
            return None
        return row

    def remember_invalid(model: type[BaseModel], data: dict) -> None:
        if model is FLAT_TABLES["modifications"]:
            reference = _reference_of(data)
            if reference is not None:
                plan.invalid_references.add(reference)
        elif model is SourceIn and isinstance(data.get("key"), str):
            plan.invalid_sources.add(data["key"].strip())

    used_fallback: dict[str, tuple[str, SourceIn]] = {}  # caller's or file-name sources rows fell back on
    positions: dict[tuple, int] = {}

    for raw in raws:
        plan.errors.extend(raw.problems)
        for table, data in raw.rejected:
            remember_invalid(FLAT_TABLES[table], data)
        default: str | None = None
        fallback: tuple[str, SourceIn] | None = None  # stored only if some row uses it
        if isinstance(raw.default_source, tuple):
            label, data = raw.default_source
            source = validate_row(SourceIn, f"{raw.shown}: {label}", data)
            if source is not None:
                add_source(f"{raw.shown}: {label}", source)
                default = source.key
            elif isinstance(data.get("key"), str) and data["key"].strip():
                default = data["key"].strip()  # its rows are not "without a source": the source is invalid
        elif isinstance(raw.default_source, str):
            default = raw.default_source
            plan.default_keys[raw.shown] = default
        elif caller_source is not None:
            fallback = ("the import's source", caller_source)
            default = caller_source.key
        elif raw.auto_source:
            fallback = (f"{raw.shown}: the file name", SourceIn(key=f"import:{raw.name}"[:80], title=raw.name))
            default = fallback[1].key
        for table, rows in raw.tables.items():  # in file order, so errors come in file order
            model = FLAT_TABLES[table]
            for label, data in _consume(rows):
                where = f"{raw.shown}: {label}"
                row = validate_row(model, where, data)
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
                if row.source is None and fallback is not None:
                    used_fallback[fallback[1].key] = fallback
                item = Item(raw.shown, label, row, key, row.source is not None)
                if table in ("agenda_items", "release_scope"):
                    parent = (
                        (raw.shown, table, row.meeting_kind, row.meeting_date)
                        if table == "agenda_items"
                        else (raw.shown, table, row.release)
                    )
                    item.position = positions.get(parent, 0)
                    positions[parent] = item.position + 1
                plan.items.setdefault(table, []).append(item)
    for where, fallback_source in used_fallback.values():
        add_source(where, fallback_source)
    plan.sources = source_seen

    # The same natural key twice from the same source is a contradiction or a copy-paste slip.
    for table, items in plan.items.items():
        seen: dict[tuple, Item] = {}
        for item in items:
            key = (*natural_key(table, item.row), item.source)
            if key in seen:
                plan.errors.append(
                    f"{item.where}: duplicate {_SINGULAR[table]} "
                    f"{_describe_key(table, key[:-1])}: already given by {seen[key].where}"
                )
            else:
                seen[key] = item
    return plan
