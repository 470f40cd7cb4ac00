"""SEC Releases and their scope, from the two ways reports give them:

* sentences with a list: "There are currently five modifications approved for implementation in the
  <Month YYYY> SEC Release (<day>):" — the release's name and day, each listed modification
  ``approved`` (or ``targeted``), a footnote marked on an item kept as its note, and the announced count
  checked against the list;
* release tables found by their header (Date, Mod, Status — or Release, Modification, Status): one
  release per day (or date text such as "No earlier than <day>"), a date cell carried down to
  the rows below it, a table under a "Stand Alone Release" title giving one stand-alone release per day.

A release named only by its day is named as SECAS names them: "<Month YYYY> SEC Release"."""

from __future__ import annotations

import datetime as dt
import re

from secbot.ingest.days import find_days
from secbot.ingest.document import Document, Line
from secbot.ingest.prose import Para, announced_count, items_after, paragraphs
from secbot.ingest.tables import Column, Unreadable, header_fields, parse_day, parse_ref
from secbot.references import find_references

_IN_RELEASE = re.compile(
    r"\b(?P<status>approved|targeted|scheduled|planned)\s+for\s+(?:implementation|inclusion)\s+in\s+(?:the|a)\s+"
    r"(?P<name>[^():]{3,60}?\b[Rr]elease)\b\s*(?:\((?P<when>[^)]{4,40})\))?",
    re.IGNORECASE,
)
_STANDALONE = re.compile(r"\bstand[\s-]*alone\b", re.IGNORECASE)
_STATUSES = {
    "implemented": "implemented",
    "approved": "approved",
    "targeted": "targeted",
    "tbc": "tbc",
    "tbd": "tbc",
    "scheduled": "targeted",
    "planned": "targeted",
}
_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹", "123456789")
_MARK = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹]")
COLUMNS = (
    Column("date", r"(?:release\s+|implementation\s+)?date"),
    Column("release", r"(?:SEC\s+)?release(?:\s+name)?"),
    Column("reference", r"mod(?:ification)?(?:\s+(?:proposal|ref(?:erence)?))?|ref(?:erence)?"),
    Column("status", r"(?:scope\s+)?status"),
)
_ROW = re.compile(
    r"^(?P<before>.*?)\s*(?:\|\s*)?(?P<reference>(?:SEC\s?MP|MP|DP)?[\s\-]?[0-9OQ]{2,5}[A-Z]?)\s*(?:\|\s*)?"
    r"(?P<status>implemented|approved|targeted|tbc|tbd|[A-Za-z]+)(?P<mark>\d|[¹²³⁴⁵⁶⁷⁸⁹])?\s*\|?\s*$",
    re.IGNORECASE,
)
_DATE_WORDS = re.compile(
    r"^(?:no\s+earlier\s+than|no\s+later\s+than|not\s+before|not\s+later\s+than|on\s+or\s+after|"
    r"provisionally|expected|tbc|tbd)$",
    re.IGNORECASE,
)


def read(doc: Document) -> dict[str, list[dict]]:
    releases: dict[str, dict] = {}
    paras = paragraphs(doc)
    for index, para in enumerate(paras):
        _sentence(doc, paras, index, para, releases)
    _tables(doc, releases)
    return {"releases": list(releases.values())}


def _release(releases: dict, name: str) -> dict:
    return releases.setdefault(name, {"name": name})


def _add(release: dict, reference: str, status: str, note: str | None) -> None:
    scope = release.setdefault("scope", [])
    if any(entry["reference"] == reference for entry in scope):
        return
    scope.append({"reference": reference, "status": status} | ({"note": note} if note else {}))


def _month_name(day: dt.date) -> str:
    return f"{day:%B %Y} SEC Release"


def _sentence(doc: Document, paras: tuple[Para, ...], index: int, para: Para, releases: dict) -> None:
    match = _IN_RELEASE.search(para.text)
    if not match:
        return
    following = paras[index + 1] if index + 1 < len(paras) else None
    if following is None or following.level < 1:
        refs = [r.text for r in find_references(para.text[: match.start()])]
        items = [(ref, None) for ref in refs]
    else:
        count = announced_count(para.text)
        listed = items_after(paras, index, count)
        items = [(refs[0].text, _footnote(doc, item)) for item in listed if (refs := find_references(item.text))]
        if count is not None and count != len(items):
            doc.warnings.append(
                f"line {para.number}: {count} modifications announced for the release, {len(items)} listed"
            )
    if not items:
        return
    name = re.sub(r"\s+", " ", match["name"]).strip()
    name = re.sub(r"^(?:next|forthcoming|upcoming)\s+", "", name, flags=re.IGNORECASE)
    when = match["when"]
    day = None
    if when:
        days = find_days(when)
        day = days[0].day if len(days) == 1 and days[0].span == (0, len(when.strip())) else None
    standalone = bool(_STANDALONE.search(name))
    if standalone and day and not re.search(r"\d", name):
        name = f"Stand-alone Release {day.day} {day:%B %Y}"
    release = _release(releases, name[:80])
    if day:
        release.setdefault("date", day)
    elif when:
        release.setdefault("date_text", when.strip())
    if standalone:
        release["standalone"] = True
    status = _STATUSES[match["status"].lower()]
    for reference, note in items:
        _add(release, reference, status, note)


def _footnote(doc: Document, item: Para) -> str | None:
    """The footnote an item is marked with (``…only³``): the line that starts with that mark."""
    mark = _MARK.search(item.text)
    if not mark:
        return None
    for line in doc.lines:
        if line.text.startswith(mark.group(0)) and line.number != item.number:
            return line.text[1:].strip()
    doc.warnings.append(f"line {item.number}: footnote {mark.group(0)} is marked but not found")
    return None


def _tables(doc: Document, releases: dict) -> None:
    lines = doc.lines
    for i, header in enumerate(lines):
        fields = header_fields(header.text, COLUMNS)
        if not fields or not {"reference", "status"} <= set(fields) or not {"date", "release"} & set(fields):
            continue
        title = lines[i - 1].text if i else ""
        standalone = bool(_STANDALONE.search(title))
        _table_rows(doc, lines[i + 1 :], standalone, releases)


def _table_rows(doc: Document, lines: tuple[Line, ...], standalone: bool, releases: dict) -> None:
    when_text: list[str] = []
    release: dict | None = None
    for line in lines:
        if header_fields(line.text, COLUMNS):
            return
        text = line.text
        row = _ROW.match(text)
        if row is None:
            if _DATE_WORDS.match(text) or _whole_day(text):
                when_text.append(text)
                continue
            return
        before = row["before"].strip(" |")
        if before:
            when_text.append(before)
        if when_text:
            release = _table_release(doc, line, " ".join(when_text), standalone, releases)
            when_text = []
        try:
            reference = parse_ref(row["reference"])
        except Unreadable as exc:
            doc.warnings.append(f"line {line.number}: a release row left out: {exc}")
            continue
        status = _STATUSES.get(row["status"].lower())
        if status is None:
            doc.warnings.append(f"line {line.number}: {reference}: release status {row['status']!r} is not known")
            continue
        if release is None:
            doc.warnings.append(f"line {line.number}: {reference} is listed before any release date; left out")
            continue
        note = _marked_note(doc, line, row["mark"]) if row["mark"] else None
        _add(release, reference, status, note)


def _whole_day(text: str) -> dt.date | None:
    try:
        return parse_day(text)
    except Unreadable:
        return None


def _table_release(doc: Document, line: Line, when: str, standalone: bool, releases: dict) -> dict | None:
    day = _whole_day(when)
    if day is not None:
        name = f"Stand-alone Release {day.day} {day:%B %Y}" if standalone else _month_name(day)
        release = _release(releases, name)
        release.setdefault("date", day)
        if standalone:
            release["standalone"] = True
        return release
    inside = find_days(when)
    if len(inside) != 1 or standalone:
        doc.warnings.append(f"line {line.number}: release date {when!r} could not be read; its rows were left out")
        return None
    day = inside[0].day
    text = f"{when[: inside[0].span[0]]}{day.day} {day:%B %Y}{when[inside[0].span[1] :]}".strip()
    release = _release(releases, _month_name(day))
    release.setdefault("date_text", text)
    return release


def _marked_note(doc: Document, line: Line, mark: str) -> str | None:
    """A table cell's footnote mark (``Approved1``): the first sentence of the line starting with it."""
    digit = mark.translate(_SUPERSCRIPTS)
    for other in doc.lines:
        if other.number != line.number and re.match(rf"^[{digit}{mark}]\s+\S", other.text):
            return re.split(r"(?<=\.)\s", other.text[1:].strip())[0]
    doc.warnings.append(f"line {line.number}: footnote {mark} is marked but not found")
    return None
