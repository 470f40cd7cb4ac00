"""The things a question names, found in its words: months and days, meeting and assessment kinds,
phases, statuses and who raised a modification.

Each finder takes the question as ``normalise`` left it and returns the phrase a command takes as its
argument ("June 2022", "last month", "2 June 2021", "IA", "Refine"), or None. They read words only;
whether the register holds such a release, meeting or organisation is the command's to say.
"""

from __future__ import annotations

import datetime as dt
import re

from secbot.vocabulary import canonical_phase

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_YEAR = r"(?:19|20)\d\d|'?\d\d"
_MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTHS})\.?,?\s+(?P<year>{_YEAR})\b", re.I)
_MONTH_ALONE = re.compile(
    rf"\b(?:in\s+|for\s+|of\s+|during\s+|since\s+(?:the\s+)?)?(?P<month>{_MONTHS})\b(?!\s*\d)", re.I
)
_RELATIVE_MONTH = re.compile(r"\b(?P<which>last|this|next|previous|past)\s+month\b", re.I)
_NAMED_RELATIVE = re.compile(
    rf"\b(?:(?P<named>{_MONTHS})\s+(?P<year>last|this|next)\s+year|(?P<which>last|next)\s+(?P<month>{_MONTHS})"
    rf"|(?P<whose>last|this|next)\s+year'?s\s+(?P<owned>{_MONTHS}))\b",
    re.I,
)
_DAY = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTHS})\.?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b"
    # "jan 1st", "June 18, 2021", "may 3": never "nov 21", which is November 2021
    rf"|\b(?P<month_first>{_MONTHS})\.?\s+"
    r"(?P<day_after>\d{1,2}(?=st|nd|rd|th)|\d(?!\d)|\d{1,2}(?=,?\s+(?:19|20)\d\d\b))"
    r"(?:st|nd|rd|th)?(?:,?\s+(?P<year_after>(?:19|20)\d\d))?\b(?!\s*(?::|am\b|pm\b))"
    r"|\b(?P<iso>(?:19|20)\d\d-\d\d-\d\d)\b"
    r"|\b(?P<slash>\d{1,2}/\d{1,2}/(?:19|20)?\d\d)\b",
    re.I,
)
_MEETING_KINDS = (
    ("panel", re.compile(r"\b(?:sec\s+)?panel\b", re.I)),
    ("csc", re.compile(r"\b(?:csc|change\s+sub[\s-]*committee)\b", re.I)),
    ("cb", re.compile(r"\b(?:cb|change\s*board)\b", re.I)),
    ("wg", re.compile(r"\b(?:wg|working\s*gr(?:ou)?p|work\s*group|workgroup)s?\b", re.I)),
)
_MEETING_KIND = dict(_MEETING_KINDS)
_DESTINATION = re.compile(r"\b(?:for|to|before|ahead\s+of|up\s+to)\s+(?:the\s+)?$", re.I)
_ASSESSMENT_KINDS = (
    ("PA", re.compile(r"\b(?:pas?|prelim(?:inary)?(?:\s+assessments?)?)\b", re.I)),
    ("IA", re.compile(r"\b(?:ias?|impact(?:\s+assessments?)?)\b", re.I)),
)
# Natural words for a phase, beyond the vocabulary's own aliases ("refinement", "report phase").
_PHASE_WORDS = (
    (
        re.compile(
            r"\b(?:with|at|awaiting|waiting\s+(?:for|on)|sitting\s+with|before|sent\s+to)\s+(?:the\s+)?"
            r"(?:ofgem|authority|beis)\b",
            re.I,
        ),
        "Decision",
    ),
    (re.compile(r"\bawaiting\s+(?:a\s+|the\s+)?decision\b", re.I), "Decision"),
    (re.compile(r"\bdecision\s+(?:phase|stage)\b", re.I), "Decision"),
    (re.compile(r"\b(?:awaiting|waiting\s+for|before|at|with)\s+(?:the\s+)?change\s*board\b", re.I), "Change Board"),
    (re.compile(r"\b(?:in|being|under|going\s+through)\s+refine(?:ment)?\b|\bbeing\s+refined\b", re.I), "Refine"),
    (re.compile(r"\b(?:in\s+)?(?:the\s+)?report(?:ing)?\s+phase\b|\bmodification\s+report\b", re.I), "Report Phase"),
    (
        re.compile(
            r"\b(?:in\s+)?(?:the\s+)?(?:development\s+stage|define\s+phase|drafts?|draft\s+proposals?|being\s+developed)\b",
            re.I,
        ),
        "Define",
    ),
    (re.compile(r"\b(?:awaiting|pending|due\s+for|in)\s+implementation\b", re.I), "Implementation"),
    (re.compile(r"\binitial\s+consideration\b", re.I), "Initial Consideration"),
    (re.compile(r"\b(?:been\s+)?closed\s+(?:off|down)\b", re.I), "Closed"),
)
_PHASE_AFTER_IN = re.compile(r"\b(?:in|at)\s+(?:the\s+)?(?P<phase>[a-z][a-z ]{2,30}?)(?:\s+phase|\s+stage)?\s*$", re.I)
# "which mods are closed": a phase said as what they are, unless it is a status ("are approved")
_PHASE_AFTER_BE = re.compile(r"(?:\b(?:are|is|were|was)|'s)\s+(?:now\s+)?(?P<phase>[a-z][a-z ]{2,30}?)\s*$", re.I)
_PHASE_NAMED = re.compile(r"\b(?:in|at)\s+(?:the\s+)?(?P<phase>[a-z][a-z ]{2,30}?)\s+(?:phase|stage)\b", re.I)
# "just the implementation phase lot" / "phase decision incl the stale ones": a phase word before or after
# "phase", taken only when it is one.
_PHASE_BEFORE_WORD = re.compile(r"\b(?P<phase>[a-z]+(?:\s+[a-z]+)?)\s+(?:phase|stage)\b", re.I)
_PHASE_AFTER_WORD = re.compile(r"\b(?:phase|stage)\s+(?P<phase>[a-z]+)\b", re.I)
# "closed mods", "every closed mod", "all the closed proposals"
_PHASE_BEFORE_MODS = re.compile(
    r"^(?:(?:the|all|every|each|any|those)\s+)*(?P<phase>[a-z]+)\s+(?:mods?|modifications?|proposals?)\b", re.I
)
_WHEN_AFTER_A_STATUS = re.compile(r"\s+(?:yet|still|now|this|last|so\s+far|in|since|at|as|by)\b", re.I)
_STATUSES = re.compile(
    r"\bstatus(?:\s+(?:is|of))?\s+(?P<named>[a-z][a-z ]{2,40})$"
    r"|\b(?P<status>approved|rejected|withdrawn|implemented|refused|accepted|referred"
    r"|awaiting\s+(?:an?\s+|the\s+)?(?:authority|ofgem|beis)\s+decision"
    r"|(?:authority|ofgem|beis)\s+awaiting\s+(?:an?\s+|the\s+|their\s+|its\s+)?decision"
    r"|needs?\s+further\s+development|sent\s+back|draft\s+proposal)s?\b",
    re.I,
)
# Raising a modification, in members' words ("put forward", "got any mods on the go"): shared with ``intents``.
RAISE = (
    r"(?:rais(?:e[ds]?|ing)|propos(?:e[ds]?|ing)|submit(?:s|ted|ting)?|put\s+(?:forward|in\b)|sponsored|brought"
    r"|(?:put|got)\s+(?:(?:any|a|some|many)\s+)?(?:mods?|modifications?|proposals?|anything)\s+"
    r"(?:in|forward|on\s+the\s+go|going|in\s+flight))"
)
_WHO = re.compile(
    rf"\b{RAISE}\s+by\s+(?:the\s+)?(?P<who>.+)$"
    r"|\b(?:from|by)\s+(?:the\s+)?(?P<org>(?-i:[A-Z])[\w&'.-]*(?:\s+(?-i:[A-Z])[\w&'.-]*)*)\s*$"
    r"|^(?:any(?:thing)?|mods?|modifications?|proposals?)\s+(?:from|by)\s+(?:the\s+)?(?P<named>[a-z][a-z&'. -]+)$"
    rf"|\b(?:has|have|did)\s+(?:the\s+)?(?P<subject>.+?)\s+{RAISE}\b"
    r"|^(?P<owner>[a-z][\w&.-]*(?:\s+[a-z][\w&.-]*){0,3})'s\s+(?:mods?|modifications?|proposals?)\b",
    re.I,
)


_FULL_MONTH = {
    dt.date(2000, number, 1).strftime("%B").lower()[:3]: dt.date(2000, number, 1).strftime("%B")
    for number in range(1, 13)
}


# Month names and their short forms, which a slip must never be taken for another word ("sept" is not "set").
MONTH_WORDS = frozenset({*(name.lower() for name in _FULL_MONTH.values()), *_FULL_MONTH, "sept"})


def _month_name(typed: str) -> str:
    return _FULL_MONTH[typed[:3].lower()]


def month(text: str) -> str | None:
    """The month asked about: "June 2022", "last month", "this month", or a month name alone."""
    days = {day.start() for day in _DAY.finditer(text) if day["month_first"]}  # "June 18, 2021" is no June 2018
    found = next((found for found in _MONTH_YEAR.finditer(text) if found.start() not in days), None)
    if found:
        year = found["year"].lstrip("'")
        return f"{_month_name(found['month'])} {year if len(year) == 4 else '20' + year}"
    found = _RELATIVE_MONTH.search(text)
    if found:
        which = found["which"].lower()
        return f"{'last' if which in ('previous', 'past') else which} month"
    found = _NAMED_RELATIVE.search(text)
    if found and found["year"]:  # "in august last year"
        return f"{_month_name(found['named'])} {found['year'].lower()} year"
    if found and found["whose"]:  # "this year's june release"
        return f"{_month_name(found['owned'])} {found['whose'].lower()} year"
    if found:  # "last March", "next May"
        return f"{found['which'].lower()} {_month_name(found['month'])}"
    found = _MONTH_ALONE.search(text)
    if found and not (
        found["month"].lower() == "may"
        and not found.group(0).lower().startswith(("in", "for", "of", "during", "since"))
    ):
        return _month_name(found["month"])  # "may" alone is too often the verb
    return None


def month_of_day(text: str) -> str | None:
    """The month of a day named in part or in full ("24 June" -> "June")."""
    found = _DAY.search(text)
    if not found or not (found["month"] or found["month_first"]):
        return None
    name, year = _month_name(found["month"] or found["month_first"]), found["year"] or found["year_after"]
    return f"{name} {year}" if year else name


def day(text: str) -> str | None:
    """A day named in full or in part: "2 June 2021", "18 june", "2021-06-02", "2/6/21"."""
    found = _DAY.search(text)
    if not found:
        return None
    if found["iso"] or found["slash"]:
        return found["iso"] or found["slash"]
    if found["month_first"]:  # "jan 1st", "June 18, 2021": said the other way round
        parts = (found["day_after"], _month_name(found["month_first"]), found["year_after"])
    else:
        parts = (found["day"], _month_name(found["month"]), found["year"])
    return " ".join(part for part in parts if part)


# A number said alone where a reference goes ("is 107 still stuck", "the credit cover DP at, 159"): two to
# four digits, not a count, a page, a year, a duration or part of a date.
_BARE_NUMBER = re.compile(
    r"(?<![\w/.,£$%-])(?<!page\s)(?<!top\s)(?<!last\s)(?<!next\s)(?<!past\s)(?<!first\s)(?<!over\s)(?<!under\s)"
    r"(?<!meeting\s)(?<!panel\s)(?<!session\s)(?<!item\s)(?<!table\s)(?<!section\s)(?<!version\s)(?<!all\s)"
    r"(?P<number>\d{2,4}[a-z]?)(?![\w/%-]|\.\d|,\d)"
    rf"(?!\s*(?:st|nd|rd|th|days?|weeks?|months?|years?|wd|working|mins?|hours?|mods?|modifications?|proposals?"
    rf"|assessments?|ias?|pas?|results?|times?|of|more|\+|{_MONTHS})\b)",
    re.I,
)


_MOD_NUMBER = re.compile(r"\bmod(?:ification)?\s*(?:no\.?\s*|number\s+|#\s*)?(?P<number>\d{1,4}[a-z]?)\b", re.I)


def bare_number(text: str) -> str | None:
    """A modification's number said without its family ("107", "0026", "mod 4"), or None."""
    said = _MOD_NUMBER.search(text)
    if said:
        return said["number"].upper()
    dated = [found.span() for pattern in (_DAY, _MONTH_YEAR) for found in pattern.finditer(text)]
    for found in _BARE_NUMBER.finditer(text):
        number = found["number"]
        if any(start <= found.start() < end for start, end in dated):
            continue
        if len(number) == 4 and number[:2] in ("19", "20"):  # a year
            continue
        return number.upper()
    return None


def meeting_kind(text: str) -> str | None:
    """The command of the meeting kind named: ``panel``, ``csc``, ``cb`` or ``wg``."""
    named = [name for name, pattern in _MEETING_KINDS if pattern.search(text)]
    if len(named) > 1:  # "which DPs did CSC sign off as ready for panel": the one that is not where they go next
        asked = [name for name in named if not _DESTINATION.search(_MEETING_KIND[name].split(text, maxsplit=1)[0])]
        named = asked or named
    return named[0] if named else None


def assessment_kind(text: str) -> str | None:
    """``PA`` or ``IA`` when one kind is named; None for neither or both ("PA and IA")."""
    named = [kind for kind, pattern in _ASSESSMENT_KINDS if pattern.search(text)]
    return named[0] if len(named) == 1 else None


def phase(text: str) -> str | None:
    """A phase named in natural words ("with Ofgem", "in refinement") or the vocabulary's own."""
    for pattern, name in _PHASE_WORDS:
        if pattern.search(text):
            return name
    return phase_named(text)


def in_a_phase(text: str) -> str | None:
    """The phase said as where modifications are, with the word phase or stage ("at the change board stage")."""
    found = _PHASE_NAMED.search(text)
    return canonical_phase(found["phase"]) if found else None


def phase_named(text: str) -> str | None:
    """A phase said outright: after "in" or "at" ("still in define", "in the report phase"), or before
    the word phase ("the implementation phase lot")."""
    after = _PHASE_AFTER_IN.search(text) or _PHASE_NAMED.search(text)
    if after and (named := canonical_phase(after["phase"])):
        return named
    after = _PHASE_AFTER_BE.search(text)
    if after and not status(text) and (named := canonical_phase(after["phase"])):
        return named
    for before in _PHASE_BEFORE_WORD.finditer(text):
        words = before["phase"].split()
        for start in range(len(words)):  # "the implementation phase": "implementation", not "the implementation"
            if named := canonical_phase(" ".join(words[start:])):
                return named
    # "Closed mods — full list", but "approved mods" is a status's
    after = _PHASE_AFTER_WORD.search(text) or (None if status(text) else _PHASE_BEFORE_MODS.search(text))
    return canonical_phase(after["phase"]) if after else None


def status(text: str) -> str | None:
    """A status named ("approved", "awaiting authority decision", "status refinement")."""
    found = _STATUSES.search(text)
    if not found:
        return None
    if "awaiting" in (found["status"] or "").lower():  # "awaiting an ofgem decision", "with BEIS awaiting a decision"
        return "Awaiting Authority Decision"
    said = _WHEN_AFTER_A_STATUS.split(found["named"] or found["status"], maxsplit=1)[0]  # "rejected yet this year"
    named = " ".join(said.split()).title()
    return named.removesuffix("s") if named.startswith("Draft Proposal") else named


_NOBODY_IN_PARTICULAR = frozenset(
    {"anyone", "anybody", "someone", "somebody", "any one", "people", "they", "we", "anything", "something"}
)


def who(text: str) -> str | None:
    """Who raised what is asked about: "proposed by Npower" -> "Npower"."""
    found = _WHO.search(text)
    if not found:
        return None
    named = (found["who"] or found["org"] or found["named"] or found["subject"] or found["owner"]).strip(" ?.!'\"")
    named = re.sub(r"\s+(?:been|ever|actually|already)$", "", named)  # "has anything been raised"
    return None if named.lower() in _NOBODY_IN_PARTICULAR else named or None
