"""Read register files (YAML, CSV, XLSX, or a directory of them) into canonical tables.

A reader returns, per file, ``{table name: [(row label, row dict)]}`` plus the file's default
source. It checks only the *shape* of a file (valid YAML, known tables, known columns, required
columns present); ``validation`` checks every row against ``schema`` and ``apply`` writes them.

A reader never raises for a bad file: it records each problem in ``RawFile.problems`` and keeps
the rows it could read, setting ``RawFile.complete`` to False when it had to stop early (a syntax
error, a header it cannot match, a limit), so that the other files and the readable rows are still
checked in the same run. Every reader is bounded (``limits``): ``read_file`` refuses a file larger
than the import's cap from its size, before reading it. YAML is built by ``yaml_document``.

Problem lines name a file by a path the user can find (``shown_path``): relative to the current
directory when the file is under it, else absolute, so that two ``register.yaml`` in different
folders are told apart. ``RawFile.name`` stays the bare file name: it is the file's identity (its
default source ``import:<name>``, the import record).

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

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from secbot.store.importer import limits
from secbot.store.importer.schema import FLAT_TABLES
from secbot.store.importer.yaml_document import read_document

YAML_SUFFIXES = (".yaml", ".yml")
SUFFIXES = (*YAML_SUFFIXES, ".csv", ".xlsx")

Rows = list[tuple[str, dict]]


@dataclass
class RawFile:
    """One file as read: its canonical tables, its default source and what to tell the user."""

    name: str  # the bare file name: its default source ``import:<name>`` and the import record
    path: Path
    sha256: str  # of the file's bytes, for the import record
    format: str  # "yaml", "csv" or "xlsx"
    shown: str = ""  # how problem lines name the file (``shown_path``); the bare name if not given
    tables: dict[str, Rows] = field(default_factory=dict)
    # The file's own default source: a SourceIn-shaped dict (with its label) or a source key.
    default_source: tuple[str, dict] | str | None = None
    # CSV and XLSX files without their own default get ``import:<file name>`` unless the caller
    # passes a source.
    auto_source: bool = False
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each names the file; any one fails the import
    complete: bool = True  # False: reading stopped early, so rows of this file may be missing
    rejected: list[tuple[str, dict]] = field(default_factory=list)  # (table, row) dropped with a problem

    def __post_init__(self) -> None:
        self.shown = self.shown or self.name

    def add(self, table: str, label: str, row: dict) -> None:
        self.tables.setdefault(table, []).append((label, row))


def shown_path(path: Path, relative_to: Path | None = None) -> str:
    """``path`` as problem lines name it: relative to ``relative_to`` (by default the current directory)
    when it is under it, else absolute. Not resolved, so a path through a symbolic link reads as typed."""
    absolute = Path(os.path.abspath(path))
    base = Path(os.path.abspath(os.curdir if relative_to is None else relative_to))
    return str(absolute.relative_to(base)) if absolute.is_relative_to(base) else str(absolute)


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


def _blank(row: tuple | list) -> bool:
    if row.count(None) == len(row):  # the common empty spreadsheet row, without a Python loop
        return True
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


def _utf8_problem(name: str, content: bytes) -> str | None:
    """Why ``content`` is not UTF-8, or None; checked a megabyte at a time, never decoded whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    step = 1 << 20
    start = 0
    try:
        for start in range(0, len(content), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        # error.start counts from the chunk, which may begin inside an incomplete character
        return f"{name}: not UTF-8 text (near byte {max(start + error.start, 0)}); save the file as UTF-8"
    return None


def read_yaml(path: Path, content: bytes, shown: str | None = None) -> RawFile:
    name = shown or shown_path(path)
    raw = RawFile(path.name, path, _sha256(content), "yaml", shown=name)
    problem = _utf8_problem(name, content)
    if problem is not None:
        raw.problems.append(problem)
        raw.complete = False
        return raw
    read = read_document(content)
    raw.problems.extend(f"{name}: {problem}" for problem in read.problems)
    raw.complete = read.complete
    document = read.root
    if document is None:
        if read.complete:
            raw.warnings.append(f"{name}: the file is empty")
        return raw
    if not isinstance(document, dict):
        raw.problems.append(f"{name}: line 1: expected a mapping of tables (source:, modifications:, ...)")
        raw.complete = False
        return raw
    for key, value in document.items():
        if key == "source":
            if isinstance(value, dict):
                raw.default_source = (f"source (line {_line(value, 1)})", dict(value))
            elif isinstance(value, str) and value.strip():
                raw.default_source = value.strip()
            elif value is not None:
                raw.problems.append(f"{name}: 'source' must be a mapping (key, title, issued, ...) or a source key")
            continue
        if key not in YAML_TABLES:
            raw.problems.append(
                f"{name}: unknown table {key!r}; the accepted top-level keys are source, {', '.join(YAML_TABLES)}"
            )
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            raw.problems.append(f"{name}: '{key}' must be a list of entries (each starting with '- ')")
            continue
        lines = getattr(value, "lines", [0] * len(value))
        for index, entry in enumerate(value, start=1):
            label = f"{key}[{index}] (line {lines[index - 1]})"
            if not isinstance(entry, dict):
                raw.problems.append(f"{name}: {label}: expected a mapping of fields, got {_shown(entry)}")
                continue
            raw.add(key, label, entry)  # before its children, so errors come in file order
            if key == "meetings":
                _split_children(raw, entry, "items", "agenda_items", f"{key}[{index}]", label)
            elif key == "releases":
                _split_children(raw, entry, "scope", "release_scope", f"{key}[{index}]", label)
    return raw


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _split_children(raw: RawFile, parent: dict, key: str, table: str, path: str, parent_label: str) -> None:
    """Move a meeting's ``items`` / a release's ``scope`` into flat rows naming their parent."""
    children = parent.pop(key, None)
    if children is None:
        return
    if not isinstance(children, list):
        raw.problems.append(f"{raw.shown}: {parent_label}: field '{key}' must be a list")
        return
    lines = getattr(children, "lines", [0] * len(children))
    for index, child in enumerate(children, start=1):
        label = f"{path}.{key}[{index}] (line {lines[index - 1]})"
        if isinstance(child, str | int) and not isinstance(child, bool):
            child = {"reference": child}
        if not isinstance(child, dict):
            raw.problems.append(f"{raw.shown}: {label}: expected a reference or a mapping, got {_shown(child)}")
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


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, split as ``open(newline="")`` splits them, one at a
    time (an ``io.StringIO`` would copy the whole text at four bytes a character)."""
    for line in _LINE.finditer(text):
        yield line.group()


def _long_value(record: list[str]) -> int:
    """The 1-based column of a value longer than ``limits.MAX_FIELD_CHARS``, or 0."""
    for position, value in enumerate(record, start=1):
        if len(value) > limits.MAX_FIELD_CHARS:
            return position
    return 0


def read_csv(path: Path, content: bytes, shown: str | None = None) -> RawFile:
    name = shown or shown_path(path)
    raw = RawFile(path.name, path, _sha256(content), "csv", shown=name, auto_source=True)
    table = table_for_name(path.stem)
    if table is None:
        raw.problems.append(
            f"{name}: cannot tell which table this file holds from its name; name it after a table "
            f"({', '.join(t + '.csv' for t in TABLE_ALIASES)}) or an alias in docs/import-format.md"
        )
        raw.complete = False
        return raw
    text = _decode(name, content, raw.warnings)
    end = text.find("\n")
    first_line = text[: end if end >= 0 else len(text)]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(_lines(text), delimiter=delimiter)
    header: _Header | None = None
    data_row = 0
    previous_line = 0
    try:
        for record in reader:
            start_line = previous_line + 1
            previous_line = reader.line_num
            column = _long_value(record)
            if column:
                raw.problems.append(
                    f"{name}: line {start_line}: the value in column {column} is {len(record[column - 1]):,} "
                    f"characters long, more than the {limits.MAX_FIELD_CHARS:,} any register field may have; "
                    "reading stopped there"
                )
                raw.complete = False
                break
            if header is None:
                if _blank(record):
                    continue
                header = _match_header(name, table, tuple(record), raw.problems)
                if header is None:
                    raw.complete = False
                    return raw
                continue
            data_row += 1
            if _blank(record):
                continue
            label = f"row {data_row} (line {start_line})"
            row, stray = _row_dict(header, tuple(record))
            if stray:
                raw.problems.append(f"{name}: {label}: a value in a column without a header")
                raw.rejected.append((table, row))
                continue
            raw.add(table, label, row)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            problem = (
                f"a value longer than the {csv.field_size_limit():,} characters any register field may have; "
                "reading stopped there"
            )
        else:
            problem = f"not valid CSV: {error}"
        raw.problems.append(f"{name}: line {reader.line_num}: {problem}")
        raw.complete = False
    if header is None and not raw.problems:
        raw.warnings.append(f"{name}: the file is empty")
    raw.tables.setdefault(table, [])
    return raw


# --------------------------------------------------------------------------------------------
# XLSX


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def read_xlsx(path: Path, content: bytes, max_bytes: int, shown: str | None = None) -> RawFile:
    name = shown or shown_path(path)
    raw = RawFile(path.name, path, _sha256(content), "xlsx", shown=name, auto_source=True)
    refused = limits.workbook_problem(name, content, max_bytes)
    if refused is not None:
        raw.problems.append(refused)
        raw.complete = False
        return raw
    from openpyxl import load_workbook  # only once the workbook may be opened: openpyxl is slow to import

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # a hostile workbook can make openpyxl raise almost anything
        raw.problems.append(f"{name}: not a readable .xlsx workbook ({_error_text(error)})")
        raw.complete = False
        return raw
    found: dict[str, str] = {}
    try:
        for sheet in workbook.worksheets:
            table = table_for_name(sheet.title)
            if table is None:
                raw.warnings.append(f"{name}: sheet {sheet.title!r} ignored (not a register table)")
                continue
            if table in found:
                raw.problems.append(f"{name}: sheets {found[table]!r} and {sheet.title!r} are both the {table} table")
                raw.complete = False
                continue
            found[table] = sheet.title
            raw.tables.setdefault(table, [])
            try:
                _read_sheet(raw, sheet, table)
            except Exception as error:  # damaged sheet XML, or a part that fails its CRC check
                raw.problems.append(f"{name}: sheet {sheet.title!r} could not be read ({_error_text(error)})")
                raw.complete = False
    finally:
        workbook.close()
    if not found and not raw.problems:
        raw.problems.append(
            f"{name}: no sheet is a register table; name sheets after tables ({table_names()}) "
            "or an alias in docs/import-format.md"
        )
        raw.complete = False
    return raw


def _read_sheet(raw: RawFile, sheet, table: str) -> None:
    name = raw.shown
    where = f"{name}: sheet {sheet.title!r}"
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row
    header: _Header | None = None
    # One row and one column past the limits, to tell a sheet that goes on from one that ends there.
    rows = sheet.iter_rows(
        min_row=1, max_row=limits.MAX_SHEET_ROWS + 1, max_col=limits.MAX_SHEET_COLUMNS + 1, values_only=True
    )
    for number, record in enumerate(rows, start=1):
        if _blank(record):
            continue
        if number > limits.MAX_SHEET_ROWS:
            raw.problems.append(
                f"{where}: more than {limits.MAX_SHEET_ROWS:,} rows; a register sheet is read up to row "
                f"{limits.MAX_SHEET_ROWS:,} (split it into several files)"
            )
            raw.complete = False
            return
        if len(record) > limits.MAX_SHEET_COLUMNS and not _blank(record[limits.MAX_SHEET_COLUMNS :]):
            raw.problems.append(
                f"{where} row {number}: a value beyond column {_column_letter(limits.MAX_SHEET_COLUMNS)}; "
                f"a register sheet is read up to its {limits.MAX_SHEET_COLUMNS}th column"
            )
            raw.complete = False
            return
        if header is None:
            header = _match_header(where, table, record, raw.problems)
            if header is None:
                raw.complete = False
                return
            continue
        row, stray = _row_dict(header, record)
        label = f"sheet {sheet.title!r} row {number}"
        if stray:
            raw.problems.append(f"{name}: {label}: a value in a column without a header")
            raw.rejected.append((table, row))
            continue
        raw.add(table, label, row)


def _error_text(error: Exception) -> str:
    text = " ".join(str(error).split())
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --------------------------------------------------------------------------------------------
# Paths


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def expand(paths: list[Path], relative_to: Path | None = None) -> tuple[list[Path], list[str], list[str]]:
    """The files a list of paths names (a directory: its register files, sorted by name), the
    problems, and the paths (as shown) that were not there to read."""
    files: list[Path] = []
    errors: list[str] = []
    missing: list[str] = []
    for path in paths:
        path = Path(path)
        shown = shown_path(path, relative_to)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))
            )
            if not inside:
                errors.append(f"{shown.rstrip('/')}/: no .yaml, .yml, .csv or .xlsx files in this directory")
            files.extend(inside)
        elif not path.exists():
            errors.append(f"{shown}: no such file")
            missing.append(shown)
        elif path.suffix.lower() == ".xls":
            errors.append(f"{shown}: old .xls workbooks are not supported; save it as .xlsx")
            missing.append(shown)
        elif path.suffix.lower() not in SUFFIXES:
            errors.append(f"{shown}: not a register file (use .yaml, .yml, .csv or .xlsx)")
        else:
            files.append(path)
    return files, errors, missing


def _unread(path: Path, shown: str, problem: str) -> RawFile:
    suffix = path.suffix.lower().lstrip(".")
    return RawFile(path.name, path, "", suffix, shown=shown, problems=[problem], complete=False)


def read_file(
    path: Path, max_bytes: int = limits.max_bytes(limits.DEFAULT_MAX_MB), relative_to: Path | None = None
) -> RawFile:
    """One file, refused unread when it is larger than ``max_bytes``; ``relative_to`` as in ``shown_path``."""
    shown = shown_path(path, relative_to)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _unread(path, shown, limits.too_large(shown, size, max_bytes))
        with path.open("rb") as file:
            content = file.read(max_bytes + 1)  # never more, even if the file grew since stat()
    except OSError as error:
        return _unread(path, shown, f"{shown}: cannot read the file ({error.strerror or error})")
    if len(content) > max_bytes:
        return _unread(path, shown, limits.too_large(shown, len(content), max_bytes))
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return read_yaml(path, content, shown)
    if suffix == ".csv":
        return read_csv(path, content, shown)
    return read_xlsx(path, content, max_bytes, shown)


@dataclass
class Reading:
    """What ``read_paths`` found: the files it read (each with its own problems) and the paths'
    own problems (no such file, not a register file)."""

    raws: list[RawFile]
    errors: list[str]
    missing: list[str]  # paths (as shown) that may hold rows but were not there to read

    @property
    def unread(self) -> list[str]:
        """Files (as shown) some of whose rows were not read: a reference may be defined there."""
        return [*self.missing, *(raw.shown for raw in self.raws if not raw.complete)]


def read_paths(
    paths: list[Path], max_bytes: int = limits.max_bytes(limits.DEFAULT_MAX_MB), relative_to: Path | None = None
) -> Reading:
    """Every file the paths name, each read as far as it can be; nothing raised for a bad file.
    Problem lines name files relative to ``relative_to`` (default: the current directory) as ``shown_path`` does."""
    files, errors, missing = expand(paths, relative_to)
    return Reading([read_file(path, max_bytes, relative_to) for path in files], errors, missing)
