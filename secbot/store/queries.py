"""The query layer: the only reader of the register, answering in domain words.

``Register`` takes a ``Store`` and a ``Clock`` and returns the dataclasses of ``secbot.store.views``.
Every "next", "open" or "upcoming" is relative to the clock's today, so ``--today`` shows the
register as it stood on that day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, Row, and_, bindparam, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from secbot.clock import Clock
from secbot.formatting import UNKNOWN, plural, target_clause
from secbot.formatting import long_date as _date
from secbot.months import month_in
from secbot.references import BareNumber, Ref, parse_reference, parse_url
from secbot.store import asof, facts
from secbot.store.db import Store
from secbot.store.index import RegisterIndex
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Conversion,
    Decision,
    EarlierTitle,
    Meeting,
    Modification,
    Release,
    ReleaseScope,
    Source,
    Vote,
)
from secbot.store.views import (
    AgendaEntry,
    AssessmentView,
    ConsultationView,
    DecisionView,
    Listed,
    MeetingView,
    Milestone,
    ModDetail,
    ModSummary,
    ReleasePlacement,
    ReleaseView,
    Resolution,
    ScopeEntry,
    SearchHit,
    SourceView,
    Status,
    TimelineEntry,
    VoteView,
)
from secbot.vocabulary import (
    ASSESSMENT_KINDS,
    CONSULTATION_KINDS,
    MEETING_KINDS,
    PHASES,
    SCOPE_STATUSES,
    VOTE_OUTCOMES,
)
from secbot.workdays import (
    deadline_working_days_between,
    end_of_month,
    end_of_previous_month,
    months_before,
    report_duration_wd,
)

_PENDING_AUTHORITY = ("recommend_approval", "recommend_rejection")
_ASSESSMENT_COLUMNS = (
    Assessment.kind,
    Assessment.round,
    Assessment.requested,
    Assessment.accepted,
    Assessment.returned,
    Assessment.target_wd,
    Assessment.clock_restart,
    Assessment.note,
)


def _summary(mod: Modification) -> ModSummary:
    return ModSummary(mod.reference, mod.title, mod.phase, mod.status)


# Statements built once: constructing select() and aliased() per request costs more than running them.
# ``status`` and ``timeline`` run theirs on a Connection, not a Session: they only read, and rows come
# back several times cheaper without the ORM's instances and identity map (for ``select(Event)``, a
# row of the table's columns, read by the same attribute names as the entity).
_MOD_ID = bindparam("mod_id")
_DRAFT, _PROPOSAL = aliased(Modification), aliased(Modification)
_DETAIL_EXTRAS = select(
    Source.key,
    Source.title,
    Source.issued,
    select(_DRAFT.reference)
    .join(Conversion, Conversion.draft_id == _DRAFT.id)
    .where(Conversion.proposal_id == _MOD_ID)
    .scalar_subquery(),
    select(_PROPOSAL.reference)
    .join(Conversion, Conversion.proposal_id == _PROPOSAL.id)
    .where(Conversion.draft_id == _MOD_ID)
    .scalar_subquery(),
).where(Source.key == bindparam("source"))
_CONVERTED_TO = (
    select(_PROPOSAL.reference)
    .join(Conversion, Conversion.proposal_id == _PROPOSAL.id)
    .join(_DRAFT, Conversion.draft_id == _DRAFT.id)
    .where(_DRAFT.reference == bindparam("draft"))
)
# Latest source first; not by id, which is the order imports happened to store them in.
_EARLIER_TITLES = (
    select(EarlierTitle.title)
    .join(Source, Source.key == EarlierTitle.source)
    .where(EarlierTitle.modification_id == _MOD_ID)
    .order_by(Source.issued.desc().nulls_last(), EarlierTitle.title)
)
_MOD_BY_REFERENCE = select(Modification).where(Modification.reference == bindparam("reference"))
# Register-wide lists read columns, not entities: views need no identity map, and rows are several times
# cheaper to make than ORM instances.
_CONSULTATIONS = select(
    Consultation.kind,
    Consultation.opens,
    Consultation.closes,
    Consultation.expected_week,
    Consultation.expected_text,
    Consultation.url,
    Consultation.note,
    Modification.reference,
    Modification.title,
).join(Modification)
_RELEASES = select(Release.id, Release.name, Release.date, Release.date_text, Release.standalone).order_by(
    Release.date.is_(None), Release.date, Release.name
)
_SCOPE = (
    select(ReleaseScope.release_id, Modification.reference, Modification.title, ReleaseScope.status, ReleaseScope.note)
    .join(Modification)
    .order_by(ReleaseScope.release_id, ReleaseScope.position, ReleaseScope.id)
)
_VOTES = (
    select(
        Modification.reference,
        Modification.title,
        Vote.date,
        Vote.outcome,
        Vote.governance,
        Vote.majority,
        Vote.objective,
        Vote.note,
    )
    .join(Modification)
    .where(Vote.date >= bindparam("start"), Vote.date <= bindparam("end"))
    .order_by(Vote.date, Modification.reference)
)
_DECISIONS = (
    select(
        Modification.reference,
        Modification.title,
        Decision.date,
        Decision.outcome,
        Decision.authority,
        Decision.conditions,
    )
    .join(Modification)
    .where(Decision.date >= bindparam("start"), Decision.date <= bindparam("end"))
    .order_by(Decision.date, Modification.reference)
)
STALE_MONTHS = 6  # SECBOT_STALE_AFTER_MONTHS


def _release_month(row: Row) -> tuple[int, int] | None:
    """The (year, month) a release is dated in, or the month its undated text names ("No earlier than 27 June
    2019")."""
    return (row.date.year, row.date.month) if row.date else month_in(row.date_text)


class Register:
    """The register as it stands on its clock's today. A modification no source has restated in the
    ``stale_months`` before today is stale: its card says when it was last reported, and lists and
    counts leave it out unless asked for all (``include_stale``)."""

    def __init__(self, store: Store, clock: Clock, stale_months: int = STALE_MONTHS) -> None:
        self.store = store
        self.clock = clock
        self.stale_months = stale_months

    # -- plumbing ---------------------------------------------------------------------------
    def as_of(self, day: dt.date) -> Register:
        """This register as it stood on ``day`` (the same store, a clock fixed on that day)."""
        return Register(self.store, dataclasses.replace(self.clock, fixed_today=day), self.stale_months)

    # -- staleness --------------------------------------------------------------------------
    def stale_before(self) -> dt.date:
        """A modification last restated by a source issued before this day is stale."""
        return months_before(self.today(), self.stale_months)

    def is_stale(self, issued: dt.date | None) -> bool:
        """Whether a modification last restated by a source issued on ``issued`` is stale (an undated
        source never is); ``_stale_column`` is the same rule in SQL."""
        return issued is not None and issued < self.stale_before()

    def _stale_column(self):
        """Whether each modification of a query joined to its ``Source`` is stale (``is_stale``)."""
        return and_(Source.issued.is_not(None), Source.issued < self.stale_before())

    def stale(self) -> dict[str, SourceView]:
        """The stale modifications, each with the source that last reported it."""
        query = (
            select(Modification.reference, Source.key, Source.title, Source.issued)
            .join(Source, Source.key == Modification.source)
            .where(self._stale_column())
        )
        with self._session() as session:
            return {row[0]: SourceView(row[1], row[2], row[3]) for row in session.execute(query)}

    def view(self) -> Store:
        """The store holding the register as it stood today (``secbot.store.asof``): ``store`` itself,
        unless today is before the latest source's date (a fixed today, ``--today``)."""
        return asof.view(self.store, self.today(), self.revision())

    def _session(self) -> Session:
        return self.view().session()

    def today(self) -> dt.date:
        return self.clock.today()

    def index(self) -> RegisterIndex:
        view = self.view()
        return view.index_cache.get(view.sessions)

    def revision(self) -> int:
        """The register's revision: it changes with every import that changes anything."""
        return self.store.index_cache.revision(self.store.sessions)

    def _connection(self) -> Connection:
        return self.view().engine.connect()

    @staticmethod
    def _mod_row(connection: Connection, reference: str) -> Row | None:
        """The modification's columns (as ``Modification``'s attributes), without the ORM."""
        return connection.execute(_MOD_BY_REFERENCE, {"reference": reference}).one_or_none()

    # -- finding a modification -------------------------------------------------------------
    def resolve(self, text: str) -> Resolution:
        """What the user typed, as a modification in the register, or close suggestions."""
        asked = text.strip()
        parsed = parse_reference(asked)
        index = self.index()
        if parsed is None and asked.lower().startswith(("http://", "https://")):
            slug = parse_url(asked)
            if isinstance(slug, Ref):
                parsed = slug
            elif isinstance(slug, str):
                titles = index.close_titles(slug, limit=3)
                if titles:
                    return Resolution(
                        titles[0],
                        asked,
                        [t.reference for t in titles[1:]],
                        note=f"matched the web address to the title '{titles[0].title}'",
                    )
                return Resolution(None, asked, [])
        candidates: list[Ref] = []
        if isinstance(parsed, Ref):
            candidates = [parsed]
        elif isinstance(parsed, BareNumber):
            candidates = parsed.candidates()
        for ref in candidates:
            summary = index.summary(ref.text)
            if summary is None:
                continue
            if ref.family == "DP":
                converted = self._converted_to(ref.text)
                if converted and (target := index.summary(converted)):
                    return Resolution(target, asked, note=f"{ref.text} became {converted}")
            return Resolution(summary, asked)
        shown = candidates[0].text if candidates else asked
        suggestions = index.close_references(shown) if candidates else []
        if len(suggestions) < 3:
            for summary in index.close_titles(asked, limit=3):
                if summary.reference not in suggestions:
                    suggestions.append(summary.reference)
        return Resolution(None, shown, suggestions[:3])

    def _converted_to(self, draft: str) -> str | None:
        with self._session() as session:
            return session.scalar(_CONVERTED_TO, {"draft": draft})

    def _detail(self, db: Session | Connection, mod: Modification | Row) -> ModDetail:
        row = db.execute(_DETAIL_EXTRAS, {"mod_id": mod.id, "source": mod.source}).one_or_none()
        return ModDetail(
            summary=_summary(mod),
            proposer=mod.proposer,
            organisation=mod.organisation,
            lead_analyst=mod.lead_analyst,
            raised=mod.raised,
            path=mod.path,
            impacted_parties=list(mod.impacted_parties or []),
            sec_documents=list(mod.sec_documents or []),
            issue_summary=mod.issue_summary,
            solution_summary=mod.solution_summary,
            implementation_date=mod.implementation_date,
            latest_update=mod.latest_update,
            url=mod.url,
            earlier_titles=list(db.execute(_EARLIER_TITLES, {"mod_id": mod.id}).scalars()),
            source=SourceView(row[0], row[1], row[2]) if row else None,
            converted_from=row[3] if row else None,
            converted_to=row[4] if row else None,
        )

    def status(self, reference: str) -> Status | None:
        today = self.today()
        with self._connection() as connection:
            mod = self._mod_row(connection, reference)
            if mod is None:
                return None
            facts = _Facts.load(connection, mod)
            detail = self._detail(connection, mod)
        assessments = [_assessment_view(a, mod.reference, mod.title, today) for a in facts.assessments]
        placements = [
            ReleasePlacement(s.name, s.date, s.date_text, SCOPE_STATUSES.get(s.status, s.status), s.note)
            for s in facts.scope
        ]
        recent = [entry for entry in facts.timeline(mod) if entry.date <= today][-5:]
        consultations = [_consultation_view(c, mod.reference, mod.title, today) for c in facts.consultations]
        milestone = facts.next_milestone(today, assessments, placements, consultations)
        ahead = [v for v in consultations if v.state in ("open", "upcoming", "expected")]
        return Status(detail, milestone, assessments, placements, recent, today, ahead)

    def timeline(self, reference: str) -> list[TimelineEntry] | None:
        with self._connection() as connection:
            mod = self._mod_row(connection, reference)
            return _Facts.load(connection, mod).timeline(mod) if mod else None

    # -- assessments ------------------------------------------------------------------------
    def assessments(
        self,
        *,
        open: bool | None = None,
        completed_since: dt.date | None = None,
        requested_between: tuple[dt.date, dt.date] | None = None,
    ) -> list[AssessmentView]:
        today = self.today()
        with self._session() as session:
            clauses = [or_(Assessment.accepted.is_(None), Assessment.accepted <= today)]
            if open is True:
                clauses.append(or_(Assessment.returned.is_(None), Assessment.returned > today))
                clauses.append(Assessment.accepted.is_not(None))
            elif open is False:
                clauses.append(Assessment.returned <= today)
                if completed_since:
                    clauses.append(Assessment.returned >= completed_since)
            if requested_between:
                clauses.append(Assessment.requested.between(*requested_between))
            views = self._assessments(session, today, and_(*clauses))
        if open is False:
            views.sort(key=lambda a: a.returned or dt.date.min)
        return views

    def _assessments(self, session: Session, today: dt.date, where) -> list[AssessmentView]:
        # Columns, not ORM objects: a register-wide list is thousands of rows, and views need no identity.
        return [
            _assessment_view(row, row.reference, row.title, today)
            for row in session.execute(
                select(*_ASSESSMENT_COLUMNS, Modification.reference, Modification.title)
                .join(Modification)
                .where(where)
                .order_by(Assessment.accepted, Modification.reference)
            )
        ]

    # -- lists ------------------------------------------------------------------------------
    def search(self, text: str, limit: int | None = None) -> tuple[int, list[SearchHit]]:
        """How many modifications match, and the best ``limit`` of them."""
        return self.index().search(text, limit)

    def search_most(self, text: str, limit: int | None = None) -> tuple[int, list[SearchHit]]:
        """Those that match most of the words, when none matches them all (``RegisterIndex.search_most``)."""
        return self.index().search_most(text, limit)

    def pages(self, references: set[str]) -> dict[str, str]:
        """The SECAS page of each of ``references`` that has one."""
        query = select(Modification.reference, Modification.url).where(
            Modification.reference.in_(sorted(references)), Modification.url.is_not(None)
        )
        with self._connection() as connection:
            return {ref: url for ref, url in connection.execute(query) if url}

    def everything(self, *, ordered: bool = True) -> list[ModSummary]:
        """Every modification in the register, stale ones too, by family and number (``ordered``).

        From the search index when its store has one (the register's always, at the revision answers are
        keyed on; a snapshot's once a question has needed it): its summaries are these, in this order.
        """
        view = self.view()
        index = view.index_cache.built(view.sessions)
        if index is not None:
            return list(index.summaries)
        return [ModSummary(*row) for row in self._summary_rows(true(), ordered=ordered)]

    def report_days(self) -> list[dt.date]:
        """The days the sources in the register count from (issue days), up to today, oldest first."""
        today = self.today()
        return sorted({day for day in asof.source_days(self.store, self.revision()).values() if day <= today})

    def by_phase(self, phase: str, *, include_stale: bool = False) -> Listed:
        return self._listed(Modification.phase == phase, include_stale)

    def by_status(self, status: str, *, include_stale: bool = False) -> Listed:
        return self._listed(func.lower(Modification.status) == status.strip().lower(), include_stale)

    def _listed(self, where, include_stale: bool) -> Listed:
        """The modifications ``where`` holds, without the stale ones unless ``include_stale``: one query."""
        current: list[ModSummary] = []
        stale: list[ModSummary] = []
        for *summary, is_stale in self._summary_rows(where, self._stale_column()):
            (stale if is_stale and not include_stale else current).append(ModSummary(*summary))
        return Listed(current, stale)

    def _summary_rows(self, where, *extra, ordered: bool = True) -> list[Row]:
        query = select(Modification.reference, Modification.title, Modification.phase, Modification.status, *extra)
        query = query.where(where)
        if extra:
            query = query.join(Source, Source.key == Modification.source)
        if ordered:
            query = query.order_by(Modification.family, Modification.number, Modification.suffix)
        with self._connection() as connection:
            return connection.execute(query).all()

    def raised_between(self, start: dt.date, end: dt.date, *, family: str | None = None) -> list[ModDetail]:
        """Modifications raised from ``start`` to ``end`` inclusive (``family="DP"``: Draft Proposals), oldest first."""
        with self._session() as session:
            query = select(Modification).where(Modification.raised >= start, Modification.raised <= end)
            if family:
                query = query.where(Modification.family == family)
            mods = session.scalars(
                query.order_by(Modification.raised, Modification.family, Modification.number, Modification.suffix)
            )
            return [self._detail(session, m) for m in mods]

    def raised_by(self, name: str) -> list[ModSummary]:
        """Every modification whose organisation or proposer is ``name`` (any case), stale ones too: who
        raised a modification does not go out of date."""
        folded = name.strip().lower()
        where = or_(func.lower(Modification.organisation) == folded, func.lower(Modification.proposer) == folded)
        return [ModSummary(*row) for row in self._summary_rows(where)]

    def proposers(self) -> list[str]:
        """The organisations and people the register names as raising modifications."""
        query = select(Modification.organisation, Modification.proposer).distinct()
        with self._connection() as connection:
            names = {name for row in connection.execute(query) for name in row if name}
        return sorted(names, key=str.lower)

    def statuses(self) -> list[str]:
        with self._session() as session:
            return sorted(s for s in session.scalars(select(Modification.status).distinct()) if s)

    def stage_counts(self, *, include_stale: bool = False) -> list[tuple[str, int]]:
        return self.counted_stages(include_stale=include_stale)[0]

    def counted_stages(self, *, include_stale: bool = False) -> tuple[list[tuple[str, int]], int]:
        """Modifications per stage, without the stale ones unless ``include_stale``, and how many stale
        ones were left out: one query."""
        stale = self._stale_column()
        query = (
            select(Modification.phase, stale, func.count())
            .join(Source, Source.key == Modification.source)
            .group_by(Modification.phase, stale)
        )
        counts: Counter = Counter()
        left_out = 0
        with self._session() as session:
            for phase, is_stale, n in session.execute(query):
                if is_stale and not include_stale:
                    left_out += n
                else:
                    counts[phase] += n
        ordered = [(phase, counts.get(phase, 0)) for phase in PHASES]
        if counts.get(None):
            ordered.append(("Not reported", counts[None]))
        return ordered, left_out

    # -- meetings ---------------------------------------------------------------------------
    def meetings(self, kind: str, *, on: dt.date | None = None, which: str | None = None) -> list[MeetingView]:
        """Meetings of ``kind``: on a date, or the next (``which='next'``) or last one."""
        today = self.today()
        with self._session() as session:
            query = select(Meeting).where(Meeting.kind == kind)
            if on is not None:
                query = query.where(Meeting.date == on)
            elif which == "next":
                query = query.where(Meeting.date >= today).order_by(Meeting.date).limit(1)
            elif which == "last":
                query = query.where(Meeting.date < today).order_by(Meeting.date.desc()).limit(1)
            else:
                query = query.order_by(Meeting.date)
            return [self._meeting_view(session, m) for m in session.scalars(query)]

    def meetings_between(self, kind: str, start: dt.date, end: dt.date) -> list[MeetingView]:
        """Meetings of ``kind`` held from ``start`` to ``end`` inclusive, oldest first."""
        with self._session() as session:
            query = (
                select(Meeting)
                .where(Meeting.kind == kind, Meeting.date >= start, Meeting.date <= end)
                .order_by(Meeting.date, Meeting.id)
            )
            return [self._meeting_view(session, m) for m in session.scalars(query)]

    def meetings_near(self, kind: str, on: dt.date, limit: int = 2) -> list[MeetingView]:
        with self._session() as session:
            rows = list(session.scalars(select(Meeting).where(Meeting.kind == kind)))
            rows.sort(key=lambda m: abs((m.date - on).days))
            return [self._meeting_view(session, m) for m in rows[:limit]]

    def _meeting_view(self, session: Session, meeting: Meeting) -> MeetingView:
        items = [
            AgendaEntry(ref, title, phase, item.note)
            for item, ref, title, phase in session.execute(
                select(AgendaItem, Modification.reference, Modification.title, Modification.phase)
                .join(Modification)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(AgendaItem.position)
            )
        ]
        return MeetingView(
            meeting.kind,
            MEETING_KINDS[meeting.kind],
            meeting.date,
            meeting.title,
            meeting.agenda_published,
            meeting.url,
            items,
        )

    # -- consultations ----------------------------------------------------------------------
    def consultations(
        self,
        states: tuple[str, ...] = ("open", "upcoming", "expected"),
        *,
        between: tuple[dt.date, dt.date] | None = None,
    ) -> list[ConsultationView]:
        """Consultations in ``states``; with ``between`` (first, last), only those opening or closing then."""
        today = self.today()
        query = _CONSULTATIONS
        if between:
            first, last = between
            query = query.where(or_(Consultation.opens.between(first, last), Consultation.closes.between(first, last)))
        with self._connection() as connection:
            views = [_consultation_view(c, c.reference, c.title, today) for c in connection.execute(query)]
        chosen = [v for v in views if v.state in states]
        chosen.sort(key=lambda v: (v.closes or v.opens or v.expected_week or dt.date.max, v.reference))
        return chosen

    def closing_soon(self, within_wd: int = 5) -> list[ConsultationView]:
        """Open consultations that close within ``within_wd`` deadline working days."""
        return [c for c in self.consultations(("open",)) if c.closes_in_wd is not None and c.closes_in_wd <= within_wd]

    # -- releases ---------------------------------------------------------------------------
    def releases(
        self, *, name: str | None = None, month: tuple[int, int] | None = None, upcoming: bool = False
    ) -> list[ReleaseView]:
        """Releases by date (undated last), each with its scope: two queries, however many releases."""
        today = self.today()
        query = _RELEASES
        if name:
            query = query.where(func.lower(Release.name) == name.lower())
        with self._connection() as connection:
            rows = connection.execute(query).all()
            if month:
                rows = [r for r in rows if _release_month(r) == month]
            if upcoming:  # a release "No earlier than 27 June 2019" is upcoming until that month is over
                this_month = (today.year, today.month)
                rows = [r for r in rows if (r.date >= today if r.date else (_release_month(r) or (0, 0)) >= this_month)]
                rows.sort(key=lambda r: (r.date.year, r.date.month, r.date.day) if r.date else (*_release_month(r), 32))
            if not rows:
                return []
            scope: dict[int, list[ScopeEntry]] = {r.id: [] for r in rows}
            chosen = _SCOPE.where(ReleaseScope.release_id.in_(list(scope))) if name or month or upcoming else _SCOPE
            for release_id, reference, title, status, note in connection.execute(chosen):
                scope[release_id].append(ScopeEntry(reference, title, SCOPE_STATUSES.get(status, status), note))
        return [ReleaseView(r.name, r.date, r.date_text, r.standalone, scope[r.id]) for r in rows]

    # -- decisions --------------------------------------------------------------------------
    def votes(self, start: dt.date, end: dt.date) -> list[VoteView]:
        with self._connection() as connection:
            return [
                VoteView(reference, title, date, outcome, VOTE_OUTCOMES[outcome], governance, majority, objective, note)
                for reference, title, date, outcome, governance, majority, objective, note in connection.execute(
                    _VOTES, {"start": start, "end": end}
                )
            ]

    def decisions(self, start: dt.date, end: dt.date) -> list[DecisionView]:
        with self._connection() as connection:
            return [DecisionView(*row) for row in connection.execute(_DECISIONS, {"start": start, "end": end})]

    def pending_authority(self, *, include_stale: bool = False) -> list[VoteView]:
        """Modifications whose latest Change Board vote went to the Authority with no decision since."""
        today = self.today()
        stale = {} if include_stale else self.stale()
        latest: dict[str, VoteView] = {}  # votes come oldest first: the last one per modification wins
        for vote in self.votes(dt.date.min, today):
            latest[vote.reference] = vote
        decided = {d.reference: d.date for d in self.decisions(dt.date.min, today)}
        pending = [v for v in latest.values() if v.outcome in _PENDING_AUTHORITY and v.reference not in stale]
        pending = [p for p in pending if not (p.reference in decided and decided[p.reference] >= p.date)]
        return sorted(pending, key=lambda p: (p.date, p.reference))


def _assessment_view(a, reference: str, title: str | None, today: dt.date) -> AssessmentView:
    # Open assessments are counted to the end of the last complete reporting month, as SECAS do.
    counted_to = end_of_previous_month(today)
    is_open = a.returned is None or a.returned > today
    start = a.clock_restart or a.accepted
    end = counted_to if is_open else a.returned
    duration = report_duration_wd(start, end)  # None when it cannot be counted, never 0
    return AssessmentView(
        reference,
        title,
        a.kind,
        a.round,
        a.requested,
        a.accepted,
        None if is_open else a.returned,
        a.target_wd,
        a.clock_restart,
        a.note,
        duration,
        counted_to if is_open else None,
    )


def consultation_state(c: Consultation, today: dt.date) -> tuple[str, int | None]:
    """(open | upcoming | expected | expected-undated | closed, working days left while open)."""
    if c.opens and c.opens <= today and (c.closes is None or c.closes >= today):
        return "open", deadline_working_days_between(today, c.closes) if c.closes else None
    if c.opens and c.opens > today:
        return "upcoming", None
    if c.opens is None and c.expected_week and c.expected_week + dt.timedelta(days=6) >= today:
        return "expected", None
    if c.opens is None and not c.expected_week and c.expected_text:
        # "expected late October 2017": expected until that month is over; undated when no month is said
        month = month_in(c.expected_text)
        if month is None:
            return "expected-undated", None
        return ("expected", None) if month >= (today.year, today.month) else ("closed", None)
    return "closed", None


def _consultation_view(c: Consultation, reference: str, title: str | None, today: dt.date) -> ConsultationView:
    state, closes_in = consultation_state(c, today)
    return ConsultationView(
        reference,
        title,
        c.kind,
        CONSULTATION_KINDS[c.kind],
        c.opens,
        c.closes,
        c.expected_week,
        c.expected_text,
        c.url,
        c.note,
        state,
        closes_in,
    )


@dataclass
class _Facts:
    """Everything dated about one modification, fetched once; timeline and milestone derive from it.

    Rows, not entities (``secbot.store.facts``, in one query): each reads as its model does
    (``event.date``, ``vote.outcome``); an agenda row holds its meeting's ``kind`` and ``date`` with its
    own ``note`` and ``source``, and a
    scope row its release's ``name``, ``date`` and ``date_text`` with its own ``status``, ``note`` and
    ``source``.
    """

    events: list[Row]
    agenda: list[Row]
    consultations: list[Row]
    assessments: list[Row]
    votes: list[Row]
    decisions: list[Row]
    scope: list[Row]

    @classmethod
    def load(cls, connection: Connection, mod: Row) -> _Facts:
        return cls(**facts.load(connection, mod.id))

    def timeline(self, mod: Row) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        if mod.raised:
            who = " by ".join(filter(None, ["Raised", mod.proposer]))
            org = f" ({mod.organisation})" if mod.organisation else ""
            entries.append(TimelineEntry(mod.raised, f"{who}{org}", mod.source))
        entries += [TimelineEntry(e.date, e.text, e.source) for e in self.events]
        vote_days = {v.date for v in self.votes}
        for item in self.agenda:
            if item.kind == "change_board" and item.date in vote_days:
                continue  # the vote itself says more than the agenda line
            note = f": {item.note}" if item.note else ""
            entries.append(TimelineEntry(item.date, f"{MEETING_KINDS[item.kind]}{note}", item.source))
        for c in self.consultations:
            label = CONSULTATION_KINDS[c.kind]
            if c.opens:
                entries.append(TimelineEntry(c.opens, f"{label} opens (closes {_date(c.closes)})", c.source))
            elif c.expected_week:
                entries.append(
                    TimelineEntry(c.expected_week, f"{label} expected {c.expected_text or ''}".strip(), c.source)
                )
        for a in self.assessments:
            for day, verb in (
                (a.requested, "requested"),
                (a.accepted, "accepted"),
                (a.returned, "returned"),
                (a.clock_restart, "clock restarted"),
            ):
                if day:
                    entries.append(TimelineEntry(day, f"DCC {ASSESSMENT_KINDS[a.kind]} {verb}", a.source))
        for v in self.votes:
            objective = f", SEC Objective {v.objective}" if v.objective else ""
            entries.append(TimelineEntry(v.date, f"Change Board: {VOTE_OUTCOMES[v.outcome]}{objective}", v.source))
        for d in self.decisions:
            cond = f" ({d.conditions})" if d.conditions else ""
            entries.append(TimelineEntry(d.date, f"{d.authority or 'The Authority'} {d.outcome}{cond}", d.source))
        for s in self.scope:
            if s.date:
                entries.append(TimelineEntry(s.date, f"{s.name} ({SCOPE_STATUSES.get(s.status, s.status)})", s.source))
        entries.sort(key=lambda e: e.date)
        return entries

    def next_milestone(
        self,
        today: dt.date,
        assessments: list[AssessmentView],
        placements: list[ReleasePlacement],
        consultations: list[ConsultationView],
    ) -> Milestone | None:
        """The earliest dated thing ahead; else what the modification is waiting for."""
        dated: list[Milestone] = []
        for item in self.agenda:
            if item.date >= today:
                note = f": {item.note}" if item.note else ""
                dated.append(Milestone(item.date, f"{MEETING_KINDS[item.kind]} on {_date(item.date)}{note}"))
        for c in consultations:
            if c.state == "open":
                left = f" ({plural(c.closes_in_wd, 'working day')} left)" if c.closes_in_wd is not None else ""
                dated.append(Milestone(c.closes or today, f"{c.kind_label} closes on {_date(c.closes)}{left}"))
            elif c.state == "upcoming":
                dated.append(Milestone(c.opens, f"{c.kind_label} opens on {_date(c.opens)}"))
            elif c.state == "expected":
                when = c.expected_text or f"w/c {_date(c.expected_week)}"
                # only a month said ("late October 2017"): after anything dated within that month
                by = c.expected_week or end_of_month(dt.date(*month_in(c.expected_text), 1))
                dated.append(Milestone(by, f"{c.kind_label} expected {when}"))
        for p in placements:
            if p.date and p.date >= today and p.status != "Implemented":
                dated.append(Milestone(p.date, f"{p.release} on {_date(p.date)} ({p.status.lower()})"))
        if dated:
            return min(dated, key=lambda m: m.date)
        past_votes = [v for v in self.votes if v.date <= today]
        if past_votes and past_votes[-1].outcome in _PENDING_AUTHORITY:
            last = past_votes[-1]
            if not any(last.date <= d.date <= today for d in self.decisions):
                return Milestone(
                    None,
                    f"Authority decision pending: the Change Board {VOTE_OUTCOMES[last.outcome]} on {_date(last.date)}",
                )
        for a in assessments:
            if a.is_open and a.accepted:
                so_far = f"{a.duration_wd} WD so far" if a.duration_wd is not None else f"duration so far {UNKNOWN}"
                return Milestone(None, f"DCC {ASSESSMENT_KINDS[a.kind]} awaited: {so_far}{target_clause(a.target_wd)}")
        for p in placements:
            if p.date is None and p.status != "Implemented":
                return Milestone(None, f"{p.release} ({p.date_text or 'date to be confirmed'})")
        return None
