"""The releases reader: "approved for implementation in the … Release (day)" lists and release tables."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.ingest import releases
from secbot.store.importer.schema import ReleaseIn
from tests.support.report_text import SEEDS, sample_rows, seed, snippet

D = dt.date


def _keyed(rows: list[dict]) -> list[tuple]:
    return [(r["name"], r.get("date"), r.get("date_text"), bool(r.get("standalone")), *_scope(r)) for r in rows]


def _scope(row: dict) -> list[tuple[str, str]]:
    return [(s["reference"], s["status"]) for s in row.get("scope", [])]


def test_sentences_with_lists_a_footnote_and_a_count_that_disagrees():
    doc = snippet(
        """
        There are two modifications targeted for inclusion in the February 2023 SEC Release (23 February 2023):
        - MP290 'One²'
        - MP291 'Two'
        There are three modifications approved for implementation in a Standalone Release (14 April 2022):
        - MP292 'Three'
        ² Documents only.
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("February 2023 SEC Release", D(2023, 2, 23), None, False, ("MP290", "targeted"), ("MP291", "targeted")),
        ("Stand-alone Release 14 April 2022", D(2022, 4, 14), None, True, ("MP292", "approved")),
    ]
    assert rows[0]["scope"][0]["note"] == "Documents only."
    assert doc.warnings == ["line 4: 3 modifications announced for the release, 1 listed"]
    for row in rows:
        ReleaseIn.model_validate(row)


def test_pdf_release_table_with_carried_dates_and_date_text():
    doc = snippet(
        """
        2023

        Date     Mod     Status

        Not before
        2nd November 2023     SECMP0045    Targeted

        SECMP0046    TBC

        23-Feb-23   0047   Approved1

        1 Approved subject to a condition. More text.
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        (
            "November 2023 SEC Release",
            None,
            "Not before 2 November 2023",
            False,
            ("SECMP0045", "targeted"),
            ("SECMP0046", "tbc"),
        ),
        ("February 2023 SEC Release", D(2023, 2, 23), None, False, ("SECMP0047", "approved")),
    ]
    assert rows[1]["scope"][0]["note"] == "Approved subject to a condition."


def test_pipe_table_with_a_release_column_and_an_unknown_status():
    doc = snippet(
        """
        | Release | Modification | Status |
        | 30 June 2022 | MP300 | Implemented |
        | | MP301 | Withdrawn |
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [("June 2022 SEC Release", D(2022, 6, 30), None, False, ("MP300", "implemented"))]
    assert doc.warnings == ["line 3: MP301: release status 'Withdrawn' is not known"]


def test_sentences_naming_their_modifications_implemented_or_to_be():
    doc = snippet(
        """
        MP310 'Something' went live when it was implemented in the February 2023 SEC Release on 23 February 2023.
        The Authority rejected MP311 and approved MP312, which will be implemented in the June 2023 SEC Release
        (29 June 2023).
        MP313 will now be delivered in a stand-alone release on 5 April 2023.
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("February 2023 SEC Release", D(2023, 2, 23), None, False, ("MP310", "implemented")),
        ("June 2023 SEC Release", D(2023, 6, 29), None, False, ("MP312", "approved")),
        ("Stand-alone Release 5 April 2023", D(2023, 4, 5), None, True, ("MP313", "approved")),
    ]
    for row in rows:
        ReleaseIn.model_validate(row)


def test_a_release_as_the_subject_and_this_release_after_it():
    doc = snippet(
        """
        Releases
        The November 2023 SEC Release has been scheduled for 2nd November 2023. MP320 and MP321 are approved for
        inclusion in this release, and MP322 is targeted for this release subject to a vote.
        The February 2023 SEC Release went live on 23 February 2023, as planned.
        It included the following changes:
        - MP323 'One'
        - MP324 'Two'
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        (
            "November 2023 SEC Release",
            D(2023, 11, 2),
            None,
            False,
            ("MP320", "approved"),
            ("MP321", "approved"),
            ("MP322", "targeted"),
        ),
        ("February 2023 SEC Release", D(2023, 2, 23), None, False, ("MP323", "implemented"), ("MP324", "implemented")),
    ]
    assert rows[0]["scope"][2]["note"] == "subject to a vote"
    assert doc.warnings == []


def test_a_release_implemented_on_a_day_then_its_list_and_a_targeted_list():
    doc = snippet(
        """
        3.1 February 2023 SEC Release
        The February 2023 SEC Release was successfully deployed on 23 February 2023. It delivered:
        - MP330 'One'
        - MP331 'Two'
        3.2 June 2023 SEC Release
        Nothing is approved for the June 2023 SEC Release (29 June 2023) yet. These modifications are targeted for
        this release, subject to their approval:
        - MP332 'Three'
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("February 2023 SEC Release", D(2023, 2, 23), None, False, ("MP330", "implemented"), ("MP331", "implemented")),
        ("June 2023 SEC Release", D(2023, 6, 29), None, False, ("MP332", "targeted")),
    ]
    assert rows[1]["scope"][0]["note"] == "subject to their approval"


def test_a_release_table_outranks_prose_and_a_day_in_another_month_is_left_out():
    doc = snippet(
        """
        MP340 is targeted for the June 2023 SEC Release.
        MP341 will be implemented in the November 2023 SEC Release (2 October 2023).
        Date | Mod | Status
        29 June 2023 | MP340 | Approved
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("June 2023 SEC Release", D(2023, 6, 29), None, False, ("MP340", "approved")),
        ("November 2023 SEC Release", None, None, False, ("MP341", "approved")),
    ]
    assert doc.warnings == [
        "line 1: MP340 is targeted in the June 2023 SEC Release here but approved where the report lists it "
        "first; kept approved",
        "line 2: the November 2023 SEC Release is given the day 02 October 2023; the day was left out",
    ]


def test_a_release_named_without_month_or_day_is_reported_not_guessed():
    doc = snippet("MP350 will be implemented in the next SEC Release, once it is approved.")
    assert releases.read(doc)["releases"] == []
    assert doc.warnings == [
        "line 1: 'next SEC Release' is named without its month or day; its modifications were left out"
    ]


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reports_give_the_sample_releases(name):
    doc = seed(name)
    rows = releases.read(doc)["releases"]
    assert sorted(_keyed(rows)) == sorted(_keyed(sample_rows(name, "releases")))
    assert doc.warnings == []
    for row in rows:
        ReleaseIn.model_validate(row)


def test_pipe_table_with_name_day_and_title_columns_and_a_status_wrapped_onto_the_next_line():
    doc = snippet(
        """
        | Release name | Implementation date | Mod | Title | Status |
        | October 2024 SEC Release | 31 October 2024 | MP400 | Moving the reading window | Targeted |
        | | | MP401 | A longer title that a PDF's page could not fit on one line |
        | Approved |
        | March 2025 Standalone Release | 13 March 2025 | MP402 | Certificates | Approved |
        The release dates above are provisional.
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("October 2024 SEC Release", D(2024, 10, 31), None, False, ("MP400", "targeted"), ("MP401", "approved")),
        ("March 2025 Standalone Release", D(2025, 3, 13), None, True, ("MP402", "approved")),
    ]
    assert doc.warnings == []
    for row in rows:
        ReleaseIn.model_validate(row)


def test_space_separated_table_with_name_and_day_cells_wrapped_and_titles_wrapped():
    doc = snippet(
        """
        Upcoming releases
        Release             Date           Modification   Title                         Status
        October 2024 SEC    31 October     MP410          Moving the reading window     Approved
        Release             2024                          for prepayment meters
                                           MP411          Tariff switching              Targeted³
        March 2025 SEC      6 March        DP412          Certificates renewal for      TBC
        Release             2025                          Network Operators
        ³ Subject to the Panel agreeing the revised timetable for MP411 at its next meeting in the October 2024 SEC
        Release cycle.
        MP499 will be implemented in the March 2025 SEC Release.
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("October 2024 SEC Release", D(2024, 10, 31), None, False, ("MP410", "approved"), ("MP411", "targeted")),
        ("March 2025 SEC Release", D(2025, 3, 6), None, False, ("DP412", "tbc"), ("MP499", "approved")),
    ]
    note = rows[0]["scope"][1]["note"]
    assert note.startswith("Subject to the Panel agreeing") and note.endswith("Release cycle.")


def test_a_table_without_a_release_column_belongs_to_the_release_its_lead_sentence_names():
    doc = snippet(
        """
        The March 2024 SEC Release went live on 7 March 2024, and brought in these changes:
        Mod Ref     Title                            Status
        MP420       Alert codes                      Implemented
        SECMP0061   Smart meter clocks tidy-up       Implemented
        Modification   Status
        MP421          Approved
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("March 2024 SEC Release", D(2024, 3, 7), None, False, ("MP420", "implemented"), ("SECMP0061", "implemented"))
    ]


def test_a_condition_on_modifications_targeted_for_their_releases_is_each_ones_note():
    doc = snippet(
        """
        | Release | Mod | Status |
        | 31 October 2024 | MP430 | Targeted |
        | 6 March 2025 | MP431 | Targeted |
        | | MP432 | Approved |
        Both MP430 and MP431 remain targeted for their respective releases, subject to Authority approval.
        """
    )
    rows = releases.read(doc)["releases"]
    assert [[s.get("note") for s in r["scope"]] for r in rows] == [
        ["subject to Authority approval"],
        ["subject to Authority approval", None],
    ]


def test_a_release_overview_with_one_row_per_release_and_marks_after_its_modifications():
    doc = snippet(
        """
        Upcoming releases
        Every modification below is targeted for its release unless shown *(approved)* or (TBC).
        | Release | Date | Scope |
        | Stand-alone release | 12 January 2027 | MP801 (approved) |
        | March 2027 SEC Release | 4 March 2027 | MP802; MP803 (TBC - awaiting DCC costs); MP804 |
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("Stand-alone Release 12 January 2027", D(2027, 1, 12), None, True, ("MP801", "approved")),
        (
            "March 2027 SEC Release",
            D(2027, 3, 4),
            None,
            False,
            ("MP802", "targeted"),
            ("MP803", "tbc"),
            ("MP804", "targeted"),
        ),
    ]
    assert rows[1]["scope"][1]["note"] == "awaiting DCC costs"
    assert doc.warnings == []


def test_a_release_overview_that_gives_no_status_reads_approved_and_says_so():
    doc = snippet(
        """
        | Release | Release date | Modifications |
        | July 2027 SEC Release | 1 July 2027 | MP805 |
        """
    )
    assert _keyed(releases.read(doc)["releases"]) == [
        ("July 2027 SEC Release", D(2027, 7, 1), None, False, ("MP805", "approved"))
    ]
    assert doc.warnings == ["line 1: the release overview gives no status for its modifications; read as approved"]


def test_a_release_implemented_on_a_day_and_the_list_the_same_sentence_introduces():
    doc = snippet(
        """
        The March 2026 SEC Release went live on 5 March 2026.
        The May 2026 SEC Release was deployed on 21 May 2026 and included the following changes:
        - MP811 'Alpha'
        - MP812 'Beta'
        """
    )
    assert _keyed(releases.read(doc)["releases"]) == [
        ("March 2026 SEC Release", D(2026, 3, 5), None, False),
        ("May 2026 SEC Release", D(2026, 5, 21), None, False, ("MP811", "implemented"), ("MP812", "implemented")),
    ]


def test_a_modification_to_be_delivered_as_a_stand_alone_release_on_a_day():
    doc = snippet(
        """
        MP820 'Gamma' will be delivered as a Stand Alone Release on 14 August 2026, after the appeal period.
        """
    )
    assert _keyed(releases.read(doc)["releases"]) == [
        ("Stand-alone Release 14 August 2026", D(2026, 8, 14), None, True, ("MP820", "approved"))
    ]


def test_a_heading_naming_a_release_and_its_day_and_a_status_with_its_condition_in_brackets():
    doc = snippet(
        """
        ## September 2026 SEC Release (24 September 2026)
        | Date | Mod | Status |
        | 24 September 2026 | MP830 | Targeted (if Ofgem approves in time) |
        ## November 2026 SEC Release (5 November 2026)
        Nothing has been approved for it so far.
        """
    )
    rows = releases.read(doc)["releases"]
    assert _keyed(rows) == [
        ("September 2026 SEC Release", D(2026, 9, 24), None, False, ("MP830", "targeted")),
        ("November 2026 SEC Release", D(2026, 11, 5), None, False),
    ]
    assert rows[0]["scope"][0]["note"] == "if Ofgem approves in time"


def test_a_passive_list_after_a_release_implemented_on_a_day_is_implemented_in_it_and_not_otherwise():
    doc = snippet(
        """
        The July 2026 SEC Release went live on 2 July 2026 without incident. The following three changes were
        delivered:
        - MP831 'Delta'
        - MP832 'Epsilon'
        - MP833 'Zeta'

        The October 2026 SEC Release is scheduled for 29 October 2026.
        The following modifications were implemented:
        - MP834 'Eta'
        """
    )
    assert _keyed(releases.read(doc)["releases"]) == [
        (
            "July 2026 SEC Release",
            D(2026, 7, 2),
            None,
            False,
            ("MP831", "implemented"),
            ("MP832", "implemented"),
            ("MP833", "implemented"),
        ),
        ("October 2026 SEC Release", D(2026, 10, 29), None, False),  # not yet live: its list is not its scope
    ]
