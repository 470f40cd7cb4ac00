"""Every command on the bundled sample register, as a user would see the reply text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from secbot.clock import Clock
from secbot.commands import Context, dispatch
from secbot.commands.registry import ADMIN, REGISTRY
from secbot.digests import commands  # noqa: F401  (registers the digest layer's commands, as secbot.app does)
from secbot.platforms.shell.text import render_text
from secbot.store.models import Modification
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.files import write
from tests.support.replies import flat


def ask_on(store, text: str, today: dt.date = REPORT_DAY):
    """The reply, and all its text unwrapped (the rendered text is checked to include it)."""
    reply = dispatch(text, Context(Register(store, Clock(LONDON, today))))
    rendered = render_text(reply)
    assert reply.title in rendered
    return reply, flat(reply)


@pytest.fixture
def ask(sample_store):
    return lambda text, today=REPORT_DAY: ask_on(sample_store, text, today)


def test_status_card_of_mp161(ask):
    reply, text = ask("MP161")
    assert reply.kind == "card"
    assert reply.title == "MP161: Significant Code Review – Retail Code Consolidation"
    assert "Awaiting Authority Decision" in text
    assert (
        "Authority decision pending: the Change Board recommended to the Authority for approval on 26 May 2021" in text
    )
    assert [a.command for a in reply.actions] == ["MP161 timeline"]
    assert reply.links and reply.links[0].url.startswith("https://")
    assert "Change Status Report – June 2021" in reply.footer


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("SECMP7", "SECMP0007"),
        ("MPO78", "MP078"),
        ("mp 122a", "MP122A"),
        ("/sec mp-161", "MP161"),
        ("secmp 7", "SECMP0007"),
        ("SECMP-23", "SECMP0023"),
        ("161", "MP161"),
        ("0026", "SECMP0026"),
        ("https://www.smartenergycodecompany.co.uk/modifications/modification/SECMP-6", "SECMP0006"),
        ("@secbot MP0O90", "MP090"),
        ("[D165", "DP165"),
    ],
)
def test_every_reference_form_finds_its_modification(ask, typed, reference):
    reply, _ = ask(typed)
    assert reply.kind == "card", reply.summary
    assert reply.title.startswith(f"{reference}")


def test_unknown_reference_suggests_close_ones(ask):
    reply, text = ask("MP999")
    assert reply.kind == "error"
    assert "I couldn't find MP999. Did you mean" in text
    assert 1 <= len(reply.suggestions) <= 3
    assert "MP099" in reply.suggestions
    assert [a.command for a in reply.actions] == reply.suggestions


def test_free_question_naming_a_reference_gets_its_card(ask):
    reply, text = ask("who raised DP162?")
    assert reply.title.startswith("DP162")
    assert "Richard Vernon, DCC" in text
    assert "Raised: 7 May 2021" in text


def test_draft_proposal_next_milestone_is_the_panel(ask):
    _, text = ask("DP162")
    assert "Panel on 18 June 2021: Recommended to proceed to the Refinement Process" in text


def test_released_modification_shows_its_release(ask):
    _reply, text = ask("MP144")
    assert "June 2021 SEC Release on 24 June 2021 (approved)" in text
    assert "Self-Governance" in text


def test_split_modification_shows_both_releases(ask):
    _, text = ask("SECMP0015")
    assert "June 2022 SEC Release" in text and "November 2022 SEC Release" in text


def test_earlier_title_is_kept_and_searchable(ask):
    _, card = ask("SECMP0007")
    assert "Firmware updates to IHDs and PPMIDs" in card
    assert "Firmware updates to mandated HAN devices" in card
    reply, _ = ask("search mandated HAN devices")
    assert reply.sections[0].items[0].reference == "SECMP0007"


def test_timeline(ask):
    reply, text = ask("MP161 timeline")
    assert reply.title == "MP161 timeline"
    assert "26 May 2021" in text and "recommended to the Authority for approval" in text
    reply, joined = ask("SECMP0006 timeline")
    assert "BEIS approved (Subject to European Commission Notification" in joined


def test_search(ask):
    reply, _text = ask("search firmware")
    refs = [i.reference for s in reply.sections for i in s.items]
    assert {"SECMP0007", "SECMP0009", "SECMP0024"} <= set(refs)
    assert refs[0] in ("SECMP0007", "SECMP0009", "SECMP0024")  # title matches rank above summary matches
    reply, _ = ask("search Northern PowerGrid")
    assert [i.reference for i in reply.sections[0].items] == ["DP165"]


def test_search_with_nothing_found_is_polite(ask):
    reply, _text = ask("search zzzqqq")
    assert reply.title == "Nothing in the register matches “zzzqqq”"


def test_search_pages_with_more(ask):
    reply, _ = ask("search sec")
    assert reply.actions and reply.actions[0].command == "search sec page 2"
    page2, _ = ask("search sec page 2")
    first = {i.reference for i in reply.sections[0].items}
    second = {i.reference for i in page2.sections[0].items}
    assert first and second and not first & second


def test_phase_and_list(ask):
    reply, text = ask("phase define")
    refs = [i.reference for s in reply.sections for i in s.items]
    assert {"DP162", "DP163", "DP164", "DP165", "DP166", "DP167"} <= set(refs)
    reply, _ = ask("list awaiting authority decision")
    # SECMP0011 went to the Authority in April 2017, and no report since has said a word of it.
    assert [i.reference for i in reply.sections[0].items] == ["MP161"]
    assert reply.footer == (
        "1 modification no report has restated since 11 December 2020 was left out as possibly out of date: "
        "`list awaiting authority decision all` includes it."
    )
    reply, _ = ask("list awaiting authority decision all")
    assert [i.reference for i in reply.sections[0].items] == ["MP161", "SECMP0011"]
    assert reply.footer is None
    reply, text = ask("phase nonsense")
    assert reply.kind == "error" and "Define" in text


def test_wg_next_last_and_by_date(ask):
    reply, text = ask("wg")
    assert reply.title == "Working Group: 7 July 2021"
    # The agenda of 7 July is published on 23 June: still to come on 11 June, done by 25 June.
    assert "Provisional agenda to be announced on 23 June 2021." in text
    assert "announced on 23 June 2021" not in text.replace("to be announced on", "")
    _, text = ask("wg", dt.date(2021, 6, 25))
    assert "Provisional agenda announced on 23 June 2021." in text
    _, text = ask("wg", dt.date(2021, 6, 23))  # the day itself: published today, so no longer to come
    assert "Provisional agenda announced on 23 June 2021." in text
    reply, text = ask("wg last")
    assert reply.title == "Working Group: 2 June 2021"
    assert [i.reference for i in reply.sections[-1].items] == ["MP096", "MP117", "MP121", "MP128", "MP149", "MP154"]
    reply, _ = ask("wg 2 June 2021")
    assert reply.title == "Working Group: 2 June 2021"
    reply, text = ask("wg 3 June 2021")
    assert reply.kind == "error" and "2 June 2021" in text
    reply, _ = ask("next working group")
    assert reply.title == "Working Group: 7 July 2021"


def test_consultations_expected(ask):
    reply, text = ask("consultations")
    refs = [i.reference for s in reply.sections for i in s.items]
    assert refs == ["MP121", "MP122B", "MP149", "MP134A", "MP138"]
    assert "Refinement Consultation: expected week commencing 14 June 2021" in text
    reply, text = ask("consultations open")
    assert "No consultation is open on 11 June 2021." in text


def test_a_consultation_expected_in_a_month_without_a_week_is_upcoming_until_that_month_is_over(ask):
    # October 2017: "expected late October 2017" and "late November 2017", with no week named
    reply, text = ask("consultations upcoming", dt.date(2017, 10, 6))
    assert [i.reference for s in reply.sections for i in s.items] == ["SECMP0002", "SECMP0007", "SECMP0023"]
    assert "Working Group consultation: expected late October 2017" in text
    reply, _ = ask("consultations upcoming", dt.date(2017, 11, 6))
    assert [i.reference for s in reply.sections for i in s.items] == ["SECMP0023"]
    reply, text = ask("SECMP0023", dt.date(2017, 11, 6))
    assert "Next milestone: Working Group consultation expected late November 2017" in text
    # by June 2021 they are long past: listed with all, with what was expected, never as upcoming
    reply, text = ask("consultations all")
    assert "SECMP0002 'Add New Command to Reset Debt Registers' — Working Group consultation: expected late" in text
    _, text = ask("consultations upcoming")
    assert "SECMP0002" not in text


def test_consultation_open_counts_deadline_working_days(empty_store, tmp_path):
    from secbot.store.importer.loader import import_paths

    # A consultation over the 2021 Spring Bank Holiday: 28 May -> 2 June is 2 working days.
    path = write(
        tmp_path / "register.yaml",
        """
source: {key: T, title: Test, issued: 2021-05-01}
modifications: [{reference: MP200, title: Test mod, phase: Refine}]
consultations: [{reference: MP200, kind: refinement, opens: 2021-05-20, closes: 2021-06-02}]
""",
    )
    import_paths(empty_store, [path])
    reply, text = ask_on(empty_store, "consultations open", dt.date(2021, 5, 28))
    assert "closes 2 June 2021 — 2 working days left" in text
    reply, text = ask_on(empty_store, "MP200", dt.date(2021, 5, 28))
    assert "Refinement Consultation closes on 2 June 2021 (2 working days left)" in text
    _, text = ask_on(empty_store, "consultations open", dt.date(2021, 6, 1))
    assert "closes 2 June 2021 — 1 working day left" in text
    _, text = ask_on(empty_store, "MP200", dt.date(2021, 6, 1))
    assert "Refinement Consultation closes on 2 June 2021 (1 working day left)" in text
    reply, _ = ask_on(empty_store, "which consultations are closing?", dt.date(2021, 5, 28))
    assert reply.title == "Consultations closing soon"
    assert [i.reference for i in reply.sections[0].items] == ["MP200"]
    reply, text = ask_on(empty_store, "consultations closing", dt.date(2021, 5, 20))  # 8 working days left
    assert "No consultation closes within 5 working days of 20 May 2021." in text


def test_a_status_no_modification_has_lists_none_and_says_which_there_are(ask):
    for typed in ("list Withdrawn", "list withdrawn all"):
        reply, _ = ask(typed)
        assert reply.title == f"No modification has the status “{typed.split()[1]}”"
        assert not [i for s in reply.sections for i in s.items]  # never the Closed phase's implemented ones
        assert reply.summary == (
            f"“{typed.split()[1]}” is one case of the Closed phase (implemented, rejected or withdrawn): "
            "`phase Closed` lists every modification in it. Statuses in the register: Approved, Awaiting Authority "
            "Decision, Draft Proposal, Implemented, Refinement, Rejected, Report Phase."
        )
        assert [(a.label, a.command) for a in reply.actions] == [("Phase Closed", "phase Closed")]
    reply, _ = ask("list aproved")
    assert reply.summary.startswith("Did you mean Approved? Statuses in the register: Approved, ")
    assert [a.command for a in reply.actions] == ["list Approved"]
    reply, _ = ask("list foo")
    assert reply.summary.startswith("Statuses in the register: ") and not reply.actions
    reply, _ = ask("list refine")  # a phase's own name still lists the phase
    assert reply.title == "Refine: 12 modifications"


def test_an_unknown_release_offers_the_closest_names_then_every_release_upcoming_first(ask):
    reply, _ = ask("release foo")
    assert reply.title == "No release called “foo”"
    assert reply.summary == "The register has 12 releases: upcoming ones first, then earlier ones, newest first."
    listed = {s.heading: [(i.text, i.detail) for i in s.items] for s in reply.sections}
    assert listed == {
        "Upcoming": [
            ("June 2021 SEC Release", "24 June 2021"),
            ("November 2021 SEC Release", "4 November 2021"),
            ("June 2022 SEC Release", "30 June 2022"),
            ("November 2022 SEC Release", "3 November 2022"),
        ],
        "Earlier": [
            ("June 2018 SEC Release", "28 June 2018"),
            ("Stand-alone Release 14 August 2017", None),
            ("Stand-alone Release 12 July 2017", None),
            ("Stand-alone Release 11 May 2017", None),
            ("Stand-alone Release 10 May 2017", None),
            ("Stand-alone Release 1 April 2017", None),
            ("Stand-alone Release 15 March 2017", None),
        ],
        "Date not recorded": [("June 2019 SEC Release", "No earlier than 27 June 2019")],
    }
    assert [a.command for a in reply.actions] == [
        "release June 2021 SEC Release",
        "release November 2021 SEC Release",
        "release June 2022 SEC Release",
        "release November 2022 SEC Release",
    ]
    reply, _ = ask("release nov 2022 release")
    assert reply.summary.startswith("Did you mean November 2022 SEC Release? The register has 12 releases")
    assert reply.actions[0].command == "release November 2022 SEC Release"


@pytest.mark.parametrize(
    ("typed", "said", "back"),
    [
        (
            "search firmware page 9",
            "There is no page 9: `search firmware` gave 4 results, all on page 1.",
            "search firmware",
        ),
        (
            "list approved page 3",
            "There is no page 3: `list approved` gave 13 results, on 2 pages; page 2 is the last.",
            "list approved page 2",
        ),
        (
            "phase define page 2",
            "There is no page 2: `phase Define` gave 9 results, all on page 1.",
            "phase Define",
        ),
        (
            "consultations page 4",
            "There is no page 4: `consultations` gave 5 results, all on page 1.",
            "consultations",
        ),
        (
            "dcc completed page 5",
            "There is no page 5: `dcc completed` gave 22 results, all on page 1.",
            "dcc completed",
        ),
    ],
)
def test_a_page_past_the_last_says_there_are_no_more_results(ask, typed, said, back):
    reply, _ = ask(typed)
    assert reply.title == "No more results"
    assert reply.summary == said
    assert not reply.sections
    assert reply.actions[0].command == back  # the last page (consultations also offer to subscribe)


def test_counts_of_one_read_in_the_singular(ask):
    reply, _ = ask("search Northern PowerGrid")
    assert reply.summary == "1 modification matches."
    reply, _ = ask("list awaiting authority decision")
    assert reply.title == "Awaiting Authority Decision: 1 modification"
    reply, _ = ask("release March 2017")
    assert reply.sections[0].heading == "1 modification"


def test_release(ask):
    reply, text = ask("release June 2021")
    assert reply.title == "June 2021 SEC Release"
    assert "24 June 2021" in text
    assert [i.reference for i in reply.sections[0].items] == ["MP106", "MP144", "MP146", "MP147", "MP153"]
    reply, _ = ask("release next")
    assert reply.title == "June 2021 SEC Release"
    reply, text = ask("release June 2022")
    assert "DUIS" in text
    reply, text = ask("release March 2030")
    assert reply.kind == "error" and "November 2022 SEC Release" in text


def test_decisions(ask):
    reply, text = ask("decisions")  # the last month before 11 June 2021: May 2021
    assert reply.title == "Decisions in May 2021"
    assert "MP099" in text and "approved under Self-Governance" in text and "SEC Objective (a)" in text
    assert "With the Authority for decision" in text and "MP161" in text
    reply, text = ask("decisions September 2017")
    assert "BEIS approved" in text and "SECMP0004" in text and "BEIS rejected" in text


def test_dcc_open_durations_match_the_june_2021_report(ask):
    reply, text = ask("dcc")
    table = reply.sections[0].table
    assert [(r[0], r[1], r[4]) for r in table.rows] == [
        ("MP107", "IA", "130 WD"),
        ("SECMP0024", "IA", "36 WD"),
        ("MP078", "IA", "16 WD"),
        ("MP104", "IA", "14 WD"),
    ]
    assert "31 May 2021" in reply.summary
    assert "Preliminary Assessments (PA)\nTotal: 0\nAverage duration: —" in text
    assert "Impact Assessments (IA)\nTotal: 4\nAverage duration: 49 WD" in text


def test_dcc_completed_matches_the_june_2021_report(ask):
    reply, _ = ask("dcc completed")
    rows = reply.sections[0].table.rows
    assert len(rows) == 22
    by_mod = {(r[0], r[1]): r for r in rows}
    assert by_mod[("SECMP0066", "PA")][4] == "295 WD"
    assert by_mod[("MP099", "IA")][2] == "21 December 2020"


def test_dcc_completed_in_january_covers_the_calendar_year_just_ended(ask):
    reply, _text = ask("dcc completed", dt.date(2022, 1, 10))
    assert reply.summary.startswith("Returned in the 12 months from 1 January 2021 to 31 December 2021")
    returned = {row[2] for row in reply.sections[0].table.rows}
    assert "13 January 2021" in returned  # MP105's IA
    assert not any(day.endswith("2020") for day in returned), returned


def test_stats_counts_the_current_modifications_and_all_of_them_when_asked(ask, sample_store):
    reply, _text = ask("stats")
    rows = reply.sections[0].table.rows
    total = sum(int(n) for _, n in rows)
    assert total == 45  # those the June 2021 report restates
    assert reply.summary == "45 current modifications in the register."
    assert dict(rows)["Define"] == "9"  # DP158-DP160, DP162-DP167
    assert dict(rows)["Refine"] == "12"
    assert reply.footer == (
        "32 modifications no report has restated since 11 December 2020 were left out as possibly out of date: "
        "`stats all` includes them."
    )
    assert "With the Authority: MP161\n" in render_text(reply) + "\n"
    everything, _ = ask("stats all")
    with sample_store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Modification)) == 77
    assert everything.summary == "77 modifications in the register."
    assert dict(everything.sections[0].table.rows)["Refine"] == "29"
    assert "With the Authority: SECMP0011, MP161" in render_text(everything)


def test_help_is_generated_from_the_registry(ask):
    _reply, text = ask("help")
    for cmd in REGISTRY:
        assert (cmd.usage in text) == (cmd.role != ADMIN), cmd.name  # a reader sees a reader's commands
    reply, text = ask("help search")
    assert "search firmware" in text
    assert [a.command for a in reply.actions] == ["search firmware", "search DCC alerts"]
    _reply, text = ask("help nope")
    assert "There is no command called “nope”" in text


def test_anything_else_gets_help_not_an_error(ask):
    reply, _text = ask("what is the meaning of life")
    assert reply.kind == "help"
    reply, _ = ask("")
    assert reply.kind == "help"


def test_as_of_today_changes_what_is_next(ask):
    reply, _ = ask("wg", dt.date(2017, 10, 11))
    assert reply.title == "Working Group: 12 October 2017"
    reply, text = ask("MP161", dt.date(2021, 9, 1))
    assert "Authority decision pending" in text
    reply, text = ask("MP161", dt.date(2026, 11, 23))  # five years on, nothing newer was reported
    assert reply.summary == "Decision · Awaiting Authority Decision · last reported 11 June 2021"
    assert "Next milestone: not known: nothing has been reported for over 6 months" in text
    assert "Authority decision pending" not in text


_WORDS = st.sampled_from(
    [
        "MP161",
        "mp",
        "161",
        "wg",
        "next",
        "last",
        "search",
        "release",
        "June",
        "2021",
        "dcc",
        "open",
        "completed",
        "page",
        "0",
        "-1",
        "99999",
        "phase",
        "list",
        "help",
        "consultations",
        "timeline",
        "decisions",
        "stats",
        "SECMP-",
        "http://x/",
        "?",
        "'",
        "<&>",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.lists(_WORDS, max_size=6).map(" ".join)))
def test_no_input_makes_a_command_fail(sample_store, text):
    reply = dispatch(text, Context(Register(sample_store, Clock(LONDON, REPORT_DAY))))
    assert reply.title != "Sorry, something went wrong", text
    render_text(reply)


def test_a_converted_draft_answers_with_its_modification_proposal(empty_store, tmp_path):
    from secbot.store.importer.loader import import_paths

    path = write(
        tmp_path / "register.yaml",
        """
source: {key: T, title: Test, issued: 2021-07-01}
modifications:
  - {reference: DP162, title: SEC changes required to deliver MHHS, phase: Define}
  - {reference: MP162, title: SEC changes required to deliver MHHS, phase: Refine, status: Refinement}
conversions: [{draft: DP162, proposal: MP162, date: 2021-06-18, next_phase: Refine}]
""",
    )
    import_paths(empty_store, [path])
    reply, text = ask_on(empty_store, "DP162", dt.date(2021, 7, 1))
    assert reply.title.startswith("MP162")
    assert "(DP162 became MP162)" in reply.summary
    assert "Converted from: DP162" in text


def test_a_pasted_web_address_without_a_reference_matches_the_title(ask):
    reply, _ = ask(
        "https://smartenergycodecompany.co.uk/modifications/significant-code-review-retail-code-consolidation/"
    )
    assert reply.title.startswith("MP161")
    assert "matched the web address to the title 'Significant Code Review – Retail Code Consolidation'" in reply.summary
    reply, _ = ask("https://smartenergycodecompany.co.uk/modifications/nothing-like-any-title-here/")
    assert reply.kind == "error"


def test_dcc_tables_page_with_more(sample_store):
    ctx = Context(Register(sample_store, Clock(LONDON, REPORT_DAY)), page_size=4)  # 12 rows a page
    first = dispatch("dcc completed", ctx)
    assert len(first.sections[0].table.rows) == 12
    assert first.sections[0].heading == "1–12 of 22"
    assert [a.command for a in first.actions] == ["dcc completed page 2"]
    second = dispatch("dcc completed page 2", ctx)
    assert second.sections[0].heading == "13–22 of 22"
    assert not second.actions
    rows = first.sections[0].table.rows + second.sections[0].table.rows
    assert len({(r[0], r[1]) for r in rows}) == 22
    for page in (first, second):  # the averages cover every row, on every page, PA and IA apart
        fields = {sec.heading: [(f.label, f.value) for f in sec.fields] for sec in page.sections if sec.fields}
        assert fields == {
            "Preliminary Assessments (PA)": [("Total", "14"), ("Average duration", "62 WD")],
            "Impact Assessments (IA)": [("Total", "8"), ("Average duration", "102 WD")],
        }
