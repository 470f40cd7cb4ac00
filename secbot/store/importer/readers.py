"""Read register files (YAML, CSV, XLSX, or a directory of them) into canonical tables.

A reader returns, per file, ``{table name: [(row label, row dict)]}`` plus the file's default
source. It checks only the *shape* of a file (valid YAML, known tables, known columns, required
columns present); ``validation`` checks every row against ``schema`` and ``apply`` writes them.

Row labels are what error messages show:

- YAML: ``modifications[3] (line 27)`` -- entries counted from 1, the line where the entry starts;
  nested lists as ``meetings[2].items[1] (line 41)``;
- CSV: ``row 14 (line 15)`` -- the 1-based data row under the header, and the file's line;
- XLSX: ``sheet 'Votes' row 5`` -- the row number Excel shows.

The tables of CSV files and XLSX sheets are flat (``schema.FLAT_TABLES``): meetings without items
and releases without scope, which come as ``agenda_items`` and ``release_scope`` rows. Headers and
table names are matched case-insensitively ignoring spaces and punctuation, with the aliases below
(documented in ``docs/import-format.md``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from secbot.store.importer.schema import FLAT_TABLES

YAML_SUFFIXES = (".yaml", ".yml")
SUFFIXES = (*YAML_SUFFIXES, ".csv", ".xlsx")

Rows = list[tuple[str, dict]]


class ReadError(Exception):
    """One or more files could not be read; ``errors`` holds one message per problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class RawFile:
    """One file as read: its canonical tables, its default source and what to tell the user."""

    name: str
    path: Path
    content: bytes
    format: str  # "yaml", "csv" or "xlsx"
    tables: dict[str, Rows] = field(default_factory=dict)
    # The file's own default source: a SourceIn-shaped dict (with its label) or a source key.
    default_source: tuple[str, dict] | str | None = None
    # CSV and XLSX files without their own default get ``import:<file name>`` unless the caller
    # passes a source.
    auto_source: bool = False
    warnings: list[str] = field(default_factory=list)

    def add(self, table: str, label: str, row: dict) -> None:
        self.tables.setdefault(table, []).append((label, row))


# --------------------------------------------------------------------------------------------
# Table and column names


def normalise(name: object) -> str:
    """Header and table names compare lower-case with spaces, underscores and punctuation gone."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "sources": ("Sources", "Source"),
    "modifications": (
        "Modifications",
        "Modification",
        "Mods",
        "Register",
        "Modifications Register",
        "Modification Register",
        "Mod Register",
    ),
    "events": ("Events", "Timeline"),
    "meetings": ("Meetings",),
    "agenda_items": ("Agenda Items", "Agenda Item", "Agenda", "Agendas"),
    "consultations": ("Consultations",),
    "assessments": ("Assessments", "DCC Assessments"),
    "votes": ("Votes", "Change Board Votes"),
    "decisions": ("Decisions", "Authority Decisions"),
    "releases": ("Releases", "SEC Releases"),
    "release_scope": ("Release Scope", "Scope"),
    "conversions": ("Conversions",),
}
_TABLE_BY_NAME = {normalise(alias): table for table, aliases in TABLE_ALIASES.items() for alias in (table, *aliases)}

_REFERENCE = ("Reference", "Mod Ref", "Modification", "Ref", "Mod", "Modification Reference", "Mod Reference")
_NOTE = ("Note", "Notes", "Comment", "Comments")

# Per table: field -> accepted headers besides the field's own name.
COLUMN_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "sources": {
        "key": ("Key", "Source", "Source Key"),
        "title": ("Title",),
        "paper_reference": ("Paper Reference", "Paper Ref"),
        "issued": ("Issued", "Date Issued", "Issue Date"),
        "url": ("URL", "Link", "Web Address"),
    },
    "modifications": {
        "reference": _REFERENCE,
        "title": ("Title", "Modification Title"),
        "earlier_titles": ("Earlier Titles", "Aliases", "Former Titles"),
        "proposer": ("Proposer", "Proposer Name", "Raised By"),
        "organisation": ("Organisation", "Organization", "Proposer Organisation", "Proposer Organization"),
        "lead_analyst": ("Lead Analyst", "Analyst"),
        "raised": ("Raised", "Date Raised"),
        "phase": ("Phase", "Stage"),
        "status": ("Status",),
        "path": ("Path", "Governance Path"),
        "impacted_parties": ("Impacted Parties", "Who is impacted", "Impacted"),
        "sec_documents": ("SEC Documents", "SEC Documents Affected", "Documents Affected"),
        "issue_summary": ("Issue Summary", "What is the issue", "Issue"),
        "solution_summary": ("Solution Summary", "What is the solution", "Solution"),
        "implementation_date": ("Implementation Date",),
        "latest_update": ("Latest Update", "Update"),
        "url": ("URL", "Link", "Web Address"),
    },
    "events": {
        "reference": _REFERENCE,
        "date": ("Date",),
        "kind": ("Kind", "Type", "Event"),
        "text": ("Text", "Description", "Detail", "Details"),
    },
    "meetings": {
        "kind": ("Kind", "Meeting", "Type", "Meeting Kind", "Meeting Type"),
        "date": ("Date", "Meeting Date"),
        "title": ("Title",),
        "agenda_published": ("Agenda Published",),
        "url": ("URL", "Link", "Web Address"),
    },
    "agenda_items": {
        "meeting_kind": ("Meeting Kind", "Meeting", "Meeting Type", "Kind"),
        "meeting_date": ("Meeting Date", "Date"),
        "reference": _REFERENCE,
        "note": _NOTE,
    },
    "consultations": {
        "reference": _REFERENCE,
        "kind": ("Kind", "Type", "Consultation"),
        "round": ("Round",),
        "opens": ("Opens", "Open", "Opened", "Start", "Opening Date"),
        "closes": ("Closes", "Close", "End", "Deadline", "Closing Date"),
        "expected_week": ("Expected Week", "Week Commencing"),
        "expected_text": ("Expected Text", "Expected"),
        "url": ("URL", "Link", "Web Address"),
        "note": _NOTE,
    },
    "assessments": {
        "reference": _REFERENCE,
        "kind": ("Kind", "Type", "Assessment"),
        "round": ("Round",),
        "requested": ("Requested", "Date Requested"),
        "accepted": ("Accepted", "Date Accepted"),
        "returned": ("Returned", "Date Returned"),
        "target_wd": ("Target WD", "Target", "Target Working Days"),
        "clock_restart": ("Clock Restart", "Clock Restarted", "Restarted"),
        "note": _NOTE,
    },
    "votes": {
        "reference": _REFERENCE,
        "date": ("Date", "Vote Date", "Change Board Date"),
        "outcome": ("Outcome", "Result", "Decision"),
        "governance": ("Governance",),
        "majority": ("Majority",),
        "objective": ("Objective", "SEC Objective", "SEC Objectives"),
        "note": _NOTE,
    },
    "decisions": {
        "reference": _REFERENCE,
        "date": ("Date", "Decision Date"),
        "outcome": ("Outcome", "Decision"),
        "authority": ("Authority",),
        "conditions": ("Conditions",),
    },
    "releases": {
        "name": ("Name", "Release", "SEC Release", "Release Name"),
        "date": ("Date", "Release Date"),
        "date_text": ("Date Text",),
        "standalone": ("Standalone",),
    },
    "release_scope": {
        "release": ("Release", "SEC Release", "Release Name"),
        "reference": _REFERENCE,
        "status": ("Status",),
        "note": _NOTE,
    },
    "conversions": {
        "draft": ("Draft", "DP", "Draft Proposal"),
        "proposal": ("Proposal", "MP", "Modification Proposal"),
        "date": ("Date", "Panel Date", "Converted"),
        "next_phase": ("Next Phase", "Route"),
    },
}
# Every fact table also takes an optional Source column.
for _table, _columns in COLUMN_ALIASES.items():
    if _table != "sources":
        _columns.setdefault("source", ("Source", "Source Key"))


def _column_lookup(table: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, aliases in COLUMN_ALIASES[table].items():
        for alias in (name, *aliases):
            lookup[normalise(alias)] = name
    return lookup


_COLUMNS = {table: _column_lookup(table) for table in COLUMN_ALIASES}


def table_for_name(name: str) -> str | None:
    """The table a CSV file stem or XLSX sheet name stands for, or None."""
    return _TABLE_BY_NAME.get(normalise(name))


def table_names() -> str:
    return ", ".join(TABLE_ALIASES)


# --------------------------------------------------------------------------------------------
# Cell values


def _field_kind(table: str, name: str) -> str:
    model = FLAT_TABLES[table]
    annotation = model.model_fields[name].annotation
    args = typing.get_args(annotation) or (annotation,)
    if dt.date in args:
        return "date"
    if bool in args:
        return "bool"
    if int in args:
        return "int"
    if typing.get_origin(annotation) is list:
        return "list"
    return "text"


_KINDS = {table: {name: _field_kind(table, name) for name in columns} for table, columns in COLUMN_ALIASES.items()}
_INTEGRAL = re.compile(r"^\s*[+-]?\d+\.0*\s*$")


def _cell(kind: str, value: object) -> object:
    """A spreadsheet cell as the schema expects it; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if kind == "int" and _INTEGRAL.match(value):
            return int(float(value))
        return value
    if kind == "date":
        if isinstance(value, int | float) and not isinstance(value, bool):
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(value)  # a date serial number in a cell not formatted as a date
            except (ValueError, OverflowError):
                return value
        return value
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind == "bool":
        return value
    # Text: spreadsheets turn "161" into 161.0 and "29/11/2020" into a date; give text back.
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _blank(row: tuple) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


@dataclass
class _Header:
    table: str
    columns: list[str | None]  # field per column position; None: a column without a header


def _match_header(where: str, table: str, header: tuple, errors: list[str]) -> _Header | None:
    lookup = _COLUMNS[table]
    columns: list[str | None] = []
    seen: dict[str, str] = {}
    ok = True
    for cell in header:
        text = "" if cell is None else str(cell).strip()
        if not text:
            columns.append(None)
            continue
        name = lookup.get(normalise(text))
        if name is None:
            errors.append(
                f"{where}: unknown column {text!r} for {table}; the accepted columns are "
                f"{', '.join(COLUMN_ALIASES[table])} (aliases: see docs/import-format.md)"
            )
            ok = False
            columns.append(None)
            continue
        if name in seen:
            errors.append(f"{where}: columns {seen[name]!r} and {text!r} both give {table} field '{name}'")
            ok = False
        seen[name] = text
        columns.append(name)
    model = FLAT_TABLES[table]
    for name, info in model.model_fields.items():
        if info.is_required() and name not in seen:
            accepted = ", ".join(repr(alias) for alias in (name, *COLUMN_ALIASES[table].get(name, ())))
            errors.append(f"{where}: missing column '{name}' for {table} (a header such as {accepted})")
            ok = False
    return _Header(table, columns) if ok else None


def _row_dict(header: _Header, row: tuple) -> tuple[dict, bool]:
    """The row as a dict of non-empty cells; also whether a column without a header has a value."""
    kinds = _KINDS[header.table]
    data: dict = {}
    stray = False
    for position, value in enumerate(row):
        name = header.columns[position] if position < len(header.columns) else None
        if name is None:
            if not (value is None or (isinstance(value, str) and not value.strip())):
                stray = True
            continue
        cell = _cell(kinds[name], value)
        if cell is not None:
            data[name] = cell
    return data, stray


# --------------------------------------------------------------------------------------------
# YAML


class _LineDict(dict):
    line: int = 0


class _LineList(list):
    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers where each mapping and list entry starts, and rejects
    duplicate keys (which PyYAML would otherwise silently drop)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _value in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    if key_node.value in seen:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"found duplicate key '{key_node.value}'",
                            key_node.start_mark,
                        )
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _construct_map(loader: _LineLoader, node: yaml.MappingNode):
    data = _LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode):
    data = _LineList()
    data.lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)

YAML_TABLES = (
    "sources",
    "modifications",
    "events",
    "meetings",
    "agenda_items",
    "consultations",
    "assessments",
    "votes",
    "decisions",
    "releases",
    "release_scope",
    "conversions",
)


def _line(value: object, fallback: int) -> int:
    return getattr(value, "line", 0) or fallback


def _yaml_error(name: str, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    detail = problem
    if context:
        started = ""
        if context_mark is not None and mark is not None and context_mark.line != mark.line:
            started = f" that starts on line {context_mark.line + 1}"
        detail = f"{problem} ({context}{started})"
    return f"{name}: {where}not valid YAML: {detail}"


def read_yaml(path: Path, content: bytes) -> RawFile:
    name = path.name
    raw = RawFile(name, path, content, "yaml")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError([f"{name}: not UTF-8 text (byte {error.start}); save the file as UTF-8"]) from None
    try:
        document = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        raise ReadError([_yaml_error(name, error)]) from None
    if document is None:
        raw.warnings.append(f"{name}: the file is empty")
        return raw
    if not isinstance(document, dict):
        raise ReadError([f"{name}: line 1: expected a mapping of tables (source:, modifications:, ...)"])
    errors: list[str] = []
    for key, value in document.items():
        if key == "source":
            if isinstance(value, dict):
                raw.default_source = (f"source (line {_line(value, 1)})", dict(value))
            elif isinstance(value, str) and value.strip():
                raw.default_source = value.strip()
            elif value is not None:
                errors.append(f"{name}: 'source' must be a mapping (key, title, issued, ...) or a source key")
            continue
        if key not in YAML_TABLES:
            errors.append(
                f"{name}: unknown table {key!r}; the accepted top-level keys are source, {', '.join(YAML_TABLES)}"
            )
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            errors.append(f"{name}: '{key}' must be a list of entries (each starting with '- ')")
            continue
        lines = getattr(value, "lines", [0] * len(value))
        for index, entry in enumerate(value, start=1):
            label = f"{key}[{index}] (line {lines[index - 1]})"
            if not isinstance(entry, dict):
                errors.append(f"{name}: {label}: expected a mapping of fields, got {entry!r}")
                continue
            entry = dict(entry)
            raw.add(key, label, entry)  # before its children, so errors come in file order
            if key == "meetings":
                _split_children(raw, entry, "items", "agenda_items", f"{key}[{index}]", label, errors)
            elif key == "releases":
                _split_children(raw, entry, "scope", "release_scope", f"{key}[{index}]", label, errors)
    if errors:
        raise ReadError(errors)
    return raw


def _split_children(
    raw: RawFile, parent: dict, key: str, table: str, path: str, parent_label: str, errors: list[str]
) -> None:
    """Move a meeting's ``items`` / a release's ``scope`` into flat rows naming their parent."""
    children = parent.pop(key, None)
    if children is None:
        return
    if not isinstance(children, list):
        errors.append(f"{raw.name}: {parent_label}: field '{key}' must be a list")
        return
    lines = getattr(children, "lines", [0] * len(children))
    for index, child in enumerate(children, start=1):
        label = f"{path}.{key}[{index}] (line {lines[index - 1]})"
        if isinstance(child, str | int) and not isinstance(child, bool):
            child = {"reference": child}
        if not isinstance(child, dict):
            errors.append(f"{raw.name}: {label}: expected a reference or a mapping, got {child!r}")
            continue
        row = dict(child)
        if table == "agenda_items":
            row["meeting_kind"] = parent.get("kind")
            row["meeting_date"] = parent.get("date")
        else:
            row["release"] = parent.get("name")
        if parent.get("source") is not None and "source" not in row:
            row["source"] = parent["source"]
        raw.add(table, label, row)


# --------------------------------------------------------------------------------------------
# CSV


def _decode(name: str, content: bytes, warnings: list[str]) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(f"{name}: not UTF-8; read as Windows-1252 (save as 'CSV UTF-8' to avoid this)")
        return content.decode("cp1252", errors="replace")


def read_csv(path: Path, content: bytes) -> RawFile:
    name = path.name
    raw = RawFile(name, path, content, "csv", auto_source=True)
    table = table_for_name(path.stem)
    if table is None:
        raise ReadError(
            [
                (
                    f"{name}: cannot tell which table this file holds from its name; name it after a table "
                    f"({', '.join(t + '.csv' for t in TABLE_ALIASES)}) or an alias in docs/import-format.md"
                )
            ]
        )
    text = _decode(name, content, raw.warnings)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[str] = []
    header: _Header | None = None
    data_row = 0
    previous_line = 0
    try:
        for record in reader:
            start_line = previous_line + 1
            previous_line = reader.line_num
            if header is None:
                if _blank(tuple(record)):
                    continue
                header = _match_header(name, table, tuple(record), errors)
                if header is None:
                    raise ReadError(errors)
                continue
            data_row += 1
            if _blank(tuple(record)):
                continue
            label = f"row {data_row} (line {start_line})"
            row, stray = _row_dict(header, tuple(record))
            if stray:
                errors.append(f"{name}: {label}: a value in a column without a header")
                continue
            raw.add(table, label, row)
    except csv.Error as error:
        errors.append(f"{name}: line {reader.line_num}: not valid CSV: {error}")
    if header is None and not errors:
        raw.warnings.append(f"{name}: the file is empty")
    if errors:
        raise ReadError(errors)
    raw.tables.setdefault(table, [])
    return raw


# --------------------------------------------------------------------------------------------
# XLSX


def read_xlsx(path: Path, content: bytes) -> RawFile:
    import zipfile

    from openpyxl import load_workbook

    name = path.name
    raw = RawFile(name, path, content, "xlsx", auto_source=True)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ReadError([f"{name}: not a readable .xlsx workbook ({error})"]) from None
    errors: list[str] = []
    found: dict[str, str] = {}
    try:
        for sheet in workbook.worksheets:
            table = table_for_name(sheet.title)
            if table is None:
                raw.warnings.append(f"{name}: sheet {sheet.title!r} ignored (not a register table)")
                continue
            if table in found:
                errors.append(f"{name}: sheets {found[table]!r} and {sheet.title!r} are both the {table} table")
                continue
            found[table] = sheet.title
            raw.tables.setdefault(table, [])
            where = f"{name}: sheet {sheet.title!r}"
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # some writers record wrong dimensions; read every row
            header: _Header | None = None
            for number, record in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                if _blank(record):
                    continue
                if header is None:
                    header = _match_header(where, table, record, errors)
                    if header is None:
                        break
                    continue
                row, stray = _row_dict(header, record)
                label = f"sheet {sheet.title!r} row {number}"
                if stray:
                    errors.append(f"{name}: {label}: a value in a column without a header")
                    continue
                raw.add(table, label, row)
    finally:
        workbook.close()
    if not found and not errors:
        errors.append(
            f"{name}: no sheet is a register table; name sheets after tables ({table_names()}) "
            "or an alias in docs/import-format.md"
        )
    if errors:
        raise ReadError(errors)
    return raw


# --------------------------------------------------------------------------------------------
# Paths


def expand(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The files a list of paths names (a directory: its register files, sorted by name)."""
    files: list[Path] = []
    errors: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))
            )
            if not inside:
                errors.append(f"{path.name}/: no .yaml, .yml, .csv or .xlsx files in this directory")
            files.extend(inside)
        elif not path.exists():
            errors.append(f"{path.name}: no such file")
        elif path.suffix.lower() == ".xls":
            errors.append(f"{path.name}: old .xls workbooks are not supported; save it as .xlsx")
        elif path.suffix.lower() not in SUFFIXES:
            errors.append(f"{path.name}: not a register file (use .yaml, .yml, .csv or .xlsx)")
        else:
            files.append(path)
    return files, errors


def read_file(path: Path) -> RawFile:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ReadError([f"{path.name}: cannot read the file ({error.strerror})"]) from None
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return read_yaml(path, content)
    if suffix == ".csv":
        return read_csv(path, content)
    return read_xlsx(path, content)


def read_paths(paths: list[Path]) -> list[RawFile]:
    """Every file the paths name, read; all problems of all files reported together."""
    files, errors = expand(paths)
    raws: list[RawFile] = []
    for path in files:
        try:
            raws.append(read_file(path))
        except ReadError as error:
            errors.extend(error.errors)
    if errors:
        raise ReadError(errors)
    return raws
