"""The consultations reader: expected (week commencing, part of a month), open (with days), each kind."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.ingest import consultations
from secbot.store.importer.schema import ConsultationIn
from tests.support.report_text import SEEDS, sample_rows, seed, snippet

D = dt.date
KEYS = ("reference", "kind", "opens", "closes", "expected_week", "expected_text")


def _keyed(rows: list[dict]) -> list[tuple]:
    return [tuple(r.get(k) for k in KEYS) for r in rows]


def test_expected_in_a_week_and_open_with_days():
    doc = snippet(
        """
        Refinement Consultations
        MP250 is currently out for Refinement Consultation, which opened on 7 March 2022 and closes on 28 March 2022.
        We expect to issue the following for Modification Report Consultation in w/c 21 March 2022:
        - MP251 'A title'
        - MP252 'Another'
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [
        ("MP250", "refinement", D(2022, 3, 7), D(2022, 3, 28), None, None),
        ("MP251", "modification_report", None, None, D(2022, 3, 21), "week commencing 21 March 2022"),
        ("MP252", "modification_report", None, None, D(2022, 3, 21), "week commencing 21 March 2022"),
    ]
    for row in rows:
        ConsultationIn.model_validate(row)


def test_a_week_that_is_not_a_monday_is_text_only():
    doc = snippet("MP260 is expected to be issued for Refinement Consultation in the week commencing 16 March 2022.")
    rows = consultations.read(doc)["consultations"]
    assert rows == [{"reference": "MP260", "kind": "refinement", "expected_text": "week commencing 16 March 2022"}]
    assert "does not start on a Monday" in doc.warnings[0]


def test_pdf_list_items_with_a_part_of_a_month_and_the_kind_from_the_heading():
    doc = snippet(
        """
        Working Group Consultations

        • MP270 – a consultation for this modification is due to be issued early-January. It

        will seek views on the proposed solution.

        • MP271 – the consultation will be issued in late February if the DCC assessment arrives.
        """,
        issued=D(2021, 12, 3),
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [
        ("MP270", "working_group", None, None, None, "early January 2022"),
        ("MP271", "working_group", None, None, None, "late February 2022, if the DCC assessment arrives"),
    ]
    assert rows[0]["note"] == "To seek views on the proposed solution."


def test_none_out_and_a_consultation_table():
    doc = snippet(
        """
        There are currently no Modification Proposals out for Refinement Consultation.
        Modification | Consultation | Issued | Closes
        MP280 | Refinement | 1 Apr 22 | 22 Apr 22
        MP281 | Modification Report | 4 Apr 22 | soon
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [("MP280", "refinement", D(2022, 4, 1), D(2022, 4, 22), None, None)]
    assert any("MP281" in w or "'soon' is not a day" in w for w in doc.warnings)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reports_give_the_sample_consultations(name):
    doc = seed(name)
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == _keyed(sample_rows(name, "consultations"))
    assert doc.warnings == []
    for row in rows:
        ConsultationIn.model_validate(row)


def test_dated_consultations_need_not_be_called_open():
    doc = snippet(
        """
        Consultations
        Responses to the Working Group Consultation on MP801 were due by 4 November 2022; it was issued on
        14 October 2022 and closed on 4 November 2022.
        MP802's Modification Report Consultation runs from 1 November 2022 until 22 November 2022.
        The Refinement Consultation on MP803 ended on 28 October 2022.
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [
        ("MP801", "working_group", D(2022, 10, 14), D(2022, 11, 4), None, None),
        ("MP802", "modification_report", D(2022, 11, 1), D(2022, 11, 22), None, None),
        ("MP803", "refinement", None, D(2022, 10, 28), None, None),
    ]
    for row in rows:
        ConsultationIn.model_validate(row)


def test_a_later_round_and_the_kind_nearest_before_the_days():
    doc = snippet(
        """
        After the first Refinement Consultation, a third round of the Refinement Consultation on MP811 opened
        on 9 January 2023 and closes on 27 January 2023.
        Once the Refinement Consultation is analysed, the Modification Report Consultation for MP812 opens on
        6 February 2023.
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert [(r["reference"], r["kind"], r.get("round", 1), r.get("opens"), r.get("closes")) for r in rows] == [
        ("MP811", "refinement", 3, D(2023, 1, 9), D(2023, 1, 27)),
        ("MP812", "modification_report", 1, D(2023, 2, 6), None),
    ]


def test_a_table_whose_reference_cells_carry_titles():
    doc = snippet(
        """
        Refinement Consultations open now
        | Mod | Issued | Closing date |
        | MP820 'Meter read windows' | 2 May 2023 | 23 May 2023 |
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [("MP820", "refinement", D(2023, 5, 2), D(2023, 5, 23), None, None)]


def test_a_consultation_table_with_a_title_column_takes_its_kind_from_the_heading():
    doc = snippet(
        """
        Modification Report Consultations
        | Mod | Title | Issued | Closing date |
        | MP260 | Prepayment debt recovery rules | 2 May 2023 | 23 May 2023 |
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [("MP260", "modification_report", D(2023, 5, 2), D(2023, 5, 23), None, None)]


def test_list_items_after_a_lead_without_days_give_their_own():
    doc = snippet(
        """
        Two modifications are out for Working Group Consultation at present:
        - MP261 'Gas meter clocks' – issued on 10 April 2023, closing on 28 April 2023.
        - MP262 'Alerts' – opened 12 April 2023.
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert _keyed(rows) == [
        ("MP261", "working_group", D(2023, 4, 10), D(2023, 4, 28), None, None),
        ("MP262", "working_group", D(2023, 4, 12), None, None, None),
    ]


def test_a_table_with_a_consultation_column_whose_cells_sit_one_a_line():
    doc = snippet(
        """
        Mod
        Title
        Refinement Consultation
        Panel
        MP901
        Smarter tariff
        switching
        2 Mar 26 to
        20 Mar 26
        17 Apr 26
        MP902
        Cleaner HAN
        w/c 13 Apr 26
        (provisional)
        15 May 26
        3. Next steps
        """
    )
    rows = consultations.read(doc)["consultations"]
    assert [(r["reference"], r["kind"], r.get("opens"), r.get("closes"), r.get("expected_week")) for r in rows] == [
        ("MP901", "refinement", D(2026, 3, 2), D(2026, 3, 20), None),
        ("MP902", "refinement", None, None, D(2026, 4, 13)),
    ]
    assert rows[1]["expected_text"] == "w/c 13 Apr 26 (provisional)"
    assert doc.warnings == []


def test_a_consultation_the_writer_will_open_on_a_day():
    doc = snippet(
        """
        SECAS will launch a Working Group Consultation on MP910 on 6 July 2026, which closes on 24 July 2026.
        """
    )
    (row,) = consultations.read(doc)["consultations"]
    assert (row["reference"], row["kind"], row["opens"], row["closes"]) == (
        "MP910",
        "working_group",
        D(2026, 7, 6),
        D(2026, 7, 24),
    )
