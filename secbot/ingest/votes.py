"""Change Board votes, Authority decisions and Change Sub-Committee decisions as a report states them:
``votes``, ``decisions``, and the Change Board and Change Sub-Committee ``meetings`` they were taken at.

A vote or decision is read from a sentence that names the body, a day and an outcome — either with
the references in the sentence itself ("On 29th September 2017, the Authority REJECTED SECMP0004")
or in the list the sentence introduces ("The Change Board voted on modifications on 26 May 2021:"
followed by "MP099 'Title' was approved under Self-Governance …"). A list under a label such as
"Path 3 – Self Governance:" takes the label's governance; a lead that goes on from the one before
("It approved: … and rejected: …") takes that one's body. ``outcomes`` also gives the undated ones
("The Change Board approved two Modification Proposals under Self-Governance this month:"), which
say where a modification stands but make no vote row.

Decisions may be passive ("– approved by the Authority on 31 July 2018") and name who took them
("Ofgem rejected …"). A vote announced in one sentence ("the Change Board held an ad-hoc vote on MP169
on 9 March 2022") may be settled in the next ("MP169 was unanimously approved …"). Approving something
*for* a modification (an Impact Assessment request, a timetable extension) is no vote on it, but puts
it on that Change Board's agenda. The SEC Objectives a vote cites are kept as written ("(a) and (g)"),
never those a modification was found *not* to facilitate."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from secbot.ingest.days import find_days
from secbot.ingest.document import Document, cached
from secbot.ingest.mentions import references_in, titled_mentions
from secbot.ingest.prose import Para, label_of, paragraphs, sentences
from secbot.references import Ref

_CHANGE_BOARD = re.compile(r"\bChange Board\b|\bCB\b")
_CSC = re.compile(r"\bChange Sub-?\s?Committee\b|\bCSC\b", re.IGNORECASE)
_AUTHORITY = r"(?:the\s+)?(?:Authority|Ofgem|BEIS|Secretary of State)"
_DECIDED = re.compile(
    rf"\b{_AUTHORITY}\)?\s+(?:has\s+|have\s+)?(?:(?:formally\s+)?(?P<verb>approved|rejected)|"
    rf"(?:decided|determined)\s+to\s+(?P<verb2>approve|reject))\b"
    rf"|\b(?P<passive>approved|rejected)\s+by\s+{_AUTHORITY}\b",
    re.IGNORECASE,
)
_VOTED = re.compile(r"\bvot(?:ed|e|es|ing)\s+on\b|\bmeeting\b|\bmet\b|\bvoted\b", re.IGNORECASE)
_OUTCOME_WORD = re.compile(r"\b(?P<word>approv\w*|reject\w*)\b", re.IGNORECASE)
_SENT_BACK = re.compile(
    r"\b(?:sent|referred|returned)\s+(?:(?:it|them|the\s+\w+)\s+)?back\b|\bfor (?:further )?clarification\b",
    re.IGNORECASE,
)
_RECOMMEND = re.compile(r"\brecommend\w*|\bto the Authority\b", re.IGNORECASE)
_SELF_GOVERNANCE = re.compile(r"\bself(?:-\s*|\s)?governance\b", re.IGNORECASE)
_AUTHORITY_DETERMINATION = re.compile(r"\bAuthority Determination\b", re.IGNORECASE)
_UNANIMOUS = re.compile(r"\bunanimous(?:ly)?\b", re.IGNORECASE)
_MAJORITY = re.compile(
    r"\bmajority\s+(?:decision|vote|recommendation)\b|\bby\s+(?:a\s+)?majority\b|\ba\s+majority\s+(?:of\s+\w+\s+)?"
    r"(?:felt|considered|agreed|believed|voted)\b",
    re.IGNORECASE,
)
_MARK = r"(?:\[\d+\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]*\d?)"  # a footnote mark on a letter: "(a)¹", "(a)1" in a PDF's text, "(a)[1]"
_OBJECTIVE = re.compile(
    rf"\bObjectives?\s+(?P<which>\([a-z]\){_MARK}(?:(?:,\s*|\s+and\s+|\s+&\s+)\([a-z]\){_MARK})*)", re.IGNORECASE
)
_NOT_FACILITATE = re.compile(r"\b(?:not|no longer|fail\w* to)\s+(?:\w+\s+){0,2}facilitat\w*\b[^.;]*$", re.IGNORECASE)
# What an approval is of when it is not the modification itself: "approved the request for a DCC Impact
# Assessment for MP160", "agreed a timetable extension for …".
_NOT_THE_MOD = re.compile(
    r"\b(?:requests?|Impact Assessments?|Preliminary Assessments?|IA|PA|extensions?|timetables?|"
    r"Terms of Reference|legal text|business requirements)\b",
    re.IGNORECASE,
)
_CONDITIONS = re.compile(r"\bsubject to (?P<what>[^.;()]*(?:\([^()]*\)[^.;()]*)?)", re.IGNORECASE)
_PENDING_ON = re.compile(
    r"\bsubject to (?:the |its |their )?[^.;:]*?\b(?:approval|decision|determination)\b", re.IGNORECASE
)
_GOES_ON = re.compile(r"(?:It|They|The (?:modification|proposal|Change Board|board)|This)\b")
_DECISION_DAY = re.compile(r"\bdecision\b[^.]*\b(?:published|issued|dated|made|received|letter)\b", re.IGNORECASE)
_AWAITING = re.compile(r"\bwith the Authority for\b|\bawaiting\b", re.IGNORECASE)
# A lead announcing what the Authority decided, each item saying its own outcome and day ("The Authority
# issued two decisions in the last month:", "Ofgem made the following determinations:").
_DECISIONS_LEAD = re.compile(rf"\b{_AUTHORITY}\b[^.:]*\b(?:decisions?|determinations?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """What a body decided about one modification, as the report says it."""

    body: str  # "change_board" or "authority"
    ref: Ref
    outcome: str  # a vote outcome (VOTE_OUTCOMES) or a decision outcome (approved/rejected)
    day: dt.date | None
    line: int
    governance: str | None = None
    majority: str | None = None
    objective: str | None = None
    path: str | None = None  # "Self-Governance" / "Authority Determination" when the report says so
    conditions: str | None = None
    authority: str | None = None  # who decided, where the decision's own words name it ("Ofgem rejected …")


def _outcome(text: str) -> str | None:
    """``approved``, ``rejected``, ``recommend_approval`` … from what a sentence says was done; what it
    is "subject to" ("targeted for this release, subject to Change Board approval") is yet to be done."""
    text = _PENDING_ON.sub(" ", text)
    if _SENT_BACK.search(text):
        return "sent_back"
    words = list(_OUTCOME_WORD.finditer(text))
    if not words:
        return None
    approve = (
        words[-1]["word"].lower().startswith("approv")
    )  # "did not … recommend approval, and therefore … rejection"
    if _RECOMMEND.search(text):
        return "recommend_approval" if approve else "recommend_rejection"
    return "approved" if approve else "rejected"


def path_of(*texts: str) -> str | None:
    """``Self-Governance`` or ``Authority Determination``, where the texts name one."""
    joined = " ".join(t for t in texts if t)
    if _SELF_GOVERNANCE.search(joined):
        return "Self-Governance"
    if _AUTHORITY_DETERMINATION.search(joined):
        return "Authority Determination"
    return None


def _objective(text: str) -> str | None:
    """The SEC Objectives a vote says the modification better facilitates: ``(a)``, ``(a) and (g)``,
    ``(a), (c) and (g)`` (footnote marks dropped). An objective it would *not* facilitate is the vote's
    objective only where the sentence stating the outcome gives it as the ground ("rejected, as it would
    not better facilitate Objective (g)"); a remark in a sentence of its own is not kept."""
    for sentence in sentences(text):
        for match in _OBJECTIVE.finditer(sentence):
            if _NOT_FACILITATE.search(sentence[: match.start()]) and not _OUTCOME_WORD.search(sentence):
                continue
            letters = re.findall(r"\([a-z]\)", match["which"].lower())
            return letters[0] if len(letters) == 1 else f"{', '.join(letters[:-1])} and {letters[-1]}"
    return None


def _conditions(text: str) -> str | None:
    match = _CONDITIONS.search(text)
    if not match:
        return None
    what = re.sub(r"\s+", " ", match["what"]).strip(" ,")
    return f"Subject to {what}" if what else None


def _both_ways(text: str) -> bool:
    """A lead that tells of approvals and rejections alike ("approved two proposals and rejected one:")
    says nothing of which item went which way."""
    words = {w["word"][:6].lower() for w in _OUTCOME_WORD.finditer(_PENDING_ON.sub(" ", text))}
    return len(words) > 1 and not _RECOMMEND.search(text)


def _vote(ref: Ref, text: str, context: str, label: str, day: dt.date | None, line: int) -> Outcome | None:
    outcome = _outcome(text) or (None if _both_ways(context) else _outcome(context))
    if outcome is None:
        return None
    path = path_of(text, label) or path_of(context)
    if path == "Self-Governance":
        governance = "self_governance"
    elif path == "Authority Determination" or outcome.startswith("recommend"):
        governance = "authority"
    elif outcome in ("approved", "rejected"):
        governance = "self_governance"  # the Change Board decides only what is Self-Governance
    else:
        governance = None
    majority = "unanimous" if _UNANIMOUS.search(text) else "majority" if _MAJORITY.search(text) else None
    objective = _objective(text) or _objective(context)
    return Outcome("change_board", ref, outcome, day, line, governance, majority, objective, path)


def _items(paras: tuple[Para, ...], index: int) -> list[Para]:
    """The list a lead sentence introduces: items and sub-items, past labels and plain paragraphs,
    up to the next heading or the next sentence introducing a list."""
    found = []
    for para in paras[index + 1 :]:
        if para.level >= 1:
            found.append(para)
        elif para.heading or (para.text.endswith(":") and not para.label) or para.table_row:
            break
    return found


def _goes_on(paras: tuple[Para, ...], index: int) -> str:
    """The paragraph after list item ``index`` when it goes on about the item (a PDF's text may set the
    item's next sentence apart): it names no reference of its own and introduces nothing."""
    after = paras[index + 1] if index + 1 < len(paras) else None
    if (
        after is None
        or after.level
        or after.heading
        or after.label
        or after.table_row
        or after.text.endswith(":")
        or references_in(after.text)
    ):
        return ""
    return after.text


def _first_day(text: str) -> dt.date | None:
    days = find_days(text)
    return days[0].day if days else None


def _day_of_clause(sentence: str, at: int) -> dt.date | None:
    """The day of the clause at ``at`` in a sentence telling of several days ("On 2 May the Change Board
    approved MP1, and on 9 May the Authority approved MP2"): the last day before it, else the first after."""
    days = find_days(sentence)
    before = [d for d in days if d.span[0] < at]
    return before[-1].day if before else days[0].day if days else None


_CONTINUING = re.compile(r"^(?:and|or|but|while|whereas|it|they|the board)\b", re.IGNORECASE)


def _named(decided: re.Match) -> str | None:
    named = re.search(r"\b(Ofgem|BEIS)\b", decided.group(0))
    return named[1] if named else None


def _determined(text: str) -> str | None:
    """A decision's own words naming its path ("approved MP086, an Authority Determination modification")."""
    return "Authority Determination" if _AUTHORITY_DETERMINATION.search(text) else None


def _unmarked(text: str) -> str:
    """``text`` without emphasis marks ("The **Authority** approved")."""
    return re.sub(r"\*\*|__", "", text)


def _verb_of(word: str) -> str:
    return "approved" if word.lower().startswith("approv") else "rejected"


def _verb(decided: re.Match) -> str:
    verb = (decided["verb"] or decided["verb2"] or decided["passive"]).lower()
    return "approved" if verb.startswith("approv") else "rejected"


def _about_the_mod(sentence: str, start: int, end: int) -> bool:
    """Whether an outcome word between ``start`` and ``end`` is said of the modification, not of a
    request, an assessment or a timetable for it ("approved the request for a DCC Impact Assessment for
    MP160")."""
    words = _OUTCOME_WORD.search(sentence, start, end) if start < end else None
    if words is None:
        return True
    return not _NOT_THE_MOD.search(sentence[words.end() : end])


def _read(doc: Document) -> tuple[list[Outcome], list[tuple[dt.date, Ref]]]:
    paras = paragraphs(doc)
    found: list[Outcome] = []
    considered: list[tuple[dt.date, Ref]] = []  # on a Change Board's agenda, with no vote on the modification
    listed: set[int] = set()
    previous_lead: tuple[int, bool, str] | None = None  # (index, about the Change Board, text)
    for para in paras:
        if para.heading:
            previous_lead = None
        # A heading naming a Change Board meeting and its day ("Change Board – 26 June 2019") leads the
        # list of what that meeting decided.
        board_heading = para.heading and bool(_CHANGE_BOARD.search(para.text)) and _first_day(para.text) is not None
        if para.level != 0 or (para.heading and not board_heading) or para.label or para.table_row:
            continue
        following = paras[para.index + 1] if para.index + 1 < len(paras) else None
        if (
            not para.text.endswith(":")
            and not (following and (following.level >= 1 or following.label))
            and not (board_heading and following and following.level >= 1)
        ):
            continue
        items = _items(paras, para.index)
        if not items:
            continue
        day = _first_day(para.text)
        decided = _DECIDED.search(_unmarked(para.text))
        is_board = bool(_CHANGE_BOARD.search(para.text) and not _CSC.search(para.text))
        announces = (
            not decided
            and not is_board
            and not _AWAITING.search(para.text)
            and bool(_DECISIONS_LEAD.search(_unmarked(para.text)))
        )
        context = para.text
        if (
            not is_board
            and not decided
            and previous_lead
            and previous_lead[1]
            and _CONTINUING.match(para.text)
            and not _CSC.search(para.text)
        ):
            # "… It approved: <items> and rejected: <items>": the second lead goes on from the first.
            is_board, context = True, f"{previous_lead[2]} {para.text}"
            day = day or _first_day(previous_lead[2])
        previous_lead = (para.index, is_board, para.text)
        for item in items:
            label = label_of(paras, item.index)
            for titled in titled_mentions(item.text, starts_item=True):
                # What the item says besides the title: "approved MP173 'Title' under …" as well as
                # "MP173 'Title' was approved under …" or "MP165 'Title' – approved".
                said = f"{item.text[: titled.mention.start]} {titled.rest}".strip()
                if decided:
                    own = _OUTCOME_WORD.search(said)
                    found.append(
                        Outcome(
                            "authority",
                            titled.mention.ref,
                            _outcome(own.group(0)) if own else _verb(decided),
                            day,
                            item.number,
                            conditions=_conditions(titled.rest),
                            authority=_named(decided),
                            path=_determined(item.text),
                        )
                    )
                    listed.add(item.index)
                elif announces:
                    own = _OUTCOME_WORD.search(said)
                    when = _first_day(said) or day
                    if own and when is not None and not _RECOMMEND.search(said):
                        found.append(
                            Outcome(
                                "authority",
                                titled.mention.ref,
                                _verb_of(own.group(0)),
                                when,
                                item.number,
                                conditions=_conditions(titled.rest),
                                authority=_named(_DECISIONS_LEAD.search(_unmarked(para.text))),
                                path=_determined(item.text),
                            )
                        )
                        listed.add(item.index)
                elif is_board and not _AWAITING.search(para.text):
                    if day is not None and not _VOTED.search(context) and not board_heading:
                        continue  # a Change Board sentence with a day but not about a vote
                    rest = said
                    if _outcome(rest) is None:
                        rest = f"{rest} {_goes_on(paras, item.index)}"
                    vote = _vote(titled.mention.ref, rest, para.text, label.text if label else "", day, item.number)
                    if vote and context != para.text:
                        vote = replace_path(vote, path_of(context))
                    if vote:
                        found.append(vote)
                        listed.add(item.index)
                break  # an item is about its first reference; later ones are in its comment
    for para in paras:
        if para.level != 0 and para.index in listed:
            continue
        pending: tuple[list[Ref], dt.date] | None = None  # a vote announced in one sentence, its outcome in the next
        said = sentences(para.text)
        voted_here: list[int] = []  # the votes the sentence before stated, by index in ``found``
        for number, sentence in enumerate(said):
            mentions = references_in(sentence)
            day = _first_day(sentence)
            following = said[number + 1] if number + 1 < len(said) else ""
            if voted_here and not mentions and day is None and _GOES_ON.match(sentence):
                # "… approved MP184 under Self-Governance. It agreed the modification better facilitates
                # SEC Objective (g)."
                objective = _objective(sentence)
                for index in voted_here:
                    if objective and found[index].objective is None:
                        found[index] = replace(found[index], objective=objective)
            voted_here = []
            if (
                day is None
                and mentions
                and _DECIDED.search(sentence)
                and not references_in(following)
                and _DECISION_DAY.search(following)
            ):
                # "Ofgem has approved MP165. The decision letter was published on 22 September 2022."
                day = _first_day(following)
            if pending and day is None and _OUTCOME_WORD.search(sentence) and not _DECIDED.search(sentence):
                refs = [m.ref for m in mentions] or pending[0]
                if all(ref in pending[0] for ref in refs):
                    for ref in dict.fromkeys(refs):
                        vote = _vote(ref, sentence, "", "", pending[1], para.number)
                        if vote:
                            found.append(replace_path(vote, path_of(para.text)))
                    pending = None
                    continue
            pending = None
            if not mentions or day is None:
                continue
            decided = _DECIDED.search(sentence)
            if decided:
                passive = decided["passive"] is not None
                for mention in mentions:
                    if (mention.end <= decided.start()) if passive else (mention.start > decided.start()):
                        found.append(
                            Outcome(
                                "authority",
                                mention.ref,
                                _verb(decided),
                                _day_of_clause(sentence, decided.start()) or day,
                                para.number,
                                conditions=_conditions(sentence),
                                authority=_named(decided),
                                path=_determined(sentence),
                            )
                        )
            elif _CHANGE_BOARD.search(sentence) and not _CSC.search(sentence):
                if not _OUTCOME_WORD.search(sentence) and not _SENT_BACK.search(sentence):
                    if _VOTED.search(sentence) and re.search(r"\bvot", sentence, re.IGNORECASE):
                        pending = ([m.ref for m in mentions], day)
                    continue
                for mention in {m.ref: m for m in mentions}.values():
                    if not _about_the_mod(sentence, 0, mention.start):
                        considered.append((day, mention.ref))  # "approved the IA request for MP160"
                        continue
                    vote = _vote(mention.ref, sentence, "", "", day, para.number)
                    if vote:
                        voted_here.append(len(found))
                        found.append(replace_path(vote, path_of(para.text)))
    return found, considered


def replace_path(vote: Outcome, path: str | None) -> Outcome:
    """``vote`` with the path its paragraph names, when its own sentence named none."""
    if vote.path or not path:
        return vote
    governance = "self_governance" if path == "Self-Governance" else "authority"
    return Outcome(**{**vote.__dict__, "path": path, "governance": governance})


def outcomes(doc: Document) -> list[Outcome]:
    """Every vote and decision the report states, dated or not, in the report's order."""
    return cached(doc, "outcomes", _read)[0]


def authority_name(doc: Document) -> str | None:
    """Who "the Authority" is in this report, when the report says so (BEIS in 2017, Ofgem later)."""
    for para in paragraphs(doc):
        if "Authority" in para.text:
            for sentence in sentences(para.text):
                if "Authority" in sentence:
                    named = re.search(r"\b(BEIS|Ofgem)\b", sentence)
                    if named:
                        return named[1]
    return None


def _csc_meetings(doc: Document) -> list[dict]:
    paras = paragraphs(doc)
    meetings = []
    for para in paras:
        if para.level != 0 or not _CSC.search(para.text) or not para.text.endswith(":"):
            continue
        day = _first_day(para.text)
        if day is None:
            continue
        refs = []
        for item in _items(paras, para.index):
            mentions = references_in(item.text)
            if mentions and mentions[0].ref.text not in refs:
                refs.append(mentions[0].ref.text)
        if refs:
            meetings.append({"kind": "change_sub_committee", "date": day, "items": [{"reference": r} for r in refs]})
    return meetings


def read(doc: Document) -> dict[str, list[dict]]:
    votes: dict[tuple[str, dt.date], dict] = {}
    decisions: dict[tuple[str, dt.date], dict] = {}
    boards: dict[dt.date, list[str]] = {}
    authority = authority_name(doc)
    for found in outcomes(doc):
        if found.day is None:
            continue
        key = (found.ref.text, found.day)
        if found.body == "authority":
            row = {"reference": found.ref.text, "date": found.day, "outcome": found.outcome}
            if found.authority or authority:
                row["authority"] = found.authority or authority
            if found.conditions:
                row["conditions"] = found.conditions
            _merge(doc, decisions, key, row, found.line)
            continue
        row = {"reference": found.ref.text, "date": found.day, "outcome": found.outcome}
        for name in ("governance", "majority", "objective"):
            if getattr(found, name):
                row[name] = getattr(found, name)
        _merge(doc, votes, key, row, found.line)
        items = boards.setdefault(found.day, [])
        if found.ref.text not in items:
            items.append(found.ref.text)
    for day, ref in cached(doc, "outcomes", _read)[1]:
        items = boards.setdefault(day, [])
        if ref.text not in items:
            items.append(ref.text)
    meetings = [
        {"kind": "change_board", "date": day, "items": [{"reference": r} for r in refs]} for day, refs in boards.items()
    ]
    return {
        "votes": list(votes.values()),
        "decisions": list(decisions.values()),
        "meetings": meetings + _csc_meetings(doc),
    }


_CONTROLLED = frozenset({"outcome", "governance", "majority", "objective", "authority"})


def _merge(doc: Document, rows: dict, key: tuple, row: dict, line: int) -> None:
    """One row per key: facts stated twice are merged; a conflict is reported and the first kept."""
    if key not in rows:
        rows[key] = row
        return
    kept = rows[key]
    for name, value in row.items():
        if name not in kept:
            kept[name] = value
        elif kept[name] != value and name in _CONTROLLED:
            doc.warnings.append(
                f"line {line}: {key[0]} on {key[1]:%d %B %Y}: {name} read as {value!r} here but {kept[name]!r} "
                f"earlier; kept {kept[name]!r}"
            )
