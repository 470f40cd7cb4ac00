"""The monthly status digest: SECAS's Change Status Report rebuilt from the register, as data.

``build_monthly`` is pure: it reads only through ``Register`` and returns a ``Document`` with the
report's five sections (Summary, Define, Refine, Opine, Releases). The reporting period is the month
before the register's today, as the report issued on 11 June 2021 covers up to 31 May 2021.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from secbot.commands import what_changed
from secbot.digests.document import Chart, Document, Item, Period, Section, Table
from secbot.digests.kind import MONTHLY, PANEL_RULE, DigestKind, Options
from secbot.formatting import agreeing, average_wd, long_date, on_day, plural, quoted_title, wd
from secbot.store.differences import between
from secbot.store.queries import Register
from secbot.store.views import ConsultationView, ModDetail, ReleaseView, VoteView
from secbot.vocabulary import ASSESSMENT_KINDS
from secbot.workdays import end_of_previous_month, report_average_wd, twelve_months_to

DURATION_RULE = (
    "DCC assessment durations are working days (WD) counted Monday–Friday inclusive, bank holidays not "
    "removed, as SECAS's reports count them; open assessments are counted to the end of the reporting month "
    "and averages are rounded half up to a whole day. A duration that cannot be counted is shown as — and "
    "left out of the averages, which say how many they left out."
)


def reporting_period(today: dt.date) -> Period:
    """The calendar month before ``today``."""
    end = end_of_previous_month(today)
    return Period(end.replace(day=1), end)


def build_monthly(register: Register, register_url: str | None = None) -> Document:
    """The monthly digest as the register stands today; its Markdown and HTML link every modification
    to its SECAS page, or to ``register_url`` (the Modifications Register) when it has none."""
    today = register.today()
    period = reporting_period(today)
    document = Document(
        title=f"Monthly status digest – {today:%B %Y}",
        as_of=today,
        period=period,
        sections=[
            _summary(register, today, period),
            _what_changed(register, today, period),
            _define(register, today, period),
            _refine(register, period),
            _opine(register, period),
            _releases(register),
        ],
        notes=[DURATION_RULE],
        register_url=register_url,
    )
    document.links = register.pages(document.references())
    return document


# -- Summary ------------------------------------------------------------------------------------
def _summary(register: Register, today: dt.date, period: Period) -> Section:
    counts, left_out = register.counted_stages()
    total = sum(n for _, n in counts)
    paragraphs = [f"{plural(total, 'proposal')} in the register on {long_date(today)}."]
    if left_out:
        paragraphs.append(
            f"Not counted: {plural(left_out, 'proposal')} that no report has restated since "
            f"{long_date(register.stale_before())}, whose stage may have moved on."
        )
    stages = Section(
        "Proposals currently in each stage",
        paragraphs=paragraphs,
        chart=Chart("Proposals currently in each stage", [s for s, _ in counts], [n for _, n in counts]),
        tables=[Table(["Stage", "Proposals"], [[stage, str(n)] for stage, n in counts])],
    )
    section = Section(
        "Summary",
        paragraphs=[
            "The progress of SEC Draft Proposals, Modification Proposals and Releases, with the decisions "
            f"made in {period.label}."
        ],
        subsections=[stages, *_next_panel(register), _decisions_summary(register, period)],
    )
    return section


def _what_changed(register: Register, today: dt.date, period: Period) -> Section:
    """What changed from the start of the reporting month to today: the register as it stood on each."""
    changes = between(register, period.start - dt.timedelta(days=1), today)
    section = Section("What changed")
    if not changes:
        section.paragraphs.append(f"{what_changed.span(changes)}, the register records no change.")
        return section
    section.paragraphs.append(f"{what_changed.span(changes)}:")
    section.subsections = [
        Section(f"{heading} ({len(things)})", items=what_changed.shown_items(things, item))
        for heading, things, item in what_changed.parts(changes)
    ]
    return section


def _next_panel(register: Register) -> list[Section]:
    panels = register.meetings("panel", which="next")
    if not panels or not panels[0].items:
        return [Section("Recommendations to the Panel", paragraphs=["No Panel agenda is recorded yet."])]
    panel = panels[0]
    groups: dict[str, list[Item]] = defaultdict(list)
    for entry in panel.items:
        groups[entry.note or "Also on the Panel agenda"].append(
            Item(quoted_title(entry.reference, entry.title), reference=entry.reference)
        )
    return [
        Section(
            heading,
            paragraphs=[
                f"{plural(len(items), 'modification')} {agreeing(len(items), 'is', 'are')} being presented "
                f"to the Panel on {long_date(panel.date)}:"
            ],
            items=items,
        )
        for heading, items in groups.items()
    ]


def _decisions_summary(register: Register, period: Period) -> Section:
    votes = register.votes(period.start, period.end)
    decisions = register.decisions(period.start, period.end)
    items = [
        Item(quoted_title(v.reference, v.title), f"{v.outcome_label} on {long_date(v.date)}", v.reference)
        for v in votes
    ]
    items += [
        Item(
            quoted_title(d.reference, d.title),
            f"{d.outcome} by {d.authority or 'the Authority'} on {long_date(d.date)}",
            d.reference,
        )
        for d in decisions
    ]
    if not items:
        return Section("Decisions", paragraphs=[f"No Change Board or Authority decisions in {period.label}."])
    return Section("Decisions", paragraphs=[f"Decisions made in {period.label}:"], items=items)


# -- Define -------------------------------------------------------------------------------------
def _define(register: Register, today: dt.date, period: Period) -> Section:
    drafts = register.raised_between(period.start, today, family="DP")
    new = Section("New Draft Proposals")
    if drafts:
        new.paragraphs.append(
            f"{plural(len(drafts), 'Draft Proposal')} raised from {long_date(period.start)} to {long_date(today)}:"
        )
        new.subsections = [_draft(d) for d in drafts]
    else:
        new.paragraphs.append(f"No Draft Proposals were raised from {long_date(period.start)} to {long_date(today)}.")
    committee = Section("Change Sub-Committee decisions")
    meetings = register.meetings_between("change_sub_committee", period.start, period.end)
    if not meetings:
        committee.paragraphs.append(f"The Change Sub-Committee made no recorded decisions in {period.label}.")
    for meeting in meetings:
        committee.subsections.append(
            Section(
                paragraphs=[f"On {long_date(meeting.date)}, the Change Sub-Committee considered:"],
                items=[Item(quoted_title(e.reference, e.title), e.note, e.reference) for e in meeting.items],
            )
        )
    return Section("Define", subsections=[new, committee])


def _draft(mod: ModDetail) -> Section:
    who = mod.proposer or "an unnamed proposer"
    org = f" from {mod.organisation}" if mod.organisation else ""
    paragraphs = [f"{mod.summary.label} was raised by {who}{org} on {long_date(mod.raised)}."]
    if mod.issue_summary:
        paragraphs.append(mod.issue_summary.strip())
    return Section(mod.summary.reference, paragraphs=paragraphs)


# -- Refine -------------------------------------------------------------------------------------
def _refine(register: Register, period: Period) -> Section:
    return Section(
        "Refine",
        subsections=[
            _working_group(register),
            _consultations(register, "refinement", "Refinement Consultations", "Refinement Consultation"),
            _assessment_requests(register, period),
            _assessment_timescales(register, period),
        ],
    )


def _working_group(register: Register) -> Section:
    section = Section("Working Group meetings")
    last = register.meetings("working_group", which="last")
    if last:
        meeting = last[0]
        if meeting.items:
            section.paragraphs.append(
                f"The last Working Group meeting was held on {long_date(meeting.date)}, and included the "
                "following modifications:"
            )
            section.items = [Item(quoted_title(e.reference, e.title), e.note, e.reference) for e in meeting.items]
        else:
            section.paragraphs.append(f"The last Working Group meeting was held on {long_date(meeting.date)}.")
    nxt = register.meetings("working_group", which="next")
    if nxt:
        meeting = nxt[0]
        published = meeting.agenda_published
        agenda = (
            f", and the provisional agenda for this session "
            f"{on_day(published, register.today(), 'was announced', 'will be announced')}"
            if published
            else ""
        )
        section.subsections.append(
            Section(paragraphs=[f"The next Working Group meeting will be held on {long_date(meeting.date)}{agenda}."])
        )
    if not last and not nxt:
        section.paragraphs.append("No Working Group meetings are recorded.")
    return section


def _consultations(register: Register, kind: str, heading: str, label: str) -> Section:
    views = [c for c in register.consultations() if c.kind == kind]
    section = Section(heading)
    open_ = [c for c in views if c.state == "open"]
    if open_:
        section.paragraphs.append(f"Out for {label} now:")
        section.items = [_consultation_item(c) for c in open_]
    else:
        section.paragraphs.append(f"There are currently no Modification Proposals out for {label}.")
    upcoming = [c for c in views if c.state == "upcoming"]
    if upcoming:
        section.subsections.append(
            Section(
                paragraphs=[f"The following {label}s are scheduled:"], items=[_consultation_item(c) for c in upcoming]
            )
        )
    expected: dict[str, list[ConsultationView]] = defaultdict(list)
    for c in views:
        if c.state == "expected":
            expected[c.expected_text or f"week commencing {long_date(c.expected_week)}"].append(c)
    for when, group in expected.items():
        section.subsections.append(
            Section(
                paragraphs=[f"The following modifications are expected to be issued for {label} in the {when}:"],
                items=[Item(quoted_title(c.reference, c.title), reference=c.reference) for c in group],
            )
        )
    return section


def _consultation_item(c: ConsultationView) -> Item:
    if c.state == "open":
        left = f" ({plural(c.closes_in_wd, 'working day')} left)" if c.closes_in_wd is not None else ""
        detail = f"closes {long_date(c.closes)}{left}"
    else:
        detail = f"opens {long_date(c.opens)}, closes {long_date(c.closes)}"
    return Item(quoted_title(c.reference, c.title), detail, c.reference)


def _assessment_requests(register: Register, period: Period) -> Section:
    requested = register.assessments(requested_between=(period.start, period.end))
    section = Section("Impact Assessment requests")
    if not requested:
        section.paragraphs.append(f"The register records no DCC assessment requested in {period.label}.")
        return section
    section.paragraphs.append(f"DCC assessments requested in {period.label}:")
    section.items = [
        Item(quoted_title(a.reference, a.title), f"{ASSESSMENT_KINDS[a.kind]} requested {long_date(a.requested)}")
        for a in requested
    ]
    return section


def _assessment_timescales(register: Register, period: Period) -> Section:
    since = twelve_months_to(period.end)
    opened = [a for a in register.assessments(open=True) if a.accepted and a.accepted <= period.end]
    completed = [a for a in register.assessments(open=False, completed_since=since) if a.returned <= period.end]
    summary_rows = []
    for kind, name in ASSESSMENT_KINDS.items():
        for state, views in (("open", opened), ("completed in the last 12 months", completed)):
            of_kind = [a for a in views if a.kind == kind]
            average = report_average_wd(a.duration_wd for a in of_kind)
            summary_rows.append([f"{name}s {state}", str(len(of_kind)), average_wd(*average)])
    return Section(
        "DCC assessment timescales",
        paragraphs=[f"The timescales below cover the 12-month period up to the end of {period.label}."],
        tables=[
            Table(["Assessment", "Total", "Average duration"], summary_rows, "Summary"),
            Table(
                ["Modification", "Type", "Accepted", "Target duration", "Current duration"],
                [[a.reference, a.kind, long_date(a.accepted), wd(a.target_wd), wd(a.duration_wd)] for a in opened],
                "Open assessments",
            ),
            Table(
                ["Modification", "Type", "Returned", "Target duration", "Actual duration"],
                [[a.reference, a.kind, long_date(a.returned), wd(a.target_wd), wd(a.duration_wd)] for a in completed],
                "Assessments completed in the last 12 months",
            ),
        ],
    )


# -- Opine --------------------------------------------------------------------------------------
def _opine(register: Register, period: Period) -> Section:
    return Section(
        "Opine",
        subsections=[
            _consultations(
                register, "modification_report", "Modification Report Consultations", "Modification Report Consultation"
            ),
            _votes(register, period),
            _authority(register, period),
        ],
    )


def _votes(register: Register, period: Period) -> Section:
    section = Section("Change Board votes")
    by_day: dict[dt.date, list[VoteView]] = defaultdict(list)
    for vote in register.votes(period.start, period.end):
        by_day[vote.date].append(vote)
    if not by_day:
        section.paragraphs.append(f"The Change Board did not vote on any modification in {period.label}.")
    for day, votes in by_day.items():
        section.subsections.append(
            Section(
                paragraphs=[f"The Change Board voted on modifications on {long_date(day)}:"],
                items=[Item(_vote_sentence(v), reference=v.reference) for v in votes],
            )
        )
    return section


def _vote_sentence(vote: VoteView) -> str:
    basis = f" on the basis that it would better facilitate SEC Objective {vote.objective}" if vote.objective else ""
    return f"{quoted_title(vote.reference, vote.title)} was {vote.outcome_label}{basis}."


def _authority(register: Register, period: Period) -> Section:
    section = Section("Authority decisions")
    decisions = register.decisions(period.start, period.end)
    if decisions:
        section.paragraphs.append(f"Authority decisions issued in {period.label}:")
        section.items = [
            Item(
                quoted_title(d.reference, d.title),
                f"{d.outcome} on {long_date(d.date)}" + (f" ({d.conditions})" if d.conditions else ""),
                d.reference,
            )
            for d in decisions
        ]
    else:
        section.paragraphs.append(f"The Authority issued no decisions in {period.label}.")
    pending = register.pending_authority()
    if pending:
        section.subsections.append(
            Section(
                paragraphs=["With the Authority for decision:"],
                items=[
                    Item(
                        quoted_title(v.reference, v.title),
                        f"the Change Board {v.outcome_label} on {long_date(v.date)}",
                        v.reference,
                    )
                    for v in pending
                ],
            )
        )
    else:
        section.subsections.append(Section(paragraphs=["No modification is with the Authority for decision."]))
    return section


# -- Releases -----------------------------------------------------------------------------------
def _releases(register: Register) -> Section:
    releases = register.releases(upcoming=True)
    section = Section("Releases")
    if not releases:
        section.paragraphs.append("No future SEC Release is recorded.")
    section.subsections = [_release(r) for r in releases]
    return section


def _release(release: ReleaseView) -> Section:
    when = long_date(release.date) if release.date else release.date_text or "date to be confirmed"
    approved = [s for s in release.scope if s.status == "Approved"]
    others = [s for s in release.scope if s.status != "Approved"]
    paragraph = (
        f"{plural(len(approved), 'modification')} approved for implementation in the {release.name} ({when})"
        + (":" if approved else ".")
    )
    section = Section(
        release.name,
        paragraphs=[paragraph],
        items=[Item(quoted_title(s.reference, s.title), s.note, s.reference) for s in approved],
    )
    if others:
        section.subsections.append(
            Section(
                paragraphs=["Also in its scope:"],
                items=[
                    Item(quoted_title(s.reference, s.title), "; ".join(filter(None, [s.status, s.note])), s.reference)
                    for s in others
                ],
            )
        )
    return section


def _nothing_to_send(register: Register, _options: Options) -> str:
    return f"No monthly digest on {long_date(register.today())}."


KIND = DigestKind(
    name="monthly",
    about="the monthly status digest (SECAS's Change Status Report)",
    build=lambda register, options: build_monthly(register, options.register_url),
    nothing_to_send=_nothing_to_send,
    schedule={"rule": PANEL_RULE, "hour": 9, "minute": 0},
    issues=MONTHLY,
    words=("month",),
    filtered=False,  # it mirrors SECAS's report, whole
    chart=True,
)
