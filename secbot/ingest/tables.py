"""Tables in a report, found by their header cells, whatever the layout: pipe tables and tab-separated
rows (cells already joined by `` | `` in ``Line.text``), PDF lines whose columns were runs of spaces
or single spaces (read by what each column's values look like). And the cell values SECAS tables
hold, OCR slips repaired: references (``MPO78``, a bare ``0026``), assessment kinds (``lA``), days
(``3 Feb 22``, ``15-Mar-23``, ``10ct 19`` for 1 Oct 19, ``07/05/2024``) and working-day counts (``40 WD``).

A reader names its columns (field → header words, field → value pattern); ``find_tables`` returns
every table whose header holds the required ones, with each row's cells by field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from secbot.ingest.days import NUM, find_days, number
from secbot.ingest.document import Document, Line, clean
from secbot.ingest.mentions import references_in
from secbot.ingest.prose import paragraphs
from secbot.references import BareNumber, Ref, parse_reference

# Value patterns, for rows whose columns cannot be told apart by separators.
# (OCR slips in its digits: O and Q for 0, l and I for 1; at least one real digit)
REFERENCE = r"(?:SEC\s?MP|MP|DP|\[D|D)?[\s\-]?(?=[0-9OQlI]{0,4}[0-9])[0-9OQlI]{1,5}[A-Z]?"
KIND = r"[PplI1|][Aa4]"
DAY = (
    rf"{NUM}{{1,2}}(?:st|nd|rd|th)?[\s\-]*(?:[A-Za-z0][a-z]{{2,8}}\.?)[\s\-]+{NUM}{{2}}(?:{NUM}{{2}})?"
    rf"|{NUM}{{1,2}}/{NUM}{{1,2}}/{NUM}{{2,4}}"
)
# A footnote mark on a cell: a superscript, or (in a PDF's text, which flattens superscripts) one digit
# run into the word before it ("20 WD3", "Approved1").
SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
MARK = rf"(?:[{SUPERSCRIPTS}]+|(?<=[A-Za-z])[1-9])"
WD = (
    rf"(?:{NUM}{{1,4}}\s*(?:(?:WD|wd|working\s+days|days)(?:{MARK})??)?|-|–|N/?A|n/a|TBC|TBD|Unknown)"
    rf"[{SUPERSCRIPTS}]*"
)
STATUS = r"[A-Za-z]+\d?"
TEXT = r".+?"
# A row of a table keyed by modification: it starts with a reference (OCR slips and a stray "[" allowed).
REFERENCE_ROW = re.compile(
    r"^\s*\[?(?:SEC\s?MP|MP|DP|D)?[\s\-]?(?=[0-9OQlI]{0,4}[0-9])[0-9OQlI]{2,5}[A-Z]?\b", re.IGNORECASE
)

_UNKNOWN = re.compile(r"^(?:-|–|—|N/?A|TBC|TBD|unknown|not known|)$", re.IGNORECASE)
_WD_VALUE = re.compile(rf"^(?P<n>{NUM}{{1,4}})\s*(?:WD|working\s+days?|days?)?\.?$", re.IGNORECASE)
_CELL_MARK = re.compile(rf"(?:(?<=[A-Za-z])(?P<digit>[1-9])|(?P<sup>[{SUPERSCRIPTS}]+)|(?<=\S)(?P<sym>[*†‡]{{1,3}}))$")
# A mark that cannot be a day's digit: a superscript or a symbol (``1 Apr 19*``, ``1 Apr 19¹``).
_DAY_MARK = re.compile(rf"(?<=\S)\s?(?:[{SUPERSCRIPTS}]+|[*†‡]{{1,3}})$")
_SUPERSCRIPT_DIGITS = str.maketrans(SUPERSCRIPTS, "1234567890")
_SLASH_DAY = re.compile(rf"^(?P<d>{NUM}{{1,2}})/(?P<m>{NUM}{{1,2}})/(?P<y>{NUM}{{2,4}})$")


class Unreadable(ValueError):
    """A cell that holds something, but not a value of its column."""


def split_mark(text: str) -> tuple[str, str | None]:
    """A cell's value and the footnote mark on its end, as a digit: ``20 WD⁴`` → (``20 WD``, ``4``);
    ``20 WD3`` (a PDF's flattened superscript) → (``20 WD``, ``3``); ``–⁵`` → (``–``, ``5``); a symbol
    mark as itself: ``1 Apr 19*`` → (``1 Apr 19``, ``*``)."""
    text = text.strip()
    match = _CELL_MARK.search(text)
    if not match:
        return text, None
    if match["sym"]:
        return text[: match.start()].rstrip(), match["sym"]
    mark = match["digit"] or match["sup"].translate(_SUPERSCRIPT_DIGITS)
    return text[: match.start()].rstrip(), mark


def footnote(doc: Document, mark: str, not_line: int | None = None) -> str | None:
    """The footnote a mark (a digit) points to: from the line that starts with that mark, as a superscript
    or (in a PDF's text) as a plain digit before a capital, outside line ``not_line``, to the end of the
    paragraph it starts or sits in (a PDF may run it on from the line above). A symbol mark (``*``, ``†``) is
    found on the line of the report's text that starts with it (the reader takes ``* `` for a list marker)."""
    if not mark.isdigit():
        return _symbol_footnote(doc, mark, not_line)
    sup = "¹²³⁴⁵⁶⁷⁸⁹"[int(mark) - 1] if mark.isdigit() and mark != "0" else mark
    # The superscript first: a line that starts with the plain digit may be a day ("3 December 2021").
    for pattern in (re.compile(rf"^{re.escape(sup)}\s*(?=[A-Z])"), re.compile(rf"^{re.escape(mark)}\s+(?=[A-Z])")):
        for para in paragraphs(doc):
            if para.table_row:
                continue
            for line in para.lines:
                if line.number == not_line or not pattern.match(line.text):
                    continue
                days = find_days(line.text)
                if days and days[0].span[0] == 0:
                    continue
                at = para.text.find(line.text)
                text = para.text[at:] if at >= 0 else line.text
                return text[pattern.match(text).end() :].strip()
    return None


def _symbol_footnote(doc: Document, mark: str, not_line: int | None) -> str | None:
    raw = doc.text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(mark)}\s*(?=[A-Z])")
    for line in doc.lines:
        source = raw[line.number - 1] if 0 < line.number <= len(raw) else ""
        after = not_line is None or line.number > not_line  # a footnote sits below the row marking it
        if after and line.number != not_line and pattern.match(source):
            return line.text[pattern.match(line.text).end() :].strip() if pattern.match(line.text) else line.text
    return None


def repair_day_text(text: str) -> str:
    """Hyphens between day, month and year as spaces; the month's O read as 0 (``10ct 19`` is 1 Oct 19)."""
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text.strip())
    return re.sub(r"(\d)?0(ct(?:ober)?|v)\b", lambda m: f"{m.group(1) or ''} O{m.group(2)}".strip(), text)


def parse_day(text: str) -> dt.date | None:
    """The one day a cell names; ``None`` for an empty or unknown cell. Raises ``Unreadable`` otherwise."""
    text = _DAY_MARK.sub("", text.strip())
    if _UNKNOWN.match(text):
        return None
    slash = _SLASH_DAY.match(text)
    if slash:
        year = number(slash["y"])
        try:
            return dt.date(year + 2000 if year < 100 else year, number(slash["m"]), number(slash["d"]))
        except ValueError:
            raise Unreadable(f"{text!r} is not a day") from None
    repaired = repair_day_text(text)
    found = find_days(repaired)
    if len(found) == 1 and found[0].span == (0, len(repaired)):
        return found[0].day
    raise Unreadable(f"{text!r} is not a day")


def parse_wd(text: str) -> int | None:
    """``40 WD`` → 40; ``None`` for a cell that says it is not known (``-``, ``TBC``, empty), never 0."""
    text = split_mark(text)[0]
    if _UNKNOWN.match(text):
        return None
    match = _WD_VALUE.match(text)
    if not match:
        raise Unreadable(f"{text!r} is not a number of working days")
    return number(match["n"])


def parse_kind(text: str) -> str:
    """``PA`` or ``IA``, OCR slips repaired (``lA``, ``1A``, ``|A``, ``P4``)."""
    key = text.strip().upper().translate(str.maketrans("L1|4", "IIIA"))
    if key in ("PA", "IA"):
        return key
    words = {"PRELIMINARY ASSESSMENT": "PA", "IMPACT ASSESSMENT": "IA"}
    for word, kind in words.items():
        if key.startswith(word):
            return kind
    raise Unreadable(f"{text!r} is neither PA nor IA")


_TITLED = re.compile(r"^(?P<ref>\S+(?:\s?\d+[A-Z]?)?)\s*(?:['‘\"“].*|[–:-]\s.*)$")


def parse_ref(text: str) -> str:
    """The reference a cell names; a bare four-digit number (``0026``) is an old SECMP reference. A cell
    that gives a title after its reference (``MP122B 'Title'``, ``SECMP0035 – Title``) names that reference."""
    text = text.strip().strip("*")
    titled = _TITLED.match(text)
    if titled and isinstance(parse_reference(titled["ref"]), Ref):
        text = titled["ref"]
    whole = references_in(text)
    if len(whole) == 1 and (whole[0].start, whole[0].end) == (0, len(text)):
        return whole[0].ref.text  # OCR slips in the digits repaired: "MP17l" is MP171, not MP017L
    found = parse_reference(text)
    if isinstance(found, BareNumber):
        if found.four_digits:
            return found.candidates()[0].text
        raise Unreadable(f"{text!r} is a bare number: MP, DP or SECMP cannot be told")
    if isinstance(found, Ref):
        return found.text
    raise Unreadable(f"{text!r} is not a modification reference")


@dataclass(frozen=True)
class Column:
    name: str
    header: str  # regex of the header words
    value: str = TEXT  # regex of a value, for rows without cell separators
    optional: bool = False  # a row without separators may leave this column out


@dataclass
class Row:
    line: Line
    cells: dict[str, str]
    # Columns a row without separators left out next to a filled column whose values look the same: which
    # of the two the value belongs to was taken by position (the first), and the reader should say so.
    guessed: tuple[str, ...] = ()


@dataclass
class Table:
    header: Line
    fields: list[str]
    title: str | None  # the line just above the header (``Open Assessments``), if it is not a row
    index: int  # of the header in ``doc.lines``
    rows: list[Row] = field(default_factory=list)
    skipped: list[Line] = field(default_factory=list)  # lines inside the table no column pattern fits


def header_fields(text: str, columns: Sequence[Column]) -> list[str] | None:
    """The columns a header line names, in order, when it is nothing but header words."""
    found, pos = [], 0
    compiled = [(c.name, re.compile(rf"(?:{c.header})(?-i:(?![a-z]))", re.IGNORECASE)) for c in columns]
    while True:
        pos = len(text) - len(text[pos:].lstrip(" |\t"))
        if pos >= len(text):
            return found
        best = None
        for name, pattern in compiled:
            match = pattern.match(text, pos)
            if match and (best is None or match.end() > best[1]):
                best = (name, match.end())
        if best is None or best[0] in found:
            return None
        found.append(best[0])
        pos = best[1]


def _row_cells(line: Line, fields: list[str], columns: dict[str, Column]) -> Row | None:
    cells = line.cells
    if len(cells) > 1:
        cells = cells + [""] * (len(fields) - len(cells))
        if len(cells) != len(fields) and any(cells[len(fields) :]):
            return None
        return Row(line, dict(zip(fields, cells, strict=False)))
    pattern = r"\s*".join(rf"(?P<{f}>{columns[f].value})" for f in fields)
    match = re.fullmatch(rf"\s*{pattern}\s*", line.text)
    if match:
        return Row(line, {f: match[f] for f in fields})
    if not any(columns[f].optional for f in fields):
        return None
    # Cells left empty: a PDF's text has nothing where they were, so the optional columns may be absent.
    parts = [
        rf"(?:(?P<{f}>{columns[f].value})\s*)?" if columns[f].optional else rf"(?P<{f}>{columns[f].value})\s*"
        for f in fields
    ]
    match = re.fullmatch(rf"\s*{''.join(parts)}", line.text)
    if not match:
        return None
    cells = {f: match[f] or "" for f in fields}
    guessed = []
    for i, name in enumerate(fields):
        if cells[name]:
            continue
        for j in (i - 1, i + 1):  # a neighbour holding a value this empty column could hold as well
            if 0 <= j < len(fields) and cells[fields[j]] and columns[fields[j]].value == columns[name].value:
                guessed.append(fields[j])
    return Row(line, cells, tuple(guessed))


_HTML_CELL = re.compile(r"<t[dh]\b[^>]*>(?P<cell>.*?)(?:</t[dh]>|(?=<t[dh]\b|</tr>|$))", re.IGNORECASE | re.DOTALL)
_HTML_ROW = re.compile(r"<tr\b", re.IGNORECASE)


def table_lines(doc: Document) -> list[Line]:
    """``doc.lines`` with the rows of an HTML ``<table>`` as cells (``<tr><td>a</td><td>b</td></tr>`` → ``a | b``,
    whose cells the plain text ran together): a row written over several lines (one ``<td>`` a line) is one line,
    numbered by its ``<tr>``; lines of tags alone (``<thead>``, ``</tr>``) are left out."""
    raw = doc.text.splitlines()
    if not any("<t" in line.lower() for line in raw):
        return list(doc.lines)
    by_number = {line.number: line for line in doc.lines}
    out: list[Line] = []
    row: tuple[int, str] | None = None  # an HTML row not yet closed: its first line and its text so far
    for at, source in enumerate(raw, start=1):
        starts = bool(_HTML_ROW.search(source))
        if row is not None and starts:  # a row opened before the last one was closed
            out.append(_html_row(*row))
            row = None
        if row is not None:
            row = (row[0], f"{row[1]} {source}")
            if re.search(r"</tr>|</table>", source, re.IGNORECASE):
                out.append(_html_row(*row))
                row = None
            continue
        if starts and not re.search(r"</tr>", source, re.IGNORECASE):
            row = (at, source)
        elif starts or _HTML_CELL.search(source):
            out.append(_html_row(at, source))
        elif at in by_number:
            out.append(by_number[at])
    if row is not None:
        out.append(_html_row(*row))
    return [line for line in out if line.text]


def _html_row(number: int, source: str) -> Line:
    cells = [clean(m["cell"]).strip() for m in _HTML_CELL.finditer(source)]
    return Line(number, " | ".join(cells) if len(cells) > 1 else (cells[0] if cells else ""))


def _header(lines: Sequence[Line], i: int, columns: Sequence[Column]) -> tuple[list[str] | None, int]:
    """The columns the header at ``lines[i]`` names and how many lines it takes: one, or two where a PDF
    wrapped a header cell's last words onto the next line (``Mod Type Accepted Target Current`` then
    ``duration``)."""
    fields = header_fields(lines[i].text, columns)
    if fields or i + 1 >= len(lines):
        return fields, 1
    after = lines[i + 1].text
    if len(after) > 40 or " | " in lines[i].text or " | " in after or not re.fullmatch(r"[A-Za-z() ]+", after):
        return None, 1
    joined = header_fields(f"{lines[i].text} {after}", columns)
    return (joined, 2) if joined and len(joined) >= 3 else (None, 1)


def find_tables(
    doc: Document,
    columns: Sequence[Column],
    required: set[str],
    is_row: re.Pattern[str],
) -> list[Table]:
    """Every table whose header names the ``required`` columns. Its rows are the lines after the header
    that look like rows (``is_row``, e.g. they start with a reference), up to the first that does not;
    those that look like rows but do not fit the columns are ``skipped``, for the reader to warn about.
    HTML table rows are read by their cells (``table_lines``)."""
    by_name = {c.name: c for c in columns}
    tables: list[Table] = []
    lines = table_lines(doc)
    position = {line.number: k for k, line in enumerate(doc.lines)}
    i = 0
    while i < len(lines):
        fields, size = _header(lines, i, columns)
        if not fields or not required <= set(fields):
            i += 1
            continue
        above = lines[i - 1].text if i else ""
        title_cells = [c for c in lines[i - 1].cells if c] if i else []
        title = title_cells[0] if len(title_cells) == 1 and len(above) < 80 else None
        # A header whose words ran together (``ModificationTypeAccepted``: a PDF drew the cells edge to edge)
        # has rows whose cells ran together too (``MP180IA8 Feb 22``): they are read by their values alone.
        glued = " | " not in lines[i].text and bool(re.search(r"[a-z][A-Z]", lines[i].text))
        table = Table(lines[i], fields, title, position.get(lines[i].number, i))
        j = i + size
        while j < len(lines):
            line = lines[j]
            if header_fields(line.text, columns):
                break
            row = _row_cells(line, fields, by_name)
            if not is_row.match(line.text) and not (glued and row is not None and " | " not in line.text):
                break
            if row is not None and any(row.cells.values()):
                table.rows.append(row)
            else:
                table.skipped.append(line)
            j += 1
        tables.append(table)
        i = j
    return tables
