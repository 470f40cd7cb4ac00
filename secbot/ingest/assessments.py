"""DCC Preliminary and Impact Assessments from a report's assessment tables, found by their headers:
open ones (Modification, Type, Accepted, Target, Current duration), completed ones (…, Returned, Target,
Actual duration), and tables of both (Mod Ref, Assessment, Date Requested, Date Returned, Status: a row
without a returned day, "Outstanding", is open), in any column order, as pipe, tab or PDF-text rows (where
a PDF leaves a cell empty, the row is read by what its values look like). A footnote marked on a cell
(``20 WD⁴``, ``20 WD3`` in a PDF's text, ``–⁵``) is the row's note, and the accepted day and clock restart
it states are the row's. Requests for an assessment that the prose dates ("the Change Board approved the
request for a DCC Impact Assessment for MP160" at a dated meeting, "The Impact Assessment for MP160 '<title>' was
requested on <day>", "… for the following modification, which was requested from the DCC on <day>:" and its list —
where the sentence gives two days, the one after "requested/sent (to the DCC) on", else none) give the row its
requested day; an
assessment the prose says came back on a day ("The DCC delivered the Impact Assessment for MP160 on <day>")
that no table holds is a row with that returned day.

Durations follow the report day count (``report_duration_wd``: Monday–Friday inclusive, no bank
holidays removed), from the clock restart where there is one. A completed row without an accepted date
gets one derived from its returned date and printed actual duration — never from a duration that is not
printed, whose footnote could not be read, or that is counted from a clock restart; the cross-checks
(each open row's current duration recounted to the report's count day, a printed accepted date against
the actual duration, the summary's totals and averages against the rows, averages over the rows that have
a duration) are warnings, never corrections."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from secbot.ingest.days import find_days, find_months, number
from secbot.ingest.document import Document
from secbot.ingest.prose import Para, heading_of, items_after, paragraphs, sentences
from secbot.ingest.tables import (
    DAY,
    KIND,
    REFERENCE,
    REFERENCE_ROW,
    TEXT,
    WD,
    Column,
    Row,
    Table,
    Unreadable,
    find_tables,
    footnote,
    parse_day,
    parse_kind,
    parse_ref,
    parse_wd,
    split_mark,
)
from secbot.references import find_references
from secbot.workdays import end_of_month, end_of_previous_month, months_before, report_average_wd, report_duration_wd

COLUMNS = (
    Column(
        "reference",
        r"modification(?:\s+(?:proposal|reference|ref))?|mod\.?\s*ref(?:erence)?|reference|ref|mod|proposal",
        REFERENCE,
    ),
    Column("kind", r"type|kind|assessment\s+type|assessment|PA\s*/\s*IA", KIND),
    Column("requested", r"(?:date\s+)?requested(?:\s+date)?", DAY, optional=True),
    Column("accepted", r"(?:date\s+)?accepted(?:\s+date)?|start\s+date", DAY, optional=True),
    Column("returned", r"(?:date\s+)?returned(?:\s+date)?|(?:date\s+)?completed|delivered", DAY, optional=True),
    Column("target", r"target(?:\s+(?:duration|working\s+days|wd))?(?:\s*\(WD\))?", WD, optional=True),
    Column(
        "duration",
        r"(?:current|actual|elapsed)\s+(?:duration|working\s+days|wd)(?:\s*\(WD\))?|duration(?:\s*\(WD\))?",
        WD,
        optional=True,
    ),
    Column("clock_restart", r"clock\s+restart(?:ed)?(?:\s+date)?|restart(?:ed)?", DAY, optional=True),
    Column("status", r"status|state|progress", TEXT, optional=True),
)
# A row's status that says the assessment is still with the DCC.
_OUTSTANDING = re.compile(r"^\s*(?:outstanding|open|in\s+progress|ongoing|awaited|pending|on\s+hold)\b", re.IGNORECASE)
# What a footnote on a row says about its days.
_FOOT_ACCEPTED = re.compile(r"\baccepted\s+on\s+(?:the\s+)?(?P<rest>.{6,30})", re.IGNORECASE)
# "the clock was restarted on <day>", "the DCC restarted the clock on the MP1 Impact Assessment on <day>": the
# day after the first "on" that is followed by one, in the clause that says so.
_FOOT_RESTART = re.compile(
    r"\bclock\b[^.;]{0,60}?\brestart(?:ed)?\b|\brestart(?:ed|s)?\s+(?:the\s+|its\s+)?clock\b", re.IGNORECASE
)
_COUNT_DAY = re.compile(
    r"(?:up\s+)?to\s+the\s+end\s+of\s+(?P<month>[A-Za-z]+\s+[0-9OlI]{4})|(?:correct\s+)?as\s+(?:at|of)\s+(?P<day>.{6,24})",
    re.IGNORECASE,
)
_SUMMARY = re.compile(
    r"^(?P<what>[^|]*?)(?:\s*\|\s*|\s+)(?P<total>[0-9OlI]{1,4})(?:\s*\|\s*|\s+)(?P<average>[0-9OlI]{1,4})\s*WD"
    r"(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|[1-9])?\s*$",
    re.IGNORECASE,
)
_DERIVED_NOTE = (
    "Accepted date derived from the reported actual duration of {wd} WD "
    "(returned {returned}; the report gives no accepted date)."
)


def read(doc: Document) -> dict[str, list[dict]]:
    tables = [t for t in find_tables(doc, COLUMNS, {"reference", "kind"}, REFERENCE_ROW) if _is_assessment_table(t)]
    rows: list[dict] = []
    printed: list[tuple[str, str, int | None]] = []  # (open/completed, kind, printed duration) per row
    timed = [t for t in tables if "duration" in t.fields]
    count_day = _count_day(doc, timed[0].index) if timed else None
    for table in tables:
        for line in table.skipped:
            doc.warnings.append(f"line {line.number}: an assessment row whose columns could not be read: {line.text!r}")
        for row in table.rows:
            found = _row(doc, table, row, count_day)
            if found is not None:
                row_out, duration, completed = found
                rows.append(row_out)
                printed.append(("completed" if completed else "open", row_out["kind"], duration))
    _returns(doc, rows)
    _requests(doc, rows)
    if tables:
        _number_rounds(doc, rows, tables)
    _check_summary(doc, printed)
    return {"assessments": rows}


def _is_assessment_table(table: Table) -> bool:
    return bool({"accepted", "returned", "requested"} & set(table.fields))


def _count_day(doc: Document, before: int) -> dt.date | None:
    """The day open durations are counted to: the period end the report states nearest above its
    first assessment table ("… up to the end of <Month YYYY>", "as at <day>"), else the end of the
    month before the report was issued (assumed, and said so)."""
    for line in reversed(doc.lines[max(0, before - 15) : before]):
        match = _COUNT_DAY.search(line.text)
        if not match:
            continue
        if match["month"]:
            months = find_months(match["month"])
            if months:
                year, month = months[0]
                return end_of_month(dt.date(year, month, 1))
        elif days := find_days(match["day"]):
            return days[0].day
    if doc.issued is None:
        doc.warnings.append(
            f"line {doc.lines[before].number}: the report states no day its open assessment durations are "
            "counted to, and its issue day is unknown: open durations were not checked"
        )
        return None
    assumed = end_of_previous_month(doc.issued)
    doc.warnings.append(
        f"line {doc.lines[before].number}: the report states no day its open assessment durations are counted to; "
        f"they were checked to {assumed:%d %B %Y}, the end of the month before it was issued"
    )
    return assumed


def _cell(doc: Document, row: Row, name: str, parse):
    text = row.cells.get(name)
    if text is None:
        return None
    try:
        return parse(text)
    except Unreadable as exc:
        doc.warnings.append(f"line {row.line.number}: {name.replace('_', ' ')} {exc}; left out")
        return None


def _row(doc: Document, table: Table, row: Row, count_day: dt.date | None) -> tuple[dict, int | None, bool] | None:
    """One table row as an assessment, its printed duration, and whether it is a completed one: it has a
    returned day, or it sits in a table of completed assessments (one with a Returned column and neither a
    Requested nor a Status column, which tables of both kinds have)."""
    n = row.line.number
    reference = _cell(doc, row, "reference", parse_ref)
    kind = _cell(doc, row, "kind", parse_kind)
    if reference is None or kind is None:
        doc.warnings.append(f"line {n}: an assessment row without a readable reference and kind was left out")
        return None
    out: dict = {"reference": reference, "kind": kind}
    what = f"{reference} {kind}"
    for name in ("requested", "accepted", "returned", "clock_restart"):
        day = _cell(doc, row, name, parse_day)
        if day is not None:
            out[name] = day
    target = _cell(doc, row, "target", parse_wd)
    if target is not None:
        out["target_wd"] = target
    duration = _cell(doc, row, "duration", parse_wd)
    status = (row.cells.get("status") or "").strip()
    outstanding = bool(_OUTSTANDING.match(status))
    if status:
        out["note"] = _status_note(status)
    guessed = [g for g in row.guessed if not (g == "requested" and outstanding and "returned" not in out)]
    if guessed:
        doc.warnings.append(
            f"line {n}: {what}: the row leaves a column empty next to its {', '.join(guessed)} day; "
            "the day was read as the first of the two columns it could belong to"
        )
    if not _footnotes(doc, row, what, out):
        duration = None  # what the mark says about it is not known: nothing is derived or checked from it
    completed = "returned" in out or (
        "returned" in table.fields and not {"requested", "status"} & set(table.fields) and not outstanding
    )
    if completed:
        _completed(doc, n, what, out, duration, table, count_day)
    elif duration is not None and "accepted" in out and count_day is not None:
        start = out.get("clock_restart") or out["accepted"]
        counted = report_duration_wd(start, count_day)
        if counted != duration:
            doc.warnings.append(
                f"line {n}: {what}: the current duration is printed as {duration} WD, but from "
                f"{start:%d %b %Y} to {count_day:%d %b %Y} the report day count gives {counted} WD"
            )
    ordered = {k: out[k] for k in ("reference", "kind", "requested", "accepted", "returned", "target_wd") if k in out}
    ordered |= {k: out[k] for k in ("clock_restart", "note") if k in out}
    return ordered, duration, completed


def _status_note(status: str) -> str:
    """A status cell as a note, its days written out: ``Outstanding (due 16-Mar-18)`` → ``Outstanding (due 16
    March 2018).``"""
    text = status
    for match in reversed(list(re.finditer(DAY, status))):
        try:
            day = parse_day(match.group(0))
        except Unreadable:
            continue
        if day is not None:
            text = f"{text[: match.start()]}{day.day} {day:%B %Y}{text[match.end() :]}"
    return text if text.endswith(".") else f"{text}."


def _footnotes(doc: Document, row: Row, what: str, out: dict) -> bool:
    """A footnote marked on a row's cell (``20 WD⁴``, ``–⁵``): kept as the row's note, with the accepted day
    and clock restart it states when it is about this row's modification (or names none). ``False`` when a
    mark's footnote was not read: the row is then not as it seems, and nothing should be derived from it."""
    read = True
    for name in ("duration", "target", "accepted", "returned", "requested"):
        mark = split_mark(row.cells.get(name) or "")[1]
        if mark is None:
            continue
        text = footnote(doc, mark, not_line=row.line.number)
        if text is None:
            doc.warnings.append(f"line {row.line.number}: {what}: footnote {mark} is marked but not found")
            read = False
            continue
        named = {r.text for r in find_references(text)}
        if named and out["reference"] not in named:
            doc.warnings.append(f"line {row.line.number}: {what}: footnote {mark} is about {', '.join(sorted(named))}")
            read = False
            continue
        out["note"] = text
        match = _FOOT_ACCEPTED.search(text)
        days = find_days(match["rest"]) if match else []
        if days and days[0].span[0] == 0 and "accepted" not in out:
            out["accepted"] = days[0].day
        restart = _restart_day(text)
        if restart is not None and "clock_restart" not in out:
            out["clock_restart"] = restart
    return read


def _restart_day(text: str) -> dt.date | None:
    """The day a footnote says the DCC restarted an assessment's clock: the first "on <day>" after the words
    that say so, within their sentence."""
    match = _FOOT_RESTART.search(text)
    if not match:
        return None
    clause = re.split(r"[.;]\s", text[match.end() :], maxsplit=1)[0]
    for on in re.finditer(r"\bon\s+(?:the\s+)?(?:(?:Mon|Tues|Wednes|Thurs|Fri)day,?\s+)?", clause, re.IGNORECASE):
        days = find_days(clause[on.end() :])
        if days and days[0].span[0] == 0:
            return days[0].day
    return None


def _completed(
    doc: Document, n: int, what: str, out: dict, duration: int | None, table: Table, count_day: dt.date | None
) -> None:
    returned = out.get("returned")
    if returned is None:
        doc.warnings.append(f"line {n}: {what}: a completed assessment without a readable returned date")
        return
    in_window = count_day is None or months_before(count_day, 12) < returned <= count_day
    if not in_window and "12 months" in (table.title or "") + table.header.text:
        doc.warnings.append(
            f"line {n}: {what}: returned {returned:%d %b %Y}, outside the 12 months to {count_day:%d %b %Y} "
            "its table covers"
        )
    if duration is None:
        if "accepted" not in out and "duration" in table.fields:
            doc.warnings.append(f"line {n}: {what}: no actual duration is printed, so its accepted day is not known")
        return
    if "accepted" in out:
        start = out.get("clock_restart") or out["accepted"]
        counted = report_duration_wd(start, returned)
        if counted != duration:
            doc.warnings.append(
                f"line {n}: {what}: the actual duration is printed as {duration} WD, but from "
                f"{start:%d %b %Y} to {returned:%d %b %Y} the report day count gives {counted} WD"
            )
        return
    if "clock_restart" in out:  # the duration runs from the restart: it says nothing of the accepted day
        counted = report_duration_wd(out["clock_restart"], returned)
        if counted != duration:
            doc.warnings.append(
                f"line {n}: {what}: the actual duration is printed as {duration} WD, but from the clock restart on "
                f"{out['clock_restart']:%d %b %Y} to {returned:%d %b %Y} the report day count gives {counted} WD"
            )
        doc.warnings.append(
            f"line {n}: {what}: no accepted date derived: the actual duration is counted from the clock restart"
        )
        return
    accepted, problem = derive_accepted(returned, duration)
    if accepted is None:
        doc.warnings.append(f"line {n}: {what}: no accepted date derived: {problem}")
        return
    out["accepted"] = accepted
    out["note"] = _DERIVED_NOTE.format(wd=duration, returned=returned.isoformat())


def derive_accepted(returned: dt.date, duration: int) -> tuple[dt.date | None, str | None]:
    """The accepted day for which ``report_duration_wd(accepted, returned) == duration``, or why none.

    Only Monday–Friday days are candidates: the count cannot tell a Saturday or Sunday start from the
    Monday after it, and the DCC accepts assessments on working days. With that, a duration of at
    least 1 names exactly one day; any other outcome is reported, not guessed."""
    if duration < 1:
        return None, f"an actual duration of {duration} WD fits no start day"
    # The count gains 5 days a week: start a little before the furthest day it could be and look ahead.
    earliest = returned - dt.timedelta(days=duration * 7 // 5 + 7)
    days = (earliest + dt.timedelta(days=i) for i in range((returned - earliest).days + 1))
    fits = [d for d in days if d.weekday() < 5 and report_duration_wd(d, returned) == duration]
    if len(fits) == 1:
        return fits[0], None
    if not fits:
        return None, f"no working day gives {duration} WD to {returned:%d %b %Y}"
    listed = ", ".join(f"{d:%d %b %Y}" for d in fits)
    return None, f"more than one day gives {duration} WD to {returned:%d %b %Y} ({listed})"


def _number_rounds(doc: Document, rows: list[dict], tables: list[Table]) -> None:
    """One assessment (reference, kind) stated twice in a report (returned once, open again) is two
    rounds: numbered by accepted date, with a warning, as the register's key needs them apart."""
    seen = Counter((r["reference"], r["kind"]) for r in rows)
    for key, times in seen.items():
        if times < 2:
            continue
        same = [r for r in rows if (r["reference"], r["kind"]) == key]
        same.sort(key=lambda r: (r.get("accepted") or dt.date.max, "returned" not in r))
        for i, r in enumerate(same, start=1):
            if i > 1:
                r["round"] = i
        doc.warnings.append(
            f"line {tables[0].header.number}: {key[0]} {key[1]} is listed {times} times; "
            f"numbered as rounds 1–{times} by accepted date"
        )


def _check_summary(doc: Document, printed: list[tuple[str, str, int | None]]) -> None:
    """The summary's "<PA/IA> open | total | average" lines against the rows."""
    for line in doc.lines:
        match = _SUMMARY.match(line.text)
        if not match:
            continue
        what = match["what"].lower()
        kind = (
            "PA" if re.search(r"preliminary|\bpas?\b", what) else "IA" if re.search(r"impact|\bias?\b", what) else None
        )
        state = (
            "open"
            if re.search(r"\bopen|outstanding|in progress", what)
            else "completed"
            if re.search(r"completed|returned|closed", what)
            else None
        )
        if kind is None or state is None:
            continue
        total, average = number(match["total"]), number(match["average"])
        durations = [d for s, k, d in printed if s == state and k == kind]
        label = f"{kind} {state}"
        if len(durations) != total:
            doc.warnings.append(
                f"line {line.number}: the summary gives {total} {label}, the table lists {len(durations)}"
            )
            continue
        if not durations:
            continue  # "0 | 0 WD": no average to check
        counted = report_average_wd(durations)
        if counted.value is None:
            doc.warnings.append(
                f"line {line.number}: the summary's {label} average of {average} WD could not be checked: "
                "none of the rows has a duration"
            )
        elif counted.value != average and counted.left_out:
            doc.warnings.append(
                f"line {line.number}: the summary's {label} average is {average} WD; the "
                f"{len(durations) - counted.left_out} rows with a duration average {counted.value} WD "
                f"({counted.left_out} without one left out)"
            )
        elif counted.value != average:
            doc.warnings.append(
                f"line {line.number}: the summary's {label} average is {average} WD, "
                f"the rows average {counted.value} WD"
            )


# A sentence recording that a DCC assessment was requested: "the Change Board approved the request for a DCC
# Impact Assessment for MP160", "the Panel requested a Preliminary Assessment for MP200".
_REQUEST = re.compile(
    r"\b(?:approved|agreed|granted|accepted|made|submitted|raised)\s+(?:the\s+|a\s+)?request(?:s)?\s+for\s+"
    r"(?:a\s+|an\s+|the\s+)?(?:DCC\s+)?(?P<kind1>Preliminary|Impact)\s+Assessment"
    r"|\brequested\s+(?:a\s+|an\s+|the\s+)?(?:DCC\s+)?(?:full\s+)?(?P<kind2>Preliminary|Impact)\s+Assessment"
    r"|\b(?P<kind3>Preliminary|Impact)\s+Assessment\s+(?:\(\w+\)\s+)?(?:(?:for|on|of)\s+[^.;:]{2,160}?\s+)?"
    r"(?:was|has\s+been)\s+requested\b",
    re.IGNORECASE,
)
# Where a sentence gives more than one day, the one the request went out on: "…, which was requested from the DCC
# on <day>", "… was sent to the DCC on <day>".
_REQUESTED_ON = re.compile(
    r"\b(?:requested|sent|submitted|issued|raised)(?:\s+(?:from|to|with)\s+(?:the\s+)?\w+)?\s+on\s+(?:the\s+)?(?=\S)",
    re.IGNORECASE,
)
_NOT_REQUESTED = re.compile(r"\b(?:no|not|rejected|declined|refused|deferred|withdrawn?)\b", re.IGNORECASE)


def _requests(doc: Document, rows: list[dict]) -> None:
    """Requests for a DCC assessment that the prose dates (one day in the sentence, the modifications it
    names): the request day set on the row of that modification and kind not yet returned (a new row
    when there is none)."""
    paras = paragraphs(doc)
    for index, para in enumerate(paras):
        if para.table_row:
            continue
        said = sentences(para.text)
        for place, sentence in enumerate(said):
            match = _REQUEST.search(sentence)
            if not match or _NOT_REQUESTED.search(sentence):
                continue
            day = _request_day(sentence)
            refs = [r.text for r in find_references(sentence)]
            if not refs and place == len(said) - 1 and sentence.rstrip().endswith(":"):
                # "… approved the request for an Impact Assessment for the following modification …:" and a list
                refs = [found[0].text for item in items_after(paras, index) if (found := find_references(item.text))]
            if day is None or not refs:
                continue
            kind = "PA" if (match["kind1"] or match["kind2"] or match["kind3"]).lower() == "preliminary" else "IA"
            for ref in refs:
                _requested(doc, para.number, rows, ref, kind, day)


def _request_day(sentence: str) -> dt.date | None:
    """The day a request sentence gives: its only day, else the one right after "requested/sent (to the DCC) on";
    ``None`` where neither says which."""
    days = find_days(sentence)
    if len(days) == 1:
        return days[0].day
    for on in _REQUESTED_ON.finditer(sentence):
        after = [d for d in days if d.span[0] == on.end()]
        if after:
            return after[0].day
    return None


def _requested(doc: Document, line: int, rows: list[dict], ref: str, kind: str, day: dt.date) -> None:
    same = [r for r in rows if (r["reference"], r["kind"]) == (ref, kind)]
    live = [r for r in same if "returned" not in r and (r.get("accepted") is None or r["accepted"] >= day)]
    if len(live) > 1:
        doc.warnings.append(f"line {line}: {ref} {kind} requested on {day:%d %b %Y}: more than one open row; not set")
        return
    if live:
        row = live[0]
        if row.get("requested") not in (None, day):
            doc.warnings.append(
                f"line {line}: {ref} {kind} requested on {day:%d %b %Y} here but on {row['requested']:%d %b %Y} in "
                "its table; kept the table's"
            )
            return
        row["requested"] = day
        return
    if any("returned" not in r for r in same):
        doc.warnings.append(
            f"line {line}: {ref} {kind} requested on {day:%d %b %Y}, after its open assessment was accepted; not set"
        )
        return
    if any(r["returned"] >= day for r in same):
        doc.warnings.append(
            f"line {line}: {ref} {kind} requested on {day:%d %b %Y}, before an assessment of it was returned; not set"
        )
        return
    new = {"reference": ref, "kind": kind, "requested": day}
    if same:
        new["round"] = max(r.get("round", 1) for r in same) + 1
    rows.append(new)


# A sentence recording that an assessment came back on a day: "The DCC delivered the full Impact Assessment for
# MP200 on <day>", "The Preliminary Assessment (PA) for MP200 was returned on <day>".
_ASSESSMENT = (
    r"(?:(?:full|revised|final|updated)\s+)?(?:DCC(?:['’]s)?\s+)?(?:(?:full|revised|final|updated)\s+)?"
    r"(?P<kind>Preliminary|Impact)\s+Assessments?"
    r"(?:\s+\(\w+\))?"
)
_RETURN = re.compile(
    r"\b(?:delivered|returned|issued|provided|submitted|completed|published)\s+(?:the|its|an?)\s+"
    rf"{_ASSESSMENT}\s+(?:for|on|of)\s+(?P<refs>[^.;]{{2,80}}?)\s+on\s+(?:the\s+)?(?=\S)"
    rf"|\b(?:The\s+)?{_ASSESSMENT.replace('kind', 'kind2')}\s+(?:for|on|of)\s+(?P<refs2>[^.;]{{2,80}}?)\s+"
    r"(?:was|were|has\s+been|have\s+been)\s+(?:returned|delivered|issued|completed|provided|published)\s+"
    r"(?:to\s+(?:the\s+)?(?:\w+\s+){1,3})?on\s+(?:the\s+)?(?=\S)",
    re.IGNORECASE,
)


# A sentence recording that an assessment was received on a day, which may name its modification only in the
# section's heading: "On receipt of the DCC's Impact Assessment on <day> the group …", "SECAS received the
# Preliminary Assessment for MP200 on <day>", "The Impact Assessment was received on <day>".
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_NOT_A_DAY = r"(?![0-9]|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b)"
_RECEIPT = re.compile(
    rf"\breceipt\s+of\s+(?:the|its|an?)\s+{_ASSESSMENT}(?:\s+(?:for|on|of)\s+{_NOT_A_DAY}(?P<refs>[^.;]{{2,80}}?))?\s+on\s+"
    rf"(?:the\s+)?{_WEEKDAY}(?=\S)"
    rf"|\breceived\s+(?:the|its|an?)\s+{_ASSESSMENT.replace('kind', 'kind2')}"
    rf"(?:\s+(?:for|on|of)\s+{_NOT_A_DAY}(?P<refs2>[^.;]{{2,80}}?))?\s+on\s+(?:the\s+)?{_WEEKDAY}(?=\S)"
    rf"|\b{_ASSESSMENT.replace('kind', 'kind3')}(?:\s+(?:for|on|of)\s+{_NOT_A_DAY}(?P<refs3>[^.;]{{2,80}}?))?\s+"
    rf"(?:was|were|has\s+been|have\s+been)\s+received\s+(?:from\s+(?:the\s+)?\w+\s+)?on\s+(?:the\s+)?{_WEEKDAY}(?=\S)",
    re.IGNORECASE,
)


def _returns(doc: Document, rows: list[dict]) -> None:
    """Assessments the prose says came back on a day (the day right after the verb's "on"): the returned day
    of a row the tables do not hold (a new row with nothing else); a table row of that modification and kind
    is the fuller statement, and a different day there is reported. An assessment "received" on a day that
    names no modification is the one modification its sentence names, else the one its section's heading
    (a short line of a reference, a few paragraphs up) names; with none or several, nothing is read."""
    paras = paragraphs(doc)
    for index, para in enumerate(paras):
        if para.table_row:
            continue
        for sentence in sentences(para.text):
            for match in _RECEIPT.finditer(sentence):
                days = find_days(sentence[match.end() :])
                if not days or days[0].span[0] != 0:
                    continue
                kind = "PA" if (match["kind"] or match["kind2"] or match["kind3"]).lower() == "preliminary" else "IA"
                named = match["refs"] or match["refs2"] or match["refs3"] or ""
                refs = [r.text for r in find_references(named)] or _receipt_refs(paras, index, sentence)
                for ref in refs:
                    _returned(doc, para.number, rows, ref, kind, days[0].day)
            for match in _RETURN.finditer(sentence):
                if _NOT_REQUESTED.search(sentence[: match.start()].rsplit(",", 1)[-1]):
                    continue
                days = find_days(sentence[match.end() :])
                if not days or days[0].span[0] != 0:
                    continue
                day = days[0].day
                kind = "PA" if (match["kind"] or match["kind2"]).lower() == "preliminary" else "IA"
                for ref in (r.text for r in find_references(match["refs"] or match["refs2"])):
                    _returned(doc, para.number, rows, ref, kind, day)


def _receipt_refs(paras: tuple[Para, ...], index: int, sentence: str) -> list[str]:
    """The one modification a sentence about a received assessment is about when the assessment names none: the
    sentence's only reference, else the only one of the heading of its section (at most three paragraphs up)
    when that heading is little more than the reference."""
    said = {r.text for r in find_references(sentence)}
    if said:
        return list(said) if len(said) == 1 else []
    heading = heading_of(paras, index, within=3)
    if heading is None:
        return []
    found = find_references(heading.text)
    if len({r.text for r in found}) != 1 or len(heading.text.split()) > 4:
        return []
    return [found[0].text]


def _returned(doc: Document, line: int, rows: list[dict], ref: str, kind: str, day: dt.date) -> None:
    same = [r for r in rows if (r["reference"], r["kind"]) == (ref, kind)]
    if any(r.get("returned") == day for r in same):
        return
    if same:
        doc.warnings.append(
            f"line {line}: {ref} {kind} returned on {day:%d %b %Y} here, but its table rows say otherwise; kept the "
            "table's"
        )
        return
    rows.append({"reference": ref, "kind": kind, "returned": day})
