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
