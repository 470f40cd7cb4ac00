"""The register's controlled words: phases, meeting kinds, consultation kinds, outcomes.

Each vocabulary maps the spellings people and reports use onto one canonical value, so the
importer, the commands and the query layer agree on them.
"""

from __future__ import annotations

import re

PHASES: tuple[str, ...] = (
    "Define",
    "Initial Consideration",
    "Refine",
    "Report Phase",
    "Change Board",
    "Decision",
    "Implementation",
    "Closed",
)

PHASE_DESCRIPTIONS = {
    "Define": "Draft Proposals in the Development Stage",
    "Initial Consideration": "pre-2018 proposals awaiting the Panel's initial consideration",
    "Refine": "the Refinement Process: Working Group, DCC assessments, Refinement Consultation",
    "Report Phase": "Modification Report and its consultation",
    "Change Board": "awaiting the Change Board vote",
    "Decision": "awaiting the Authority's decision, or referred to the Panel",
    "Implementation": "approved and awaiting a SEC Release",
    "Closed": "implemented, rejected or withdrawn",
}

_PHASE_ALIASES = {
    "define": "Define",
    "development": "Define",
    "development stage": "Define",
    "draft": "Define",
    "draft proposal": "Define",
    "initial consideration": "Initial Consideration",
    "imr": "Initial Consideration",
    "refine": "Refine",
    "refinement": "Refine",
    "refinement process": "Refine",
    "opine": "Report Phase",
    "report": "Report Phase",
    "report phase": "Report Phase",
    "modification report": "Report Phase",
    "change board": "Change Board",
    "cb": "Change Board",
    "decision": "Decision",
    "authority": "Decision",
    "awaiting decision": "Decision",
    "awaiting authority decision": "Decision",
    "referred": "Decision",
    "implementation": "Implementation",
    "release": "Implementation",
    "awaiting implementation": "Implementation",
    "pending implementation": "Implementation",
    "approved": "Implementation",
    "closed": "Closed",
    "implemented": "Closed",
    "rejected": "Closed",
    "withdrawn": "Closed",
}

MEETING_KINDS = {
    "panel": "Panel",
    "change_board": "Change Board",
    "change_sub_committee": "Change Sub-Committee",
    "working_group": "Working Group",
}
_MEETING_ALIASES = {
    "panel": "panel",
    "sec panel": "panel",
    "change board": "change_board",
    "cb": "change_board",
    "change sub-committee": "change_sub_committee",
    "change sub committee": "change_sub_committee",
    "csc": "change_sub_committee",
    "working group": "working_group",
    "workgroup": "working_group",
    "wg": "working_group",
}

CONSULTATION_KINDS = {
    "refinement": "Refinement Consultation",
    "modification_report": "Modification Report Consultation",
    "working_group": "Working Group consultation",
    "other": "Consultation",
}
_CONSULTATION_ALIASES = {
    "refinement": "refinement",
    "refinement consultation": "refinement",
    "report": "modification_report",
    "modification report": "modification_report",
    "modification report consultation": "modification_report",
    "mrc": "modification_report",
    "working group": "working_group",
    "wg": "working_group",
    "wg consultation": "working_group",
    "industry": "other",
    "other": "other",
}

VOTE_OUTCOMES = {
    "approved": "approved under Self-Governance",
    "rejected": "rejected under Self-Governance",
    "recommend_approval": "recommended to the Authority for approval",
    "recommend_rejection": "recommended to the Authority for rejection",
    "sent_back": "sent back for clarification",
    "referred": "referred to the Panel",
}
DECISION_OUTCOMES = {"approved": "approved", "rejected": "rejected"}
SCOPE_STATUSES = {"targeted": "Targeted", "approved": "Approved", "tbc": "TBC", "implemented": "Implemented"}
ASSESSMENT_KINDS = {"PA": "Preliminary Assessment", "IA": "Impact Assessment"}


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def _lookup(text: str, aliases: dict[str, str], canonical: dict[str, str] | tuple[str, ...]) -> str | None:
    key = _key(text)
    if key in aliases:
        return aliases[key]
    for value in canonical:
        if _key(value) == key:
            return value
    return None


def canonical_phase(text: str) -> str | None:
    return _lookup(text, _PHASE_ALIASES, PHASES)


# Aliases that name one outcome within a phase, not the whole phase: a withdrawn modification is Closed,
# but so are the implemented and rejected ones.
_OUTCOME_ALIASES = frozenset({"implemented", "rejected", "withdrawn", "referred"})


def phase_named(text: str) -> str | None:
    """The phase ``text`` names as a whole ("refine", "awaiting implementation"); None for a word naming
    only one outcome within a phase ("withdrawn" is one of Closed's), or no phase."""
    return None if _key(text) in _OUTCOME_ALIASES else canonical_phase(text)


def canonical_meeting_kind(text: str) -> str | None:
    return _lookup(text, _MEETING_ALIASES, tuple(MEETING_KINDS))


def canonical_consultation_kind(text: str) -> str | None:
    return _lookup(text, _CONSULTATION_ALIASES, tuple(CONSULTATION_KINDS))
