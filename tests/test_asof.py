"""The register as it stood on any day: answers as of each bundled report's issue day equal the register
that held only the reports issued by then, whatever order the files were imported in."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from secbot.clock import Clock
from secbot.commands import Context, dispatch
from secbot.digests import commands  # noqa: F401  (registers the digest layer's commands, as secbot.app does)
from secbot.platforms.shell.text import render_text
from secbot.store.db import Store, make_engine
from secbot.store.importer.loader import _issued, import_paths, sample_paths
from secbot.store.models import Modification, Statement
from secbot.store.opening import prepare_store
from secbot.store.queries import Register
from tests.support.databases import leased
from tests.support.dates import LONDON
from tests.support.files import write

REPORTS = sample_paths()  # oldest first
DAYS = [_issued(path) for path in REPORTS]
QUESTIONS = ["stats", "dcc", "dcc completed", "wg", "wg last", "decisions", "consultations all", "phase refine"]


def answers(store: Store, day: dt.date) -> dict[str, str]:
    """Every question, and the card of every modification in ``store``, as a person would read them on ``day``."""
    register = Register(store, Clock(LONDON, day))
    with store.sessions() as session:
        references = list(session.scalars(select(Modification.reference).order_by(Modification.reference)))
    asked = [*QUESTIONS, f"release {day:%B %Y}", *references]
    return {question: render_text(dispatch(question, Context(register))) for question in asked}


@pytest.fixture(scope="module")
def as_it_stood(tmp_path_factory) -> dict[dt.date, dict[str, str]]:
    """For each report's issue day: the answers of a register that holds only the reports issued by then,
    imported oldest first (each day is then on or after its latest source: the fact tables answer)."""
    stood = {}
    for count, day in enumerate(DAYS, 1):
        with leased("migrated", tmp_path_factory.mktemp("stood")) as url:
            store = prepare_store(make_engine(url), load_sample=False)
            for path in REPORTS[:count]:
                import_paths(store, [path])
            stood[day] = answers(store, day)
            store.engine.dispose()
    return stood


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(REPORTS)))), ids=str)
def test_as_of_each_report_the_answers_are_that_reports_whatever_the_import_order(order, as_it_stood, tmp_path):
    with leased("migrated", tmp_path) as url:
        store = prepare_store(make_engine(url), load_sample=False)
        for index in order:
            import_paths(store, [REPORTS[index]])
        for day in DAYS:
            got = answers(store, day)
            expected = as_it_stood[day]
            # A modification no report by then named is not in that register at all.
            assert {q for q in got if q in expected} == set(expected)
            for question, text in expected.items():
                assert got[question] == text, f"as of {day}, {question!r}"
            for question in set(got) - set(expected):
                assert got[question].startswith(f"No modification {question} in the register"), question
        store.engine.dispose()


def test_secmp0007_as_each_report_said(sample_store):
    def card(day: dt.date) -> str:
        return render_text(dispatch("SECMP0007", Context(Register(sample_store, Clock(LONDON, day)))))

    october_2017 = card(dt.date(2017, 10, 6))
    assert october_2017.startswith("SECMP0007: Firmware updates to mandated HAN devices\n")
    assert "Phase:          Refine" in october_2017 and "Status:         Refinement" in october_2017
    assert october_2017.rstrip().endswith(
        "As reported in Modification and Release Status Report – October 2017 (6 October 2017)."
    )
    assert "2021" not in october_2017  # nothing said after October 2017

    june_2021 = card(dt.date(2021, 6, 11))
    assert june_2021.startswith("SECMP0007: Firmware updates to IHDs and PPMIDs\n")
    assert "Phase:          Implementation" in june_2021 and "Status:         Approved" in june_2021

    # Before any report named it, the register did not know it.
    assert card(dt.date(2017, 5, 9)).startswith("No modification SECMP0007 in the register")


def test_every_day_between_two_reports_stands_on_the_earlier_one(sample_store):
    def card(day: dt.date) -> str:
        reply = dispatch("SECMP0007", Context(Register(sample_store, Clock(LONDON, day))))
        return reply.footer or ""

    assert "October 2017" in card(dt.date(2019, 1, 1))
    assert "October 2017" in card(dt.date(2021, 6, 10))
    assert "June 2021" in card(dt.date(2021, 6, 11))


def test_an_older_report_imported_later_changes_the_past_not_the_present(sample_copy, tmp_path: Path):
    register = Register(sample_copy, Clock(LONDON, dt.date(2017, 9, 1)))
    assert dispatch("SECMP0007", Context(register)).title.startswith("SECMP0007: Firmware updates to mandated HAN")
    write(
        tmp_path / "august.yaml",
        """
        source: {key: UPDATE-2017-08, title: SEC Update – August 2017, issued: 2017-08-15}
        modifications:
          - {reference: SECMP0007, title: Firmware updates to HAN devices, phase: Refine, status: Working Group}
        """,
    )
    import_paths(sample_copy, [tmp_path / "august.yaml"])
    as_of_september = render_text(dispatch("SECMP0007", Context(register)))
    assert as_of_september.startswith("SECMP0007: Firmware updates to HAN devices\n")
    assert "Status:         Working Group" in as_of_september
    october = render_text(dispatch("SECMP0007", Context(Register(sample_copy, Clock(LONDON, dt.date(2017, 10, 6))))))
    assert october.startswith("SECMP0007: Firmware updates to mandated HAN devices\n")  # October's report is later
    today = render_text(dispatch("SECMP0007", Context(Register(sample_copy, Clock(LONDON, dt.date(2021, 6, 11))))))
    assert today.startswith("SECMP0007: Firmware updates to IHDs and PPMIDs\n")


def test_every_source_keeps_its_statement_and_a_reimport_adds_none(sample_copy):
    def kept() -> list[tuple[str, str]]:
        with sample_copy.sessions() as session:
            query = select(Statement.source, Statement.fields).where(
                Statement.table == "modifications", Statement.key == '["SECMP0007"]'
            )
            return sorted((source, fields.get("title")) for source, fields in session.execute(query))

    assert kept() == [
        ("CSR-2021-06", "Firmware updates to IHDs and PPMIDs"),
        ("MRSR-2017-10", "Firmware updates to mandated HAN devices"),
        ("SECUPDATE-2017-05", "Firmware updates to mandated HAN devices"),
    ]
    again = import_paths(sample_copy, REPORTS)
    assert not again.changed
    assert len(kept()) == 3


@pytest.mark.parametrize(
    ("question", "title", "says", "stood"),
    [
        (
            "SECMP0007 as of 6 Oct 2017",
            "SECMP0007: Firmware updates to mandated HAN devices",
            "Refine",
            "6 October 2017",
        ),
        (
            "as of 2017, stats",
            "Modifications in each stage",
            "35 current modifications in the register.",
            "31 December 2017",
        ),
        (
            "stats as of last March",
            "Modifications in each stage",
            "No report since 30 September 2020 has restated any modification.",
            "31 March 2021",
        ),
        ("what's the status of MP161 as of 1 June 2021?", "No modification MP161 in the register", "", "1 June 2021"),
        (
            "SECMP0007 as at the end of May 2017",
            "SECMP0007: Firmware updates to mandated HAN devices",
            "",
            "31 May 2017",
        ),
    ],
)
def test_a_question_asked_as_of_a_day_is_answered_as_the_register_stood(ask, question, title, says, stood):
    reply = ask(question)  # today is the June 2021 report's day
    assert reply.title == title
    assert says in render_text(reply)
    assert reply.footer.startswith(f"As the register stood on {stood}.")


@pytest.mark.parametrize(
    ("question", "title", "stood"),
    [
        ("firmware mods as they stood in 2017?", "Search: firmware", "31 December 2017"),
        (
            "where was mod 6 back in may 2017",
            "SECMP0006: Specifying the number of digits for device displays",
            "31 May 2017",
        ),
        ("which mods were in the decision phase on 25 may 2017", "Decision: 4 modifications", "25 May 2017"),
        ("how many mods were in each stage at the end of oct 2017", "Modifications in each stage", "31 October 2017"),
        ("as of 6 Oct 2017 when was the next WG", "Working Group: 10 October 2017", "6 October 2017"),
        ("on 15 oct 2017 when was the next working group", "Working Group: 18 October 2017", "15 October 2017"),
        ("Looking at Oct 2017, what had changed since the previous report?", "What changed", "31 October 2017"),
        ("status of 0006 as things were in dec 2017", "SECMP0006: Specifying the number", "31 December 2017"),
        ("what was the position on SECMP0023 on the 1st of october 2017", "SECMP0023: ", "1 October 2017"),
        ("as at 1 sept 2017 when had the change board last met", "Change Board: 19 April 2017", "1 September 2017"),
    ],
)
def test_the_day_asked_about_said_in_other_words(ask, question, title, stood):
    reply = ask(question)
    assert reply.title.startswith(title)
    assert reply.footer.startswith(f"As the register stood on {stood}.")


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("what was decided on 26 May 2021", "Decisions in May 2021"),  # the day of the decisions asked for
        ("on 2 June what was discussed at the wg", "Working Group: 2 June 2021"),
        ("which mods were approved in april 2017", "Decisions in April 2017"),
        ("which PAs came back in the last year", "DCC assessments completed in the last 12 months"),
        ("is MP161 back in refinement", "MP161: Significant Code Review – Retail Code Consolidation"),
    ],
)
def test_a_day_that_is_the_questions_own_is_not_taken_as_the_day_to_answer_as_of(ask, question, title):
    reply = ask(question)
    assert reply.title.startswith(title)
    assert "As the register stood" not in (reply.footer or "")


def test_as_of_a_day_that_cannot_be_read_or_has_not_come_is_a_polite_error(ask):
    unreadable = ask("MP161 as of teatime")
    assert (unreadable.kind, unreadable.title) == ("error", "“teatime” is not a day I can read")
    assert "`MP161 as of 7 February 2020`" in unreadable.summary
    future = ask("MP161 as of 1 July 2021")
    assert (future.kind, future.title) == ("error", "The register cannot say what it will hold")
    assert future.summary == "Ask as of 11 June 2021 or an earlier day."


def test_as_of_is_never_taken_from_a_change(ask):
    # An admin command reads all it was typed; a reader is refused it whatever its words.
    reply = ask("set MP161 status Approved as of 1 June 2021")
    assert "As the register stood" not in (reply.footer or "")


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("7 Feb 2020", dt.date(2020, 2, 7)),
        ("2020-02-07", dt.date(2020, 2, 7)),
        ("7 Feb", dt.date(2021, 2, 7)),
        ("12 June", dt.date(2020, 6, 12)),  # 12 June 2021 has not come yet
        ("yesterday", dt.date(2021, 6, 10)),
        ("last month", dt.date(2021, 5, 31)),
        ("last March", dt.date(2021, 3, 31)),
        ("last June", dt.date(2020, 6, 30)),
        ("June", dt.date(2021, 6, 11)),  # this month: up to today
        ("May 2021", dt.date(2021, 5, 31)),
        ("the end of May 2017", dt.date(2017, 5, 31)),
        ("2017", dt.date(2017, 12, 31)),
        ("last year", dt.date(2020, 12, 31)),
        ("teatime", None),
    ],
)
def test_the_days_members_type_after_as_of(typed, day):
    from secbot.commands.dates import parse_as_of

    assert parse_as_of(typed, dt.date(2021, 6, 11)) == day


def test_a_modification_no_report_restated_for_6_months_is_shown_as_last_reported_then(ask):
    reply = ask("SECMP0011")
    text = render_text(reply)
    assert reply.summary == "Decision · Awaiting Authority Decision · last reported 10 May 2017"
    assert "Last reported:  Smart Energy Code (SEC) Update – paper to the DCUSA Panel, May 2017 (10 May 2017);" in text
    assert "Next milestone: not known: nothing has been reported for over 6 months" in text
    fresh = ask("MP161")  # restated by the June 2021 report
    assert "last reported" not in fresh.summary and "Authority decision pending" in render_text(fresh)


def test_the_monthly_digest_counts_only_what_was_restated_and_says_what_it_left_out(sample_store):
    from secbot.digests.monthly import build_monthly
    from secbot.digests.render import render

    text = render(build_monthly(Register(sample_store, Clock(LONDON, dt.date(2021, 6, 11)))), "md")
    assert "45 proposals in the register on 11 June 2021." in text
    assert (
        "Not counted: 32 proposals that no report has restated since 11 December 2020, whose stage may have moved on."
        in text.replace("\n", " ")
    )


def test_how_long_a_modification_stays_current_is_a_setting(sample_db_url):
    from secbot.app import build
    from secbot.commands import Actor, Where
    from secbot.settings import Settings

    settings = Settings(database_url=sample_db_url, today=dt.date(2021, 6, 11), stale_after_months=60)
    app = build(settings)
    reply = app.answer("stats", Actor("shell", "tester"), Where("shell", "here"))
    assert reply.summary == "77 modifications in the register." and reply.footer is None
    app.store.engine.dispose()


def test_changes_since_the_report_before_the_latest_compare_the_register_as_it_stood_on_each(ask):
    reply = ask("changes", dt.date(2017, 10, 6))
    assert reply.title == "What changed since the report of 10 May 2017"
    assert reply.summary == "From the end of 10 May 2017 to the end of 6 October 2017."
    sections = {section.heading.rsplit(" (", 1)[0]: section for section in reply.sections}
    assert [section.heading for section in reply.sections][:4] == [
        "New in the register (9)",
        "Phase and status changes (6)",
        "Change Board votes (3)",
        "Authority decisions (3)",
    ]
    moved = {item.reference: item.detail for item in sections["Phase and status changes"].items}
    assert moved["SECMP0004"] == "Decision · Awaiting Authority Decision → Closed · Rejected"
    assert moved["SECMP0006"] == "Refine · Refinement → Implementation · Approved"
    assert [i.reference for i in sections["Change Board votes"].items] == ["SECMP0004", "SECMP0006", "SECMP0008"]
    decided = [i.detail for i in sections["Authority decisions"].items]
    assert decided == [
        "rejected on 29 September 2017",
        "approved on 29 September 2017",
        "approved on 29 September 2017",
    ]
    assert "SECMP0041" in [i.reference for i in sections["New in the register"].items]
    scope = sections["Release scope"]
    assert len(scope.items) == 26 and scope.items[-1].detail.startswith("and ")  # 25 shown, and how many more
    scope = [i.detail for i in sections["Release scope"].items if i.reference == "SECMP0007"]
    assert scope == ["June 2019 SEC Release: added (TBC)"]


def test_changes_since_a_day_and_last_month(ask):
    since = ask("changes since 1 May 2021")
    assert since.title == "What changed since 1 May 2021"
    drafts = next(s for s in since.sections if s.heading.startswith("New Draft Proposals"))
    assert "DP162" in [i.reference for i in drafts.items]
    # no report was issued in May 2021: what happened in it is what the June report dates in it
    may = ask("changes last month")
    assert may.title == "What changed in May 2021"
    assert may.summary == "The register, as it stands on 11 June 2021, dates these in May 2021."
    sections = {s.heading: [i.reference for i in s.items] for s in may.sections}
    assert sections["New Draft Proposals (4)"] == ["DP162", "DP163", "DP164", "DP165"]  # raised in May
    assert sections["Change Board votes (3)"] == ["MP099", "MP144", "MP161"]  # on 26 May
    assert "`changes since 1 May 2021`" in may.footer
    quiet = ask("changes last month", dt.date(2017, 9, 10))
    assert quiet.summary == "The register, as it stands on 10 September 2017, dates nothing in August 2017."
    assert ask("changes since teatime").title == "“since teatime” is not a day I can read"


def test_the_monthly_digest_says_what_changed_since_the_reporting_month_began(sample_store):
    from secbot.digests.monthly import build_monthly

    document = build_monthly(Register(sample_store, Clock(LONDON, dt.date(2017, 10, 6))))
    changed = document.section("What changed")
    assert changed.paragraphs == ["From the end of 31 August 2017 to the end of 6 October 2017:"]
    by_heading = {s.heading: s for s in changed.subsections}
    decided = by_heading["Authority decisions (3)"]
    assert [(i.reference, i.detail) for i in decided.items] == [
        ("SECMP0004", "rejected on 29 September 2017"),
        ("SECMP0006", "approved on 29 September 2017"),
        ("SECMP0008", "approved on 29 September 2017"),
    ]
    assert "Change Board votes (3)" not in by_heading  # they were on 23 August, before the month began


def test_at_most_two_snapshots_are_kept_and_a_let_go_one_leaves_no_file(sample_copy):
    import gc
    import os

    register = Register(sample_copy, Clock(LONDON, dt.date(2021, 6, 11)))
    views = [register.as_of(day).view() for day in (dt.date(2017, 5, 1), dt.date(2017, 6, 1), dt.date(2017, 11, 1))]
    paths = [view.engine.url.database for view in views]
    assert len(set(paths)) == 3 and all(os.path.exists(path) for path in paths)
    assert list(sample_copy.snapshots.kept.values()) == views[1:]
    del views
    gc.collect()
    assert not os.path.exists(paths[0]) and all(os.path.exists(path) for path in paths[1:])


TITLE_HISTORY = {
    "january.yaml": """
        source: {key: WG-2020-01, title: Working Group papers – January 2020, issued: 2020-01-10}
        modifications:
          - {reference: MP900, title: Alpha meters, proposer: Pat Doe, organisation: Npower, phase: Refinement}
        meetings:
          - {kind: WG, date: 2020-01-20, items: [MP900]}
        releases:
          - {name: June 2020, date: 2020-06-25, scope: [{reference: MP900, status: targeted}]}
        """,
    "march.yaml": """
        source: {key: WG-2020-03, title: Working Group papers – March 2020, issued: 2020-03-10}
        modifications:
          - {reference: MP900, title: Beta meters, earlier_titles: [Gamma meters], status: Working Group}
        """,
    "may.yaml": """
        source: {key: WG-2020-05, title: Working Group papers – May 2020, issued: 2020-05-10}
        modifications:
          - {reference: MP900, title: ALPHA meters, phase: Report Phase}
        releases:
          - {name: June 2020, scope: [{reference: MP900, status: approved, note: approved at Change Board}]}
        """,
}


@pytest.mark.parametrize("order", list(itertools.permutations(sorted(TITLE_HISTORY))), ids=str)
def test_the_register_built_from_every_statement_is_the_register_itself(order, tmp_path):
    """A snapshot resolves each row once from its statements; the register applied them one import at a
    time. Both must hold the same rows, earlier titles (with the source that last gave each) included."""
    from secbot.store import asof
    from secbot.store.export import export_rows

    def rows(store: Store) -> list:
        """Each row as exported; of a modification, the titles its source gave as one set (which of them
        the export calls ``title`` follows the order they were stored in, which import order decides)."""
        out = []
        with store.sessions() as session:
            for row in export_rows(session):
                fields = dict(row.fields)
                if row.table == "modifications":
                    fields["titles"] = sorted({fields.pop("title", None), *fields.pop("earlier_titles", [])} - {None})
                out.append((row.table, str(row.key), row.source, row.position, sorted(fields.items(), key=str)))
        return sorted(out)

    with leased("migrated", tmp_path) as url:
        store = prepare_store(make_engine(url), load_sample=False)
        for name in order:
            import_paths(store, [write(tmp_path / name, TITLE_HISTORY[name])])
        register = Register(store, Clock(LONDON, dt.date(2020, 6, 1)))
        days = asof.source_days(store, register.revision())
        snapshot = asof.build(store, frozenset(days), days)
        assert rows(snapshot) == rows(store)
        card = render_text(dispatch("MP900", Context(Register(snapshot, Clock(LONDON, dt.date(2020, 6, 1))))))
        assert card == render_text(dispatch("MP900", Context(register)))
        assert card.startswith("MP900: ALPHA meters\n")
        snapshot.engine.dispose()
        store.engine.dispose()


def test_what_stood_before_a_day_read_from_statements_is_what_its_snapshot_holds(sample_copy, tmp_path):
    """``changes`` reads the earlier day's modifications and scopes from statements in memory; the
    snapshot of that day (built afterwards) must hold exactly the same, chat changes and removals too."""
    from secbot.store import asof
    from secbot.store.differences import stood_before
    from tests.support.upkeep import ask, sample_app, token

    app = sample_app(sample_copy, dt.date(2021, 6, 20))
    for change in ("record scope June 2021 remove MP153", "set MP161 phase report", "record scope June 2022 add MP162"):
        reply = ask(app, change)
        if reply.title.startswith("Confirm"):
            ask(app, f"confirm {token(reply)}")
    july = """
        source: {key: CSR-2021-07, title: Change Status Report – July 2021, issued: 2021-07-09}
        modifications:
          - {reference: MP162, phase: Refine, status: Refinement}
          - {reference: MP161, phase: Decision, status: Awaiting Authority Decision}
        """
    import_paths(sample_copy, [write(tmp_path / "july.yaml", july)])
    register = Register(sample_copy, Clock(LONDON, dt.date(2021, 7, 20)))
    days, revision = [*DAYS, dt.date(2021, 6, 10), dt.date(2021, 6, 25)], register.revision()
    assert not any(asof.is_kept(sample_copy, day, revision) for day in days)
    from_statements = {day: stood_before(register, day) for day in days}
    for day in days:
        asof.view(sample_copy, day, revision)  # now kept: the same question reads the snapshot
        assert asof.is_kept(sample_copy, day, revision)
        assert stood_before(register, day) == from_statements[day], day
    june_25 = stood_before(register, dt.date(2021, 6, 25))
    assert ("June 2021 SEC Release", "MP153") not in june_25[1] and june_25[0]["MP161"].phase == "Report Phase"
