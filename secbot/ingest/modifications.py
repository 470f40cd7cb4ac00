"""The modifications a report names, and what it says about each: title (and an earlier title when the
report prints two), proposer, organisation and raised day ("DP162 'Title' was raised by X from Y on
<day>"), the issue as the report summarises it, phase, status and path; plus ``conversions`` ("DP162
was converted into MP162").

Where a modification stands is read from the most specific place that says so: a status column
first (a table piped, or printed as lines by a PDF, its wrapped titles joined), then "was implemented"
(a release that went live, or the modification itself), the Authority's decision or "was withdrawn", a
Change Board vote, "with the Authority for decision", "remains with the Change Board", "approved for
implementation in … Release", a Modification Report Consultation or a Draft Modification Report before
the Panel this month, going on to the Report Phase, an Initial Modification Report still to come, and
the Refinement Process (a Working Group meeting or consultation, a timetable extension, an open DCC
assessment). A list item takes what the sentence introducing its list says, a table row what the
sentence introducing its table says, and "both modifications" what was just named. A Draft Proposal is
in Define unless something later says otherwise (going on to the Report Phase is said of the
modification it will become), or the report says it was converted; a section headed by a reference is
about it ("Raised by X from Y on <day>"). A title printed once with an aside in brackets after it
("… (DUIS/MMC only)") and once without is the title without."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.ingest import votes
from secbot.ingest.days import MONTH_NAMES, find_days
from secbot.ingest.document import Document
from secbot.ingest.mentions import Titled, clean_title, looks_like_title, references_in, titled_mentions
from secbot.ingest.prose import Para, count_word, lead_of, lined_tables, paragraphs, sentences, table_lines
from secbot.references import Ref, parse_reference
from secbot.vocabulary import canonical_phase


@dataclass(frozen=True)
class Standing:
    """One statement of where a modification stands, and how much it outranks others."""

    rank: int
    phase: str | None
    status: str | None  # None where the report names the phase but uses no status word for it
    line: int
    drafts: bool = True  # whether it is said of a Draft Proposal too (not "proceed to the Report Phase")


STATUS_COLUMN, IMPLEMENTED, DECIDED, VOTED, AWAITING, RELEASE, REPORT, INITIAL, REFINE, DRAFT = (
    10,
    9,
    8,
    7,
    6,
    5,
    4,
    4,
    3,
    1,
)
_REPORT_STATUS = "Report Phase"  # the status word, where the report itself uses it

# Sentences that put the modifications they name (or list) in a phase, most telling first.
_CONTEXT_RULES = (
    (
        # "The June 2018 SEC Release was successfully implemented …", "MP161 was implemented in …" (not
        # "will be implemented").
        re.compile(r"\b(?:was|were|has been|have been|had been)\s+(?:\w+ly\s+)?implemented\b", re.IGNORECASE),
        IMPLEMENTED,
        "Closed",
        "Implemented",
    ),
    (
        re.compile(r"\b(?:was|were|has been|have been|had been)\s+withdrawn\b", re.IGNORECASE),
        DECIDED,
        "Closed",
        "Withdrawn",
    ),
    (
        re.compile(
            r"\bwith the Authority for (?:a |its )?(?:decision|determination)|\bawaiting (?:an? |the )?Authority"
        ),
        AWAITING,
        "Decision",
        "Awaiting Authority Decision",
    ),
    (
        # Voted on, but not settled: the modification stays with the Change Board.
        re.compile(r"\b(?:remains?|is|are|still)\s+with\s+the\s+Change\s+Board\b", re.IGNORECASE),
        AWAITING,
        "Change Board",
        "Change Board",
    ),
    (re.compile(r"\bapproved for implementation\b"), RELEASE, "Implementation", "Approved"),
    (
        # The Initial Modification Report still to come: the modification is in Initial Consideration.
        re.compile(
            r"\b(?:Initial Modification Reports?|IMRs?)\b[^.]*\b(?:will|to)\s+be\s+"
            r"(?:presented|considered|submitted)\b",
            re.IGNORECASE,
        ),
        INITIAL,
        "Initial Consideration",
        "Initial Consideration",
    ),
    (
        # A Modification Report Consultation, or the Draft Modification Report before the Panel this month.
        re.compile(
            r"\bModification Report Consultations?\b|^(?=.*\b(?:Draft Modification Report|DMR)s?\b)"
            r"(?=.*\b(?:present|consider)\w*\b)(?=.*\bthis month\b)",
            re.IGNORECASE,
        ),
        REPORT,
        "Report Phase",
        _REPORT_STATUS,
    ),
    (
        # A modification going on to the Report Phase; a Draft Proposal said to is still one until converted.
        re.compile(
            r"\b(?:progression|proceed|progress|move|go)\w*\s+(?:directly\s+|straight\s+)?(?:on\s+)?to\s+the\s+"
            r"Report\s+Phase\b|\b(?:remains?|still)\s+in\s+the\s+Report\s+Phase\b",
            re.IGNORECASE,
        ),
        REPORT,
        "Report Phase",
        _REPORT_STATUS,
    ),
    (
        re.compile(
            r"\b(?:Working Group|Workgroup|WG)\b[^.]{0,60}\b(?:meetings?|met|meets|will meet)\b"
            r"|\bmeetings?\b[^.]{0,40}\b(?:Working Group|Workgroup|WG)\b"
            r"|\bRefinement Consultations?\b|\b(?:WG|Working Group|Workgroup) consultations?\b"
            # A timetable extension: the Panel gives the Refinement Process more time.
            r"|\btimetable extension\b|\bextension (?:to|of) the (?:\S+\s+){0,2}timetable\b"
            # A DCC Impact Assessment asked for: the solution is still being refined.
            r"|\brequests?\s+for\s+(?:an?\s+|the\s+)?(?:DCC\s+)?(?:Impact|Preliminary)\s+Assessment\b"
            # … or said to have been asked for ("The DCC Impact Assessment for MP201 was requested on …").
            r"|\b(?:Impact|Preliminary)\s+Assessments?\b[^.]{0,120}?\b(?:was|were|has\s+been|have\s+been)\s+"
            r"requested\b"
            r"|\b(?:remains?|is|are|still)\s+in\s+the\s+Refinement\s+(?:Process|Phase)\b",
            re.IGNORECASE,
        ),
        REFINE,
        "Refine",
        "Refinement",
    ),
)
_ONWARD_RULE = next(i for i, rule in enumerate(_CONTEXT_RULES) if "progression" in rule[0].pattern)
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
        # A printing with an aside in brackets after a title printed elsewhere without it ("… values
        # (DUIS/MMC only)") says something of that entry; the title is the one without.
        titles = [
            (t, n)
            for t, n in self.titles
            if not any(re.fullmatch(re.escape(o) + r"\s*\([^()]*\)", t, re.IGNORECASE) for o, _ in self.titles)
        ]
        if titles:
            # The fullest title is the current one; a summary list or chart shortens titles.
            current = max(titles, key=lambda t: len(t[0]))[0]
            row["title"] = current
            earlier = []
            for title, _line in titles:
                if title.casefold() != current.casefold() and title.casefold() not in {e.casefold() for e in earlier}:
                    earlier.append(title)
            if earlier:
                row["earlier_titles"] = earlier
        for name in ("proposer", "organisation", "raised"):
            if name in self.fields:
                row[name] = self.fields[name]
        standings = [s for s in self.standings if s.drafts or self.ref.family != "DP"]
        if standings:
            top = max(s.rank for s in standings)
            best = [s for s in standings if s.rank == top]
            chosen = best[0]
            for other in best[1:]:
                if (other.status or "").casefold() != (chosen.status or "").casefold():
                    doc.warnings.append(
                        f"line {other.line}: {self.ref} is '{other.status}' here but '{chosen.status}' on line "
                        f"{chosen.line}; kept '{chosen.status}'"
                    )
            if chosen.phase:
                row["phase"] = chosen.phase
            if chosen.status:
                row["status"] = chosen.status
            if self.fields.get("on_hold") and chosen.phase in ("Define", "Refine", "Report Phase"):
                row["status"] = "On hold"  # the report's word; the phase is where it waits
        if self.paths:
            row["path"] = self.paths[0]
        for name in ("issue_summary", "url"):
            if name in self.fields:
                row[name] = self.fields[name]
        return row


class _Register:
    def __init__(self, doc: Document) -> None:
        self.facts: dict[Ref, _Facts] = {}
        # The Change Status Report's stages are its status words; a report of another family that never
        # writes "Report Phase" (the 2017–18 ones say "Modification Report") names that phase but gives no
        # status word for it.
        uses_it = doc.kind == "change-status-report" or re.search(r"\bReport Phase\b", doc.text, re.IGNORECASE)
        self.report_status = _REPORT_STATUS if uses_it else None

    def __call__(self, ref: Ref) -> _Facts:
        if ref not in self.facts:
            self.facts[ref] = _Facts(ref)
        return self.facts[ref]


def read(doc: Document) -> dict[str, list[dict]]:
    paras = paragraphs(doc)
    mods = _Register(doc)
    _report_repairs(doc)
    _read_prose(doc, paras, mods)
    _read_tables(doc, mods)
    _read_lined_tables(doc, mods)
    _read_title_charts(doc, mods)
    _read_status_lines(doc, mods)
    _read_outcomes(doc, mods)
    _read_urls(doc, mods)
    conversions = _conversions(doc, paras)
    converted = {row["draft"] for row in conversions}
    for ref, facts in mods.facts.items():
        if ref.family == "DP" and ref.text not in converted:  # a converted DP is now its MP
            facts.standings.append(Standing(DRAFT, "Define", "Draft Proposal", 0))
    return {"modifications": [f.row(doc) for f in mods.facts.values()], "conversions": conversions}


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


def _rule(text: str, line: int, mods: _Register, skip: int = 0) -> tuple[int, Standing] | None:
    """The first of ``_CONTEXT_RULES`` (from ``skip`` on) that ``text`` meets, and the standing it gives."""
    for index, (pattern, rank, phase, status) in enumerate(_CONTEXT_RULES[skip:], start=skip):
        if pattern.search(text):
            if status == _REPORT_STATUS:
                status = mods.report_status
            return index, Standing(rank, phase, status, line, drafts=index != _ONWARD_RULE)
    return None


def _context_standing(text: str, line: int, mods: _Register) -> Standing | None:
    found = _rule(text, line, mods)
    return found[1] if found else None


# "the document-only changes for SECMP0015 were implemented": the subject is the changes, not SECMP0015.
_COMPLEMENT = re.compile(r"\b(?:for|of|to)\s+$", re.IGNORECASE)
_PAST_RULES = 2  # the first rules ("was implemented", "was withdrawn") are said of a sentence's subject only
_OF_ITS_SUBJECT = re.compile(
    r"^(?:\s*(?:,|and|&)\s*(?:SEC\s?MP|MP|DP)[\w-]+)*\s*(?:['‘\"“][^'’\"”]*['’\"”])?\s*(?:\([^()]*\))?\s*,?\s*"
    r"(?:was|were|has been|have been|had been)\s+(?:\w+ly\s+)?(?:implemented|withdrawn)\b",
    re.IGNORECASE,
)


def _sentence_standing(sentence: str, line: int, mods: _Register) -> tuple[Standing, list[Ref]] | None:
    """Where a sentence puts the modifications it names. "was implemented" and "was withdrawn" are said
    of the modifications they follow ("MP161 'Title' was implemented …"), not of every one named
    ("DP170 would revise what was implemented by MP099")."""
    mentions = references_in(sentence)
    found = _rule(sentence, line, mods) if mentions else None
    if found is None:
        return None
    index, standing = found
    if index < _PAST_RULES:
        subjects = [
            m.ref
            for m in mentions
            if _OF_ITS_SUBJECT.match(sentence[m.end :]) and not _COMPLEMENT.search(sentence[: m.start])
        ]
        if subjects:
            return standing, list(dict.fromkeys(subjects))
        found = _rule(sentence, line, mods, skip=_PAST_RULES)
        if found is None:
            return None
        standing = found[1]
    return standing, [m.ref for m in mentions]


_ON_HOLD = re.compile(r"\b(?:remains?|is|are|was|were|been|placed|put)\s+(?:\w+\s+)?on\s+hold\b", re.IGNORECASE)
# "both modifications", "these two proposals": the modifications just named.
_ANAPHORA = re.compile(
    r"\b(?P<which>both|these|those|the above|each of these)\s+(?:(?P<count>\w+)\s+)?"
    r"(?:modifications|Modification Proposals|proposals|mods)\b",
    re.IGNORECASE,
)
# "SECMP0004 remains with the Authority for determination": the Authority determines it.
_FOR_DETERMINATION = re.compile(r"\bwith\s+the\s+Authority\s+for\s+(?:its\s+)?determination\b", re.IGNORECASE)
_PATH_WORDS = re.compile(r"\bfor Authority Determination\b|\bas an? (?:Path \d )?Self[\s-]?Governance\b", re.IGNORECASE)


def _read_prose(doc: Document, paras: tuple[Para, ...], mods: _Register) -> None:
    named: list[Ref] = []  # what the last paragraph, or the list just read, was about
    heading_ref: Ref | None = None  # a section headed by a reference alone ("SECMP0018") is about it
    in_list = False
    for para in paras:
        if para.table_row or para.text.lower().startswith("http"):
            continue
        if para.heading:
            heading_ref = _heading_ref(para.text)
        item = para.level >= 1
        mentioned = titled_mentions(para.text, starts_item=item or para.heading)
        if not mentioned:
            if not item and not para.heading:
                _unnamed(doc, para, named, heading_ref, mods)
                if heading_ref is not None:
                    _raised(doc, paras, para, [], mods, about=heading_ref)
                named, in_list = [], False
            continue
        lead = lead_of(paras, para.index)
        for titled in mentioned:
            if titled.title:
                mods(titled.mention.ref).title(titled.title, para.number)
        if item:
            # A list item is about the references it starts with ("SECMP0027, SECMP0028 and SECMP0030: …").
            subjects = _leading_refs(para.text, mentioned)
            standing = _context_standing(f"{lead.text if lead else ''} {para.text}", para.number, mods)
            for ref in subjects:
                facts = mods(ref)  # a list item names the modification it is about
                if standing:
                    facts.standings.append(standing)
                if _FOR_DETERMINATION.search(para.text) and "Authority Determination" not in facts.paths:
                    facts.paths.append("Authority Determination")
            # The item's later sentences say what they say of the references they name themselves.
            for sentence in sentences(para.text)[1:]:
                said = _sentence_standing(sentence, para.number, mods)
                for ref in said[1] if said else []:
                    if ref not in subjects:
                        mods(ref).standings.append(said[0])
            named = (named if in_list else []) + subjects
            in_list = True
        else:
            for sentence in sentences(para.text):
                said = _sentence_standing(sentence, para.number, mods)
                for ref in said[1] if said else []:
                    mods(ref).standings.append(said[0])
                    if _FOR_DETERMINATION.search(sentence) and "Authority Determination" not in mods(ref).paths:
                        mods(ref).paths.append("Authority Determination")
                held = _ON_HOLD.search(sentence)
                for mention in references_in(sentence[: held.start()]) if held else []:
                    mods(mention.ref).fields["on_hold"] = True
            if not para.heading:
                named, in_list = [t.mention.ref for t in mentioned], False
        _raised(doc, paras, para, mentioned, mods)


def _heading_ref(text: str) -> Ref | None:
    """The modification a heading is about: one it opens with, alone or with its title ("DP180",
    "DP113 – 'Title'", "MP101: Title")."""
    found = titled_mentions(text, starts_item=True)
    if len(found) != 1 or found[0].mention.start != 0:
        return None
    rest = found[0].rest if found[0].title else text[found[0].mention.end :]
    return found[0].mention.ref if not rest.strip(" –—:-") else None


def _unnamed(doc: Document, para: Para, named: list[Ref], heading_ref: Ref | None, mods: _Register) -> None:
    """A paragraph that names no reference: what it says of "both modifications" is said of those just
    named (when their number agrees), and the path it gives ("… issued the Final Modification Report for
    Authority Determination") is that of the modification its section is headed by."""
    for sentence in sentences(para.text):
        back = _ANAPHORA.search(sentence) if named else None
        standing = _context_standing(sentence, para.number, mods) if back else None
        if back and standing:
            count = 2 if back["which"].lower() == "both" else count_word(back["count"] or "")
            if count is not None and count != len(named):
                doc.warnings.append(
                    f"line {para.number}: '{back.group(0)}' after {len(named)} modifications "
                    f"({', '.join(r.text for r in named)}); which are meant is unclear, so nothing is taken from it"
                )
            else:
                for ref in named:
                    mods(ref).standings.append(standing)
        if heading_ref is not None and _PATH_WORDS.search(sentence):
            path = votes.path_of(sentence)
            if path and path not in mods(heading_ref).paths:
                mods(heading_ref).paths.append(path)


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
    rf"|\s*,?\s+(?:from|of|at|on behalf of)\s+(?:the\s+)?(?P<org2>{_ORG})"
    # A brand written in lower case ("of npower on 26th October 2018"): one word, then the day.
    rf"|\s*,?\s+(?:from|of)\s+(?P<org3>[a-z][\w&.\-]*[a-z])(?=\s+on\s+\d))?"
)
_PASSIVE = re.compile(r"\b(?:was|were|has been|have been)\s+raised\b")
_WHO_RAISED = re.compile(rf"(?P<who>{_NAME})\s+(?:from|of|at)\s+(?:the\s+)?(?P<org>{_ORG})\s+(?:has\s+)?raised\b")
_DAY_FIRST = re.compile(r"^\s*On\s+(?:the\s+)?[^,]{6,30}?\d{4}\b,?")
# "… was withdrawn by its Proposer, Ian Sutcliffe (SSE), on …": who proposed it, named in passing.
_ITS_PROPOSER = re.compile(
    rf"\b(?:its|the)\s+Proposer,\s+(?P<who>{_NAME})\s*(?:\((?P<org1>[^)]+)\)|,?\s+(?:from|of)\s+(?:the\s+)?(?P<org2>{_ORG}))"
)
_NAME_SLIPS = str.maketrans({"0": "o", "1": "l", "5": "s", "|": "l"})


def _proposer_named(doc: Document, sentence: str, line: int, mods: _Register) -> None:
    named = _ITS_PROPOSER.search(sentence)
    refs = [m.ref for m in references_in(sentence[: named.start()])] if named else []
    if not refs:
        return
    facts = mods(refs[-1])
    if "proposer" not in facts.fields:
        facts.fields["proposer"] = _name(doc, named["who"], line, "proposer")
        org = named["org1"] or named["org2"]
        if org:
            facts.fields["organisation"] = _name(doc, org, line, "organisation")


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


def _raised(
    doc: Document,
    paras: tuple[Para, ...],
    para: Para,
    mentioned: list[Titled],
    mods: _Register,
    about: Ref | None = None,
) -> None:
    """ "REF 'Title' was raised by NAME from ORG on DAY" (and the report's other ways of saying it); the
    paragraphs that follow, up to the next heading, are the issue as the report summarises it, else the
    rest of its own paragraph. A sentence naming no reference ("This Draft Proposal was raised …",
    "Raised by …") is about the modification its section is headed by (``about``), the first time only."""
    said = sentences(para.text)
    for sentence in said:
        _proposer_named(doc, sentence, para.number, mods)
    for at, sentence in enumerate(said):
        raised = _RAISED.search(sentence)
        if not raised or not (
            _BY.match(sentence[raised.end() :].lstrip()) or _PASSIVE.search(sentence) or _WHO_RAISED.search(sentence)
        ):
            continue
        refs = [m.ref for m in references_in(sentence)]
        if not refs and about is not None and not any(k in mods(about).fields for k in ("proposer", "raised")):
            refs = [about]
        if not refs:
            continue
        tail = sentence[raised.end() :]
        who = org = None
        by = _BY.search(tail)
        if by:
            who, org = by["who"], by["org1"] or by["org2"] or by["org3"]
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
        opening = _DAY_FIRST.match(sentence)
        if not days and opening:
            days = find_days(opening.group(0))  # "On 21 September 2022 Kieran Doyle from the DCC raised DP207"
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
        summary = summary or said[at + 1 :]
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
    lead = ""  # the sentence introducing the table ("The following Refinement Consultation is open:")
    approved_for = False  # "Modifications are approved for the release shown unless marked (targeted)."
    for line in table_lines(doc):
        if " | " not in line.text:
            # A short line just above a table is its caption ("Open assessments").
            short = len(line.text.split()) <= 6 and not re.search(r"[.:;]$", line.text)
            columns, caption = None, line.text if short else ""
            lead = line.text if line.text.endswith(":") else ""
            approved_for = bool(_APPROVED_FOR_RELEASE.search(line.text))
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
        for other in mentioned[1:]:
            mods(other.mention.ref)  # "MP165, MP177, MP159 (targeted)": each is a modification the report names
        if "title" in columns and len(cells) > columns["title"]:
            title = cells[columns["title"]].strip()
            facts.title(title if looks_like_title(title) else None, line.number)
        if "status" in columns and len(cells) > columns["status"] and cells[columns["status"]].strip():
            status = re.sub(r"[\d¹²³⁴⁵⁶⁷⁸⁹⁰]+$", "", cells[columns["status"]].strip())
            bare = _ASIDE_END.sub("", status)  # "Targeted (subject to Authority decision)"
            if not _SCOPE_WORD.fullmatch(f" {bare}"):  # "Targeted": where a release stands, not the modification
                facts.standings.append(Standing(STATUS_COLUMN, canonical_phase(status), status, line.number))
        if "issue_summary" in columns and len(cells) > columns["issue_summary"]:
            facts.fields.setdefault("issue_summary", cells[columns["issue_summary"]].strip())
        if re.search(r"\bopen\b", caption, re.IGNORECASE) and re.search(r"assess", caption, re.IGNORECASE):
            facts.standings.append(Standing(REFINE, "Refine", "Refinement", line.number))
        if _WITH_AUTHORITY.search(caption):  # "Modifications with the Authority"
            facts.standings.append(Standing(AWAITING, "Decision", "Awaiting Authority Decision", line.number))
        if approved_for:
            # Every modification in the cell that is not marked as only targeted: "MP165, MP159 (targeted)".
            for mention in references_in(cell):
                if not _TARGETED_MARK.match(cell[mention.end :]):
                    mods(mention.ref).standings.append(Standing(RELEASE, "Implementation", "Approved", line.number))
        standing = _context_standing(lead, line.number, mods) if lead else None
        if standing:
            facts.standings.append(standing)


_ASIDE_END = re.compile(r"\s*\([^()]*\)$")
_WITH_AUTHORITY = re.compile(r"\bwith the Authority\b|\bAwaiting Authority Decision\b", re.IGNORECASE)
_APPROVED_FOR_RELEASE = re.compile(r"\bapproved for (?:the|their|its) (?:SEC )?releases?\b", re.IGNORECASE)
_TARGETED_MARK = re.compile(r"^\s*\*?\(?\s*targeted\b", re.IGNORECASE)
_STATUS_END = re.compile(r"(?:^|\s)(?P<status>[A-Za-z]+(?:\s+[A-Za-z]+){0,2}?)[\d¹²³⁴⁵⁶⁷⁸⁹⁰]?$")


def _trailing_status(text: str) -> tuple[str, str | None]:
    """A row's text and the status word(s) it ends with, where the register knows them ("Approved²",
    "Awaiting Authority Decision"); a scope word such as "Targeted" is left on the text's end."""
    words = text.split()
    for n in (3, 2, 1):
        if len(words) <= n:
            continue
        tail = re.sub(r"[\d¹²³⁴⁵⁶⁷⁸⁹⁰]$", "", " ".join(words[-n:]))
        if canonical_phase(tail):
            return " ".join(words[:-n]), tail
    return text, None


_SCOPE_WORD = re.compile(r"\s+(?:Targeted|TBC|TBD|Proposed|Candidate)[\d¹²³⁴⁵⁶⁷⁸⁹⁰]?$", re.IGNORECASE)


def _left_overflow(columns: tuple[str, ...]) -> re.Pattern[str] | None:
    """What the cells left of the reference (a release's name, its date) may wrap onto a row's next
    lines: "Release", "2022", "February 2022"."""
    parts = []
    if any("release" in c for c in columns):
        parts.append(r"(?:SEC\s+)?Release\b\s*")
    if any("date" in c for c in columns):
        parts.append(rf"(?:\d{{1,2}}\s+)?(?:(?:{MONTH_NAMES})\s+)?\d{{4}}\b\s*")
    return re.compile("^" + "".join(f"(?:{p})?" for p in parts), re.IGNORECASE) if parts else None


_PHASE_CAPTION = re.compile(
    r"\b(?:modifications|proposals)\s+(?:\w+\s+){0,2}in\s+the\s+(?P<phase>Report Phase|Refinement Process)\b",
    re.IGNORECASE,
)
# A cell of a column after a title: a path, a date, a week, a duration.
_LATER_CELL = re.compile(
    r"^(?:Path\s+\d|w/c\b|\d{1,2}(?:st|nd|rd|th)?[-\s/](?:[A-Z][a-z]{2}|\d{1,2})[-\s/]\d{2,4}\b|\d+\s*WD\b|TBC\b)",
    re.IGNORECASE,
)


def _read_lined_tables(doc: Document, mods: _Register) -> None:
    """Tables a PDF's text printed as lines (``prose.lined_tables``): after the reference, the title
    (its wrapped lines joined, less what the cells to the left wrapped onto them) and a status the
    register knows at the row's end; an open-assessments table puts its modifications in Refine."""
    index = {line.number: i for i, line in enumerate(doc.lines)}
    for table in lined_tables(doc):
        at = index[table.header.number]
        caption = doc.lines[at - 1].text if at else ""
        open_assessments = bool(re.search(r"\bopen\b", caption, re.I) and re.search(r"assess", caption, re.I))
        # "The table below sets out the modifications currently in the Report Phase."
        in_phase = _PHASE_CAPTION.search(caption)
        where = next(i for i, c in enumerate(table.columns) if re.match(r"(?:draft\s+)?(?:mod|proposal|ref)", c))
        overflow = _left_overflow(table.columns[:where])
        titled = "title" in table.columns[where + 1 :]
        status_column = any(c in ("status", "stage", "phase") for c in table.columns[where + 1 :])
        for row in table.rows:
            mention = references_in(row.line.text)[0]
            facts = mods(mention.ref)
            rest = row.line.text[mention.end :].strip()
            if status_column:
                rest, status = _trailing_status(rest)
                if status:
                    facts.standings.append(Standing(STATUS_COLUMN, canonical_phase(status), status, row.line.number))
                rest = _SCOPE_WORD.sub("", rest)
            more = [line.text for line in row.more]
            if titled:
                if overflow is not None and mention.start > 0:
                    more = [overflow.sub("", text, count=1) for text in more]
                # The title's lines end where a later column's cell starts ("Path 3 – …", a date).
                cut = next((n for n, text in enumerate(more) if _LATER_CELL.match(text)), len(more))
                title = clean_title(" ".join([rest, *more[:cut]]))
                facts.title(title if looks_like_title(title) else None, row.line.number)
            if "path" in table.columns:
                path = votes.path_of(re.sub(r"(?<=\w)-\s+(?=[A-Z])", "-", " ".join([rest, *more])))
                if path and path not in facts.paths:
                    facts.paths.append(path)
            if in_phase:
                phase = canonical_phase(in_phase["phase"])
                status = mods.report_status if phase == "Report Phase" else "Refinement"
                facts.standings.append(Standing(REPORT, phase, status, row.line.number))
            if open_assessments:
                facts.standings.append(Standing(REFINE, "Refine", "Refinement", row.line.number))


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
    lined = {table.header.number for table in lined_tables(doc)}  # read by ``_read_lined_tables``

    def flush() -> None:
        if current and words:
            title = re.sub(r"\s+", " ", " ".join(words)).strip()
            if looks_like_title(title):
                mods(current[0]).title(title, current[1])

    for line in doc.lines:
        text = line.text
        if " | " in text:
            continue
        if _CHART_HEADER.search(text) or line.number in lined:
            flush()
            inside, current, words = line.number not in lined, None, []
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
        # Only the path the report names: that the Authority decided a modification does not make it
        # an Authority Determination one (the Authority also hears appeals of Self-Governance votes).
        path = found.path
        if path and path not in facts.paths:
            facts.paths.append(path)


_MOD_URL = re.compile(r"https?://\S+/(?P<ref>(?:SECMP|MP|DP)-?\d{1,5}[A-Z]?)/?$", re.IGNORECASE)


def _read_urls(doc: Document, mods: _Register) -> None:
    """A modification's own page, where the report lists its address."""
    for line in doc.lines:
        match = _MOD_URL.match(line.text)
        if match:
            ref = parse_reference(match["ref"])
            if isinstance(ref, Ref) and ref in mods.facts:
                mods.facts[ref].fields.setdefault("url", line.text)


# "converted", not "will be converted"; a body's decision to convert ("the CSC agreed to convert DP201").
_CONVERTED = re.compile(
    r"(?<!\bbe )\bconverted\b|\b(?:agreed|decided|voted|resolved)\s+(?:unanimously\s+)?to\s+convert\b", re.IGNORECASE
)
_NEXT_PHASE = re.compile(
    r"\b(?:to|into|through)\s+the\s+(?P<phase>Refinement Process|Refinement|Report Phase)\b", re.IGNORECASE
)
# A list's lead that dates the meeting whose decisions the items are ("The CSC met on 27 September 2022.").
_MEETING_LEAD = re.compile(r"\b(?:met|meeting)\b", re.IGNORECASE)


def _conversion(draft: Ref, refs: list[Ref], text: str, day, context: str, around: str = "") -> dict:
    proposal = next((r for r in refs if r.family == "MP" and r.number == draft.number), None)
    proposal = proposal or Ref("MP", draft.number, draft.suffix)
    row: dict = {"draft": draft.text, "proposal": proposal.text}
    if day is not None:
        row["date"] = day
    nxt = _NEXT_PHASE.search(text) or _NEXT_PHASE.search(around) or _NEXT_PHASE.search(context)
    if nxt:
        row["next_phase"] = canonical_phase(nxt["phase"])
    return row


def _conversions(doc: Document, paras: tuple[Para, ...]) -> list[dict]:
    """The Panel converting Draft Proposals: "DP162 was converted into MP162 (and sent to the Refinement
    Process) on <day>", "At its meeting on <day>, the Panel converted DP165 into MP165", or a sentence
    saying so introducing a list of them. The day is the sentence's, else its paragraph's or its
    list's lead's (the Panel meeting that converted them)."""
    rows: dict[str, dict] = {}
    for para in paras:
        lead = lead_of(paras, para.index)
        lead_day = None
        meeting_day = None
        if lead is not None and (_CONVERTED.search(lead.text) or _MEETING_LEAD.search(lead.text)):
            lead_days = find_days(lead.text)
            if _CONVERTED.search(lead.text):
                lead_day = lead_days[0].day if lead_days else None
            elif lead_days:
                meeting_day = lead_days[0].day  # dates a conversion an item states, makes none itself
        para_day = None
        for sentence in sentences(para.text):
            days = find_days(sentence)
            if days and para_day is None:
                para_day = days[0].day
            converted = _CONVERTED.search(sentence) or (lead_day is not None and para.level >= 1)
            if not converted:
                continue
            refs = [m.ref for m in references_in(sentence)]
            drafts = [r for r in refs if r.family == "DP"]
            if para.level >= 1 and lead is not None and not _CONVERTED.search(sentence):
                drafts = drafts[:1]  # an item under "the Panel converted the following …:" names its DP first
            day = days[0].day if days else para_day or lead_day or meeting_day
            context = lead.text if lead is not None and lead_day is not None else ""
            for draft in drafts:
                if draft.text not in rows:
                    rows[draft.text] = _conversion(draft, refs, sentence, day, context, para.text)
                    if day is None:
                        doc.warnings.append(
                            f"line {para.number}: {draft} was converted, but the day of the Panel meeting that "
                            "converted it is not given"
                        )
    return list(rows.values())
