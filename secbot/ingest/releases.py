"""SEC Releases and their scope, from the ways reports give them:

* release tables found by their header (Date, Mod, Status — or Release, Release date, Modification, Title,
  Status): a release cell (its printed name, its day, or both; "No earlier than <day>" kept as text) carried
  down to the rows below it, one release per day where only days are given, a table under a "Stand Alone
  Release" title giving one stand-alone release per day; in a PDF's text, cells wrapped onto the lines below
  (a name's last word, a day's year, a title, a status) put back. A table without a release column belongs
  to the release the sentence introducing it names ("The <release> was implemented on <day>. It delivered
  the following:"). Read first: where prose says otherwise about a table's row, the table's word is kept
  and the difference reported, and the prose reader skips the table's lines;
* sentences putting modifications in a release, with a list or naming them: "There are currently five
  modifications approved for implementation in the <Month YYYY> SEC Release (<day>):", "… is targeted for
  the <release>, subject to …:", "<ref> was implemented in the <release> on <day>" (``implemented``),
  "<ref> will be implemented in a Stand Alone Release on <day>" (``approved``), "approved for inclusion in
  this release: <refs>" — the release's name and day, each modification's status, a footnote marked on an
  item kept as its note, and the announced count checked against the list;
* sentences about a release itself: "The <release> is scheduled for <day>" (its day), "The <release> was
  implemented on <day>. It delivered the following …:" or "… The following two modifications were implemented:"
  (its day, and the list ``implemented``);
* "<refs> are targeted for their releases, subject to …": the condition as the note of each one's entry.

"This release" is the one the section's heading or an earlier sentence of the section named. A release
named only by its day is named as SECAS names them: "<Month YYYY> SEC Release"; a stand-alone one
"Stand-alone Release <day>". A day whose month is not the one the release's name gives is left out, with a
warning."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from secbot.ingest.days import MONTH_NAMES, find_days, month_number
from secbot.ingest.document import Document, Line
from secbot.ingest.mentions import references_in
from secbot.ingest.prose import Para, announced_count, items_after, paragraphs, sentences
from secbot.ingest.tables import Column, Unreadable, footnote, header_fields, parse_day, parse_ref, table_lines
from secbot.references import find_references

# A release as prose names it: "the June 2018 SEC Release", "the September 2021 Standalone Release", "a Stand
# Alone Release", "this release", "the next SEC Release".
_NAME = (
    rf"(?P<name>(?:(?:{MONTH_NAMES})\.?\s+\d{{4}}\s+)?(?:(?:next|forthcoming|upcoming)\s+)?(?:SEC\s+)?"
    r"(?:stand[\s-]*alone\s+|standalone\s+)?(?:SEC\s+)?release)\b(?!\s+(?:Status|Management|Notes?|Scope)\b)"
)
# A modification put into a release: "approved for implementation in the <release>", "targeted for the
# <release>", "approved for inclusion in this release", "will be implemented in a Stand Alone Release",
# "was implemented in the <release>".
_IN_RELEASE = re.compile(
    r"\b(?:(?P<status>approved|targeted|scheduled|planned)\s+for\s+(?:(?:implementation|inclusion)\s+in\s+)?"
    r"|(?P<future>will\s+(?:therefore\s+|now\s+|also\s+)?be\s+(?:implemented|delivered|included)\s+(?:in|as)\s+)"
    r"|(?P<past>(?:was|were|has\s+been|have\s+been)\s+(?:successfully\s+)?(?:implemented|delivered|deployed)\s+in\s+))"
    rf"(?P<article>the|a|this|that)\s+{_NAME}",
    re.IGNORECASE,
)
# A release's own day: "(<day>)" after its name, "on <day>", "scheduled for <day>".
_WHEN = re.compile(r"^\s*(?:\((?P<bracket>[^)]{4,40})\)|on\s+(?:the\s+)?(?P<on>.{6,30}))", re.IGNORECASE)
# A release as the subject: "The November 2018 SEC Release is scheduled for <day>", "The June 2018 SEC Release was
# successfully implemented on <day>".
_RELEASE_SUBJECT = re.compile(
    rf"^\s*(?:The\s+)?{_NAME}\s+(?:(?P<tense>is|was|has\s+been|will\s+be)\s+(?:successfully\s+)?"
    r"(?P<verb>scheduled|planned|due|set|implemented|delivered|deployed|released)"
    r"|(?P<live>went|goes|will\s+go)\s+live)\s+(?:for|on)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_DONE = frozenset({"implemented", "delivered", "deployed", "released"})
# A sentence about the release the one before named: "It delivered the following Modification Proposals:".
# Or a list that follows it in the passive: "The following three modifications were delivered:" (a list put in a
# release the sentence names itself, "… were implemented in the <release>", is not this).
_IT_DELIVERED = re.compile(
    r"^\s*(?:(?:It|This\s+release|The\s+release)\s+(?:delivered|included|contained|implemented|introduced)\b"
    r"|The\s+following\s+(?:\w+\s+)?(?:Modification\s+Proposals?|modifications?|changes?|proposals?)\s+"
    r"(?:was|were|has\s+been|have\s+been)\s+(?:successfully\s+)?(?:delivered|included|implemented|introduced)"
    r"(?:\s+in\s+(?:it|this\s+release|the\s+release))?\s*:\s*$)",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|no\s+longer|never)\b", re.IGNORECASE)
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
    Column("title", r"title|description"),  # read past: a row's title is the text between
)
_DATE_WORDS = re.compile(
    r"^(?:no\s+earlier\s+than|no\s+later\s+than|not\s+before|not\s+later\s+than|on\s+or\s+after|"
    r"provisionally|expected|tbc|tbd)$",
    re.IGNORECASE,
)


def read(doc: Document) -> dict[str, list[dict]]:
    releases: dict[str, dict] = {}
    tabled = _tables(doc, releases)  # a release table is the fuller statement: it is read first and wins
    tabled |= _overviews(doc, releases)
    _prose(doc, releases, tabled)
    return {"releases": list(releases.values())}


def _release(releases: dict, name: str) -> dict:
    return releases.setdefault(name, {"name": name})


def _add(doc: Document, line: int, release: dict, reference: str, status: str, note: str | None) -> None:
    scope = release.setdefault("scope", [])
    for entry in scope:
        if entry["reference"] == reference:
            if entry["status"] != status:
                doc.warnings.append(
                    f"line {line}: {reference} is {status} in the {release['name']} here but {entry['status']} "
                    f"where the report lists it first; kept {entry['status']}"
                )
            if note and "note" not in entry:
                entry["note"] = note
            return
    scope.append({"reference": reference, "status": status} | ({"note": note} if note else {}))


def _month_name(day: dt.date) -> str:
    return f"{day:%B %Y} SEC Release"


@dataclass
class _Named:
    """The release a section is about: named by its heading or a sentence, and whether it is said to have
    been implemented."""

    name: str | None = None
    implemented: bool = False


def _prose(doc: Document, releases: dict, tabled: set[int]) -> None:
    """The sentences, without the lines of the release tables already read (a PDF's text runs a table's rows
    into the paragraphs around it)."""
    paras = tuple(_without(para, tabled) for para in paragraphs(doc))
    current = _Named()
    for index, para in enumerate(paras):
        if para.table_row or not para.text:
            continue
        if para.heading:
            named = re.search(_NAME, para.text, re.IGNORECASE)
            current = _Named(_release_name(named["name"], None) if named else None)
            if named and current.name:  # "November 2019 SEC Release (7 November 2019)": the release and its day
                day, _ = _when(doc, para, para.text[named.end() :], current.name)
                if day is not None:
                    _release(releases, current.name).setdefault("date", day)
            continue
        parts = sentences(para.text)
        for number, sentence in enumerate(parts):
            last = number == len(parts) - 1
            _sentence(doc, paras, index, para, sentence, last, releases, current)


def _without(para: Para, tabled: set[int]) -> Para:
    if not any(line.number in tabled for line in para.lines):
        return para
    lines = tuple(line for line in para.lines if line.number not in tabled)
    return Para(para.index, lines, " ".join(line.text for line in lines), para.level)


def _release_name(name: str, day: dt.date | None) -> str | None:
    """A release's name as SECAS writes it: its own (``June 2018 SEC Release``, ``September 2021 Standalone
    Release``), a stand-alone one named by its day, one named without its month by its day's month; ``None``
    for "this release" or a release without month or day."""
    name = re.sub(r"\s+", " ", name).strip()
    name = re.sub(r"^(?:next|forthcoming|upcoming)\s+", "", name, flags=re.IGNORECASE)
    standalone = bool(_STANDALONE.search(name))
    if re.search(r"\d{4}", name):
        return name[:80]
    if day is None:
        return None
    return f"Stand-alone Release {day.day} {day:%B %Y}" if standalone else _month_name(day)


def _when(doc: Document, para: Para, text: str, name: str) -> tuple[dt.date | None, str | None]:
    """The day (or date text) the words right after a release's name give it, if any."""
    when = _WHEN.match(text)
    if not when:
        return None, None
    if when["bracket"]:
        inside = when["bracket"].strip()
        days = find_days(inside)
        if len(days) == 1 and days[0].span == (0, len(inside)):
            return _fits(doc, para, name, days[0].day), None
        return None, inside if find_days(inside) else None
    days = find_days(when["on"])
    return (_fits(doc, para, name, days[0].day), None) if days and days[0].span[0] == 0 else (None, None)


def _fits(doc: Document, para: Para, name: str, day: dt.date) -> dt.date | None:
    """``day``, unless the release's name gives another month (said so)."""
    return _fits_month(doc, para.number, name, day)


def _fits_month(doc: Document, line: int, name: str, day: dt.date) -> dt.date | None:
    month = re.match(rf"(?P<month>{MONTH_NAMES})\.?\s+(?P<year>\d{{4}})\b", name, re.IGNORECASE)
    if month and (month_number(month["month"]), int(month["year"])) != (day.month, day.year):
        doc.warnings.append(f"line {line}: the {name} is given the day {day:%d %B %Y}; the day was left out")
        return None
    return day


def _sentence(
    doc: Document,
    paras: tuple[Para, ...],
    index: int,
    para: Para,
    sentence: str,
    last: bool,
    releases: dict,
    current: _Named,
) -> None:
    subject = _RELEASE_SUBJECT.match(sentence)
    if subject:
        _release_itself(doc, paras, index, para, sentence, last, subject, releases, current)
        return
    if their := _THEIR_RELEASES.search(sentence):
        _their_releases(sentence, their, releases)
        return
    if _IT_DELIVERED.match(sentence):
        if current.name and current.implemented:
            _put(doc, paras, index, para, sentence, last, None, _release(releases, current.name), "implemented")
        return
    matches = list(_IN_RELEASE.finditer(sentence))
    for number, match in enumerate(matches):
        if _NEGATED.search(sentence[matches[number - 1].end() if number else 0 : match.start()]):
            continue
        found = _named_release(doc, para, sentence, match, releases, current)
        if found is None:
            continue
        release, status = found
        current.name, current.implemented = release["name"], status == "implemented"
        if len(matches) > 1:  # "MP1 is approved for the X Release, and MP2 is targeted for it": each its own
            clause = sentence[matches[number - 1].end() if number else 0 : match.end()]
            _put(doc, paras, index, para, clause, False, match, release, status, after=sentence[match.end() :])
        else:
            _put(doc, paras, index, para, sentence, last, match, release, status)


# "MP1 and MP2 are targeted for their releases, subject to …": the releases a table or a sentence put them in.
_THEIR_RELEASES = re.compile(
    r"\b(?:are|is|remain)\s+(?P<status>targeted|planned|scheduled)\s+for\s+(?:their|its)\s+(?:respective\s+)?"
    r"(?:SEC\s+)?releases?\b",
    re.IGNORECASE,
)


def _their_releases(sentence: str, match: re.Match[str], releases: dict) -> None:
    """A condition ("subject to …") on modifications already targeted for a release: each one's note."""
    condition = _subject_to(sentence[match.end() :])
    if condition is None:
        return
    named = {r.text for r in find_references(sentence[: match.start()])}
    for release in releases.values():
        for entry in release.get("scope", []):
            if entry["reference"] in named and entry["status"] == "targeted":
                entry.setdefault("note", condition)


# "… was implemented on <day> and delivered the following four modifications:": the list is the release's.
_AND_DELIVERED = re.compile(
    r"\band\s+(?:successfully\s+)?(?:delivered|included|contained|implemented|introduced)\s+the\s+following\b.*:\s*$",
    re.IGNORECASE,
)


def _release_itself(
    doc: Document,
    paras: tuple[Para, ...],
    index: int,
    para: Para,
    sentence: str,
    last: bool,
    subject: re.Match[str],
    releases: dict,
    current: _Named,
) -> None:
    """ "The <release> is scheduled for <day>", "… was implemented on <day>", "… went live on <day>": its day, and
    whether what follows ("It delivered …") was implemented; a list the sentence itself introduces ("… and
    delivered the following:"), implemented in it."""
    days = find_days(sentence[subject.end() :])
    day = days[0].day if days and days[0].span[0] == 0 else None
    name = _release_name(subject["name"], day)
    if name is None:
        return
    day = _fits(doc, para, name, day) if day else None
    if day:
        _release(releases, name).setdefault("date", day)
    if subject["live"]:
        done = subject["live"].lower() == "went"
    else:
        done = subject["verb"].lower() in _DONE and subject["tense"].lower() in ("was", "has been")
    current.name, current.implemented = name, done
    delivered = _AND_DELIVERED.search(sentence[subject.end() :])
    if done and delivered and last:  # "… was implemented on <day> and delivered the following:" and a list
        _put(doc, paras, index, para, delivered.group(0), True, None, _release(releases, name), "implemented")


def _named_release(
    doc: Document, para: Para, sentence: str, match: re.Match[str], releases: dict, current: _Named
) -> tuple[dict, str] | None:
    """The release an ``_IN_RELEASE`` match names (with its day or date text), and the status it gives."""
    if match["article"].lower() in ("this", "that") and not re.search(r"\d{4}", match["name"]):
        name, day, text = current.name, None, None
        if name is None:
            doc.warnings.append(f"line {para.number}: 'this release' names no release the section has named")
            return None
    else:
        raw = re.sub(r"\s+", " ", match["name"])
        day, text = _when(doc, para, sentence[match.end() :], raw)
        name = _release_name(raw, day)
        if name is None:
            inside = find_days(text) if text else []
            if len(inside) != 1:
                if find_references(sentence):
                    doc.warnings.append(
                        f"line {para.number}: {raw!r} is named without its month or day; its modifications were "
                        "left out"
                    )
                return None
            name = _month_name(inside[0].day)
    status = "implemented" if match["past"] else "approved" if match["future"] else _STATUSES[match["status"].lower()]
    release = _release(releases, name)
    if day:
        release.setdefault("date", day)
    elif text:
        release.setdefault("date_text", text)
    if _STANDALONE.search(match["name"]):
        release["standalone"] = True
    return release, status


def _put(
    doc: Document,
    paras: tuple[Para, ...],
    index: int,
    para: Para,
    sentence: str,
    last: bool,
    match: re.Match[str] | None,
    release: dict,
    status: str,
    after: str | None = None,
) -> None:
    """The modifications a sentence (or one clause of it) puts in ``release``: the list it introduces (the
    paragraph's last sentence, ending in a colon, before list items), else those it names (after ", which",
    only the one just before). A "subject to …" after the release is each one's note, unless a footnote gives
    one."""
    rest = after if after is not None else sentence[match.end() :] if match else ""
    condition = _subject_to(rest)
    following = paras[index + 1] if index + 1 < len(paras) else None
    if last and sentence.rstrip().endswith(":") and following is not None and following.level >= 1:
        count = announced_count(sentence)
        listed = items_after(paras, index, count)
        items = [
            (refs[0].text, _footnote(doc, item) or condition) for item in listed if (refs := find_references(item.text))
        ]
        if count is not None and count != len(items):
            doc.warnings.append(
                f"line {para.number}: {count} modifications announced for the release, {len(items)} listed"
            )
    else:
        before = sentence[: match.start()] if match else sentence
        refs = [r.text for r in find_references(sentence)]
        if match and re.search(r",\s*which\s+$", before):
            refs = [r.text for r in find_references(before)][-1:]  # "…, approved MP2, which will be …": MP2 only
        count = announced_count(sentence)
        if count is not None and refs and count != len(refs):
            doc.warnings.append(
                f"line {para.number}: {count} modifications announced for the release, {len(refs)} named"
            )
        items = [(ref, condition) for ref in refs]
    for reference, note in items:
        _add(doc, para.number, release, reference, status, note)


def _subject_to(text: str) -> str | None:
    found = re.search(r"\bsubject\s+to\s+[^.;:]+", text, re.IGNORECASE)
    return found.group(0).strip() if found else None


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


def _tables(doc: Document, releases: dict) -> set[int]:
    """Every release table; the numbers of the lines they were read from (the prose reader skips them)."""
    lines = doc.lines
    read: set[int] = set()
    for i, header in enumerate(lines):
        fields = header_fields(header.text, COLUMNS)
        if not fields or not {"reference", "status"} <= set(fields):
            continue
        named = None
        if not {"date", "release"} & set(fields):
            named = _introduced_by(lines, i)  # "It delivered the following modifications:" and a table
            if named is None:
                continue
        title = lines[i - 1].text if i else ""
        standalone = bool(_STANDALONE.search(title))
        last = _table_rows(doc, _unwrapped(lines[i + 1 :]), standalone, releases, named)
        if last is not None:
            read |= {line.number for line in lines if header.number <= line.number <= last}
    return read


# A release overview: one row per release, its modifications listed in one cell ("MP1, MP2 (targeted)").
OVERVIEW_COLUMNS = (
    Column("release", r"(?:SEC\s+)?release(?:\s+name)?"),
    Column("date", r"(?:release\s+|implementation\s+)?date"),
    Column("scope", r"modifications|mods|scope|(?:modifications\s+)?in\s+scope|contents"),
)
# The status of the modifications an overview lists, as the words above it give it: "Modifications are approved for
# the release shown unless marked (targeted)".
_OVERVIEW_STATUS = re.compile(
    r"\b(?:are|is)\s+(?:all\s+)?(?P<status>approved|targeted|implemented|scheduled|planned)\s+(?:for|in)\b",
    re.IGNORECASE,
)
_ITEM_STATUS = re.compile(
    r"^\W*\(\s*(?P<status>implemented|approved|targeted|tbc|tbd|scheduled|planned)\b(?P<rest>[^)]*)\)",
    re.IGNORECASE,
)


def _overviews(doc: Document, releases: dict) -> set[int]:
    """Release overview tables (Release | Date | Modifications): each row's release, named as a release cell is
    (its printed name and day, or a stand-alone one by its day), and each modification in its last cell with the
    status marked after it ("MP159 (targeted)"), else the one the words above the table give all of them;
    where they give none, ``approved`` (what a release's scope is), said so. The numbers of the lines read."""
    lines = table_lines(doc)
    read: set[int] = set()
    for i, header in enumerate(lines):
        fields = header_fields(header.text, OVERVIEW_COLUMNS)
        if not fields or not {"release", "scope"} <= set(fields) or " | " not in header.text:
            continue
        above = " ".join(line.text for line in lines[max(0, i - 3) : i])
        stated = _OVERVIEW_STATUS.search(above)
        default = _STATUSES[stated["status"].lower()] if stated else "approved"
        if not stated:
            doc.warnings.append(
                f"line {header.number}: the release overview gives no status for its modifications; read as approved"
            )
        for line in lines[i + 1 :]:
            cells = line.cells
            if len(cells) != len(fields):
                break
            row = dict(zip(fields, cells, strict=True))
            when = f"{row['release']} {row.get('date', '')}".strip()
            group = _Group(line, when, [], standalone_cell=bool(_STANDALONE.search(row["release"])))
            release = _table_release(doc, group, False, releases)
            read.add(line.number)
            if release is None:
                continue
            scope = row["scope"]
            mentions = references_in(scope)
            for k, mention in enumerate(mentions):
                tail = scope[mention.end : mentions[k + 1].start if k + 1 < len(mentions) else len(scope)]
                marked = _ITEM_STATUS.match(tail.replace("*", ""))
                status = _STATUSES[marked["status"].lower()] if marked else default
                note = marked["rest"].strip(" ,;-–") or None if marked else None
                _add(doc, line.number, release, mention.ref.text, status, note)
        read.add(header.number)
    return read


def _unwrapped(lines: tuple[Line, ...]) -> list[tuple[Line, int]]:
    """Lines with a row whose status a PDF wrapped onto the next line (``MP080 | Title`` then ``| Approved`` or
    ``words | Approved``) put back on one; each with the number of the last line it was made of."""
    out: list[tuple[Line, int]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        after = lines[i + 1] if i + 1 < len(lines) else None
        if (
            after is not None
            and references_in(line.text)
            and not _ROW_STATUS.search(line.text)
            and _ROW_STATUS.search(after.text)
            and not references_in(after.text)
            and len(after.text) <= 60
        ):
            out.append(
                (Line(line.number, f"{line.text.rstrip(' |')} | {after.text.lstrip(' |')}", line.bullet), after.number)
            )
            i += 2
            continue
        out.append((line, line.number))
        i += 1
    return out


def _introduced_by(lines: tuple[Line, ...], header: int) -> str | None:
    """The release a table without a release or date column belongs to: the one the sentence introducing it
    (ending in a colon, just above the header) names with its month and year."""
    above = " ".join(line.text for line in lines[max(0, header - 3) : header])
    if not above.rstrip().endswith(":"):
        return None
    names = [m["name"] for m in re.finditer(_NAME, above, re.IGNORECASE) if re.search(r"\d{4}", m["name"])]
    return _release_name(names[-1], None) if names else None


@dataclass
class _Group:
    """Rows of a release table under one release cell (its name and day, as printed, and what a wrapped cell
    brought down on the line below)."""

    line: Line
    when: str
    rows: list[tuple[Line, str, str, str | None, str | None]]
    wrapped: bool = False  # the line below the first row was read for the rest of its cells
    standalone_cell: bool = False  # the release cell names a stand-alone release ("Standalone release")


def _table_rows(
    doc: Document, lines: list[tuple[Line, int]], standalone: bool, releases: dict, named: str | None
) -> int | None:
    """The rows under a release table's header. A row ends in its status (``Approved``, ``Approved1`` with a
    footnote mark) and holds a reference (or, in 2017's tables, a bare four-digit number before the status);
    what comes before the reference is the release cell (its name, its day, or both), carried down to the rows
    below it. Lines that are no row continue the one above, as a wrapped cell does: their first words complete
    a release name or day cut short (``February 2022 SEC`` / ``Release``, ``24 February`` / ``2022``); a day
    alone (or "No earlier than" and its day) before the first row of a release is its release cell. Returns
    the number of the last line the last row was read from (``None`` for no row)."""
    last: int | None = None
    when: list[str] = []
    group: _Group | None = None
    groups: list[_Group] = []
    loose = 0  # lines since the last row that are no row
    for line, end in lines:
        if header_fields(line.text, COLUMNS):
            break
        text = line.text
        row = _row(doc, line)
        if row is None:
            if _DATE_WORDS.match(text) or _whole_day(text):
                when.append(text)
                continue
            if group is not None and loose < 3 and _continues(text):
                if not group.wrapped and loose == 0 and len(group.rows) == 1:
                    _complete(group, text)
                loose += 1
                continue
            break
        loose = 0
        before, reference, status, mark, condition = row
        last = end
        if before or when:
            group = _Group(line, " ".join([*when, before]).strip(), [])
            groups.append(group)
            when = []
        elif group is None:
            if named is None:
                doc.warnings.append(f"line {line.number}: {reference} is listed before any release date; left out")
                continue
            group = _Group(line, "", [])
            groups.append(group)
        group.rows.append((line, reference, status, mark, condition))
    for found in groups:
        release = _table_release(doc, found, standalone, releases) if found.when else None
        if release is None and not found.when and named:
            release = _release(releases, named)
        if release is None:
            continue
        for line, reference, status, mark, condition in found.rows:
            note = (_marked_note(doc, line, mark) if mark else None) or condition
            _add(doc, line.number, release, reference, status, note)
    return last


_ROW_STATUS = re.compile(
    r"(?:^|(?<=[\s|]))(?P<status>implemented|approved|targeted|tbc|tbd|scheduled|planned)"
    r"(?P<mark>[1-9]|[¹²³⁴⁵⁶⁷⁸⁹])?(?:\s*\((?P<condition>[^()]{3,80})\))?\s*\|?\s*$",
    re.IGNORECASE,
)
_ANY_STATUS = re.compile(r"(?<=[\s|])(?P<status>[A-Za-z]+)\s*\|?\s*$")
_BARE = re.compile(r"(?<![\w/-])(?P<ref>[0-9OQ]{4})\s*\|?\s*$")
_FOOTNOTE_LINE = re.compile(r"^(?:[¹²³⁴⁵⁶⁷⁸⁹]|\d\s+[A-Z])")


def _row(doc: Document, line: Line) -> tuple[str, str, str, str | None, str | None] | None:
    """(release cell, reference, status, footnote mark, the condition in brackets after the status) of a table
    row, or ``None`` for a line that is none."""
    text = line.text
    status = _ROW_STATUS.search(text)
    known = status is not None
    status = status or _ANY_STATUS.search(text)
    if status is None:
        return None
    body = text[: status.start()].rstrip(" |")
    mentions = references_in(body)
    if mentions:
        at, raw = mentions[0].start, body[mentions[0].start : mentions[0].end]
        if not known and body[mentions[0].end :].strip(" |"):
            return None  # an unknown status word counts only right after the reference, as a status cell would
    else:
        bare = _BARE.search(body)
        if bare is None or re.search(rf"(?:{MONTH_NAMES})\.?\s*$", body[: bare.start()], re.IGNORECASE):
            return None
        at, raw = bare.start(), bare["ref"]
    try:
        reference = parse_ref(raw)
    except Unreadable as exc:
        doc.warnings.append(f"line {line.number}: a release row left out: {exc}")
        return None
    if not known:
        doc.warnings.append(f"line {line.number}: {reference}: release status {status['status']!r} is not known")
        return None
    if mentions and mentions[0].repaired:
        doc.warnings.append(f"line {line.number}: {raw!r} read as {reference}")
    before = re.sub(r"\s*\|\s*", " ", body[:at]).strip()
    condition = status["condition"].strip() if status["condition"] else None
    return before, reference, _STATUSES[status["status"].lower()], status["mark"], condition


def _continues(text: str) -> bool:
    """A line that can be the rest of a table row's wrapped cells: short, neither a footnote nor a sentence."""
    return len(text) <= 60 and not _FOOTNOTE_LINE.match(text) and not re.search(r"[.:;]$", text)


def _complete(group: _Group, text: str) -> None:
    """A release cell cut short by its column's width, completed from the line below: ``Release`` after a name
    without it, a year after a day without one."""
    group.wrapped = True
    name = _CELL_NAME.match(group.when)
    rest = text
    word = re.match(r"Release\b\s*", rest, re.IGNORECASE)
    if name and not name["word"] and word:
        group.when = f"{group.when[: name.end()]} Release{group.when[name.end() :]}"
        rest = rest[word.end() :]
    year = re.match(r"(?P<year>\d{4})\b", rest)
    if year and re.search(rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH_NAMES})\.?$", group.when, re.IGNORECASE):
        group.when = f"{group.when} {year['year']}"


# A release cell's name: "February 2022 SEC Release", "December 2021 Standalone Release", "February 2022 SEC" (its
# last word wrapped onto the next line).
_CELL_NAME = re.compile(
    rf"^(?P<name>(?:{MONTH_NAMES})\.?\s+\d{{4}}(?:\s+(?:SEC|Standalone|Stand[\s-]*alone))*(?P<word>\s+Release)?)\b",
    re.IGNORECASE,
)


def _whole_day(text: str) -> dt.date | None:
    try:
        return parse_day(text)
    except Unreadable:
        return None


def _table_release(doc: Document, group: _Group, standalone: bool, releases: dict) -> dict | None:
    """The release a table's release cell names: by its printed name (``February 2020 SEC Release``) and day,
    else by its day alone, as SECAS names them."""
    line, when = group.line, group.when
    name = _CELL_NAME.match(when)
    if name:
        printed = re.sub(r"\s+", " ", name["name"]).strip()
        printed = printed if name["word"] else f"{printed} Release"
        rest = when[name.end() :].strip()
        day = _whole_day(rest) if rest else None
        if rest and day is None:
            doc.warnings.append(f"line {line.number}: the {printed}'s day {rest!r} could not be read; left out")
        release = _release(releases, printed[:80])
        if _STANDALONE.search(printed) or standalone:
            release["standalone"] = True
        if day is not None:
            fitted = _fits_month(doc, line.number, printed, day)
            if fitted:
                release.setdefault("date", fitted)
        return release
    if group.standalone_cell:  # "Standalone release 20 October 2022": the day after the words
        named = re.match(r"^\s*(?:SEC\s+)?stand[\s-]*alone(?:\s+SEC)?(?:\s+release)?\s*", when, re.IGNORECASE)
        if named:
            when, standalone = when[named.end() :], True
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
    """A table cell's footnote mark (``Approved1``): the first sentence of the footnote it marks (which a PDF may
    have wrapped onto the lines below), else of the line starting with it."""
    digit = mark.translate(_SUPERSCRIPTS)
    found = footnote(doc, digit, not_line=line.number)
    if found:
        return re.split(r"(?<=\.)\s", found)[0]
    for other in doc.lines:
        if other.number != line.number and re.match(rf"^[{digit}{mark}]\s+\S", other.text):
            return re.split(r"(?<=\.)\s", other.text[1:].strip())[0]
    doc.warnings.append(f"line {line.number}: footnote {mark} is marked but not found")
    return None
