"""The shared table helpers: a reference cell with its title, footnote marks on cells and the footnotes
they point to, and rows of PDF text that leave optional cells empty."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.ingest.tables import (
    DAY,
    REFERENCE,
    REFERENCE_ROW,
    TEXT,
    Column,
    Unreadable,
    find_tables,
    footnote,
    parse_ref,
    parse_wd,
    split_mark,
)
from tests.support.report_text import snippet


@pytest.mark.parametrize(
    ("cell", "reference"),
    [
        ("MP301A 'A title with – a dash'", "MP301A"),
        ("SECMP0012 – Channel selection", "SECMP0012"),
        ("DP190: Something new", "DP190"),
        ("0044", "SECMP0044"),
    ],
)
def test_a_reference_cell_may_carry_its_title(cell, reference):
    assert parse_ref(cell) == reference


def test_a_cell_that_only_starts_like_a_reference_is_still_refused():
    with pytest.raises(Unreadable):
        parse_ref("Operational Metrics 'Part 2'")


@pytest.mark.parametrize(
    ("cell", "value", "mark"),
    [
        ("31 WD²", "31 WD", "2"),
        ("31 WD6", "31 WD", "6"),
        ("—¹", "—", "1"),
        ("Approved4", "Approved", "4"),
        ("40", "40", None),
    ],
)
def test_footnote_marks_on_cells(cell, value, mark):
    assert split_mark(cell) == (value, mark)


def test_a_marked_duration_is_still_its_number_and_a_marked_dash_is_unknown():
    assert parse_wd("31 WD²") == 31
    assert parse_wd("31 WD6") == 31
    assert parse_wd("–⁹") is None


def test_a_footnote_is_found_as_a_superscript_or_a_pdf_digit_and_runs_to_the_end_of_its_paragraph():
    doc = snippet(
        """
        Some table row 12 WD6
        ⁵ A footnote in a text dump.
        6 The footnote a PDF flattened: the page
        broke it over two lines.
        """
    )
    assert footnote(doc, "5") == "A footnote in a text dump."
    assert footnote(doc, "6") == "The footnote a PDF flattened: the page broke it over two lines."
    assert footnote(doc, "7") is None


def test_optional_columns_may_be_empty_in_pdf_text_and_the_guess_is_flagged():
    columns = (
        Column("reference", r"ref", REFERENCE),
        Column("first", r"first\s+day", DAY, optional=True),
        Column("second", r"second\s+day", DAY, optional=True),
        Column("remark", r"remark", TEXT, optional=True),
    )
    doc = snippet(
        """
        Ref   First day   Second day   Remark
        MP700   2 Jan 23   9 Jan 23   both
        MP701   2 Jan 23   only one
        """
    )
    (table,) = find_tables(doc, columns, {"reference"}, REFERENCE_ROW)
    full, short = table.rows
    assert full.cells == {"reference": "MP700", "first": "2 Jan 23", "second": "9 Jan 23", "remark": "both"}
    assert full.guessed == ()
    assert short.cells == {"reference": "MP701", "first": "2 Jan 23", "second": "", "remark": "only one"}
    assert short.guessed == ("first",)


@pytest.mark.parametrize(("cell", "reference"), [("MP2l4", "MP214"), ("SECMPOO4I", "SECMP0041"), ("DPI9O", "DP190")])
def test_a_reference_cell_with_ocr_slips_in_its_digits(cell, reference):
    assert parse_ref(cell) == reference
    assert REFERENCE_ROW.match(f"{cell} IA 1 Jun 23")
    assert not REFERENCE_ROW.match("Oil IA 1 Jun 23")


def test_html_table_rows_are_read_by_their_cells_on_one_line_or_several():
    from secbot.ingest.tables import table_lines

    doc = snippet(
        """
        Outstanding work
        <table>
        <tr><th>Ref</th><th>Kind</th><th>Start date</th></tr>
        <tr>
          <td>MP412</td>
          <td>IA</td>
          <td>2 Mar 26</td>
        </tr>
        <tr><td>MP413</td><td>PA</td><td>9 Mar 26</td></tr>
        </table>
        """
    )
    texts = [line.text for line in table_lines(doc)]
    assert texts == [
        "Outstanding work",
        "Ref | Kind | Start date",
        "MP412 | IA | 2 Mar 26",
        "MP413 | PA | 9 Mar 26",
    ]
    columns = (
        Column("reference", r"ref", REFERENCE),
        Column("kind", r"kind", TEXT),
        Column("accepted", r"start\s+date", DAY),
    )
    (table,) = find_tables(doc, columns, {"reference"}, REFERENCE_ROW)
    assert [row.cells["accepted"] for row in table.rows] == ["2 Mar 26", "9 Mar 26"]


_COLUMNS = (
    Column("reference", r"ref", REFERENCE),
    Column("kind", r"kind", r"[PI]A"),
    Column("accepted", r"accepted", DAY),
    Column("target", r"target(?:\s+wd)?", r"\d+\s*WD"),
    Column("duration", r"elapsed\s+wd", r"\d+\s*WD"),
)


def test_a_header_wrapped_onto_a_second_line_is_one_header():
    doc = snippet(
        """
        Ref Kind Accepted Target Elapsed
        WD
        MP520 PA 6 Jan 25 15 WD 12 WD
        """
    )
    (table,) = find_tables(doc, _COLUMNS, {"reference"}, REFERENCE_ROW)
    assert table.fields == ["reference", "kind", "accepted", "target", "duration"]
    assert table.rows[0].cells["duration"] == "12 WD"


def test_cells_run_together_are_read_by_their_values_when_the_header_ran_together_too():
    doc = snippet(
        """
        RefKindAcceptedTarget WDElapsed WD
        MP520PA6 Jan 2515 WD112 WD
        """
    )
    (table,) = find_tables(doc, _COLUMNS, {"reference"}, REFERENCE_ROW)
    cells = table.rows[0].cells
    assert (cells["reference"], cells["kind"], cells["accepted"]) == ("MP520", "PA", "6 Jan 25")
    assert (cells["target"], cells["duration"]) == ("15 WD", "112 WD")


def test_a_symbol_footnote_mark_on_a_day_cell_and_its_footnote():
    from secbot.ingest.tables import parse_day

    assert split_mark("3 Nov 25†") == ("3 Nov 25", "†")
    assert parse_day("3 Nov 25†") == dt.date(2025, 11, 3)
    doc = snippet(
        """
        MP600 | PA | 3 Nov 25†
        † Resubmitted after the scope was narrowed.
        """
    )
    assert footnote(doc, "†", not_line=1) == "Resubmitted after the scope was narrowed."
