"""General rules of the report family met in a second batch of unseen months (layouts that vary month
to month: headings, tables printed as lines, page furniture, wrapped list items), each on a short
snippet phrased unlike any of the reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from secbot.ingest.document import Line, clean, lines_of, without_page_furniture
from secbot.ingest.mentions import titled_mentions
from secbot.ingest.prose import lined_tables, paragraphs
from secbot.ingest.report import ingest
from tests.support.report_text import snippet

CSR = "Change Status Report – August 2024\n\nSECAS Team\n\n2 August 2024\n\n"


def _ingest(tmp_path: Path, body: str):
    path = tmp_path / "report.txt"
    path.write_text(CSR + body, encoding="utf-8")
    return ingest(path)


def _mods(result) -> dict[str, dict]:
    return {row["reference"]: row for row in result.data["modifications"]}


def _meetings(result) -> dict[tuple[str, dt.date], dict]:
    return {(row["kind"], row["date"]): row for row in result.data["meetings"]}


def _items(meeting: dict) -> list[str]:
    return [item["reference"] for item in meeting["items"]]


def _standing(mod: dict) -> tuple:
    return mod.get("phase"), mod.get("status")


# --- document: cells and page furniture ---------------------------------------------------------------


def test_empty_cells_first_in_a_row_keep_their_place():
    assert Line(1, clean("| | | MP601 | Quiet Hours | Approved |")).cells == [
        "",
        "",
        "MP601",
        "Quiet Hours",
        "Approved",
    ]
    # In a PDF's text a row opening with a bar and not closing with one starts with an empty cell.
    assert Line(1, clean(" |  | MP601 | Quiet Hours | Approved")).cells == ["", "", "MP601", "Quiet Hours", "Approved"]
    assert Line(1, clean("| Mean | | 12 WD |")).cells == ["Mean", "", "12 WD"]


def test_page_furniture_is_dropped_but_a_table_header_repeated_once_is_kept():
    pages = []
    for n in range(2, 7):
        pages += ["SECP_1_0101_01 – Some Report –", "May 2030", f"Page {n} of 9", "Classified Green"]
        if n in (3, 4):
            pages += ["Ref Title State"]  # a table going on across a page break repeats its header
        pages += [f"Body {n}"]
    kept = [line.text for line in without_page_furniture(lines_of("\n".join(pages)))]
    assert kept == ["Body 2", "Ref Title State", "Body 3", "Ref Title State", "Body 4", "Body 5", "Body 6"]


def test_a_report_without_page_numbers_keeps_every_line():
    lines = lines_of("A\nB\nA\nB")
    assert without_page_furniture(lines) == lines


# --- modifications --------------------------------------------------------------------------------------


def test_a_quoted_title_after_a_dash_or_colon_is_the_references_title():
    found = titled_mentions("DP640 – 'Meter Clock Drift' and MP641: 'Spare Keys'")
    assert [(t.mention.ref.text, t.title) for t in found] == [("DP640", "Meter Clock Drift"), ("MP641", "Spare Keys")]


def test_a_section_headed_by_a_reference_is_what_its_unnamed_raised_sentence_is_about(tmp_path):
    body = (
        "New ideas\n\n"
        "DP650 – 'Load Limiting Windows'\n\n"
        "Put forward by Ann Lee of Northern Gas on 4 July 2024. Suppliers cannot cap load.\n\n"
        "DP651\n\n"
        "This Draft Proposal was raised on 9 July 2024 by Raj Patel from Example Energy.\n\n"
        "Raised by Someone Else from Another Org on 1 July 2024.\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert mods["DP650"]["title"] == "Load Limiting Windows"
    assert "proposer" not in mods["DP650"]  # "Put forward" is no raising sentence this reader knows
    assert (mods["DP651"]["proposer"], mods["DP651"]["organisation"], mods["DP651"]["raised"]) == (
        "Raj Patel",
        "Example Energy",
        dt.date(2024, 7, 9),
    )  # the section's second raised sentence does not overwrite its first


def test_the_rest_of_a_raised_paragraph_is_the_issue_when_no_paragraph_follows(tmp_path):
    body = (
        "Fresh proposals\n\nDP652\n\n"
        "Raised by Ann Lee from Northern Gas on 4 July 2024. Suppliers cannot cap load.\n\nNext\n"
    )
    result = _ingest(tmp_path, body)
    assert _mods(result)["DP652"]["issue_summary"] == "Suppliers cannot cap load."


def test_a_decision_that_names_authority_determination_gives_the_path(tmp_path):
    body = "Regulator\n\nOn 3 July 2024 Ofgem approved MP660 'Tariff Tidy', an Authority Determination change.\n"
    assert _mods(_ingest(tmp_path, body))["MP660"]["path"] == "Authority Determination"


def test_a_list_after_the_working_group_met_is_in_refinement(tmp_path):
    body = "Workstreams\n\nOur Working Group met twice in July 2024. It looked at:\n\n- MP670 'Alpha'\n- MP671 'Beta'\n"
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP670"]) == _standing(mods["MP671"]) == ("Refine", "Refinement")


def test_staying_with_the_change_board_is_the_change_board_phase(tmp_path):
    body = "Votes\n\nMP680 'Gamma' was referred back for more detail, so it remains with the Change Board for now.\n"
    assert _standing(_mods(_ingest(tmp_path, body))["MP680"]) == ("Change Board", "Change Board")


def test_going_on_to_the_report_phase_moves_a_modification_but_not_a_draft_proposal(tmp_path):
    body = (
        "Next month\n\n"
        "These will move on to the Report Phase after the Panel agrees:\n\n"
        "- MP690 'Delta'\n"
        "- DP691 'Epsilon'\n"
    )
    mods = _mods(_ingest(tmp_path, body))
    assert _standing(mods["MP690"]) == ("Report Phase", "Report Phase")
    assert _standing(mods["DP691"]) == ("Define", "Draft Proposal")


def test_a_title_printed_once_with_an_aside_in_brackets_is_the_title_without_it(tmp_path):
    body = (
        "Scope\n\nMP700 'Quiet Hours Tweak (documents only)' is in one release.\n\n"
        "MP700 'Quiet Hours Tweak' is in another release.\n"
    )
    mod = _mods(_ingest(tmp_path, body))["MP700"]
    assert mod["title"] == "Quiet Hours Tweak"
    assert "earlier_titles" not in mod


# --- tables printed as lines ----------------------------------------------------------------------------

_LINED = (
    "Delivered in July\n"
    "Mod Ref Title Stage\n"
    "MP710 Short Name Implemented\n"
    "MP711 A very long name that the page cut off before its Implemented\n"
    "last words\n"
    "MP712 Another Implemented\n"
    "What comes next\n"
    "MP713 'Zeta' will be discussed in September.\n"
    "Coming releases\n"
    "Release Date Mod Ref Title Stage\n"
    "Spring 2031 SEC 1 March MP714 Widget handling for Approved\n"
    "Release 2031 rural sites\n"
    "MP715 Gadget handling Targeted\n"
    "Open assessments\n"
    "Mod Ref Type Accepted Target duration\n"
    "MP716 IA 3 Jun 24 40 WD\n"
)


def test_a_table_printed_as_lines_is_found_by_its_header_and_its_wrapped_cells_go_with_their_row():
    doc = snippet(_LINED)
    tables = lined_tables(doc)
    assert [t.columns for t in tables] == [
        ("mod ref", "title", "stage"),
        ("release", "date", "mod ref", "title", "stage"),
        ("mod ref", "type", "accepted", "target duration"),
    ]
    first = tables[0]
    assert [r.line.text.split()[0] for r in first.rows] == ["MP710", "MP711", "MP712"]
    assert [line.text for line in first.rows[1].more] == ["last words"]
    assert first.rows[2].more == ()  # "What comes next" heads the text after the table
    # Its lines are table rows to the prose readers, and the sentence after it is a paragraph of its own.
    texts = {p.text: p.table_row for p in paragraphs(doc)}
    assert texts["MP710 Short Name Implemented"] is True
    assert texts["MP713 'Zeta' will be discussed in September."] is False


def test_titles_and_status_words_are_read_from_a_table_printed_as_lines(tmp_path):
    mods = _mods(_ingest(tmp_path, _LINED))
    assert (mods["MP711"]["title"], *_standing(mods["MP711"])) == (
        "A very long name that the page cut off before its last words",
        "Closed",
        "Implemented",
    )
    assert mods["MP712"]["title"] == "Another"
    # The release's name and date wrapped onto the row's second line are not the title's.
    assert (mods["MP714"]["title"], *_standing(mods["MP714"])) == (
        "Widget handling for rural sites",
        "Implementation",
        "Approved",
    )
    assert mods["MP715"]["title"] == "Gadget handling" and "phase" not in mods["MP715"]  # "Targeted" is a scope word
    assert _standing(mods["MP716"]) == ("Refine", "Refinement")  # an open assessment


# --- wrapped list items ---------------------------------------------------------------------------------


def test_a_list_items_next_sentence_on_a_line_of_its_own_between_two_items_is_the_items():
    filled = "x" * 80
    doc = snippet(
        "Intro paragraph that is fairly long so that the wrap width is set by lines like these ones.\n"
        f"• MP720 'One' was dealt with {filled}.\n"
        "The Board thought it sound.\n"
        "• MP721 'Two' was dealt with too.\n"
        f"• MP722 'Three' was dealt with {filled}.\n"
        "The Board went on to other business.\n"
    )
    items = {p.text.split()[0]: p for p in paragraphs(doc) if p.level}
    assert items["MP720"].text.endswith("The Board thought it sound.")
    assert items["MP722"].text.endswith(f"{filled}.")  # the last item: no next item, no join


def test_an_items_outcome_in_the_paragraph_after_it_is_its_vote(tmp_path):
    body = (
        "Board\n\n"
        "The Change Board met on 17 July 2024 and voted on these:\n\n"
        "- MP730 'Eta' is a matter for Authority Determination.\n\n"
        "The Change Board recommended to the Authority that it be approved.\n"
    )
    votes = {row["reference"]: row for row in _ingest(tmp_path, body).data["votes"]}
    assert votes["MP730"]["outcome"] == "recommend_approval"


# --- meetings -------------------------------------------------------------------------------------------


def test_a_meeting_sentence_introducing_a_table_has_the_tables_references_as_items(tmp_path):
    body = (
        "Sub-committee\n\n"
        "The Change Sub-Committee met on 16 July 2024 and reached these outcomes:\n\n"
        "| Proposal | Outcome |\n|---|---|\n| DP740 'Theta' | Ready |\n| DP741 'Iota' | Not ready |\n"
    )
    meeting = _meetings(_ingest(tmp_path, body))[("change_sub_committee", dt.date(2024, 7, 16))]
    assert _items(meeting) == ["DP740", "DP741"]


def test_a_list_introduced_by_the_sentence_after_a_dated_meeting_is_its_agenda(tmp_path):
    body = "Working Group\n\nThe Working Group met on 10 July 2024. Topics were:\n\n- MP750 'Kappa'\n- MP751 'Lambda'\n"
    meeting = _meetings(_ingest(tmp_path, body))[("working_group", dt.date(2024, 7, 10))]
    assert _items(meeting) == ["MP750", "MP751"]


def test_an_agenda_sentence_after_a_dated_meeting_gives_its_day_and_expected_items(tmp_path):
    body = (
        "Working Group\n\n"
        "The Working Group will next meet on 4 September 2024. The draft agenda is to be published on "
        "21 August 2024 and should include MP760 and MP761.\n"
    )
    meeting = _meetings(_ingest(tmp_path, body))[("working_group", dt.date(2024, 9, 4))]
    assert meeting["agenda_published"] == dt.date(2024, 8, 21)
    assert _items(meeting) == ["MP760", "MP761"]


def test_going_to_the_panel_under_a_this_month_heading_is_this_months_panel(tmp_path):
    body = (
        "The SEC Panel meets on 9 August 2024.\n\n"
        "Panel items this month\n\n"
        "One proposal goes to the Panel for a decision on its route:\n\n"
        "- MP770 'Mu'\n"
    )
    meeting = _meetings(_ingest(tmp_path, body))[("panel", dt.date(2024, 8, 9))]
    assert "MP770" in _items(meeting)


def test_what_a_proposal_was_converted_into_is_not_a_second_item(tmp_path):
    body = (
        "Panel\n\nAt its meeting on 12 July 2024, the Panel converted DP780 'Nu' into a new Modification "
        "Proposal MP780.\n"
    )
    meeting = _meetings(_ingest(tmp_path, body))[("panel", dt.date(2024, 7, 12))]
    assert _items(meeting) == ["DP780"]


def test_a_meeting_item_whose_reference_ocr_damaged_is_read_as_repaired(tmp_path):
    body = "Working Group\n\nThe Working Group met on 11 July 2024 and looked at MPl79 'Xi'.\n"
    meeting = _meetings(_ingest(tmp_path, body))[("working_group", dt.date(2024, 7, 11))]
    assert _items(meeting) == ["MP179"]


def test_a_scope_word_in_a_release_tables_status_column_says_nothing_of_the_modification(tmp_path):
    body = (
        "Next releases\n\n"
        "| Release | Mod | Title | Status |\n|---|---|---|---|\n"
        "| Spring 2031 | MP790 | Omicron | Targeted |\n| | MP791 | Pi | Approved |\n\n"
        "Later\n\n"
        "| Mod | Title | Status |\n|---|---|---|\n| MP790 | Omicron | Refinement |\n"
    )
    result = _ingest(tmp_path, body)
    mods = _mods(result)
    assert _standing(mods["MP790"]) == ("Refine", "Refinement")
    assert _standing(mods["MP791"]) == ("Implementation", "Approved")  # its row opens with an empty cell
    assert not [w for w in result.warnings if "Targeted" in w]
