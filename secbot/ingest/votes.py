"""Change Board votes, Authority decisions and Change Sub-Committee decisions as a report states them:
``votes``, ``decisions``, and the Change Board and Change Sub-Committee ``meetings`` they were taken at.

A vote or decision is read from a sentence that names the body, a day and an outcome — either with
the references in the sentence itself ("On 29th September 2017, the Authority REJECTED SECMP0004")
or in the list the sentence introduces ("The Change Board voted on modifications on 26 May 2021:"
followed by "MP099 'Title' was approved under Self-Governance …"). A list under a label such as
"Path 3 – Self Governance:" takes the label's governance. ``outcomes`` also gives the undated ones
("The Change Board approved two Modification Proposals under Self-Governance this month:"), which
say where a modification stands but make no vote row."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

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
    rf"(?:decided|determined)\s+to\s+(?P<verb2>approve|reject))\b",
    re.IGNORECASE,
)
_VOTED = re.compile(r"\bvot(?:ed|e|es|ing)\s+on\b|\bmeeting\b|\bmet\b|\bvoted\b", re.IGNORECASE)
_OUTCOME_WORD = re.compile(r"\b(?P<word>approv\w*|reject\w*)\b", re.IGNORECASE)
_SENT_BACK = re.compile(r"\bsent back\b|\bfor (?:further )?clarification\b", re.IGNORECASE)
_RECOMMEND = re.compile(r"\brecommend\w*|\bto the Authority\b", re.IGNORECASE)
_SELF_GOVERNANCE = re.compile(r"\bself[\s-]?governance\b", re.IGNORECASE)
_AUTHORITY_DETERMINATION = re.compile(r"\bAuthority Determination\b", re.IGNORECASE)
_UNANIMOUS = re.compile(r"\bunanimous(?:ly)?\b", re.IGNORECASE)
_MAJORITY = re.compile(r"\bmajority\s+(?:decision|vote|recommendation)\b|\bby\s+(?:a\s+)?majority\b", re.IGNORECASE)
_OBJECTIVE = re.compile(r"\bObjectives?\s+(?P<which>\([a-z]\)(?:(?:,\s*|\s+and\s+)\([a-z]\))*)", re.IGNORECASE)
_CONDITIONS = re.compile(r"\bsubject to (?P<what>[^.;()]*(?:\([^()]*\)[^.;()]*)?)", re.IGNORECASE)
_AWAITING = re.compile(r"\bwith the Authority for\b|\bawaiting\b", re.IGNORECASE)


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


def _outcome(text: str) -> str | None:
    """``approved``, ``rejected``, ``recommend_approval`` … from what a sentence says was done."""
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


def _path(*texts: str) -> str | None:
    joined = " ".join(t for t in texts if t)
    if _SELF_GOVERNANCE.search(joined):
        return "Self-Governance"
    if _AUTHORITY_DETERMINATION.search(joined):
        return "Authority Determination"
    return None


def _objective(text: str) -> str | None:
    match = _OBJECTIVE.search(text)
    return ", ".join(re.findall(r"\([a-z]\)", match["which"].lower())) if match else None


def _conditions(text: str) -> str | None:
    match = _CONDITIONS.search(text)
    if not match:
        return None
    what = re.sub(r"\s+", " ", match["what"]).strip(" ,")
    return f"Subject to {what}" if what else None


def _vote(ref: Ref, text: str, context: str, label: str, day: dt.date | None, line: int) -> Outcome | None:
    outcome = _outcome(text) or _outcome(context)
    if outcome is None:
        return None
    path = _path(text, label) or _path(context)
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


def _first_day(text: str) -> dt.date | None:
    days = find_days(text)
    return days[0].day if days else None


def _read(doc: Document) -> list[Outcome]:
    paras = paragraphs(doc)
    found: list[Outcome] = []
    listed: set[int] = set()
    for para in paras:
        if para.level != 0 or para.heading or para.label or para.table_row:
            continue
        following = paras[para.index + 1] if para.index + 1 < len(paras) else None
        if not para.text.endswith(":") and not (following and (following.level >= 1 or following.label)):
            continue
        items = _items(paras, para.index)
        if not items:
            continue
        day = _first_day(para.text)
        decided = _DECIDED.search(para.text)
        is_board = _CHANGE_BOARD.search(para.text) and not _CSC.search(para.text)
        for item in items:
            label = label_of(paras, item.index)
            for titled in titled_mentions(item.text, starts_item=True):
                if decided:
                    verb = (decided["verb"] or decided["verb2"]).lower()
                    outcome = "approved" if verb.startswith("approv") else "rejected"
                    found.append(
                        Outcome(
                            "authority",
                            titled.mention.ref,
                            outcome,
                            day,
                            item.number,
                            conditions=_conditions(titled.rest),
                        )
                    )
                elif is_board and not _AWAITING.search(para.text):
                    if day is not None and not _VOTED.search(para.text):
                        continue  # a Change Board sentence with a day but not about a vote
                    vote = _vote(
                        titled.mention.ref, titled.rest, para.text, label.text if label else "", day, item.number
                    )
                    if vote:
                        found.append(vote)
                listed.add(item.index)
                break  # an item is about its first reference; later ones are in its comment
    for para in paras:
        if para.level != 0 and para.index in listed:
            continue
        for sentence in sentences(para.text):
            mentions = references_in(sentence)
            day = _first_day(sentence)
            if not mentions or day is None:
                continue
            decided = _DECIDED.search(sentence)
            if decided:
                verb = (decided["verb"] or decided["verb2"]).lower()
                outcome = "approved" if verb.startswith("approv") else "rejected"
                for mention in mentions:
                    if mention.start > decided.start():
                        found.append(
                            Outcome(
                                "authority", mention.ref, outcome, day, para.number, conditions=_conditions(sentence)
                            )
                        )
            elif _CHANGE_BOARD.search(sentence) and _OUTCOME_WORD.search(sentence) and not _CSC.search(sentence):
                for mention in {m.ref: m for m in mentions}.values():
                    vote = _vote(mention.ref, sentence, "", "", day, para.number)
                    if vote:
                        found.append(replace_path(vote, _path(para.text)))
    return found


def replace_path(vote: Outcome, path: str | None) -> Outcome:
    """``vote`` with the path its paragraph names, when its own sentence named none."""
    if vote.path or not path:
        return vote
    governance = "self_governance" if path == "Self-Governance" else "authority"
    return Outcome(**{**vote.__dict__, "path": path, "governance": governance})


def outcomes(doc: Document) -> list[Outcome]:
    """Every vote and decision the report states, dated or not, in the report's order."""
    return cached(doc, "outcomes", _read)


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
            if authority:
                row["authority"] = authority
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
