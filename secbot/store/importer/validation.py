"""Turn read register files into a validated ``Plan``, without touching the database.

``validate`` checks every row of every file against ``schema``, resolves each row's effective
source (the row's own, the file's ``source:``, the caller's, or ``import:<file name>``), checks
string lengths against the columns, and rejects the same natural key twice from one source. It
collects every problem as one line naming the file, the row, the field and the value, so several
can be fixed at once. What it cannot know without the database -- whether a source or a referenced
modification exists -- is checked when the plan is applied (``apply``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError
from sqlalchemy import String

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


@dataclass
class Item:
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
class Plan:
    raws: list[readers.RawFile]
    items: dict[str, list[Item]] = field(default_factory=dict)
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
            lines.append(
                f"{where}: field '{name}': {_show(problem.get('input'))} {message.removeprefix('Value error, ')}"
            )
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


def validate(raws: list[readers.RawFile], caller_source: SourceIn | None) -> Plan:
    plan = Plan(raws)
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
        try:
            return model.model_validate(data)
        except ValidationError as error:
            plan.errors.extend(_format_errors(where, model, error))
            return None

    used_fallback: dict[str, tuple[str, SourceIn]] = {}  # caller's or file-name sources rows fell back on
    positions: dict[tuple, int] = {}

    for raw in raws:
        default: str | None = None
        fallback: tuple[str, SourceIn] | None = None  # stored only if some row uses it
        if isinstance(raw.default_source, tuple):
            label, data = raw.default_source
            source = validate_row(SourceIn, f"{raw.name}: {label}", data)
            if source is not None:
                add_source(f"{raw.name}: {label}", source)
                default = source.key
        elif isinstance(raw.default_source, str):
            default = raw.default_source
            plan.default_keys[raw.name] = default
        elif caller_source is not None:
            fallback = ("the import's source", caller_source)
            default = caller_source.key
        elif raw.auto_source:
            fallback = (f"{raw.name}: the file name", SourceIn(key=f"import:{raw.name}"[:80], title=raw.name))
            default = fallback[1].key
        for table, rows in raw.tables.items():  # in file order, so errors come in file order
            model = FLAT_TABLES[table]
            for label, data in rows:
                where = f"{raw.name}: {label}"
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
                item = Item(raw.name, label, row, key, row.source is not None)
                if table in ("agenda_items", "release_scope"):
                    parent = (
                        (raw.name, table, row.meeting_kind, row.meeting_date)
                        if table == "agenda_items"
                        else (raw.name, table, row.release)
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
            key = (*_natural_key(table, item.row), item.source)
            if key in seen:
                plan.errors.append(
                    f"{item.where}: duplicate {_SINGULAR[table]} "
                    f"{_describe_key(table, key[:-1])}: already given by {seen[key].where}"
                )
            else:
                seen[key] = item
    return plan
