"""Consultations a report announces: open or past ones with the days they opened and close(d) ("opened on
<day> and closes on <day>", "closed on <day>", "ran from <day> to <day>"), ones expected ("… expected to be
issued for Refinement Consultation in the week commencing <Monday>", "due to be issued mid-October"), of
each kind the register knows (refinement, modification report, working group, other), from sentences and
their lists (an item may give its own days: "MP1 'Title' – opened on <day> and closes on <day>"), list items
naming one modification, or a table with a Modification column (a reference, with or without its title, or
a Title column beside it) and Opens/Closes columns. A "second" (third, …) consultation of a kind is that
round.

A week that does not start on a Monday is kept as text only, with a warning; a month without a year
takes the first such month from the report's issue (said so when the issue day is unknown)."""

from __future__ import annotations

import calendar
import re

from secbot.ingest.days import MONTH_NAMES, find_days, month_number
from secbot.ingest.document import Document, Line
from secbot.ingest.prose import Para, announced_count, heading_of, items_after, paragraphs, sentences
from secbot.ingest.tables import (
    DAY,
    REFERENCE,
    REFERENCE_ROW,
    TEXT,
    Column,
    Unreadable,
    find_tables,
    header_fields,
    parse_day,
    parse_ref,
    table_lines,
)
from secbot.references import find_references

_KINDS = (
    ("modification_report", r"Modification\s+Report\s+Consultations?|\bMRC\b|(?<!Initial )Report\s+Consultations?"),
    ("refinement", r"Refinement\s+Consultations?"),
    ("working_group", r"(?:Working\s+Group|Workgroup|WG)\s+Consultations?"),
    ("other", r"(?:Industry|Panel|public)\s+Consultations?"),
)
_KIND = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _KINDS), re.IGNORECASE)
_CONSULTATION = re.compile(r"\bconsultations?\b", re.IGNORECASE)
_NONE = re.compile(r"\b(?:no|not\s+any)\s+(?:\w+\s+){0,3}(?:out|open|issued|expected)\b", re.IGNORECASE)
_EXPECTED = re.compile(
    r"\b(?:expect(?:ed)?|due|plan(?:ned)?|scheduled|intend(?:ed)?|anticipated?)\b[^.]{0,80}?\b(?:issued|issue|opened|open|"
    r"launched|launch|released|published)\b",
    re.IGNORECASE,
)
# A consultation already issued: "due" or "planned" in the sentence is about something else.
_ALREADY = re.compile(
    r"\b(?:was|were|has\s+been|have\s+been|had\s+been)\s+(?:issued|opened|launched|published|released)\b", re.IGNORECASE
)
_WILL_ISSUE = re.compile(r"\bwill\s+be\s+(?:issued|opened|launched|published)\b", re.IGNORECASE)
_OPEN_NOW = re.compile(
    r"\b(?:currently|now)\s+(?:\w+\s+){0,2}(?:out\s+for|open\b)|\b(?:is|are)\s+open\b|\b(?:is|are)\s+out\s+for\b",
    re.IGNORECASE,
)
_WEEK = re.compile(r"\b(?:the\s+)?(?:week\s+commencing|w/c|week\s+beginning|week\s+starting)\s+", re.IGNORECASE)
_PART_MONTH = re.compile(
    rf"\b(?P<part>early|mid|late|end\s+of|beginning\s+of|start\s+of)?[\s-]*(?P<month>{MONTH_NAMES})\b\.?"
    r"(?:\s+(?P<year>\d{4}))?",
    re.IGNORECASE,
)
_CONDITION = re.compile(r"^\s*,?\s*(?P<cond>(?:if|subject\s+to|provided|once|assuming)\b[^.]*)", re.IGNORECASE)
_CLOSES = re.compile(
    r"\b(?:clos(?:es|ing|ed|e)|ends?|ending|ended|deadline|until|responses\s+due)\b\D{0,20}?(?=\d)", re.IGNORECASE
)
_OPENS = re.compile(r"\b(?:issued|opened|opens|launched|from)\b\D{0,12}?(?=\d)", re.IGNORECASE)
# A consultation the writer will open on a day: "we will issue the Refinement Consultation for MP1 on <day>".
_WILL_OPEN = re.compile(r"\bwill\s+(?:issue|open|launch|publish)\b[^.;]{0,120}?\bon\s+(?:the\s+)?(?=\d)", re.IGNORECASE)
# "ran from <day> to <day>", "open between <day> and <day>": the second day is the close.
_SPAN_END = re.compile(r"^\s*(?:to|until|till|and|[–-])\s+(?:the\s+)?", re.IGNORECASE)
_ROUND = re.compile(
    r"\b(?P<ordinal>second|third|fourth|fifth|2nd|3rd|4th|5th)\s+(?:round\s+(?:of\s+)?)?(?:the\s+)?"
    r"(?:[A-Za-z]+\s+){0,2}consultation",
    re.IGNORECASE,
)
_ORDINALS = {"second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}
_SEEK = re.compile(r"\b(?:is\s+to|will|to)\s+seek\s+(?P<what>[^.]+)", re.IGNORECASE)

COLUMNS = (
    Column("reference", r"modification(?:\s+proposal)?|mod\.?\s*ref(?:erence)?|reference|ref|mod", REFERENCE),
    Column("kind", r"consultation(?:\s+type)?|type|kind", TEXT),
    Column("opens", r"(?:date\s+)?(?:issued|opened|opens|open(?:ing)?\s+date|start)", DAY),
    Column("closes", r"(?:date\s+)?(?:closes|closed|closing(?:\s+date)?|close\s+date|deadline|end)", DAY),
    Column("title", r"title|description", TEXT),  # read past
)


def read(doc: Document) -> dict[str, list[dict]]:
    rows: dict[tuple[str, str, int], dict] = {}
    paras = paragraphs(doc)
    for index, para in enumerate(paras):
        if para.table_row:
            continue
        parts = sentences(para.text)
        for number, sentence in enumerate(parts):
            rest = " ".join(parts[number + 1 :])
            _sentence(doc, paras, index, sentence, rest, rows)
    _tables(doc, rows)
    _cell_tables(doc, rows)
    return {"consultations": list(rows.values())}


def _kind(sentence: str, paras: tuple[Para, ...], index: int, at: int | None = None) -> str | None:
    """The kind the sentence names (of two, the last before ``at``, where its days or verb are), else its
    heading's."""
    found = list(_KIND.finditer(sentence))
    before = [m for m in found if at is not None and m.start() < at]
    match = before[-1] if before else found[0] if found else None
    if match:
        return match.lastgroup
    heading = heading_of(paras, index, within=12)
    match = _KIND.search(heading.text) if heading else None
    return match.lastgroup if match else None


def _sentence(doc: Document, paras: tuple[Para, ...], index: int, sentence: str, rest: str, rows: dict) -> None:
    para = paras[index]
    if not _CONSULTATION.search(sentence) or _NONE.search(sentence):
        return
    expected = None if _ALREADY.search(sentence) else _EXPECTED.search(sentence) or _WILL_ISSUE.search(sentence)
    open_now = _OPEN_NOW.search(sentence)
    dated = {} if expected else _open_days(doc, para.number, sentence)
    if not (expected or open_now or dated):
        return
    verb = expected or open_now or _OPENS.search(sentence) or _CLOSES.search(sentence)
    kind = _kind(sentence, paras, index, verb.start() if verb else None)
    if kind is None:
        doc.warnings.append(f"line {para.number}: a consultation of a kind the report does not name: {sentence!r}")
        return
    refs = _references(paras, index, sentence)
    if not refs:
        return
    fields: dict = {}
    if expected:
        fields |= _expected_when(doc, para.number, sentence[expected.start() :])
    else:
        fields |= dated
    if seek := _SEEK.search(rest if expected and not _SEEK.search(sentence) else sentence):
        fields["note"] = f"To seek {seek['what'].strip()}."
    ordinal = _ROUND.search(sentence)
    round_ = _ORDINALS[ordinal["ordinal"].lower()] if ordinal else 1
    for ref, item in refs:
        key = (ref, kind, round_)
        row = rows.setdefault(key, {"reference": ref, "kind": kind} | ({"round": round_} if round_ > 1 else {}))
        # A list item after a lead that gives no days may give its own ("MP200 – opened on <day>, closes <day>").
        own = _open_days(doc, item.number, item.text) if item is not None and not expected and not dated else {}
        for name, value in (fields | own).items():
            row.setdefault(name, value)


def _references(paras: tuple[Para, ...], index: int, sentence: str) -> list[tuple[str, Para | None]]:
    """The modifications a sentence is about, each with the list item that names it: the list it
    introduces, else those it names, else (for a list item that says "this modification") the one the item
    starts with."""
    following = paras[index + 1] if index + 1 < len(paras) else None
    introduces = following is not None and following.level >= 1 and sentence.rstrip().endswith(":")
    if introduces:
        items = items_after(paras, index, announced_count(sentence))
        return [(refs[0].text, item) for item in items if (refs := find_references(item.text))]
    named = [(r.text, None) for r in find_references(sentence)]
    if named:
        return named
    para = paras[index]
    lead = find_references(para.text[:40])
    return [(lead[0].text, None)] if para.level >= 1 and lead else []


def _expected_when(doc: Document, line: int, text: str) -> dict:
    week = _WEEK.search(text)
    if week:
        days = find_days(text[week.end() :])
        if days and days[0].span[0] == 0:
            day = days[0].day
            out: dict = {"expected_text": f"week commencing {day.day} {day:%B %Y}"}
            if day.weekday() == 0:
                out["expected_week"] = day
            else:
                doc.warnings.append(
                    f"line {line}: the week commencing {day:%d %B %Y} does not start on a Monday; kept as text only"
                )
            return out
    month = _PART_MONTH.search(text)
    if not month:
        return {}
    year = int(month["year"]) if month["year"] else _year_of(doc, line, month["month"])
    name = calendar.month_name[month_number(month["month"])]
    part = (month["part"] or "").lower()
    when = f"{part}-{name}" if part == "mid" else f"{part} {name}".strip()
    when = f"{when} {year}" if year else when
    condition = _CONDITION.match(text[month.end() :])
    if condition:
        when = f"{when}, {condition['cond'].strip()}"
    return {"expected_text": when}


def _year_of(doc: Document, line: int, month_text: str) -> int | None:
    """The year of a month named without one: the first such month from the report's issue month."""
    month = month_number(month_text)
    if doc.issued is None:
        doc.warnings.append(f"line {line}: {month_text} is given without a year and the report's issue day is unknown")
        return None
    return doc.issued.year if month >= doc.issued.month else doc.issued.year + 1


def _open_days(doc: Document, line: int, sentence: str) -> dict:
    """The days a consultation opened and closes on, each right after its verb ("opened on <day>", "closes
    on <day>", "ran from <day> to <day>")."""
    out: dict = {}
    for name, pattern in (("opens", _OPENS), ("closes", _CLOSES)):
        match = pattern.search(sentence)
        if (
            name == "opens"
            and (will := _WILL_OPEN.search(sentence))
            and (match is None or will.start() < match.start())
        ):
            match = will
        days = find_days(sentence[match.end() :]) if match else []
        if days and days[0].span[0] == 0:
            out[name] = days[0].day
            if name == "opens" and "closes" not in out and len(days) > 1:
                between = sentence[match.end() + days[0].span[1] : match.end() + days[1].span[0]]
                if _SPAN_END.fullmatch(between):
                    out["closes"] = days[1].day
    if "opens" in out and "closes" in out and out["closes"] < out["opens"]:
        doc.warnings.append(f"line {line}: a consultation closing before it opens; its days were left out")
        return {}
    return out


def _tables(doc: Document, rows: dict) -> None:
    for table in find_tables(doc, COLUMNS, {"reference", "closes"}, REFERENCE_ROW):
        for line in table.skipped:
            doc.warnings.append(f"line {line.number}: a consultation row whose columns could not be read")
        for row in table.rows:
            try:
                ref = parse_ref(row.cells["reference"])
                opens = parse_day(row.cells["opens"]) if "opens" in row.cells else None
                closes = parse_day(row.cells["closes"])
            except Unreadable as exc:
                doc.warnings.append(f"line {row.line.number}: a consultation row left out: {exc}")
                continue
            kind_text = row.cells.get("kind") or (table.title or "")
            found = _KIND.search(kind_text) or _KIND.search(f"{kind_text} consultation")
            if found is None:
                doc.warnings.append(f"line {row.line.number}: {ref}: the consultation's kind is not given; left out")
                continue
            out = rows.setdefault((ref, found.lastgroup, 1), {"reference": ref, "kind": found.lastgroup})
            out |= {k: v for k, v in (("opens", opens), ("closes", closes)) if v is not None}


# A table whose cells a PDF put one a line (or a row of cells) with a "<kind> Consultation" column: each row is the
# lines from one that starts with a reference to the next; its consultation cell, a span ("29-Oct-18 to
# 16-Nov-18") or an expected week ("w/c 19-Nov-18 (expected)").
_HEADER_START = re.compile(
    r"^(?:Mod(?:ification)?\.?\s*Ref(?:erence)?|Modification|Reference|Ref|Mod)\b", re.IGNORECASE
)
_SPAN = re.compile(rf"(?P<opens>{DAY})\s*(?:to|until|till|–|-)\s*(?P<closes>{DAY})", re.IGNORECASE)
_EXPECTED_WEEK = re.compile(
    rf"(?:w/c|week\s+(?:commencing|beginning|starting))\s*(?P<week>{DAY})(?:\s*\((?:expected|provisional|planned|tbc)\))?",
    re.IGNORECASE,
)
_NUMBERED_HEADING = re.compile(r"^\d+(?:\.\d+)*\.\s+[A-Z]")


def _cell_tables(doc: Document, rows: dict) -> None:
    lines = table_lines(doc)
    i = 0
    while i < len(lines):
        kind, body = _cell_header(lines, i)
        if kind is None:
            i += 1
            continue
        j = body
        while j < len(lines) and _row_start(lines[j].text):
            k = j + 1
            while (
                k < len(lines)
                and k - j < 12
                and not _row_start(lines[k].text)
                and len(lines[k].text) <= 60
                and not _NUMBERED_HEADING.match(lines[k].text)
                and not lines[k].text.endswith(".")
            ):
                k += 1
            _cell_row(doc, lines[j:k], kind, rows)
            j = k
        i = max(j, i + 1)


def _cell_header(lines: list[Line], i: int) -> tuple[str | None, int]:
    """The consultation kind a table header starting at ``lines[i]`` names (its cells on one line or wrapped
    over a few short ones) and where its rows start; ``(None, i)`` for no such header."""
    if not _HEADER_START.match(lines[i].text) or find_references(lines[i].text):
        return None, i
    j = i + 1
    while j < len(lines) and j - i < 8 and not _row_start(lines[j].text):
        if len(lines[j].text) > 60 or find_days(lines[j].text) or lines[j].text.endswith("."):
            return None, i
        j += 1
    if j >= len(lines) or not _row_start(lines[j].text):
        return None, i
    header = " ".join(line.text.replace(" | ", " ") for line in lines[i:j])
    dated = header_fields(lines[i].text, COLUMNS) or []
    if len(header) > 200 or "closes" in dated:  # a table of Opens/Closes columns is read by ``_tables``
        return None, i
    kind = _KIND.search(header)
    return (kind.lastgroup, j) if kind else (None, i)


def _cell_row(doc: Document, row: list[Line], kind: str, rows: dict) -> None:
    text = " ".join(line.text.replace(" | ", " ") for line in row)
    number = row[0].number
    try:
        ref = parse_ref(REFERENCE_ROW.match(row[0].text).group(0))
    except Unreadable:
        return
    spans, weeks = list(_SPAN.finditer(text)), list(_EXPECTED_WEEK.finditer(text))
    if len(spans) + len(weeks) != 1:
        if spans or weeks:
            doc.warnings.append(f"line {number}: {ref}: more than one consultation span in its row; left out")
        return
    out: dict = {}
    try:
        if spans:
            out = {"opens": parse_day(spans[0]["opens"]), "closes": parse_day(spans[0]["closes"])}
        else:
            week = parse_day(weeks[0]["week"])
            out = {"expected_text": weeks[0].group(0)}
            if week is not None and week.weekday() == 0:
                out["expected_week"] = week
            else:
                doc.warnings.append(f"line {number}: {ref}: the week {weeks[0].group(0)!r} does not start on a Monday")
    except Unreadable as exc:
        doc.warnings.append(f"line {number}: {ref}: a consultation cell left out: {exc}")
        return
    if out.get("opens") and out.get("closes") and out["closes"] < out["opens"]:
        doc.warnings.append(f"line {number}: {ref}: a consultation closing before it opens; left out")
        return
    found = rows.setdefault((ref, kind, 1), {"reference": ref, "kind": kind})
    for name, value in out.items():
        if value is not None:
            found.setdefault(name, value)


def _row_start(text: str) -> bool:
    """A line that starts a row: with a reference, not with a day (``29-Oct-18 to``)."""
    return bool(REFERENCE_ROW.match(text)) and not re.match(rf"\s*(?:{DAY})", text, re.IGNORECASE)
