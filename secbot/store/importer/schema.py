"""The canonical register file schema (documented in ``docs/import-format.md``).

YAML files use these shapes directly; CSV and XLSX rows are mapped onto them by ``readers``.
Every model validates one row; ``validation`` reports errors with file, row and field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from secbot.references import Ref, parse_reference
from secbot.vocabulary import (
    ASSESSMENT_KINDS,
    CONSULTATION_KINDS,
    DECISION_OUTCOMES,
    MEETING_KINDS,
    PHASES,
    SCOPE_STATUSES,
    VOTE_OUTCOMES,
    canonical_consultation_kind,
    canonical_meeting_kind,
    canonical_phase,
)

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%Y-%m-%d %H:%M:%S",  # a spreadsheet date saved to CSV
    "%Y-%m-%dT%H:%M:%S",
)


def _date(value: object) -> object:
    """Dates as YAML, Excel or people write them: 2021-05-07, 07/05/2021, 7 May 2021, 7-May-21."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if len(text) == 10 and text[4] == "-" and text[7] == "-":  # ISO, as statements keep dates: no strptime
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError("is not a date (use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')")
    raise ValueError("is not a date")


def _reference(value: object) -> str:
    if not isinstance(value, str | int):
        raise ValueError("is not a modification reference")
    text = str(value)
    parsed = _parsed_reference(text) if len(text) <= 32 else parse_reference(text)
    if not isinstance(parsed, Ref):
        raise ValueError("is not a modification reference (e.g. DP162, MP161, MP122A, SECMP0007)")
    return parsed.text


# A register names each modification on many rows (and every statement again in an as-of view).
_parsed_reference = functools.lru_cache(maxsize=65_536)(parse_reference)


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text_list(value: object) -> object:
    """Lists may come as YAML lists or as ';'-separated text from CSV/XLSX."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace("\n", ";").split(";") if part.strip()]
    return value


def _choice(canonicaliser, what: str, options=()):
    def check(value: object) -> object:
        if value is None:
            return None
        found = canonicaliser(str(value))
        if found is None:
            listed = f" (one of: {', '.join(options)})" if options else ""
            raise ValueError(f"is not a known {what}{listed}")
        return found

    return check


def _from_table(table: dict[str, str], what: str):
    def check(value: object) -> object:
        if value is None:
            return None
        key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        for canonical in table:
            if canonical.lower() == key:
                return canonical
        raise ValueError(f"is not a known {what} (one of: {', '.join(table)})")

    return check


def _token(allowed: tuple[str, ...], aliases: dict[str, str] | None = None):
    """Spreadsheet spellings of a fixed word: "Self-Governance" -> self_governance."""

    def normalise(value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())
        key = (aliases or {}).get(key, key)
        return key if key in allowed else value  # unknown: let the Literal report the value as given

    return normalise


Day = Annotated[dt.date | None, BeforeValidator(_date)]
RequiredDay = Annotated[dt.date, BeforeValidator(_date)]
Reference = Annotated[str, BeforeValidator(_reference)]
Text = Annotated[str | None, BeforeValidator(_blank_to_none)]
TextList = Annotated[list[str], BeforeValidator(_text_list)]
Phase = Annotated[str | None, BeforeValidator(_choice(canonical_phase, "phase", PHASES))]
MeetingKind = Annotated[str, BeforeValidator(_choice(canonical_meeting_kind, "meeting kind", MEETING_KINDS))]
ConsultationKind = Annotated[
    str, BeforeValidator(_choice(canonical_consultation_kind, "consultation kind", CONSULTATION_KINDS))
]
AssessmentKind = Annotated[str, BeforeValidator(_from_table(ASSESSMENT_KINDS, "assessment kind"))]
VoteOutcome = Annotated[str, BeforeValidator(_from_table(VOTE_OUTCOMES, "Change Board outcome"))]
DecisionOutcome = Annotated[str, BeforeValidator(_from_table(DECISION_OUTCOMES, "decision outcome"))]
ScopeStatus = Annotated[str, BeforeValidator(_from_table(SCOPE_STATUSES, "release scope status"))]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source: Text = None  # defaults to the file's source


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    key: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1)
    paper_reference: Text = None
    issued: Day = None
    url: Text = None


class ModificationIn(Row):
    reference: Reference
    title: Text = None
    earlier_titles: TextList = []
    proposer: Text = None
    organisation: Text = None
    lead_analyst: Text = None
    raised: Day = None
    phase: Phase = None
    status: Text = None
    path: Text = None
    impacted_parties: TextList = []
    sec_documents: TextList = []
    issue_summary: Text = None
    solution_summary: Text = None
    implementation_date: Text = None
    latest_update: Text = None
    url: Text = None


class EventIn(Row):
    reference: Reference
    date: RequiredDay
    kind: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1)


class AgendaItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reference: Reference
    note: Text = None


class MeetingIn(Row):
    kind: MeetingKind
    date: RequiredDay
    title: Text = None
    agenda_published: Day = None
    url: Text = None
    items: list[AgendaItemIn] = []

    @field_validator("items", mode="before")
    @classmethod
    def _bare_references(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"reference": item} if isinstance(item, str | int) else item for item in value]
        return value


class ConsultationIn(Row):
    reference: Reference
    kind: ConsultationKind
    round: int = Field(
        default=1, ge=1, le=1000
    )  # an integer column: a huge number is a value error here, not a database error
    opens: Day = None
    closes: Day = None
    expected_week: Day = None
    expected_text: Text = None
    url: Text = None
    note: Text = None

    @model_validator(mode="after")
    def _closes_after_opens(self) -> ConsultationIn:
        if self.opens and self.closes and self.closes < self.opens:
            raise ValueError("closes before it opens")
        return self


class AssessmentIn(Row):
    reference: Reference
    kind: AssessmentKind
    round: int = Field(
        default=1, ge=1, le=1000
    )  # an integer column: a huge number is a value error here, not a database error
    requested: Day = None
    accepted: Day = None
    returned: Day = None
    target_wd: int | None = Field(default=None, ge=0, le=1000)
    clock_restart: Day = None
    note: Text = None

    @model_validator(mode="after")
    def _returned_after_accepted(self) -> AssessmentIn:
        if self.accepted and self.returned and self.returned < self.accepted:
            raise ValueError("returned before it was accepted")
        return self


class VoteIn(Row):
    reference: Reference
    date: RequiredDay
    outcome: VoteOutcome
    governance: Annotated[
        Literal["self_governance", "authority"] | None,
        BeforeValidator(_token(("self_governance", "authority"), {"authority_determination": "authority"})),
    ] = None
    majority: Annotated[Literal["unanimous", "majority"] | None, BeforeValidator(_token(("unanimous", "majority")))] = (
        None
    )
    objective: Text = None
    note: Text = None


class DecisionIn(Row):
    reference: Reference
    date: RequiredDay
    outcome: DecisionOutcome
    authority: Text = None
    conditions: Text = None


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reference: Reference
    status: ScopeStatus
    note: Text = None


class ReleaseIn(Row):
    name: str = Field(min_length=1, max_length=80)
    date: Day = None
    date_text: Text = None
    standalone: bool = False
    scope: list[ScopeIn] = []


class ConversionIn(Row):
    draft: Reference
    proposal: Reference
    date: Day = None
    next_phase: Phase = None

    @model_validator(mode="after")
    def _dp_to_mp(self) -> ConversionIn:
        if not (self.draft.startswith("DP") and self.proposal.startswith("MP")):
            raise ValueError("a conversion turns a DP into an MP")
        return self


class AgendaItemRow(Row):
    """One agenda item as a flat CSV/XLSX row; the meeting is named by kind and date.

    A meeting that is not yet in the register is created from the row (it needs only its key).
    """

    meeting_kind: MeetingKind
    meeting_date: RequiredDay
    reference: Reference
    note: Text = None


class ReleaseScopeRow(Row):
    """One modification in a release's scope as a flat CSV/XLSX row; the release is named."""

    release: str = Field(min_length=1, max_length=80)
    reference: Reference
    status: ScopeStatus
    note: Text = None


TABLES: dict[str, type[BaseModel]] = {
    "sources": SourceIn,
    "modifications": ModificationIn,
    "events": EventIn,
    "meetings": MeetingIn,
    "consultations": ConsultationIn,
    "assessments": AssessmentIn,
    "votes": VoteIn,
    "decisions": DecisionIn,
    "releases": ReleaseIn,
    "conversions": ConversionIn,
}

# The flat tables of CSV files and XLSX sheets (and optionally YAML): meetings carry no ``items`` and
# releases no ``scope``; those come as rows of ``agenda_items`` and ``release_scope`` instead.
FLAT_TABLES: dict[str, type[BaseModel]] = {
    **TABLES,
    "agenda_items": AgendaItemRow,
    "release_scope": ReleaseScopeRow,
}


def _date_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(meta, BeforeValidator) and meta.func is _date for meta in info.metadata)
    )


@dataclass(frozen=True)
class _Restorer:
    model: type[BaseModel]
    dates: tuple[str, ...]
    defaults: dict  # every optional field's default but the empty lists, which each row gets afresh
    lists: tuple[str, ...]


def _restorer(model: type[BaseModel]) -> _Restorer:
    defaults = {name: info.get_default() for name, info in model.model_fields.items() if not info.is_required()}
    lists = tuple(name for name, value in defaults.items() if value == [])
    return _Restorer(model, _date_fields(model), {n: v for n, v in defaults.items() if n not in lists}, lists)


_RESTORERS = {table: _restorer(model) for table, model in FLAT_TABLES.items()}


def restore(table: str, fields: dict) -> BaseModel:
    """A row of ``table`` from the fields a statement kept, without validating them again: they were
    valid when kept (``apply.stated_fields``), so only their ISO dates need to become dates. (Every
    default is passed to ``model_construct``: it is four times slower when it fills them itself.)"""
    restorer = _RESTORERS[table]
    values = {**restorer.defaults, **fields}
    for name in restorer.lists:
        if name not in values:
            values[name] = []
    for name in restorer.dates:
        value = values.get(name)
        if value is not None:
            values[name] = dt.date.fromisoformat(value)
    return restorer.model.model_construct(set(fields), **values)
