"""Meetings a report dates: Working Group meetings (last and next, the modifications on their agenda,
the day the provisional agenda is announced), and the Panel, Change Board and Change Sub-Committee
meetings it names with a day.

Found by general sentence shapes, not by any report's wording: a meeting body named next to a day by
a meeting verb ("the next Working Group meeting will be held on <day>", "On <day>, the Change
Sub-Committee determined …", "At its meeting on <day>, the Panel converted …", "The Change Board at its
<day> meeting voted …", "presented to the SEC Panel on <day>", "presented to the Change Board for decision
on <day>", "The Panel considered <…> at its meeting on <day>"); a sentence about "this meeting" under a
Working Group heading; a Panel paper reference (``SECP_nn_DDMM_ii``: Panel nn, on day DD of month MM).
Agenda items are the references in the sentence, the list it introduces, or the list item it sits in;
a proposal's new number ("converted DP165 into MP165") is not a second item.

Sentences that carry on from one before without a day of their own: a body deciding more ("The
Change Sub-Committee also agreed that DP163 …") at the meeting of that body the section last dated; an
agenda sentence ("The provisional agenda for this session will be announced on <day>") for the meeting
just dated; a meeting sentence that points back ("The responses will be presented to the Working Group on
<day>") with the references of the sentence before; items "presented to the Panel this month" named in the
sentence or, for "both modifications", listed just above it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from secbot.ingest.days import find_days, find_months
from secbot.ingest.document import Document
from secbot.ingest.mentions import references_in, titled_mentions
from secbot.ingest.prose import Para, announced_count, heading_of, items_after, lined_tables, paragraphs, sentences
from secbot.references import Ref


def find_references(text: str) -> list[Ref]:
    """Every reference in ``text``, in order, without repeats; OCR damage repaired ("DPl76")."""
    return list(dict.fromkeys(m.ref for m in references_in(text)))


_KINDS = (
    ("change_sub_committee", r"Change\s+Sub[\s-]*Committee|\bCSC\b"),
    ("change_board", r"Change\s+Board|\bCB\b"),
    ("working_group", r"Working\s+Groups?|Workgroups?|\bWGs?\b"),
    ("panel", r"(?<!DCUSA )(?<!BSC )(?<!CUSC )(?<!UNC )(?<!REC )(?<!MRA )(?<!SPAA )\b(?:SEC\s+)?Panel\b"),
)
_KIND = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _KINDS))
# What may stand between a meeting body and the day it meets (both orders).
_AFTER_KIND = re.compile(
    r"^[^.;:]{0,70}?(?:\bheld|\bscheduled|took\s+place|take\s+place|\bmet\b|\bmeets?\b|\bvoted|\bdetermined|"
    r"\bdecided|\bagreed|\bconsidered|\bat\s+its|\bmeeting|\bsession)[^.;:]{0,40}?(?:\bon|\bfor|\bits)\s+(?:the\s+)?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri)day,?\s+)?$"
    r"|^\s*(?:meeting\s+)?(?:(?:is|was|will\s+be)\s+)?(?:again\s+)?on\s+(?:the\s+)?(?:(?:Mon|Tues|Wednes|Thurs|Fri)day,?\s+)?$"
    r"|^\s*for\s+(?:a\s+|its\s+)?(?:decision|vote|approval|determination|consideration|discussion|review)\s+"
    r"(?:at\s+its\s+meeting\s+)?on\s+(?:the\s+)?$"
    r"|^\s*at\s+(?:its|the)\s+$",
    re.IGNORECASE,
)
# "The Panel considered <a long object> at its meeting on <day>": the body's own meeting, however far on.
_AT_ITS_MEETING = re.compile(
    r"^[^.;:]{0,200}?\bat\s+(?:its|their)\s+(?:\w+\s+)?meeting\s+(?:held\s+)?on\s+(?:the\s+)?$", re.IGNORECASE
)
_BEFORE_KIND = re.compile(r"^\s*(?:meeting\b)?[\s,]*(?:the\s+)?$", re.IGNORECASE)
# What may open a sentence before the day it gives a body's meeting: "On <day>, the Panel", "At its meeting
# on <day>, the Panel", "At its <day> meeting, the Panel".
_DAY_FIRST = re.compile(
    r"^\s*(?:(?:At\s+(?:its|their|the)\s+(?:\w+\s+)?meeting\s+(?:held\s+)?)?On|At\s+(?:its|their|the))\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# A sentence whose subject is a meeting body deciding, with no day of its own ("The Change Sub-Committee also
# agreed that DP185 …"): said at the meeting of that body the same section last dated.
_BODY_SUBJECT = re.compile(
    r"^\s*(?:At\s+(?:the\s+same|that|this)\s+meeting,?\s+)?(?:[Tt]he\s+)?(?P<body>[A-Z][\w\s-]{1,40}?)\s+"
    r"(?:\([A-Z]{2,4}\)\s+)?(?:also\s+)?"
    r"(?:agreed|determined|decided|considered|approved|rejected|noted|deferred|recommended|concluded|felt|asked|converted)\b"
)
# A sentence that points back at what the one before it named ("The responses will be presented …").
_POINTS_BACK = re.compile(
    r"^\s*(?:The\s+(?:responses|results|findings|outcome|consultation\s+responses|modification|proposal|"
    r"report|assessment)|It|They|This|These|Its|Their)\b",
    re.IGNORECASE,
)
# "both modifications", "these two proposals": the list just above.
_THOSE_LISTED = re.compile(
    r"\b(?:both|these|those|the\s+(?:two|three|four|five|above)|all\s+(?:\w+\s+)?of\s+these)\s+(?:\w+\s+)?"
    r"(?:modifications|proposals|Modification\s+Proposals|Draft\s+Proposals)\b",
    re.IGNORECASE,
)
# A reference a sentence names as what another became ("converted DP165 into MP165"): not a second item.
_BECAME = re.compile(r"\b(?:into|as)\s+(?:an?\s+)?(?:(?:new\s+)?Modification\s+Proposal\s+)?\[?$", re.IGNORECASE)
_NOT_A_MEETING_VERB = re.compile(r"\b(?:issued|published|sent|raised|received|implemented|submitted)\b", re.IGNORECASE)
_OTHER_EVENT = re.compile(r"\b(?:seminar|workshop|webinar|event|conference|forum)\b", re.IGNORECASE)
_AGENDA = re.compile(
    r"agenda\b[^.]{0,80}?\b(?:announced|published|issued|circulated|released)\s+on\s+(?:the\s+)?(?P<rest>.{6,30})"
    # "We will announce the provisional agenda on <day>"
    r"|\b(?:announce|publish|issue|circulate|release)s?\s+(?:the\s+|its\s+)?(?:provisional\s+|draft\s+)?agenda\s+"
    r"on\s+(?:the\s+)?(?P<rest2>.{6,30})",
    re.IGNORECASE,
)
# An agenda sentence of its own, about the meeting the sentence before dated ("… for this session will be …").
_THIS_MEETING = re.compile(
    r"\b(?:this|that|the)\s+(?:session|meeting)\b|\bits\s+agenda\b|^\s*(?:The|Its)\s+(?:\w+\s+)?agenda\b"
    r"|\bthe\s+(?:provisional|draft)\s+agenda\b",
    re.IGNORECASE,
)
_HELD_NO_BODY = re.compile(r"\bmeeting\b[^.]{0,60}?\b(?:will\s+be|was|is\s+to\s+be)\s+held\s+on\b", re.IGNORECASE)
_ORDINAL = re.compile(r"\bthe\s+(first|second|third|fourth|fifth|sixth|final|last)\s+meeting\b", re.IGNORECASE)
_PAPER = re.compile(r"\bSECP_(?P<number>\d{1,3})_(?P<dd>\d{2})(?P<mm>\d{2})_\d{1,3}\b")
_PANEL_ASKED = re.compile(r"\bPanel\s+(?:is|are)\s+(?:invited|requested|asked)\s+to\b", re.IGNORECASE)
_PANEL_THIS_MONTH = re.compile(r"\bto\s+the\s+(?:SEC\s+)?Panel\b[^.]*\bthis\s+month\b", re.IGNORECASE)
_TO_PANEL = re.compile(r"\bto\s+the\s+(?:SEC\s+)?Panel\b", re.IGNORECASE)
_PANEL_IN_MONTH = re.compile(r"\bPanel\s+at\s+(?:the|its)\s+(?P<month>[A-Za-z]+\s+\d{4})\s+meeting\b", re.IGNORECASE)
_TITLE_AFTER_REF = re.compile(r"^\s*(?:‘[^’]*’|'[^']*'|“[^”]*”|\"[^\"]*\")?\s*(?:[:–\-]\s*[^–]*?\s+[–-]\s+)?")
_FOOTNOTE_MARKS = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]")
_TITLES = {
    "panel": "SEC Panel",
    "change_board": "Change Board",
    "change_sub_committee": "Change Sub-Committee",
    "working_group": "Working Group meeting",
}


@dataclass
class _Meeting:
    kind: str
    date: dt.date
    line: int
    title: str | None = None
    agenda_published: dt.date | None = None
    items: list[dict] = field(default_factory=list)

    def add(self, reference: str, note: str | None) -> None:
        for item in self.items:
            if item["reference"] == reference:
                if note and "note" not in item:
                    item["note"] = note
                return
        self.items.append({"reference": reference} | ({"note": note} if note else {}))


@dataclass
class _Context:
    """What the sentences read so far leave for the next: the meeting each body was last dated at in this
    section (since the last heading), the meeting the paragraph before or this one dated last, and the
    references of the sentence before in this paragraph."""

    by_kind: dict[str, _Meeting] = field(default_factory=dict)
    last: _Meeting | None = None
    last_para: int = -10
    previous_refs: list[str] = field(default_factory=list)


def read(doc: Document) -> dict[str, list[dict]]:
    found: dict[tuple[str, dt.date], _Meeting] = {}
    pending: list[tuple[int, tuple[int, int] | None, list[tuple[str, str | None]]]] = []
    paras = paragraphs(doc)
    context = _Context()
    for index, para in enumerate(paras):
        if para.heading:
            context.by_kind.clear()
        if para.table_row or para.text.lower().startswith("http"):
            continue
        context.previous_refs = []
        for sentence in sentences(para.text):
            _sentence(doc, paras, index, sentence, found, pending, context)
            context.previous_refs = [r.text for r in find_references(sentence)]
    _paper_meetings(doc, paras, found)
    _table_meetings(doc, found)
    _attach_pending(doc, found, pending)
    own = _own_panel_day(doc)
    # The Panel the report itself goes to is a meeting of record only when the report puts something before
    # it; a report presented "for information" alone dates no business of that meeting.
    kept = [m for m in found.values() if not (m.kind == "panel" and m.date == own and not m.items)]
    return {"meetings": [_row(m) for m in kept]}


def _table_meetings(doc: Document, found: dict) -> None:
    """The meetings a table printed as lines dates in its last column ("Change Board": "28-Nov-18"): each
    row's modification on that body's agenda that day."""
    for table in lined_tables(doc):
        kind = _KIND.search(table.columns[-1].title()) if table.columns else None
        if kind is None:
            continue
        for row in table.rows:
            last = (row.more or (row.line,))[-1].text
            days = find_days(re.sub(r"(?<=\d)-(?=[A-Za-z])|(?<=[A-Za-z])-(?=\d)", " ", last))
            refs = find_references(row.line.text)
            if len(days) != 1 or not refs:
                continue
            meeting = _meeting(found, kind.lastgroup, days[0].day, row.line.number)
            meeting.title = meeting.title or _TITLES[kind.lastgroup]
            meeting.add(refs[0].text, f"{_TITLES[kind.lastgroup]} date in the table.")


def _own_panel_day(doc: Document) -> dt.date | None:
    """The day of the Panel meeting the report's own paper reference names."""
    if doc.paper_reference and (paper := _PAPER.fullmatch(doc.paper_reference)) and doc.issued:
        return _paper_day(paper, near=doc.issued)
    return None


def _meeting(found: dict, kind: str, day: dt.date, line: int) -> _Meeting:
    key = (kind, day)
    if key not in found:
        found[key] = _Meeting(kind, day, line)
    return found[key]


def _dated_kinds(sentence: str) -> list[tuple[str, dt.date, int]]:
    """(kind, day, end of the day in the sentence) for each meeting body the sentence dates."""
    days = find_days(sentence)
    out = []
    for match in _KIND.finditer(sentence):
        kind = match.lastgroup
        if re.match(r"['’]s\b", sentence[match.end() :]):
            continue  # "the Panel's view … at its meeting": the body owns something, it is not the one meeting
        for day in days:
            start, end = day.span
            if start >= match.end():
                between = sentence[match.end() : start]
                ok = _AFTER_KIND.search(between) and not _NOT_A_MEETING_VERB.search(between)
                ok = ok or (_AT_ITS_MEETING.search(between) and not _KIND.search(between))
            else:
                ok = end <= match.start() and _BEFORE_KIND.match(sentence[end : match.start()])
                ok = ok and _DAY_FIRST.match(sentence[:start])
            if ok:
                out.append((kind, day.day, end))
                break
    return out


# Where a sentence goes on to another dated event: "…, and on <day> the Authority approved …".
_NEXT_DATED_CLAUSE = re.compile(
    r"(?:[,;]\s*(?:(?:and|while|whereas|but|then)\s+)?|\s+(?:and|while|whereas)\s+)on\s+(?:the\s+)?$"
)


def _own_clause(sentence: str, end: int) -> str:
    """``sentence`` up to where, after the meeting's day (ending at ``end``), it goes on to another day's
    event, whose references are not that meeting's business."""
    for day in find_days(sentence):
        if day.span[0] >= end and (clause := _NEXT_DATED_CLAUSE.search(sentence[: day.span[0]])):
            return sentence[: clause.start()]
    return sentence


def _sentence(
    doc: Document, paras: tuple[Para, ...], index: int, sentence: str, found: dict, pending: list, context: _Context
) -> None:
    para = paras[index]
    if _OTHER_EVENT.search(sentence):
        return
    dated = _dated_kinds(sentence)
    if not dated and _HELD_NO_BODY.search(sentence):
        heading = heading_of(paras, index, within=40)
        body = _KIND.search(heading.text) if heading else None
        days = find_days(sentence[_HELD_NO_BODY.search(sentence).end() :])
        if body and days:
            dated = [(body.lastgroup, days[0].day, days[0].span[1])]
    for kind, day, end in dated:
        meeting = _meeting(found, kind, day, para.number)
        meeting.title = meeting.title or _title(kind, sentence, _own_references(paras, index, sentence))
        agenda = _AGENDA.search(sentence)
        if agenda and (agenda_days := find_days(agenda["rest"] or agenda["rest2"])):
            meeting.agenda_published = agenda_days[0].day
        items = _items(paras, index, _own_clause(sentence, end))
        if not items and context.previous_refs and _POINTS_BACK.match(sentence):
            items = [(ref, _clean_note(sentence)) for ref in context.previous_refs]
        for reference, note in items:
            meeting.add(reference, note)
        context.by_kind[kind] = meeting
        context.last, context.last_para = meeting, index
    if dated:
        return
    if _undated_follow_on(paras, sentence, para, index, context):
        return
    if _PANEL_THIS_MONTH.search(sentence) or (_TO_PANEL.search(sentence) and _section_this_month(paras, index)):
        note = heading.text if (heading := heading_of(paras, index, within=2)) else None
        if _introduces_list(paras, index, sentence):
            items = [(ref, note) for ref, _ in _list_items(paras, index, sentence)]
        else:
            refs = [r.text for r in find_references(sentence)] or _listed_above(paras, index, sentence)
            items = [(ref, _clean_note(sentence)) for ref in refs]
        if items:
            pending.append((para.number, None, items))
    elif month := _PANEL_IN_MONTH.search(sentence):
        months = find_months(month["month"])
        refs = [r.text for r in find_references(sentence)]
        if months and refs:
            pending.append((para.number, months[0], [(r, _clean_note(sentence)) for r in refs]))


def _section_this_month(paras: tuple[Para, ...], index: int) -> bool:
    """Whether the heading a sentence sits under says it is about this month ("For the Panel this month")."""
    heading = heading_of(paras, index, within=8)
    return bool(heading and re.search(r"\bthis\s+month\b", heading.text, re.IGNORECASE))


def _undated_follow_on(paras: tuple[Para, ...], sentence: str, para: Para, index: int, context: _Context) -> bool:
    """A sentence with no day that carries on about a meeting dated just before: an agenda sentence of its
    own ("The provisional agenda for this session will be announced on <day>") for the meeting the same or
    the paragraph before dated; a meeting body deciding ("The Change Sub-Committee also agreed that DP163 …")
    at that body's meeting last dated in the same section."""
    agenda = _AGENDA.search(sentence)
    if agenda and _THIS_MEETING.search(sentence) and context.last and index - context.last_para <= 1:
        days = find_days(agenda["rest"] or agenda["rest2"])
        if days and not _KIND.search(sentence[: agenda.start()]):
            context.last.agenda_published = context.last.agenda_published or days[0].day
            # What the sentence expects on that agenda ("… we expect it to include MP097 and MP108").
            for ref in find_references(sentence):
                context.last.add(ref.text, "Expected on the provisional agenda")
            return True
    subject = _BODY_SUBJECT.match(sentence)
    body = _KIND.fullmatch(subject["body"].strip()) if subject else None
    if body is None or find_days(sentence):
        return False
    meeting = context.by_kind.get(body.lastgroup)
    # A month later than the meeting's is what the body looks ahead to ("… bring it back in November"); any
    # other may date a different meeting.
    if meeting is None or any(month <= (meeting.date.year, meeting.date.month) for month in find_months(sentence)):
        return False
    refs = [r.text for r in find_references(sentence) if r.text not in _became(sentence)]
    if not refs and _introduces_list(paras, index, sentence):
        # "The Change Sub-Committee also agreed that the following Draft Proposal was …:" and its list.
        listed = _list_items(paras, index, sentence)
        for ref, note in listed:
            meeting.add(ref, note)
        return bool(listed)
    if meeting is None or not refs:
        return False
    for ref in refs:
        meeting.add(ref, _clean_note(sentence[subject.end("body") :].strip()))
    return True


def _became(sentence: str) -> set[str]:
    """References a sentence names as what a converted proposal became ("converted DP165 into MP165")."""
    if not re.search(r"\bconver(?:t|ted|ts|sion)\b", sentence, re.IGNORECASE):
        return set()
    return {m.ref.text for m in references_in(sentence) if _BECAME.search(sentence[: m.start])}


def _listed_above(paras: tuple[Para, ...], index: int, sentence: str) -> list[str]:
    """For a sentence about "both modifications" or "these proposals", the references of the list just
    above it."""
    if not _THOSE_LISTED.search(sentence):
        return []
    items: list[str] = []
    for para in reversed(paras[:index]):
        if para.level < 1:
            break
        refs = find_references(para.text)
        if refs and para.level == 1:
            items.insert(0, refs[0].text)
    return items


def _own_references(paras: tuple[Para, ...], index: int, sentence: str) -> list[str]:
    became = _became(sentence)
    refs = [r.text for r in find_references(sentence) if r.text not in became]
    if refs:
        return refs
    if paras[index].level == 2:
        parent = next((b for b in reversed(paras[:index]) if b.level == 1), None)
        if parent:
            return [r.text for r in find_references(parent.text)]
    return []


def _title(kind: str, sentence: str, refs: list[str]) -> str:
    if kind != "working_group":
        return _TITLES[kind]
    if re.search(r"\bjoint\b", sentence, re.IGNORECASE) and refs:
        return f"Joint Working Group meeting for {_listed(refs)}"
    if ordinal := _ORDINAL.search(sentence):
        return f"{_listed(refs)} Working Group ({ordinal[1].lower()} meeting)" if refs else _TITLES[kind]
    if re.search(r"\bmonthly\b", sentence, re.IGNORECASE):
        return "Monthly Working Group meeting"
    return _TITLES[kind]


def _listed(refs: list[str]) -> str:
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} and {refs[-1]}"


def _introduces_list(paras: tuple[Para, ...], index: int, sentence: str) -> bool:
    following = paras[index + 1] if index + 1 < len(paras) else None
    if following is None:
        return False
    if following.table_row:  # "… reached the following decisions:" and a table of them
        return sentence.rstrip().endswith(":") and bool(_table_after(paras, index))
    if not (following.level >= 1 or following.label):
        return False
    if paras[index].level >= 1 and following.level <= paras[index].level and not sentence.rstrip().endswith(":"):
        return False  # a list item's sentence ("… for these two modifications …") is no lead of its next sibling
    return sentence.rstrip().endswith(":") or "following" in sentence.lower() or announced_count(sentence) is not None


def _table_after(paras: tuple[Para, ...], index: int) -> list[tuple[str, str | None]]:
    """The rows of the table right after paragraph ``index``: each row's first reference, with what its
    other cells say as the note."""
    out: list[tuple[str, str | None]] = []
    for para in paras[index + 1 :]:
        if not para.table_row and para.text[:1].islower() and not para.level:
            continue  # the end of a cell a PDF's page wrapped onto a line of its own
        if not para.table_row:
            break
        refs = find_references(para.text)
        if refs and refs[0].text not in {ref for ref, _ in out}:
            others = [c for c in para.cells[1:] if c and not find_references(c)] if " | " in para.text else []
            out.append((refs[0].text, _clean_note("; ".join(others)) or None))
    return out


def _list_items(paras: tuple[Para, ...], index: int, sentence: str) -> list[tuple[str, str | None]]:
    following = paras[index + 1] if index + 1 < len(paras) else None
    if following is not None and following.table_row:
        return _table_after(paras, index)
    out = []
    for item in items_after(paras, index, announced_count(sentence)):
        refs = find_references(item.text)
        if refs:
            became = _titled_successor(item.text)
            if became:
                out.append((became, _clean_note(item.text)))
            else:
                out.append((refs[0].text, _item_note(item.text, refs[0].text)))
    return out


def _titled_successor(text: str) -> str | None:
    """The proposal a list item names, with its title, as what its untitled first reference became ("DP201
    was converted into MP201 'Title' …"): the item is about the proposal it titles."""
    mentions = titled_mentions(text, starts_item=True)
    if not mentions or mentions[0].title is not None:
        return None
    became = _became(text)
    return next((t.mention.ref.text for t in mentions[1:] if t.title and t.mention.ref.text in became), None)


def _items(paras: tuple[Para, ...], index: int, sentence: str) -> list[tuple[str, str | None]]:
    """The agenda a dated sentence gives: the list it introduces, else the references in it (or in
    the list item it is a sub-item of), with notes from the sub-items that follow."""
    if _introduces_list(paras, index, sentence):
        return _list_items(paras, index, sentence)
    para = paras[index]
    # "The Working Group met on <day>. The agenda covered:" – the list the paragraph's last sentence
    # introduces, when that sentence names no other meeting and no day.
    last = sentences(para.text)[-1]
    if (
        last != sentence
        and last.rstrip().endswith(":")
        and {m.lastgroup for m in _KIND.finditer(last)} <= {m.lastgroup for m in _KIND.finditer(sentence)}
        and not find_days(last)
        and not find_months(last)
        and not find_references(last)
        and _introduces_list(paras, index, last)
    ):
        return _list_items(paras, index, last)
    refs = _own_references(paras, index, sentence)
    notes: dict[str, str] = {}
    if para.level == 1:
        for sub in paras[index + 1 :]:
            if sub.level != 2:
                break
            sub_refs = find_references(sub.text)
            if sub_refs and sub_refs[0].text in refs:
                notes[sub_refs[0].text] = _item_note(sub.text, sub_refs[0].text)
    elif para.level == 2 and len(refs) == 1:
        rest = para.text[para.text.find(sentence) + len(sentence) :].strip()
        ordinal = _ORDINAL.search(sentence)
        lead = f"{ordinal[1].capitalize()} meeting. " if ordinal else ""
        notes[refs[0]] = _clean_note(lead + rest) or None
    elif len(refs) == 1 and refs[0] in sentence:
        notes[refs[0]] = _clean_note(re.sub(r"^\s*On\s+(?:the\s+)?[^,]{6,30},\s*", "", sentence))
    return [(ref, notes.get(ref)) for ref in refs]


def _item_note(text: str, reference: str) -> str | None:
    """What a list item says after its reference and title: "– The WG will consider …", "was approved …"."""
    at = re.search(re.escape(reference), text)
    rest = text[at.end() :] if at else text
    rest = _TITLE_AFTER_REF.sub("", rest, count=1) if not re.match(r"\s*[–-]\s", rest) else rest
    return _clean_note(rest.lstrip(" –-:;")) or None


def _clean_note(text: str) -> str:
    text = _FOOTNOTE_MARKS.sub("", text).strip().rstrip(";").strip()
    text = re.sub(r"\s+and$", "", text)
    return text[:1].upper() + text[1:] if text else ""


def _paper_meetings(doc: Document, paras: tuple[Para, ...], found: dict) -> None:
    """Panel meetings named by Panel paper references: the report's own (the Panel it goes to, with the
    modifications the Panel is asked to decide on), and any cited in a sentence with its month."""
    if doc.paper_reference and (paper := _PAPER.fullmatch(doc.paper_reference)) and doc.issued:
        day = _paper_day(paper, near=doc.issued)
        if day:
            line = doc.lines[0].number
            meeting = _meeting(found, "panel", day, line)
            meeting.title = meeting.title or f"SEC Panel – {day:%B %Y} (date taken from the paper reference)"
            for index, para in enumerate(paras):
                if _PANEL_ASKED.search(para.text) and _introduces_list(paras, index, para.text):
                    for item in items_after(paras, index):
                        for ref in find_references(item.text):
                            meeting.add(ref.text, _clean_note(item.text))
    for para in paras:
        for sentence in sentences(para.text):
            for paper in _PAPER.finditer(sentence):
                if paper.group(0) == doc.paper_reference or not re.search(r"\bPanel\b", sentence):
                    continue
                months = [m for m in find_months(sentence) if m[1] == int(paper["mm"])]
                if not months:
                    doc.warnings.append(
                        f"line {para.number}: Panel paper {paper.group(0)} is cited without its year; "
                        "its meeting was left out"
                    )
                    continue
                day = _paper_day(paper, year=months[0][0])
                if day is None:
                    continue
                meeting = _meeting(found, "panel", day, para.number)
                meeting.title = meeting.title or f"SEC Panel – {day:%B %Y} (date taken from the paper reference)"
                for ref in find_references(sentence):
                    meeting.add(ref.text, _clean_note(sentence))


def _paper_day(paper: re.Match[str], near: dt.date | None = None, year: int | None = None) -> dt.date | None:
    """The Panel day a paper reference names: its year given, or the one nearest ``near``."""
    day, month = int(paper["dd"]), int(paper["mm"])
    years = [year] if year else [near.year - 1, near.year, near.year + 1]
    days = []
    for y in years:
        try:
            days.append(dt.date(y, month, day))
        except ValueError:
            continue
    if not days:
        return None
    return min(days, key=lambda d: abs((d - near).days)) if near else days[0]


def _attach_pending(doc: Document, found: dict, pending: list) -> None:
    """Items "presented to the Panel this month" (or "at the <Month YYYY> meeting") joined to the Panel
    meeting the report dates for that month; said so when it dates none."""
    panels = sorted(m for (kind, m) in found if kind == "panel")
    for line, month, items in pending:
        if month is None:
            target = [d for d in panels if doc.issued and 0 <= (d - doc.issued).days <= 45]
        else:
            target = [d for d in panels if (d.year, d.month) == month]
        if len(target) != 1:
            refs = ", ".join(ref for ref, _ in items)
            doc.warnings.append(
                f"line {line}: {refs} go to a Panel meeting the report gives no single day for; not recorded"
            )
            continue
        meeting = found[("panel", target[0])]
        for ref, note in items:
            meeting.add(ref, note)


def _row(meeting: _Meeting) -> dict:
    row: dict = {"kind": meeting.kind, "date": meeting.date}
    if meeting.title:
        row["title"] = meeting.title
    if meeting.agenda_published:
        row["agenda_published"] = meeting.agenda_published
    row["items"] = meeting.items
    return row
