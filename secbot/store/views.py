"""Plain dataclasses that the query layer returns; nothing outside ``secbot.store`` sees ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceView:
    key: str
    title: str
    issued: dt.date | None


@dataclass(frozen=True)
class ModSummary:
    reference: str
    title: str | None
    phase: str | None
    status: str | None

    @property
    def label(self) -> str:
        return f"{self.reference} '{self.title}'" if self.title else self.reference


@dataclass(frozen=True)
class Listed:
    """The modifications a list holds, and the stale ones it left out (``Register.stale``)."""

    mods: list[ModSummary]
    stale: list[ModSummary]


@dataclass(frozen=True)
class ModDetail:
    summary: ModSummary
    proposer: str | None
    organisation: str | None
    lead_analyst: str | None
    raised: dt.date | None
    path: str | None
    impacted_parties: list[str]
    sec_documents: list[str]
    issue_summary: str | None
    solution_summary: str | None
    implementation_date: str | None
    latest_update: str | None
    url: str | None
    earlier_titles: list[str]
    source: SourceView | None
    converted_from: str | None = None
    converted_to: str | None = None


@dataclass(frozen=True)
class Milestone:
    date: dt.date | None
    text: str


@dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    text: str
    source: str | None = None


@dataclass(frozen=True)
class AssessmentView:
    reference: str
    title: str | None
    kind: str
    round: int
    requested: dt.date | None
    accepted: dt.date | None
    returned: dt.date | None
    target_wd: int | None
    clock_restart: dt.date | None
    note: str | None
    duration_wd: int | None  # SECAS report rule; open ones to ``counted_to``
    counted_to: dt.date | None

    @property
    def is_open(self) -> bool:
        return self.returned is None


@dataclass(frozen=True)
class AgendaEntry:
    reference: str
    title: str | None
    phase: str | None
    note: str | None


@dataclass(frozen=True)
class MeetingView:
    kind: str
    kind_label: str
    date: dt.date
    title: str | None
    agenda_published: dt.date | None
    url: str | None
    items: list[AgendaEntry] = field(default_factory=list)


@dataclass(frozen=True)
class ConsultationView:
    reference: str
    title: str | None
    kind: str
    kind_label: str
    opens: dt.date | None
    closes: dt.date | None
    expected_week: dt.date | None
    expected_text: str | None
    url: str | None
    note: str | None
    state: str  # open | upcoming | expected | closed
    closes_in_wd: int | None = None


@dataclass(frozen=True)
class ScopeEntry:
    reference: str
    title: str | None
    status: str
    note: str | None


@dataclass(frozen=True)
class ReleaseView:
    name: str
    date: dt.date | None
    date_text: str | None
    standalone: bool
    scope: list[ScopeEntry] = field(default_factory=list)


@dataclass(frozen=True)
class VoteView:
    reference: str
    title: str | None
    date: dt.date
    outcome: str
    outcome_label: str
    governance: str | None
    majority: str | None
    objective: str | None
    note: str | None


@dataclass(frozen=True)
class DecisionView:
    reference: str
    title: str | None
    date: dt.date
    outcome: str
    authority: str | None
    conditions: str | None


@dataclass(frozen=True)
class ReleasePlacement:
    release: str
    date: dt.date | None
    date_text: str | None
    status: str
    note: str | None


@dataclass(frozen=True)
class Status:
    detail: ModDetail
    next_milestone: Milestone | None
    assessments: list[AssessmentView]
    releases: list[ReleasePlacement]
    recent: list[TimelineEntry]
    as_of: dt.date
    consultations: list[ConsultationView] = field(default_factory=list)  # open, upcoming or expected


@dataclass(frozen=True)
class SearchHit:
    summary: ModSummary
    score: float
    matched: str  # which field matched best: title, summary, proposer ...


@dataclass(frozen=True)
class Resolution:
    """The outcome of looking up what a user typed: a modification, or suggestions."""

    found: ModSummary | None
    asked: str
    suggestions: list[str] = field(default_factory=list)
    note: str | None = None  # e.g. "DP162 became MP162"
