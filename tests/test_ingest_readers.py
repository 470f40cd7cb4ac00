"""The modification and vote readers on short synthetic reports, phrased unlike the seed reports: the
general patterns (a reference and its quoted title, "raised by X from Y on <day>", lists and the
sentence that introduces them, status tables found by their header cells) and OCR repair."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from secbot.ingest.document import IngestError
from secbot.ingest.report import ingest

HEAD = "Change Status Report – March 2022\n\nSECAS Team\n\n4 March 2022\n\n"


def _ingest(tmp_path: Path, body: str):
    path = tmp_path / "report.txt"
    path.write_text(HEAD + body, encoding="utf-8")
    return ingest(path)


def _mods(result) -> dict[str, dict]:
    return {row["reference"]: row for row in result.data["modifications"]}


def test_source_key_title_and_issue_day(tmp_path):
    result = _ingest(tmp_path, "Nothing this month.\n")
    assert result.data["source"] == {
        "key": "CSR-2022-03",
        "title": "Change Status Report – March 2022",
        "paper_reference": None,
        "issued": dt.date(2022, 3, 4),
    }


def test_raised_by_in_either_order_and_the_issue_that_follows(tmp_path):
    body = (
        "New Draft Proposals\n\n"
        "DP210 “Smart Widget Reform” has been raised by Ada Lovelace of Analytical Energy Ltd on 3 February 2022.\n\n"
        "Widgets report the wrong time after a restart.\n\n"
        "Another heading\n\n"
        "Jo Bloggs from Acme Power raised DP211 'Better Alerts' on 9 Feb 2022.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert mods["DP210"] == {
        "reference": "DP210",
        "title": "Smart Widget Reform",
        "proposer": "Ada Lovelace",
        "organisation": "Analytical Energy Ltd",
        "raised": dt.date(2022, 2, 3),
        "phase": "Define",
        "status": "Draft Proposal",
        "issue_summary": "Widgets report the wrong time after a restart.",
    }
    assert (mods["DP211"]["proposer"], mods["DP211"]["organisation"], mods["DP211"]["raised"]) == (
        "Jo Bloggs",
        "Acme Power",
        dt.date(2022, 2, 9),
    )


def test_a_raised_day_not_given_is_left_out_and_reported(tmp_path):
    result = _ingest(tmp_path, "DP212 'Quiet Mod' was raised by Sam Smith from the DCC.\n")
    assert "raised" not in _mods(result)["DP212"]
    assert any("DP212" in w and "not given" in w for w in result.warnings)


def test_votes_from_a_list_under_a_dated_sentence(tmp_path):
    body = (
        "Change Board\n\n"
        "At its meeting on 23 February 2022 the Change Board voted as follows:\n\n"
        "- MP190 'Faster Things' was rejected unanimously under Self-Governance.\n"
        "- MP191 'Slower Things' – the Change Board recommended that the Authority reject it, "
        "citing SEC Objective (c).\n"
    )
    result = _ingest(tmp_path, body)
    votes = {row["reference"]: row for row in result.data["votes"]}
    assert votes["MP190"] == {
        "reference": "MP190",
        "date": dt.date(2022, 2, 23),
        "outcome": "rejected",
        "governance": "self_governance",
        "majority": "unanimous",
    }
    assert votes["MP191"]["outcome"] == "recommend_rejection"
    assert votes["MP191"]["governance"] == "authority"
    assert votes["MP191"]["objective"] == "(c)"
    mods = _mods(result)
    assert (mods["MP190"]["phase"], mods["MP190"]["status"], mods["MP190"]["path"]) == (
        "Closed",
        "Rejected",
        "Self-Governance",
    )
    assert (mods["MP191"]["phase"], mods["MP191"]["status"]) == ("Decision", "Awaiting Authority Decision")
    [meeting] = result.data["meetings"]
    assert meeting["kind"] == "change_board" and [i["reference"] for i in meeting["items"]] == ["MP190", "MP191"]


def test_an_authority_decision_in_a_sentence_names_the_authority(tmp_path):
    body = "Decisions\n\nOfgem (the Authority) approved MP180 on 1 February 2022, subject to EC Notification.\n"
    result = _ingest(tmp_path, body)
    assert result.data["decisions"] == [
        {
            "reference": "MP180",
            "date": dt.date(2022, 2, 1),
            "outcome": "approved",
            "authority": "Ofgem",
            "conditions": "Subject to EC Notification",
        }
    ]
    assert _mods(result)["MP180"]["phase"] == "Implementation"


def test_an_undated_vote_sentence_makes_no_vote_but_says_where_the_mod_stands(tmp_path):
    body = (
        "Summary\n\nThe Change Board approved one modification under Self-Governance this month:\n\n- MP150 'Thing'\n"
    )
    result = _ingest(tmp_path, body)
    assert result.data["votes"] == []
    assert _mods(result)["MP150"]["status"] == "Approved"


def test_phases_from_the_sentence_a_list_hangs_from(tmp_path):
    body = (
        "Refine\n\nModifications discussed at the Working Group meeting of 2 February 2022:\n\n- MP200 'WG Thing'\n\n"
        "Opine\n\nThese are with the Authority for determination:\n\n- MP185 'Waiting Mod'\n\n"
        "Report\n\nOut for Modification Report Consultation until 1 April 2022:\n\n- MP186 'Consulted Mod'\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert (mods["MP200"]["phase"], mods["MP200"]["status"]) == ("Refine", "Refinement")
    assert (mods["MP185"]["phase"], mods["MP185"]["status"]) == ("Decision", "Awaiting Authority Decision")
    assert mods["MP186"]["phase"] == "Report Phase"


def test_a_status_column_outranks_what_prose_implies(tmp_path):
    body = (
        "Working Group\n\nThe Working Group meeting on 2 February 2022 covered:\n\n- MP300 'Old Name'\n\n"
        "Open modifications\n\n| Reference | Title | Status |\n|---|---|---|\n"
        "| MP300 | Old Name For Sure | Withdrawn |\n| MP301 | Other | On Hold |\n"
    )
    result = _ingest(tmp_path, body)
    mods = _mods(result)
    assert (mods["MP300"]["phase"], mods["MP300"]["status"]) == ("Closed", "Withdrawn")
    assert mods["MP300"]["title"] == "Old Name For Sure" and mods["MP300"]["earlier_titles"] == ["Old Name"]
    assert mods["MP301"]["status"] == "On Hold" and "phase" not in mods["MP301"]


def test_a_status_table_printed_as_lines_with_bare_numbers(tmp_path):
    body = "Stand Alone Releases\n\nRelease Date Mod Status\n\n12-Mar-22 0044 Implemented\n\n0045 TBC\n\n7. Next\n"
    mods = _mods(_ingest(tmp_path, body))
    assert (mods["SECMP0044"]["phase"], mods["SECMP0044"]["status"]) == ("Closed", "Implemented")
    assert not {"phase", "status"} & set(mods["SECMP0045"])  # "TBC" is where a release stands, not the modification


def test_damaged_references_are_repaired_and_checked_against_the_rest(tmp_path):
    body = (
        "Working Group\n\nAt the Working Group meeting on 2 March 2022:\n\n"
        "- MPl2O 'Repaired Mod'\n- D165 'Kept Mod'\n\nDP165\n"
    )
    result = _ingest(tmp_path, body)
    mods = _mods(result)
    assert mods["MP120"]["title"] == "Repaired Mod"
    assert mods["DP165"]["title"] == "Kept Mod"
    assert any("'MPl2O' as MP120" in w and "nowhere else" in w for w in result.warnings)
    assert any("'D165' as DP165" in w and "elsewhere" in w for w in result.warnings)


def test_a_sentence_after_a_reference_is_not_taken_for_a_title(tmp_path):
    body = (
        "Workgroup Meetings\n\nThe following Workgroup Meetings are planned:\n\n"
        "- MP400\n\no MP400 – The WG will consider the legal text.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert "title" not in mods["MP400"] and mods["MP400"]["phase"] == "Refine"


def test_a_reference_only_in_prose_is_reported_not_imported(tmp_path):
    result = _ingest(tmp_path, "Notes\n\nWe looked again at the history of MP099 this month.\n")
    assert result.data["modifications"] == []
    assert any("MP099 is named but no table holds it" in w for w in result.warnings)


def test_conversions_only_when_the_panel_has_converted(tmp_path):
    body = (
        "Panel\n\nDP170 'Thing' was converted into a Modification Proposal on 18 February 2022 and sent to the "
        "Refinement Process.\n\nDP171 'Other' is ready to be presented to the Panel for conversion to a "
        "Modification Proposal.\n"
    )
    result = _ingest(tmp_path, body)
    assert result.data["conversions"] == [
        {"draft": "DP170", "proposal": "MP170", "date": dt.date(2022, 2, 18), "next_phase": "Refine"}
    ]


@pytest.mark.parametrize("text", ["", "Minutes of the cricket club, 3 May 2021.\n"])
def test_not_a_report(tmp_path, text):
    path = tmp_path / "other.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=r"other\.txt"):
        ingest(path)


def test_authority_decisions_announced_by_a_lead_take_each_items_own_outcome_and_day(tmp_path):
    body = (
        "Determinations\n\nOfgem made the following determinations during January:\n\n"
        "- MP171 'Widget tariffs' – rejected on 12 January 2022.\n"
        "- MP172 'Gadget registers' – approved on 27 January 2022.\n\n"
        "Ofgem still has one determination outstanding:\n\n- MP173 'Doodad alerts'\n"
    )
    result = _ingest(tmp_path, body)
    assert result.data["decisions"] == [
        {"reference": "MP171", "date": dt.date(2022, 1, 12), "outcome": "rejected", "authority": "Ofgem"},
        {"reference": "MP172", "date": dt.date(2022, 1, 27), "outcome": "approved", "authority": "Ofgem"},
    ]
    mods = _mods(result)
    # A decision by the Authority names no path the report does not (appeals come to it too).
    assert not {"path"} & (mods["MP171"].keys() | mods["MP172"].keys() | mods["MP173"].keys())


def test_emphasis_marks_do_not_hide_the_authority(tmp_path):
    body = "Decisions\n\nThe __Authority__ rejected the following proposal:\n\n- MP160 'Sprocket data'\n"
    result = _ingest(tmp_path, body)
    assert _mods(result)["MP160"]["status"] == "Rejected"
    assert _mods(result)["MP160"]["phase"] == "Closed"


def test_with_the_authority_for_determination_names_the_path(tmp_path):
    body = "Awaiting decision\n\nMP140 and MP141 are still with the Authority for its determination.\n"
    mods = _mods(_ingest(tmp_path, body))
    for ref in ("MP140", "MP141"):
        assert (mods[ref]["status"], mods[ref]["path"]) == ("Awaiting Authority Decision", "Authority Determination")


def test_an_impact_assessment_said_to_have_been_requested_puts_the_mod_in_refinement(tmp_path):
    body = "Assessments\n\nA Preliminary Assessment covering MP133 'Thingamajig' has been requested from the DCC.\n"
    assert _mods(_ingest(tmp_path, body))["MP133"]["phase"] == "Refine"
