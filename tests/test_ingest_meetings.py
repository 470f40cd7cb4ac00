"""The meetings reader: meeting bodies dated by meeting verbs, their agendas, Panel paper references."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.ingest import meetings
from secbot.store.importer.schema import MeetingIn
from tests.support.report_text import SEEDS, sample_rows, seed, snippet

D = dt.date


def _by_key(rows: list[dict]) -> dict:
    return {(r["kind"], r["date"]): [i["reference"] for i in r.get("items", [])] for r in rows}


def test_working_group_last_and_next_with_the_agenda_day():
    doc = snippet(
        """
        Working Group
        The Working Group last met on Wednesday, 5 January 2022 to discuss:
        * MP180 'Something'
        * DP181 'Something else'
        Our next Working Group will take place on 2nd February 2022; its agenda will be published on 19 January 2022.
        """
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {
        ("working_group", D(2022, 1, 5)): ["MP180", "DP181"],
        ("working_group", D(2022, 2, 2)): [],
    }
    assert rows[1]["agenda_published"] == D(2022, 1, 19)
    for row in rows:
        MeetingIn.model_validate(row)


def test_pdf_wrapped_bullets_under_a_workgroup_heading():
    doc = snippet(
        """
        Workgroup Meetings

        • MP210

        o the third meeting for this modification will be held on 9th March 2022. The group will

        review the legal text.

        • MP211 and MP212: a joint WG meeting for these two modifications will be held on 10th

        March 2022.
        """
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {
        ("working_group", D(2022, 3, 9)): ["MP210"],
        ("working_group", D(2022, 3, 10)): ["MP211", "MP212"],
    }
    assert rows[0]["items"][0]["note"] == "Third meeting. The group will review the legal text."


def test_change_board_sub_committee_and_panel_sentences():
    doc = snippet(
        """
        On 3 March 2022 the Change Sub-Committee agreed that MP220 was ready for the Panel.
        The Change Board at its 23rd February 2022 meeting voted on two modifications:
        - MP221 – approved under Self-Governance
        - MP222 – rejected
        This paper will be presented to the SEC Panel on 11 March 2022.
        Two proposals are being presented to the Panel for a decision this month:
        - DP223 'One'
        - DP224 'Two'
        """,
        issued=D(2022, 3, 4),
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {
        ("change_sub_committee", D(2022, 3, 3)): ["MP220"],
        ("change_board", D(2022, 2, 23)): ["MP221", "MP222"],
        ("panel", D(2022, 3, 11)): ["DP223", "DP224"],
    }
    board = next(r for r in rows if r["kind"] == "change_board")
    assert board["items"][0]["note"] == "Approved under Self-Governance"


def test_days_that_are_not_meetings_are_left_alone():
    doc = snippet(
        """
        The next SEC seminar will be held on 18 May 2022 in Leeds.
        The Change Board's decision was issued to the Authority on 21 April 2022.
        Since the April 2022 DCUSA Panel meeting, one modification was raised.
        """
    )
    assert meetings.read(doc)["meetings"] == []


def test_panel_meetings_from_paper_references():
    doc = snippet(
        """
        The Panel are invited to agree the following:
        • a one-month extension to the timetable for MP230.
        When the Panel discussed this in March 2022 (SECP_99_1803_04) it asked about MP230.
        The Panel first saw it in paper SECP_98_1102_07.
        """,
        issued=D(2022, 6, 3),
        paper_reference="SECP_101_1006_11",
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {("panel", D(2022, 6, 10)): ["MP230"], ("panel", D(2022, 3, 18)): ["MP230"]}
    assert any("SECP_98_1102_07 is cited without its year" in w for w in doc.warnings)


def test_items_for_a_panel_the_report_gives_no_day_for_are_warned_about():
    doc = snippet(
        """
        One proposal is being presented to the Panel this month:
        - DP240 'Something'
        """,
        issued=D(2022, 6, 3),
    )
    assert meetings.read(doc)["meetings"] == []
    assert doc.warnings == ["line 1: DP240 go to a Panel meeting the report gives no single day for; not recorded"]


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reports_give_the_sample_meetings(name):
    doc = seed(name)
    rows = meetings.read(doc)["meetings"]
    expected = sample_rows(name, "meetings")
    assert _by_key(rows) == _by_key(expected)
    assert {(r["kind"], r["date"], r.get("agenda_published")) for r in rows} == {
        (r["kind"], r["date"], r.get("agenda_published")) for r in expected
    }
    assert doc.warnings == []
    for row in rows:
        MeetingIn.model_validate(row)


def test_the_day_before_the_body_and_a_new_number_is_not_a_second_item():
    doc = snippet(
        """
        At their meeting on 14 October 2022, the SEC Panel agreed to convert DP190 'Something' into MP190.
        At its 19 October 2022 meeting, the Change Board deferred its vote on MP191.
        """
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {("panel", D(2022, 10, 14)): ["DP190"], ("change_board", D(2022, 10, 19)): ["MP191"]}


def test_at_its_meeting_far_from_the_body_and_a_day_for_a_decision():
    doc = snippet(
        """
        The Panel reviewed the Initial Modification Reports for MP192, MP193 and MP194 in detail at its meeting
        held on 18 November 2022.
        MP195 goes to the Change Sub-Committee for a decision on 29 November 2022.
        The Change Board noted the Panel's view at its meeting on 23 November 2022.
        """
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {
        ("panel", D(2022, 11, 18)): ["MP192", "MP193", "MP194"],
        ("change_sub_committee", D(2022, 11, 29)): ["MP195"],
        ("change_board", D(2022, 11, 23)): [],
    }


def test_sentences_that_carry_on_without_a_day_of_their_own():
    doc = snippet(
        """
        Sub-Committee outcomes
        The Change Sub-Committee met on 6 December 2022 and sent DP196 to the Panel.
        The Change Sub-Committee decided that DP197 should be withdrawn.
        Working Group
        MP198 was discussed again in November. Its next review is at the Working Group on 4 January 2023.
        The Working Group after that will be held on 1 February 2023. The agenda for that meeting is to be
        published on 18 January 2023.
        Other news
        The Change Sub-Committee agreed that DP199 needs more work.
        """
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {
        ("change_sub_committee", D(2022, 12, 6)): ["DP196", "DP197"],
        ("working_group", D(2023, 1, 4)): ["MP198"],
        ("working_group", D(2023, 2, 1)): [],
    }
    assert rows[2]["agenda_published"] == D(2023, 1, 18)


def test_items_for_the_panel_this_month_named_in_the_sentence_or_listed_above_it():
    doc = snippet(
        """
        Two proposals were raised in January:
        - MP201 'One', raised by a Supplier
        - MP202 'Two', raised by the DCC
        These two proposals go to the Panel this month for their first consideration.
        The Final Modification Report for MP203 is also being presented to the Panel this month.
        """,
        issued=D(2023, 2, 3),
        paper_reference="SECP_110_1702_08",
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {("panel", D(2023, 2, 17)): ["MP201", "MP202", "MP203"]}


def test_a_meeting_paragraph_whose_last_sentence_introduces_its_agenda():
    doc = snippet(
        """
        Groups
        The quarterly Working Group took place on 9 March 2023. The Working Group went through:
        * MP610 'Alpha'
        * MP611 'Beta'
        The spring Working Group is on 6 April 2023. We shall publish the draft agenda on 24 March 2023.
        """
    )
    rows = meetings.read(doc)["meetings"]
    assert _by_key(rows) == {
        ("working_group", D(2023, 3, 9)): ["MP610", "MP611"],
        ("working_group", D(2023, 4, 6)): [],
    }
    assert rows[1]["agenda_published"] == D(2023, 3, 24)


def test_a_body_going_on_at_the_same_meeting_and_looking_ahead_to_a_later_month():
    doc = snippet(
        """
        Sub-committee
        The Change Sub-Committee met on 11 April 2023.
        * The Change Sub-Committee felt that DP620 'Gamma' needs more work, and asked for it back in June 2023.
        Panel
        On 14 April 2023 the Panel converted DP621 'Delta' into MP621. At the same meeting the Panel agreed a
        two-month extension for MP622 'Epsilon'.
        MP623 'Zeta' will go back to the Change Board again on 26 April 2023.
        """
    )
    rows = _by_key(meetings.read(doc)["meetings"])
    assert rows[("change_sub_committee", D(2023, 4, 11))] == ["DP620"]
    assert rows[("panel", D(2023, 4, 14))] == ["DP621", "MP622"]
    assert rows[("change_board", D(2023, 4, 26))] == ["MP623"]


def test_a_sub_item_dating_a_meeting_for_its_parent_is_no_lead_of_the_next_item():
    doc = snippet(
        """
        Meetings
        The following meetings are planned:
        * MP630 and MP631
        o a joint WG meeting for these two modifications will be held on 3rd May 2023.
        * MP632
        o the WG will meet on 10th May 2023.
        """
    )
    rows = _by_key(meetings.read(doc)["meetings"])
    assert rows[("working_group", D(2023, 5, 3))] == ["MP630", "MP631"]


def test_the_panel_a_report_is_only_presented_to_is_no_meeting_of_record():
    doc = snippet(
        """
        Purpose
        This report will be presented to the SEC Panel on 19 May 2023 for information.
        """,
        issued=D(2023, 5, 12),
        paper_reference="SECP_120_1905_07",
    )
    assert meetings.read(doc)["meetings"] == []


def test_a_dateless_follow_on_lead_takes_its_list_to_the_bodys_meeting_last_dated():
    doc = snippet(
        """
        CSC outcomes
        At its meeting on 9 March 2023, the CSC agreed these Draft Proposals could go forward:
        * DP401 'Alpha'
        The CSC also decided that the following Draft Proposals need more work:
        * DP402 'Beta'
        * DP403 'Gamma'
        """
    )
    assert _by_key(meetings.read(doc)["meetings"]) == {
        ("change_sub_committee", D(2023, 3, 9)): ["DP401", "DP402", "DP403"],
    }


def test_a_converted_item_titling_only_the_new_proposal_is_about_that_proposal():
    doc = snippet(
        """
        Conversions
        The Panel, at its meeting on 17 March 2023, converted these Draft Proposals:
        * DP410, now converted into MP410 'Delta', goes to the Refinement Process
        * DP411 'Epsilon' was converted into MP411 and goes to the Report Phase
        """
    )
    assert _by_key(meetings.read(doc)["meetings"]) == {("panel", D(2023, 3, 17)): ["MP410", "DP411"]}
