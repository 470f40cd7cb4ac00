"""A report as the readers see it: its text (from a ``.txt`` file, or a ``.pdf`` through pypdf), cut into
clean lines with the markup of the text dumps (Markdown emphasis and links, HTML tags, table pipes)
taken off, and what every reader needs first: which kind of report it is and the day it was issued;
and a per-document cache for what the readers work out from it more than once (``cached``).

The readers of each table (``secbot.ingest.*``) work on ``Document.lines`` and never on the file."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from secbot.ingest.days import find_days

MAX_BYTES = 50 * 1024 * 1024  # a monthly report is well under 5 MB; anything larger is not one


class IngestError(ValueError):
    """A report that cannot be read at all: the message names the file and what is wrong."""


# The report families SECAS has published, by the title line that names them.
KINDS = (
    ("change-status-report", re.compile(r"^Change Status Report\s*[–-]\s*\w+ \d{4}$", re.IGNORECASE)),
    (
        "modification-release-status-report",
        re.compile(r"^Modification (?:and|&) Release Status Report\s*[–-]\s*\w+ \d{4}$", re.IGNORECASE),
    ),
    ("modification-status-report", re.compile(r"^Modification Status Report\s*[–-]\s*\w+ \d{4}$", re.IGNORECASE)),
    ("sec-update", re.compile(r"^Smart Energy Code \(SEC\) Update$", re.IGNORECASE)),
)
_PAPER_REFERENCE = re.compile(r"Paper Reference:?\s*(?:\|\s*)?(?P<ref>[A-Z]{2,8}_[0-9A-Z_]+)", re.IGNORECASE)

_TAGS = re.compile(r"<(?:sup|sub)>(.*?)</(?:sup|sub)>|</?[a-zA-Z][^>]*>")
_HTML_CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^(?:[-*•▪●◦]|\d{1,3}\.)\s+")
_RULE = re.compile(r"^\|?[\s|:-]*-{3,}[\s|:-]*\|?$")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+.!'\"-])")  # Markdown's backslash escapes: \( → (


def clean(line: str) -> str:
    """``line`` without markup: ``<b>X</b>`` → X, ``18<sup>th</sup>`` → 18th, ``[X](#)`` → X,
    ``**X**`` → X, heading hashes off, runs of spaces and tabs kept as one space except between
    table cells (a tab or a pipe), which become `` | ``."""
    line = line.replace("\u00a0", " ")
    cells = _HTML_CELL.findall(line)
    if cells:
        # An HTML table's row ("<tr><td>MP180</td><td>IA</td>…</tr>"): its cells, as a piped row's are.
        return " | ".join(clean(cell) or "" for cell in cells).rstrip()
    text = _TAGS.sub(lambda m: m.group(1) or "", line)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _ESCAPED.sub(r"\1", text)
    text = _HEADING.sub("", text.strip())
    if "\t" in text or text.startswith("|"):
        # The outer bars of a Markdown row ("| a | b |") off; a bar that opens a row without one at its
        # end ("| | MP081 | …" in a PDF's text) is an empty first cell, and keeps its place.
        body = text.strip()
        if len(body) > 1 and body.startswith("|") and body.endswith("|"):
            body = body[1:-1]
        cells = [re.sub(r"[ ]{2,}", " ", c.strip()) for c in re.split(r"\t|\|", body)]
        return " | ".join(cells).rstrip() if any(cells) else ""
    return re.sub(r"[ ]{2,}", " ", text).strip()


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the extracted text, so warnings can point at it
    text: str  # cleaned (``clean``)
    bullet: bool = False  # it began with a list marker, now taken off

    @property
    def cells(self) -> list[str]:
        """A table row's cells (``a | b | c``), or the line alone."""
        return [c.strip() for c in self.text.split(" | ")] if " | " in self.text else [self.text]


@dataclass(frozen=True)
class Document:
    path: Path
    text: str
    lines: tuple[Line, ...]
    kind: str  # one of KINDS' names, or "unknown"
    title: str | None
    issued: dt.date | None
    paper_reference: str | None
    warnings: list[str] = field(default_factory=list)


def read_text(path: Path) -> str:
    """The text of a ``.txt`` or ``.pdf`` report."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if size > MAX_BYTES:
        raise IngestError(f"{path}: {size:,} bytes is too large for a report (at most {MAX_BYTES:,})")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _pdf_text(path)
    if suffix in (".txt", ".md", ".text"):
        return path.read_bytes().decode("utf-8", errors="replace")
    raise IngestError(f"{path}: a report must be a .pdf or .txt file, not {suffix or 'a file without a suffix'}")


def _pdf_text(path: Path) -> str:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its complaints about a damaged file become our one line
    try:
        reader = PdfReader(path)
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise IngestError(f"{path}: not a readable PDF ({exc})") from None


_GAP = re.compile(r"\S {3,}(?=\S)")
_ENDS = re.compile(r"[.!?:;][’'\")\]”]?$")


def _split(raw: str) -> tuple[str, int, str] | None:
    """A line read across two columns of prose: its left part, the column the right part starts at, and
    the right part; ``None`` unless the line has exactly one wide gap (a table row has more)."""
    body = raw.rstrip()
    if "\t" in body or "|" in body or body[:1].isspace():
        return None
    gaps = list(_GAP.finditer(body))
    if len(gaps) != 1:
        return None
    return body[: gaps[0].start() + 1], gaps[0].end(), body[gaps[0].end() :]


def _words(text: str) -> int:
    return len(text.split())


def _column_block(raws: list[str], start: int) -> tuple[int, int] | None:
    """Where a two-column block starting at ``start`` ends (exclusive) and its right column, when the
    lines from ``start`` are two columns of prose side by side (``pdftotext -layout`` on a two-column
    page): at least three lines split at the same column with a few words either side."""
    first = _split(raws[start])
    if first is None:
        return None
    column = first[1]
    end, prose, last_left = start + 1, 1 if min(_words(first[0]), _words(first[2])) >= 3 else 0, first[0]
    i = start + 1
    while i < len(raws):
        raw = raws[i].rstrip()
        if not raw:
            i += 1
            continue
        split = _split(raw)
        if split and abs(split[1] - column) <= 3:
            prose += min(_words(split[0]), _words(split[2])) >= 3
            end, last_left = i + 1, split[0]
        elif raw.strip() and len(raw) < column - 2 and not raw[:1].isspace() and not _ENDS.search(last_left.strip()):
            end, last_left = i + 1, raw  # the left column goes on below the right one's end
        elif raw.strip() and raw[:1].isspace() and len(raw) - len(raw.lstrip()) >= column - 3 and prose:
            end = i + 1  # the right column alone
        else:
            break
        i += 1
    return (end, column) if prose >= 3 else None


def _unfold_columns(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` with their numbers, a two-column block read down its left column and then
    down its right one, as a reader would, rather than across."""
    raws = text.splitlines()
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(raws):
        block = _column_block(raws, i) if "   " in raws[i] else None
        if block is None:
            found.append((i + 1, raws[i]))
            i += 1
            continue
        end, column = block
        left, right = [], []
        for j in range(i, end):
            raw = raws[j].rstrip()
            split = _split(raw)
            if split and abs(split[1] - column) <= 3:
                left.append((j + 1, split[0]))
                right.append((j + 1, split[2]))
            elif raw[:1].isspace():
                right.append((j + 1, raw.strip()))
            elif raw:
                left.append((j + 1, raw))
        found.extend([*left, (0, ""), *right])
        i = end
    return found


def lines_of(text: str) -> tuple[Line, ...]:
    """The non-blank lines of ``text``, cleaned; table rules (``|---|---|``) left out; a two-column block
    read a column at a time."""
    found = []
    for number, raw in _unfold_columns(text):
        stripped = raw.strip()
        if not stripped or _RULE.match(stripped):
            continue
        bullet = bool(_BULLET.match(stripped)) and not re.match(r"^\d+\.\s+[A-Z][a-z]+$", stripped)
        body = _BULLET.sub("", stripped) if bullet else stripped
        text_line = clean(body)
        empty = re.match(r" *(\t+)", raw)
        if empty and "\t" in stripped:
            # A tab-separated row whose first cells are empty ("\tSECMP0053\tApproved" under a date): they
            # keep their places.
            text_line = " | ".join([""] * len(empty.group(1)) + [text_line])
        if text_line and text_line != "|":
            found.append(Line(number, text_line, bullet))
    return tuple(found)


_PAGE_NUMBER = re.compile(r"^Page\s+\d+\s+of\s+\d+$", re.IGNORECASE)


def without_page_furniture(lines: tuple[Line, ...], reach: int = 3) -> tuple[Line, ...]:
    """``lines`` without what a PDF repeats on every page, which its text drops into the middle of
    paragraphs and tables: a "Page N of M" line, and the lines next to it (within ``reach``) that the
    report prints next to most of its page numbers (its running header and classification)."""
    pages = [i for i, line in enumerate(lines) if _PAGE_NUMBER.match(line.text)]
    if not pages:
        return lines
    near: dict[str, set[int]] = {}
    for page, i in enumerate(pages):
        for j in range(max(0, i - reach), min(len(lines), i + reach + 1)):
            near.setdefault(lines[j].text, set()).add(page)
    # Around most page numbers, not just two: a table header repeated after a page break is kept.
    furniture = {text for text, seen in near.items() if len(seen) >= max(2, (len(pages) * 3 + 4) // 5)}
    dropped = set(pages)
    for i in pages:
        # Out from the page number, while the lines are ones other pages repeat around theirs.
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(lines) and abs(j - i) <= reach and lines[j].text in furniture:
                dropped.add(j)
                j += step
    return tuple(line for i, line in enumerate(lines) if i not in dropped)


def read(path: Path) -> Document:
    """``path`` read, cut into lines, its kind, title, issue day and paper reference recognised."""
    text = read_text(path)
    lines = without_page_furniture(lines_of(text))
    head = lines[:80]
    kind, title = "unknown", None
    for line in head:
        for name, pattern in KINDS:
            if pattern.match(line.text):
                kind, title = name, line.text
                break
        if title:
            break
    paper = next((m.group("ref") for m in (_PAPER_REFERENCE.search(line.text) for line in head) if m), None)
    return Document(path, text, lines, kind, title, _issued(lines), paper)


def _issued(lines: tuple[Line, ...]) -> dt.date | None:
    """The day the report was signed: a date alone on a line after "SECAS Team" (the signature block,
    near the top of a status report, at the end of a paper to another panel), else the first date alone
    on a line in its first lines."""
    for i, line in enumerate(lines):
        if re.fullmatch(r"SECAS Team", line.text, re.IGNORECASE):
            for after in lines[i + 1 : i + 4]:
                days = find_days(after.text)
                if days and days[0].span == (0, len(after.text)):
                    return days[0].day
    for line in lines[:80]:
        days = find_days(line.text)
        if days and days[0].span == (0, len(line.text)):
            return days[0].day
    return None


def cached(doc: Document, name: str, build):
    """What ``build(doc)`` returns, worked out once per document (every reader asks for the same)."""
    store = doc.__dict__.setdefault("_cache", {})
    if name not in store:
        store[name] = build(doc)
    return store[name]
