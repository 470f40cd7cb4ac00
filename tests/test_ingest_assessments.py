"""The DCC assessment reader: tables found by header in any layout, accepted dates derived by the report
day count, and the cross-checks as warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.ingest import assessments
from secbot.ingest.assessments import derive_accepted
from secbot.store.importer.schema import AssessmentIn
from secbot.workdays import report_duration_wd
from tests.support.report_text import SEEDS, sample_rows, seed, snippet

D = dt.date


def _valid(rows: list[dict]) -> None:
    for row in rows:
        AssessmentIn.model_validate(row)


def test_tab_separated_open_table_in_another_column_order():
    doc = snippet(
        """
        Figures are correct as at 30 April 2022.
        Ref\tAccepted\tType\tCurrent Duration\tTarget (WD)
        MP201\t4 April 2022\tPA\t20\t15
        MP202\t11/04/2022\tIA\t15 WD\t40 WD
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [
        {"reference": "MP201", "kind": "PA", "accepted": D(2022, 4, 4), "target_wd": 15},
        {"reference": "MP202", "kind": "IA", "accepted": D(2022, 4, 11), "target_wd": 40},
    ]
    assert doc.warnings == []
    _valid(rows)


def test_pdf_text_rows_with_ocr_damage_and_a_wrong_current_duration():
    doc = snippet(
        """
        Open DCC assessments as at 31 March 2022
        Modification   Type   Accepted    Target duration   Current duration
        MPO78          lA     1 Mar 22    40 WD             23 WD
        MP0O90         1A     10ct 21     40 WD             99 WD
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert [(r["reference"], r["kind"], r["accepted"]) for r in rows] == [
        ("MP078", "IA", D(2022, 3, 1)),
        ("MP090", "IA", D(2021, 10, 1)),
    ]
    assert len(doc.warnings) == 1
    counted = report_duration_wd(D(2021, 10, 1), D(2022, 3, 31))
    assert "MP090 IA" in doc.warnings[0] and "99 WD" in doc.warnings[0] and f"{counted} WD" in doc.warnings[0]


def test_single_spaced_completed_rows_derive_accepted_and_check_the_summary():
    doc = snippet(
        """
        The timescales below cover the 12-month period up to the end of February 2022.
        Preliminary Assessments completed in the last 12 months 2 15 WD
        Impact Assessments completed in the last 12 months 1 50 WD
        Modification Type Returned Target duration Actual duration
        DP170 PA 21 Jan 22 15 WD 10 WD
        MP171 PA 4 Feb 22 15 WD 20 WD
        MP172 IA 10 Feb 22 40 WD 41 WD
        """
    )
    rows = assessments.read(doc)["assessments"]
    for row in rows:
        printed = {"DP170": 10, "MP171": 20, "MP172": 41}[row["reference"]]
        assert report_duration_wd(row["accepted"], row["returned"]) == printed
        assert row["accepted"].weekday() < 5
        assert f"{printed} WD" in row["note"]
    assert rows[0]["accepted"] == D(2022, 1, 10)
    assert [w for w in doc.warnings if "average" in w] == [
        "line 3: the summary's IA completed average is 50 WD, the rows average 41 WD"
    ]
    assert all("PA completed" not in w for w in doc.warnings)
    _valid(rows)


def test_pipe_table_with_unknown_duration_and_a_summary_total_that_disagrees():
    doc = snippet(
        """
        | Summary | | |
        | Impact Assessments open | 3 | 20 WD |
        | Open Assessments | | | | |
        | Modification | Type | Accepted | Target duration | Current duration |
        | MP300 | IA | 3 Jan 22 | 40 WD | - |
        | MP301 | XA | 3 Jan 22 | 40 WD | 5 WD |
        """,
        issued=D(2022, 2, 11),
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [{"reference": "MP300", "kind": "IA", "accepted": D(2022, 1, 3), "target_wd": 40}]
    joined = "\n".join(doc.warnings)
    assert "31 January 2022, the end of the month before it was issued" in joined  # count day assumed, said so
    assert "'XA' is neither PA nor IA" in joined
    assert "the summary gives 3 IA open, the table lists 1" in joined


def test_a_completed_row_with_no_duration_gets_no_accepted_date():
    doc = snippet(
        """
        Modification | Type | Returned | Target | Actual duration
        MP400 | PA | 2 Mar 22 | 15 | TBC
        MP401 | PA | 5 Mar 22 | 15 | 0 WD
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert all("accepted" not in r for r in rows)
    assert any("MP401 PA: no accepted date derived" in w for w in doc.warnings)


def test_the_same_assessment_twice_is_numbered_in_rounds():
    doc = snippet(
        """
        As at 31 May 2021
        Modification | Type | Accepted | Target | Current duration
        MP500 | IA | 10 May 21 | 40 WD | 16 WD
        Modification | Type | Returned | Target | Actual duration
        MP500 | IA | 1 Feb 21 | 40 WD | 20 WD
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert [(r["reference"], r.get("round", 1), r["accepted"]) for r in rows] == [
        ("MP500", 2, D(2021, 5, 10)),
        ("MP500", 1, D(2021, 1, 5)),
    ]
    assert any("listed 2 times" in w for w in doc.warnings)
    _valid(rows)


@pytest.mark.parametrize(
    ("returned", "duration"), [(D(2021, 5, 12), 23), (D(2020, 7, 29), 295), (D(2022, 1, 8), 5), (D(2022, 1, 3), 1)]
)
def test_derive_accepted_inverts_the_report_day_count(returned, duration):
    accepted, problem = derive_accepted(returned, duration)
    assert problem is None
    assert report_duration_wd(accepted, returned) == duration and accepted.weekday() < 5


def test_derive_accepted_says_when_no_day_fits():
    assert derive_accepted(D(2022, 1, 3), 0) == (None, "an actual duration of 0 WD fits no start day")


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reports_give_the_sample_assessments(name):
    doc = seed(name)
    rows = assessments.read(doc)["assessments"]
    keys = ("reference", "kind", "round", "accepted", "returned", "target_wd")
    assert [{k: r.get(k) for k in keys} for r in rows] == [
        {k: r.get(k) for k in keys} for r in sample_rows(name, "assessments")
    ]
    assert doc.warnings == []
    _valid(rows)


def test_a_requested_and_returned_table_with_a_status_column_in_pdf_text():
    doc = snippet(
        """
        DCC assessments asked for since the last Panel meeting
        Mod Ref   Assessment   Date Requested   Date Returned   Status
        SECMP0071   PA   3-Oct-18   24-Oct-18   Returned
        SECMP0072   IA   9-Oct-18   In progress (due 3-Dec-18)
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [
        {
            "reference": "SECMP0071",
            "kind": "PA",
            "requested": D(2018, 10, 3),
            "returned": D(2018, 10, 24),
            "note": "Returned.",
        },
        {
            "reference": "SECMP0072",
            "kind": "IA",
            "requested": D(2018, 10, 9),
            "note": "In progress (due 3 December 2018).",
        },
    ]
    assert doc.warnings == []  # no durations printed: no count day needed, none derived
    _valid(rows)


def test_a_row_left_short_between_two_day_columns_is_said_to_be_read_by_position():
    doc = snippet(
        """
        Mod Ref   Assessment   Date Requested   Date Returned   Status
        SECMP0073   IA   9-Oct-18   Awaiting confirmation
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows[0]["requested"] == D(2018, 10, 9) and "returned" not in rows[0]
    assert any("read as the first of the two columns" in w for w in doc.warnings)


def test_a_footnote_on_a_duration_gives_the_accepted_day_and_the_clock_restart():
    doc = snippet(
        """
        Modification | Type | Returned | Target duration | Actual duration
        MP610 | IA | 29 Apr 22 | 40 WD | 10 WD²
        MP611 | PA | 6 May 22 | 15 WD | n/a⁷
        ² DCC took MP610 on 1 March 2022 (accepted on 1 March 2022); its clock restarted on 18 April 2022 after the
        requirements changed.
        ⁷ The accepted date of this assessment is still to be confirmed by the DCC.
        """
    )
    rows = assessments.read(doc)["assessments"]
    first, second = rows
    assert (first["accepted"], first["clock_restart"]) == (D(2022, 3, 1), D(2022, 4, 18))
    assert report_duration_wd(first["clock_restart"], first["returned"]) == 10
    assert "derived" not in first["note"] and first["note"].startswith("DCC took MP610")
    assert "accepted" not in second and second["note"].startswith("The accepted date of this assessment")
    assert not any("MP610" in w for w in doc.warnings)
    assert any("MP611 PA: no actual duration is printed" in w for w in doc.warnings)
    _valid(rows)


def test_a_pdf_footnote_digit_on_a_duration_and_a_mark_whose_footnote_is_missing():
    doc = snippet(
        """
        Modification     Type     Returned      Target duration     Actual duration
        MP620            PA       13 May 22     15 WD               9 WD4
        MP621            PA       20 May 22     15 WD               12 WD5
        4 The clock for MP620 was restarted on 3 May 2022, so the actual duration is counted from then. It was
        accepted on 14 April 2022.
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows[0]["clock_restart"] == D(2022, 5, 3) and rows[0]["accepted"] == D(2022, 4, 14)
    assert "accepted" not in rows[1]  # the mark says something about the duration that could not be read
    assert any("MP621 PA: footnote 5 is marked but not found" in w for w in doc.warnings)


def test_a_summary_average_with_a_mark_is_checked_over_the_rows_with_a_duration():
    doc = snippet(
        """
        The timescales below cover the 12-month period up to the end of April 2022.
        Impact Assessments completed in the last 12 months | 3 | 45 WD³
        Modification | Type | Returned | Target duration | Actual duration
        MP630 | IA | 1 Apr 22 | 40 WD | 40 WD
        MP631 | IA | 8 Apr 22 | 40 WD | 50 WD
        MP632 | IA | 14 Apr 22 | 40 WD | TBC
        """
    )
    assessments.read(doc)
    assert not any("average" in w for w in doc.warnings)
    doc = snippet(
        """
        The timescales below cover the 12-month period up to the end of April 2022.
        Impact Assessments completed in the last 12 months | 2 | 60 WD⁸
        Modification | Type | Returned | Target duration | Actual duration
        MP633 | IA | 1 Apr 22 | 40 WD | 40 WD
        MP634 | IA | 14 Apr 22 | 40 WD | -
        """
    )
    assessments.read(doc)
    assert any("average is 60 WD; the 1 rows with a duration average 40 WD" in w for w in doc.warnings)


def test_a_request_the_prose_dates_sets_the_open_rows_requested_day_or_adds_a_row():
    doc = snippet(
        """
        On 11 May 2022 the Panel requested a Preliminary Assessment for MP641 and the Change Board, meeting the
        same week, was told nothing new.
        The Change Board, at its session of 18 May 2022, agreed the request for an Impact Assessment for MP640.
        No Impact Assessment requests for MP642 were made on 18 May 2022.
        As at 31 May 2022
        Modification | Type | Accepted | Target duration | Current duration
        MP640 | IA | 19 May 22 | 40 WD | 9 WD
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [
        {"reference": "MP640", "kind": "IA", "requested": D(2022, 5, 18), "accepted": D(2022, 5, 19), "target_wd": 40},
        {"reference": "MP641", "kind": "PA", "requested": D(2022, 5, 11)},
    ]
    _valid(rows)


def test_a_request_for_a_listed_modification_takes_the_day_it_went_out_and_a_titled_one_its_only_day():
    doc = snippet(
        """
        At its 3 March 2023 session the Panel agreed the request for a Preliminary Assessment for the following
        modifications, which were sent to the DCC on 6 March 2023:
        - MP701 'Tariff Switch Flags'
        - MP702 'Meter Asset Lists'
        The DCC's Impact Assessment for MP705 'Widget Alerts' was requested on 2nd March 2023. A quote is due by
        the end of April 2023.
        On 1 March 2023 and on 8 March 2023 the Panel agreed the request for an Impact Assessment for MP709.
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [
        {"reference": "MP701", "kind": "PA", "requested": D(2023, 3, 6)},
        {"reference": "MP702", "kind": "PA", "requested": D(2023, 3, 6)},
        {"reference": "MP705", "kind": "IA", "requested": D(2023, 3, 2)},
    ]  # MP709: two days, neither said to be the one it went out on: no row
    _valid(rows)


def test_a_duration_counted_from_a_clock_restart_gives_no_accepted_day_and_a_day_line_is_no_footnote():
    doc = snippet(
        """
        SECAS
        5 July 2023
        Modification   Type   Returned    Target duration   Actual duration
        MP630          PA     30 Jun 23   15 WD             10 WD⁵
        ⁵ Following a change of requirements the clock for the MP630 Preliminary Assessment was restarted on
        19 June 2023.
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [
        {
            "reference": "MP630",
            "kind": "PA",
            "returned": D(2023, 6, 30),
            "target_wd": 15,
            "clock_restart": D(2023, 6, 19),
            "note": rows[0]["note"],
        }
    ]
    assert rows[0]["note"].startswith("Following a change of requirements")
    assert any(
        "MP630 PA: no accepted date derived: the actual duration is counted from the clock restart" in w
        for w in doc.warnings
    )
    _valid(rows)


def test_an_assessment_the_prose_says_came_back_on_a_day():
    doc = snippet(
        """
        Modification | Type | Returned | Target duration | Actual duration
        MP640 | PA | 12 Jun 23 | 15 WD | 15 WD
        Last month the DCC returned its Impact Assessment on MP641 on 3rd July 2023, and the Working Group met on
        10 July 2023. The Preliminary Assessment (PA) for MP640 was delivered on 12 June 2023.
        The revised Preliminary Assessment for MP642 has been issued to the Working Group on 4 July 2023.
        The Preliminary Assessment for MP640 was returned on 13 June 2023.
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert [(r["reference"], r["kind"], r["returned"]) for r in rows] == [
        ("MP640", "PA", D(2023, 6, 12)),
        ("MP641", "IA", D(2023, 7, 3)),
        ("MP642", "PA", D(2023, 7, 4)),
    ]
    assert rows[1] == {"reference": "MP641", "kind": "IA", "returned": D(2023, 7, 3)}
    assert any("MP640 PA returned on 13 Jun 2023 here" in w for w in doc.warnings)
    _valid(rows)


def test_a_footnote_that_restarted_the_clock_gives_the_restart_and_no_derived_accepted_day():
    doc = snippet(
        """
        Finished assessments
        Mod Ref | Assessment | Returned | Target | Actual duration
        MP733 | IA | 20 Mar 26 | 40 WD | 10 WD²
        ² SECAS asked the DCC, which restarted the clock on the MP733 assessment on Monday 9 March 2026.
        """,
        issued=D(2026, 4, 2),
    )
    (row,) = assessments.read(doc)["assessments"]
    assert row["clock_restart"] == D(2026, 3, 9)
    assert "accepted" not in row


def test_an_accepted_day_marked_with_a_symbol_is_still_read_and_its_footnote_kept():
    doc = snippet(
        """
        Open DCC work as at 31 March 2026
        Mod Ref | Assessment | Accepted | Target | Current duration
        MP734 | PA | 2 Feb 26‡ | 15 WD | 6 WD
        ‡ The clock was restarted on 24 March 2026 when the Proposer revised the solution.
        """,
        issued=D(2026, 4, 2),
    )
    (row,) = assessments.read(doc)["assessments"]
    assert (row["accepted"], row["clock_restart"]) == (D(2026, 2, 2), D(2026, 3, 24))
    assert row["note"].startswith("The clock was restarted")
    assert doc.warnings == []


def test_an_assessment_received_on_a_day_is_of_the_modification_its_sentence_or_section_heading_names():
    doc = snippet(
        """
        MP812

        On receipt of the revised DCC Preliminary Assessment on Tuesday 7 February 2023 the group met again on
        14 February 2023 to settle its costs.

        Other business

        Upon receipt of the final Impact Assessment on 2 March 2023 the group will meet.

        SECAS received the DCC Impact Assessment for MP813 on 9th March 2023.
        The Impact Assessment was received from the DCC on 10 March 2023, and MP814 went to the Panel on 17 March 2023.
        Following receipt of an Impact Assessment on 3 April 2023, MP815 and MP816 were merged.
        """
    )
    rows = assessments.read(doc)["assessments"]
    assert rows == [
        {"reference": "MP812", "kind": "PA", "returned": D(2023, 2, 7)},
        {"reference": "MP813", "kind": "IA", "returned": D(2023, 3, 9)},
        {"reference": "MP814", "kind": "IA", "returned": D(2023, 3, 10)},
    ]
    _valid(rows)
