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


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reports_give_the_sample_releases(name):
    doc = seed(name)
    rows = releases.read(doc)["releases"]
    assert sorted(_keyed(rows)) == sorted(_keyed(sample_rows(name, "releases")))
    assert doc.warnings == []
    for row in rows:
        ReleaseIn.model_validate(row)
