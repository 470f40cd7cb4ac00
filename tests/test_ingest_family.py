"""The modification, vote, decision and conversion readers on short reports phrased unlike both the
seed reports and the synthetic months: each test is one general rule of the report family (an outcome
carried by a list's own lead, decisions in the passive, a vote announced in one sentence and settled in
the next, releases and withdrawals in the past tense, conversions dated by the Panel meeting, …)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from secbot.ingest.mentions import clean_title
from secbot.ingest.report import ingest

CSR = "Change Status Report – July 2023\n\nSECAS Team\n\n7 July 2023\n\n"
MRSR = "Modification and Release Status Report – May 2018\n\nSECAS Team\n\n4th May 2018\n\n"


def _ingest(tmp_path: Path, body: str, head: str = CSR):
    path = tmp_path / "report.txt"
    path.write_text(head + body, encoding="utf-8")
    return ingest(path)


def _mods(result) -> dict[str, dict]:
    return {row["reference"]: row for row in result.data["modifications"]}


def _votes(result) -> dict[str, dict]:
    return {row["reference"]: row for row in result.data["votes"]}


def _standing(mod: dict) -> tuple:
    return mod.get("phase"), mod.get("status")


def test_a_second_lead_goes_on_from_the_first_and_takes_its_own_outcome(tmp_path):
    body = (
        "Outcomes\n\n"
        "The Change Board reached three Self-Governance decisions in June. It rejected:\n\n"
        "- MP501 'Alpha Change'\n"
        "- MP502 'Beta Change'\n\n"
        "but approved:\n\n"
        "- MP503 'Gamma Change'\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP501"]) == ("Closed", "Rejected")
    assert _standing(mods["MP502"]) == ("Closed", "Rejected")
    assert _standing(mods["MP503"]) == ("Implementation", "Approved")
    assert mods["MP503"]["title"] == "Gamma Change"  # "but approved:" is not the end of MP502's title


def test_a_dated_authority_decision_as_a_list_item_under_an_undated_lead(tmp_path):
    body = (
        "Regulator decisions\n\n"
        "Ofgem sent us two letters:\n\n"
        "- On 3 May 2023 Ofgem rejected MP510 'Meter Mode'.\n"
        "- MP511 'Tariff Mode' – approved by the Authority on 12th June 2023.\n"
    )
    result = _ingest(tmp_path, body)
    decisions = {row["reference"]: row for row in result.data["decisions"]}
    assert decisions["MP510"] == {
        "reference": "MP510",
        "date": dt.date(2023, 5, 3),
        "outcome": "rejected",
        "authority": "Ofgem",
    }
    assert (decisions["MP511"]["date"], decisions["MP511"]["outcome"]) == (dt.date(2023, 6, 12), "approved")
    mods = _mods(result)
    assert _standing(mods["MP510"]) == ("Closed", "Rejected")
    assert _standing(mods["MP511"]) == ("Implementation", "Approved")


def test_approving_a_request_for_a_mod_is_no_vote_on_it_but_puts_it_on_the_agenda(tmp_path):
    body = (
        "Assessments\n\n"
        "On 14 June 2023 the Change Board agreed and approved a Preliminary Assessment extension for MP520. "
        "The Change Board also approved MP521 unanimously under Self-Governance on 14 June 2023.\n"
    )
    result = _ingest(tmp_path, body)
    assert set(_votes(result)) == {"MP521"}
    assert "status" not in _mods(result)["MP520"]
    [board] = [m for m in result.data["meetings"] if m["kind"] == "change_board"]
    assert [i["reference"] for i in board["items"]] == ["MP521", "MP520"]


def test_a_vote_announced_in_one_sentence_and_settled_in_the_next(tmp_path):
    body = (
        "Change Board\n\n"
        "The Change Board met again to vote on MP530 on 28 June 2023 once the Proposer had answered its "
        "questions. By a majority vote MP530 was rejected under Self-Governance.\n\n"
        "At the 14 June 2023 Change Board, MP531 was sent back to the Working Group for further clarification.\n"
    )
    votes = _votes(_ingest(tmp_path, body))
    assert votes["MP530"] == {
        "reference": "MP530",
        "date": dt.date(2023, 6, 28),
        "outcome": "rejected",
        "governance": "self_governance",
        "majority": "majority",
    }
    assert (votes["MP531"]["date"], votes["MP531"]["outcome"]) == (dt.date(2023, 6, 14), "sent_back")


def test_objectives_with_footnote_marks_and_objectives_not_facilitated(tmp_path):
    body = (
        "Change Board votes\n\n"
        "On 21 June 2023 the Change Board voted as follows:\n\n"
        "- MP540 'One' was approved under Self-Governance as it better facilitates SEC Objectives (b)², (c)³ "
        "& (e)⁴.\n"
        "- MP541 'Two' was approved under Self-Governance as it better facilitates SEC Objective (d)2.\n"
        "- MP542 'Three' was rejected under Self-Governance. The Board found it did not better facilitate "
        "SEC Objective (f).\n"
        "- MP543 'Four' was rejected under Self-Governance by majority, since members judged it would not "
        "better facilitate SEC Objective (c)³.\n"
    )
    votes = _votes(_ingest(tmp_path, body))
    assert votes["MP540"]["objective"] == "(b), (c) and (e)"
    assert votes["MP541"]["objective"] == "(d)"
    assert "objective" not in votes["MP542"]  # a remark of its own, not the vote's ground
    assert votes["MP543"]["objective"] == "(c)"  # the ground the outcome's own sentence gives


def test_implemented_in_the_past_tense_closes_a_mod_and_outranks_its_approval(tmp_path):
    body = (
        "Releases\n\n"
        "On 2 May 2023 the Authority approved MP550. MP550 has been implemented as a standalone change.\n\n"
        "The March 2023 SEC Release went live and was implemented on 30 March 2023, containing these changes:\n\n"
        "- MP551 'Release Item'\n\n"
        "MP552 will be implemented in the November 2023 SEC Release.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP550"]) == ("Closed", "Implemented")
    assert _standing(mods["MP551"]) == ("Closed", "Implemented")
    assert "status" not in mods.get("MP552", {})


def test_a_withdrawn_mod_is_closed(tmp_path):
    body = "Withdrawals\n\nMP560 'Gone Mod' has been withdrawn by Acme Energy and will not be adopted.\n"
    assert _standing(_mods(_ingest(tmp_path, body))["MP560"]) == ("Closed", "Withdrawn")


def test_a_timetable_extension_puts_a_mod_in_refinement(tmp_path):
    body = (
        "Extensions\n\n"
        "The Panel is asked to approve a one-month timetable extension for MP570 'Slow Mod'.\n\n"
        "Last month the Panel granted an extension to the MP571 refinement timetable.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP570"]) == ("Refine", "Refinement")
    assert _standing(mods["MP571"]) == ("Refine", "Refinement")


def test_an_initial_modification_report_to_come_and_both_modifications(tmp_path):
    body = (
        "New proposals\n\n"
        "Since the last Panel meeting:\n\n"
        "- SECMP0080 'First New' raised by Ann Lee (Ovo) on 2nd April 2018.\n"
        "- SECMP0081 'Second New' raised by Bo Chan (SSE) on 9th April 2018.\n\n"
        "The Panel will receive the IMRs for these two modifications next month, when they are to be "
        "considered.\n\n"
        "Workgroup Meetings\n\n"
        "The following Workgroup meetings are planned:\n\n"
        "- SECMP0080 – its first meeting is on 16th May 2018.\n"
    )
    mods = _mods(_ingest(tmp_path, body, MRSR))
    assert _standing(mods["SECMP0080"]) == ("Initial Consideration", "Initial Consideration")
    assert _standing(mods["SECMP0081"]) == ("Initial Consideration", "Initial Consideration")


def test_report_phase_status_only_where_the_report_uses_that_word(tmp_path):
    body = (
        "Modification Reports\n\n"
        "This month the Panel will consider the DMR for SECMP0090 'Draft Report Mod'.\n\n"
        "SECMP0091 'Consulted Mod' is out for Modification Report Consultation until 25th May 2018.\n\n"
        "The DMR for SECMP0092 will be presented in July 2018 under its revised timetable extension.\n"
    )
    old = _mods(_ingest(tmp_path, body, MRSR))
    assert _standing(old["SECMP0090"]) == ("Report Phase", None)
    assert _standing(old["SECMP0091"]) == ("Report Phase", None)
    assert _standing(old["SECMP0092"]) == ("Refine", "Refinement")
    new = _mods(_ingest(tmp_path, body))
    assert _standing(new["SECMP0091"]) == ("Report Phase", "Report Phase")


def test_a_section_headed_by_a_reference_gives_it_the_path_its_sentences_name(tmp_path):
    body = (
        "Highlights\n\n"
        "SECMP0095\n\n"
        "The Change Board voted on 16th May 2018 to recommend that the Authority approve SECMP0095.\n\n"
        "SECAS has since sent the Final Modification Report to the Authority for Authority Determination.\n\n"
        "SECMP0096\n\n"
        "There is nothing new to report.\n"
    )
    mods = _mods(_ingest(tmp_path, body, MRSR))
    assert mods["SECMP0095"]["path"] == "Authority Determination"
    assert "path" not in mods.get("SECMP0096", {})


def test_the_sentence_introducing_a_table_says_where_its_rows_stand(tmp_path):
    body = (
        "Consultations\n\n"
        "These Working Group consultations are running:\n\n"
        "| Mod | Opens | Closes |\n|---|---|---|\n| MP580 'Table Mod' | 1 June 2023 | 22 June 2023 |\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP580"]) == ("Refine", "Refinement")


def test_conversions_by_the_panel_dated_by_its_meeting(tmp_path):
    body = (
        "Conversions\n\n"
        "When it met on 16 June 2023 the Panel converted DP590 'Active Voice' into MP590 and sent it to the "
        "Report Phase.\n\n"
        "On 19 May 2023 the Panel converted these Draft Proposals and sent them on to the Refinement Process:\n\n"
        "- DP591 'Listed One'\n"
        "- DP592 'Listed Two'\n\n"
        "DP593 'Not Yet' will be converted next month.\n"
    )
    result = _ingest(tmp_path, body)
    conversions = {row["draft"]: row for row in result.data["conversions"]}
    assert conversions == {
        "DP590": {"draft": "DP590", "proposal": "MP590", "date": dt.date(2023, 6, 16), "next_phase": "Report Phase"},
        "DP591": {"draft": "DP591", "proposal": "MP591", "date": dt.date(2023, 5, 19), "next_phase": "Refine"},
        "DP592": {"draft": "DP592", "proposal": "MP592", "date": dt.date(2023, 5, 19), "next_phase": "Refine"},
    }
    mods = _mods(result)
    assert "phase" not in mods["DP590"] and "phase" not in mods["DP591"]  # converted: no longer in Define
    assert mods["DP593"]["phase"] == "Define"


def test_a_footnote_mark_a_pdf_printed_as_a_digit_takes_its_aside_with_it():
    assert clean_title("Smart Things (SMETS2 meters only4)") == "Smart Things"
    assert clean_title("Smart Things (SMETS2)") == "Smart Things (SMETS2)"
    assert clean_title("Version Bump (v2)") == "Version Bump (v2)"


def test_a_back_reference_whose_number_disagrees_is_reported_not_guessed(tmp_path):
    body = (
        "New proposals\n\n"
        "Raised this period:\n\n"
        "- SECMP0082 'Only One' raised by Cy Dee (EDF) on 3rd April 2018.\n\n"
        "The IMRs for these three modifications will be presented at the June Panel.\n"
    )
    result = _ingest(tmp_path, body, MRSR)
    assert "status" not in _mods(result)["SECMP0082"]
    assert any("these three modifications" in w and "unclear" in w for w in result.warnings)


def test_a_conversion_without_a_day_is_kept_and_reported(tmp_path):
    body = "Conversions\n\nDP594 'Undated' has been converted into MP594.\n"
    result = _ingest(tmp_path, body)
    assert result.data["conversions"] == [{"draft": "DP594", "proposal": "MP594"}]
    assert any("DP594 was converted" in w and "not given" in w for w in result.warnings)


def test_implemented_and_withdrawn_are_said_of_the_sentence_subject_only(tmp_path):
    body = (
        "Define\n\n"
        "DP600 'Undo Change' would reverse the rules that were implemented by MP099 in 2020.\n\n"
        "MP601 and MP602 'Paired Mod' were withdrawn by the Proposer; MP603 is unaffected.\n\n"
        "Working Group\n\nThe next Working Group meeting on 5 July 2023 will discuss:\n\n- MP603\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["DP600"]) == ("Define", "Draft Proposal")
    assert "status" not in mods.get("MP099", {})
    assert _standing(mods["MP601"]) == _standing(mods["MP602"]) == ("Closed", "Withdrawn")
    assert _standing(mods["MP603"]) == ("Refine", "Refinement")


def test_what_a_release_is_subject_to_is_no_outcome(tmp_path):
    body = (
        "Releases\n\nPlanned for the next release, subject to the Change Board's approval:\n\n- MP610 'Pending Mod'\n"
    )
    result = _ingest(tmp_path, body)
    assert "status" not in _mods(result)["MP610"]


def test_a_caption_under_a_wrapped_table_is_not_its_last_cell(tmp_path):
    row = "| MP620 | A fairly long title that fills most of the printed table row on the page | Refinement |\n"
    body = "Open modifications\n\n| Mod | Title | Status |\n" + row + "Table 3: Open modifications this month\n"
    mods = _mods(_ingest(tmp_path, body))
    assert mods["MP620"]["status"] == "Refinement"


def test_a_heading_naming_a_change_board_meeting_leads_its_list_of_votes(tmp_path):
    body = (
        "Board business\n\n"
        "Special Change Board – 3 May 2023\n\n"
        "- MP520 'Widget Rules' was approved unanimously under Self-Governance; it better facilitates "
        "SEC Objective (c)[4].\n"
        "- MP521 'Gadget Rules' – the board declined to vote and referred it back to the Working Group.\n"
    )
    votes = _votes(_ingest(tmp_path, body))
    assert votes["MP520"]["date"] == dt.date(2023, 5, 3)
    assert (votes["MP520"]["outcome"], votes["MP520"]["majority"]) == ("approved", "unanimous")
    assert votes["MP520"]["objective"] == "(c)"  # "[4]" is a footnote mark
    assert votes["MP521"]["outcome"] == "sent_back"


def test_an_item_may_open_with_its_outcome_before_the_reference(tmp_path):
    body = (
        "Board business\n\n"
        "When it met on 17 May 2023 the Change Board:\n\n"
        "- rejected MP530 'Lamp Rules' under Self-Governance, as a majority considered it no improvement;\n"
        "- unanimously approved MP531 'Torch Rules' under Self-Governance.\n"
    )
    votes = _votes(_ingest(tmp_path, body))
    assert (votes["MP530"]["outcome"], votes["MP530"]["majority"]) == ("rejected", "majority")
    assert (votes["MP531"]["outcome"], votes["MP531"]["majority"]) == ("approved", "unanimous")


def test_an_authority_list_item_states_its_own_outcome(tmp_path):
    body = (
        "Summary\n\n"
        "On 2 June 2023 the Authority approved or rejected these:\n\n"
        "- MP540 'Kettle Rules' – rejected\n"
        "- MP541 'Toaster Rules' – approved\n"
    )
    decisions = {row["reference"]: row for row in _ingest(tmp_path, body).data["decisions"]}
    assert decisions["MP540"]["outcome"] == "rejected"
    assert decisions["MP541"]["outcome"] == "approved"


def test_a_decision_dated_by_the_next_sentence_and_an_objective_stated_after_the_vote(tmp_path):
    body = (
        "Decisions\n\n"
        "The Authority has rejected MP550 'Clock Rules'. Its decision was issued on 8 June 2023.\n\n"
        "On 14 June 2023 the Change Board approved MP551 'Watch Rules' under Self-Governance. "
        "It found the change better facilitates SEC Objective (d).\n"
    )
    result = _ingest(tmp_path, body)
    decisions = {row["reference"]: row for row in result.data["decisions"]}
    assert decisions["MP550"]["date"] == dt.date(2023, 6, 8)
    assert _votes(result)["MP551"]["objective"] == "(d)"


def test_a_body_agreeing_to_convert_dated_by_the_meeting_that_leads_the_list(tmp_path):
    body = (
        "Sub-committee\n\n"
        "The Change Sub-Committee met on 20 June 2023.\n\n"
        "- It decided to convert DP560 'Spoon Rules' into a Modification Proposal. MP560 goes through the "
        "Refinement Process.\n"
    )
    rows = {row["draft"]: row for row in _ingest(tmp_path, body).data["conversions"]}
    assert rows["DP560"]["date"] == dt.date(2023, 6, 20)
    assert (rows["DP560"]["proposal"], rows["DP560"]["next_phase"]) == ("MP560", "Refine")


def test_a_table_printed_a_cell_a_line_under_a_wrapped_header(tmp_path):
    body = (
        "Report Phase\n\n"
        "This table lists the proposals now in the Report Phase.\n\n"
        "Mod Ref Title Path Modification Report\n\n"
        "Consultation\n\n"
        "Change\n\n"
        "Board\n\n"
        "MP640\n\n"
        "Faster Widget\n\n"
        "Certification\n\n"
        "Path 3 – Self-\n\n"
        "Governance\n\n"
        "3-Jul-23 to\n\n"
        "21-Jul-23\n\n"
        "26-Jul-23\n\n"
        "MP641\n\n"
        "Slower Gadget Rules\n\n"
        "Path 2 – Authority\n\n"
        "Determination\n\n"
        "w/c 10-Jul-23\n\n"
        "23-Aug-23\n\n"
        "Next section\n\n"
        "Nothing else happened.\n"
    )
    result = _ingest(tmp_path, body, head=MRSR)
    mods = _mods(result)
    assert (mods["MP640"]["title"], mods["MP640"]["path"]) == ("Faster Widget Certification", "Self-Governance")
    assert (mods["MP641"]["title"], mods["MP641"]["path"]) == ("Slower Gadget Rules", "Authority Determination")
    assert _standing(mods["MP640"]) == ("Report Phase", "Report Phase")
    boards = {(m["kind"], m["date"]): [i["reference"] for i in m["items"]] for m in result.data["meetings"]}
    assert boards[("change_board", dt.date(2023, 7, 26))] == ["MP640"]
    assert boards[("change_board", dt.date(2023, 8, 23))] == ["MP641"]


def test_a_proposer_named_in_passing_a_day_opening_the_raised_sentence_and_a_lower_case_organisation(tmp_path):
    body = (
        "New and withdrawn\n\n"
        "MP680 'Cup Rules' was withdrawn by its Proposer, Sam Lee (Acme Energy), on 2 June 2023.\n\n"
        "On 5 June 2023 Ana Cruz from Northgrid raised DP681 'Plate Rules'.\n\n"
        "DP682 'Bowl Rules' was raised by Li Wei of ecotricity on 6 June 2023.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert (mods["MP680"]["proposer"], mods["MP680"]["organisation"]) == ("Sam Lee", "Acme Energy")
    assert mods["DP681"]["raised"] == dt.date(2023, 6, 5)
    assert mods["DP682"]["organisation"] == "ecotricity"


def test_a_list_items_later_sentence_and_a_short_caption_above_a_table_place_what_they_name(tmp_path):
    body = (
        "New modifications\n\n"
        "These were raised:\n\n"
        "- MP690 'Fork Rules' raised by Al Tan of Gridco on 1 June 2023\n"
        "The Initial Modification Reports for MP690 and MP691 will be presented to the Panel this month.\n\n"
        "Open DCC assessments\n\n"
        "| Modification | Type | Accepted |\n|---|---|---|\n| MP692 | IA | 1 May 23 |\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP691"]) == ("Initial Consideration", "Initial Consideration")
    assert _standing(mods["MP692"]) == ("Refine", "Refinement")


def test_tables_a_release_lead_and_a_with_the_authority_caption_place_their_modifications(tmp_path):
    long = "This paragraph is here so that the page's lines are long, as a real report's prose lines are. " * 2
    body = (
        f"{long}\n\n{long}\n\n{long}\n\n"
        "Releases\n\n"
        "Changes are approved for the release shown unless marked (targeted).\n\n"
        "| Release | Date | Modifications |\n|---|---|---|\n"
        "| March 2024 SEC Release | 7 March 2024 | MP700, MP701 *(targeted)* |\n\n"
        "Modifications with the Authority\n\n"
        "| Reference | Title | Sent |\n|---|---|---|\n| MP702 | Pan Rules | 3 July 2023 |\n\n"
        "Scope\n\n"
        "| Date | Mod | Status |\n|---|---|---|\n| 7 March 2024 | MP703 | Targeted (subject to Authority decision) |\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP700"]) == ("Implementation", "Approved")
    assert _standing(mods["MP701"]) == (None, None)
    assert _standing(mods["MP702"]) == ("Decision", "Awaiting Authority Decision")
    assert "status" not in mods["MP703"]  # "Targeted (…)" says where the release stands


def test_sentences_that_place_a_modification_in_refine_report_phase_or_on_hold(tmp_path):
    body = (
        "Progress\n\n"
        "The board agreed a request for a DCC Impact Assessment for MP710 'Jug Rules'.\n\n"
        "MP711 'Mug Rules' is still in the Report Phase after the board asked for clearer legal text.\n\n"
        "MP712 'Cup Rules' has been put on hold, and its next Working Group meeting was cancelled.\n\n"
        "MP713 is 'Saucer Rules'.\n\n"
        "The code changes for MP714 'Tray Rules' were implemented in May; the rest of MP714 follows later.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP710"]) == ("Refine", "Refinement")
    assert _standing(mods["MP711"]) == ("Report Phase", "Report Phase")
    assert _standing(mods["MP712"]) == ("Refine", "On hold")
    assert mods["MP713"]["title"] == "Saucer Rules"
    assert _standing(mods["MP714"]) == (None, None)  # only some of its changes were implemented


def test_a_lead_telling_of_approvals_and_rejections_gives_no_item_an_outcome(tmp_path):
    body = (
        "Change Board outcomes\n\n"
        "At its 12 July 2023 meeting the Change Board accepted two proposals and turned down one, approving "
        "MP551 and MP552 and rejecting the other:\n\n"
        "- MP551 'Alpha'\n"
        "- MP552 'Beta'\n"
        "- MP553 'Gamma'\n"
    )
    result = _ingest(tmp_path, body)
    assert not [v for v in result.data.get("votes", []) if v["reference"] == "MP553"]
    assert "status" not in _mods(result).get("MP553", {})


def test_a_decision_takes_the_day_of_its_own_clause_and_a_meeting_keeps_its_own_clause(tmp_path):
    body = (
        "Outcomes\n\n"
        "On 4 April 2023 the Change Board approved MP561 under Self-Governance; then on 18 April 2023 Ofgem "
        "approved MP562.\n"
    )
    result = _ingest(tmp_path, body)
    decisions = [(d["reference"], d["date"]) for d in result.data.get("decisions", [])]
    assert decisions == [("MP562", dt.date(2023, 4, 18))]
    boards = [m for m in result.data["meetings"] if m["kind"] == "change_board"]
    assert [[i["reference"] for i in m["items"]] for m in boards] == [["MP561"]]


def test_an_authority_decision_names_no_path_the_report_does_not(tmp_path):
    body = "Decisions\n\nOn 3 March 2023 Ofgem approved MP571, which goes live in the next release.\n"
    mod = _mods(_ingest(tmp_path, body))["MP571"]
    assert _standing(mod) == ("Implementation", "Approved")
    assert "path" not in mod
