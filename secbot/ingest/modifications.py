"""The modifications a report names, and what it says about each: title (and an earlier title when the
report prints two), proposer, organisation and raised day ("DP162 'Title' was raised by X from Y on
<day>"), the issue as the report summarises it, phase, status and path; plus ``conversions`` ("DP162
was converted into MP162").

Where a modification stands is read from the most specific place that says so: a status column
first, then the Authority's decision, a Change Board vote, "with the Authority for decision", "approved
for implementation in … Release", a Modification Report Consultation, and the Refinement Process
(a Working Group meeting or consultation, an open DCC assessment). A Draft Proposal is in Define
unless something later says otherwise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.ingest import votes
from secbot.ingest.days import find_days
from secbot.ingest.document import Document
from secbot.ingest.mentions import Titled, looks_like_title, references_in, titled_mentions
from secbot.ingest.prose import Para, lead_of, paragraphs, sentences, table_lines
from secbot.references import Ref, parse_reference
from secbot.vocabulary import canonical_phase


@dataclass(frozen=True)
class Standing:
    """One statement of where a modification stands, and how much it outranks others."""

    rank: int
    phase: str | None
    status: str
    line: int


STATUS_COLUMN, DECIDED, VOTED, AWAITING, RELEASE, REPORT, REFINE, DRAFT = 10, 8, 7, 6, 5, 4, 3, 1

# Sentences that put the modifications they name (or list) in a phase.
_CONTEXT_RULES = (
    (
        re.compile(
            r"\bwith the Authority for (?:a |its )?(?:decision|determination)|\bawaiting (?:an? |the )?Authority"
        ),
        AWAITING,
        "Decision",
        "Awaiting Authority Decision",
    ),
    (re.compile(r"\bapproved for implementation\b"), RELEASE, "Implementation", "Approved"),
    (re.compile(r"\bModification Report Consultation\b"), REPORT, "Report Phase", "Report Phase"),
    (
        re.compile(
            r"\b(?:Working Group|Workgroup|WG)\b[^.]{0,60}\bmeetings?\b"
            r"|\bmeetings?\b[^.]{0,40}\b(?:Working Group|Workgroup|WG)\b"
            r"|\bRefinement Consultation\b|\b(?:WG|Working Group|Workgroup) consultation\b",
            re.IGNORECASE,
        ),
        REFINE,
        "Refine",
        "Refinement",
    ),
)
_FROM_OUTCOME = {
    ("authority", "approved"): (DECIDED, "Implementation", "Approved"),
    ("authority", "rejected"): (DECIDED, "Closed", "Rejected"),
    ("change_board", "approved"): (VOTED, "Implementation", "Approved"),
    ("change_board", "rejected"): (VOTED, "Closed", "Rejected"),
    ("change_board", "recommend_approval"): (AWAITING, "Decision", "Awaiting Authority Decision"),
    ("change_board", "recommend_rejection"): (AWAITING, "Decision", "Awaiting Authority Decision"),
}


class _Facts:
    """Everything the report says about one modification, before it is settled into a row."""

    def __init__(self, ref: Ref) -> None:
        self.ref = ref
        self.titles: list[tuple[str, int]] = []
        self.standings: list[Standing] = []
        self.paths: list[str] = []
        self.fields: dict[str, object] = {}

    def title(self, title: str | None, line: int) -> None:
        if title:
            self.titles.append((title, line))

    def row(self, doc: Document) -> dict:
        row: dict = {"reference": self.ref.text}
        if self.titles:
            # The fullest title is the current one; a summary list or chart shortens titles.
            current = max(self.titles, key=lambda t: len(t[0]))[0]
            row["title"] = current
            earlier = []
            for title, _line in self.titles:
                if title.casefold() != current.casefold() and title.casefold() not in {e.casefold() for e in earlier}:
                    earlier.append(title)
            if earlier:
                row["earlier_titles"] = earlier
        for name in ("proposer", "organisation", "raised"):
            if name in self.fields:
                row[name] = self.fields[name]
        if self.standings:
            top = max(s.rank for s in self.standings)
            best = [s for s in self.standings if s.rank == top]
            chosen = best[0]
            for other in best[1:]:
                if other.status.casefold() != chosen.status.casefold():
                    doc.warnings.append(
                        f"line {other.line}: {self.ref} is '{other.status}' here but '{chosen.status}' on line "
                        f"{chosen.line}; kept '{chosen.status}'"
                    )
            if chosen.phase:
                row["phase"] = chosen.phase
            row["status"] = chosen.status
        if self.paths:
            row["path"] = self.paths[0]
        for name in ("issue_summary", "url"):
            if name in self.fields:
                row[name] = self.fields[name]
        return row


class _Register:
    def __init__(self) -> None:
        self.facts: dict[Ref, _Facts] = {}

    def __call__(self, ref: Ref) -> _Facts:
        if ref not in self.facts:
            self.facts[ref] = _Facts(ref)
        return self.facts[ref]


def read(doc: Document) -> dict[str, list[dict]]:
    paras = paragraphs(doc)
    mods = _Register()
    _report_repairs(doc)
    _read_prose(doc, paras, mods)
    _read_tables(doc, mods)
    _read_title_charts(doc, mods)
    _read_status_lines(doc, mods)
    _read_outcomes(doc, mods)
    _read_urls(doc, mods)
    for ref, facts in mods.facts.items():
        if ref.family == "DP":
            facts.standings.append(Standing(DRAFT, "Define", "Draft Proposal", 0))
    return {"modifications": [f.row(doc) for f in mods.facts.values()], "conversions": _conversions(doc, paras)}


def _report_repairs(doc: Document) -> None:
    """A damaged reference is read as the one it most likely is; say so, and whether the report names
    that one elsewhere (a check that the repair is right)."""
    intact: set[Ref] = set()
    repaired = []
    for line in doc.lines:
        for mention in references_in(line.text):
            if mention.repaired:
                repaired.append((line.number, mention))
            else:
                intact.add(mention.ref)
    for number, mention in repaired:
        check = (
            "as the report names it elsewhere"
            if mention.ref in intact
            else "named nowhere else in the report: check it"
        )
        doc.warnings.append(f"line {number}: read '{mention.raw.strip()}' as {mention.ref} ({check})")


def _context_standing(text: str, line: int) -> Standing | None:
    for pattern, rank, phase, status in _CONTEXT_RULES:
        if pattern.search(text):
            return Standing(rank, phase, status, line)
    return None


def _read_prose(doc: Document, paras: tuple[Para, ...], mods: _Register) -> None:
    for para in paras:
        if para.table_row or para.text.lower().startswith("http"):
            continue
        item = para.level >= 1
        mentioned = titled_mentions(para.text, starts_item=item or para.heading)
        if not mentioned:
            continue
        lead = lead_of(paras, para.index)
        for titled in mentioned:
            if titled.title:
                mods(titled.mention.ref).title(titled.title, para.number)
        if item:
            # A list item is about the references it starts with ("SECMP0027, SECMP0028 and SECMP0030: …").
            subjects = _leading_refs(para.text, mentioned)
            standing = _context_standing(f"{lead.text if lead else ''} {para.text}", para.number)
            for ref in subjects:
                facts = mods(ref)  # a list item names the modification it is about
                if standing:
                    facts.standings.append(standing)
        else:
            for sentence in sentences(para.text):
                standing = _context_standing(sentence, para.number)
                if standing:
                    for mention in references_in(sentence):
                        mods(mention.ref).standings.append(standing)
        _raised(doc, paras, para, mentioned, mods)


def _leading_refs(text: str, mentioned: list[Titled]) -> list[Ref]:
    """The references a list item opens with: the first, and those joined to it by commas and "and"."""
    refs: list[Ref] = []
    end = 0
    for titled in mentioned:
        between = text[end : titled.mention.start]
        if refs and not re.fullmatch(r"\s*(?:,|and|&|,\s*and)\s*", between):
            break
        if not refs and between.strip():
            break
        refs.append(titled.mention.ref)
        end = titled.mention.end
        if titled.title:
            break
    return refs


_RAISED = re.compile(r"\braised\b", re.IGNORECASE)
_NAME = r"[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,3}"
_ORG = r"[A-Z][\w&'’.\-]*(?:\s+(?:[A-Z0-9][\w&'’.\-]*|&|and|of|for))*"
_BY = re.compile(
    rf"\bby\s+(?P<who>{_NAME})(?:\s*\((?P<org1>[^)]+)\)"
    rf"|\s*,?\s+(?:from|of|at|on behalf of)\s+(?:the\s+)?(?P<org2>{_ORG}))?"
)
_PASSIVE = re.compile(r"\b(?:was|were|has been|have been)\s+raised\b")
_WHO_RAISED = re.compile(rf"(?P<who>{_NAME})\s+(?:from|of|at)\s+(?:the\s+)?(?P<org>{_ORG})\s+(?:has\s+)?raised\b")
_NAME_SLIPS = str.maketrans({"0": "o", "1": "l", "5": "s", "|": "l"})


def _name(doc: Document, text: str, line: int, what: str) -> str | None:
    text = re.sub(r"\s+(?:on|in|and)$", "", text.strip(" ,.;"))
    if not text:
        return None
    if re.search(r"[0-9|]", text):
        repaired = " ".join(
            w[0].translate(str.maketrans({"0": "O", "1": "I", "5": "S", "|": "I"})) + w[1:].translate(_NAME_SLIPS)
            for w in text.split()
        )
        doc.warnings.append(f"line {line}: the {what} '{text}' read as '{repaired}'")
        return repaired
    return text


def _raised(doc: Document, paras: tuple[Para, ...], para: Para, mentioned: list[Titled], mods: _Register) -> None:
    """ "REF 'Title' was raised by NAME from ORG on DAY" (and the report's other ways of saying it); the
    paragraphs that follow, up to the next heading, are the issue as the report summarises it."""
    for sentence in sentences(para.text):
        raised = _RAISED.search(sentence)
        if not raised or not (
            _BY.match(sentence[raised.end() :].lstrip()) or _PASSIVE.search(sentence) or _WHO_RAISED.search(sentence)
        ):
            continue
        refs = [m.ref for m in references_in(sentence)]
        if not refs:
            continue
        tail = sentence[raised.end() :]
        who = org = None
        by = _BY.search(tail)
        if by:
            who, org = by["who"], by["org1"] or by["org2"]
        else:
            before = _WHO_RAISED.search(sentence)
            if before:
                who, org = before["who"], before["org"]
        facts = mods(refs[0])
        if who:
            facts.fields["proposer"] = _name(doc, who, para.number, "proposer")
        if org:
            facts.fields["organisation"] = _name(doc, org, para.number, "organisation")
        days = find_days(tail)
        if days:
            facts.fields["raised"] = days[0].day
        elif who:
            doc.warnings.append(
                f"line {para.number}: {refs[0]} was raised by {who}, but the day it was raised is not given"
            )
        summary = []
        for following in paras[para.index + 1 :]:
            if following.heading or following.level or following.table_row or following.label:
                break
            if _RAISED.search(following.text) and references_in(following.text):
                break
            summary.append(following.text)
        if summary and "issue_summary" not in facts.fields:
            facts.fields["issue_summary"] = " ".join(summary)
        return


_REF_HEADER = re.compile(r"\b(?:mod(?:ification)?s?|proposals?|ref(?:erence)?|dp|mp)\b|#", re.IGNORECASE)
_NOT_REF_HEADER = re.compile(r"\b(?:title|summary|status|date|type|description)\b", re.IGNORECASE)


def _columns(cells: list[str]) -> dict[str, int] | None:
    """Which column holds what, from a header row's cells; ``None`` if it is no header."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        low = cell.lower()
        if "title" in low:
            found.setdefault("title", i)
        elif "status" in low or low in ("stage", "phase"):
            found.setdefault("status", i)
        elif re.search(r"\bsummary\b|\bdescription\b|\bissue\b", low):
            found.setdefault("issue_summary", i)
        elif _REF_HEADER.search(cell) and not _NOT_REF_HEADER.search(cell) and not references_in(cell):
            found.setdefault("reference", i)
    return found if "reference" in found else None


def _read_tables(doc: Document, mods: _Register) -> None:
    """Tables whose rows are cells: a reference column, and maybe title, status and summary columns."""
    columns: dict[str, int] | None = None
    caption = ""
    for line in table_lines(doc):
        if " | " not in line.text:
            columns, caption = None, ""
            continue
        cells = [c.strip(" |") for c in line.cells]
        if columns is None or not references_in(
            cells[columns["reference"]] if len(cells) > columns["reference"] else ""
        ):
            header = _columns(cells)
            if header is not None and not any(references_in(c) for c in cells):
                columns = header
                continue
            if len([c for c in cells if c]) == 1 and not references_in(line.text):
                caption = cells[0]
                continue
        if columns is None:
            continue
        if len(cells) <= columns["reference"]:
            continue
        cell = cells[columns["reference"]]
        mentioned = titled_mentions(cell, cell=True)
        if not mentioned:
            continue
        facts = mods(mentioned[0].mention.ref)
        facts.title(mentioned[0].title, line.number)
        if "title" in columns and len(cells) > columns["title"]:
            title = cells[columns["title"]].strip()
            facts.title(title if looks_like_title(title) else None, line.number)
        if "status" in columns and len(cells) > columns["status"] and cells[columns["status"]].strip():
            status = re.sub(r"[\d¹²³⁴⁵⁶⁷⁸⁹⁰]+$", "", cells[columns["status"]].strip())
            facts.standings.append(Standing(STATUS_COLUMN, canonical_phase(status), status, line.number))
        if "issue_summary" in columns and len(cells) > columns["issue_summary"]:
            facts.fields.setdefault("issue_summary", cells[columns["issue_summary"]].strip())
        if re.search(r"\bopen\b", caption, re.IGNORECASE) and re.search(r"assess", caption, re.IGNORECASE):
            facts.standings.append(Standing(REFINE, "Refine", "Refinement", line.number))


_CHART_HEADER = re.compile(r"\bMod(?:ification)?\s+Ref(?:erence)?\b.*\bTitle\b", re.IGNORECASE)
_CHART_ROW = re.compile(r"^(?P<ref>(?:SEC\s?MP|MP|DP)[\s\-]?[0-9OQlI]{1,5}[A-Z]?)\b\s*(?P<rest>.*)$")
_MONTH_AXIS = re.compile(r"\b(?:Jan|Apr|Jul|Oct)\b.*\b(?:Jan|Apr|Jul|Oct)\b")
_NUMBERS = re.compile(r"^[\d\s.,%]+$")


def _read_title_charts(doc: Document, mods: _Register) -> None:
    """Charts and tables printed as lines (a PDF's text): after a header naming a reference and a
    title column, a line opening with a reference starts a row and the lines below it, up to figures
    or the next row, hold its title."""
    inside = False
    current: tuple[Ref, int] | None = None
    words: list[str] = []

    def flush() -> None:
        if current and words:
            title = re.sub(r"\s+", " ", " ".join(words)).strip()
            if looks_like_title(title):
                mods(current[0]).title(title, current[1])

    for line in doc.lines:
        text = line.text
        if " | " in text:
            continue
        if _CHART_HEADER.search(text):
            flush()
            inside, current, words = True, None, []
            continue
        if not inside:
            continue
        if re.match(r"^\d+\.\s+[A-Z]", text):  # the next numbered section
            flush()
            inside, current, words = False, None, []
            continue
        row = _CHART_ROW.match(text)
        ref = parse_reference(row["ref"]) if row else None
        if isinstance(ref, Ref):
            flush()
            current, words = (ref, line.number), []
            rest = re.sub(r"(?:\s+\d+){1,3}$", "", row["rest"]).strip()
            if rest:
                words.append(rest)
            mods(ref)
            continue
        if current is None:
            continue
        if _NUMBERS.match(text) or _MONTH_AXIS.search(text) or len(words) >= 5:
            flush()
            current, words = None, []
            continue
        words.append(text)
    flush()


_STATUS_HEADER = re.compile(r"^(?:\w+\s+){0,3}\bMod(?:ification)?s?\b(?:\s+Ref)?\s+Status$", re.IGNORECASE)
_DASH_DAY = re.compile(r"\b\d{1,2}-[A-Za-z]{3}-\d{2,4}\b")
_STATUS_ROW = re.compile(
    r"(?<![\w/])(?P<ref>(?:SEC\s?MP|MP|DP)[\s\-]?[0-9OQ]{1,5}[A-Z]?|\d{4})"
    r"\s+(?P<status>[A-Za-z][A-Za-z ]*?)[\d¹²³⁴⁵⁶⁷⁸⁹⁰]?\s*$"
)


def _read_status_lines(doc: Document, mods: _Register) -> None:
    """Tables printed as lines under a header such as "Date Mod Status": a row ends with a
    reference (a four-digit number stands for SECMPnnnn there) and a status word the register knows."""
    inside = False
    for line in doc.lines:
        text = line.text
        if _STATUS_HEADER.match(text):
            inside = True
            continue
        if not inside:
            continue
        if re.match(r"^\d+\.\s+[A-Z]", text) or " | " in text:
            inside = False
            continue
        for found in find_days(text):
            text = text[: found.span[0]] + " " * (found.span[1] - found.span[0]) + text[found.span[1] :]
        text = _DASH_DAY.sub(" ", text).strip()
        row = _STATUS_ROW.search(text)
        if not row:
            continue
        status = row["status"].strip()
        phase = canonical_phase(status)
        if phase is None:
            continue  # "TBC", "Targeted": where a release stands, not the modification
        raw = row["ref"]
        ref = parse_reference(f"SECMP{raw}" if raw.isdigit() else raw)
        if isinstance(ref, Ref):
            mods(ref).standings.append(Standing(STATUS_COLUMN, phase, status, line.number))


def _read_outcomes(doc: Document, mods: _Register) -> None:
    for found in votes.outcomes(doc):
        standing = _FROM_OUTCOME.get((found.body, found.outcome))
        facts = mods(found.ref)
        if standing:
            rank, phase, status = standing
            facts.standings.append(Standing(rank, phase, status, found.line))
        if found.path and found.path not in facts.paths:
            facts.paths.append(found.path)


_MOD_URL = re.compile(r"https?://\S+/(?P<ref>(?:SECMP|MP|DP)-?\d{1,5}[A-Z]?)/?$", re.IGNORECASE)


def _read_urls(doc: Document, mods: _Register) -> None:
    """A modification's own page, where the report lists its address."""
    for line in doc.lines:
        match = _MOD_URL.match(line.text)
        if match:
            ref = parse_reference(match["ref"])
            if isinstance(ref, Ref) and ref in mods.facts:
                mods.facts[ref].fields.setdefault("url", line.text)


_CONVERTED = re.compile(
    r"\b(?:was|were|has been|have been)\s+converted\s+(?:in)?to\s+(?:an?\s+)?(?:Modification Proposals?|MPs?)?",
    re.IGNORECASE,
)
_NEXT_PHASE = re.compile(r"\b(?:to|into)\s+the\s+(?P<phase>Refinement Process|Report Phase)\b", re.IGNORECASE)


def _conversions(doc: Document, paras: tuple[Para, ...]) -> list[dict]:
    """ "DP162 was converted into MP162 (and sent to the Refinement Process) on <day>"."""
    rows = []
    for para in paras:
        for sentence in sentences(para.text):
            if not _CONVERTED.search(sentence):
                continue
            refs = [m.ref for m in references_in(sentence)]
            drafts = [r for r in refs if r.family == "DP"]
            for draft in drafts:
                proposal = next((r for r in refs if r.family == "MP" and r.number == draft.number), None)
                proposal = proposal or Ref("MP", draft.number, draft.suffix)
                row: dict = {"draft": draft.text, "proposal": proposal.text}
                days = find_days(sentence)
                if days:
                    row["date"] = days[0].day
                nxt = _NEXT_PHASE.search(sentence)
                if nxt:
                    row["next_phase"] = canonical_phase(nxt["phase"])
                rows.append(row)
    return rows
